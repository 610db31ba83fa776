/* ratelimit — token buckets per key in a fixed table; see ratelimit.h. */
#include "ratelimit.h"

#include <stdlib.h>
#include <string.h>

struct bucket {
	char key[48];
	double tokens;
	uint64_t last_ms;
	bool used;
};

struct ratelimit {
	double rate, burst;
	unsigned slots;
	struct bucket *b;
};

#define PROBES 8

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct ratelimit *
rl_new(double rate, double burst, unsigned slots)
{
	struct ratelimit *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->rate = rate;
	r->burst = burst < 1 ? 1 : burst;
	r->slots = slots ? slots : 1;
	r->b = calloc(r->slots, sizeof(*r->b));
	if (!r->b) {
		free(r);
		return NULL;
	}
	return r;
}

void
rl_free(struct ratelimit *r)
{
	if (!r)
		return;
	free(r->b);
	free(r);
}

bool
rl_allow(struct ratelimit *r, const char *key, uint64_t now_ms)
{
	struct bucket *b = NULL, *oldest = NULL;
	uint32_t h;

	if (!r || r->rate <= 0)
		return true;
	h = hash(key);
	/* A few probes: found, or a free slot, or evict the least recently seen. */
	for (unsigned i = 0; i < PROBES && i < r->slots; i++) {
		struct bucket *c = &r->b[(h + i) % r->slots];
		if (c->used && strncmp(c->key, key, sizeof(c->key) - 1) == 0) {
			b = c;
			break;
		}
		if (!c->used) {
			if (!oldest || oldest->used)
				oldest = c;
		} else if (!oldest || (oldest->used && c->last_ms < oldest->last_ms)) {
			oldest = c;
		}
	}
	if (!b) {
		b = oldest;
		memset(b, 0, sizeof(*b));
		strncpy(b->key, key, sizeof(b->key) - 1);
		b->used = true;
		b->tokens = r->burst;
		b->last_ms = now_ms;
	}
	if (now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) * r->rate / 1000.0;
		if (b->tokens > r->burst)
			b->tokens = r->burst;
	}
	b->last_ms = now_ms;
	if (b->tokens < 1)
		return false;
	b->tokens -= 1;
	return true;
}

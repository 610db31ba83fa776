/* convo_state — the conversation state as compact printable text, for followup.conversations
 * (convo.h: convo_state_encode, convo_state_decode). Apart from the step so that the codec,
 * which the fuzzer hammers, reads on its own. */
#include "convo.h"
#include "gsm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- state as text ---------------------------------------------------------------------- */

/* "1|checkin|step|cur|cur_status|reasks|flags|expires_at|n|id|title|id|title..." with titles
 * percent-escaped ('%', '|' and control bytes), so it is printable and one field per '|'. */
#define STATE_VERSION "1"

long
convo_state_encode(const struct convo_state *st, char *buf, size_t len)
{
	int n;
	size_t o;

	if ((unsigned)st->step >= CONVO_STEP_COUNT || st->n_items > CONVO_MAX_ITEMS)
		return -1;
	n = snprintf(buf, len, STATE_VERSION "|%lld|%s|%u|%u|%u|%u|%lld|%u",
	             (long long)st->checkin_id, convo_step_name(st->step), st->cur, st->cur_status,
	             st->reasks, (st->last_of_schedule ? 1u : 0u) | (st->answered ? 2u : 0u),
	             (long long)st->expires_at, st->n_items);
	if (n < 0 || (size_t)n >= len)
		return -1;
	o = (size_t)n;
	for (size_t i = 0; i < st->n_items; i++) {
		const unsigned char *t = (const unsigned char *)st->items[i].title;
		n = snprintf(buf + o, len - o, "|%lld|", (long long)st->items[i].id);
		if (n < 0 || (size_t)n >= len - o)
			return -1;
		o += (size_t)n;
		for (size_t k = 0; k < CONVO_TITLE_SIZE && t[k]; k++) {
			bool esc = t[k] == '%' || t[k] == '|' || t[k] < 0x20 || t[k] == 0x7F;
			if (o + (esc ? 3 : 1) >= len)
				return -1;
			if (esc)
				o += (size_t)snprintf(buf + o, 4, "%%%02X", t[k]);
			else
				buf[o++] = (char)t[k];
		}
	}
	buf[o] = '\0';
	return (long)o;
}

struct cursor {
	const char *p;
	bool done;
};

static bool
next_field(struct cursor *c, const char **f, size_t *n)
{
	const char *e = c->p;
	if (c->done)
		return false;
	while (*e && *e != '|')
		e++;
	*f = c->p, *n = (size_t)(e - c->p);
	if (*e == '|')
		c->p = e + 1;
	else
		c->done = true;
	return true;
}

/* A decimal field of 1-18 digits in [0, max]. */
static bool
field_num(struct cursor *c, long long max, long long *v)
{
	const char *f;
	size_t n;
	long long x = 0;

	if (!next_field(c, &f, &n) || n == 0 || n > 18)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (f[i] < '0' || f[i] > '9')
			return false;
		x = x * 10 + (f[i] - '0');
	}
	*v = x;
	return x <= max;
}

static int
hex(char ch)
{
	return ch >= '0' && ch <= '9'   ? ch - '0'
	       : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
	       : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
	                                : -1;
}

static bool
field_title(struct cursor *c, char *dst)
{
	const char *f;
	size_t n, o = 0;

	if (!next_field(c, &f, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)f[i];
		if (b == '%') {
			if (i + 2 >= n || hex(f[i + 1]) < 0 || hex(f[i + 2]) < 0)
				return false;
			b = (unsigned char)(hex(f[i + 1]) << 4 | hex(f[i + 2]));
			i += 2;
			if (b == 0)
				return false;
		} else if (b < 0x20 || b == 0x7F) {
			return false;
		}
		if (o + 1 >= CONVO_TITLE_SIZE)
			return false;
		dst[o++] = (char)b;
	}
	dst[o] = '\0';
	for (size_t i = 0; i < o;) { /* titles are valid UTF-8 */
		uint32_t cp;
		size_t k = gsm_utf8_decode((const unsigned char *)dst + i, o - i, &cp);
		if (cp == 0xFFFD && k == 1)
			return false;
		i += k;
	}
	return true;
}

static bool
consistent(const struct convo_state *t)
{
	switch (t->step) {
	case CONVO_STEP_NONE:
		return t->n_items == 0 && t->cur == 0 && t->cur_status == 0;
	case CONVO_STEP_STATUS:
		return t->cur < t->n_items && t->cur_status == 0;
	case CONVO_STEP_REACHED:
		return t->cur < t->n_items && t->cur_status >= 1 && t->cur_status <= 4;
	case CONVO_STEP_HELP_NOTE:
		return t->cur < t->n_items && t->cur_status == 4;
	case CONVO_STEP_STORY:
		return t->last_of_schedule && t->cur == t->n_items && t->cur_status == 0;
	case CONVO_STEP_DONE:
		return t->cur <= t->n_items && t->cur_status == 0;
	default:
		return false;
	}
}

int
convo_state_decode(const char *s, struct convo_state *st)
{
	struct convo_state t;
	struct cursor c = {.p = s};
	const char *f;
	size_t n;
	long long v[8];

	memset(st, 0, sizeof(*st));
	memset(&t, 0, sizeof(t));
	if (!s || !next_field(&c, &f, &n) || n != 1 || *f != STATE_VERSION[0])
		return -1;
	if (!field_num(&c, INT64_MAX / 2, &v[0]) || !next_field(&c, &f, &n))
		return -1;
	t.step = CONVO_STEP_COUNT;
	for (int k = 0; k < CONVO_STEP_COUNT; k++)
		if (strlen(convo_step_name((enum convo_step)k)) == n &&
		    strncmp(convo_step_name((enum convo_step)k), f, n) == 0)
			t.step = (enum convo_step)k;
	if (t.step == CONVO_STEP_COUNT || !field_num(&c, CONVO_MAX_ITEMS, &v[1]) ||
	    !field_num(&c, 4, &v[2]) || !field_num(&c, CONVO_MAX_REASKS, &v[3]) ||
	    !field_num(&c, 3, &v[4]) || !field_num(&c, INT64_MAX / 2, &v[5]) ||
	    !field_num(&c, CONVO_MAX_ITEMS, &v[6]))
		return -1;
	t.checkin_id = v[0];
	t.cur = (uint8_t)v[1];
	t.cur_status = (uint8_t)v[2];
	t.reasks = (uint8_t)v[3];
	t.last_of_schedule = v[4] & 1;
	t.answered = (v[4] & 2) != 0;
	t.expires_at = v[5];
	t.n_items = (uint8_t)v[6];
	for (size_t i = 0; i < t.n_items; i++) {
		if (!field_num(&c, INT64_MAX / 2, &v[7]) || !field_title(&c, t.items[i].title))
			return -1;
		t.items[i].id = v[7];
	}
	if (!c.done || !consistent(&t))
		return -1;
	*st = t;
	return 0;
}

/*
 * fuzz_convo_state — libFuzzer target for the SMS check-in conversation's state codec and step
 * (handlers/convo.c) with the real catalogs and reply reader (config/messages, loaded once;
 * run from the repository root). The input is "encoded state\nreply text".
 * Checked: a refused state comes back zeroed; an accepted one encodes again, and that text
 * decodes to the same state and encodes to the same text; stepping it with the reply (read
 * by reply_read) for a person in and out of the conversation, before and after the question
 * expires, is deterministic and gives effects about the state's own check-in and items,
 * replies that render with the catalogs, nothing but START answered when opted out, cleaned
 * text that is valid UTF-8, and a new state that encodes and decodes back. A violated
 * property aborts. Built and run by scripts/fuzz.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "convo.h"
#include "gsm.h"
#include "reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                 \
	do {                                                                                     \
		if (!(x))                                                                        \
			abort();                                                                 \
	} while (0)

static struct catalog *cat;
static struct reply_reader *reader;

static void
load(void)
{
	char err[512];
	if (reader)
		return;
	cat = cat_load("config/messages", err, sizeof(err));
	if (!cat) {
		fprintf(stderr, "fuzz_convo_state: cat_load: %s\n", err);
		abort();
	}
	reader = reply_reader_new(cat, err, sizeof(err));
	if (!reader) {
		fprintf(stderr, "fuzz_convo_state: reply_reader_new: %s\n", err);
		abort();
	}
}

static int
same_state(const struct convo_state *a, const struct convo_state *b)
{
	if (a->step != b->step || a->checkin_id != b->checkin_id ||
	    a->expires_at != b->expires_at || a->last_of_schedule != b->last_of_schedule ||
	    a->answered != b->answered || a->n_items != b->n_items || a->cur != b->cur ||
	    a->cur_status != b->cur_status || a->reasks != b->reasks)
		return 0;
	for (size_t i = 0; i < a->n_items; i++)
		if (a->items[i].id != b->items[i].id ||
		    strcmp(a->items[i].title, b->items[i].title) != 0)
			return 0;
	return 1;
}

static int
utf8_valid(const char *s)
{
	size_t n = strlen(s);
	uint32_t cp;
	for (size_t i = 0; i < n;) {
		size_t k = gsm_utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (cp == 0xFFFD && k == 1)
			return 0;
		i += k;
	}
	return 1;
}

/* Encodes st and reads it back; returns the encoded length. */
static long
round_trip(const struct convo_state *st, char *enc)
{
	static char enc2[CONVO_ENCODED_MAX];
	struct convo_state again;
	long n = convo_state_encode(st, enc, CONVO_ENCODED_MAX);
	CHECK(n > 0 && n < CONVO_ENCODED_MAX && (size_t)n == strlen(enc));
	CHECK(convo_state_decode(enc, &again) == 0 && same_state(st, &again));
	CHECK(convo_state_encode(&again, enc2, sizeof(enc2)) == n && strcmp(enc, enc2) == 0);
	/* A buffer too small by one is refused, not overrun. */
	CHECK(convo_state_encode(st, enc2, (size_t)n) == -1);
	return n;
}

static int
item_of(const struct convo_state *st, int64_t id)
{
	for (size_t i = 0; i < st->n_items; i++)
		if (st->items[i].id == id)
			return 1;
	return 0;
}

static void
check_out(const struct convo_state *before, const struct convo_state *after,
	  const struct reply_reading *rd, const struct convo_ctx *ctx, const struct convo_out *out)
{
	static char enc[CONVO_ENCODED_MAX], buf[4096];
	size_t answered = 0;

	CHECK(memchr(out->text, '\0', sizeof(out->text)) && utf8_valid(out->text));
	CHECK(out->n_fx <= CONVO_MAX_EFFECTS && out->n_replies <= CONVO_MAX_REPLIES);
	for (size_t i = 0; i < out->n_fx; i++) {
		const struct convo_effect *e = &out->fx[i];
		CHECK((unsigned)e->kind < CONVO_FX_COUNT);
		CHECK(strcmp(convo_fx_name(e->kind), "?") != 0);
		CHECK(!e->text || e->text == out->text);
		CHECK(e->checkin_id == 0 || e->checkin_id == before->checkin_id);
		/* The decoder takes item id 0 (tests/unit/test_convo.c encodes one), so an item
		 * effect names one of the state's items, whatever its id. */
		CHECK(e->item_id == 0 || item_of(before, e->item_id));
		switch (e->kind) {
		case CONVO_FX_STORE_STATUS:
			CHECK(item_of(before, e->item_id) && e->value >= 1 && e->value <= 4);
			break;
		case CONVO_FX_STORE_REACHED:
			CHECK(item_of(before, e->item_id) && e->value >= 0 &&
			      e->value <= REPLY_NUMBER_MAX);
			break;
		case CONVO_FX_SET_LANGUAGE:
			CHECK(memchr(e->lang, '\0', sizeof(e->lang)) && cat_has_lang(cat, e->lang));
			break;
		case CONVO_FX_CHECKIN_ANSWERED:
			CHECK(!before->answered && after->answered);
			answered++;
			break;
		default:
			break;
		}
	}
	CHECK(answered <= 1);
	if (ctx->opted_out && rd->keyword != REPLY_KW_START)
		CHECK(out->n_replies == 0);
	for (size_t i = 0; i < out->n_replies; i++) {
		const struct convo_reply *r = &out->replies[i];
		CHECK(r->key && r->n_params <= CONVO_MAX_PARAMS);
		CHECK(memchr(r->lang, '\0', sizeof(r->lang)) && cat_has_lang(cat, r->lang));
		for (size_t k = 0; k < r->n_params; k++)
			CHECK(r->params[k].name &&
			      memchr(r->params[k].value, '\0', sizeof(r->params[k].value)));
		CHECK(convo_render(cat, r, buf, sizeof(buf)) >= 0);
	}
	round_trip(after, enc);
}

static int
same_out(const struct convo_out *a, const struct convo_out *b)
{
	if (a->n_fx != b->n_fx || a->n_replies != b->n_replies || strcmp(a->text, b->text) != 0)
		return 0;
	for (size_t i = 0; i < a->n_fx; i++)
		if (a->fx[i].kind != b->fx[i].kind || a->fx[i].item_id != b->fx[i].item_id ||
		    a->fx[i].value != b->fx[i].value || strcmp(a->fx[i].lang, b->fx[i].lang) != 0 ||
		    !a->fx[i].text != !b->fx[i].text)
			return 0;
	for (size_t i = 0; i < a->n_replies; i++)
		if (strcmp(a->replies[i].key, b->replies[i].key) != 0 ||
		    strcmp(a->replies[i].lang, b->replies[i].lang) != 0 ||
		    a->replies[i].n_params != b->replies[i].n_params)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct convo_ctx ctxs[] = {
	    {.lang = "en", .lang_codes = "en es fr pt rw sw"},
	    {.lang = "rw", .lang_codes = "en es fr pt rw sw"},
	    {.lang = "fr", .opted_out = true, .lang_codes = "en es fr pt rw sw"},
	};
	static struct convo_out o1, o2;
	static char enc[CONVO_ENCODED_MAX];
	struct convo_state st, zero, a, b;
	struct reply_reading rd;

	char *s = malloc(size + 1);
	CHECK(s);
	memcpy(s, data, size);
	s[size] = '\0';
	char *nl = memchr(s, '\n', size);
	const char *text = "";
	size_t len = 0;
	if (nl) {
		*nl = '\0';
		text = nl + 1;
		len = size - (size_t)(text - s); /* the reply may hold NULs: it has a length */
	}

	load();
	memset(&zero, 0, sizeof(zero));
	memset(&st, 0x5A, sizeof(st));
	if (convo_state_decode(s, &st) != 0) {
		CHECK(memcmp(&st, &zero, sizeof(st)) == 0);
		free(s);
		return 0;
	}
	round_trip(&st, enc);
	for (size_t c = 0; c < sizeof(ctxs) / sizeof(ctxs[0]); c++) {
		reply_read(reader, text, len, ctxs[c].lang, &rd);
		/* Just before the question expires, and at expiry. */
		for (int64_t late = 0; late <= 1; late++) {
			int64_t now = st.expires_at - 1 + late;
			a = st, b = st;
			convo_step(&a, &rd, text, len, &ctxs[c], now, &o1);
			check_out(&st, &a, &rd, &ctxs[c], &o1);
			convo_step(&b, &rd, text, len, &ctxs[c], now, &o2);
			CHECK(same_state(&a, &b) && same_out(&o1, &o2));
		}
	}
	free(s);
	return 0;
}

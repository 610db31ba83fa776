/* test_convo — the SMS check-in conversation step, read through the real reply reader and
 * the real catalogs (config/messages), plus state encoding and the catalog's messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "catalog.h"
#include "convo.h"
#include "gsm.h"
#include "reply.h"

#define NOW 1800000000LL
#define DAY 86400LL
#define TITLE30 "Kitchen garden for 40 families"
#define CODES "en es fr pt rw sw"

struct fixture {
	struct catalog *cat;
	struct reply_reader *rd;
};

static int
setup(void **state)
{
	static struct fixture f;
	char err[512] = "";

	f.cat = cat_load("config/messages", err, sizeof(err));
	if (!f.cat) {
		fprintf(stderr, "cat_load: %s\n", err);
		return -1;
	}
	f.rd = reply_reader_new(f.cat, err, sizeof(err));
	if (!f.rd) {
		fprintf(stderr, "reply_reader_new: %s\n", err);
		return -1;
	}
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	reply_reader_free(f->rd);
	cat_free(f->cat);
	return 0;
}

static const struct convo_item two_items[] = {
    {.id = 101, .title = "Kitchen gardens"},
    {.id = 102, .title = "Savings group"},
};

/* One inbound SMS through the reader and the step. */
static void
say(const struct fixture *f, struct convo_state *st, const char *text, const struct convo_ctx *ctx,
    int64_t now, struct convo_out *out)
{
	struct reply_reading rd;
	reply_read(f->rd, text, strlen(text), ctx->lang, &rd);
	convo_step(st, &rd, text, strlen(text), ctx, now, out);
}

static const struct convo_effect *
find_fx(const struct convo_out *out, enum convo_fx_kind kind)
{
	for (size_t i = 0; i < out->n_fx; i++)
		if (out->fx[i].kind == kind)
			return &out->fx[i];
	return NULL;
}

/* The single reply of out has this key (and this item parameter when item is not NULL). */
static void
assert_reply(const struct convo_out *out, size_t i, const char *key, const char *item)
{
	assert_true(out->n_replies > i);
	assert_string_equal(out->replies[i].key, key);
	if (item) {
		assert_int_equal(out->replies[i].n_params, 1);
		assert_string_equal(out->replies[i].params[0].name, "item");
		assert_string_equal(out->replies[i].params[0].value, item);
	}
}

static void
assert_same_state(const struct convo_state *a, const struct convo_state *b)
{
	assert_int_equal(a->step, b->step);
	assert_int_equal(a->checkin_id, b->checkin_id);
	assert_int_equal(a->expires_at, b->expires_at);
	assert_int_equal(a->last_of_schedule, b->last_of_schedule);
	assert_int_equal(a->answered, b->answered);
	assert_int_equal(a->n_items, b->n_items);
	assert_int_equal(a->cur, b->cur);
	assert_int_equal(a->cur_status, b->cur_status);
	assert_int_equal(a->reasks, b->reasks);
	for (size_t i = 0; i < a->n_items; i++) {
		assert_int_equal(a->items[i].id, b->items[i].id);
		assert_string_equal(a->items[i].title, b->items[i].title);
	}
}

static void
start_two(struct convo_state *st, bool last)
{
	struct convo_reply first;
	assert_int_equal(convo_start(st, 7, two_items, 2, last, NOW + 7 * DAY, "en", &first), 0);
	assert_string_equal(first.key, "sms.checkin_status");
	assert_string_equal(first.params[0].value, "Kitchen gardens");
	assert_int_equal(st->step, CONVO_STEP_STATUS);
}

static void
test_convo_two_items(void **state)
{
	const struct fixture *f = *state;
	struct convo_ctx ctx = {.lang = "en", .lang_codes = CODES};
	struct convo_state st;
	struct convo_out out;
	const struct convo_effect *e;

	start_two(&st, false);
	say(f, &st, " 2.", &ctx, NOW + 60, &out);
	e = find_fx(&out, CONVO_FX_STORE_STATUS);
	assert_non_null(e);
	assert_int_equal(e->item_id, 101);
	assert_int_equal(e->value, 2);
	assert_int_equal(e->checkin_id, 7);
	assert_non_null(find_fx(&out, CONVO_FX_CHECKIN_ANSWERED));
	assert_null(find_fx(&out, CONVO_FX_STORE_REACHED)); /* "2" is the status, not a count */
	assert_int_equal(out.n_replies, 1);
	assert_reply(&out, 0, "sms.reached", "Kitchen gardens");
	assert_int_equal(st.step, CONVO_STEP_REACHED);

	say(f, &st, "15 people", &ctx, NOW + 120, &out);
	e = find_fx(&out, CONVO_FX_STORE_REACHED);
	assert_non_null(e);
	assert_int_equal(e->item_id, 101);
	assert_int_equal(e->value, 15);
	assert_null(find_fx(&out, CONVO_FX_CHECKIN_ANSWERED)); /* only once per check-in */
	assert_reply(&out, 0, "sms.checkin_status", "Savings group");
	assert_int_equal(st.cur, 1);

	say(f, &st, "DONE!!", &ctx, NOW + 180, &out);
	e = find_fx(&out, CONVO_FX_STORE_STATUS);
	assert_non_null(e);
	assert_int_equal(e->item_id, 102);
	assert_int_equal(e->value, 3);
	assert_reply(&out, 0, "sms.reached", "Savings group");

	say(f, &st, "about twenty", &ctx, NOW + 240, &out);
	e = find_fx(&out, CONVO_FX_STORE_REACHED);
	assert_non_null(e);
	assert_int_equal(e->item_id, 102);
	assert_int_equal(e->value, 20);
	assert_reply(&out, 0, "sms.thanks", NULL);
	assert_int_equal(st.step, CONVO_STEP_DONE);

	/* After the thanks, nothing is open: kept for staff, acknowledged once a day. */
	say(f, &st, "thank you", &ctx, NOW + 300, &out);
	assert_non_null(find_fx(&out, CONVO_FX_STORE_FOR_STAFF));
	assert_reply(&out, 0, "sms.no_question", NULL);
	assert_true(out.replies[0].once_a_day);
}

static void
test_convo_status_and_number_at_once(void **state)
{
	const struct fixture *f = *state;
	struct convo_ctx ctx = {.lang = "fr", .lang_codes = CODES};
	struct convo_state st;
	struct convo_out out;

	start_two(&st, false);
	say(f, &st, "Terminé, 15 personnes", &ctx, NOW, &out);
	assert_int_equal(find_fx(&out, CONVO_FX_STORE_STATUS)->value, 3);
	assert_int_equal(find_fx(&out, CONVO_FX_STORE_REACHED)->value, 15);
	assert_reply(&out, 0, "sms.checkin_status", "Savings group");
	assert_string_equal(out.replies[0].lang, "fr");
}

static void
test_convo_need_help_note(void **state)
{
	const struct fixture *f = *state;
	struct convo_ctx ctx = {.lang = "sw", .lang_codes = CODES};
	struct convo_state st;
	struct convo_out out;
	const struct convo_effect *e;

	start_two(&st, false);
	say(f, &st, "nimekwama", &ctx, NOW, &out);
	assert_int_equal(find_fx(&out, CONVO_FX_STORE_STATUS)->value, 4);
	assert_reply(&out, 0, "sms.reached", "Kitchen gardens");
	say(f, &st, "watu 3", &ctx, NOW, &out);
	assert_int_equal(find_fx(&out, CONVO_FX_STORE_REACHED)->value, 3);
	assert_reply(&out, 0, "sms.help_note", "Kitchen gardens");
	assert_int_equal(st.step, CONVO_STEP_HELP_NOTE);

	say(f, &st, "  Hatuna mbegu za kutosha\n", &ctx, NOW, &out);
	e = find_fx(&out, CONVO_FX_STORE_HELP_NOTE);
	assert_non_null(e);
	assert_int_equal(e->item_id, 101);
	assert_string_equal(e->text, "Hatuna mbegu za kutosha"); /* trimmed */
	assert_reply(&out, 0, "sms.checkin_status", "Savings group");
}

/* A help note that is only a number or an emoji is re-asked. */
static void
test_convo_help_note_needs_words(void **state)
{
	const struct fixture *f = *state;
	struct convo_ctx ctx = {.lang = "en", .lang_codes = CODES};
	struct convo_state st;
	struct convo_out out;

	start_two(&st, false);
	say(f, &st, "4", &ctx, NOW, &out);
	say(f, &st, "0", &ctx, NOW, &out);
	assert_int_equal(st.step, CONVO_STEP_HELP_NOTE);
	say(f, &st, "4", &ctx, NOW, &out);
	assert_null(find_fx(&out, CONVO_FX_STORE_HELP_NOTE));
	assert_reply(&out, 0, "sms.reask_text", NULL);
	say(f, &st, "🙏", &ctx, NOW, &out);
	assert_reply(&out, 0, "sms.reask_text", NULL);
	assert_int_equal(st.reasks, 2);
}

static void
test_convo_story_on_last_checkin(void **state)
{
	const struct fixture *f = *state;
	struct convo_ctx ctx = {.lang = "rw", .lang_codes = CODES};
	struct convo_state st;
	struct convo_out out;
	struct convo_reply first;
	const struct convo_effect *e;

	assert_int_equal(convo_start(&st, 9, two_items, 1, true, NOW + DAY, "rw", &first), 0);
	say(f, &st, "byarangiye", &ctx, NOW, &out);
	say(f, &st, "abantu 8", &ctx, NOW, &out);
	assert_int_equal(find_fx(&out, CONVO_FX_STORE_REACHED)->value, 8);
	assert_reply(&out, 0, "sms.story", NULL);
	assert_int_equal(st.step, CONVO_STEP_STORY);

	say(f, &st, "Abagore 12 ubu bafite imboga", &ctx, NOW, &out);
	e = find_fx(&out, CONVO_FX_STORE_STORY);
	assert_non_null(e);
	assert_int_equal(e->checkin_id, 9);
	assert_string_equal(e->text, "Abagore 12 ubu bafite imboga");
	assert_reply(&out, 0, "sms.thanks_final", NULL);
	assert_int_equal(st.step, CONVO_STEP_DONE);

	/* No story after two re-asks: plain thanks (not "thank you for your story"). */
	assert_int_equal(convo_start(&st, 11, two_items, 1, true, NOW + DAY, "rw", &first), 0);
	say(f, &st, "3", &ctx, NOW, &out);
	say(f, &st, "0", &ctx, NOW, &out);
	assert_int_equal(st.step, CONVO_STEP_STORY);
	for (int i = 0; i < CONVO_MAX_REASKS; i++) {
		say(f, &st, "", &ctx, NOW, &out);
		assert_reply(&out, 0, "sms.reask_text", NULL);
	}
	say(f, &st, "", &ctx, NOW, &out);
	assert_null(find_fx(&out, CONVO_FX_STORE_STORY));
	assert_null(find_fx(&out, CONVO_FX_STORE_FOR_STAFF)); /* nothing to keep */
	assert_reply(&out, 0, "sms.thanks", NULL);
	assert_int_equal(st.step, CONVO_STEP_DONE);

	/* A last check-in with no open item asks for the story straight away. */
	assert_int_equal(convo_start(&st, 10, NULL, 0, true, NOW + DAY, "rw", &first), 0);
	assert_string_equal(first.key, "sms.story");
	assert_int_equal(st.step, CONVO_STEP_STORY);
}

static void
test_convo_reask_twice_then_move_on(void **state)
{
	const struct fixture *f = *state;
	struct convo_ctx ctx = {.lang = "en", .lang_codes = CODES};
	struct convo_state st;
	struct convo_out out;
	const struct convo_effect *e;

	start_two(&st, false);
	say(f, &st, "the rains came late", &ctx, NOW, &out);
	assert_int_equal(out.n_fx, 0);
	assert_reply(&out, 0, "sms.reask_status", "Kitchen gardens");
	assert_int_equal(st.reasks, 1);
	say(f, &st, "7", &ctx, NOW, &out); /* a number, but no status */
	assert_reply(&out, 0, "sms.reask_status", "Kitchen gardens");
	assert_int_equal(st.reasks, 2);

	say(f, &st, "we will see", &ctx, NOW, &out);
	e = find_fx(&out, CONVO_FX_STORE_FOR_STAFF);
	assert_non_null(e);
	assert_int_equal(e->item_id, 101);
	assert_string_equal(e->text, "we will see");
	assert_null(find_fx(&out, CONVO_FX_STORE_STATUS));
	assert_reply(&out, 0, "sms.checkin_status", "Savings group");
	assert_int_equal(st.reasks, 0);
	assert_int_equal(st.cur, 1);

	/* Same on the people-reached question of the last item: moves on to the thanks. */
	say(f, &st, "2", &ctx, NOW, &out);
	for (int i = 0; i < CONVO_MAX_REASKS; i++) {
		say(f, &st, "many", &ctx, NOW, &out);
		assert_reply(&out, 0, "sms.reask_reached", "Savings group");
	}
	say(f, &st, "many many", &ctx, NOW, &out);
	assert_non_null(find_fx(&out, CONVO_FX_STORE_FOR_STAFF));
	assert_reply(&out, 0, "sms.thanks", NULL);
	assert_int_equal(st.step, CONVO_STEP_DONE);
}

static void
test_convo_keywords_mid_conversation(void **state)
{
	const struct fixture *f = *state;
	struct convo_ctx ctx = {.lang = "en", .lang_codes = CODES};
	struct convo_state st, before;
	struct convo_out out;

	start_two(&st, false);
	say(f, &st, "2", &ctx, NOW, &out);
	before = st;

	say(f, &st, "help", &ctx, NOW, &out);
	assert_int_equal(out.n_fx, 0);
	assert_reply(&out, 0, "sms.help", NULL);
	assert_string_equal(out.replies[0].params[0].value, CODES);
	assert_same_state(&st, &before);

	say(f, &st, "Stop.", &ctx, NOW, &out);
	assert_non_null(find_fx(&out, CONVO_FX_OPT_OUT));
	assert_int_equal(out.n_replies, 1);
	assert_reply(&out, 0, "sms.stop_confirm", NULL);
	assert_same_state(&st, &before);

	/* Opted out: nothing but START gets an answer, not even a second STOP. */
	ctx.opted_out = true;
	say(f, &st, "STOP", &ctx, NOW, &out);
	assert_int_equal(out.n_fx, 0);
	assert_int_equal(out.n_replies, 0);
	say(f, &st, "12", &ctx, NOW, &out);
	assert_int_equal(out.n_replies, 0);
	assert_non_null(find_fx(&out, CONVO_FX_STORE_FOR_STAFF));
	assert_null(find_fx(&out, CONVO_FX_STORE_REACHED));

	say(f, &st, "start", &ctx, NOW, &out);
	assert_non_null(find_fx(&out, CONVO_FX_OPT_IN));
	assert_int_equal(out.n_replies, 2);
	assert_reply(&out, 0, "sms.start_confirm", NULL);
	assert_reply(&out, 1, "sms.reached", "Kitchen gardens"); /* the open question again */
	ctx.opted_out = false;

	say(f, &st, "LANG fr", &ctx, NOW, &out);
	assert_non_null(find_fx(&out, CONVO_FX_SET_LANGUAGE));
	assert_string_equal(find_fx(&out, CONVO_FX_SET_LANGUAGE)->lang, "fr");
	assert_int_equal(out.n_replies, 2);
	assert_reply(&out, 0, "sms.lang_changed", NULL);
	assert_string_equal(out.replies[0].lang, "fr");
	assert_string_equal(out.replies[1].lang, "fr");
	ctx.lang = "fr";

	say(f, &st, "langue xx", &ctx, NOW, &out);
	assert_int_equal(out.n_fx, 0);
	assert_reply(&out, 0, "sms.lang_unknown", NULL);
	assert_same_state(&st, &before);

	/* The conversation goes on where it was. */
	say(f, &st, "douze", &ctx, NOW, &out);
	assert_int_equal(find_fx(&out, CONVO_FX_STORE_REACHED)->value, 12);
}

static void
test_convo_late_reply(void **state)
{
	const struct fixture *f = *state;
	struct convo_ctx ctx = {.lang = "en", .lang_codes = CODES};
	struct convo_state st, before;
	struct convo_out out;
	int64_t late = NOW + 10 * DAY; /* expired three days ago */

	start_two(&st, false);
	before = st;
	/* Ambiguous late text: kept for staff, the question is not re-asked. */
	say(f, &st, "sorry I was travelling", &ctx, late, &out);
	assert_non_null(find_fx(&out, CONVO_FX_STORE_FOR_STAFF));
	assert_reply(&out, 0, "sms.no_question", NULL);
	assert_same_state(&st, &before);

	/* A status to the status question still counts. */
	say(f, &st, "in progress", &ctx, late, &out);
	assert_int_equal(find_fx(&out, CONVO_FX_STORE_STATUS)->value, 2);
	assert_non_null(find_fx(&out, CONVO_FX_CHECKIN_ANSWERED));
	say(f, &st, "9", &ctx, late, &out);
	assert_int_equal(find_fx(&out, CONVO_FX_STORE_REACHED)->value, 9);

	/* A stray number to a status question is not a status, even late. */
	say(f, &st, "150", &ctx, late, &out);
	assert_null(find_fx(&out, CONVO_FX_STORE_STATUS));
	assert_non_null(find_fx(&out, CONVO_FX_STORE_FOR_STAFF));
	assert_int_equal(st.reasks, 0);

	/* Late START re-subscribes but does not repeat an expired question. */
	say(f, &st, "START", &ctx, late, &out);
	assert_int_equal(out.n_replies, 1);
}

static void
test_convo_no_open_question(void **state)
{
	const struct fixture *f = *state;
	struct convo_ctx ctx = {.lang = "pt", .lang_codes = CODES};
	struct convo_state st;
	struct convo_out out;
	const char bad[] = "ol\xe1 \xff";

	memset(&st, 0, sizeof(st));
	say(f, &st, "concluido", &ctx, NOW, &out);
	assert_non_null(find_fx(&out, CONVO_FX_STORE_FOR_STAFF));
	assert_null(find_fx(&out, CONVO_FX_STORE_STATUS));
	assert_reply(&out, 0, "sms.no_question", NULL);
	assert_string_equal(out.replies[0].lang, "pt");

	/* Invalid UTF-8 is stored as valid UTF-8 (U+FFFD), so PostgreSQL accepts it. */
	say(f, &st, bad, &ctx, NOW, &out);
	assert_string_equal(find_fx(&out, CONVO_FX_STORE_FOR_STAFF)->text,
	                    "ol\xef\xbf\xbd \xef\xbf\xbd");
}

static void
test_convo_start_limits(void **state)
{
	struct convo_item many[CONVO_MAX_ITEMS + 1];
	struct convo_state st;
	struct convo_reply first;

	(void)state;
	memset(many, 0, sizeof(many));
	assert_int_equal(convo_start(&st, 1, many, CONVO_MAX_ITEMS + 1, false, NOW, "en", &first),
	                 -1);
	assert_int_equal(convo_start(&st, 1, NULL, 0, false, NOW, "en", &first), -1);

	/* A title filling its whole array (no NUL) is cut at a character boundary. */
	for (size_t i = 0; i + 1 < CONVO_TITLE_SIZE; i += 2)
		memcpy(many[0].title + i, "\xc3\xa9", 2); /* é, 64 times */
	many[0].id = 5;
	assert_int_equal(convo_start(&st, 1, many, 1, false, NOW, "en", &first), 0);
	assert_int_equal(strlen(st.items[0].title), CONVO_TITLE_SIZE - 2);
	assert_string_equal(first.params[0].value, st.items[0].title);
	assert_int_equal(st.items[0].id, 5);
}

static void
test_convo_encode_roundtrip(void **state)
{
	const struct fixture *f = *state;
	struct convo_ctx ctx = {.lang = "en", .lang_codes = CODES};
	struct convo_item items[CONVO_MAX_ITEMS];
	struct convo_state st, back;
	struct convo_reply first;
	struct convo_out out;
	char buf[CONVO_ENCODED_MAX];
	long n;
	static const char *const replies[] = {"2", "3", "4", "5", "water|pipes 100%",
	                                      "x", "y", "z"};

	memset(items, 0, sizeof(items));
	for (size_t i = 0; i < CONVO_MAX_ITEMS; i++) {
		items[i].id = 1000000000000LL + (int64_t)i;
		/* The worst case for escaping: every byte escaped, the title full. */
		memset(items[i].title, '|', CONVO_TITLE_SIZE - 1);
	}
	snprintf(items[0].title, CONVO_TITLE_SIZE, "Jardins à 50%% | Ubuhinzi\tbw'imboga");
	snprintf(items[1].title, CONVO_TITLE_SIZE, "Épargne %s", "\xe2\x82\xac");
	assert_int_equal(convo_start(&st, 42, items, CONVO_MAX_ITEMS, true, NOW, "en", &first), 0);

	/* Round trip at every point of a conversation. */
	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		n = convo_state_encode(&st, buf, sizeof(buf));
		assert_true(n > 0 && (size_t)n == strlen(buf));
		assert_null(strchr(buf, '\n'));
		assert_int_equal(convo_state_decode(buf, &back), 0);
		assert_same_state(&st, &back);
		say(f, &st, replies[i], &ctx, NOW - 1, &out);
	}
	/* A buffer too small is refused, not overrun. */
	assert_int_equal(convo_state_encode(&st, buf, 20), -1);
	memset(&st, 0, sizeof(st));
	n = convo_state_encode(&st, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(convo_state_decode(buf, &back), 0);
	assert_int_equal(back.step, CONVO_STEP_NONE);
}

static void
test_convo_decode_garbage(void **state)
{
	static const char *const bad[] = {
	    "",
	    "garbage",
	    "2|7|status|0|0|0|0|1800000000|1|101|x",           /* unknown version */
	    "1|7|status|0|0|0|0|1800000000|1|101",             /* title missing */
	    "1|7|status|0|0|0|0|1800000000|1|101|x|",          /* trailing field */
	    "1|7|status|0|0|0|0|1800000000|2|101|x",           /* fewer items than said */
	    "1|7|dancing|0|0|0|0|1800000000|1|101|x",          /* unknown step */
	    "1|7|status|1|0|0|0|1800000000|1|101|x",           /* cur past the items */
	    "1|7|status|0|0|3|0|1800000000|1|101|x",           /* too many re-asks */
	    "1|7|reached|0|0|0|0|1800000000|1|101|x",          /* reached without a status */
	    "1|7|note|0|2|0|0|1800000000|1|101|x",             /* help note after status 2 */
	    "1|7|story|1|0|0|0|1800000000|1|101|x",            /* story on a check-in not last */
	    "1|7|status|0|0|0|4|1800000000|1|101|x",           /* unknown flag */
	    "1|-7|status|0|0|0|0|1800000000|1|101|x",          /* negative id */
	    "1|7|status|0|0|0|0|99999999999999999999|1|101|x", /* overflow */
	    "1|7|status|0|0|0|0|1800000000|17|101|x",          /* too many items */
	    "1|7|status|0|0|0|0|1800000000|1|101|a%zzb",       /* bad escape */
	    "1|7|status|0|0|0|0|1800000000|1|101|a%00b",       /* NUL in a title */
	    "1|7|status|0|0|0|0|1800000000|1|101|a%",          /* cut escape */
	    "1|7|status|0|0|0|0|1800000000|1|101|\xff",        /* invalid UTF-8 */
	    "1|7|status|0|0|0|0|1800000000|1|101|a\tb",        /* raw control byte */
	    "1|7|status| 0|0|0|0|1800000000|1|101|x",          /* space in a number */
	    "1||status|0|0|0|0|1800000000|1|101|x",            /* empty number */
	};
	struct convo_state st;
	char good[] = "1|7|status|0|0|0|0|1800000000|1|101|x";
	char buf[CONVO_ENCODED_MAX];
	uint32_t seed = 99;

	(void)state;
	assert_int_equal(convo_state_decode(good, &st), 0);
	assert_int_equal(st.items[0].id, 101);
	assert_int_equal(convo_state_decode(NULL, &st), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&st, 0xAA, sizeof(st));
		if (convo_state_decode(bad[i], &st) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(st.step, CONVO_STEP_NONE); /* left zeroed */
		assert_int_equal(st.n_items, 0);
	}
	/* Mutations of a valid string: never a crash, and what decodes re-encodes the same. */
	for (int round = 0; round < 5000; round++) {
		char m[sizeof(good)];
		memcpy(m, good, sizeof(good));
		for (int k = 0; k < 1 + round % 3; k++) {
			seed = seed * 1103515245u + 12345u;
			m[(seed >> 8) % (sizeof(good) - 1)] = (char)(seed >> 20);
		}
		if (convo_state_decode(m, &st) == 0) {
			struct convo_state again;
			assert_true(convo_state_encode(&st, buf, sizeof(buf)) > 0);
			assert_int_equal(convo_state_decode(buf, &again), 0);
			assert_same_state(&st, &again);
		}
	}
}

/* Every message in every language: present, GSM-7 only and one SMS with a 30-character
 * title, and every placeholder filled. */
static void
test_convo_messages_fit(void **state)
{
	const struct fixture *f = *state;
	const char *const *langs;
	size_t n = cat_langs(f->cat, &langs);
	int checked = 0, keys = 0;

	assert_true(n >= 6);
	while (convo_message_keys[keys])
		keys++;
	for (size_t l = 0; l < n; l++) {
		for (size_t k = 0; convo_message_keys[k]; k++) {
			struct convo_reply r = {.key = convo_message_keys[k], .n_params = 2};
			char out[1024];
			long len, septets;

			snprintf(r.lang, sizeof(r.lang), "%s", langs[l]);
			r.params[0].name = "item";
			snprintf(r.params[0].value, CONVO_TITLE_SIZE, "%s", TITLE30);
			r.params[1].name = "codes";
			snprintf(r.params[1].value, CONVO_TITLE_SIZE, "%s", CODES);
			if (!cat_get_exact(f->cat, langs[l], r.key))
				fail_msg("%s.ini: %s missing", langs[l], r.key);
			len = convo_render(f->cat, &r, out, sizeof(out));
			assert_true(len > 0);
			septets = gsm_septets(out);
			if (!gsm_is_gsm7(out) || septets < 0 || septets > 160)
				fail_msg("%s.ini: %s: %ld septets, GSM-7 %d: %s", langs[l], r.key,
				         septets, gsm_is_gsm7(out), out);
			assert_null(strchr(out, '{'));
			checked++;
		}
	}
	assert_int_equal(checked, (int)n * keys);
}

static void
test_convo_render(void **state)
{
	const struct fixture *f = *state;
	struct convo_reply r = {.key = "sms.checkin_status", .lang = "en", .n_params = 1};
	char out[256];

	r.params[0].name = "item";
	snprintf(r.params[0].value, CONVO_TITLE_SIZE, "Kitchen gardens");
	assert_true(convo_render(f->cat, &r, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "'Kitchen gardens'"));
	assert_int_equal(convo_render(f->cat, &r, out, 20), -1); /* too small */
	r.n_params = 0;
	assert_int_equal(convo_render(f->cat, &r, out, sizeof(out)), -1); /* no {item} */
	r.key = "sms.no_such_key";
	assert_int_equal(convo_render(f->cat, &r, out, sizeof(out)), -1);
	/* A language without the key falls back to English. */
	r.key = "sms.thanks";
	snprintf(r.lang, sizeof(r.lang), "zz");
	assert_true(convo_render(f->cat, &r, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "Thank you"));
}

/* Each step's name is distinct; every open step asks with a catalog key convo declares, and
 * every step survives the encoding. */
static void
test_convo_step_table(void **state)
{
	(void)state;
	for (int i = 0; i < CONVO_STEP_COUNT; i++) {
		struct convo_state st = {.step = (enum convo_step)i, .n_items = 1};
		struct convo_state back;
		struct convo_reply q;
		char buf[CONVO_ENCODED_MAX];
		bool open = i != CONVO_STEP_NONE && i != CONVO_STEP_DONE;

		assert_string_not_equal(convo_step_name((enum convo_step)i), "?");
		for (int k = i + 1; k < CONVO_STEP_COUNT; k++)
			assert_string_not_equal(convo_step_name((enum convo_step)i),
			                        convo_step_name((enum convo_step)k));
		st.cur_status = i == CONVO_STEP_REACHED || i == CONVO_STEP_HELP_NOTE ? 4 : 0;
		st.last_of_schedule = true;
		st.cur = i == CONVO_STEP_STORY || i == CONVO_STEP_DONE ? 1 : 0;
		st.n_items = i == CONVO_STEP_NONE ? 0 : 1;
		st.cur = i == CONVO_STEP_NONE ? 0 : st.cur;
		assert_int_equal(convo_question(&st, "en", false, &q), open ? 0 : -1);
		if (open) {
			bool known = false;
			for (size_t k = 0; convo_message_keys[k]; k++)
				known |= strcmp(convo_message_keys[k], q.key) == 0;
			assert_true(known);
		}
		assert_true(convo_state_encode(&st, buf, sizeof(buf)) > 0);
		assert_int_equal(convo_state_decode(buf, &back), 0);
		assert_int_equal(back.step, i);
	}
	assert_string_equal(convo_step_name(CONVO_STEP_COUNT), "?");
	for (int i = 0; i < CONVO_FX_COUNT; i++)
		assert_string_not_equal(convo_fx_name((enum convo_fx_kind)i), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_convo_two_items),
	    cmocka_unit_test(test_convo_status_and_number_at_once),
	    cmocka_unit_test(test_convo_need_help_note),
	    cmocka_unit_test(test_convo_help_note_needs_words),
	    cmocka_unit_test(test_convo_story_on_last_checkin),
	    cmocka_unit_test(test_convo_reask_twice_then_move_on),
	    cmocka_unit_test(test_convo_keywords_mid_conversation),
	    cmocka_unit_test(test_convo_late_reply),
	    cmocka_unit_test(test_convo_no_open_question),
	    cmocka_unit_test(test_convo_start_limits),
	    cmocka_unit_test(test_convo_encode_roundtrip),
	    cmocka_unit_test(test_convo_decode_garbage),
	    cmocka_unit_test(test_convo_messages_fit),
	    cmocka_unit_test(test_convo_render),
	    cmocka_unit_test(test_convo_step_table),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * Unit tests of the USSD menu engine (handlers/menu.c): both flows walked through
 * menu_start/menu_step with the real catalogs, in English and Kinyarwanda. Every hop goes
 * through menu_state_encode/decode as it would through PostgreSQL, and every screen is
 * checked to fit 160 GSM-7 septets (with gateway/gsm.c, written apart from the menu).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gsm.h"
#include "menu.h"

static struct catalog *cat;
static struct menu_lang langs[CAT_MAX_LANGS];
static size_t n_langs;
static struct menu_topic topics[12];
static struct menu_item items[7];
static char titles[19][40];

static const char *const test_langs[] = {"en", "rw"};

static int
setup(void **state)
{
	char err[256];
	cat = cat_load("config/messages", err, sizeof(err));
	if (!cat) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	n_langs = menu_langs_fill(cat, langs, CAT_MAX_LANGS);
	for (int i = 0; i < 12; i++) {
		snprintf(titles[i], sizeof(titles[i]), "Topic %02d kitchen gardens", i + 1);
		topics[i] = (struct menu_topic){100 + i, titles[i]};
	}
	for (int i = 0; i < 7; i++) {
		snprintf(titles[12 + i], sizeof(titles[0]), "Item %d train 40 women in sack", i + 1);
		items[i] = (struct menu_item){200 + i, titles[12 + i], i % 5};
	}
	return 0;
}

static int
teardown(void **state)
{
	cat_free(cat);
	return 0;
}

static struct menu_ctx
ctx_for(const char *lang, bool champion, bool participant)
{
	return (struct menu_ctx){
		.cat = cat, .known = true, .name = "Aline", .language = lang,
		.is_champion = champion, .is_participant = participant, .route_id = 7,
		.route_code = "RW-2026", .visit_start = {2026, 11, 2}, .topics = topics,
		.n_topics = 12, .month_sessions = 3, .month_women = 41, .month_men = 17,
		.items = items, .n_items = 7, .langs = langs, .n_langs = n_langs,
		.today = {2026, 11, 20}, .session_ref = "S4821",
	};
}

static void
assert_state_eq(const struct menu_state *a, const struct menu_state *b)
{
	assert_int_equal(a->screen, b->screen);
	assert_int_equal(a->resume_to, b->resume_to);
	assert_int_equal(a->role, b->role);
	assert_string_equal(a->lang, b->lang);
	assert_int_equal(a->invalid, b->invalid);
	assert_int_equal(a->page, b->page);
	assert_int_equal(a->topic_id, b->topic_id);
	assert_int_equal(ussd_date_cmp(a->date, b->date), 0);
	assert_int_equal(a->women, b->women);
	assert_int_equal(a->men, b->men);
	assert_int_equal(a->item_id, b->item_id);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->people, b->people);
}

static void
check_screen(const struct menu_result *r)
{
	long n = gsm_septets(r->text);
	if (n < 0 || n > 160 || r->overflow || r->text[0] == '\0')
		fail_msg("bad screen (%ld septets):\n%s", n, r->text);
	assert_int_not_equal(r->state.screen, MENU_SCR_ERROR);
}

/* The stored state of the previous hop, read back as the next hop would. */
static struct menu_state
stored(const struct menu_result *r)
{
	char enc[MENU_STATE_SIZE];
	struct menu_state st;
	assert_int_equal(menu_state_encode(&r->state, enc, sizeof(enc)), 0);
	assert_int_equal(menu_state_decode(enc, &st), 0);
	assert_state_eq(&st, &r->state);
	return st;
}

static void
start(const struct menu_ctx *c, const struct menu_state *saved, struct menu_result *r)
{
	menu_start(c, saved, r);
	check_screen(r);
}

static void
step(const struct menu_ctx *c, struct menu_result *r, const char *in)
{
	struct menu_state st = stored(r);
	menu_step(&st, in, c, r);
	check_screen(r);
}

/* Steps through the inputs, a NULL-terminated list. */
static void
walk(const struct menu_ctx *c, struct menu_result *r, ...)
{
	va_list ap;
	const char *in;
	va_start(ap, r);
	while ((in = va_arg(ap, const char *)) != NULL)
		step(c, r, in);
	va_end(ap);
}

/* True when every literal part of the catalog text of key (what lies between placeholders)
 * is on the screen. */
static bool
shows(const struct menu_result *r, const char *lang, const char *key)
{
	const char *t = cat_get(cat, lang, key), *p;
	char part[200];
	assert_non_null(t);
	while (*t) {
		size_t n;
		if (*t == '{' && (p = strchr(t, '}')) != NULL) {
			t = p + 1;
			continue;
		}
		n = strcspn(t, "{");
		if (n >= sizeof(part))
			n = sizeof(part) - 1;
		memcpy(part, t, n);
		part[n] = '\0';
		if (!strstr(r->text, part))
			return false;
		t += n;
	}
	return true;
}

static bool
starts_with_key(const struct menu_result *r, const char *lang, const char *key)
{
	const char *t = cat_get(cat, lang, key);
	return strncmp(r->text, t, strlen(t)) == 0 && r->text[strlen(t)] == '\n';
}

static void
test_menu_unregistered(void **state)
{
	for (size_t l = 0; l < 2; l++) {
		struct menu_ctx c = ctx_for(test_langs[l], false, false);
		struct menu_result r;
		c.known = false;
		start(&c, NULL, &r);
		assert_int_equal(r.state.screen, MENU_SCR_UNREGISTERED);
		assert_true(r.end);
		assert_string_equal(r.text, cat_get(cat, test_langs[l], "ussd.unregistered"));
		step(&c, &r, "1");   /* a stray hop repeats the END */
		assert_int_equal(r.state.screen, MENU_SCR_UNREGISTERED);
		assert_int_equal(r.n_effects, 0);
	}
}

static void
test_menu_champion_logs_session(void **state)
{
	for (size_t l = 0; l < 2; l++) {
		const char *lang = test_langs[l];
		struct menu_ctx c = ctx_for(lang, true, false);
		struct menu_result r;

		start(&c, NULL, &r);
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MENU);
		assert_true(shows(&r, lang, "ussd.champion_menu"));
		assert_null(strstr(r.text, cat_get(cat, lang, "ussd.back"))); /* single role */
		step(&c, &r, "1");
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_TOPIC);
		assert_non_null(strstr(r.text, "1 Topic 01 kitchen gardens"));
		step(&c, &r, "2");
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_DATE);
		assert_int_equal(r.state.topic_id, 101);
		step(&c, &r, "1");
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_WOMEN);
		assert_int_equal(ussd_date_cmp(r.state.date, c.today), 0);
		walk(&c, &r, "14", "0", NULL);   /* 0 men is a count here, not "back" */
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_CONFIRM);
		assert_true(shows(&r, lang, "ussd.confirm_session"));
		assert_non_null(strstr(r.text, "Topic 02 kitchen gardens"));
		assert_non_null(strstr(r.text, "20/11/2026"));
		assert_non_null(strstr(r.text, ": 14 "));
		assert_int_equal(r.n_effects, 0);
		step(&c, &r, "1");
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_LOGGED);
		assert_true(r.end);
		assert_non_null(strstr(r.text, "S4821"));
		assert_int_equal(r.n_effects, 1);
		assert_int_equal(r.effects[0].kind, MENU_EFF_LOG_SESSION);
		assert_int_equal(r.effects[0].route_id, 7);
		assert_int_equal(r.effects[0].topic_id, 101);
		assert_int_equal(ussd_date_cmp(r.effects[0].date, c.today), 0);
		assert_int_equal(r.effects[0].women, 14);
		assert_int_equal(r.effects[0].men, 0);
		assert_string_equal(r.effects[0].ref, "S4821");
	}
}

/* The date screen and the typed date, table-driven: what is accepted, and the line shown
 * when it is not. */
static void
test_menu_date_edges(void **state)
{
	static const struct {
		const char *choice, *typed;
		enum menu_screen want;
		const char *err;
		struct ussd_date date;
	} cases[] = {
		{"1", NULL, MENU_SCR_CHAMP_WOMEN, NULL, {2026, 11, 20}},
		{"2", NULL, MENU_SCR_CHAMP_WOMEN, NULL, {2026, 11, 19}},
		{"3", "201126", MENU_SCR_CHAMP_WOMEN, NULL, {2026, 11, 20}},   /* today typed */
		{"3", "191126", MENU_SCR_CHAMP_WOMEN, NULL, {2026, 11, 19}},
		{"3", "021126", MENU_SCR_CHAMP_WOMEN, NULL, {2026, 11, 2}},    /* visit start */
		{"3", " 051126 ", MENU_SCR_CHAMP_WOMEN, NULL, {2026, 11, 5}},
		{"3", "211126", MENU_SCR_CHAMP_DATE_TYPE, "ussd.date_future", {0, 0, 0}},
		{"3", "010127", MENU_SCR_CHAMP_DATE_TYPE, "ussd.date_future", {0, 0, 0}},
		{"3", "011126", MENU_SCR_CHAMP_DATE_TYPE, "ussd.date_before", {0, 0, 0}},
		{"3", "311225", MENU_SCR_CHAMP_DATE_TYPE, "ussd.date_before", {0, 0, 0}},
		{"3", "310226", MENU_SCR_CHAMP_DATE_TYPE, "ussd.date_invalid", {0, 0, 0}},
		{"3", "2011", MENU_SCR_CHAMP_DATE_TYPE, "ussd.date_invalid", {0, 0, 0}},
		{"3", "abcdef", MENU_SCR_CHAMP_DATE_TYPE, "ussd.date_invalid", {0, 0, 0}},
		{"3", "20/11/26", MENU_SCR_CHAMP_DATE_TYPE, "ussd.date_invalid", {0, 0, 0}},
		{"3", "", MENU_SCR_CHAMP_DATE_TYPE, "ussd.date_invalid", {0, 0, 0}},
		{"4", NULL, MENU_SCR_CHAMP_DATE, "ussd.invalid", {0, 0, 0}},
	};
	for (size_t l = 0; l < 2; l++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct menu_ctx c = ctx_for(test_langs[l], true, false);
			struct menu_result r;
			start(&c, NULL, &r);
			walk(&c, &r, "1", "1", cases[i].choice, NULL);
			if (cases[i].typed) {
				assert_int_equal(r.state.screen, MENU_SCR_CHAMP_DATE_TYPE);
				assert_non_null(strstr(r.text, "201126"));   /* today, as example */
				step(&c, &r, cases[i].typed);
			}
			assert_int_equal(r.state.screen, cases[i].want);
			if (cases[i].err) {
				assert_int_equal(r.state.invalid, 1);
				assert_true(starts_with_key(&r, test_langs[l], cases[i].err) ||
					    strncmp(cases[i].err, "ussd.date_before", 16) == 0);
				assert_true(shows(&r, test_langs[l], cases[i].err));
				assert_int_equal(r.state.date.y, 0);
			} else {
				assert_int_equal(ussd_date_cmp(r.state.date, cases[i].date), 0);
			}
		}
	}
	/* yesterday is refused when the route's visit started today */
	struct menu_ctx c = ctx_for("en", true, false);
	struct menu_result r;
	c.visit_start = c.today;
	start(&c, NULL, &r);
	walk(&c, &r, "1", "1", "2", NULL);
	assert_int_equal(r.state.screen, MENU_SCR_CHAMP_DATE);
	assert_true(shows(&r, "en", "ussd.date_before"));
	assert_non_null(strstr(r.text, "20/11/2026"));
}

static void
test_menu_numbers_out_of_range(void **state)
{
	static const struct {
		const char *in;
		bool ok;
	} cases[] = {
		{"0", true}, {"999", true}, {"007", true}, {"1000", false}, {"-1", false},
		{"abc", false}, {"1 2", false}, {"", false}, {"99999999999", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct menu_ctx c = ctx_for("rw", true, false);
		struct menu_result r;
		start(&c, NULL, &r);
		walk(&c, &r, "1", "1", "1", NULL);
		step(&c, &r, cases[i].in);
		if (cases[i].ok) {
			assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MEN);
			assert_int_equal(r.state.women, atoi(cases[i].in));
		} else {
			assert_int_equal(r.state.screen, MENU_SCR_CHAMP_WOMEN);
			assert_int_equal(r.state.women, -1);
			assert_true(shows(&r, "rw", "ussd.number_invalid"));
			assert_non_null(strstr(r.text, "999"));
		}
	}
	/* people reached: 0..100000 */
	struct menu_ctx c = ctx_for("en", false, true);
	struct menu_result r;
	start(&c, NULL, &r);
	walk(&c, &r, "1", "1", "2", "100001", NULL);
	assert_int_equal(r.state.screen, MENU_SCR_PART_PEOPLE);
	assert_non_null(strstr(r.text, "100000"));
	step(&c, &r, "100000");
	assert_int_equal(r.state.screen, MENU_SCR_PART_CONFIRM);
	assert_int_equal(r.state.people, 100000);
}

static void
test_menu_back_and_main(void **state)
{
	for (size_t l = 0; l < 2; l++) {
		const char *lang = test_langs[l];
		struct menu_ctx c = ctx_for(lang, true, false);
		struct menu_result r;

		start(&c, NULL, &r);
		step(&c, &r, "0");   /* no back from the only main menu */
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MENU);
		assert_true(starts_with_key(&r, lang, "ussd.invalid"));
		walk(&c, &r, "1", "0", NULL);
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MENU);
		walk(&c, &r, "1", "2", "3", "0", NULL);   /* topic 2, another date, back */
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_DATE);
		step(&c, &r, "0");
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_TOPIC);
		assert_int_equal(r.state.topic_id, 101);   /* kept while going back */
		walk(&c, &r, "1", "2", "5", "6", NULL);
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_CONFIRM);
		step(&c, &r, "0");
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MEN);
		step(&c, &r, "00");
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MENU);
		assert_int_equal(r.state.topic_id, 0);   /* the main menu forgets the answers */
		assert_int_equal(r.state.women, -1);
		/* cancel on the confirm screen: back to the menu, nothing stored */
		walk(&c, &r, "1", "1", "1", "2", "3", "2", NULL);
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MENU);
		assert_int_equal(r.n_effects, 0);
	}
}

/* Follows "9 More" through a list, checking every entry appears once and in order, then
 * comes back with 0 page by page. Returns the number of pages. */
static int
page_through(const struct menu_ctx *c, struct menu_result *r, const char *const *want, int n)
{
	int seen = 0, pages = 1;
	for (;;) {
		const char *p = r->text;
		while (seen < n && (p = strstr(p, want[seen])) != NULL)
			seen++;
		if (!strstr(r->text, cat_get(cat, r->state.lang, "ussd.more")))
			break;
		step(c, r, "9");
		assert_int_equal(r->state.page, pages);
		pages++;
	}
	assert_int_equal(seen, n);
	step(c, r, "9");   /* no more pages: invalid, same page */
	assert_int_equal(r->state.page, pages - 1);
	assert_int_equal(r->state.invalid, 1);
	for (int p = pages - 1; p > 0; p--) {
		step(c, r, "0");
		assert_int_equal(r->state.page, p - 1);
	}
	return pages;
}

static void
test_menu_paging_topics(void **state)
{
	const char *want[12];
	for (int i = 0; i < 12; i++)
		want[i] = titles[i];
	for (size_t l = 0; l < 2; l++) {
		struct menu_ctx c = ctx_for(test_langs[l], true, false);
		struct menu_result r;
		start(&c, NULL, &r);
		step(&c, &r, "1");
		assert_true(page_through(&c, &r, want, 12) >= 2);
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_TOPIC);
		/* the first line of page 2 is the topic after the last one of page 1 */
		step(&c, &r, "9");
		char *line = strstr(r.text, "\n1 Topic ");
		assert_non_null(line);
		int k = atoi(line + 9);
		step(&c, &r, "1");
		assert_int_equal(r.state.topic_id, 100 + k - 1);
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_DATE);
		step(&c, &r, "0");
		assert_int_equal(r.state.page, 0);   /* a list is entered on its first page */
	}
}

static void
test_menu_paging_items_and_plan(void **state)
{
	const char *want[7];
	for (int i = 0; i < 7; i++)
		want[i] = titles[12 + i];
	for (size_t l = 0; l < 2; l++) {
		const char *lang = test_langs[l];
		struct menu_ctx c = ctx_for(lang, false, true);
		struct menu_result r;
		start(&c, NULL, &r);
		assert_int_equal(r.state.screen, MENU_SCR_PART_MENU);
		step(&c, &r, "1");
		assert_int_equal(r.state.screen, MENU_SCR_PART_ITEM);
		assert_true(page_through(&c, &r, want, 7) >= 2);
		walk(&c, &r, "0", "2", NULL);
		assert_int_equal(r.state.screen, MENU_SCR_PART_PLAN);
		assert_true(shows(&r, lang, "ussd.plan"));
		assert_non_null(strstr(r.text, cat_get(cat, lang, "ussd.status_0")));
		assert_true(page_through(&c, &r, want, 7) >= 2);
		step(&c, &r, "1");   /* the plan is to read: a number is invalid */
		assert_int_equal(r.state.invalid, 1);
		step(&c, &r, "0");
		assert_int_equal(r.state.screen, MENU_SCR_PART_MENU);
	}
}

static void
test_menu_participant_reports(void **state)
{
	for (size_t l = 0; l < 2; l++) {
		const char *lang = test_langs[l];
		struct menu_ctx c = ctx_for(lang, false, true);
		struct menu_result r;
		start(&c, NULL, &r);
		walk(&c, &r, "1", "2", NULL);
		assert_int_equal(r.state.screen, MENU_SCR_PART_STATUS);
		assert_int_equal(r.state.item_id, 201);
		assert_non_null(strstr(r.text, titles[13]));
		step(&c, &r, "5");
		assert_int_equal(r.state.invalid, 1);
		walk(&c, &r, "4", "35", NULL);
		assert_int_equal(r.state.screen, MENU_SCR_PART_CONFIRM);
		assert_non_null(strstr(r.text, cat_get(cat, lang, "ussd.status_4")));
		assert_non_null(strstr(r.text, "35"));
		step(&c, &r, "1");
		assert_int_equal(r.state.screen, MENU_SCR_PART_REPORTED);
		assert_true(r.end);
		assert_string_equal(r.text, cat_get(cat, lang, "ussd.progress_saved"));
		assert_int_equal(r.n_effects, 1);
		assert_int_equal(r.effects[0].kind, MENU_EFF_REPORT_PROGRESS);
		assert_int_equal(r.effects[0].item_id, 201);
		assert_int_equal(r.effects[0].status, 4);
		assert_int_equal(r.effects[0].people, 35);
	}
}

static void
test_menu_month(void **state)
{
	struct menu_ctx c = ctx_for("rw", true, false);
	struct menu_result r;
	start(&c, NULL, &r);
	step(&c, &r, "2");
	assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MONTH);
	assert_non_null(strstr(r.text, "41"));
	assert_non_null(strstr(r.text, "17"));
	step(&c, &r, "5");
	assert_int_equal(r.state.invalid, 1);
	step(&c, &r, "0");
	assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MENU);
}

static void
test_menu_three_invalid_ends(void **state)
{
	for (size_t l = 0; l < 2; l++) {
		const char *lang = test_langs[l];
		struct menu_ctx c = ctx_for(lang, true, false);
		struct menu_result r;
		start(&c, NULL, &r);
		walk(&c, &r, "7", "x", NULL);
		assert_int_equal(r.state.invalid, 2);
		assert_true(starts_with_key(&r, lang, "ussd.invalid"));
		step(&c, &r, "");
		assert_int_equal(r.state.screen, MENU_SCR_TOO_MANY);
		assert_true(r.end);
		assert_string_equal(r.text, cat_get(cat, lang, "ussd.too_many_invalid"));
		/* not in a row: a valid input resets the count */
		start(&c, NULL, &r);
		walk(&c, &r, "7", "7", "1", "77", "0", "99", NULL);
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MENU);
		assert_int_equal(r.state.invalid, 1);
		assert_false(r.end);
	}
}

static void
test_menu_both_roles(void **state)
{
	for (size_t l = 0; l < 2; l++) {
		const char *lang = test_langs[l];
		struct menu_ctx c = ctx_for(lang, true, true);
		struct menu_result r;
		start(&c, NULL, &r);
		assert_int_equal(r.state.screen, MENU_SCR_ROLE);
		assert_string_equal(r.text, cat_get(cat, lang, "ussd.role"));
		step(&c, &r, "0");
		assert_int_equal(r.state.invalid, 1);
		step(&c, &r, "1");
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MENU);
		assert_int_equal(r.state.role, 'c');
		assert_non_null(strstr(r.text, cat_get(cat, lang, "ussd.back")));
		step(&c, &r, "0");
		assert_int_equal(r.state.screen, MENU_SCR_ROLE);
		assert_int_equal(r.state.role, 0);
		walk(&c, &r, "2", "1", "00", NULL);
		assert_int_equal(r.state.screen, MENU_SCR_PART_MENU);
		assert_int_equal(r.state.role, 'p');
	}
}

static void
test_menu_empty_lists(void **state)
{
	struct menu_ctx c = ctx_for("rw", true, true);
	struct menu_result r;
	c.n_topics = 0;
	c.n_items = 0;
	start(&c, NULL, &r);
	walk(&c, &r, "1", "1", NULL);
	assert_int_equal(r.state.screen, MENU_SCR_NO_TOPICS);
	assert_true(r.end);
	start(&c, NULL, &r);
	walk(&c, &r, "2", "2", NULL);
	assert_int_equal(r.state.screen, MENU_SCR_NO_ITEMS);
	assert_string_equal(r.text, cat_get(cat, "rw", "ussd.no_items"));
}

static void
test_menu_language_change(void **state)
{
	size_t rw = n_langs;
	for (size_t i = 0; i < n_langs; i++)
		if (strcmp(langs[i].code, "rw") == 0)
			rw = i;
	assert_true(rw < n_langs && rw < 8);
	struct menu_ctx c = ctx_for("en", true, false);
	struct menu_result r;
	char in[4];
	start(&c, NULL, &r);
	step(&c, &r, "3");
	assert_int_equal(r.state.screen, MENU_SCR_CHAMP_LANG);
	assert_non_null(strstr(r.text, "Kinyarwanda"));
	snprintf(in, sizeof(in), "%zu", rw + 1);
	step(&c, &r, in);
	assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MENU);
	assert_string_equal(r.state.lang, "rw");
	assert_int_equal(r.n_effects, 1);
	assert_int_equal(r.effects[0].kind, MENU_EFF_SET_LANGUAGE);
	assert_string_equal(r.effects[0].lang, "rw");
	assert_true(starts_with_key(&r, "rw", "ussd.language_set"));
	assert_true(shows(&r, "rw", "ussd.champion_menu"));
	step(&c, &r, "1");   /* the next screens stay in rw, whatever the context says */
	assert_true(shows(&r, "rw", "ussd.pick_topic"));
	/* participant side, back to English */
	c = ctx_for("rw", false, true);
	start(&c, NULL, &r);
	walk(&c, &r, "3", "1", NULL);
	assert_string_equal(r.state.lang, langs[0].code);
	assert_int_equal(r.effects[0].kind, MENU_EFF_SET_LANGUAGE);
}

static void
test_menu_resume(void **state)
{
	for (size_t l = 0; l < 2; l++) {
		const char *lang = test_langs[l];
		struct menu_ctx c = ctx_for(lang, true, false);
		struct menu_result r, saved;

		start(&c, NULL, &r);
		walk(&c, &r, "1", "9", "2", "2", "12", NULL);   /* dropped on the men screen */
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MEN);
		int64_t resumed_topic = r.state.topic_id;
		assert_true(resumed_topic > 101);   /* the second topic of page 2 */
		saved = r;
		start(&c, &saved.state, &r);
		assert_int_equal(r.state.screen, MENU_SCR_RESUME);
		assert_string_equal(r.text, cat_get(cat, lang, "ussd.resume"));
		step(&c, &r, "1");
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MEN);
		assert_int_equal(r.state.topic_id, resumed_topic);
		assert_int_equal(r.state.women, 12);
		walk(&c, &r, "3", "1", NULL);
		assert_int_equal(r.effects[0].kind, MENU_EFF_LOG_SESSION);
		assert_int_equal(r.effects[0].topic_id, resumed_topic);
		assert_int_equal(ussd_date_cmp(r.effects[0].date, (struct ussd_date){2026, 11, 19}),
				 0);
		assert_int_equal(r.effects[0].women, 12);
		assert_int_equal(r.effects[0].men, 3);

		start(&c, &saved.state, &r);   /* start again */
		step(&c, &r, "2");
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MENU);
		assert_int_equal(r.state.topic_id, 0);
		start(&c, &saved.state, &r);   /* 00 on the resume screen starts again too */
		step(&c, &r, "00");
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MENU);
		assert_int_equal(r.state.women, -1);

		/* a list page is kept */
		start(&c, NULL, &r);
		walk(&c, &r, "1", "9", NULL);
		saved = r;
		start(&c, &saved.state, &r);
		step(&c, &r, "1");
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_TOPIC);
		assert_int_equal(r.state.page, 1);

		/* nothing to resume from a main menu, an END, or a topic gone since */
		start(&c, NULL, &r);
		saved = r;
		start(&c, &saved.state, &r);
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MENU);
		walk(&c, &r, "1", "1", "1", "1", "1", "1", NULL);
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_LOGGED);
		saved = r;
		start(&c, &saved.state, &r);
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MENU);
		saved.state.screen = MENU_SCR_CHAMP_CONFIRM;
		start(&c, &saved.state, &r);   /* the same answers on the confirm screen resume */
		assert_int_equal(r.state.screen, MENU_SCR_RESUME);
		c.n_topics = 0;   /* topic 100 was removed: the saved answers mean nothing now */
		start(&c, &saved.state, &r);
		assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MENU);
		assert_int_equal(r.state.topic_id, 0);
	}
}

/* A state stored by a step that no longer fits the context (the topic was deleted between
 * two hops) restarts the menus instead of showing nonsense; a state on an END repeats it. */
static void
test_menu_stale_state_restarts(void **state)
{
	struct menu_ctx c = ctx_for("en", true, false);
	struct menu_result r;
	struct menu_state st;
	start(&c, NULL, &r);
	walk(&c, &r, "1", "2", NULL);
	assert_int_equal(r.state.topic_id, 101);
	st = stored(&r);
	c.n_topics = 1;   /* topic 101 is gone */
	menu_step(&st, "1", &c, &r);
	check_screen(&r);
	assert_int_equal(r.state.screen, MENU_SCR_CHAMP_MENU);
	assert_int_equal(r.state.topic_id, 0);
	c.is_champion = false;
	c.is_participant = true;
	menu_step(&st, "1", &c, &r);   /* no longer a champion */
	assert_int_equal(r.state.screen, MENU_SCR_PART_MENU);
}

/* Replaying the inputs from the start gives the same state and screen as stepping hop by
 * hop: what the caller relies on when it lost a session's row. */
static void
test_menu_replay_deterministic(void **state)
{
	static const char *const inputs[] = {"1", "9", "0", "2", "3", "150226", "191126", "8",
					     "1000", "6", "0", "7", "1"};
	const size_t n = sizeof(inputs) / sizeof(inputs[0]);
	for (size_t l = 0; l < 2; l++) {
		struct menu_ctx c = ctx_for(test_langs[l], true, false);
		struct menu_result a, b;
		start(&c, NULL, &a);
		for (size_t i = 0; i < n; i++) {
			step(&c, &a, inputs[i]);
			menu_replay(&c, inputs, i + 1, &b);
			assert_state_eq(&a.state, &b.state);
			assert_string_equal(a.text, b.text);
			assert_int_equal(a.n_effects, b.n_effects);
		}
		assert_int_equal(a.state.screen, MENU_SCR_CHAMP_LOGGED);
		assert_int_equal(a.effects[0].women, 8);
		assert_int_equal(a.effects[0].men, 7);
	}
}

static void
test_menu_state_decode_rejects(void **state)
{
	static const char *const bad[] = {
		"", "v1", "v2;scr=role", "V1;scr=role", "v1;", "v1;scr=", "v1;scr=nope",
		"v1;scr=none", "v1;scr=role;", "v1;;scr=role", "v1;scr=role;scr=role",
		"v1;scr=role;x=1", "v1;scr=role;inv=3", "v1;scr=role;inv=-1", "v1;scr=role;inv=+1",
		"v1;scr=role;page=1a", "v1;scr=role;page=1000", "v1;scr=role;role=x",
		"v1;scr=role;role=cc", "v1;scr=role;lang=RW", "v1;scr=role;lang=e",
		"v1;scr=role;lang=engl", "v1;scr=role;topic=0", "v1;scr=role;topic=-5",
		"v1;scr=role;topic=1234567890123456789", "v1;scr=role;date=2026-02-31",
		"v1;scr=role;date=20261120", "v1;scr=role;w=1000", "v1;scr=role;st=5",
		"v1;scr=role;ppl=100001", "v1;scr=role;rs=champ_men", "v1;scr=resume",
		"v1;scr=resume;rs=champ_logged", "v1;scr=resume;rs=champ_menu",
		"v1;scr=champ_women;role=c", "v1;scr=champ_women;role=p;topic=1;date=2026-11-20",
		"v1;scr=part_confirm;role=p;item=3;st=2", "v1 ;scr=role", "v1;scr=role\n",
		"v1;scr=role=x", "v1;scr",
	};
	struct menu_state st = {.screen = MENU_SCR_CHAMP_MONTH};
	char big[400];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (menu_state_decode(bad[i], &st) == 0)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(st.screen, MENU_SCR_CHAMP_MONTH);   /* untouched */
	}
	assert_int_equal(menu_state_decode(NULL, &st), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "v1;scr=role;lang=en;x=", 22);
	assert_int_equal(menu_state_decode(big, &st), -1);

	assert_int_equal(menu_state_decode("v1;scr=champ_confirm;role=c;lang=rw;topic=12;"
					   "date=2026-11-20;w=4;m=3", &st), 0);
	assert_int_equal(st.screen, MENU_SCR_CHAMP_CONFIRM);
	assert_int_equal(st.topic_id, 12);
	assert_int_equal(st.men, 3);
	assert_int_equal(st.item_id, 0);
	assert_int_equal(st.people, -1);
	char out[MENU_STATE_SIZE];
	assert_int_equal(menu_state_encode(&st, out, sizeof(out)), 0);
	assert_string_equal(out, "v1;scr=champ_confirm;role=c;lang=rw;topic=12;"
				 "date=2026-11-20;w=4;m=3");
	assert_int_equal(menu_state_encode(&st, out, 10), -1);   /* too small */
	st.screen = MENU_SCR_COUNT;
	assert_int_equal(menu_state_encode(&st, out, sizeof(out)), -1);
}

/* Mutations of valid encodings (a poor man's fuzzer, deterministic): decoding never
 * misbehaves under ASan, and whatever decodes encodes back to the same text. */
static void
test_menu_state_decode_mutations(void **state)
{
	static const char *const seeds[] = {
		"v1;scr=champ_confirm;role=c;lang=rw;topic=12;date=2026-11-20;w=4;m=3",
		"v1;scr=resume;rs=part_people;role=p;lang=sw;inv=2;item=9;st=4",
		"v1;scr=part_plan;role=p;page=3", "v1;scr=role;lang=en",
	};
	static const char alphabet[] = "v1;=scrolepagdt0123456789-_:\xff";
	unsigned long seed = 12345;

	for (int i = 0; i < 20000; i++) {
		char buf[MENU_STATE_SIZE], again[MENU_STATE_SIZE];
		struct menu_state st;
		size_t len;
		strcpy(buf, seeds[i % 4]);
		len = strlen(buf);
		for (int k = 0; k < 1 + i % 3; k++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			size_t pos = (seed >> 33) % len;
			char c = alphabet[(seed >> 20) % (sizeof(alphabet) - 1)];
			if ((seed >> 10) % 3 == 0 && len > 1)
				memmove(buf + pos, buf + pos + 1, len-- - pos);   /* delete */
			else
				buf[pos] = c;   /* replace */
		}
		if (menu_state_decode(buf, &st) == 0) {
			struct menu_state st2;
			assert_int_equal(menu_state_encode(&st, again, sizeof(again)), 0);
			assert_int_equal(menu_state_decode(again, &st2), 0);
			assert_state_eq(&st, &st2);
		}
	}
}

/* Every state reachable from the start in up to 8 hops with a set of inputs, breadth first,
 * deduplicated by encoding, for each kind of person in en and rw: every screen fits, the engine
 * never hits an impossible transition (ERROR), every state round-trips through its encoding. */
enum { EXPLORE_MAX = 1 << 16, EXPLORE_HASH = 1 << 17, EXPLORE_DEPTH = 8 };
static char explored[EXPLORE_MAX][MENU_STATE_SIZE];
static unsigned char depth_of[EXPLORE_MAX];
static int32_t slot_of[EXPLORE_HASH];

/* Adds enc to the explored set; returns false when it was there already. */
static bool
explore_add(const char *enc, size_t *n, int depth)
{
	uint32_t h = 2166136261u;
	for (const char *p = enc; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (h &= EXPLORE_HASH - 1; slot_of[h] >= 0; h = (h + 1) & (EXPLORE_HASH - 1))
		if (strcmp(explored[slot_of[h]], enc) == 0)
			return false;
	assert_true(*n < EXPLORE_MAX);
	strcpy(explored[*n], enc);
	depth_of[*n] = (unsigned char)depth;
	slot_of[h] = (int32_t)(*n)++;
	return true;
}

static void
test_menu_explore_all_states(void **state)
{
	static const char *const inputs[] = {"0", "00", "1", "2", "3", "4", "9", "999", "1000",
					     "191126", "310226", "x"};
	bool reached[MENU_SCR_COUNT] = {false};

	for (int who = 0; who < 3; who++) {
		for (size_t l = 0; l < 2; l++) {
			struct menu_ctx c = ctx_for(test_langs[l], who != 1, who != 0);
			size_t n = 0, head = 0;
			struct menu_result r;
			char enc[MENU_STATE_SIZE];
			memset(slot_of, 0xff, sizeof(slot_of));
			start(&c, NULL, &r);
			assert_int_equal(menu_state_encode(&r.state, enc, sizeof(enc)), 0);
			explore_add(enc, &n, 0);
			for (; head < n; head++) {
				struct menu_state st;
				if (depth_of[head] == EXPLORE_DEPTH)
					continue;
				assert_int_equal(menu_state_decode(explored[head], &st), 0);
				for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
					menu_step(&st, inputs[i], &c, &r);
					check_screen(&r);
					reached[r.state.screen] = true;
					stored(&r);
					assert_int_equal(
						menu_state_encode(&r.state, enc, sizeof(enc)), 0);
					explore_add(enc, &n, depth_of[head] + 1);
				}
			}
			assert_true(n > 100);
		}
	}
	for (int s = 1; s < MENU_SCR_COUNT; s++) {
		/* what needs another context: unknown number, empty lists, resume, error */
		if (s == MENU_SCR_UNREGISTERED || s == MENU_SCR_NO_TOPICS || s == MENU_SCR_NO_ITEMS ||
		    s == MENU_SCR_RESUME || s == MENU_SCR_ERROR)
			continue;
		if (!reached[s])
			fail_msg("not reached: %s", menu_screen_name(s));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_menu_unregistered),
		cmocka_unit_test(test_menu_champion_logs_session),
		cmocka_unit_test(test_menu_date_edges),
		cmocka_unit_test(test_menu_numbers_out_of_range),
		cmocka_unit_test(test_menu_back_and_main),
		cmocka_unit_test(test_menu_paging_topics),
		cmocka_unit_test(test_menu_paging_items_and_plan),
		cmocka_unit_test(test_menu_participant_reports),
		cmocka_unit_test(test_menu_month),
		cmocka_unit_test(test_menu_three_invalid_ends),
		cmocka_unit_test(test_menu_both_roles),
		cmocka_unit_test(test_menu_empty_lists),
		cmocka_unit_test(test_menu_language_change),
		cmocka_unit_test(test_menu_resume),
		cmocka_unit_test(test_menu_stale_state_restarts),
		cmocka_unit_test(test_menu_replay_deterministic),
		cmocka_unit_test(test_menu_state_decode_rejects),
		cmocka_unit_test(test_menu_state_decode_mutations),
		cmocka_unit_test(test_menu_explore_all_states),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

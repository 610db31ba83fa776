/*
 * Unit tests of the USSD screen table (handlers/menu_screens.c): a walk of the table (every
 * screen reachable, every target in range and allowed), the catalog keys it uses in every
 * language, and every screen of every page rendered in every language with the worst data
 * (longest titles, biggest numbers, every error line): at most 160 septets, GSM 03.38 only.
 * The GSM check uses gateway/gsm.c, written apart from the menu's own text code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gsm.h"
#include "menu_int.h"

static struct catalog *cat;
static struct menu_lang langs[CAT_MAX_LANGS];
static size_t n_langs;

/* Worst cases: 30 characters (the SPEC's limit for item titles), some outside GSM-7. */
static const struct menu_topic topics[] = {
	{11, "Kitchen gardens and composting"}, {12, "Gestão da água e irrigação ok"},
	{13, "Savings groups: VSLA basics.."}, {14, "Rainwater harvesting for homes"},
	{15, "Seed multiplication with CSAs"}, {16, "Marketing vegetables together"},
	{17, "Nutrition for children < 5 yr"}, {18, "Ubuhinzi bw'imboga n'imbuto zo"},
	{19, "Kilimo cha mboga za majani bor"}, {20, "Post-harvest storage [silos]"},
	{21, "Small livestock: goats & hens"}, {22, "Record keeping for cooperative"},
};
static const struct menu_item items[] = {
	{31, "Train 40 women in sack garden", 0}, {32, "Start a savings group of 25 p", 1},
	{33, "Build two rainwater tanks here", 2}, {34, "Share seeds with 3 neighbours", 3},
	{35, "Teach composting at the school", 4}, {36, "Visit the market cooperative", 2},
	{37, "Write a story of change (€50)", 1},
};

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
	return 0;
}

static int
teardown(void **state)
{
	cat_free(cat);
	return 0;
}

static struct menu_ctx
worst_ctx(const char *lang)
{
	return (struct menu_ctx){
		.cat = cat, .known = true, .name = "Immaculée Mukamana", .language = lang,
		.is_champion = true, .is_participant = true, .route_id = 9,
		.route_code = "RW-2026-01", .visit_start = {2026, 11, 2}, .topics = topics,
		.n_topics = sizeof(topics) / sizeof(topics[0]), .month_sessions = 999,
		.month_women = 99999, .month_men = 99999, .items = items,
		.n_items = sizeof(items) / sizeof(items[0]), .langs = langs, .n_langs = n_langs,
		.today = {2026, 11, 20}, .session_ref = "S1234567",
	};
}

static bool
is_end(enum menu_screen s)
{
	return menu_screens[s].kind == MENU_K_END;
}

/* Every edge of the table: targets in range, allowed by menu_transition_ok, and each kind of
 * screen has what its kind needs. */
static void
test_menu_screens_targets(void **state)
{
	for (int s = 1; s < MENU_SCR_COUNT; s++) {
		const struct menu_screen_def *d = &menu_screens[s];
		assert_non_null(d->name);
		assert_non_null(d->key);
		assert_int_equal(strncmp(d->key, "ussd.", 5), 0);
		for (int t = 1; t < s; t++)
			assert_string_not_equal(d->name, menu_screens[t].name);
		assert_in_range(d->back, 0, MENU_SCR_COUNT - 1);
		assert_in_range(d->empty, 0, MENU_SCR_COUNT - 1);
		if (d->back)
			assert_true(menu_transition_ok(s, d->back));
		for (int i = 0; i < MENU_CHOICES_MAX; i++) {
			assert_in_range(d->next[i], 0, MENU_SCR_COUNT - 1);
			if (d->next[i])
				assert_true(menu_transition_ok(s, d->next[i]));
		}
		switch (d->kind) {
		case MENU_K_CHOICE:
			assert_in_range(d->n_choices, 1, MENU_CHOICES_MAX);
			for (int i = 0; i < d->n_choices; i++)   /* NONE only where an action decides */
				assert_true(d->next[i] != MENU_SCR_NONE || d->accept != NULL);
			break;
		case MENU_K_LIST:
			assert_int_not_equal(d->list, MENU_LIST_NONE);
			assert_non_null(d->accept);
			/* fall through */
		case MENU_K_NUMBER:
		case MENU_K_DATE:
			assert_int_not_equal(d->next[0], MENU_SCR_NONE);
			assert_non_null(d->accept);
			break;
		case MENU_K_INFO:
			assert_int_not_equal(d->back, MENU_SCR_NONE);
			break;
		case MENU_K_END:
			assert_int_equal(d->next[0], MENU_SCR_NONE);
			assert_int_equal(d->nav, MENU_NAV_NONE);
			break;
		}
		if (d->list != MENU_LIST_NONE)   /* an empty list leads to an END screen */
			assert_true(d->empty != MENU_SCR_NONE && is_end(d->empty));
		if (d->kind == MENU_K_NUMBER)
			assert_true(d->min <= d->max);
		/* a non-END screen that is not a main menu has a way back, or 00 at least */
		if (!is_end(s) && !d->top && s != MENU_SCR_RESUME)
			assert_true(d->back != MENU_SCR_NONE || d->nav == MENU_NAV_MAIN);
	}
	assert_false(menu_transition_ok(MENU_SCR_CHAMP_TOPIC, MENU_SCR_PART_CONFIRM));
	assert_false(menu_transition_ok(MENU_SCR_CHAMP_MENU, MENU_SCR_NONE));
	assert_false(menu_transition_ok(MENU_SCR_COUNT, MENU_SCR_ROLE));
}

/* From the entry screens, following next, back and empty edges (and the global ends), every
 * screen but NONE is reached. */
static void
test_menu_screens_reachable(void **state)
{
	bool seen[MENU_SCR_COUNT] = {false};
	enum menu_screen queue[MENU_SCR_COUNT * 8];
	size_t head = 0, tail = 0;
	const enum menu_screen entries[] = {MENU_SCR_ROLE, MENU_SCR_CHAMP_MENU,
					    MENU_SCR_PART_MENU, MENU_SCR_UNREGISTERED,
					    MENU_SCR_RESUME};

	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		seen[entries[i]] = true;
		queue[tail++] = entries[i];
	}
	while (head < tail) {
		const struct menu_screen_def *d = &menu_screens[queue[head++]];
		enum menu_screen out[MENU_CHOICES_MAX + 4];
		size_t n = 0;
		for (int i = 0; i < MENU_CHOICES_MAX; i++)
			out[n++] = d->next[i];
		out[n++] = d->back;
		out[n++] = d->empty;
		if (d->kind != MENU_K_END) {
			out[n++] = MENU_SCR_TOO_MANY;
			out[n++] = MENU_SCR_ERROR;
		}
		for (size_t i = 0; i < n; i++) {
			if (out[i] == MENU_SCR_NONE || seen[out[i]])
				continue;
			seen[out[i]] = true;
			queue[tail++] = out[i];
		}
	}
	for (int s = 1; s < MENU_SCR_COUNT; s++) {
		if (!seen[s])
			fail_msg("screen %s is unreachable", menu_screens[s].name);
	}
}

/* Every key the engine uses exists in English, and in every other catalog language too (a
 * fallback to English is allowed by the catalog but would show English on a rw phone). */
static void
test_menu_screens_keys_in_every_language(void **state)
{
	static const char *const extra[] = {
		"ussd.invalid", "ussd.number_invalid", "ussd.date_invalid", "ussd.date_future",
		"ussd.date_before", "ussd.language_set", "ussd.back", "ussd.main", "ussd.more",
		"ussd.plan_line", "ussd.status_0", "ussd.status_1", "ussd.status_2",
		"ussd.status_3", "ussd.status_4", "ussd.busy", "ussd.error",
	};
	const char *const *codes;
	size_t n = cat_langs(cat, &codes);

	assert_true(n >= 6);
	for (size_t l = 0; l < n; l++) {
		for (int s = 1; s < MENU_SCR_COUNT; s++)
			if (!cat_get_exact(cat, codes[l], menu_screens[s].key))
				fail_msg("%s: missing %s", codes[l], menu_screens[s].key);
		for (size_t k = 0; k < sizeof(extra) / sizeof(extra[0]); k++)
			if (!cat_get_exact(cat, codes[l], extra[k]))
				fail_msg("%s: missing %s", codes[l], extra[k]);
	}
}

/* A state on screen s with every answer given (the biggest numbers). */
static struct menu_state
full_state(enum menu_screen s, const char *lang)
{
	struct menu_state st = {
		.screen = s, .role = menu_screens[s].role ? menu_screens[s].role : 'c',
		.topic_id = 12, .date = {2026, 11, 20}, .women = 999, .men = 999,
		.item_id = 37, .status = 4, .people = 100000,
	};
	strcpy(st.lang, lang);
	return st;
}

/* Reports a screen that does not fit (all of them, for the translator), returns 1 if so. */
static int
check_text(const struct menu_result *out, const char *lang, enum menu_screen s, int page,
	   const char *prefix)
{
	long septets = gsm_septets(out->text);
	if (septets < 0 || septets > MENU_TEXT_MAX || out->overflow) {
		print_message("%s %s page %d prefix %s: %ld septets%s:\n%s\n", lang,
			      menu_screens[s].name, page, prefix ? prefix : "-", septets,
			      out->overflow ? " (cut)" : "", out->text);
		return 1;
	}
	if (strchr(out->text, '{') || strstr(out->text, "ussd.")) {
		print_message("%s %s: placeholder or key left:\n%s\n", lang,
			      menu_screens[s].name, out->text);
		return 1;
	}
	return 0;
}

/* The lines the engine can show above screen s (NULL: none), from where each comes: any
 * invalid input; a bad number; a refused date (typed, or today / yesterday before the
 * route); the language just changed (main menus). */
static size_t
possible_prefixes(enum menu_screen s, const char **out)
{
	const struct menu_screen_def *d = &menu_screens[s];
	size_t n = 0;
	out[n++] = NULL;
	if (d->kind == MENU_K_END)
		return n;
	out[n++] = "ussd.invalid";
	if (d->kind == MENU_K_NUMBER)
		out[n++] = "ussd.number_invalid";
	if (d->kind == MENU_K_DATE)
		out[n++] = "ussd.date_invalid";
	if (d->kind == MENU_K_DATE || s == MENU_SCR_CHAMP_DATE) {
		out[n++] = "ussd.date_future";
		out[n++] = "ussd.date_before";
	}
	if (d->top)
		out[n++] = "ussd.language_set";
	return n;
}

static void
test_menu_screens_fit_every_language(void **state)
{
	int rendered = 0, bad = 0;

	for (size_t l = 0; l < n_langs; l++) {
		struct menu_ctx ctx = worst_ctx(langs[l].code);
		for (int s = 1; s < MENU_SCR_COUNT; s++) {
			const struct menu_screen_def *d = &menu_screens[s];
			const char *prefixes[8];
			size_t n_pref = possible_prefixes(s, prefixes);
			for (size_t p = 0; p < n_pref; p++) {
				for (int page = 0;; page++) {
					struct menu_state st = full_state(s, langs[l].code);
					struct menu_result out;
					struct menu_run r = {&st, &ctx, &out, prefixes[p]};
					struct menu_span sp;
					if (s == MENU_SCR_RESUME)
						st.resume_to = MENU_SCR_CHAMP_CONFIRM;
					if (d->list != MENU_LIST_NONE && d->kind != MENU_K_END &&
					    !menu_page_span(&r, s, page, &sp))
						break;
					st.page = page;
					memset(&out, 0, sizeof(out));
					menu_render(&r);
					bad += check_text(&out, langs[l].code, s, page,
							  prefixes[p]);
					assert_int_equal(out.end, d->kind == MENU_K_END);
					rendered++;
					if (d->list == MENU_LIST_NONE || d->kind == MENU_K_END)
						break;
				}
			}
		}
		/* the daemon's busy screen */
		char buf[MENU_TEXT_SIZE];
		menu_render_key(cat, langs[l].code, "ussd.busy", buf, sizeof(buf));
		assert_in_range(gsm_septets(buf), 1, MENU_TEXT_MAX);
	}
	assert_int_equal(bad, 0);
	assert_true(rendered > 6 * 30);
}

/* Paging covers each list exactly once, in order, at most 8 lines a page, in every
 * language. */
static void
test_menu_screens_pages_cover_lists(void **state)
{
	static const enum menu_screen lists[] = {MENU_SCR_CHAMP_TOPIC, MENU_SCR_PART_ITEM,
						 MENU_SCR_PART_PLAN, MENU_SCR_CHAMP_LANG};
	for (size_t l = 0; l < n_langs; l++) {
		struct menu_ctx ctx = worst_ctx(langs[l].code);
		for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
			struct menu_state st = full_state(lists[k], langs[l].code);
			struct menu_run r = {&st, &ctx, NULL, NULL};
			struct menu_span sp;
			size_t next = 0;
			int page = 0;
			while (menu_page_span(&r, lists[k], page, &sp)) {
				assert_int_equal(sp.start, next);
				assert_in_range(sp.count, 1, MENU_PAGE_ITEMS);
				next += sp.count;
				assert_int_equal(sp.more, next < menu_list_len(&ctx,
						 menu_screens[lists[k]].list));
				page++;
			}
			assert_int_equal(next, menu_list_len(&ctx, menu_screens[lists[k]].list));
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_menu_screens_targets),
		cmocka_unit_test(test_menu_screens_reachable),
		cmocka_unit_test(test_menu_screens_keys_in_every_language),
		cmocka_unit_test(test_menu_screens_fit_every_language),
		cmocka_unit_test(test_menu_screens_pages_cover_lists),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

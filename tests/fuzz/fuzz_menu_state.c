/*
 * fuzz_menu_state — libFuzzer target for the USSD menu state codec and step
 * (handlers/menu_state.c, handlers/menu.c) with the real catalogs (config/messages, loaded
 * once; run from the repository root). The input is "encoded state\ntyped input".
 * Checked: a refused state leaves the output untouched; an accepted one encodes again, and
 * that text decodes to the same state and encodes to the same text; stepping it with the
 * typed input, in a few fixed contexts, is deterministic, gives a screen of at most 160 GSM-7
 * septets, END exactly on END screens, a state that encodes, and effects within the
 * context (a topic of the route, a date the menus allow, a person's own item, a catalog
 * language). A violated property aborts. Built and run by scripts/fuzz.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsm.h"
#include "menu_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                 \
	do {                                                                                     \
		if (!(x))                                                                        \
			abort();                                                                 \
	} while (0)

#define N_TOPICS 11
#define N_ITEMS 9
#define N_CTX 3

static struct catalog *cat;
static struct menu_lang langs[CAT_MAX_LANGS];
static struct menu_topic topics[N_TOPICS];
static struct menu_item items[N_ITEMS];
static char titles[N_TOPICS + N_ITEMS][48];
static struct menu_ctx ctxs[N_CTX];

/* The catalogs and three people, once per process: both roles in English, a champion in
 * Kinyarwanda, a participant in Swahili with no action items. */
static void
load(void)
{
	char err[512];
	size_t n_langs;
	if (cat)
		return;
	cat = cat_load("config/messages", err, sizeof(err));
	if (!cat) {
		fprintf(stderr, "fuzz_menu_state: cat_load: %s\n", err);
		abort();
	}
	n_langs = menu_langs_fill(cat, langs, CAT_MAX_LANGS);
	for (int i = 0; i < N_TOPICS; i++) {
		snprintf(titles[i], sizeof(titles[i]), "Topic %d: kitchen gardens and savings", i);
		topics[i] = (struct menu_topic){1000 + i, titles[i]};
	}
	for (int i = 0; i < N_ITEMS; i++) {
		snprintf(titles[N_TOPICS + i], sizeof(titles[0]), "Item %d train 40 women", i);
		items[i] = (struct menu_item){2000 + i, titles[N_TOPICS + i], i % 5};
	}
	struct menu_ctx base = {
		.cat = cat, .known = true, .name = "Aline", .route_id = 7, .route_code = "RW-2026",
		.visit_start = {2026, 11, 2}, .topics = topics, .n_topics = N_TOPICS,
		.month_sessions = 3, .month_women = 41, .month_men = 17, .items = items,
		.n_items = N_ITEMS, .langs = langs, .n_langs = n_langs, .today = {2026, 11, 20},
		.session_ref = "S4821",
	};
	ctxs[0] = base;
	ctxs[0].language = "en", ctxs[0].is_champion = ctxs[0].is_participant = true;
	ctxs[1] = base;
	ctxs[1].language = "rw", ctxs[1].is_champion = true;
	ctxs[2] = base;
	ctxs[2].language = "sw", ctxs[2].is_participant = true;
	ctxs[2].n_items = 0, ctxs[2].session_ref = NULL;
}

static int
same_state(const struct menu_state *a, const struct menu_state *b)
{
	return a->screen == b->screen && a->resume_to == b->resume_to && a->role == b->role &&
	       strcmp(a->lang, b->lang) == 0 && a->invalid == b->invalid && a->page == b->page &&
	       a->topic_id == b->topic_id && ussd_date_cmp(a->date, b->date) == 0 &&
	       a->women == b->women && a->men == b->men && a->item_id == b->item_id &&
	       a->status == b->status && a->people == b->people;
}

static void
check_effect(const struct menu_ctx *c, const struct menu_effect *e)
{
	int found = 0;
	switch (e->kind) {
	case MENU_EFF_LOG_SESSION:
		CHECK(c->is_champion && e->route_id == c->route_id);
		for (size_t i = 0; i < c->n_topics; i++)
			found |= c->topics[i].id == e->topic_id;
		CHECK(found);
		CHECK(ussd_date_valid(e->date) && ussd_date_cmp(e->date, c->today) <= 0 &&
		      ussd_date_cmp(e->date, c->visit_start) >= 0);
		CHECK(e->women >= 0 && e->women <= MENU_WOMEN_MAX);
		CHECK(e->men >= 0 && e->men <= MENU_WOMEN_MAX);
		CHECK(memchr(e->ref, '\0', sizeof(e->ref)) && e->ref[0]);
		break;
	case MENU_EFF_REPORT_PROGRESS:
		CHECK(c->is_participant);
		for (size_t i = 0; i < c->n_items; i++)
			found |= c->items[i].id == e->item_id;
		CHECK(found);
		CHECK(e->status >= 1 && e->status <= 4);
		CHECK(e->people >= 0 && e->people <= MENU_PEOPLE_MAX);
		break;
	case MENU_EFF_SET_LANGUAGE:
		CHECK(memchr(e->lang, '\0', sizeof(e->lang)) && cat_has_lang(cat, e->lang));
		break;
	default:
		abort();
	}
}

/* r is the step from a state on screen from. */
static void
check_result(const struct menu_ctx *c, enum menu_screen from, const struct menu_result *r)
{
	char enc[MENU_STATE_SIZE];
	long septets = gsm_septets(r->text);
	CHECK(memchr(r->text, '\0', sizeof(r->text)) && r->text[0] != '\0');
	CHECK(septets > 0 && septets <= MENU_TEXT_MAX && !r->overflow);
	CHECK((unsigned)r->state.screen < MENU_SCR_COUNT && r->state.screen != MENU_SCR_NONE);
	CHECK(r->end == (menu_screens[r->state.screen].kind == MENU_K_END));
	/* With topics and items to show, no state the codec accepts leaves the engine stuck
	 * (a state already on the error screen repeats it, as every END screen does). */
	if (c->n_topics && c->n_items && from != MENU_SCR_ERROR)
		CHECK(r->state.screen != MENU_SCR_ERROR);
	CHECK(menu_state_encode(&r->state, enc, sizeof(enc)) == 0);
	CHECK(r->n_effects <= MENU_EFFECTS_MAX);
	for (size_t i = 0; i < r->n_effects; i++)
		check_effect(c, &r->effects[i]);
}

static int
same_result(const struct menu_result *a, const struct menu_result *b)
{
	if (!same_state(&a->state, &b->state) || a->end != b->end ||
	    strcmp(a->text, b->text) != 0 || a->overflow != b->overflow ||
	    a->n_effects != b->n_effects)
		return 0;
	for (size_t i = 0; i < a->n_effects; i++) {
		const struct menu_effect *x = &a->effects[i], *y = &b->effects[i];
		if (x->kind != y->kind || x->route_id != y->route_id ||
		    x->topic_id != y->topic_id || ussd_date_cmp(x->date, y->date) != 0 ||
		    x->women != y->women || x->men != y->men || strcmp(x->ref, y->ref) != 0 ||
		    x->item_id != y->item_id || x->status != y->status || x->people != y->people ||
		    strcmp(x->lang, y->lang) != 0)
			return 0;
	}
	return 1;
}

static void
check_codec(const struct menu_state *st)
{
	char enc[MENU_STATE_SIZE], enc2[MENU_STATE_SIZE];
	struct menu_state again;
	CHECK(menu_state_encode(st, enc, sizeof(enc)) == 0);
	CHECK(strnlen(enc, sizeof(enc)) < sizeof(enc));
	CHECK(menu_state_decode(enc, &again) == 0 && same_state(st, &again));
	CHECK(menu_state_encode(&again, enc2, sizeof(enc2)) == 0 && strcmp(enc, enc2) == 0);
	/* A buffer one byte short is refused, not overrun. */
	CHECK(menu_state_encode(st, enc2, strlen(enc)) == -1);
	CHECK(strcmp(menu_screen_name(st->screen), "?") != 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct menu_result r1, r2, r3;
	struct menu_state st, untouched;
	char *s = malloc(size + 1);
	CHECK(s);
	memcpy(s, data, size);
	s[size] = '\0';
	char *nl = strchr(s, '\n');
	const char *input = "";
	if (nl) {
		*nl = '\0';
		input = nl + 1;
	}

	load();
	memset(&st, 0xA5, sizeof(st));
	untouched = st;
	if (menu_state_decode(s, &st) != 0) {
		CHECK(memcmp(&st, &untouched, sizeof(st)) == 0);
		free(s);
		return 0;
	}
	check_codec(&st);
	for (int c = 0; c < N_CTX; c++) {
		menu_step(&st, input, &ctxs[c], &r1);
		check_result(&ctxs[c], st.screen, &r1);
		menu_step(&st, input, &ctxs[c], &r2);
		CHECK(same_result(&r1, &r2));
		/* The state it reached takes the same input again. */
		menu_step(&r1.state, input, &ctxs[c], &r3);
		check_result(&ctxs[c], r1.state.screen, &r3);
	}
	free(s);
	return 0;
}

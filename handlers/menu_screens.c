/*
 * menu_screens — the screens of both USSD flows as one table (STYLE habit 3), and the named
 * actions that store each answer. The engine (menu.c) reads the table; nothing here renders
 * or parses beyond what an answer means.
 */
#include "menu_int.h"

#include <string.h>

static const char *
acc_role(struct menu_run *r, long n, const char *input)
{
	r->st->role = n == 1 ? 'c' : 'p';
	return NULL;
}

/* 1 lands on the saved screen with its answers and page; 2 forgets them. */
static const char *
acc_resume(struct menu_run *r, long n, const char *input)
{
	struct menu_state *st = r->st;

	if (n == 1) {
		enum menu_screen to = st->resume_to;
		int page = st->page;
		menu_set_screen(r, to);
		if (st->screen == to)
			st->page = page;
	} else {
		struct menu_state fresh = {.women = -1, .men = -1, .people = -1};
		memcpy(fresh.lang, st->lang, sizeof(fresh.lang));
		fresh.screen = MENU_SCR_RESUME;
		*st = fresh;
		menu_goto_entry(r);
	}
	return NULL;
}

static const char *
acc_topic(struct menu_run *r, long n, const char *input)
{
	r->st->topic_id = r->ctx->topics[n].id;
	return NULL;
}

/* A session date must be neither in the future nor before the route's visit started. */
static const char *
check_session_date(const struct menu_ctx *ctx, struct ussd_date d)
{
	if (ussd_date_cmp(d, ctx->today) > 0)
		return "ussd.date_future";
	if (ctx->visit_start.y && ussd_date_cmp(d, ctx->visit_start) < 0)
		return "ussd.date_before";
	return NULL;
}

static const char *
acc_date_choice(struct menu_run *r, long n, const char *input)
{
	struct ussd_date d;
	const char *err;

	if (n == 3)
		return NULL;
	d = n == 1 ? r->ctx->today : ussd_date_add_days(r->ctx->today, -1);
	if ((err = check_session_date(r->ctx, d)) != NULL)
		return err;
	r->st->date = d;
	return NULL;
}

static const char *
acc_date_typed(struct menu_run *r, long n, const char *input)
{
	struct ussd_date d;
	const char *err;

	if (ussd_date_parse_ddmmyy(input, &d) != 0)
		return "ussd.date_invalid";
	if ((err = check_session_date(r->ctx, d)) != NULL)
		return err;
	r->st->date = d;
	return NULL;
}

static const char *
acc_women(struct menu_run *r, long n, const char *input)
{
	r->st->women = (int)n;
	return NULL;
}

static const char *
acc_men(struct menu_run *r, long n, const char *input)
{
	r->st->men = (int)n;
	return NULL;
}

static struct menu_effect *
add_effect(struct menu_run *r, enum menu_effect_kind kind)
{
	struct menu_result *out = r->out;
	struct menu_effect *e;

	if (out->n_effects == MENU_EFFECTS_MAX)   /* one per step in practice */
		return NULL;
	e = &out->effects[out->n_effects++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	return e;
}

static const char *
acc_confirm_session(struct menu_run *r, long n, const char *input)
{
	const struct menu_state *st = r->st;
	struct menu_effect *e;

	if (n != 1 || (e = add_effect(r, MENU_EFF_LOG_SESSION)) == NULL)
		return NULL;
	e->route_id = r->ctx->route_id;
	e->topic_id = st->topic_id;
	e->date = st->date;
	e->women = st->women;
	e->men = st->men;
	if (r->ctx->session_ref) {
		strncpy(e->ref, r->ctx->session_ref, sizeof(e->ref) - 1);
		e->ref[sizeof(e->ref) - 1] = '\0';
	}
	return NULL;
}

/* The new language shows from the main menu on, with a line saying it changed. */
static const char *
acc_lang(struct menu_run *r, long n, const char *input)
{
	const struct menu_lang *l = &r->ctx->langs[n];
	struct menu_effect *e = add_effect(r, MENU_EFF_SET_LANGUAGE);

	memcpy(r->st->lang, l->code, sizeof(r->st->lang));
	r->st->lang[sizeof(r->st->lang) - 1] = '\0';
	if (e)
		memcpy(e->lang, r->st->lang, sizeof(e->lang));
	r->prefix = "ussd.language_set";
	return NULL;
}

static const char *
acc_item(struct menu_run *r, long n, const char *input)
{
	r->st->item_id = r->ctx->items[n].id;
	return NULL;
}

static const char *
acc_status(struct menu_run *r, long n, const char *input)
{
	r->st->status = (int)n;
	return NULL;
}

static const char *
acc_people(struct menu_run *r, long n, const char *input)
{
	r->st->people = n;
	return NULL;
}

static const char *
acc_confirm_progress(struct menu_run *r, long n, const char *input)
{
	const struct menu_state *st = r->st;
	struct menu_effect *e;

	if (n != 1 || (e = add_effect(r, MENU_EFF_REPORT_PROGRESS)) == NULL)
		return NULL;
	e->item_id = st->item_id;
	e->status = st->status;
	e->people = st->people;
	return NULL;
}

#define CHAMP_SESSION (MENU_NEED_TOPIC | MENU_NEED_DATE | MENU_NEED_WOMEN | MENU_NEED_MEN)
#define PART_REPORT (MENU_NEED_ITEM | MENU_NEED_STATUS | MENU_NEED_PEOPLE)

/* Number screens have no .back: 0 is a count there ("no women came"), so only 00 leaves. */
const struct menu_screen_def menu_screens[MENU_SCR_COUNT] = {
	[MENU_SCR_NONE] = {.name = "none", .key = "ussd.error", .kind = MENU_K_END},
	[MENU_SCR_ROLE] = {
		.name = "role", .key = "ussd.role", .kind = MENU_K_CHOICE, .top = true,
		.n_choices = 2, .next = {MENU_SCR_CHAMP_MENU, MENU_SCR_PART_MENU},
		.accept = acc_role,
	},
	[MENU_SCR_RESUME] = {
		.name = "resume", .key = "ussd.resume", .kind = MENU_K_CHOICE,
		.n_choices = 2, .next = {MENU_SCR_NONE, MENU_SCR_NONE}, .accept = acc_resume,
	},
	[MENU_SCR_CHAMP_MENU] = {
		.name = "champ_menu", .key = "ussd.champion_menu", .kind = MENU_K_CHOICE,
		.role = 'c', .top = true, .n_choices = 3,
		.next = {MENU_SCR_CHAMP_TOPIC, MENU_SCR_CHAMP_MONTH, MENU_SCR_CHAMP_LANG},
		.back = MENU_SCR_ROLE, .nav = MENU_NAV_TOP,
	},
	[MENU_SCR_CHAMP_TOPIC] = {
		.name = "champ_topic", .key = "ussd.pick_topic", .kind = MENU_K_LIST,
		.role = 'c', .list = MENU_LIST_TOPICS, .next = {MENU_SCR_CHAMP_DATE},
		.back = MENU_SCR_CHAMP_MENU, .empty = MENU_SCR_NO_TOPICS, .nav = MENU_NAV_BACK,
		.accept = acc_topic,
	},
	[MENU_SCR_CHAMP_DATE] = {
		.name = "champ_date", .key = "ussd.pick_date", .kind = MENU_K_CHOICE,
		.role = 'c', .needs = MENU_NEED_TOPIC, .n_choices = 3,
		.next = {MENU_SCR_CHAMP_WOMEN, MENU_SCR_CHAMP_WOMEN, MENU_SCR_CHAMP_DATE_TYPE},
		.back = MENU_SCR_CHAMP_TOPIC, .nav = MENU_NAV_BACK, .accept = acc_date_choice,
	},
	[MENU_SCR_CHAMP_DATE_TYPE] = {
		.name = "champ_date_type", .key = "ussd.type_date", .kind = MENU_K_DATE,
		.role = 'c', .needs = MENU_NEED_TOPIC, .next = {MENU_SCR_CHAMP_WOMEN},
		.back = MENU_SCR_CHAMP_DATE, .nav = MENU_NAV_BACK, .accept = acc_date_typed,
	},
	[MENU_SCR_CHAMP_WOMEN] = {
		.name = "champ_women", .key = "ussd.ask_women", .kind = MENU_K_NUMBER,
		.role = 'c', .needs = MENU_NEED_TOPIC | MENU_NEED_DATE,
		.next = {MENU_SCR_CHAMP_MEN}, .min = 0, .max = MENU_WOMEN_MAX,
		.nav = MENU_NAV_MAIN, .accept = acc_women,
	},
	[MENU_SCR_CHAMP_MEN] = {
		.name = "champ_men", .key = "ussd.ask_men", .kind = MENU_K_NUMBER, .role = 'c',
		.needs = MENU_NEED_TOPIC | MENU_NEED_DATE | MENU_NEED_WOMEN,
		.next = {MENU_SCR_CHAMP_CONFIRM}, .min = 0, .max = MENU_WOMEN_MAX,
		.nav = MENU_NAV_MAIN, .accept = acc_men,
	},
	[MENU_SCR_CHAMP_CONFIRM] = {
		.name = "champ_confirm", .key = "ussd.confirm_session", .kind = MENU_K_CHOICE,
		.role = 'c', .needs = CHAMP_SESSION, .n_choices = 2,
		.next = {MENU_SCR_CHAMP_LOGGED, MENU_SCR_CHAMP_MENU},
		.back = MENU_SCR_CHAMP_MEN, .nav = MENU_NAV_BACK, .accept = acc_confirm_session,
	},
	[MENU_SCR_CHAMP_LOGGED] = {
		.name = "champ_logged", .key = "ussd.session_logged", .kind = MENU_K_END,
		.role = 'c', .needs = CHAMP_SESSION,
	},
	[MENU_SCR_CHAMP_MONTH] = {
		.name = "champ_month", .key = "ussd.month", .kind = MENU_K_INFO, .role = 'c',
		.back = MENU_SCR_CHAMP_MENU, .nav = MENU_NAV_BACK,
	},
	[MENU_SCR_CHAMP_LANG] = {
		.name = "champ_lang", .key = "ussd.pick_language", .kind = MENU_K_LIST,
		.role = 'c', .list = MENU_LIST_LANGS, .next = {MENU_SCR_CHAMP_MENU},
		.back = MENU_SCR_CHAMP_MENU, .empty = MENU_SCR_ERROR, .nav = MENU_NAV_BACK,
		.accept = acc_lang,
	},
	[MENU_SCR_NO_TOPICS] = {.name = "no_topics", .key = "ussd.no_topics", .kind = MENU_K_END},
	[MENU_SCR_PART_MENU] = {
		.name = "part_menu", .key = "ussd.participant_menu", .kind = MENU_K_CHOICE,
		.role = 'p', .top = true, .n_choices = 3,
		.next = {MENU_SCR_PART_ITEM, MENU_SCR_PART_PLAN, MENU_SCR_PART_LANG},
		.back = MENU_SCR_ROLE, .nav = MENU_NAV_TOP,
	},
	[MENU_SCR_PART_ITEM] = {
		.name = "part_item", .key = "ussd.pick_item", .kind = MENU_K_LIST, .role = 'p',
		.list = MENU_LIST_ITEMS, .next = {MENU_SCR_PART_STATUS},
		.back = MENU_SCR_PART_MENU, .empty = MENU_SCR_NO_ITEMS, .nav = MENU_NAV_BACK,
		.accept = acc_item,
	},
	[MENU_SCR_PART_STATUS] = {
		.name = "part_status", .key = "ussd.pick_status", .kind = MENU_K_CHOICE,
		.role = 'p', .needs = MENU_NEED_ITEM, .n_choices = 4,
		.next = {MENU_SCR_PART_PEOPLE, MENU_SCR_PART_PEOPLE, MENU_SCR_PART_PEOPLE,
			 MENU_SCR_PART_PEOPLE},
		.back = MENU_SCR_PART_ITEM, .nav = MENU_NAV_BACK, .accept = acc_status,
	},
	[MENU_SCR_PART_PEOPLE] = {
		.name = "part_people", .key = "ussd.ask_people", .kind = MENU_K_NUMBER,
		.role = 'p', .needs = MENU_NEED_ITEM | MENU_NEED_STATUS,
		.next = {MENU_SCR_PART_CONFIRM}, .min = 0, .max = MENU_PEOPLE_MAX,
		.nav = MENU_NAV_MAIN, .accept = acc_people,
	},
	[MENU_SCR_PART_CONFIRM] = {
		.name = "part_confirm", .key = "ussd.confirm_progress", .kind = MENU_K_CHOICE,
		.role = 'p', .needs = PART_REPORT, .n_choices = 2,
		.next = {MENU_SCR_PART_REPORTED, MENU_SCR_PART_MENU},
		.back = MENU_SCR_PART_PEOPLE, .nav = MENU_NAV_BACK,
		.accept = acc_confirm_progress,
	},
	[MENU_SCR_PART_REPORTED] = {
		.name = "part_reported", .key = "ussd.progress_saved", .kind = MENU_K_END,
		.role = 'p', .needs = PART_REPORT,
	},
	[MENU_SCR_PART_PLAN] = {
		.name = "part_plan", .key = "ussd.plan", .kind = MENU_K_INFO, .role = 'p',
		.list = MENU_LIST_PLAN, .back = MENU_SCR_PART_MENU, .empty = MENU_SCR_NO_ITEMS,
		.nav = MENU_NAV_BACK,
	},
	[MENU_SCR_PART_LANG] = {
		.name = "part_lang", .key = "ussd.pick_language", .kind = MENU_K_LIST,
		.role = 'p', .list = MENU_LIST_LANGS, .next = {MENU_SCR_PART_MENU},
		.back = MENU_SCR_PART_MENU, .empty = MENU_SCR_ERROR, .nav = MENU_NAV_BACK,
		.accept = acc_lang,
	},
	[MENU_SCR_NO_ITEMS] = {.name = "no_items", .key = "ussd.no_items", .kind = MENU_K_END},
	[MENU_SCR_UNREGISTERED] = {
		.name = "unregistered", .key = "ussd.unregistered", .kind = MENU_K_END,
	},
	[MENU_SCR_TOO_MANY] = {
		.name = "too_many", .key = "ussd.too_many_invalid", .kind = MENU_K_END,
	},
	[MENU_SCR_ERROR] = {.name = "error", .key = "ussd.error", .kind = MENU_K_END},
};

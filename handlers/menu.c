/*
 * menu — the USSD menu engine: one step of input on the screen table of menu_screens.c, and
 * the rendering of the screen that follows. See menu.h for the contract, menu_int.h for the
 * table. Pure: everything comes from the state and the context.
 */
#include "menu_int.h"

#include <string.h>

const char *
menu_screen_name(enum menu_screen s)
{
	return (unsigned)s < MENU_SCR_COUNT ? menu_screens[s].name : "?";
}

size_t
menu_list_len(const struct menu_ctx *ctx, enum menu_list l)
{
	switch (l) {
	case MENU_LIST_TOPICS:
		return ctx->topics ? ctx->n_topics : 0;
	case MENU_LIST_ITEMS:
	case MENU_LIST_PLAN:
		return ctx->items ? ctx->n_items : 0;
	case MENU_LIST_LANGS:
		return ctx->langs ? ctx->n_langs : 0;
	case MENU_LIST_NONE:
		break;
	}
	return 0;
}

bool
menu_both_roles(const struct menu_ctx *ctx)
{
	return ctx->is_champion && ctx->is_participant;
}

const struct menu_topic *
menu_find_topic(const struct menu_ctx *ctx, int64_t id)
{
	for (size_t i = 0; i < menu_list_len(ctx, MENU_LIST_TOPICS); i++)
		if (ctx->topics[i].id == id)
			return &ctx->topics[i];
	return NULL;
}

const struct menu_item *
menu_find_item(const struct menu_ctx *ctx, int64_t id)
{
	for (size_t i = 0; i < menu_list_len(ctx, MENU_LIST_ITEMS); i++)
		if (ctx->items[i].id == id)
			return &ctx->items[i];
	return NULL;
}

bool
menu_needs_met(const struct menu_state *st, enum menu_screen s)
{
	const struct menu_screen_def *d = &menu_screens[s];
	unsigned n = d->needs;

	if (d->role && d->role != st->role)
		return false;
	return !((n & MENU_NEED_TOPIC && st->topic_id <= 0) ||
		 (n & MENU_NEED_DATE && !ussd_date_valid(st->date)) ||
		 (n & MENU_NEED_WOMEN && st->women < 0) || (n & MENU_NEED_MEN && st->men < 0) ||
		 (n & MENU_NEED_ITEM && st->item_id <= 0) ||
		 (n & MENU_NEED_STATUS && st->status <= 0) ||
		 (n & MENU_NEED_PEOPLE && st->people < 0));
}

bool
menu_transition_ok(enum menu_screen from, enum menu_screen to)
{
	const struct menu_screen_def *d;

	if ((unsigned)from >= MENU_SCR_COUNT || (unsigned)to >= MENU_SCR_COUNT ||
	    to == MENU_SCR_NONE)
		return false;
	/* A dial starts anywhere (entry or resume), and "continue" lands on the saved screen. */
	if (from == MENU_SCR_NONE || from == MENU_SCR_RESUME)
		return true;
	/* 00 leads to a main menu from everywhere; the session can end from everywhere. */
	if (menu_screens[to].top || to == MENU_SCR_TOO_MANY || to == MENU_SCR_ERROR)
		return true;
	d = &menu_screens[from];
	if (to == d->back)
		return true;
	for (int i = 0; i < MENU_CHOICES_MAX; i++)
		if (d->next[i] == to)
			return true;
	return false;
}

static void
forget_answers(struct menu_state *st)
{
	st->topic_id = 0;
	st->date = (struct ussd_date){0, 0, 0};
	st->women = st->men = -1;
	st->item_id = 0;
	st->status = 0;
	st->people = -1;
}

/* The one place a screen changes (memcached's conn_set_state): the table must allow the
 * move, and the screen must have the answers it shows. */
void
menu_set_screen(struct menu_run *r, enum menu_screen to)
{
	struct menu_state *st = r->st;

	if (!menu_transition_ok(st->screen, to)) {
		to = MENU_SCR_ERROR;
	} else {
		const struct menu_screen_def *d = &menu_screens[to];
		if (d->list != MENU_LIST_NONE && menu_list_len(r->ctx, d->list) == 0)
			to = d->empty;
		if (to == MENU_SCR_ROLE)
			st->role = 0;
		if (menu_screens[to].top)
			forget_answers(st);
		if (!menu_needs_met(st, to))
			to = MENU_SCR_ERROR;
	}
	st->screen = to;
	st->resume_to = MENU_SCR_NONE;
	st->page = 0;
	st->invalid = 0;
}

void
menu_goto_entry(struct menu_run *r)
{
	const struct menu_ctx *ctx = r->ctx;
	enum menu_screen to = MENU_SCR_UNREGISTERED;

	r->st->role = 0;
	if (ctx->known && menu_both_roles(ctx)) {
		to = MENU_SCR_ROLE;
	} else if (ctx->known && ctx->is_champion) {
		r->st->role = 'c';
		to = MENU_SCR_CHAMP_MENU;
	} else if (ctx->known && ctx->is_participant) {
		r->st->role = 'p';
		to = MENU_SCR_PART_MENU;
	}
	menu_set_screen(r, to);
}

/* A fresh state in the person's language, before any screen. */
static struct menu_state
fresh_state(const struct menu_ctx *ctx)
{
	struct menu_state st = {.screen = MENU_SCR_NONE, .women = -1, .men = -1, .people = -1};
	const char *lang = ctx->language && *ctx->language ? ctx->language : "en";
	strncpy(st.lang, lang, sizeof(st.lang) - 1);
	return st;
}

static void
restart(struct menu_run *r)
{
	*r->st = fresh_state(r->ctx);
	menu_goto_entry(r);
}

/* ---- one step ---- */

/* Digits only, at most max of them. Returns 0 and the value, or -1. */
static int
parse_uint(const char *s, int max, long *v)
{
	long n = 0;
	int i;
	for (i = 0; s[i]; i++) {
		if (i == max || s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	if (i == 0)
		return -1;
	*v = n;
	return 0;
}

/* Does the state make sense with what the caller knows now (a topic may have been removed
 * between two hops, a role withdrawn)? */
static bool
state_fits(struct menu_run *r)
{
	const struct menu_state *st = r->st;
	const struct menu_ctx *ctx = r->ctx;
	enum menu_screen s = st->screen;
	struct menu_span sp;

	if ((unsigned)s >= MENU_SCR_COUNT || s == MENU_SCR_NONE)
		return false;
	if (!ctx->known)
		return s == MENU_SCR_UNREGISTERED;
	if (st->role != 0 && st->role != 'c' && st->role != 'p')
		return false;
	if ((st->role == 'c' && !ctx->is_champion) || (st->role == 'p' && !ctx->is_participant))
		return false;
	if (s == MENU_SCR_RESUME) {
		s = st->resume_to;
		if ((unsigned)s >= MENU_SCR_COUNT || s == MENU_SCR_NONE || s == MENU_SCR_RESUME ||
		    menu_screens[s].kind == MENU_K_END || menu_screens[s].top)
			return false;
	}
	if (!menu_needs_met(st, s) || st->invalid < 0 || st->invalid >= MENU_INVALID_MAX)
		return false;
	if ((st->topic_id && !menu_find_topic(ctx, st->topic_id)) ||
	    (st->item_id && !menu_find_item(ctx, st->item_id)))
		return false;
	/* The date screens refuse a day in the future or before the visit started; a stored
	 * date must still pass (the visit start may have moved), or it would be logged. */
	if (st->date.y && (ussd_date_cmp(st->date, ctx->today) > 0 ||
			   (ctx->visit_start.y && ussd_date_cmp(st->date, ctx->visit_start) < 0)))
		return false;
	if (menu_screens[s].list != MENU_LIST_NONE && menu_screens[s].kind != MENU_K_END)
		return menu_page_span(r, s, st->page, &sp);
	return st->page == 0;
}

static void
invalid(struct menu_run *r, const char *why)
{
	if (++r->st->invalid >= MENU_INVALID_MAX) {
		menu_set_screen(r, MENU_SCR_TOO_MANY);
		r->prefix = NULL;
		return;
	}
	r->prefix = why;
}

static void
go_back(struct menu_run *r)
{
	struct menu_state *st = r->st;
	const struct menu_screen_def *d = &menu_screens[st->screen];

	if ((d->kind == MENU_K_LIST || d->kind == MENU_K_INFO) && st->page > 0) {
		st->page--;
		st->invalid = 0;
	} else if (d->back == MENU_SCR_NONE ||
		   (d->back == MENU_SCR_ROLE && !menu_both_roles(r->ctx))) {
		invalid(r, "ussd.invalid");
	} else {
		menu_set_screen(r, d->back);
	}
}

static void
go_main(struct menu_run *r)
{
	struct menu_state *st = r->st;

	if (st->screen == MENU_SCR_RESUME || st->role == 0)
		restart(r);
	else
		menu_set_screen(r, st->role == 'c' ? MENU_SCR_CHAMP_MENU : MENU_SCR_PART_MENU);
}

static const char *
accept(struct menu_run *r, const struct menu_screen_def *d, long n, const char *input)
{
	return d->accept ? d->accept(r, n, input) : NULL;
}

static void
handle(struct menu_run *r, const char *in)
{
	struct menu_state *st = r->st;
	const struct menu_screen_def *d = &menu_screens[st->screen];
	const char *err = NULL;
	struct menu_span sp;
	long n;

	if (strcmp(in, "00") == 0) {
		go_main(r);
		return;
	}
	if (strcmp(in, "0") == 0 && d->kind != MENU_K_NUMBER) {
		go_back(r);
		return;
	}
	switch (d->kind) {
	case MENU_K_CHOICE:
		if (parse_uint(in, 2, &n) != 0 || n < 1 || n > d->n_choices) {
			err = "ussd.invalid";
		} else if ((err = accept(r, d, n, in)) == NULL && d->next[n - 1] != MENU_SCR_NONE) {
			menu_set_screen(r, d->next[n - 1]);
		}
		break;
	case MENU_K_LIST:
	case MENU_K_INFO:
		if (d->list == MENU_LIST_NONE || !menu_page_span(r, st->screen, st->page, &sp)) {
			err = "ussd.invalid";
		} else if (strcmp(in, "9") == 0 && sp.more) {
			st->page++;
			st->invalid = 0;
		} else if (d->kind == MENU_K_INFO || parse_uint(in, 1, &n) != 0 || n < 1 ||
			   (size_t)n > sp.count) {
			err = "ussd.invalid";
		} else if ((err = accept(r, d, (long)sp.start + n - 1, in)) == NULL) {
			menu_set_screen(r, d->next[0]);
		}
		break;
	case MENU_K_NUMBER:
		if (parse_uint(in, 9, &n) != 0 || n < d->min || n > d->max)
			err = "ussd.number_invalid";
		else if ((err = accept(r, d, n, in)) == NULL)
			menu_set_screen(r, d->next[0]);
		break;
	case MENU_K_DATE:
		if ((err = accept(r, d, 0, in)) == NULL)
			menu_set_screen(r, d->next[0]);
		break;
	case MENU_K_END:
		break;
	}
	if (err)
		invalid(r, err);
}

static void
result_init(struct menu_result *out)
{
	memset(out, 0, sizeof(*out));
}

void
menu_step(const struct menu_state *st, const char *input, const struct menu_ctx *ctx,
	  struct menu_result *out)
{
	struct menu_run r = {.st = &out->state, .ctx = ctx, .out = out};
	char in[24];
	size_t b = 0, e;

	result_init(out);
	out->state = *st;
	if (!state_fits(&r)) {
		restart(&r);
	} else if (menu_screens[r.st->screen].kind != MENU_K_END) {
		/* Blanks around the input are the phone's, not the person's. */
		input = input ? input : "";
		e = strlen(input);
		while (b < e && (input[b] == ' ' || input[b] == '\t'))
			b++;
		while (e > b && strchr(" \t\r\n", input[e - 1]))
			e--;
		if (e - b >= sizeof(in)) {
			invalid(&r, "ussd.invalid");   /* nothing valid is that long */
		} else {
			memcpy(in, input + b, e - b);
			in[e - b] = '\0';
			handle(&r, in);
		}
	}
	menu_render(&r);
}

/* A saved state is worth resuming when it stopped inside a flow (not on a main menu or an
 * END) and still fits the context. */
static bool
resumable(const struct menu_state *saved, const struct menu_ctx *ctx, struct menu_state *into)
{
	struct menu_state s = *saved;
	struct menu_run r = {.st = &s, .ctx = ctx};

	if (saved->screen == MENU_SCR_RESUME)
		s.screen = saved->resume_to;
	if ((unsigned)s.screen >= MENU_SCR_COUNT || s.screen == MENU_SCR_NONE ||
	    s.screen == MENU_SCR_RESUME || menu_screens[s.screen].kind == MENU_K_END ||
	    menu_screens[s.screen].top)
		return false;
	s.resume_to = MENU_SCR_NONE;
	s.invalid = 0;
	if (!state_fits(&r))
		return false;
	*into = s;
	return true;
}

void
menu_start(const struct menu_ctx *ctx, const struct menu_state *saved, struct menu_result *out)
{
	struct menu_run r = {.st = &out->state, .ctx = ctx, .out = out};
	struct menu_state s;

	result_init(out);
	out->state = fresh_state(ctx);
	if (ctx->known && saved && resumable(saved, ctx, &s)) {
		memcpy(s.lang, out->state.lang, sizeof(s.lang));   /* the language now in force */
		s.resume_to = s.screen;
		s.screen = MENU_SCR_RESUME;
		out->state = s;
	} else {
		menu_goto_entry(&r);
	}
	menu_render(&r);
}

void
menu_replay(const struct menu_ctx *ctx, const char *const *inputs, size_t n,
	    struct menu_result *out)
{
	menu_start(ctx, NULL, out);
	for (size_t i = 0; i < n; i++) {
		struct menu_state st = out->state;
		menu_step(&st, inputs[i], ctx, out);
	}
}

size_t
menu_langs_fill(const struct catalog *cat, struct menu_lang *out, size_t max)
{
	const char *const *codes;
	size_t n = cat_langs(cat, &codes), k = 0;

	for (size_t i = 0; i < n && k < max; i++, k++) {
		const char *name = cat_get_exact(cat, codes[i], "meta.language");
		memset(out[k].code, 0, sizeof(out[k].code));
		strncpy(out[k].code, codes[i], sizeof(out[k].code) - 1);
		out[k].name = name ? name : codes[i];
	}
	return k;
}

void
menu_render_key(const struct catalog *cat, const char *lang, const char *key, char *buf,
		size_t len)
{
	struct menu_text t;
	const char *s = cat ? cat_get(cat, lang, key) : NULL;

	menu_text_init(&t, buf, len, MENU_TEXT_MAX);
	menu_text_expand(&t, s ? s : key, NULL, NULL);
}

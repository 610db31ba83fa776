/*
 * menu_render — draws the screen a menu state is on: the catalog text in the state's language
 * with its placeholders filled, a list page that fits 160 septets, and the footer. Split from
 * menu.c, which decides where a step leads; see menu_int.h.
 */
#include "menu_int.h"

#include <stdio.h>
#include <string.h>

static const char *
lang_of(const struct menu_run *r)
{
	if (r->st->lang[0])
		return r->st->lang;
	return r->ctx->language && *r->ctx->language ? r->ctx->language : "en";
}

/* The text of key; a key missing in every catalog shows as itself, which the catalog tests
 * catch. */
static const char *
text_of(const struct menu_run *r, const char *key)
{
	const char *t = r->ctx->cat ? cat_get(r->ctx->cat, lang_of(r), key) : NULL;
	return t ? t : key;
}

struct vars {
	const struct menu_run *r;
	const struct menu_item *item;   /* the plan line being drawn, else the chosen item */
};

static bool
is_name(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(name, want, n) == 0;
}

static const char *
var(const void *ud, const char *name, size_t n, char *tmp, size_t len, int *cols)
{
	const struct vars *v = ud;
	const struct menu_run *r = v->r;
	const struct menu_state *st = r->st;
	const struct menu_ctx *ctx = r->ctx;
	const struct menu_screen_def *d = &menu_screens[st->screen];
	long num;

	if (is_name(name, n, "topic")) {
		const struct menu_topic *t = menu_find_topic(ctx, st->topic_id);
		*cols = MENU_TITLE_COLS;
		return t && t->title ? t->title : "-";
	}
	if (is_name(name, n, "item")) {
		const struct menu_item *it = v->item ? v->item : menu_find_item(ctx, st->item_id);
		*cols = MENU_TITLE_COLS;
		return it && it->title ? it->title : "-";
	}
	if (is_name(name, n, "status")) {
		int s = v->item ? v->item->status : st->status;
		snprintf(tmp, len, "ussd.status_%d", s >= 0 && s <= 4 ? s : 0);
		return text_of(r, tmp);
	}
	if (is_name(name, n, "date") || is_name(name, n, "start")) {
		struct ussd_date dt = name[0] == 'd' ? st->date : ctx->visit_start;
		if (!ussd_date_valid(dt))
			return "-";
		ussd_date_format_dmy(dt, tmp);
		return tmp;
	}
	if (is_name(name, n, "example")) {
		ussd_date_format_ddmmyy(ctx->today, tmp);
		return tmp;
	}
	if (is_name(name, n, "ref")) {
		*cols = 15;
		return ctx->session_ref && *ctx->session_ref ? ctx->session_ref : "-";
	}
	if (is_name(name, n, "name")) {
		*cols = 20;
		return ctx->name ? ctx->name : "";
	}
	if (is_name(name, n, "women"))
		num = st->women;
	else if (is_name(name, n, "men"))
		num = st->men;
	else if (is_name(name, n, "people"))
		num = st->people;
	else if (is_name(name, n, "sessions"))
		num = ctx->month_sessions;
	else if (is_name(name, n, "women_total"))
		num = ctx->month_women;
	else if (is_name(name, n, "men_total"))
		num = ctx->month_men;
	else if (is_name(name, n, "min"))
		num = d->min;
	else if (is_name(name, n, "max"))
		num = d->max;
	else
		return NULL;
	snprintf(tmp, len, "%ld", num);
	return tmp;
}

static void
put_key(const struct menu_run *r, struct menu_text *t, const char *key)
{
	struct vars v = {.r = r};
	menu_text_expand(t, text_of(r, key), var, &v);
}

/* Line i of list l, shown with number num (unnumbered in the plan, which is to read). */
static void
put_line(const struct menu_run *r, struct menu_text *t, enum menu_list l, size_t i, int num)
{
	const struct menu_ctx *ctx = r->ctx;
	char n[16];

	if (l == MENU_LIST_PLAN) {
		struct vars v = {.r = r, .item = &ctx->items[i]};
		menu_text_expand(t, text_of(r, "ussd.plan_line"), var, &v);
		return;
	}
	snprintf(n, sizeof(n), "%d ", num);
	menu_text_put(t, n, -1);
	if (l == MENU_LIST_TOPICS)
		menu_text_put(t, ctx->topics[i].title, MENU_TITLE_COLS);
	else if (l == MENU_LIST_ITEMS)
		menu_text_put(t, ctx->items[i].title, MENU_TITLE_COLS);
	else
		menu_text_put(t, ctx->langs[i].name ? ctx->langs[i].name : ctx->langs[i].code,
			      MENU_TITLE_COLS);
}

static void
put_nav(const struct menu_run *r, struct menu_text *t, enum menu_nav nav)
{
	switch (nav) {
	case MENU_NAV_BACK:
		put_key(r, t, "ussd.back");
		menu_text_put(t, " ", -1);
		put_key(r, t, "ussd.main");
		break;
	case MENU_NAV_MAIN:
		put_key(r, t, "ussd.main");
		break;
	case MENU_NAV_TOP:
		if (menu_both_roles(r->ctx))
			put_key(r, t, "ussd.back");
		break;
	case MENU_NAV_NONE:
		break;
	}
}

/* Measuring is rendering into a text with no buffer. */
#define MEASURE(t, call)                                                                         \
	(menu_text_init(&(t), NULL, 0, 1 << 20), (call), (t).septets)

/* The items page shows of list screen s, fitting 160 septets with room kept for the
 * "invalid choice" line, so that the pages do not shift when it appears. Pages depend only on
 * the language and the list, so a replay or another process finds the same ones. Returns
 * false when the list has no such page. */
bool
menu_page_span(const struct menu_run *r, enum menu_screen s, int page, struct menu_span *sp)
{
	const struct menu_screen_def *d = &menu_screens[s];
	size_t total = menu_list_len(r->ctx, d->list), start = 0;
	struct menu_text m;
	int budget = MENU_TEXT_MAX, more_w;

	budget -= MEASURE(m, put_key(r, &m, "ussd.invalid")) + 1;
	budget -= MEASURE(m, put_key(r, &m, d->key));
	if (d->nav != MENU_NAV_NONE)
		budget -= MEASURE(m, put_nav(r, &m, d->nav)) + 1;
	more_w = MEASURE(m, put_key(r, &m, "ussd.more")) + 1;

	for (int p = 0; start < total; p++) {
		size_t n = 0;
		int used = 0;
		while (start + n < total && n < MENU_PAGE_ITEMS) {
			int w = MEASURE(m, put_line(r, &m, d->list, start + n, (int)n + 1)) + 1;
			bool last = start + n + 1 == total;
			/* A first line always goes in (cut if it must), so every page moves on. */
			if (n > 0 && used + w + (last ? 0 : more_w) > budget)
				break;
			used += w;
			n++;
		}
		if (p == page) {
			*sp = (struct menu_span){start, n, start + n < total};
			return true;
		}
		start += n;
	}
	return false;
}

void
menu_render(struct menu_run *r)
{
	const struct menu_screen_def *d = &menu_screens[r->st->screen];
	struct menu_result *out = r->out;
	struct menu_text t;

	menu_text_init(&t, out->text, sizeof(out->text), MENU_TEXT_MAX);
	if (r->prefix) {
		put_key(r, &t, r->prefix);
		menu_text_put(&t, "\n", -1);
	}
	put_key(r, &t, d->key);
	if (d->list != MENU_LIST_NONE && d->kind != MENU_K_END) {
		struct menu_span sp;
		if (menu_page_span(r, r->st->screen, r->st->page, &sp)) {
			for (size_t i = 0; i < sp.count; i++) {
				menu_text_put(&t, "\n", -1);
				put_line(r, &t, d->list, sp.start + i, (int)i + 1);
			}
			if (sp.more) {
				menu_text_put(&t, "\n", -1);
				put_key(r, &t, "ussd.more");
			}
		}
	}
	if (d->kind != MENU_K_END) {
		struct menu_text m;
		if (MEASURE(m, put_nav(r, &m, d->nav)) > 0) {
			menu_text_put(&t, "\n", -1);
			put_nav(r, &t, d->nav);
		}
	}
	out->end = d->kind == MENU_K_END;
	out->overflow = t.overflow;
}

/*
 * menu_state — a menu state as compact versioned text, stored in ussd_sessions between two
 * hops and read back by whichever process serves the next one:
 *   v1;scr=champ_men;role=c;lang=rw;topic=12;date=2026-11-20;w=4
 * Screens go by name so that renumbering the enum does not break stored sessions. Decoding
 * trusts nothing: the text comes from the database, but it is fuzzed as if it came from the
 * network.
 */
#include "menu_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum key { K_SCR, K_RS, K_ROLE, K_LANG, K_INV, K_PAGE, K_TOPIC, K_DATE, K_W, K_M, K_ITEM,
	   K_ST, K_PPL, K_COUNT };

static const char *const key_names[K_COUNT] = {
	[K_SCR] = "scr", [K_RS] = "rs", [K_ROLE] = "role", [K_LANG] = "lang",
	[K_INV] = "inv", [K_PAGE] = "page", [K_TOPIC] = "topic", [K_DATE] = "date",
	[K_W] = "w", [K_M] = "m", [K_ITEM] = "item", [K_ST] = "st", [K_PPL] = "ppl",
};

static bool
lang_ok(const char *l)
{
	size_t n = strnlen(l, 4);
	if (n == 0)
		return true;   /* not set: the person's language applies */
	if (n < 2 || n > 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (l[i] < 'a' || l[i] > 'z')
			return false;
	return true;
}

static bool
resume_target_ok(enum menu_screen s)
{
	return (unsigned)s < MENU_SCR_COUNT && s != MENU_SCR_NONE && s != MENU_SCR_RESUME &&
	       menu_screens[s].kind != MENU_K_END && !menu_screens[s].top;
}

bool
menu_state_shape_ok(const struct menu_state *st)
{
	enum menu_screen s = st->screen;
	struct ussd_date none = {0, 0, 0};

	if ((unsigned)s >= MENU_SCR_COUNT || s == MENU_SCR_NONE)
		return false;
	if (s == MENU_SCR_RESUME) {
		if (!resume_target_ok(st->resume_to))
			return false;
		s = st->resume_to;
	} else if (st->resume_to != MENU_SCR_NONE) {
		return false;
	}
	if ((st->role != 0 && st->role != 'c' && st->role != 'p') || !lang_ok(st->lang))
		return false;
	if (st->invalid < 0 || st->invalid >= MENU_INVALID_MAX || st->page < 0 ||
	    st->page > 999)
		return false;
	if (st->topic_id < 0 || st->item_id < 0 || st->status < 0 || st->status > 4)
		return false;
	if (st->women < -1 || st->women > MENU_WOMEN_MAX || st->men < -1 ||
	    st->men > MENU_WOMEN_MAX || st->people < -1 || st->people > MENU_PEOPLE_MAX)
		return false;
	if (ussd_date_cmp(st->date, none) != 0 && !ussd_date_valid(st->date))
		return false;
	return menu_needs_met(st, s);
}

static int
add(char *buf, size_t len, size_t *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
add(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *pos)
		return -1;
	*pos += (size_t)n;
	return 0;
}

int
menu_state_encode(const struct menu_state *st, char *buf, size_t len)
{
	size_t pos = 0;
	int rc = 0;

	if (!buf || len == 0 || !menu_state_shape_ok(st))
		return -1;
	rc |= add(buf, len, &pos, "v1;scr=%s", menu_screens[st->screen].name);
	if (st->screen == MENU_SCR_RESUME)
		rc |= add(buf, len, &pos, ";rs=%s", menu_screens[st->resume_to].name);
	if (st->role)
		rc |= add(buf, len, &pos, ";role=%c", st->role);
	if (st->lang[0])
		rc |= add(buf, len, &pos, ";lang=%.3s", st->lang);
	if (st->invalid)
		rc |= add(buf, len, &pos, ";inv=%d", st->invalid);
	if (st->page)
		rc |= add(buf, len, &pos, ";page=%d", st->page);
	if (st->topic_id)
		rc |= add(buf, len, &pos, ";topic=%lld", (long long)st->topic_id);
	if (st->date.y) {
		char d[11];
		ussd_date_format_iso(st->date, d);
		rc |= add(buf, len, &pos, ";date=%s", d);
	}
	if (st->women >= 0)
		rc |= add(buf, len, &pos, ";w=%d", st->women);
	if (st->men >= 0)
		rc |= add(buf, len, &pos, ";m=%d", st->men);
	if (st->item_id)
		rc |= add(buf, len, &pos, ";item=%lld", (long long)st->item_id);
	if (st->status)
		rc |= add(buf, len, &pos, ";st=%d", st->status);
	if (st->people >= 0)
		rc |= add(buf, len, &pos, ";ppl=%ld", st->people);
	return rc ? -1 : 0;
}

/* A number of 1..max_digits digits, no sign, no blanks. Returns 0, or -1. */
static int
number(const char *v, size_t n, size_t max_digits, long long *out)
{
	long long x = 0;
	if (n == 0 || n > max_digits)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return 0;
}

static enum menu_screen
screen_named(const char *v, size_t n)
{
	for (int s = 1; s < MENU_SCR_COUNT; s++)
		if (strlen(menu_screens[s].name) == n && memcmp(menu_screens[s].name, v, n) == 0)
			return (enum menu_screen)s;
	return MENU_SCR_NONE;
}

/* Stores value v (n bytes) of key k in st. Ranges are checked later, as a whole. */
static int
set_field(struct menu_state *st, enum key k, const char *v, size_t n)
{
	long long x = 0;
	char tmp[11];

	switch (k) {
	case K_SCR:
	case K_RS: {
		enum menu_screen s = screen_named(v, n);
		if (s == MENU_SCR_NONE)
			return -1;
		*(k == K_SCR ? &st->screen : &st->resume_to) = s;
		return 0;
	}
	case K_ROLE:
		if (n != 1 || (v[0] != 'c' && v[0] != 'p'))
			return -1;
		st->role = v[0];
		return 0;
	case K_LANG:
		if (n < 2 || n > 3)
			return -1;
		memcpy(st->lang, v, n);
		st->lang[n] = '\0';
		return lang_ok(st->lang) ? 0 : -1;
	case K_DATE:
		if (n != 10)
			return -1;
		memcpy(tmp, v, n);
		tmp[n] = '\0';
		return ussd_date_parse_iso(tmp, &st->date);
	case K_TOPIC:
	case K_ITEM:
		if (number(v, n, 18, &x) != 0 || x == 0)
			return -1;
		*(k == K_TOPIC ? &st->topic_id : &st->item_id) = x;
		return 0;
	default:
		break;
	}
	if (number(v, n, 6, &x) != 0)
		return -1;
	switch (k) {
	case K_INV: st->invalid = (int)x; break;
	case K_PAGE: st->page = (int)x; break;
	case K_W: st->women = (int)x; break;
	case K_M: st->men = (int)x; break;
	case K_ST: st->status = (int)x; break;
	case K_PPL: st->people = (long)x; break;
	default: return -1;
	}
	return 0;
}

int
menu_state_decode(const char *s, struct menu_state *out)
{
	struct menu_state st = {.screen = MENU_SCR_NONE, .women = -1, .men = -1, .people = -1};
	unsigned seen = 0;
	size_t len;
	const char *p;

	if (!s || (len = strnlen(s, MENU_STATE_SIZE)) >= MENU_STATE_SIZE)
		return -1;
	if (strncmp(s, "v1", 2) != 0 || (s[2] != ';' && s[2] != '\0'))
		return -1;
	for (p = s + 2; *p == ';';) {
		const char *tok = p + 1, *end = strchr(tok, ';'), *eq;
		enum key k;
		if (!end)
			end = s + len;
		eq = memchr(tok, '=', (size_t)(end - tok));
		if (!eq)
			return -1;
		for (k = 0; k < K_COUNT; k++)
			if (strlen(key_names[k]) == (size_t)(eq - tok) &&
			    memcmp(key_names[k], tok, (size_t)(eq - tok)) == 0)
				break;
		if (k == K_COUNT || (seen & (1u << k)))
			return -1;
		seen |= 1u << k;
		if (set_field(&st, k, eq + 1, (size_t)(end - eq - 1)) != 0)
			return -1;
		p = end;
	}
	if (*p != '\0' || !(seen & (1u << K_SCR)) || !menu_state_shape_ok(&st))
		return -1;
	*out = st;
	return 0;
}

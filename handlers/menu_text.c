/*
 * menu_text — screen text limited to the GSM 03.38 alphabet, so that a USSD screen or an SMS
 * goes out as GSM-7 (160 characters) and never as UCS-2 (70). Titles typed by staff in a
 * spreadsheet may hold any Unicode: letters with accents GSM lacks are transliterated, the
 * rest become "?". See menu_int.h.
 */
#include "menu_int.h"

#include <string.h>

/* Septets of code point c in GSM 03.38: 1 in the basic set, 2 in the extension table (escape
 * + char), 0 when GSM-7 cannot carry it. */
static int
gsm_width(unsigned long c)
{
	static const unsigned short basic[] = {
		0xA1, 0xA3, 0xA4, 0xA5, 0xA7, 0xBF, 0xC4, 0xC5, 0xC6, 0xC7, 0xC9, 0xD1,
		0xD6, 0xD8, 0xDC, 0xDF, 0xE0, 0xE4, 0xE5, 0xE6, 0xE8, 0xE9, 0xEC, 0xF1,
		0xF2, 0xF6, 0xF8, 0xF9, 0xFC, 0x393, 0x394, 0x398, 0x39B, 0x39E, 0x3A0,
		0x3A3, 0x3A6, 0x3A8, 0x3A9,
	};
	if (c == '\n' || c == '\r')
		return 1;
	if (c >= 0x20 && c < 0x7F) {
		if (c == '`')
			return 0;
		return strchr("[\\]^{|}~", (int)c) ? 2 : 1;
	}
	if (c == 0x20AC)   /* euro sign */
		return 2;
	for (size_t i = 0; i < sizeof(basic) / sizeof(basic[0]); i++)
		if (basic[i] == c)
			return 1;
	return 0;
}

/* The ASCII letter nearest to a code point GSM lacks, or '?'. */
static char
fold(unsigned long c)
{
	static const char latin1[] = "AAAAAAACEEEEIIII"
				     "DNOOOOOxOUUUUYTs"
				     "aaaaaaaceeeeiiii"
				     "dnooooo/ouuuuyty";
	static const char latin_ext_a[] = "AaAaAaCcCcCcCcDd"
					  "DdEeEeEeEeEeGgGg"
					  "GgGgHhHhIiIiIiIi"
					  "IiJjJjKkkLlLlLlL"
					  "lLlNnNnNnnNnOoOo"
					  "OoOoRrRrRrSsSsSs"
					  "SsTtTtTtUuUuUuUu"
					  "UuUuWwYyYZzZzZzs";
	if (c == '\t' || c == 0xA0)
		return ' ';
	if (c == '`' || c == 0x2018 || c == 0x2019 || c == 0x201A || c == 0x2032)
		return '\'';
	if (c == 0x201C || c == 0x201D || c == 0x201E || c == 0xAB || c == 0xBB)
		return '"';
	if (c >= 0x2010 && c <= 0x2015)
		return '-';
	if (c == 0x2026)
		return '.';
	if (c >= 0xC0 && c <= 0xFF)
		return latin1[c - 0xC0];
	if (c >= 0x100 && c <= 0x17F)
		return latin_ext_a[c - 0x100];
	return '?';
}

/* Decodes one UTF-8 character of s (n bytes available) into *c; returns its length. A broken
 * sequence counts as one byte decoding to U+FFFD, which then folds to "?". */
static size_t
utf8_next(const unsigned char *s, size_t n, unsigned long *c)
{
	size_t len;
	unsigned long v;

	if (s[0] < 0x80) {
		*c = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0)
		len = 2, v = s[0] & 0x1F;
	else if ((s[0] & 0xF0) == 0xE0)
		len = 3, v = s[0] & 0x0F;
	else if ((s[0] & 0xF8) == 0xF0)
		len = 4, v = s[0] & 0x07;
	else
		goto bad;
	if (len > n)
		goto bad;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		v = (v << 6) | (s[i] & 0x3F);
	}
	*c = v;
	return len;
bad:
	*c = 0xFFFD;
	return 1;
}

/* The GSM character to write for code point c: c itself or its fold. */
static unsigned long
to_gsm(unsigned long c, int *width)
{
	*width = gsm_width(c);
	if (*width == 0) {
		c = (unsigned char)fold(c);
		*width = 1;
	}
	return c;
}

static size_t
utf8_put(unsigned long c, char out[4])
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	out[0] = (char)(0xE0 | (c >> 12));
	out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[2] = (char)(0x80 | (c & 0x3F));
	return 3;
}

/* Appends one GSM character of width w, unless it does not fit: then the text is marked as
 * overflowing and nothing more is appended, so a cut screen never ends mid-word oddly twice. */
static void
put_char(struct menu_text *t, unsigned long c, int w)
{
	char u[4];
	size_t n = utf8_put(c, u);

	if (t->overflow)
		return;
	if (t->septets + w > t->max || (t->buf && t->len + n >= t->size)) {
		t->overflow = true;
		return;
	}
	if (t->buf) {
		memcpy(t->buf + t->len, u, n);
		t->buf[t->len + n] = '\0';
	}
	t->len += n;
	t->septets += w;
}

void
menu_text_init(struct menu_text *t, char *buf, size_t size, int max)
{
	*t = (struct menu_text){.buf = buf, .size = size, .max = max};
	if (buf && size)
		buf[0] = '\0';
}

static int
width_n(const char *s, size_t n)
{
	int w = 0, cw;
	for (size_t i = 0; i < n;) {
		unsigned long c;
		i += utf8_next((const unsigned char *)s + i, n - i, &c);
		to_gsm(c, &cw);
		w += cw;
	}
	return w;
}

static void
put_n(struct menu_text *t, const char *s, size_t n, int cols)
{
	int limit = -1, used = 0, cw;

	if (cols >= 0 && width_n(s, n) > cols)
		limit = cols >= 2 ? cols - 2 : 0;
	for (size_t i = 0; i < n;) {
		unsigned long c;
		i += utf8_next((const unsigned char *)s + i, n - i, &c);
		c = to_gsm(c, &cw);
		if (limit >= 0 && used + cw > limit)
			break;
		put_char(t, c, cw);
		used += cw;
	}
	if (limit >= 0) {
		put_char(t, '.', 1);
		put_char(t, '.', 1);
	}
}

void
menu_text_put(struct menu_text *t, const char *s, int cols)
{
	if (s)
		put_n(t, s, strlen(s), cols);
}

int
menu_text_width(const char *s, int cols)
{
	struct menu_text t;
	menu_text_init(&t, NULL, 0, 1 << 20);
	menu_text_put(&t, s, cols);
	return t.septets;
}

/* Length of the placeholder name starting at s (after "{"), or 0 when "{" starts none. */
static size_t
placeholder(const char *s)
{
	size_t n = 0;
	while (n < 32 && ((s[n] >= 'a' && s[n] <= 'z') || s[n] == '_'))
		n++;
	return n > 0 && s[n] == '}' ? n : 0;
}

void
menu_text_expand(struct menu_text *t, const char *tmpl, menu_var_fn var, const void *ud)
{
	const char *p = tmpl, *lit = tmpl;

	if (!tmpl)
		return;
	while (*p) {
		size_t n;
		if (*p != '{' || (n = placeholder(p + 1)) == 0) {
			p++;
			continue;
		}
		char tmp[64];
		int cols = -1;
		const char *v = var ? var(ud, p + 1, n, tmp, sizeof(tmp), &cols) : NULL;
		if (!v) {
			p += n + 2;   /* unknown: kept as typed, the length test will show it */
			continue;
		}
		put_n(t, lit, (size_t)(p - lit), -1);
		menu_text_put(t, v, cols);
		p += n + 2;
		lit = p;
	}
	put_n(t, lit, (size_t)(p - lit), -1);
}

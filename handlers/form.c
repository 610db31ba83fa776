/* form — strict application/x-www-form-urlencoded decoding; see form.h. */
#include "form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
form_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		size_t need;
		unsigned long cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			need = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return 0;
		}
		if (n - i <= need)
			return 0;
		for (size_t k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* Overlong forms and surrogates smuggle characters past naive filters. */
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* A field name made safe for a one-line reason: printable ASCII only, at most 40 bytes. */
static const char *
safe_name(char *buf, size_t len, const char *key)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)key; *p && o + 1 < len && o < 40;
	     p++)
		buf[o++] = (*p >= 0x20 && *p < 0x7f) ? (char)*p : '?';
	buf[o] = '\0';
	return buf;
}

enum decode_err { DEC_OK, DEC_ESCAPE, DEC_NUL, DEC_UTF8, DEC_NOMEM };

/* Decodes n bytes at s ('+' and %XX) into a new NUL-terminated string in *out. */
static enum decode_err
decode(const char *s, size_t n, char **out)
{
	char *d = malloc(n + 1);
	size_t o = 0;
	*out = NULL;
	if (!d)
		return DEC_NOMEM;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
			int lo = hi >= 0 ? hexval((unsigned char)s[i + 2]) : -1;
			if (lo < 0) {
				free(d);
				return DEC_ESCAPE;
			}
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		/* A raw NUL (the body may hold one) is refused like %00: C strings would cut the
		 * value short without anyone noticing. */
		if (c == '\0') {
			free(d);
			return DEC_NUL;
		}
		d[o++] = (char)c;
	}
	d[o] = '\0';
	if (!form_utf8_valid(d, o)) {
		free(d);
		return DEC_UTF8;
	}
	*out = d;
	return DEC_OK;
}

static int
decode_fail(enum decode_err e, const char *what, const char *name, char *err, size_t errlen)
{
	static const char *const why[] = {
		[DEC_OK] = "",
		[DEC_ESCAPE] = "invalid %-escape",
		[DEC_NUL] = "NUL byte",
		[DEC_UTF8] = "invalid UTF-8",
		[DEC_NOMEM] = "out of memory decoding",
	};
	char safe[48];
	if (name)
		snprintf(err, errlen, "%s in %s %s", why[e], what, safe_name(safe, sizeof(safe), name));
	else
		snprintf(err, errlen, "%s in %s", why[e], what);
	return -1;
}

int
form_parse(const char *body, size_t len, struct form *out, char *err, size_t errlen)
{
	size_t i = 0;
	out->fields = NULL;
	out->n = 0;
	if (len > FORM_MAX_LEN) {
		snprintf(err, errlen, "form body over %u bytes", FORM_MAX_LEN);
		return -1;
	}
	while (i < len) {
		const char *seg = body + i;
		const char *amp = memchr(seg, '&', len - i);
		size_t seglen = amp ? (size_t)(amp - seg) : len - i;
		i += seglen + 1;
		if (seglen == 0)
			continue;
		const char *eq = memchr(seg, '=', seglen);
		size_t klen = eq ? (size_t)(eq - seg) : seglen;
		char *key, *value;
		enum decode_err e = decode(seg, klen, &key);
		if (e != DEC_OK)
			return decode_fail(e, "a field name", NULL, err, errlen);
		e = eq ? decode(eq + 1, seglen - klen - 1, &value) : decode("", 0, &value);
		if (e != DEC_OK) {
			decode_fail(e, "field", key, err, errlen);
			free(key);
			return -1;
		}
		if (out->n == FORM_MAX_FIELDS) {
			free(key), free(value);
			snprintf(err, errlen, "more than %d form fields", FORM_MAX_FIELDS);
			return -1;
		}
		if (out->n % 16 == 0) {
			struct form_field *f =
				realloc(out->fields, (out->n + 16) * sizeof(*out->fields));
			if (!f) {
				free(key), free(value);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			out->fields = f;
		}
		out->fields[out->n].key = key;
		out->fields[out->n].value = value;
		out->n++;
	}
	return 0;
}

const char *
form_get(const struct form *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->fields[i].key, key) == 0)
			return f->fields[i].value;
	return NULL;
}

void
form_clear(struct form *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->fields[i].key), free(f->fields[i].value);
	free(f->fields);
	f->fields = NULL;
	f->n = 0;
}

/* Writes s form-encoded at d (room for 3 bytes per input byte); returns the bytes written. */
static size_t
encode(char *d, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			d[o++] = (char)c;
		} else if (c == ' ') {
			d[o++] = '+';
		} else {
			d[o++] = '%', d[o++] = hex[c >> 4], d[o++] = hex[c & 15];
		}
	}
	return o;
}

int
form_append(char **buf, size_t *len, const char *key, const char *value)
{
	size_t kl = strlen(key), vl = strlen(value);
	size_t room = *len + 1 + 3 * kl + 1 + 3 * vl + 1;
	char *b = realloc(*buf, room);
	size_t o = *len;
	if (!b)
		return -1;
	if (o > 0)
		b[o++] = '&';
	o += encode(b + o, key);
	b[o++] = '=';
	o += encode(b + o, value);
	b[o] = '\0';
	*buf = b;
	*len = o;
	return 0;
}

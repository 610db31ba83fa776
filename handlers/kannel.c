/*
 * kannel — the Kannel adapter: get-url queries (inbound SMS, delivery reports) in, sendsms
 * GET requests out. Pure; see kannel.h and shared/protocols/README.md "Kannel".
 */
#include "kannel.h"
#include "agg_check.h"

#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "africastalking.h" /* at_normalize_phone(): E.164 is E.164 whoever sends it */
#include "form.h"
#include "gsm.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- configuration ---- */

enum {
	KN_SENDSMS_URL,
	KN_USERNAME,
	KN_PASSWORD,
	KN_FROM,
	KN_SMSC,
	KN_PUBLIC_URL,
	KN_CALLBACK_TOKEN,
	KN_DLR_MASK,
	KN_N_OPTS
};


static const struct cfg_opt kn_opts[KN_N_OPTS] = {
	[KN_SENDSMS_URL] = {"sendsms_url", CFG_STR, "http://127.0.0.1:13013/cgi-bin/sendsms", 0, 0,
			    NULL, agg_check_url, 0},
	[KN_USERNAME] = {"username", CFG_STR, NULL, 0, 0, NULL, agg_check_safe, 0},
	[KN_PASSWORD] = {"password", CFG_SECRET, NULL, 0, 0, "FOLLOWUP_KANNEL_PASSWORD",
			 agg_check_safe, 0},
	[KN_FROM] = {"from", CFG_STR, NULL, 0, 0, NULL, agg_check_safe, 0},
	[KN_SMSC] = {"smsc", CFG_STR, NULL, 0, 0, NULL, agg_check_safe, 0},
	[KN_PUBLIC_URL] = {"public_url", CFG_STR, NULL, 0, 0, NULL, agg_check_url, 0},
	[KN_CALLBACK_TOKEN] = {"callback_token", CFG_SECRET, NULL, 0, 0,
			       "FOLLOWUP_KANNEL_CALLBACK_TOKEN", agg_check_token, 0},
	/* 1 delivered + 2 not delivered + 8 SMSC accepted + 16 SMSC rejected. */
	[KN_DLR_MASK] = {"dlr_mask", CFG_INT, "27", 0, 63, NULL, NULL, 0},
};

struct kn_conf {
	char *sendsms_url, *username, *password, *from, *smsc, *public_url;
	char *token; /* NULL when followupd.conf has no [kannel] section: callbacks stay 404 */
	long dlr_mask;
};

static void
kn_conf_free(agg_conf *p)
{
	struct kn_conf *c = p;
	if (!c)
		return;
	free(c->sendsms_url), free(c->username), free(c->password), free(c->from);
	free(c->smsc), free(c->public_url), free(c->token);
	free(c);
}

/* username and password are checked per send, so that the section may serve callbacks while
 * another adapter sends. Without public_url, sends carry no dlr-url (no delivery reports). */
static agg_conf *
kn_conf_new(const struct cfg_values *v, char *err, size_t errlen)
{
	struct kn_conf *c;
	if (v->present && !*v->str[KN_CALLBACK_TOKEN]) {
		snprintf(err, errlen, "[kannel] callback_token is required (or callback_token_file, "
				      "or FOLLOWUP_KANNEL_CALLBACK_TOKEN)");
		return NULL;
	}
	if (!(c = calloc(1, sizeof(*c))))
		goto nomem;
	c->sendsms_url = strdup(v->str[KN_SENDSMS_URL]);
	c->username = strdup(v->str[KN_USERNAME]);
	c->password = strdup(v->str[KN_PASSWORD]);
	c->from = strdup(v->str[KN_FROM]);
	c->smsc = strdup(v->str[KN_SMSC]);
	c->public_url = strdup(v->str[KN_PUBLIC_URL]);
	c->dlr_mask = v->num[KN_DLR_MASK];
	if (!c->sendsms_url || !c->username || !c->password || !c->from || !c->smsc ||
	    !c->public_url)
		goto nomem;
	if (v->present && !(c->token = strdup(v->str[KN_CALLBACK_TOKEN])))
		goto nomem;
	agg_strip_slashes(c->public_url);
	return c;
nomem:
	kn_conf_free(c);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

static const char *
kn_token(const agg_conf *p)
{
	return ((const struct kn_conf *)p)->token;
}

/* ---- query strings and text ---- */

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
kannel_query_get(const char *q, size_t n, const char *key, char **out, size_t *len)
{
	size_t kl = strlen(key), i = 0;
	*out = NULL, *len = 0;
	while (i < n) {
		const char *seg = q + i, *amp = memchr(seg, '&', n - i);
		size_t sl = amp ? (size_t)(amp - seg) : n - i, o = 0;
		i += sl + 1;
		/* Our own keys need no escaping, so the raw key is compared. */
		if (sl < kl + 1 || memcmp(seg, key, kl) != 0 || seg[kl] != '=')
			continue;
		char *d = malloc(sl - kl);
		if (!d)
			return -1;
		for (size_t j = kl + 1; j < sl; j++) {
			unsigned char ch = (unsigned char)seg[j];
			if (ch == '+') {
				ch = ' ';
			} else if (ch == '%') {
				int hi = j + 2 < sl ? hexval((unsigned char)seg[j + 1]) : -1;
				int lo = hi >= 0 ? hexval((unsigned char)seg[j + 2]) : -1;
				if (lo < 0) {
					free(d);
					return -1;
				}
				ch = (unsigned char)(hi << 4 | lo);
				j += 2;
			}
			d[o++] = (char)ch;
		}
		d[o] = '\0';
		*out = d, *len = o;
		return 1;
	}
	return 0;
}

/* Appends cp as UTF-8 at d; returns the bytes written. */
static size_t
put_utf8(char *d, uint32_t cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | cp >> 6), d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | cp >> 12), d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | cp >> 18), d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Windows-1252 bytes 0x80-0x9F (the rest is Latin-1); the five undefined ones stay C1. */
static const uint16_t cp1252_high[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
	0x2039, 0x0152, 0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
	0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

enum kn_charset { CS_UTF8, CS_UTF16BE, CS_LATIN1, CS_CP1252, CS_BINARY, CS_UNKNOWN };

static const struct {
	const char *name;
	enum kn_charset cs;
} charsets[] = {
	{"UTF-8", CS_UTF8},	    {"UTF8", CS_UTF8},		 {"UTF-16BE", CS_UTF16BE},
	{"UTF-16", CS_UTF16BE},	    {"UCS-2", CS_UTF16BE},	 {"UCS2", CS_UTF16BE},
	{"ISO-8859-1", CS_LATIN1},  {"LATIN1", CS_LATIN1},	 {"WINDOWS-1252", CS_CP1252},
	{"CP1252", CS_CP1252},	    {"8-BIT", CS_BINARY},	 {"BINARY", CS_BINARY},
};

static enum kn_charset
pick_charset(const char *coding, const char *charset)
{
	if (charset && *charset) {
		for (size_t i = 0; i < N_ELEMS(charsets); i++)
			if (strcasecmp(charset, charsets[i].name) == 0)
				return charsets[i].cs;
		return CS_UNKNOWN;
	}
	if (!coding || !*coding || strcmp(coding, "0") == 0)
		return CS_UTF8;
	if (strcmp(coding, "2") == 0)
		return CS_UTF16BE;
	return strcmp(coding, "1") == 0 ? CS_BINARY : CS_UNKNOWN;
}

int
kannel_text_to_utf8(const char *bytes, size_t n, const char *coding, const char *charset,
		    char **out, char *err, size_t errlen)
{
	const unsigned char *b = (const unsigned char *)bytes;
	enum kn_charset cs = pick_charset(coding, charset);
	char *d;
	size_t o = 0;

	*out = NULL;
	if (cs == CS_BINARY || cs == CS_UNKNOWN) {
		snprintf(err, errlen, cs == CS_BINARY ? "binary (8-bit) messages are not supported"
						      : "unsupported coding or charset of text");
		return -1;
	}
	if (cs == CS_UTF16BE && n % 2) {
		snprintf(err, errlen, "odd length of UTF-16BE text");
		return -1;
	}
	/* 3 bytes of UTF-8 per input byte is the worst case (a Windows-1252 euro sign). */
	if (n > FORM_MAX_LEN || !(d = malloc(3 * n + 1))) {
		snprintf(err, errlen, n > FORM_MAX_LEN ? "text too long" : "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		if (cs == CS_UTF8) {
			cp = b[i++];
			d[o++] = (char)cp;
		} else if (cs == CS_UTF16BE) {
			cp = (uint32_t)b[i] << 8 | b[i + 1];
			i += 2;
			if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n && b[i] >= 0xdc && b[i] <= 0xdf) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (((uint32_t)b[i] << 8 | b[i + 1]) - 0xdc00);
				i += 2;
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				cp = 0xfffd;
			}
			o += put_utf8(d + o, cp);
		} else {
			cp = b[i++];
			if (cs == CS_CP1252 && cp >= 0x80 && cp < 0xa0)
				cp = cp1252_high[cp - 0x80];
			o += put_utf8(d + o, cp);
		}
		if (cp == 0) {
			free(d);
			snprintf(err, errlen, "NUL character in text");
			return -1;
		}
	}
	d[o] = '\0';
	if (!form_utf8_valid(d, o)) {
		free(d);
		snprintf(err, errlen, "invalid UTF-8 in text (add coding=%%c&charset=%%C to get-url)");
		return -1;
	}
	*out = d;
	return 0;
}

/* The first of the n bytes at q and its value as text into *dst: NULL when absent or empty,
 * else malloc'd UTF-8 without NUL. Returns 0, or -1 with a reason naming the field. */
static int
get_text(const char *q, size_t n, const char *key, char **dst, char *err, size_t errlen)
{
	size_t len;
	char *v;
	int r = kannel_query_get(q, n, key, &v, &len);
	*dst = NULL;
	if (r < 0) {
		snprintf(err, errlen, "invalid %%-escape in field %s", key);
		return -1;
	}
	if (r == 0 || len == 0) {
		free(v);
		return 0;
	}
	if (strlen(v) != len || !form_utf8_valid(v, len)) {
		free(v);
		snprintf(err, errlen, "NUL byte or invalid UTF-8 in field %s", key);
		return -1;
	}
	*dst = v;
	return 0;
}

/* Where a callback's fields are: a form body when Kannel POSTs one (post-url with a form
 * content type), else the query of the get-url (the documented set-up). */
static int
fields_of(const struct agg_request *rq, const char **q, size_t *n, char *err, size_t errlen)
{
	static const char form_ct[] = "application/x-www-form-urlencoded";
	const char *ct = rq->content_type ? rq->content_type + strspn(rq->content_type, " \t") : "";
	if (rq->method && strcmp(rq->method, "POST") == 0 &&
	    strncasecmp(ct, form_ct, sizeof(form_ct) - 1) == 0 &&
	    strchr("; \t", ct[sizeof(form_ct) - 1])) {
		*q = rq->body ? rq->body : "", *n = rq->body ? rq->body_len : 0;
		return 0;
	}
	if (!rq->query) {
		snprintf(err, errlen, "expected a query string (see the get-url in the README)");
		return -1;
	}
	*q = rq->query, *n = strlen(rq->query);
	return 0;
}

/* ---- callbacks ---- */

/* Unix time as ISO 8601 UTC into out (21 bytes); -1 when s is not a plausible one. */
static int
unix_to_iso(const char *s, char *out, size_t outlen)
{
	struct tm tm;
	size_t nd = s ? strspn(s, "0123456789") : 0;
	if (nd == 0 || nd > 11 || s[nd] || outlen < 21)
		return -1;
	time_t t = (time_t)strtoll(s, NULL, 10);
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 ||
	    strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		return -1;
	return 0;
}

/* Older Kannels leave %I empty: then the id is derived from what identifies a message even
 * when Kannel calls twice (sender, Kannel's time stamp, text), so deduplication still works.
 * Without a time two equal replies ("1", "1") would collapse into one, hence refused. */
static char *
derive_id(const char *from, const char *when, const char *text)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t fl = strlen(from) + 1, wl = strlen(when) + 1, tl = strlen(text);
	char *buf = malloc(fl + wl + tl), *id = malloc(7 + 32 + 1);
	if (!buf || !id) {
		free(buf), free(id);
		return NULL;
	}
	/* NUL separators: no two different triples give the same bytes. */
	memcpy(buf, from, fl);
	memcpy(buf + fl, when, wl);
	memcpy(buf + fl + wl, text, tl);
	SHA256((const unsigned char *)buf, fl + wl + tl, md);
	free(buf);
	memcpy(id, "kannel-", 7);
	for (int i = 0; i < 16; i++)
		snprintf(id + 7 + 2 * i, 3, "%02x", md[i]);
	return id;
}

static int
kn_parse_sms(const struct agg_request *rq, struct agg_sms *out, char *err, size_t errlen)
{
	char *raw = NULL, *from = NULL, *when = NULL, *coding = NULL, *charset = NULL;
	char phone[32], iso[24];
	const char *q;
	size_t n, rawlen = 0;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (fields_of(rq, &q, &n, err, errlen) < 0)
		return -1;
	if (get_text(q, n, "from", &from, err, errlen) < 0 ||
	    get_text(q, n, "to", &out->to, err, errlen) < 0 ||
	    get_text(q, n, "id", &out->id, err, errlen) < 0 ||
	    get_text(q, n, "time", &when, err, errlen) < 0 ||
	    get_text(q, n, "smsc", &out->network, err, errlen) < 0 ||
	    get_text(q, n, "coding", &coding, err, errlen) < 0 ||
	    get_text(q, n, "charset", &charset, err, errlen) < 0)
		goto done;
	if (!from) {
		snprintf(err, errlen, "missing field from");
		goto done;
	}
	if (at_normalize_phone(from, phone, sizeof(phone)) < 0) {
		snprintf(err, errlen, "field from is not a phone number in E.164");
		goto done;
	}
	if (kannel_query_get(q, n, "text", &raw, &rawlen) < 0) {
		snprintf(err, errlen, "invalid %%-escape in field text");
		goto done;
	}
	if (kannel_text_to_utf8(raw ? raw : "", rawlen, coding, charset, &out->text, err,
				errlen) < 0)
		goto done;
	if (!out->id && !when) {
		snprintf(err, errlen, "missing field id (and no time to derive one from)");
		goto done;
	}
	if (!(out->from = strdup(phone)) ||
	    (!out->id && !(out->id = derive_id(phone, when, out->text))) ||
	    (unix_to_iso(when, iso, sizeof(iso)) == 0 && !(out->received_at = strdup(iso)))) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	r = 0;
done:
	free(raw), free(from), free(when), free(coding), free(charset);
	if (r < 0)
		agg_sms_clear(out);
	return r;
}

static const struct {
	long type;
	enum agg_dlr_status status;
} dlr_types[] = {
	{1, AGG_DLR_DELIVERED}, {2, AGG_DLR_FAILED}, {4, AGG_DLR_SENT},
	{8, AGG_DLR_SENT},	{16, AGG_DLR_REJECTED}, {32, AGG_DLR_SENT},
};

enum agg_dlr_status
kannel_dlr_status(long type)
{
	for (size_t i = 0; i < N_ELEMS(dlr_types); i++)
		if (dlr_types[i].type == type)
			return dlr_types[i].status;
	return AGG_DLR_SENT;
}

/* The dlr-url of build_send() brings id (OUR outbound_messages id: Kannel has no id of its
 * own to give at send time), type (%d) and reply (%A, the SMSC's report text). So message_id
 * is our id and by_our_id tells the delivery flow to look it up as such. */
static int
kn_parse_dlr(const struct agg_request *rq, struct agg_dlr *out, char *err, size_t errlen)
{
	const char *q;
	size_t n;
	memset(out, 0, sizeof(*out));
	if (fields_of(rq, &q, &n, err, errlen) < 0)
		return -1;
	if (get_text(q, n, "id", &out->message_id, err, errlen) < 0 ||
	    get_text(q, n, "type", &out->raw_status, err, errlen) < 0)
		goto fail;
	if (!out->message_id || !out->raw_status) {
		snprintf(err, errlen, "missing field %s", out->message_id ? "type" : "id");
		goto fail;
	}
	size_t nd = strspn(out->raw_status, "0123456789");
	if (nd == 0 || nd > 9 || out->raw_status[nd]) {
		snprintf(err, errlen, "field type is not a number");
		goto fail;
	}
	out->status = kannel_dlr_status(strtol(out->raw_status, NULL, 10));
	out->by_our_id = true;
	/* The SMSC's text only informs staff: unreadable, it is dropped rather than the report. */
	if (get_text(q, n, "reply", &out->reason, err, errlen) < 0)
		out->reason = NULL;
	return 0;
fail:
	agg_dlr_clear(out);
	return -1;
}

/* Kannel counts only 200/202 as success; an empty body (with max-messages = 0) sends no SMS
 * back. */
static const char *
kn_sms_ack(const char **content_type)
{
	*content_type = "text/plain";
	return "";
}

/* ---- sending ---- */

/* Appends &key=value (no '&' first) with every byte but the unreserved ones as %XX, so any
 * decoder reads the same bytes back ('+' and %20 alike). Returns 0, or -1 out of memory. */
static int
q_add(char **buf, size_t *len, const char *key, const char *v, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t kl = strlen(key), o = *len;
	char *b = realloc(*buf, *len + 1 + kl + 1 + 3 * n + 1);
	if (!b)
		return -1;
	if (o > 0)
		b[o++] = '&';
	memcpy(b + o, key, kl);
	o += kl;
	b[o++] = '=';
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '.' || ch == '_' || ch == '~')
			b[o++] = (char)ch;
		else
			b[o++] = '%', b[o++] = hex[ch >> 4], b[o++] = hex[ch & 15];
	}
	b[o] = '\0';
	*buf = b, *len = o;
	return 0;
}

static int
q_str(char **buf, size_t *len, const char *key, const char *v)
{
	return q_add(buf, len, key, v, strlen(v));
}

/* The dlr-url: our id goes in escaped here, and the whole URL once more by q_add() as the
 * value of dlr-url; Kannel decodes that layer and fills in %d and %A. */
static char *
dlr_url(const struct kn_conf *c, const char *id)
{
	char *esc = NULL, *url = NULL;
	size_t elen = 0;
	if (q_str(&esc, &elen, "id", id) == 0 &&
	    asprintf(&url, "%s/cb/kannel/%s/delivery?%s&type=%%d&reply=%%A", c->public_url,
		     c->token, esc) < 0)
		url = NULL;
	free(esc);
	return url;
}

static int
kn_build_send(const agg_conf *p, const struct agg_outmsg *m, struct agg_http *out, char *err,
	      size_t errlen)
{
	const struct kn_conf *c = p;
	char to[32], mask[8], *text = NULL, *q = NULL, *dlr = NULL;
	size_t tlen, qlen = 0;
	int ucs2 = 0, r;

	memset(out, 0, sizeof(*out));
	if (!*c->username) {
		snprintf(err, errlen, "[kannel] username is not configured");
		return -1;
	}
	if (at_normalize_phone(m->to, to, sizeof(to)) < 0) {
		snprintf(err, errlen, "recipient is not a phone number in E.164");
		return -1;
	}
	if (!m->text || !*m->text || !form_utf8_valid(m->text, strlen(m->text))) {
		snprintf(err, errlen, "message text is empty or not UTF-8");
		return -1;
	}
	/* GSM-7 after transliteration goes plain; anything else as UCS-2 of the original text,
	 * accents kept since it costs the same (README: coding=2 and no charset). */
	if (!(text = gsm_transliterate(m->text)))
		goto nomem;
	tlen = strlen(text);
	if (!gsm_is_gsm7(text)) {
		free(text);
		ucs2 = 1;
		if (!(text = (char *)gsm_to_utf16be(m->text, &tlen)))
			goto nomem;
	}
	snprintf(mask, sizeof(mask), "%ld", c->dlr_mask);
	/* No public_url, no token (no section) or a zero mask: no delivery reports asked for. */
	if (*c->public_url && c->token && c->dlr_mask > 0 && m->id && !(dlr = dlr_url(c, m->id)))
		goto nomem;
	r = q_str(&q, &qlen, "username", c->username);
	r = r ? r : q_str(&q, &qlen, "password", c->password);
	r = r ? r : q_str(&q, &qlen, "to", to);
	r = r ? r : q_add(&q, &qlen, "text", text, tlen);
	r = r || !ucs2 ? r : q_str(&q, &qlen, "coding", "2");
	r = r || !*c->from ? r : q_str(&q, &qlen, "from", c->from);
	r = r || !*c->smsc ? r : q_str(&q, &qlen, "smsc", c->smsc);
	r = r || !dlr ? r : q_str(&q, &qlen, "dlr-mask", mask);
	r = r || !dlr ? r : q_str(&q, &qlen, "dlr-url", dlr);
	if (r < 0)
		goto nomem;
	if (asprintf(&out->url, "%s%c%s", c->sendsms_url, strchr(c->sendsms_url, '?') ? '&' : '?',
		     q) < 0)
		out->url = NULL;
	out->method = strdup("GET");
	if (!out->url || !out->method)
		goto nomem;
	free(text), free(q), free(dlr);
	return 0;
nomem:
	free(text), free(q), free(dlr);
	agg_http_clear(out);
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Kannel gives no message id when it accepts a send: out->id stays "" and the delivery
 * reports name our own id instead (by_our_id). */
static void
kn_read_send(const agg_conf *p, long http_status, const char *body, size_t len,
	     struct agg_send_result *out)
{
	char ex[100];
	memset(out, 0, sizeof(*out));
	agg_excerpt(ex, sizeof(ex), body ? body : "", body ? len : 0, 90);
	if (http_status == 200 || http_status == 202) {
		/* "0: Accepted for delivery", "3: Queued for later delivery"; "Sent." from
		 * Kannel 1.2. Anything else may still have gone out: FAILED, never retried. */
		if (strncmp(ex, "0:", 2) == 0 || strncmp(ex, "3:", 2) == 0 ||
		    strncmp(ex, "Sent.", 5) == 0) {
			out->outcome = AGG_SEND_ACCEPTED;
			return;
		}
		out->outcome = AGG_SEND_FAILED;
		snprintf(out->reason, sizeof(out->reason),
			 "unexpected answer (may have been sent; not retried): %s", ex);
		return;
	}
	if (http_status == 0) {
		out->outcome = AGG_SEND_RETRY;
		snprintf(out->reason, sizeof(out->reason), "transport error or timeout");
		return;
	}
	/* Not accepted, so retrying is safe; worth it only for what time can fix. */
	if (http_status >= 500 || http_status == 408 || http_status == 429)
		out->outcome = AGG_SEND_RETRY;
	else
		out->outcome = AGG_SEND_FAILED;
	snprintf(out->reason, sizeof(out->reason), "HTTP %ld%s%s", http_status, *ex ? ": " : "",
		 ex);
}

const struct aggregator agg_kannel = {
	.name = "kannel",
	.section = {"kannel", kn_opts, KN_N_OPTS},
	.conf_new = kn_conf_new,
	.conf_free = kn_conf_free,
	.callback_token = kn_token,
	.parse_sms = kn_parse_sms,
	.parse_dlr = kn_parse_dlr,
	.sms_ack = kn_sms_ack,
	.build_send = kn_build_send,
	.read_send = kn_read_send,
};

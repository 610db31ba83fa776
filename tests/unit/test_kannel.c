/*
 * test_kannel — the Kannel adapter on recorded requests (tests/data/kannel/): query decoding,
 * the text codings Kannel hands over (UTF-8, UTF-16BE, Latin-1, Windows-1252), the get-url
 * inbound SMS parser with its derived ids, the dlr-url parser for every report type, the
 * sendsms request (GSM-7 and UCS-2) and the reading of every answer. Table-driven.
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
#include "kannel.h"
#include "registry.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define UUID "3b1e6a4c-8f2d-4e7a-9c0b-5d6e7f8a9b0c"

static char *
fixture(const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof(path), "tests/data/kannel/%s", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture %s (run from the repository root)", path);
	char *buf = malloc(65536);
	assert_non_null(buf);
	*len = fread(buf, 1, 65535, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* A get-url call: GET with the fixture as its query. */
static struct agg_request
get_request(const char *path, const char *query)
{
	struct agg_request rq = {.method = "GET", .path = path, .query = query};
	return rq;
}

static void
check_str(const char *name, const char *what, const char *want, const char *got)
{
	if (!want && got)
		fail_msg("%s: %s: want NULL, got '%s'", name, what, got);
	if (want && (!got || strcmp(want, got) != 0))
		fail_msg("%s: %s: want '%s', got '%s'", name, what, want, got ? got : "(NULL)");
}

static void
check_rc(const char *name, int want, int got, const char *want_err, const char *err)
{
	if (want != got)
		fail_msg("%s: rc %d, want %d (err '%s')", name, got, want, err);
	if (want_err && !strstr(err, want_err))
		fail_msg("%s: reason '%s', want '%s'", name, err, want_err);
}

static agg_conf *
conf_from(const char *ini, char *err, size_t errlen)
{
	struct cfg *cfg = cfg_load_string("test.conf", ini, agg_sections, agg_n_sections, err,
					  errlen);
	agg_conf *c = NULL;
	if (cfg) {
		c = agg_kannel.conf_new(cfg_section_values(cfg, "kannel"), err, errlen);
		cfg_free(cfg);
	}
	return c;
}

static int
setup_env(void **state)
{
	unsetenv("FOLLOWUP_KANNEL_PASSWORD");
	unsetenv("FOLLOWUP_KANNEL_CALLBACK_TOKEN");
	return 0;
}

/* ---- query strings ---- */

static const struct q_case {
	const char *query, *key;
	int rc;
	const char *value;
	size_t len;
} q_cases[] = {
	{"a=1&b=x+y%2B", "b", 1, "x y+", 4},
	{"a=1&b=2&a=3", "a", 1, "1", 1},     /* first wins */
	{"idx=7&id=8", "id", 1, "8", 1},     /* a longer key is another key */
	{"id", "id", 0, NULL, 0},            /* no '=': not a value */
	{"id=", "id", 1, "", 0},
	{"a=%00A%D8%3D", "a", 1, "\0A\xd8=", 4},
	{"a=1", "b", 0, NULL, 0},
	{"", "a", 0, NULL, 0},
	{"a=%4", "a", -1, NULL, 0},
	{"a=%G0", "a", -1, NULL, 0},
	{"b=%G0&a=1", "a", 1, "1", 1},       /* only the field asked for is decoded */
	{"a=1&&=&a=2", "a", 1, "1", 1},
};

static void
test_kannel_query_get(void **state)
{
	for (size_t i = 0; i < N(q_cases); i++) {
		const struct q_case *c = &q_cases[i];
		char *v = (char *)1;
		size_t len = 99;
		int rc = kannel_query_get(c->query, strlen(c->query), c->key, &v, &len);
		if (rc != c->rc)
			fail_msg("%s [%s]: rc %d, want %d", c->query, c->key, rc, c->rc);
		if (rc == 1) {
			assert_int_equal(len, c->len);
			assert_memory_equal(v, c->value, len);
			assert_int_equal(v[len], '\0');
		} else {
			assert_null(v);
		}
		free(v);
	}
}

static const struct text_case {
	const char *bytes;
	size_t n;
	const char *coding, *charset;
	int rc;
	const char *want;  /* text, or the expected reason */
} text_cases[] = {
	{"caf\xc3\xa9", 5, "0", "UTF-8", 0, "caf\xc3\xa9"},
	{"caf\xc3\xa9", 5, NULL, NULL, 0, "caf\xc3\xa9"},
	{"caf\xc3\xa9", 5, "0", "utf-8", 0, "caf\xc3\xa9"},
	{"\x00h\x00i\x20\x14\xd8\x3d\xdc\x4d", 10, "2", "UTF-16BE", 0,
	 "hi\xe2\x80\x94\xf0\x9f\x91\x8d"},
	{"\x00h\x00i", 4, "2", NULL, 0, "hi"},
	{"\x00h\x00i", 4, NULL, "UCS-2", 0, "hi"},
	{"\xd8\x3d\x00h", 4, "2", NULL, 0, "\xef\xbf\xbdh"},      /* lone high surrogate */
	{"\xdc\x4d", 2, "2", NULL, 0, "\xef\xbf\xbd"},            /* lone low surrogate */
	{"\xd8\x3d", 2, "2", NULL, 0, "\xef\xbf\xbd"},            /* truncated pair */
	{"caf\xe9", 4, "0", "ISO-8859-1", 0, "caf\xc3\xa9"},
	{"\x80\x93x\x94\xe9", 5, "0", "WINDOWS-1252", 0,
	 "\xe2\x82\xac\xe2\x80\x9cx\xe2\x80\x9d\xc3\xa9"},
	{"\x81", 1, "0", "CP1252", 0, "\xc2\x81"},
	{"", 0, "0", "UTF-8", 0, ""},
	{"", 0, "2", NULL, 0, ""},
	{"\x00h\x00", 3, "2", NULL, -1, "odd length"},
	{"\x00\x00", 2, "2", NULL, -1, "NUL character"},
	{"a\0b", 3, "0", NULL, -1, "NUL character"},
	{"fin\xff", 4, "0", NULL, -1, "invalid UTF-8"},
	{"\xc0\xaf", 2, NULL, NULL, -1, "invalid UTF-8"},
	{"\x01\x02", 2, "1", NULL, -1, "binary"},
	{"\x01\x02", 2, "0", "8-BIT", -1, "binary"},
	{"x", 1, "0", "KOI8-R", -1, "unsupported"},
	{"x", 1, "3", NULL, -1, "unsupported"},
};

static void
test_kannel_text_to_utf8(void **state)
{
	for (size_t i = 0; i < N(text_cases); i++) {
		const struct text_case *c = &text_cases[i];
		char *out = (char *)1, err[160] = "", name[32];
		int rc = kannel_text_to_utf8(c->bytes, c->n, c->coding, c->charset, &out, err,
					     sizeof(err));
		snprintf(name, sizeof(name), "text case %zu", i);
		check_rc(name, c->rc, rc, c->rc ? c->want : NULL, err);
		if (rc == 0)
			check_str(name, "text", c->want, out);
		else
			assert_null(out);
		free(out);
	}
}

/* ---- inbound SMS ---- */

static const struct sms_case {
	const char *file;
	int rc;
	const char *err, *id, *from, *to, *text, *at, *smsc;
} sms_cases[] = {
	{"sms_gsm.query", 0, NULL, UUID, "+250788123456", "12345", "Byarangiye neza\nmerci  2",
	 "2023-11-14T22:13:20Z", "mtn-smpp"},
	{"sms_plus_space.query", 0, NULL, UUID, "+250788123456", "12345", "in progress", NULL,
	 NULL},
	{"sms_utf8.query", 0, NULL, UUID, "+250788123456", "12345",
	 "Nimefika \xc3\xa9" "cole \xe2\x82\xac" "5", NULL, NULL},
	{"sms_ucs2.query", 0, NULL, UUID, "+250788123456", "12345",
	 "Ndashimye \xe1\x88\xb0\xe1\x88\x8b\xe1\x88\x9d \xf0\x9f\x91\x8d", NULL, NULL},
	{"sms_ucs2_coding_only.query", 0, NULL, UUID, NULL, NULL,
	 "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 1", NULL, NULL},
	{"sms_ucs2_lone_surrogate.query", 0, NULL, UUID, NULL, NULL, "A\xef\xbf\xbd" "B", NULL,
	 NULL},
	{"sms_latin1.query", 0, NULL, UUID, NULL, NULL, "caf\xc3\xa9 fini", NULL, NULL},
	{"sms_cp1252.query", 0, NULL, UUID, NULL, NULL,
	 "\xe2\x80\x9c" "fini\xe2\x80\x9d \xe2\x82\xac 5", NULL, NULL},
	{"sms_no_plus.query", 0, NULL, UUID, "+250788123456", NULL, "2", NULL, NULL},
	{"sms_empty_text.query", 0, NULL, UUID, NULL, NULL, "", NULL, NULL},
	{"sms_no_text.query", 0, NULL, UUID, NULL, NULL, "", NULL, NULL},
	{"sms_bad_time.query", 0, NULL, UUID, NULL, NULL, "3", NULL, NULL},
	{.file = "sms_no_id_no_time.query", .rc = -1, .err = "missing field id"},
	{.file = "sms_missing_from.query", .rc = -1, .err = "missing field from"},
	{.file = "sms_alnum_from.query", .rc = -1, .err = "field from is not a phone number"},
	{.file = "sms_binary.query", .rc = -1, .err = "binary"},
	{.file = "sms_odd_ucs2.query", .rc = -1, .err = "odd length"},
	{.file = "sms_ucs2_nul.query", .rc = -1, .err = "NUL character"},
	{.file = "sms_bad_utf8.query", .rc = -1, .err = "invalid UTF-8 in text"},
	{.file = "sms_unknown_charset.query", .rc = -1, .err = "unsupported"},
	{.file = "sms_bad_escape.query", .rc = -1, .err = "invalid %-escape in field text"},
	{.file = "sms_nul_in_from.query", .rc = -1, .err = "NUL byte or invalid UTF-8 in field from"},
};

static void
test_kannel_parse_sms(void **state)
{
	for (size_t i = 0; i < N(sms_cases); i++) {
		const struct sms_case *c = &sms_cases[i];
		size_t len;
		char *q = fixture(c->file, &len), err[160] = "";
		struct agg_request rq = get_request("/cb/kannel/tok/sms", q);
		struct agg_sms s;
		int rc = agg_kannel.parse_sms(&rq, &s, err, sizeof(err));
		check_rc(c->file, c->rc, rc, c->err, err);
		if (rc == 0) {
			check_str(c->file, "id", c->id, s.id);
			if (c->from)
				check_str(c->file, "from", c->from, s.from);
			if (c->to)
				check_str(c->file, "to", c->to, s.to);
			check_str(c->file, "text", c->text, s.text);
			if (c->at)
				check_str(c->file, "received_at", c->at, s.received_at);
			if (c->smsc)
				check_str(c->file, "network", c->smsc, s.network);
		} else {
			assert_null(s.id), assert_null(s.from), assert_null(s.text);
		}
		agg_sms_clear(&s);
		free(q);
	}
}

/* Without %I the id comes from (sender, time, text): the same call twice gives the same id,
 * another time another one. */
static void
test_kannel_derived_id(void **state)
{
	const char *files[] = {"sms_no_id.query", "sms_no_id.query", "sms_no_id_later.query"};
	char ids[3][64], err[160];
	for (size_t i = 0; i < N(files); i++) {
		size_t len;
		char *q = fixture(files[i], &len);
		struct agg_request rq = get_request("/cb/kannel/tok/sms", q);
		struct agg_sms s;
		assert_int_equal(agg_kannel.parse_sms(&rq, &s, err, sizeof(err)), 0);
		assert_int_equal(strlen(s.id), 7 + 32);
		assert_memory_equal(s.id, "kannel-", 7);
		assert_int_equal(strspn(s.id + 7, "0123456789abcdef"), 32);
		snprintf(ids[i], sizeof(ids[i]), "%s", s.id);
		assert_string_equal(s.text, "1");
		agg_sms_clear(&s);
		free(q);
	}
	assert_string_equal(ids[0], ids[1]);
	assert_string_not_equal(ids[0], ids[2]);
}

static void
test_kannel_request_shapes(void **state)
{
	size_t len;
	char err[160];
	char *body = fixture("sms_form.body", &len);
	struct agg_sms s;
	/* post-url with a form body. */
	struct agg_request rq = {.method = "POST", .path = "/cb/kannel/tok/sms",
				 .content_type = "application/x-www-form-urlencoded; charset=UTF-8",
				 .body = body, .body_len = len};
	assert_int_equal(agg_kannel.parse_sms(&rq, &s, err, sizeof(err)), 0);
	assert_string_equal(s.text, "via post-url");
	agg_sms_clear(&s);
	/* A POST of something else reads the query instead; no query at all is refused. */
	rq.content_type = "text/plain";
	rq.query = "from=%2B250788123456&text=q&id=7";
	assert_int_equal(agg_kannel.parse_sms(&rq, &s, err, sizeof(err)), 0);
	assert_string_equal(s.text, "q");
	agg_sms_clear(&s);
	rq.query = NULL;
	assert_int_equal(agg_kannel.parse_sms(&rq, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "query string"));
	assert_null(s.id);
	struct agg_dlr d;
	assert_int_equal(agg_kannel.parse_dlr(&rq, &d, err, sizeof(err)), -1);
	assert_null(d.message_id);
	free(body);
}

/* ---- delivery reports ---- */

#define REPLY                                                                                    \
	"id:1a2b3c4d sub:001 dlvrd:001 submit date:2311141523 done date:2311141524 stat:DELIVRD " \
	"err:000 text:Habari"

static const struct dlr_case {
	const char *file;
	int rc;
	const char *err;
	enum agg_dlr_status status;
	const char *raw, *reason;
} dlr_cases[] = {
	{"dlr_1.query", 0, NULL, AGG_DLR_DELIVERED, "1", REPLY},
	{"dlr_2.query", 0, NULL, AGG_DLR_FAILED, "2", REPLY},
	{"dlr_4.query", 0, NULL, AGG_DLR_SENT, "4", NULL},
	{"dlr_8.query", 0, NULL, AGG_DLR_SENT, "8", NULL},
	{"dlr_16.query", 0, NULL, AGG_DLR_REJECTED, "16", REPLY},
	{"dlr_32.query", 0, NULL, AGG_DLR_SENT, "32", NULL},
	{"dlr_64.query", 0, NULL, AGG_DLR_SENT, "64", NULL},
	{"dlr_no_reply.query", 0, NULL, AGG_DLR_DELIVERED, "1", NULL},
	{"dlr_bad_reply.query", 0, NULL, AGG_DLR_FAILED, "2", NULL},
	{.file = "dlr_missing_type.query", .rc = -1, .err = "missing field type"},
	{.file = "dlr_missing_id.query", .rc = -1, .err = "missing field id"},
	{.file = "dlr_unsubstituted.query", .rc = -1, .err = "invalid %-escape in field type"},
	{.file = "dlr_bad_type.query", .rc = -1, .err = "field type is not a number"},
};

static void
test_kannel_parse_dlr(void **state)
{
	for (size_t i = 0; i < N(dlr_cases); i++) {
		const struct dlr_case *c = &dlr_cases[i];
		size_t len;
		char *q = fixture(c->file, &len), err[160] = "";
		struct agg_request rq = get_request("/cb/kannel/tok/delivery", q);
		struct agg_dlr d;
		int rc = agg_kannel.parse_dlr(&rq, &d, err, sizeof(err));
		check_rc(c->file, c->rc, rc, c->err, err);
		if (rc == 0) {
			/* Our own outbound id, flagged as such. */
			check_str(c->file, "id", "42", d.message_id);
			assert_true(d.by_our_id);
			if (d.status != c->status)
				fail_msg("%s: status %d, want %d", c->file, d.status, c->status);
			check_str(c->file, "raw_status", c->raw, d.raw_status);
			check_str(c->file, "reason", c->reason, d.reason);
			assert_int_equal(d.opt_out, 0);
		} else {
			assert_null(d.message_id), assert_null(d.raw_status);
		}
		agg_dlr_clear(&d);
		free(q);
	}
}

static void
test_kannel_contract(void **state)
{
	const char *ct = NULL;
	assert_ptr_equal(agg_find("kannel"), &agg_kannel);
	assert_null(agg_kannel.parse_ussd);
	assert_null(agg_kannel.parse_ussd_end);
	assert_null(agg_kannel.format_ussd);
	assert_null(agg_kannel.verify);
	assert_string_equal(agg_kannel.sms_ack(&ct), "");
	assert_string_equal(ct, "text/plain");
}

/* ---- configuration ---- */

static void
test_kannel_conf(void **state)
{
	char err[256] = "";
	agg_conf *c = conf_from("[kannel]\nusername = fu\n", err, sizeof(err));
	assert_null(c);
	assert_non_null(strstr(err, "callback_token is required"));
	c = conf_from("[kannel]\ncallback_token = a b\n", err, sizeof(err));
	assert_null(c);
	assert_non_null(strstr(err, "callback_token"));
	c = conf_from("[kannel]\ncallback_token = t\ndlr_mask = 64\n", err, sizeof(err));
	assert_null(c);
	assert_non_null(strstr(err, "dlr_mask"));
	c = conf_from("[kannel]\ncallback_token = t\nsendsms_url = 127.0.0.1:13013\n", err,
		      sizeof(err));
	assert_null(c);
	assert_non_null(strstr(err, "sendsms_url"));

	c = conf_from("[console]\n", err, sizeof(err));
	assert_non_null(c);
	assert_null(agg_kannel.callback_token(c));
	agg_kannel.conf_free(c);

	setenv("FOLLOWUP_KANNEL_CALLBACK_TOKEN", "env-tok", 1);
	setenv("FOLLOWUP_KANNEL_PASSWORD", "env pw&", 1);
	c = conf_from("[kannel]\nusername = fu\n", err, sizeof(err));
	setup_env(NULL);
	assert_non_null(c);
	assert_string_equal(agg_kannel.callback_token(c), "env-tok");
	struct agg_http h;
	struct agg_outmsg m = {"1", "+250788123456", "hi", NULL};
	assert_int_equal(agg_kannel.build_send(c, &m, &h, err, sizeof(err)), 0);
	assert_non_null(strstr(h.url, "&password=env%20pw%26&"));
	agg_http_clear(&h);
	agg_kannel.conf_free(c);
	agg_kannel.conf_free(NULL);
}

/* ---- sending ---- */

#define STD_CONF                                                                                 \
	"[kannel]\nsendsms_url = http://127.0.0.1:13013/cgi-bin/sendsms\nusername = fu\n"        \
	"password = s3cret\nfrom = 12345\npublic_url = http://127.0.0.1:8080/\n"               \
	"callback_token = tok\n"
#define DLR_PARAMS                                                                               \
	"&dlr-mask=27&dlr-url=http%3A%2F%2F127.0.0.1%3A8080%2Fcb%2Fkannel%2Ftok%2Fdelivery%3Fid%3D42" \
	"%26type%3D%25d%26reply%3D%25A"

static const struct build_case {
	const char *extra_conf;
	const char *to, *text;
	const char *url;
} build_cases[] = {
	{"", "+250788123456", "Habari Amina! Reply 1*2 & more",
	 "http://127.0.0.1:13013/cgi-bin/sendsms?username=fu&password=s3cret&to=%2B250788123456"
	 "&text=Habari%20Amina%21%20Reply%201%2A2%20%26%20more&from=12345" DLR_PARAMS},
	/* Characters with a GSM-7 form are transliterated (à and é are GSM-7 already). */
	{"", "250788123456", "Merci \xc3\xa0 tous \xe2\x80\x94 \xc3\xa1\xc3\xa7\xc3\xa9",
	 "http://127.0.0.1:13013/cgi-bin/sendsms?username=fu&password=s3cret&to=%2B250788123456"
	 "&text=Merci%20%C3%A0%20tous%20-%20ac%C3%A9&from=12345" DLR_PARAMS},
	/* Outside GSM-7: UTF-16BE bytes of the original text, coding=2, no charset. */
	{"", "+250788123456", "\xc3\xa0 \xf0\x9f\x91\x8d",
	 "http://127.0.0.1:13013/cgi-bin/sendsms?username=fu&password=s3cret&to=%2B250788123456"
	 "&text=%00%E0%00%20%D8%3D%DCM&coding=2&from=12345" DLR_PARAMS},
	{"smsc = mtn smpp\ndlr_mask = 31\n", "+250788123456", "ok",
	 "http://127.0.0.1:13013/cgi-bin/sendsms?username=fu&password=s3cret&to=%2B250788123456"
	 "&text=ok&from=12345&smsc=mtn%20smpp&dlr-mask=31&dlr-url=http%3A%2F%2F127.0.0.1%3A8080"
	 "%2Fcb%2Fkannel%2Ftok%2Fdelivery%3Fid%3D42%26type%3D%25d%26reply%3D%25A"},
	{"dlr_mask = 0\n", "+250788123456", "ok",
	 "http://127.0.0.1:13013/cgi-bin/sendsms?username=fu&password=s3cret&to=%2B250788123456"
	 "&text=ok&from=12345"},
};

static void
test_kannel_build_send(void **state)
{
	char err[256] = "", ini[1024];
	for (size_t i = 0; i < N(build_cases); i++) {
		const struct build_case *b = &build_cases[i];
		struct agg_http h;
		struct agg_outmsg m = {"42", b->to, b->text, NULL};
		snprintf(ini, sizeof(ini), STD_CONF "%s", b->extra_conf);
		agg_conf *c = conf_from(ini, err, sizeof(err));
		if (!c)
			fail_msg("case %zu: conf: %s", i, err);
		assert_int_equal(agg_kannel.build_send(c, &m, &h, err, sizeof(err)), 0);
		assert_string_equal(h.method, "GET");
		check_str("build", "url", b->url, h.url);
		assert_null(h.body);
		assert_null(h.userpwd);
		assert_int_equal(h.n_headers, 0);
		agg_http_clear(&h);
		agg_kannel.conf_free(c);
	}

	/* A long UCS-2 text decodes back to gsm_to_utf16be() of the original. */
	agg_conf *c = conf_from(STD_CONF, err, sizeof(err));
	struct agg_http h;
	const char *text = "\xe1\x88\xb0\xe1\x88\x8b\xe1\x88\x9d, Ndashimye \xf0\x9f\x91\x8d\n2";
	struct agg_outmsg m = {"42", "+250788123456", text, NULL};
	size_t want_len, got_len;
	unsigned char *want = gsm_to_utf16be(text, &want_len);
	char *got;
	assert_int_equal(agg_kannel.build_send(c, &m, &h, err, sizeof(err)), 0);
	const char *q = strchr(h.url, '?') + 1;
	assert_int_equal(kannel_query_get(q, strlen(q), "text", &got, &got_len), 1);
	assert_int_equal(got_len, want_len);
	assert_memory_equal(got, want, want_len);
	assert_null(strstr(h.url, "charset"));
	free(got), free(want);
	/* And the dlr-url decodes to what Kannel will call, placeholders intact. */
	assert_int_equal(kannel_query_get(q, strlen(q), "dlr-url", &got, &got_len), 1);
	assert_string_equal(got, "http://127.0.0.1:8080/cb/kannel/tok/delivery?id=42&type=%d"
				 "&reply=%A");
	free(got);
	agg_http_clear(&h);

	struct agg_outmsg bad_to = {"43", "0788123456", "hi", NULL};
	assert_int_equal(agg_kannel.build_send(c, &bad_to, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "recipient"));
	assert_null(h.url);
	struct agg_outmsg empty = {"44", "+250788123456", "", NULL};
	assert_int_equal(agg_kannel.build_send(c, &empty, &h, err, sizeof(err)), -1);
	agg_kannel.conf_free(c);

	/* No public_url: no delivery reports asked for; a sendsms_url with a query of its own. */
	c = conf_from("[kannel]\nsendsms_url = http://k:13013/cgi-bin/sendsms?account=x\n"
		      "username = fu\ncallback_token = t\n",
		      err, sizeof(err));
	assert_non_null(c);
	struct agg_outmsg ok = {"45", "+250788123456", "ok", NULL};
	assert_int_equal(agg_kannel.build_send(c, &ok, &h, err, sizeof(err)), 0);
	assert_string_equal(h.url, "http://k:13013/cgi-bin/sendsms?account=x&username=fu"
				   "&password=&to=%2B250788123456&text=ok");
	agg_http_clear(&h);
	agg_kannel.conf_free(c);

	c = conf_from("[kannel]\ncallback_token = t\n", err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(agg_kannel.build_send(c, &ok, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "username"));
	agg_kannel.conf_free(c);
}

static const struct send_case {
	long http;
	const char *file;
	enum agg_send_outcome outcome;
	const char *reason;  /* expected prefix */
} send_cases[] = {
	{202, "send_202_accepted.txt", AGG_SEND_ACCEPTED, ""},
	{202, "send_202_queued.txt", AGG_SEND_ACCEPTED, ""},
	{200, "send_202_accepted.txt", AGG_SEND_ACCEPTED, ""},
	{202, "send_202_sent.txt", AGG_SEND_ACCEPTED, ""},
	{202, "send_202_odd.txt", AGG_SEND_FAILED, "unexpected answer (may have been sent"},
	{202, NULL, AGG_SEND_FAILED, "unexpected answer"},
	{403, "send_403_route.txt", AGG_SEND_FAILED, "HTTP 403: Not routable. Do not try again."},
	{403, "send_403_auth.txt", AGG_SEND_FAILED, "HTTP 403: Authorization failed for sendsms"},
	{400, "send_400_receiver.txt", AGG_SEND_FAILED, "HTTP 400: Missing receiver number"},
	{503, "send_503.txt", AGG_SEND_RETRY, "HTTP 503: Temporal failure, try again later."},
	{500, NULL, AGG_SEND_RETRY, "HTTP 500"},
	{0, NULL, AGG_SEND_RETRY, "transport error"},
	{404, NULL, AGG_SEND_FAILED, "HTTP 404"},
	{429, NULL, AGG_SEND_RETRY, "HTTP 429"},
	{302, NULL, AGG_SEND_FAILED, "HTTP 302"},
};

static void
test_kannel_read_send(void **state)
{
	for (size_t i = 0; i < N(send_cases); i++) {
		const struct send_case *c = &send_cases[i];
		struct agg_send_result r;
		size_t len = 0;
		char *body = c->file ? fixture(c->file, &len) : NULL;
		char name[64];
		snprintf(name, sizeof(name), "%ld %s", c->http, c->file ? c->file : "(no body)");
		memset(&r, 0x5a, sizeof(r));
		agg_kannel.read_send(NULL, c->http, body, len, &r);
		if (r.outcome != c->outcome)
			fail_msg("%s: outcome %d, want %d (%s)", name, r.outcome, c->outcome,
				 r.reason);
		/* Kannel names no id: delivery reports come back by our own id. */
		check_str(name, "id", "", r.id);
		check_str(name, "cost", "", r.cost);
		if (strncmp(r.reason, c->reason, strlen(c->reason)) != 0)
			fail_msg("%s: reason '%s', want prefix '%s'", name, r.reason, c->reason);
		if (c->outcome != AGG_SEND_ACCEPTED && !r.reason[0])
			fail_msg("%s: no reason", name);
		free(body);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kannel_query_get),
		cmocka_unit_test(test_kannel_text_to_utf8),
		cmocka_unit_test(test_kannel_parse_sms),
		cmocka_unit_test(test_kannel_derived_id),
		cmocka_unit_test(test_kannel_request_shapes),
		cmocka_unit_test(test_kannel_parse_dlr),
		cmocka_unit_test(test_kannel_contract),
		cmocka_unit_test(test_kannel_conf),
		cmocka_unit_test(test_kannel_build_send),
		cmocka_unit_test(test_kannel_read_send),
	};
	return cmocka_run_group_tests(tests, setup_env, NULL);
}

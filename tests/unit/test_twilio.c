/*
 * test_twilio — the Twilio adapter on recorded payloads (tests/data/twilio/): request
 * signatures (Twilio's documented vector, and signatures made by the openssl command over
 * strings built here by hand), the inbound SMS and status callback parsers, the send request
 * and the reading of every kind of answer, and the configuration section. Table-driven.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "form.h"
#include "registry.h"
#include "twilio.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define FORM_CT "application/x-www-form-urlencoded"
#define SM "SM9e2b7c4d1f0a8e3b5c6d7e8f9a0b1c2d"
#define AC "AC3f8c2e5b9d0a4c6e8f1b2d3c4e5f6a7b"
#define MG "MG5b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
#define AUTH "9f8e7d6c5b4a39281706f5e4d3c2b1a0"

/* The fixture's bytes, NUL-terminated; the caller frees. */
static char *
fixture(const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof(path), "tests/data/twilio/%s", name);
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

/* The header callback of agg_request: ctx is the X-Twilio-Signature value, or NULL. */
static const char *
sig_header(const void *ctx, const char *name)
{
	return strcasecmp(name, "X-Twilio-Signature") == 0 ? ctx : NULL;
}

static struct agg_request
request(const char *path, const char *body, size_t len, const char *sig)
{
	struct agg_request rq = {.method = "POST", .path = path, .content_type = FORM_CT,
				 .body = body, .body_len = len, .header = sig_header,
				 .header_ctx = sig};
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
		c = agg_twilio.conf_new(cfg_section_values(cfg, "twilio"), err, errlen);
		cfg_free(cfg);
	}
	return c;
}

static agg_conf *
std_conf(const char *extra)
{
	char ini[1024], err[256] = "";
	snprintf(ini, sizeof(ini),
		 "[twilio]\naccount_sid = " AC "\nauth_token = " AUTH "\nfrom = +14155550123\n"
		 "base_url = http://127.0.0.1:9/\npublic_url = https://sms.example.org/\n"
		 "callback_token = tok\n%s",
		 extra);
	agg_conf *c = conf_from(ini, err, sizeof(err));
	if (!c)
		fail_msg("conf: %s", err);
	return c;
}

static int
setup_env(void **state)
{
	unsetenv("FOLLOWUP_TWILIO_AUTH_TOKEN");
	unsetenv("FOLLOWUP_TWILIO_CALLBACK_TOKEN");
	return 0;
}

/* ---- signatures ---- */

/* Twilio's documented example, params given out of order to prove the sorting. */
static void
test_twilio_signature_vector(void **state)
{
	static const char params[] = "To=%2B18005551212&Digits=1234&CallSid=CA1234567890ABCDE"
				     "&From=%2B12349013030&Caller=%2B12349013030";
	struct form f;
	char err[160], sig[64];
	assert_int_equal(form_parse(params, strlen(params), &f, err, sizeof(err)), 0);
	assert_int_equal(twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
					  &f, sig, sizeof(sig)),
			 0);
	assert_string_equal(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
	/* Too small an output buffer is refused, not overrun. */
	assert_int_equal(twilio_signature("12345", "https://x", &f, sig, 28), -1);
	/* Another key, another signature. */
	assert_int_equal(twilio_signature("12346", "https://mycompany.com/myapp.php?foo=1&bar=2",
					  &f, sig, sizeof(sig)),
			 0);
	assert_string_not_equal(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
	form_clear(&f);
}

/* base64(HMAC-SHA1(key, data)) computed by the openssl command. This is the one place a unit
 * test runs a command (popen): the point is a second, independent implementation. The data
 * and key travel in the environment, which spares any shell quoting. */
static void
openssl_sign(const char *key, const char *data, char *out, size_t outlen)
{
	FILE *p;
	size_t n;
	setenv("TW_TEST_KEY", key, 1);
	setenv("TW_TEST_DATA", data, 1);
	p = popen("printf '%s' \"$TW_TEST_DATA\" | openssl dgst -sha1 -hmac \"$TW_TEST_KEY\" "
		  "-binary | openssl base64",
		  "r");
	assert_non_null(p);
	n = fread(out, 1, outlen - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	out[strcspn(out, "\r\n")] = '\0';
	assert_int_equal(strlen(out), 28);
	unsetenv("TW_TEST_KEY");
	unsetenv("TW_TEST_DATA");
}

/* status_delivered.form's parameters sorted by name, written out by hand. */
#define STATUS_SIGNED                                                                            \
	"AccountSid" AC "ApiVersion2010-04-01From+14155550123MessageSid" SM                      \
	"MessageStatusdeliveredMessagingServiceSid" MG "SmsSid" SM                               \
	"SmsStatusdeliveredTo+250788123456"

static const struct tamper_case {
	const char *name;
	const char *path, *query;  /* NULL path: the signed one */
	const char *from, *to;     /* replace from by to in the body */
	int sig_mode;              /* 0 right, 1 missing, 2 empty, 3 one char off, 4 truncated */
	const char *ct;            /* NULL: the form content type */
	int rc;
	const char *err;
} tamper_cases[] = {
	{"right", NULL, NULL, NULL, NULL, 0, NULL, 0, NULL},
	{"missing header", NULL, NULL, NULL, NULL, 1, NULL, -1, "missing X-Twilio-Signature"},
	{"empty header", NULL, NULL, NULL, NULL, 2, NULL, -1, "missing X-Twilio-Signature"},
	{"flipped char", NULL, NULL, NULL, NULL, 3, NULL, -1, "does not match"},
	{"truncated", NULL, NULL, NULL, NULL, 4, NULL, -1, "does not match"},
	{"changed param", NULL, NULL, "MessageStatus=delivered", "MessageStatus=failed", 0, NULL,
	 -1, "does not match"},
	{"added param", NULL, NULL, "ApiVersion=2010-04-01", "ApiVersion=2010-04-01&X=1", 0,
	 NULL, -1, "does not match"},
	{"removed param", NULL, NULL, "&ApiVersion=2010-04-01", "", 0, NULL, -1,
	 "does not match"},
	{"changed path", "/cb/twilio/tok/sms", NULL, NULL, NULL, 0, NULL, -1, "does not match"},
	{"added query", NULL, "a=1", NULL, NULL, 0, NULL, -1, "does not match"},
	{"not a form", NULL, NULL, NULL, NULL, 0, "application/json", -1, "expected"},
};

static char *
replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	char *r;
	assert_non_null(at);
	r = malloc(strlen(s) + strlen(to) + 1);
	assert_non_null(r);
	memcpy(r, s, (size_t)(at - s));
	strcpy(r + (at - s), to);
	strcat(r, at + strlen(from));
	return r;
}

static void
test_twilio_verify(void **state)
{
	const char *path = "/cb/twilio/tok/delivery";
	char good[64], mine[64], err[160];
	size_t len;
	char *body = fixture("status_delivered.form", &len);
	agg_conf *c = std_conf("");
	struct form f;

	openssl_sign(AUTH, "https://sms.example.org/cb/twilio/tok/delivery" STATUS_SIGNED, good,
		     sizeof(good));
	/* Our computation agrees with openssl's over the same request. */
	assert_int_equal(form_parse(body, len, &f, err, sizeof(err)), 0);
	assert_int_equal(twilio_signature(AUTH, "https://sms.example.org/cb/twilio/tok/delivery",
					  &f, mine, sizeof(mine)),
			 0);
	form_clear(&f);
	assert_string_equal(mine, good);

	for (size_t i = 0; i < N(tamper_cases); i++) {
		const struct tamper_case *t = &tamper_cases[i];
		char sig[64];
		char *b = t->from ? replace(body, t->from, t->to) : strdup(body);
		const char *h = sig;
		strcpy(sig, good);
		if (t->sig_mode == 1)
			h = NULL;
		else if (t->sig_mode == 2)
			sig[0] = '\0';
		else if (t->sig_mode == 3)
			sig[5] = sig[5] == 'A' ? 'B' : 'A';
		else if (t->sig_mode == 4)
			sig[27] = '\0';
		struct agg_request rq = request(t->path ? t->path : path, b, strlen(b), h);
		rq.query = t->query;
		if (t->ct)
			rq.content_type = t->ct;
		err[0] = '\0';
		check_rc(t->name, t->rc, agg_twilio.verify(c, &rq, err, sizeof(err)), t->err, err);
		free(b);
	}
	agg_twilio.conf_free(c);

	/* Behind a proxy that Twilio reaches as http://, the https:// public_url is wrong. */
	c = std_conf("");
	agg_conf *other = conf_from("[twilio]\nauth_token = " AUTH "\npublic_url = "
				    "http://sms.example.org\ncallback_token = tok\n",
				    err, sizeof(err));
	assert_non_null(other);
	struct agg_request rq = request(path, body, len, good);
	assert_int_equal(agg_twilio.verify(c, &rq, err, sizeof(err)), 0);
	assert_int_equal(agg_twilio.verify(other, &rq, err, sizeof(err)), -1);
	agg_twilio.conf_free(other);
	/* Another auth token, same request: refused. */
	other = conf_from("[twilio]\nauth_token = x" AUTH "\npublic_url = "
			  "https://sms.example.org\ncallback_token = tok\n",
			  err, sizeof(err));
	assert_non_null(other);
	assert_int_equal(agg_twilio.verify(other, &rq, err, sizeof(err)), -1);
	agg_twilio.conf_free(other);
	agg_twilio.conf_free(c);
	free(body);
}

/* Twilio told to use GET signs the URL with its query and no parameter list. */
static void
test_twilio_verify_get(void **state)
{
	static const char query[] = "MessageSid=" SM "&From=%2B250788123456&Body=Mbili";
	char good[64], err[160];
	agg_conf *c = std_conf("");
	openssl_sign(AUTH, "https://sms.example.org/cb/twilio/tok/sms?MessageSid=" SM
			   "&From=%2B250788123456&Body=Mbili",
		     good, sizeof(good));
	struct agg_request rq = {.method = "GET", .path = "/cb/twilio/tok/sms", .query = query,
				 .header = sig_header, .header_ctx = good};
	assert_int_equal(agg_twilio.verify(c, &rq, err, sizeof(err)), 0);
	struct agg_sms s;
	assert_int_equal(agg_twilio.parse_sms(&rq, &s, err, sizeof(err)), 0);
	assert_string_equal(s.text, "Mbili");
	assert_string_equal(s.from, "+250788123456");
	agg_sms_clear(&s);
	rq.query = "MessageSid=" SM "&From=%2B250788123456&Body=Moja";
	assert_int_equal(agg_twilio.verify(c, &rq, err, sizeof(err)), -1);
	agg_twilio.conf_free(c);
}

/* ---- inbound SMS ---- */

static const struct sms_case {
	const char *file;
	int rc;
	const char *err, *id, *from, *to, *text;
} sms_cases[] = {
	{"sms_basic.form", 0, NULL, SM, "+250788123456", "+14155550123", "2"},
	{"sms_utf8.form", 0, NULL, SM, "+250788123456", "+14155550123",
	 "Byarangiye \xe2\x80\x94 merci \xc3\xa0 tous \xf0\x9f\x91\x8d\nLine two & more"},
	{"sms_empty_body.form", 0, NULL, SM, "+250788123456", "+14155550123", ""},
	{"sms_stop.form", 0, NULL, SM, "+250788123456", "+14155550123", "STOP"},
	{"sms_new_params.form", 0, NULL, SM, "+250788123456", "+14155550123", "done"},
	{.file = "sms_missing_sid.form", .rc = -1, .err = "missing field MessageSid"},
	{.file = "sms_missing_from.form", .rc = -1, .err = "missing field From"},
	{.file = "sms_whatsapp_from.form", .rc = -1, .err = "field From is not a phone number"},
	{.file = "sms_national_from.form", .rc = -1, .err = "field From is not a phone number"},
	{.file = "sms_bad_utf8.form", .rc = -1, .err = "invalid UTF-8 in field Body"},
};

static void
test_twilio_parse_sms(void **state)
{
	for (size_t i = 0; i < N(sms_cases); i++) {
		const struct sms_case *c = &sms_cases[i];
		size_t len;
		char *body = fixture(c->file, &len), err[160] = "";
		struct agg_request rq = request("/cb/twilio/tok/sms", body, len, NULL);
		struct agg_sms s;
		int rc = agg_twilio.parse_sms(&rq, &s, err, sizeof(err));
		check_rc(c->file, c->rc, rc, c->err, err);
		if (rc == 0) {
			check_str(c->file, "id", c->id, s.id);
			check_str(c->file, "from", c->from, s.from);
			check_str(c->file, "to", c->to, s.to);
			check_str(c->file, "text", c->text, s.text);
			check_str(c->file, "received_at", NULL, s.received_at);
		} else {
			assert_null(s.id), assert_null(s.from), assert_null(s.text);
		}
		agg_sms_clear(&s);
		free(body);
	}
}

/* ---- status callbacks ---- */

static const struct dlr_case {
	const char *file;
	int rc;
	const char *err;
	enum agg_dlr_status status;
	const char *raw, *reason;
	int opt_out;
} dlr_cases[] = {
	{"status_queued.form", 0, NULL, AGG_DLR_SENT, "queued", NULL, 0},
	{"status_accepted.form", 0, NULL, AGG_DLR_SENT, "accepted", NULL, 0},
	{"status_scheduled.form", 0, NULL, AGG_DLR_SENT, "scheduled", NULL, 0},
	{"status_sending.form", 0, NULL, AGG_DLR_SENT, "sending", NULL, 0},
	{"status_sent.form", 0, NULL, AGG_DLR_SENT, "sent", NULL, 0},
	{"status_sent_raw_dlr.form", 0, NULL, AGG_DLR_SENT, "sent", NULL, 0},
	{"status_delivered.form", 0, NULL, AGG_DLR_DELIVERED, "delivered", NULL, 0},
	{"status_uppercase.form", 0, NULL, AGG_DLR_DELIVERED, "DELIVERED", NULL, 0},
	{"status_read.form", 0, NULL, AGG_DLR_DELIVERED, "read", NULL, 0},
	{"status_undelivered.form", 0, NULL, AGG_DLR_FAILED, "undelivered", "30003", 0},
	{"status_failed.form", 0, NULL, AGG_DLR_FAILED, "failed", "30008", 0},
	{"status_failed_optout.form", 0, NULL, AGG_DLR_FAILED, "failed", "21610", 1},
	{"status_canceled.form", 0, NULL, AGG_DLR_FAILED, "canceled", NULL, 0},
	{"status_partially_delivered.form", 0, NULL, AGG_DLR_SENT, "partially_delivered", NULL,
	 0},
	{.file = "status_missing_status.form", .rc = -1, .err = "missing field MessageStatus"},
	{.file = "status_missing_sid.form", .rc = -1, .err = "missing field MessageSid"},
};

static void
test_twilio_parse_dlr(void **state)
{
	for (size_t i = 0; i < N(dlr_cases); i++) {
		const struct dlr_case *c = &dlr_cases[i];
		size_t len;
		char *body = fixture(c->file, &len), err[160] = "";
		struct agg_request rq = request("/cb/twilio/tok/delivery", body, len, NULL);
		struct agg_dlr d;
		int rc = agg_twilio.parse_dlr(&rq, &d, err, sizeof(err));
		check_rc(c->file, c->rc, rc, c->err, err);
		if (rc == 0) {
			check_str(c->file, "id", SM, d.message_id);
			if (d.status != c->status)
				fail_msg("%s: status %d, want %d", c->file, d.status, c->status);
			check_str(c->file, "raw_status", c->raw, d.raw_status);
			check_str(c->file, "reason", c->reason, d.reason);
			if (d.opt_out != c->opt_out)
				fail_msg("%s: opt_out %d, want %d", c->file, d.opt_out, c->opt_out);
			assert_false(d.by_our_id);
		}
		agg_dlr_clear(&d);
		free(body);
	}
	assert_int_equal(twilio_dlr_status(NULL), AGG_DLR_SENT);
}

static void
test_twilio_contract(void **state)
{
	const char *ct = NULL;
	assert_ptr_equal(agg_find("twilio"), &agg_twilio);
	/* No USSD at Twilio: the routes answer 404. */
	assert_null(agg_twilio.parse_ussd);
	assert_null(agg_twilio.parse_ussd_end);
	assert_null(agg_twilio.format_ussd);
	assert_null(agg_twilio.send_local);
	assert_string_equal(agg_twilio.sms_ack(&ct),
			    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");
	assert_string_equal(ct, "text/xml");
}

/* ---- configuration ---- */

static const struct conf_case {
	const char *ini;
	const char *err;  /* NULL: accepted */
} conf_cases[] = {
	{"[twilio]\nauth_token = a\npublic_url = https://x\n", "callback_token is required"},
	{"[twilio]\ncallback_token = t\npublic_url = https://x\n", "auth_token is required"},
	{"[twilio]\ncallback_token = t\nauth_token = a\n", "public_url is required"},
	{"[twilio]\ncallback_token = t\nauth_token = a\npublic_url = ftp://x\n", "public_url"},
	{"[twilio]\ncallback_token = t/x\nauth_token = a\npublic_url = https://x\n",
	 "callback_token"},
	{"[twilio]\ncallback_token = t\nauth_token = a\npublic_url = https://x\n"
	 "account_sid = AC/../x\n",
	 "account_sid"},
	{"[twilio]\ncallback_token = t\nauth_token = a\npublic_url = https://x\nfrom = +1415\n"
	 "messaging_service_sid = " MG "\n",
	 "not both"},
	{"[twilio]\ncallback_token = t\nauth_token = a\npublic_url = https://x\n"
	 "status_callback = maybe\n",
	 "status_callback"},
	{"[twilio]\ncallback_token = t\nauth_token = a\npublic_url = https://x\n", NULL},
	{"[console]\n", NULL},
};

static void
test_twilio_conf(void **state)
{
	for (size_t i = 0; i < N(conf_cases); i++) {
		char err[256] = "";
		agg_conf *c = conf_from(conf_cases[i].ini, err, sizeof(err));
		if (conf_cases[i].err) {
			if (c || !strstr(err, conf_cases[i].err))
				fail_msg("case %zu: want error '%s', got '%s'", i,
					 conf_cases[i].err, c ? "(accepted)" : err);
		} else if (!c) {
			fail_msg("case %zu: refused: %s", i, err);
		}
		agg_twilio.conf_free(c);
	}
	char err[256];
	/* No section: no callback secret, so no callback route matches. */
	agg_conf *c = conf_from("[console]\n", err, sizeof(err));
	assert_null(agg_twilio.callback_token(c));
	agg_twilio.conf_free(c);
	setenv("FOLLOWUP_TWILIO_CALLBACK_TOKEN", "from-env", 1);
	setenv("FOLLOWUP_TWILIO_AUTH_TOKEN", "auth-env", 1);
	c = conf_from("[twilio]\npublic_url = https://x\n", err, sizeof(err));
	setup_env(NULL);
	assert_non_null(c);
	assert_string_equal(agg_twilio.callback_token(c), "from-env");
	agg_twilio.conf_free(c);
	agg_twilio.conf_free(NULL);
}

/* ---- sending ---- */

/* n copies of s, malloc'd. */
static char *
repeat(const char *s, size_t n)
{
	size_t l = strlen(s);
	char *r = malloc(l * n + 1);
	assert_non_null(r);
	for (size_t i = 0; i < n; i++)
		memcpy(r + i * l, s, l);
	r[l * n] = '\0';
	return r;
}

static void
test_twilio_build_send(void **state)
{
	char err[256] = "";
	struct agg_http h;
	struct agg_outmsg m = {"42", "+250788123456", "Habari Amina! Reply 1*2 & more", NULL};
	agg_conf *c = std_conf("");

	assert_int_equal(agg_twilio.build_send(c, &m, &h, err, sizeof(err)), 0);
	assert_string_equal(h.method, "POST");
	assert_string_equal(h.url, "http://127.0.0.1:9/2010-04-01/Accounts/" AC "/Messages.json");
	assert_string_equal(h.userpwd, AC ":" AUTH);
	assert_string_equal(h.content_type, "application/x-www-form-urlencoded");
	assert_int_equal(h.n_headers, 1);
	assert_string_equal(h.headers[0], "Accept: application/json");
	assert_string_equal(h.body, "To=%2B250788123456&From=%2B14155550123"
				    "&Body=Habari+Amina%21+Reply+1%2A2+%26+more");
	agg_http_clear(&h);
	agg_twilio.conf_free(c);

	/* Messaging service and status callbacks. */
	c = conf_from("[twilio]\naccount_sid = " AC "\nauth_token = " AUTH "\n"
		      "messaging_service_sid = " MG "\npublic_url = https://sms.example.org/\n"
		      "callback_token = tok\nstatus_callback = yes\n",
		      err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(agg_twilio.build_send(c, &m, &h, err, sizeof(err)), 0);
	assert_string_equal(h.url, "https://api.twilio.com/2010-04-01/Accounts/" AC
				   "/Messages.json");
	assert_string_equal(h.body, "To=%2B250788123456&MessagingServiceSid=" MG
				    "&Body=Habari+Amina%21+Reply+1%2A2+%26+more&StatusCallback="
				    "https%3A%2F%2Fsms.example.org%2Fcb%2Ftwilio%2Ftok%2Fdelivery");
	agg_http_clear(&h);

	/* UTF-8 survives: decode the body back. */
	struct agg_outmsg u8 = {"43", "250788123456", "Merci \xc3\xa0 tous \xf0\x9f\x91\x8d", NULL};
	struct form f;
	assert_int_equal(agg_twilio.build_send(c, &u8, &h, err, sizeof(err)), 0);
	assert_int_equal(form_parse(h.body, strlen(h.body), &f, err, sizeof(err)), 0);
	assert_string_equal(form_get(&f, "Body"), u8.text);
	assert_string_equal(form_get(&f, "To"), "+250788123456");
	form_clear(&f);
	agg_http_clear(&h);

	/* 1,600 characters pass, 1,601 do not; an emoji counts two (UTF-16). */
	static const struct {
		const char *unit;
		size_t n;
		int rc;
	} lens[] = {{"a", 1600, 0}, {"a", 1601, -1}, {"\xc3\xa9", 1600, 0},
		    {"\xc3\xa9", 1601, -1}, {"\xf0\x9f\x91\x8d", 800, 0},
		    {"\xf0\x9f\x91\x8d", 801, -1}};
	for (size_t i = 0; i < N(lens); i++) {
		char *t = repeat(lens[i].unit, lens[i].n);
		struct agg_outmsg lm = {"44", "+250788123456", t, NULL};
		err[0] = '\0';
		int rc = agg_twilio.build_send(c, &lm, &h, err, sizeof(err));
		if (rc != lens[i].rc)
			fail_msg("length case %zu: rc %d (%s)", i, rc, err);
		if (rc < 0) {
			assert_non_null(strstr(err, "over 1600"));
			assert_null(h.body), assert_null(h.url);
		}
		agg_http_clear(&h);
		free(t);
	}

	struct agg_outmsg bad_to = {"45", "0788123456", "hi", NULL};
	assert_int_equal(agg_twilio.build_send(c, &bad_to, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "recipient"));
	struct agg_outmsg empty = {"46", "+250788123456", "", NULL};
	assert_int_equal(agg_twilio.build_send(c, &empty, &h, err, sizeof(err)), -1);
	struct agg_outmsg bad8 = {"47", "+250788123456", "caf\xe9", NULL};
	assert_int_equal(agg_twilio.build_send(c, &bad8, &h, err, sizeof(err)), -1);
	agg_twilio.conf_free(c);

	/* Callbacks only: sending fails with a reason naming what is missing. */
	c = conf_from("[twilio]\nauth_token = a\npublic_url = https://x\ncallback_token = t\n", err,
		      sizeof(err));
	assert_non_null(c);
	assert_int_equal(agg_twilio.build_send(c, &m, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "account_sid"));
	agg_twilio.conf_free(c);
}

static const struct send_case {
	long http;
	const char *file;
	enum agg_send_outcome outcome;
	const char *id, *cost, *reason;  /* reason: expected prefix */
} send_cases[] = {
	{201, "send_201.json", AGG_SEND_ACCEPTED, SM, "", ""},
	{201, "send_201_price.json", AGG_SEND_ACCEPTED, "SMa1b2c3d4e5f60718293a4b5c6d7e8f90",
	 "USD 0.07500", ""},
	{200, "send_201.json", AGG_SEND_ACCEPTED, SM, "", ""},
	{201, "send_201_no_sid.json", AGG_SEND_FAILED, "", "", "unreadable 2xx answer"},
	{201, "send_201_truncated.json", AGG_SEND_FAILED, "", "", "unreadable 2xx answer"},
	{201, NULL, AGG_SEND_FAILED, "", "", "unreadable 2xx answer"},
	{400, "send_400_21211.json", AGG_SEND_FAILED, "", "",
	 "code 21211: The 'To' number +2507881 is not a valid phone number."},
	{400, "send_400_21610.json", AGG_SEND_OPTED_OUT, "", "",
	 "code 21610: Attempt to send to unsubscribed recipient"},
	{400, "send_400_21617.json", AGG_SEND_FAILED, "", "", "code 21617: "},
	{401, "send_401_20003.json", AGG_SEND_FAILED, "", "", "code 20003: Authenticate"},
	{403, "send_403_21408.json", AGG_SEND_FAILED, "", "", "code 21408: Permission"},
	{404, "send_404_20404.json", AGG_SEND_FAILED, "", "", "code 20404: The requested"},
	{429, "send_429_20429.json", AGG_SEND_RETRY, "", "", "code 20429: Too Many Requests"},
	{400, "send_400_20429.json", AGG_SEND_RETRY, "", "", "code 20429"},
	{429, NULL, AGG_SEND_RETRY, "", "", "HTTP 429"},
	{500, "send_500.json", AGG_SEND_RETRY, "", "", "code 20500: An internal"},
	{503, "send_503.html", AGG_SEND_RETRY, "", "", "HTTP 503: <html><head><title>503"},
	{502, NULL, AGG_SEND_RETRY, "", "", "HTTP 502"},
	{0, NULL, AGG_SEND_RETRY, "", "", "transport error"},
	{400, "send_503.html", AGG_SEND_FAILED, "", "", "HTTP 400: <html>"},
};

static void
test_twilio_read_send(void **state)
{
	for (size_t i = 0; i < N(send_cases); i++) {
		const struct send_case *c = &send_cases[i];
		struct agg_send_result r;
		size_t len = 0;
		char *body = c->file ? fixture(c->file, &len) : NULL;
		char name[64];
		snprintf(name, sizeof(name), "%ld %s", c->http, c->file ? c->file : "(no body)");
		memset(&r, 0x5a, sizeof(r));
		agg_twilio.read_send(NULL, c->http, body, len, &r);
		if (r.outcome != c->outcome)
			fail_msg("%s: outcome %d, want %d (%s)", name, r.outcome, c->outcome,
				 r.reason);
		check_str(name, "id", c->id, r.id);
		check_str(name, "cost", c->cost, r.cost);
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
		cmocka_unit_test(test_twilio_signature_vector),
		cmocka_unit_test(test_twilio_verify),
		cmocka_unit_test(test_twilio_verify_get),
		cmocka_unit_test(test_twilio_parse_sms),
		cmocka_unit_test(test_twilio_parse_dlr),
		cmocka_unit_test(test_twilio_contract),
		cmocka_unit_test(test_twilio_conf),
		cmocka_unit_test(test_twilio_build_send),
		cmocka_unit_test(test_twilio_read_send),
	};
	return cmocka_run_group_tests(tests, setup_env, NULL);
}

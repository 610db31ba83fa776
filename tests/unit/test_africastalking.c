/*
 * test_africastalking — the Africa's Talking adapter on recorded payloads (tests/data/at/):
 * every callback parser, the USSD answer, the send request and the reading of its answers,
 * the configuration section, and the helpers for phones and dates. Table-driven.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "africastalking.h"
#include "form.h"
#include "registry.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define FORM_CT "application/x-www-form-urlencoded; charset=UTF-8"

/* The fixture's bytes, NUL-terminated (they may hold other NULs); the caller frees. */
static char *
fixture(const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof(path), "tests/data/at/%s", name);
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

static struct agg_request
request(const char *body, size_t len, const char *ct)
{
	struct agg_request rq = {.method = "POST", .path = "/cb/africastalking/t/x",
				 .content_type = ct, .body = body, .body_len = len};
	return rq;
}

/* want NULL: got must be NULL too. */
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
	if (want_err && strcmp(want_err, err) != 0)
		fail_msg("%s: reason '%s', want '%s'", name, err, want_err);
}

/* ---- USSD ---- */

static const struct ussd_case {
	const char *file;
	int rc;
	const char *err, *session, *phone, *code, *network, *text;
} ussd_cases[] = {
	{"ussd_first.form", 0, NULL, "ATUid_7c89a1b2c3d4e5f60718293a4b5c6d7e", "+254712345678",
	 "*384*44135#", "99999", ""},
	{"ussd_hop3.form", 0, NULL, "ATUid_7c89a1b2c3d4e5f60718293a4b5c6d7e", "+254712345678",
	 "*384*44135#", "99999", "1*3*12"},
	{"ussd_free_text.form", 0, NULL, NULL, "+254712345678", "*384*44135#", "99999",
	 "1*2*We trained 12*2 groups & more!"},
	{"ussd_trailing_star.form", 0, NULL, NULL, "+254712345678", NULL, NULL, "1*3*"},
	{"ussd_no_text.form", 0, NULL, NULL, "+254712345678", NULL, NULL, ""},
	{"ussd_extra_fields.form", 0, NULL, "ATUid_extra01", "+250788123456", "*384*44135#",
	 "63510", "2"},
	{"ussd_no_plus.form", 0, NULL, "ATUid_noplus", "+250788123456", "*384*1#", "63510", "1"},
	{"ussd_raw_plus.form", 0, NULL, "ATUid_rawplus", "+250788123456", "*384*1#", "63510",
	 "1*2"},
	{"ussd_dup_text.form", 0, NULL, NULL, NULL, NULL, NULL, "1"},
	{"ussd_swahili.form", 0, NULL, NULL, NULL, NULL, NULL, "1*nimefika \xc3\xa9" "cole"},
	{.file = "ussd_missing_phone.form", .rc = -1, .err = "missing field phoneNumber"},
	{.file = "ussd_empty_phone.form", .rc = -1, .err = "missing field phoneNumber"},
	{.file = "ussd_missing_session.form", .rc = -1, .err = "missing field sessionId"},
	{.file = "ussd_missing_code.form", .rc = -1, .err = "missing field serviceCode"},
	{.file = "ussd_bad_phone.form", .rc = -1, .err = "field phoneNumber is not a phone number in E.164"},
	{.file = "ussd_national_phone.form", .rc = -1, .err = "field phoneNumber is not a phone number in E.164"},
	{.file = "ussd_bad_utf8.form", .rc = -1, .err = "invalid UTF-8 in field text"},
	{.file = "ussd_raw_bad_utf8.form", .rc = -1, .err = "invalid UTF-8 in field text"},
	{.file = "ussd_overlong.form", .rc = -1, .err = "invalid UTF-8 in field text"},
	{.file = "ussd_surrogate.form", .rc = -1, .err = "invalid UTF-8 in field text"},
	{.file = "ussd_bad_escape.form", .rc = -1, .err = "invalid %-escape in field text"},
	{.file = "ussd_bad_hex.form", .rc = -1, .err = "invalid %-escape in field text"},
	{.file = "ussd_nul.form", .rc = -1, .err = "NUL byte in field text"},
};

static void
test_africastalking_parse_ussd(void **state)
{
	for (size_t i = 0; i < N(ussd_cases); i++) {
		const struct ussd_case *c = &ussd_cases[i];
		size_t len;
		char *body = fixture(c->file, &len), err[160] = "";
		struct agg_request rq = request(body, len, FORM_CT);
		struct agg_ussd u;
		int rc = at_parse_ussd(&rq, &u, err, sizeof(err));
		check_rc(c->file, c->rc, rc, c->err, err);
		if (rc == 0) {
			/* NULL in the table means "not checked" for the fields of this case. */
			if (c->session)
				check_str(c->file, "session", c->session, u.session_id);
			if (c->phone)
				check_str(c->file, "phone", c->phone, u.phone);
			if (c->code)
				check_str(c->file, "code", c->code, u.service_code);
			if (c->network)
				check_str(c->file, "network", c->network, u.network);
			check_str(c->file, "text", c->text, u.text);
		} else {
			assert_null(u.session_id), assert_null(u.phone), assert_null(u.text);
		}
		agg_ussd_clear(&u);
		free(body);
	}
}

static const struct ct_case {
	const char *ct;
	int rc;
} ct_cases[] = {
	{"application/x-www-form-urlencoded", 0},
	{"application/x-www-form-urlencoded; charset=UTF-8", 0},
	{"Application/X-WWW-Form-Urlencoded;charset=utf-8", 0},
	{"  application/x-www-form-urlencoded ; charset=UTF-8", 0},
	{"application/json", -1},
	{"application/x-www-form-urlencodedx", -1},
	{"multipart/form-data; boundary=x", -1},
	{"", -1},
	{NULL, -1},
};

static void
test_africastalking_content_type(void **state)
{
	size_t len;
	char *body = fixture("ussd_hop3.form", &len);
	for (size_t i = 0; i < N(ct_cases); i++) {
		char err[160] = "";
		struct agg_request rq = request(body, len, ct_cases[i].ct);
		struct agg_ussd u;
		struct agg_sms s;
		const char *name = ct_cases[i].ct ? ct_cases[i].ct : "(NULL)";
		check_rc(name, ct_cases[i].rc, at_parse_ussd(&rq, &u, err, sizeof(err)),
			 ct_cases[i].rc ? "expected application/x-www-form-urlencoded" : NULL, err);
		agg_ussd_clear(&u);
		/* Every parser shares the check. */
		if (ct_cases[i].rc)
			assert_int_equal(at_parse_sms(&rq, &s, err, sizeof(err)), -1);
	}
	free(body);
}

/* ---- USSD end of session ---- */

static const struct end_case {
	const char *file;
	int rc;
	const char *err, *session, *phone, *status, *cost, *input, *error;
	long hops, duration;
} end_cases[] = {
	{"ussd_end_full.form", 0, NULL, "ATUid_7c89a1b2", "+254712345678", "Incomplete",
	 "KES 0.10", "1*3", "USSD session timeout", 3, 48213},
	{"ussd_end_minimal.form", 0, NULL, "ATUid_min", NULL, "Success", NULL, NULL, NULL, -1,
	 -1},
	{"ussd_end_bad_counts.form", 0, NULL, "ATUid_cnt", "+254712345678", "Failed", NULL, NULL,
	 NULL, -1, -1},
	{.file = "ussd_end_missing_session.form", .rc = -1, .err = "missing field sessionId"},
	{.file = "ussd_end_bad_phone.form", .rc = -1, .err = "field phoneNumber is not a phone number in E.164"},
};

static void
test_africastalking_parse_ussd_end(void **state)
{
	for (size_t i = 0; i < N(end_cases); i++) {
		const struct end_case *c = &end_cases[i];
		size_t len;
		char *body = fixture(c->file, &len), err[160] = "";
		struct agg_request rq = request(body, len, FORM_CT);
		struct agg_ussd_end e;
		int rc = at_parse_ussd_end(&rq, &e, err, sizeof(err));
		check_rc(c->file, c->rc, rc, c->err, err);
		if (rc == 0) {
			check_str(c->file, "session", c->session, e.session_id);
			check_str(c->file, "phone", c->phone, e.phone);
			check_str(c->file, "status", c->status, e.status);
			check_str(c->file, "cost", c->cost, e.cost);
			check_str(c->file, "input", c->input, e.input);
			check_str(c->file, "error", c->error, e.error);
			assert_int_equal(e.hops, c->hops);
			assert_int_equal(e.duration_ms, c->duration);
		}
		agg_ussd_end_clear(&e);
		free(body);
	}
}

/* ---- inbound SMS ---- */

static const struct sms_case {
	const char *file;
	int rc;
	const char *err, *id, *from, *to, *text, *at, *network, *link;
} sms_cases[] = {
	{"sms_iso.form", 0, NULL, "7c0f1f2e-8a4b-4d44-9b6a-1f2e3d4c5b6a", "+250788123456", "12345",
	 "2", "2017-05-03T06:04:45Z", "63510", NULL},
	{"sms_space.form", 0, NULL, "ATXid_5a6b", "+254712345678", "12345", "Mbili",
	 "2017-05-03T06:04:45Z", "63902", NULL},
	{"sms_millis.form", 0, NULL, "4201538", "+254712345678", "12345", "done",
	 "2018-03-19T08:34:18Z", "63902", "SampleLinkId123"},
	{"sms_bad_date.form", 0, NULL, "ATXid_bd", "+254712345678", "12345", "x", NULL, NULL,
	 NULL},
	{"sms_feb30.form", 0, NULL, "ATXid_f30", "+254712345678", "12345", "x", NULL, NULL, NULL},
	{"sms_leap.form", 0, NULL, "ATXid_lp", "+254712345678", "12345", "x",
	 "2024-02-29T23:59:59Z", NULL, NULL},
	{"sms_empty_text.form", 0, NULL, "ATXid_empty", "+254712345678", "12345", "",
	 "2017-05-03T06:04:45Z", NULL, NULL},
	{"sms_no_date.form", 0, NULL, "ATXid_nodate", "+254712345678", "12345", "STOP", NULL, NULL,
	 NULL},
	{"sms_utf8.form", 0, NULL, "ATXid_u8", "+250788123456", "12345",
	 "Byarangiye \xe2\x80\x94 merci \xc3\xa0 tous \xf0\x9f\x91\x8d", "2017-05-03T06:04:45Z",
	 NULL, NULL},
	{.file = "sms_missing_from.form", .rc = -1, .err = "missing field from"},
	{.file = "sms_missing_id.form", .rc = -1, .err = "missing field id"},
	{.file = "sms_bad_utf8.form", .rc = -1, .err = "invalid UTF-8 in field text"},
};

static void
test_africastalking_parse_sms(void **state)
{
	for (size_t i = 0; i < N(sms_cases); i++) {
		const struct sms_case *c = &sms_cases[i];
		size_t len;
		char *body = fixture(c->file, &len), err[160] = "";
		struct agg_request rq = request(body, len, FORM_CT);
		struct agg_sms s;
		int rc = at_parse_sms(&rq, &s, err, sizeof(err));
		check_rc(c->file, c->rc, rc, c->err, err);
		if (rc == 0) {
			check_str(c->file, "id", c->id, s.id);
			check_str(c->file, "from", c->from, s.from);
			check_str(c->file, "to", c->to, s.to);
			check_str(c->file, "text", c->text, s.text);
			check_str(c->file, "received_at", c->at, s.received_at);
			check_str(c->file, "network", c->network, s.network);
			check_str(c->file, "link_id", c->link, s.link_id);
		} else {
			assert_null(s.id), assert_null(s.from);
		}
		agg_sms_clear(&s);
		free(body);
	}
}

/* ---- delivery reports ---- */

static const struct dlr_case {
	const char *file;
	int rc;
	const char *err;
	enum agg_dlr_status status;
	const char *raw, *reason;
	int opt_out;
} dlr_cases[] = {
	{"dlr_success.form", 0, NULL, AGG_DLR_DELIVERED, "Success", NULL, 0},
	{"dlr_sent.form", 0, NULL, AGG_DLR_SENT, "Sent", NULL, 0},
	{"dlr_submitted.form", 0, NULL, AGG_DLR_SENT, "Submitted", NULL, 0},
	{"dlr_buffered.form", 0, NULL, AGG_DLR_SENT, "Buffered", NULL, 0},
	{"dlr_failed_credit.form", 0, NULL, AGG_DLR_FAILED, "Failed", "InsufficientCredit", 0},
	{"dlr_failed_blacklist.form", 0, NULL, AGG_DLR_FAILED, "Failed", "userinblacklist", 1},
	{"dlr_rejected_blacklist.form", 0, NULL, AGG_DLR_REJECTED, "Rejected", "UserInBlackList",
	 1},
	{"dlr_rejected_dnd.form", 0, NULL, AGG_DLR_REJECTED, "Rejected", "DoNotDisturbRejection",
	 0},
	{"dlr_expired.form", 0, NULL, AGG_DLR_FAILED, "Expired", NULL, 0},
	{"dlr_unknown.form", 0, NULL, AGG_DLR_SENT, "Queued", "SomethingNew", 0},
	{"dlr_lowercase.form", 0, NULL, AGG_DLR_DELIVERED, "success", NULL, 0},
	{.file = "dlr_missing_id.form", .rc = -1, .err = "missing field id"},
	{.file = "dlr_missing_status.form", .rc = -1, .err = "missing field status"},
};

static void
test_africastalking_parse_dlr(void **state)
{
	for (size_t i = 0; i < N(dlr_cases); i++) {
		const struct dlr_case *c = &dlr_cases[i];
		size_t len;
		char *body = fixture(c->file, &len), err[160] = "";
		struct agg_request rq = request(body, len, FORM_CT);
		struct agg_dlr d;
		int rc = at_parse_dlr(&rq, &d, err, sizeof(err));
		check_rc(c->file, c->rc, rc, c->err, err);
		if (rc == 0) {
			check_str(c->file, "id", "ATXid_d1f0e2", d.message_id);
			if (d.status != c->status)
				fail_msg("%s: status %d, want %d", c->file, d.status, c->status);
			check_str(c->file, "raw_status", c->raw, d.raw_status);
			check_str(c->file, "reason", c->reason, d.reason);
			if (d.opt_out != c->opt_out)
				fail_msg("%s: opt_out %d, want %d", c->file, d.opt_out, c->opt_out);
		}
		agg_dlr_clear(&d);
		free(body);
	}
}

/* ---- answers ---- */

static void
test_africastalking_format_ussd(void **state)
{
	char body[64];
	const char *ct = NULL;
	struct agg_ussd_answer con = {0, "Pick a topic:\n1 Compost\n2 Water"};
	struct agg_ussd_answer end = {1, "Thank you. Ref S-42"};

	assert_int_equal(at_format_ussd(&con, body, sizeof(body), &ct), 0);
	assert_string_equal(body, "CON Pick a topic:\n1 Compost\n2 Water");
	assert_string_equal(ct, "text/plain");
	assert_int_equal(at_format_ussd(&end, body, sizeof(body), &ct), 0);
	assert_string_equal(body, "END Thank you. Ref S-42");
	/* Too small: refused, and still a C string. */
	assert_int_equal(at_format_ussd(&end, body, 10, &ct), -1);
	assert_int_equal(strlen(body), 9);
	assert_string_equal(at_sms_ack(&ct), "");
	assert_string_equal(ct, "text/plain");
}

/* ---- configuration and sending ---- */

static const struct aggregator *
at_agg(void)
{
	const struct aggregator *a = agg_find("africastalking");
	assert_non_null(a);
	assert_ptr_equal(a, &agg_africastalking);
	return a;
}

/* The adapter's conf from an INI text; NULL with the reason in err. */
static agg_conf *
conf_from(const char *ini, char *err, size_t errlen)
{
	struct cfg *cfg = cfg_load_string("test.conf", ini, agg_sections, agg_n_sections, err,
					  errlen);
	agg_conf *c = NULL;
	if (cfg) {
		c = at_agg()->conf_new(cfg_section_values(cfg, "africastalking"), err, errlen);
		cfg_free(cfg);
	}
	return c;
}

static int
setup_env(void **state)
{
	unsetenv("FOLLOWUP_AT_API_KEY");
	unsetenv("FOLLOWUP_AT_CALLBACK_TOKEN");
	return 0;
}

static void
test_africastalking_conf(void **state)
{
	char err[256] = "";
	const struct aggregator *a = at_agg();
	agg_conf *c;

	c = conf_from("[africastalking]\nusername = coop\n", err, sizeof(err));
	assert_null(c);
	assert_non_null(strstr(err, "callback_token is required"));

	c = conf_from("[africastalking]\ncallback_token = a/b\n", err, sizeof(err));
	assert_null(c);
	assert_non_null(strstr(err, "callback_token"));

	c = conf_from("[africastalking]\nbase_url = ftp://x\ncallback_token = t\n", err,
		      sizeof(err));
	assert_null(c);
	assert_non_null(strstr(err, "base_url"));

	/* No section: the adapter exists but has no callback secret, so no callback matches. */
	c = conf_from("[console]\n", err, sizeof(err));
	assert_non_null(c);
	assert_null(a->callback_token(c));
	a->conf_free(c);

	c = conf_from("[africastalking]\ncallback_token = s3cret-Token_1\n", err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(a->callback_token(c), "s3cret-Token_1");
	a->conf_free(c);

	setenv("FOLLOWUP_AT_CALLBACK_TOKEN", "from-env", 1);
	c = conf_from("[africastalking]\nusername = coop\n", err, sizeof(err));
	unsetenv("FOLLOWUP_AT_CALLBACK_TOKEN");
	assert_non_null(c);
	assert_string_equal(a->callback_token(c), "from-env");
	a->conf_free(c);
	a->conf_free(NULL);
}

static void
test_africastalking_build_send(void **state)
{
	char err[256] = "";
	const struct aggregator *a = at_agg();
	struct agg_http h;
	struct agg_outmsg m = {"42", "+254712345678", "Habari Amina! Reply 1*2 & more", NULL};
	agg_conf *c = conf_from("[africastalking]\nusername = coop\napi_key = KEY123\n"
				"base_url = http://127.0.0.1:9/\nsender = FOLLOWUP\n"
				"callback_token = t\n",
				err, sizeof(err));
	assert_non_null(c);

	assert_int_equal(a->build_send(c, &m, &h, err, sizeof(err)), 0);
	assert_string_equal(h.method, "POST");
	assert_string_equal(h.url, "http://127.0.0.1:9/version1/messaging");
	assert_string_equal(h.content_type, "application/x-www-form-urlencoded");
	assert_int_equal(h.n_headers, 2);
	assert_string_equal(h.headers[0], "apiKey: KEY123");
	assert_string_equal(h.headers[1], "Accept: application/json");
	assert_null(h.userpwd);
	assert_string_equal(h.body, "username=coop&to=%2B254712345678"
				    "&message=Habari+Amina%21+Reply+1%2A2+%26+more&from=FOLLOWUP");
	agg_http_clear(&h);

	/* UTF-8 text survives the encoding: decode it back. */
	struct agg_outmsg u8 = {"43", "254712345678", "Merci \xc3\xa0 tous \xe2\x80\x94 ok", NULL};
	struct form f;
	assert_int_equal(a->build_send(c, &u8, &h, err, sizeof(err)), 0);
	assert_int_equal(form_parse(h.body, strlen(h.body), &f, err, sizeof(err)), 0);
	assert_string_equal(form_get(&f, "message"), u8.text);
	assert_string_equal(form_get(&f, "to"), "+254712345678");
	form_clear(&f);
	agg_http_clear(&h);

	struct agg_outmsg bad_to = {"44", "0712345678", "hi", NULL};
	assert_int_equal(a->build_send(c, &bad_to, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "recipient"));
	assert_null(h.body);
	struct agg_outmsg empty = {"45", "+254712345678", "", NULL};
	assert_int_equal(a->build_send(c, &empty, &h, err, sizeof(err)), -1);
	a->conf_free(c);

	/* Default sender: no from field; no api_key: every send fails with a clear reason. */
	c = conf_from("[africastalking]\napi_key = K\ncallback_token = t\n", err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(a->build_send(c, &m, &h, err, sizeof(err)), 0);
	assert_null(strstr(h.body, "from="));
	assert_string_equal(h.url, "https://api.africastalking.com/version1/messaging");
	assert_non_null(strstr(h.body, "username=sandbox&"));
	agg_http_clear(&h);
	a->conf_free(c);
	c = conf_from("[africastalking]\ncallback_token = t\n", err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(a->build_send(c, &m, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "api_key"));
	a->conf_free(c);
}

static const struct send_case {
	long http;
	const char *file;
	enum agg_send_outcome outcome;
	const char *id, *cost, *reason;  /* reason: expected prefix */
} send_cases[] = {
	{201, "send_100.json", AGG_SEND_ACCEPTED, "ATXid_a100", "KES 0.8000", ""},
	{201, "send_101.json", AGG_SEND_ACCEPTED, "ATXid_3b54dc0a5f7e1a4c2d", "KES 0.8000", ""},
	{201, "send_102.json", AGG_SEND_ACCEPTED, "ATXid_q102", "RWF 12.0000", ""},
	{201, "send_string_code.json", AGG_SEND_ACCEPTED, "ATXid_str", "KES 0.8000", ""},
	{201, "send_two_recipients.json", AGG_SEND_ACCEPTED, "ATXid_first", "KES 0.8000", ""},
	{201, "send_401.json", AGG_SEND_FAILED, "", "", "statusCode 401 RiskHold"},
	{201, "send_402.json", AGG_SEND_FAILED, "", "", "statusCode 402 InvalidSenderId"},
	{201, "send_403.json", AGG_SEND_FAILED, "", "", "statusCode 403 InvalidPhoneNumber"},
	{201, "send_404.json", AGG_SEND_FAILED, "", "", "statusCode 404 UnsupportedNumberType"},
	{201, "send_405.json", AGG_SEND_RETRY, "", "", "statusCode 405 InsufficientBalance"},
	{201, "send_406.json", AGG_SEND_OPTED_OUT, "", "", "statusCode 406 UserInBlacklist"},
	{201, "send_407.json", AGG_SEND_FAILED, "", "", "statusCode 407 CouldNotRoute"},
	{201, "send_409.json", AGG_SEND_FAILED, "", "", "statusCode 409 DoNotDisturbRejection"},
	{201, "send_500.json", AGG_SEND_RETRY, "", "", "statusCode 500 InternalServerError"},
	{201, "send_501.json", AGG_SEND_RETRY, "", "", "statusCode 501 GatewayError"},
	{201, "send_502.json", AGG_SEND_RETRY, "", "", "statusCode 502 RejectedByGateway"},
	{201, "send_499.json", AGG_SEND_FAILED, "", "", "statusCode 499 SomethingNew"},
	{201, "send_no_recipients.json", AGG_SEND_FAILED, "", "",
	 "no recipient accepted: InvalidSenderId"},
	{201, "send_no_message_id.json", AGG_SEND_FAILED, "", "", "statusCode 101 without"},
	{201, "send_truncated.json", AGG_SEND_FAILED, "", "", "unreadable 2xx answer"},
	{201, "send_html.json", AGG_SEND_FAILED, "", "", "unreadable 2xx answer"},
	{201, "send_no_status_code.json", AGG_SEND_FAILED, "", "", "unreadable 2xx answer"},
	{201, NULL, AGG_SEND_FAILED, "", "", "unreadable 2xx answer"},
	{401, "send_http401.txt", AGG_SEND_FAILED, "", "", "HTTP 401 authentication invalid"},
	{429, "send_http429.txt", AGG_SEND_RETRY, "", "", "HTTP 429: Request throttled"},
	{500, "send_http500.txt", AGG_SEND_RETRY, "", "", "HTTP 500: Internal Server Error"},
	{503, NULL, AGG_SEND_RETRY, "", "", "HTTP 503"},
	{502, "send_html.json", AGG_SEND_RETRY, "", "", "HTTP 502: <html>"},
	{400, "send_http400.txt", AGG_SEND_FAILED, "", "", "HTTP 400: Bad request"},
	{0, NULL, AGG_SEND_RETRY, "", "", "transport error"},
};

static void
test_africastalking_read_send(void **state)
{
	const struct aggregator *a = at_agg();
	for (size_t i = 0; i < N(send_cases); i++) {
		const struct send_case *c = &send_cases[i];
		size_t len = 0;
		char *body = c->file ? fixture(c->file, &len) : NULL;
		char name[64];
		struct agg_send_result r;
		snprintf(name, sizeof(name), "%ld %s", c->http, c->file ? c->file : "(no body)");
		a->read_send(NULL, c->http, body, len, &r);
		if (r.outcome != c->outcome)
			fail_msg("%s: outcome %d, want %d (%s)", name, r.outcome, c->outcome,
				 r.reason);
		check_str(name, "id", c->id, r.id);
		check_str(name, "cost", c->cost, r.cost);
		if (strncmp(r.reason, c->reason, strlen(c->reason)) != 0)
			fail_msg("%s: reason '%s', want it to start '%s'", name, r.reason,
				 c->reason);
		if (c->outcome != AGG_SEND_ACCEPTED && !*r.reason)
			fail_msg("%s: no reason", name);
		free(body);
	}
}

/* ---- helpers ---- */

static const struct {
	const char *in, *out;
} phone_cases[] = {
	{"+254712345678", "+254712345678"},
	{"254712345678", "+254712345678"},
	{" 254712345678", "+254712345678"},
	{"00250788123456", "+250788123456"},
	{"+250788123456 ", "+250788123456"},
	{"+1234567", "+1234567"},
	{"+123456789012345", "+123456789012345"},
	{"+1234567890123456", NULL},
	{"+123456", NULL},
	{"0712345678", NULL},
	{"+0712345678", NULL},
	{"+2547 1234 5678", NULL},
	{"+254-712-345678", NULL},
	{"tel:+254712345678", NULL},
	{"++254712345678", NULL},
	{"+", NULL},
	{"", NULL},
	{"00", NULL},
};

static void
test_africastalking_normalize_phone(void **state)
{
	for (size_t i = 0; i < N(phone_cases); i++) {
		char out[32];
		int rc = at_normalize_phone(phone_cases[i].in, out, sizeof(out));
		check_str(phone_cases[i].in, "phone", phone_cases[i].out, rc == 0 ? out : NULL);
	}
	char small[16];
	assert_int_equal(at_normalize_phone("+254712345678", small, sizeof(small)), -1);
	assert_int_equal(at_normalize_phone(NULL, small, sizeof(small)), -1);
}

static const struct {
	const char *in, *out;
} date_cases[] = {
	{"2017-05-03T06:04:45Z", "2017-05-03T06:04:45Z"},
	{"2017-05-03 06:04:45", "2017-05-03T06:04:45Z"},
	{"2018-03-19T08:34:18.445Z", "2018-03-19T08:34:18Z"},
	{"2018-03-19 08:34:18.4", "2018-03-19T08:34:18Z"},
	{"2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z"},
	{"1900-02-29T00:00:00Z", NULL},
	{"2100-02-29T00:00:00Z", NULL},
	{"2017-04-31T00:00:00Z", NULL},
	{"2017-13-01T00:00:00Z", NULL},
	{"2017-00-01T00:00:00Z", NULL},
	{"2017-05-03T24:00:00Z", NULL},
	{"2017-05-03T23:60:00Z", NULL},
	{"2017-05-03T23:59:60Z", NULL},
	{"2017-05-03T06:04:45.Z", NULL},
	{"2017-05-03T06:04:45.1234567890Z", NULL},
	{"2017-05-03T06:04:45+02:00", NULL},
	{"2017-05-03T06:04:45ZZ", NULL},
	{"2017-05-03", NULL},
	{"03/05/2017 06:04:45", NULL},
	{"2017-5-3T06:04:45Z", NULL},
	{"", NULL},
};

static void
test_africastalking_parse_date(void **state)
{
	for (size_t i = 0; i < N(date_cases); i++) {
		char out[24];
		int rc = at_parse_date(date_cases[i].in, out, sizeof(out));
		check_str(date_cases[i].in, "date", date_cases[i].out, rc == 0 ? out : NULL);
	}
	char small[20];
	assert_int_equal(at_parse_date("2017-05-03T06:04:45Z", small, sizeof(small)), -1);
	assert_int_equal(at_parse_date(NULL, small, sizeof(small)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_africastalking_parse_ussd),
		cmocka_unit_test(test_africastalking_content_type),
		cmocka_unit_test(test_africastalking_parse_ussd_end),
		cmocka_unit_test(test_africastalking_parse_sms),
		cmocka_unit_test(test_africastalking_parse_dlr),
		cmocka_unit_test(test_africastalking_format_ussd),
		cmocka_unit_test(test_africastalking_conf),
		cmocka_unit_test(test_africastalking_build_send),
		cmocka_unit_test(test_africastalking_read_send),
		cmocka_unit_test(test_africastalking_normalize_phone),
		cmocka_unit_test(test_africastalking_parse_date),
	};
	return cmocka_run_group_tests(tests, setup_env, NULL);
}

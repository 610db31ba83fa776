/*
 * africastalking — the Africa's Talking adapter: USSD, USSD end, inbound SMS and delivery
 * report callbacks in, "CON/END" screens and /version1/messaging sends out. Pure; see
 * africastalking.h for the functions and shared/protocols/README.md for the wire formats.
 */
#include "africastalking.h"
#include "agg_check.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form.h"

/* ---- configuration ---- */

enum { AT_USERNAME, AT_API_KEY, AT_BASE_URL, AT_SENDER, AT_CALLBACK_TOKEN, AT_N_OPTS };

static int check_base_url(const char *v, char *err, size_t errlen);

static const struct cfg_opt at_opts[AT_N_OPTS] = {
	[AT_USERNAME] = {"username", CFG_STR, "sandbox", 0, 0, NULL, agg_check_safe, 0},
	[AT_API_KEY] = {"api_key", CFG_SECRET, NULL, 0, 0, "FOLLOWUP_AT_API_KEY",
			agg_check_safe, 0},
	[AT_BASE_URL] = {"base_url", CFG_STR, "https://api.africastalking.com", 0, 0, NULL,
			 check_base_url, 0},
	[AT_SENDER] = {"sender", CFG_STR, NULL, 0, 0, NULL, agg_check_safe, 0},
	[AT_CALLBACK_TOKEN] = {"callback_token", CFG_SECRET, NULL, 0, 0,
			       "FOLLOWUP_AT_CALLBACK_TOKEN", agg_check_token, 0},
};

struct at_conf {
	char *username, *api_key, *base_url, *sender;
	char *token;  /* NULL when followupd.conf has no [africastalking] section */
};

static int
check_base_url(const char *v, char *err, size_t errlen)
{
	if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) {
		snprintf(err, errlen, "expected an http:// or https:// URL, got '%s'", v);
		return -1;
	}
	return agg_check_safe(v, err, errlen);
}

/* The token is a path segment of /cb/africastalking/<token>/: one that needs escaping would
 * never match what the HTTP layer decodes, so refuse it at start-up rather than 404 later. */
static void
at_conf_free(agg_conf *p)
{
	struct at_conf *c = p;
	if (!c)
		return;
	free(c->username), free(c->api_key), free(c->base_url), free(c->sender), free(c->token);
	free(c);
}

/* A missing api_key is not an error here: the section may serve callbacks only while another
 * adapter sends; build_send() then fails each message with a clear reason. */
static agg_conf *
at_conf_new(const struct cfg_values *v, char *err, size_t errlen)
{
	struct at_conf *c = calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	if (v->present && !*v->str[AT_CALLBACK_TOKEN]) {
		snprintf(err, errlen,
			 "[africastalking] callback_token is required (or callback_token_file, "
			 "or FOLLOWUP_AT_CALLBACK_TOKEN)");
		free(c);
		return NULL;
	}
	c->username = strdup(v->str[AT_USERNAME]);
	c->api_key = strdup(v->str[AT_API_KEY]);
	c->base_url = strdup(v->str[AT_BASE_URL]);
	c->sender = strdup(v->str[AT_SENDER]);
	if (!c->username || !c->api_key || !c->base_url || !c->sender)
		goto nomem;
	/* Without the section no token exists: the callbacks must stay unreachable rather
	 * than answer to an empty or default secret. */
	if (v->present && !(c->token = strdup(v->str[AT_CALLBACK_TOKEN])))
		goto nomem;
	agg_strip_slashes(c->base_url);
	return c;
nomem:
	at_conf_free(c);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

/* NULL when the section is absent: no token matches NULL (cb_token_equal), so 404. */
static const char *
at_token(const agg_conf *p)
{
	return ((const struct at_conf *)p)->token;
}

/* ---- small parsers ---- */

int
at_normalize_phone(const char *in, char *out, size_t outlen)
{
	size_t n, digits;
	if (!in || outlen < 17)
		return -1;
	in += strspn(in, " \t");
	n = strlen(in);
	while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t'))
		n--;
	if (n > 0 && in[0] == '+')
		in++, n--;
	else if (n > 2 && in[0] == '0' && in[1] == '0')
		in += 2, n -= 2;
	digits = 0;
	while (digits < n && in[digits] >= '0' && in[digits] <= '9')
		digits++;
	if (digits != n || n < 7 || n > 15 || in[0] == '0')
		return -1;
	out[0] = '+';
	memcpy(out + 1, in, n);
	out[n + 1] = '\0';
	return 0;
}

/* Reads exactly n digits at s. */
static int
num(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
at_parse_date(const char *s, char *out, size_t outlen)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, sec;
	const char *p;
	if (!s || outlen < 21 || strlen(s) < 19)
		return -1;
	if (num(s, 4, &y) || s[4] != '-' || num(s + 5, 2, &mo) || s[7] != '-' ||
	    num(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || num(s + 11, 2, &h) ||
	    s[13] != ':' || num(s + 14, 2, &mi) || s[16] != ':' || num(s + 17, 2, &sec))
		return -1;
	p = s + 19;
	if (*p == '.') {
		size_t f = strspn(p + 1, "0123456789");
		if (f < 1 || f > 9)
			return -1;
		p += 1 + f;
	}
	if (*p == 'Z')
		p++;
	if (*p)
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59)
		return -1;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] + (mo == 2 && leap))
		return -1;
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, sec);
	return 0;
}

/* -1, or the non-negative number s holds. */
static long
count(const char *s)
{
	char *end;
	long v;
	if (!s || *s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	return *end || v < 0 ? -1 : v;
}

/* ---- callbacks ---- */

static int
read_form(const struct agg_request *rq, struct form *f, char *err, size_t errlen)
{
	static const char want[] = "application/x-www-form-urlencoded";
	const char *ct = rq->content_type;
	f->fields = NULL, f->n = 0;
	if (ct)
		ct += strspn(ct, " \t");
	if (!ct || strncasecmp(ct, want, sizeof(want) - 1) != 0 ||
	    !strchr("; \t", ct[sizeof(want) - 1])) {
		snprintf(err, errlen, "expected %s", want);
		return -1;
	}
	return form_parse(rq->body ? rq->body : "", rq->body ? rq->body_len : 0, f, err, errlen);
}

int
at_take_fields(const struct form *f, const struct at_field *spec, size_t n, char *err,
	       size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = form_get(f, spec[i].name);
		char phone[32];
		int phone_kind = spec[i].kind == AT_F_PHONE || spec[i].kind == AT_F_PHONE_OPTIONAL;
		int optional = spec[i].kind == AT_F_OPTIONAL || spec[i].kind == AT_F_PHONE_OPTIONAL;
		if (!v || !*v) {
			if (spec[i].kind == AT_F_EMPTY_OK) {
				v = "";
			} else if (optional) {
				continue;
			} else {
				snprintf(err, errlen, "missing field %s", spec[i].name);
				return -1;
			}
		}
		if (phone_kind) {
			if (at_normalize_phone(v, phone, sizeof(phone)) < 0) {
				snprintf(err, errlen, "field %s is not a phone number in E.164",
					 spec[i].name);
				return -1;
			}
			v = phone;
		}
		if (!(*spec[i].dst = strdup(v))) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

#define N_FIELDS(a) (sizeof(a) / sizeof((a)[0]))

int
at_parse_ussd(const struct agg_request *rq, struct agg_ussd *out, char *err, size_t errlen)
{
	struct form f;
	int r;
	memset(out, 0, sizeof(*out));
	const struct at_field spec[] = {
		{"sessionId", AT_F_REQUIRED, &out->session_id},
		{"serviceCode", AT_F_REQUIRED, &out->service_code},
		{"phoneNumber", AT_F_PHONE, &out->phone},
		{"networkCode", AT_F_OPTIONAL, &out->network},
		{"text", AT_F_EMPTY_OK, &out->text},
	};
	r = read_form(rq, &f, err, errlen);
	if (r == 0)
		r = at_take_fields(&f, spec, N_FIELDS(spec), err, errlen);
	form_clear(&f);
	if (r < 0)
		agg_ussd_clear(out);
	return r;
}

int
at_parse_ussd_end(const struct agg_request *rq, struct agg_ussd_end *out, char *err,
		  size_t errlen)
{
	struct form f;
	int r;
	memset(out, 0, sizeof(*out));
	out->hops = out->duration_ms = -1;
	const struct at_field spec[] = {
		{"sessionId", AT_F_REQUIRED, &out->session_id},
		{"phoneNumber", AT_F_PHONE_OPTIONAL, &out->phone},
		{"status", AT_F_OPTIONAL, &out->status},
		{"cost", AT_F_OPTIONAL, &out->cost},
		{"input", AT_F_OPTIONAL, &out->input},
		{"errorMessage", AT_F_OPTIONAL, &out->error},
	};
	r = read_form(rq, &f, err, errlen);
	if (r == 0)
		r = at_take_fields(&f, spec, N_FIELDS(spec), err, errlen);
	if (r == 0) {
		out->hops = count(form_get(&f, "hopsCount"));
		out->duration_ms = count(form_get(&f, "durationInMillis"));
	}
	form_clear(&f);
	if (r < 0)
		agg_ussd_end_clear(out);
	return r;
}

int
at_parse_sms(const struct agg_request *rq, struct agg_sms *out, char *err, size_t errlen)
{
	struct form f;
	char when[24];
	int r;
	memset(out, 0, sizeof(*out));
	const struct at_field spec[] = {
		{"id", AT_F_REQUIRED, &out->id},
		{"from", AT_F_PHONE, &out->from},
		{"to", AT_F_OPTIONAL, &out->to},
		{"text", AT_F_EMPTY_OK, &out->text},
		{"networkCode", AT_F_OPTIONAL, &out->network},
		{"linkId", AT_F_OPTIONAL, &out->link_id},
	};
	r = read_form(rq, &f, err, errlen);
	if (r == 0)
		r = at_take_fields(&f, spec, N_FIELDS(spec), err, errlen);
	/* An unreadable date loses nothing (the caller stamps the arrival time), while a 400
	 * would make AT drop the message: lenient on purpose. */
	if (r == 0 && at_parse_date(form_get(&f, "date"), when, sizeof(when)) == 0 &&
	    !(out->received_at = strdup(when))) {
		snprintf(err, errlen, "out of memory");
		r = -1;
	}
	form_clear(&f);
	if (r < 0)
		agg_sms_clear(out);
	return r;
}

static const struct {
	const char *name;
	enum agg_dlr_status status;
} dlr_statuses[] = {
	{"Success", AGG_DLR_DELIVERED}, {"Sent", AGG_DLR_SENT},     {"Submitted", AGG_DLR_SENT},
	{"Buffered", AGG_DLR_SENT},     {"Failed", AGG_DLR_FAILED}, {"Expired", AGG_DLR_FAILED},
	{"Rejected", AGG_DLR_REJECTED},
};

enum agg_dlr_status
at_dlr_status(const char *status)
{
	for (size_t i = 0; status && i < N_FIELDS(dlr_statuses); i++)
		if (strcasecmp(status, dlr_statuses[i].name) == 0)
			return dlr_statuses[i].status;
	return AGG_DLR_SENT;
}

int
at_parse_dlr(const struct agg_request *rq, struct agg_dlr *out, char *err, size_t errlen)
{
	struct form f;
	int r;
	memset(out, 0, sizeof(*out));
	const struct at_field spec[] = {
		{"id", AT_F_REQUIRED, &out->message_id},
		{"status", AT_F_REQUIRED, &out->raw_status},
		{"failureReason", AT_F_OPTIONAL, &out->reason},
	};
	r = read_form(rq, &f, err, errlen);
	if (r == 0)
		r = at_take_fields(&f, spec, N_FIELDS(spec), err, errlen);
	if (r == 0) {
		out->status = at_dlr_status(out->raw_status);
		out->opt_out = out->reason && strcasecmp(out->reason, "UserInBlackList") == 0;
	}
	form_clear(&f);
	if (r < 0)
		agg_dlr_clear(out);
	return r;
}

int
at_format_ussd(const struct agg_ussd_answer *a, char *body, size_t len, const char **content_type)
{
	int n = snprintf(body, len, "%s %s", a->end ? "END" : "CON", a->text ? a->text : "");
	*content_type = "text/plain";
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

const char *
at_sms_ack(const char **content_type)
{
	*content_type = "text/plain";
	return "";
}

/* ---- sending ---- */

/* a followed by b, malloc'd; NULL when out of memory. */
static char *
concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);
	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

static int
at_build_send(const agg_conf *p, const struct agg_outmsg *m, struct agg_http *out, char *err,
	      size_t errlen)
{
	const struct at_conf *c = p;
	char to[32];
	char *body = NULL;
	size_t blen = 0;
	memset(out, 0, sizeof(*out));
	if (!*c->api_key) {
		snprintf(err, errlen, "[africastalking] api_key is not configured");
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
	if (form_append(&body, &blen, "username", c->username) < 0 ||
	    form_append(&body, &blen, "to", to) < 0 ||
	    form_append(&body, &blen, "message", m->text) < 0 ||
	    (*c->sender && form_append(&body, &blen, "from", c->sender) < 0))
		goto nomem;
	out->body = body;
	out->method = strdup("POST");
	out->content_type = strdup("application/x-www-form-urlencoded");
	out->headers[1] = strdup("Accept: application/json");
	out->n_headers = 2;
	out->url = concat(c->base_url, "/version1/messaging");
	out->headers[0] = concat("apiKey: ", c->api_key);
	if (!out->method || !out->content_type || !out->url || !out->headers[0] ||
	    !out->headers[1])
		goto nomem;
	return 0;
nomem:
	if (!out->body)
		free(body);
	agg_http_clear(out);
	snprintf(err, errlen, "out of memory");
	return -1;
}

static const struct {
	int code;
	const char *name;
	enum agg_send_outcome outcome;
} at_codes[] = {
	{100, "Processed", AGG_SEND_ACCEPTED},
	{101, "Sent", AGG_SEND_ACCEPTED},
	{102, "Queued", AGG_SEND_ACCEPTED},
	{401, "RiskHold", AGG_SEND_FAILED},
	{402, "InvalidSenderId", AGG_SEND_FAILED},
	{403, "InvalidPhoneNumber", AGG_SEND_FAILED},
	{404, "UnsupportedNumberType", AGG_SEND_FAILED},
	{405, "InsufficientBalance", AGG_SEND_RETRY},
	{406, "UserInBlacklist", AGG_SEND_OPTED_OUT},
	{407, "CouldNotRoute", AGG_SEND_FAILED},
	{409, "DoNotDisturbRejection", AGG_SEND_FAILED},
	{500, "InternalServerError", AGG_SEND_RETRY},
	{501, "GatewayError", AGG_SEND_RETRY},
	{502, "RejectedByGateway", AGG_SEND_RETRY},
};

/* A string member of o copied into dst when it is there and fits; else dst is "". */
static int
json_text(json_t *o, const char *key, char *dst, size_t len)
{
	json_t *v = json_object_get(o, key);
	dst[0] = '\0';
	if (!json_is_string(v) || json_string_length(v) >= len ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return -1;
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

/* Reads the JSON of a 2xx answer. Whatever cannot be read here is FAILED, never RETRY: a 2xx
 * means AT probably took the message, and a retry would send it twice (ARCHITECTURE rule 7),
 * so staff get a reason saying it may have gone out instead. A readable answer that lists no
 * recipient (AT's way of saying e.g. "InvalidSenderId") is FAILED too: nothing was sent, but
 * the causes are configuration, which a retry does not fix. */
static void
read_recipient(const char *body, size_t len, struct agg_send_result *out)
{
	json_t *root = body ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *data = json_object_get(root, "SMSMessageData");
	json_t *rcpt = json_array_get(json_object_get(data, "Recipients"), 0);
	json_t *code = json_object_get(rcpt, "statusCode");
	char status[48], msg[160];
	long sc = -1;

	out->outcome = AGG_SEND_FAILED;
	if (json_is_integer(code))
		sc = (long)json_integer_value(code);
	else if (json_is_string(code))
		sc = count(json_string_value(code));
	if (!rcpt && json_text(data, "Message", msg, sizeof(msg)) == 0) {
		agg_excerpt(status, sizeof(status), msg, strlen(msg), 40);
		snprintf(out->reason, sizeof(out->reason), "no recipient accepted: %s", status);
		goto done;
	}
	if (sc < 0) {
		snprintf(out->reason, sizeof(out->reason),
			 "unreadable 2xx answer (may have been sent; not retried)");
		goto done;
	}
	const char *name = "Unknown";
	for (size_t i = 0; i < N_FIELDS(at_codes); i++) {
		if (at_codes[i].code == sc) {
			name = at_codes[i].name;
			out->outcome = at_codes[i].outcome;
		}
	}
	if (json_text(rcpt, "status", msg, sizeof(msg)) == 0 && *msg) {
		agg_excerpt(status, sizeof(status), msg, strlen(msg), 40);
		name = status;
	}
	if (out->outcome != AGG_SEND_ACCEPTED) {
		snprintf(out->reason, sizeof(out->reason), "statusCode %ld %s", sc, name);
		goto done;
	}
	if (json_text(rcpt, "messageId", out->id, sizeof(out->id)) < 0 || !*out->id) {
		out->outcome = AGG_SEND_FAILED;
		snprintf(out->reason, sizeof(out->reason),
			 "statusCode %ld without messageId (may have been sent; not retried)", sc);
		goto done;
	}
	if (json_text(rcpt, "cost", msg, sizeof(msg)) == 0)
		agg_excerpt(out->cost, sizeof(out->cost), msg, strlen(msg), sizeof(out->cost) - 1);
done:
	json_decref(root);
}

static void
at_read_send(const agg_conf *p, long http_status, const char *body, size_t len,
	     struct agg_send_result *out)
{
	char ex[96];
	memset(out, 0, sizeof(*out));
	if (http_status >= 200 && http_status < 300) {
		read_recipient(body, len, out);
		return;
	}
	if (http_status == 401) {
		out->outcome = AGG_SEND_FAILED;
		snprintf(out->reason, sizeof(out->reason), "HTTP 401 authentication invalid");
		return;
	}
	/* Not accepted, so retrying is safe; worth it only for what time can fix. */
	if (http_status == 0 || http_status == 408 || http_status == 429 || http_status >= 500)
		out->outcome = AGG_SEND_RETRY;
	else
		out->outcome = AGG_SEND_FAILED;
	agg_excerpt(ex, sizeof(ex), body ? body : "", body ? len : 0, 80);
	if (http_status == 0)
		snprintf(out->reason, sizeof(out->reason), "transport error or timeout");
	else
		snprintf(out->reason, sizeof(out->reason), "HTTP %ld%s%s", http_status,
			 *ex ? ": " : "", ex);
}

const struct aggregator agg_africastalking = {
	.name = "africastalking",
	.section = {"africastalking", at_opts, AT_N_OPTS},
	.conf_new = at_conf_new,
	.conf_free = at_conf_free,
	.callback_token = at_token,
	.parse_ussd = at_parse_ussd,
	.parse_ussd_end = at_parse_ussd_end,
	.parse_sms = at_parse_sms,
	.parse_dlr = at_parse_dlr,
	.format_ussd = at_format_ussd,
	.sms_ack = at_sms_ack,
	.build_send = at_build_send,
	.read_send = at_read_send,
};

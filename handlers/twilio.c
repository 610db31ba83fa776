/*
 * twilio — the Twilio adapter: signed form callbacks (inbound SMS, status callbacks) in, the
 * Messages.json API out. Pure; see twilio.h and shared/protocols/README.md "Twilio".
 */
#include "twilio.h"
#include "agg_check.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "africastalking.h" /* at_normalize_phone(): E.164 is E.164 whoever sends it */

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Twilio refuses longer bodies (error 21617); refusing here gives staff a clear reason. */
#define TW_MAX_BODY 1600

/* ---- configuration ---- */

enum {
	TW_ACCOUNT_SID,
	TW_AUTH_TOKEN,
	TW_FROM,
	TW_MESSAGING_SERVICE_SID,
	TW_BASE_URL,
	TW_PUBLIC_URL,
	TW_CALLBACK_TOKEN,
	TW_STATUS_CALLBACK,
	TW_N_OPTS
};

static int check_sid(const char *v, char *err, size_t errlen);

static const struct cfg_opt tw_opts[TW_N_OPTS] = {
	[TW_ACCOUNT_SID] = {"account_sid", CFG_STR, NULL, 0, 0, NULL, check_sid, 0},
	[TW_AUTH_TOKEN] = {"auth_token", CFG_SECRET, NULL, 0, 0, "FOLLOWUP_TWILIO_AUTH_TOKEN",
			   agg_check_safe, 0},
	[TW_FROM] = {"from", CFG_STR, NULL, 0, 0, NULL, agg_check_safe, 0},
	[TW_MESSAGING_SERVICE_SID] = {"messaging_service_sid", CFG_STR, NULL, 0, 0, NULL,
				      check_sid, 0},
	[TW_BASE_URL] = {"base_url", CFG_STR, "https://api.twilio.com", 0, 0, NULL, agg_check_url,
			 0},
	[TW_PUBLIC_URL] = {"public_url", CFG_STR, NULL, 0, 0, NULL, agg_check_url, 0},
	[TW_CALLBACK_TOKEN] = {"callback_token", CFG_SECRET, NULL, 0, 0,
			       "FOLLOWUP_TWILIO_CALLBACK_TOKEN", agg_check_token, 0},
	[TW_STATUS_CALLBACK] = {"status_callback", CFG_BOOL, "no", 0, 1, NULL, NULL, 0},
};

struct tw_conf {
	char *sid, *auth, *from, *service, *base_url, *public_url;
	char *token; /* NULL when followupd.conf has no [twilio] section: callbacks stay 404 */
	int status_callback;
};

/* SIDs go into the API path: letters and digits only ("AC" or "MG" and 32 hex digits). */
static int
check_sid(const char *v, char *err, size_t errlen)
{
	if (v[strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")]) {
		snprintf(err, errlen, "expected letters and digits only (e.g. AC0123...)");
		return -1;
	}
	return 0;
}

static void
tw_conf_free(agg_conf *p)
{
	struct tw_conf *c = p;
	if (!c)
		return;
	free(c->sid), free(c->auth), free(c->from), free(c->service), free(c->base_url);
	free(c->public_url), free(c->token);
	free(c);
}

/* With the section present, the callbacks are live, and a callback can only be trusted with
 * auth_token (the signature key) and public_url (the URL Twilio signed): refusing to start
 * beats answering every callback 403. account_sid and from are checked per send, so that a
 * section may serve callbacks while another adapter sends. */
static agg_conf *
tw_conf_new(const struct cfg_values *v, char *err, size_t errlen)
{
	static const int required[] = {TW_CALLBACK_TOKEN, TW_AUTH_TOKEN, TW_PUBLIC_URL};
	struct tw_conf *c;
	for (size_t i = 0; v->present && i < N_ELEMS(required); i++) {
		if (!*v->str[required[i]]) {
			snprintf(err, errlen, "[twilio] %s is required", tw_opts[required[i]].key);
			return NULL;
		}
	}
	if (*v->str[TW_FROM] && *v->str[TW_MESSAGING_SERVICE_SID]) {
		snprintf(err, errlen, "[twilio] set from or messaging_service_sid, not both");
		return NULL;
	}
	if (!(c = calloc(1, sizeof(*c))))
		goto nomem;
	c->sid = strdup(v->str[TW_ACCOUNT_SID]);
	c->auth = strdup(v->str[TW_AUTH_TOKEN]);
	c->from = strdup(v->str[TW_FROM]);
	c->service = strdup(v->str[TW_MESSAGING_SERVICE_SID]);
	c->base_url = strdup(v->str[TW_BASE_URL]);
	c->public_url = strdup(v->str[TW_PUBLIC_URL]);
	c->status_callback = v->num[TW_STATUS_CALLBACK] != 0;
	if (!c->sid || !c->auth || !c->from || !c->service || !c->base_url || !c->public_url)
		goto nomem;
	if (v->present && !(c->token = strdup(v->str[TW_CALLBACK_TOKEN])))
		goto nomem;
	agg_strip_slashes(c->base_url);
	agg_strip_slashes(c->public_url);
	return c;
nomem:
	tw_conf_free(c);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

static const char *
tw_token(const agg_conf *p)
{
	return ((const struct tw_conf *)p)->token;
}

/* ---- signatures ---- */

static int
cmp_field(const void *a, const void *b)
{
	const struct form_field *x = *(const struct form_field *const *)a;
	const struct form_field *y = *(const struct form_field *const *)b;
	int r = strcmp(x->key, y->key);
	return r ? r : strcmp(x->value, y->value);
}

int
twilio_signature(const char *auth_token, const char *url, const struct form *params, char *out,
		 size_t outlen)
{
	const struct form_field **sorted = NULL;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t len = strlen(url), o;
	char *data;
	int r = -1;

	if (outlen < 29)
		return -1;
	if (params->n > 0 && !(sorted = malloc(params->n * sizeof(*sorted))))
		return -1;
	for (size_t i = 0; i < params->n; i++) {
		sorted[i] = &params->fields[i];
		len += strlen(params->fields[i].key) + strlen(params->fields[i].value);
	}
	if (params->n > 1)
		qsort(sorted, params->n, sizeof(*sorted), cmp_field);
	if (!(data = malloc(len + 1)))
		goto done;
	o = strlen(url);
	memcpy(data, url, o);
	for (size_t i = 0; i < params->n; i++) {
		size_t kl = strlen(sorted[i]->key), vl = strlen(sorted[i]->value);
		memcpy(data + o, sorted[i]->key, kl);
		memcpy(data + o + kl, sorted[i]->value, vl);
		o += kl + vl;
	}
	if (HMAC(EVP_sha1(), auth_token, (int)strlen(auth_token), (const unsigned char *)data, o,
		 mac, &maclen)) {
		EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
		r = 0;
	}
	free(data);
done:
	free(sorted);
	return r;
}

/* The parameters of a callback: a POST's form body, or a GET's query (Twilio can be told to
 * use GET; its parameters are then part of the signed URL, not of the parameter list). */
static int
read_params(const struct agg_request *rq, int for_signature, struct form *f, char *err,
	    size_t errlen)
{
	static const char want[] = "application/x-www-form-urlencoded";
	const char *ct = rq->content_type;
	f->fields = NULL, f->n = 0;
	if (rq->method && strcmp(rq->method, "GET") == 0) {
		if (for_signature || !rq->query)
			return 0;
		return form_parse(rq->query, strlen(rq->query), f, err, errlen);
	}
	if (ct)
		ct += strspn(ct, " \t");
	if (!ct || strncasecmp(ct, want, sizeof(want) - 1) != 0 ||
	    !strchr("; \t", ct[sizeof(want) - 1])) {
		snprintf(err, errlen, "expected %s", want);
		return -1;
	}
	return form_parse(rq->body ? rq->body : "", rq->body ? rq->body_len : 0, f, err, errlen);
}

static int
tw_verify(const agg_conf *p, const struct agg_request *rq, char *err, size_t errlen)
{
	const struct tw_conf *c = p;
	const char *given = rq->header ? rq->header(rq->header_ctx, "X-Twilio-Signature") : NULL;
	char want[32], *url = NULL;
	struct form f;
	int r = -1;

	if (!given || !*given) {
		snprintf(err, errlen, "missing X-Twilio-Signature");
		return -1;
	}
	if (!*c->auth || !*c->public_url) {
		snprintf(err, errlen, "[twilio] auth_token and public_url are needed to check "
				      "signatures");
		return -1;
	}
	if (read_params(rq, 1, &f, err, errlen) < 0)
		goto done;
	if (asprintf(&url, "%s%s%s%s", c->public_url, rq->path ? rq->path : "",
		     rq->query ? "?" : "", rq->query ? rq->query : "") < 0) {
		url = NULL;
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (twilio_signature(c->auth, url, &f, want, sizeof(want)) < 0) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	/* The length of a signature is no secret; its bytes are compared in constant time. */
	if (strlen(given) != strlen(want) || CRYPTO_memcmp(given, want, strlen(want)) != 0) {
		snprintf(err, errlen, "X-Twilio-Signature does not match (check public_url)");
		goto done;
	}
	r = 0;
done:
	free(url);
	form_clear(&f);
	return r;
}

/* ---- callbacks ---- */

static int
tw_parse_sms(const struct agg_request *rq, struct agg_sms *out, char *err, size_t errlen)
{
	struct form f;
	int r;
	memset(out, 0, sizeof(*out));
	const struct at_field spec[] = {
		{"MessageSid", AT_F_REQUIRED, &out->id},
		{"From", AT_F_PHONE, &out->from},
		{"To", AT_F_OPTIONAL, &out->to},
		{"Body", AT_F_EMPTY_OK, &out->text},
	};
	r = read_params(rq, 0, &f, err, errlen);
	if (r == 0)
		r = at_take_fields(&f, spec, N_ELEMS(spec), err, errlen);
	form_clear(&f);
	if (r < 0)
		agg_sms_clear(out);
	return r;
}

static const struct {
	const char *name;
	enum agg_dlr_status status;
} tw_statuses[] = {
	{"queued", AGG_DLR_SENT},	  {"accepted", AGG_DLR_SENT},
	{"scheduled", AGG_DLR_SENT},	  {"sending", AGG_DLR_SENT},
	{"sent", AGG_DLR_SENT},		  {"delivered", AGG_DLR_DELIVERED},
	/* WhatsApp-style "read" implies delivered. */
	{"read", AGG_DLR_DELIVERED},	  {"undelivered", AGG_DLR_FAILED},
	{"failed", AGG_DLR_FAILED},	  {"canceled", AGG_DLR_FAILED},
};

enum agg_dlr_status
twilio_dlr_status(const char *status)
{
	for (size_t i = 0; status && i < N_ELEMS(tw_statuses); i++)
		if (strcasecmp(status, tw_statuses[i].name) == 0)
			return tw_statuses[i].status;
	return AGG_DLR_SENT;
}

static int
tw_parse_dlr(const struct agg_request *rq, struct agg_dlr *out, char *err, size_t errlen)
{
	struct form f;
	int r;
	memset(out, 0, sizeof(*out));
	const struct at_field spec[] = {
		{"MessageSid", AT_F_REQUIRED, &out->message_id},
		{"MessageStatus", AT_F_REQUIRED, &out->raw_status},
		{"ErrorCode", AT_F_OPTIONAL, &out->reason},
	};
	r = read_params(rq, 0, &f, err, errlen);
	if (r == 0)
		r = at_take_fields(&f, spec, N_ELEMS(spec), err, errlen);
	if (r == 0) {
		out->status = twilio_dlr_status(out->raw_status);
		/* 21610: the recipient replied STOP to this sender. */
		out->opt_out = out->reason && strcmp(out->reason, "21610") == 0;
	}
	form_clear(&f);
	if (r < 0)
		agg_dlr_clear(out);
	return r;
}

/* An empty answer is Twilio error 11200; an empty <Response/> means "no reply from here". */
static const char *
tw_sms_ack(const char **content_type)
{
	*content_type = "text/xml";
	return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";
}

/* ---- sending ---- */

/* UTF-16 code units of valid UTF-8 text: the stricter of the ways Twilio may count its
 * 1,600 characters, so that what passes here passes there. */
static size_t
utf16_units(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p & 0xc0) != 0x80)
			n++;
		if ((*p & 0xf8) == 0xf0)
			n++;
	}
	return n;
}

static int
tw_build_send(const agg_conf *p, const struct agg_outmsg *m, struct agg_http *out, char *err,
	      size_t errlen)
{
	const struct tw_conf *c = p;
	char to[32], *body = NULL, *cb = NULL;
	size_t blen = 0;
	int r;
	memset(out, 0, sizeof(*out));
	if (!*c->sid || !*c->auth || (!*c->from && !*c->service)) {
		snprintf(err, errlen, "[twilio] account_sid, auth_token and from (or "
				      "messaging_service_sid) are needed to send");
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
	if (utf16_units(m->text) > TW_MAX_BODY) {
		snprintf(err, errlen, "message text over %d characters", TW_MAX_BODY);
		return -1;
	}
	if (c->status_callback && c->token && *c->public_url &&
	    asprintf(&cb, "%s/cb/twilio/%s/delivery", c->public_url, c->token) < 0)
		goto nomem;
	r = form_append(&body, &blen, "To", to);
	if (r == 0)
		r = *c->service ? form_append(&body, &blen, "MessagingServiceSid", c->service)
				: form_append(&body, &blen, "From", c->from);
	if (r == 0)
		r = form_append(&body, &blen, "Body", m->text);
	if (r == 0 && cb)
		r = form_append(&body, &blen, "StatusCallback", cb);
	free(cb);
	out->body = body;
	if (r < 0)
		goto nomem;
	out->method = strdup("POST");
	out->content_type = strdup("application/x-www-form-urlencoded");
	out->headers[0] = strdup("Accept: application/json");
	out->n_headers = 1;
	if (asprintf(&out->url, "%s/2010-04-01/Accounts/%s/Messages.json", c->base_url, c->sid) < 0)
		out->url = NULL;
	if (asprintf(&out->userpwd, "%s:%s", c->sid, c->auth) < 0)
		out->userpwd = NULL;
	if (!out->method || !out->content_type || !out->headers[0] || !out->url || !out->userpwd)
		goto nomem;
	return 0;
nomem:
	if (!out->body)
		free(body);
	agg_http_clear(out);
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* A string member of o, borrowed, or NULL when absent, not a string or holding a NUL. */
static const char *
json_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

/* Twilio's price is negative text ("-0.00750") with price_unit "USD", and null until the
 * message is priced, which is usual at creation: "USD 0.00750", or "" when unknown. */
static void
read_cost(json_t *root, char *cost, size_t len)
{
	const char *price = json_str(root, "price"), *unit = json_str(root, "price_unit");
	char p[24], u[8];
	if (!price)
		return;
	if (*price == '-')
		price++;
	if (!*price || price[strspn(price, "0123456789.")] || strlen(price) >= sizeof(p))
		return;
	agg_excerpt(p, sizeof(p), price, strlen(price), sizeof(p) - 1);
	agg_excerpt(u, sizeof(u), unit ? unit : "", unit ? strlen(unit) : 0, sizeof(u) - 1);
	snprintf(cost, len, "%s%s%s", u, *u ? " " : "", p);
}

static void
tw_read_send(const agg_conf *p, long http_status, const char *body, size_t len,
	     struct agg_send_result *out)
{
	json_t *root = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *jcode = json_object_get(root, "code");
	const char *sid = json_str(root, "sid"), *msg = json_str(root, "message");
	long code = json_is_integer(jcode) ? (long)json_integer_value(jcode) : -1;
	char ex[96];

	memset(out, 0, sizeof(*out));
	if (http_status >= 200 && http_status < 300) {
		/* Accepted, or at least probably: never retried, which could send it twice
		 * (ARCHITECTURE rule 7). */
		if (sid && *sid && strlen(sid) < sizeof(out->id) && !strpbrk(sid, "\r\n")) {
			out->outcome = AGG_SEND_ACCEPTED;
			memcpy(out->id, sid, strlen(sid) + 1);
			read_cost(root, out->cost, sizeof(out->cost));
		} else {
			out->outcome = AGG_SEND_FAILED;
			snprintf(out->reason, sizeof(out->reason),
				 "unreadable 2xx answer (may have been sent; not retried)");
		}
		goto done;
	}
	if (code == 21610)
		out->outcome = AGG_SEND_OPTED_OUT;
	else if (code == 20429 || http_status == 0 || http_status == 408 || http_status == 429 ||
		 http_status >= 500)
		out->outcome = AGG_SEND_RETRY;
	else
		out->outcome = AGG_SEND_FAILED;
	if (code >= 0) {
		agg_excerpt(ex, sizeof(ex), msg ? msg : "", msg ? strlen(msg) : 0, 90);
		snprintf(out->reason, sizeof(out->reason), "code %ld: %s", code, ex);
	} else if (http_status == 0) {
		snprintf(out->reason, sizeof(out->reason), "transport error or timeout");
	} else {
		agg_excerpt(ex, sizeof(ex), body ? body : "", body ? len : 0, 80);
		snprintf(out->reason, sizeof(out->reason), "HTTP %ld%s%s", http_status,
			 *ex ? ": " : "", ex);
	}
done:
	json_decref(root);
}

const struct aggregator agg_twilio = {
	.name = "twilio",
	.section = {"twilio", tw_opts, TW_N_OPTS},
	.conf_new = tw_conf_new,
	.conf_free = tw_conf_free,
	.callback_token = tw_token,
	.verify = tw_verify,
	.parse_sms = tw_parse_sms,
	.parse_dlr = tw_parse_dlr,
	.sms_ack = tw_sms_ack,
	.build_send = tw_build_send,
	.read_send = tw_read_send,
};

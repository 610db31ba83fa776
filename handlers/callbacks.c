/* callbacks — routing of /cb/<aggregator>/<token>/<kind>; see callbacks.h. */
#include "callbacks.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>

#include "log.h"
#include "netacl.h"
#include "ratelimit.h"
#include "spool.h"

#include <time.h>

cb_flow_fn cb_flows[AGG_CB_KIND_COUNT];

static const char *const kind_names[AGG_CB_KIND_COUNT] = {
	[AGG_CB_USSD] = "ussd",
	[AGG_CB_USSD_END] = "ussd-end",
	[AGG_CB_SMS] = "sms",
	[AGG_CB_DELIVERY] = "delivery",
};

const char *
cb_lang_for_phone(const char *phone)
{
	static const struct {
		const char *prefix, *lang;
	} map[] = {
		{"+250", "rw"}, {"+254", "sw"}, {"+255", "sw"}, {"+256", "sw"}, {"+257", "fr"},
		{"+243", "fr"}, {"+221", "fr"}, {"+225", "fr"}, {"+226", "fr"}, {"+229", "fr"},
		{"+237", "fr"}, {"+33", "fr"},  {"+258", "pt"}, {"+244", "pt"}, {"+55", "pt"},
		{"+351", "pt"}, {"+51", "es"},  {"+591", "es"}, {"+593", "es"}, {"+57", "es"},
		{"+502", "es"}, {"+504", "es"}, {"+505", "es"}, {"+52", "es"},  {"+34", "es"},
	};
	for (size_t i = 0; phone && i < sizeof(map) / sizeof(map[0]); i++)
		if (strncmp(phone, map[i].prefix, strlen(map[i].prefix)) == 0)
			return map[i].lang;
	return "en";
}

int
cb_token_equal(const char *given, const char *expected)
{
	unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
	if (!expected || !*expected || !given)
		return 0;
	/* Hashing first makes the comparison independent of both lengths. */
	SHA256((const unsigned char *)given, strlen(given), a);
	SHA256((const unsigned char *)expected, strlen(expected), b);
	return CRYPTO_memcmp(a, b, sizeof(a)) == 0;
}

static const char *
req_header(const void *ctx, const char *name)
{
	return http_req_header(ctx, name);
}

void
cb_request(struct http_req *r, struct agg_request *rq)
{
	size_t len;
	*rq = (struct agg_request){
		.method = http_req_method(r),
		.path = http_req_path(r),
		.query = http_req_query(r),
		.content_type = http_req_header(r, "Content-Type"),
		.body = http_req_body(r, &len),
		.header = req_header,
		.header_ctx = r,
	};
	rq->body_len = len;
}

static void
on_callback(struct http_req *r, void *arg)
{
	struct app *app = arg;
	const char *path = http_req_path(r) + 4; /* after "/cb/" */
	const char *slash1 = strchr(path, '/');
	const char *slash2 = slash1 ? strchr(slash1 + 1, '/') : NULL;
	const struct app_agg *a = NULL;
	char name[32], token[256];
	int kind = -1;

	if (!slash1 || !slash2 || (size_t)(slash1 - path) >= sizeof(name) ||
	    (size_t)(slash2 - slash1 - 1) >= sizeof(token)) {
		http_reply_text(r, 404, "not found");
		return;
	}
	memcpy(name, path, (size_t)(slash1 - path));
	name[slash1 - path] = '\0';
	memcpy(token, slash1 + 1, (size_t)(slash2 - slash1 - 1));
	token[slash2 - slash1 - 1] = '\0';
	for (size_t i = 0; i < app->n_aggs; i++)
		if (app->aggs[i].conf && strcmp(app->aggs[i].agg->name, name) == 0)
			a = &app->aggs[i];
	for (int k = 0; k < AGG_CB_KIND_COUNT; k++) {
		/* The kind, maybe with a trailing '/'. Compare first: only a match guarantees
		 * that the path is long enough to look at the byte after it. */
		size_t kl = strlen(kind_names[k]);
		if (strncmp(slash2 + 1, kind_names[k], kl) == 0 &&
		    (slash2[1 + kl] == '\0' || (slash2[1 + kl] == '/' && slash2[2 + kl] == '\0')))
			kind = k;
	}
	if (!a || kind < 0 || !cb_token_equal(token, a->agg->callback_token(a->conf)) ||
	    !cb_flows[kind]) {
		http_reply_text(r, 404, "not found");
		return;
	}
	/* Who is asking: the peer, or the client a trusted proxy names. Replays are ours. */
	if (!spool_is_replay(app->spool, r)) {
		char client[64];
		struct timespec now;
		netacl_client(app->trusted, http_req_peer(r), http_req_header(r, "X-Forwarded-For"),
			      client, sizeof(client));
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!rl_allow(app->rl, client,
			      (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000)) {
			log_warn("callback", "rate limited", "aggregator=%s client=%s", a->agg->name,
				 client);
			http_reply_text(r, 429, "too many requests; slow down");
			return;
		}
		if (a->allow && !netacl_match(a->allow, client)) {
			log_warn("callback", "refused: address not allowed", "aggregator=%s client=%s",
				 a->agg->name, client);
			http_reply_text(r, 403, "forbidden");
			return;
		}
	}
	if (strcmp(http_req_method(r), "POST") != 0 &&
	    !(strcmp(http_req_method(r), "GET") == 0 && http_req_query(r))) {
		http_reply_text(r, 405, "method not allowed: use POST");
		return;
	}
	if (a->agg->verify && !spool_is_replay(app->spool, r)) {
		struct agg_request rq;
		char why[256] = "signature refused";
		cb_request(r, &rq);
		if (a->agg->verify(a->conf, &rq, why, sizeof(why)) < 0) {
			log_warn("callback", "refused", "aggregator=%s peer=%s reason=\"%s\"",
				 a->agg->name, http_req_peer(r), why);
			http_reply_text(r, 403, "forbidden");
			return;
		}
	}
	cb_flows[kind](app, a, r);
}

int
cb_spool(struct app *app, const struct app_agg *a, struct http_req *r, const char *kind)
{
	size_t len;
	const char *body = http_req_body(r, &len);
	if (!app->spool || spool_is_replay(app->spool, r))
		return -1;
	return spool_save(app->spool, a->agg->name, kind, http_req_header(r, "Content-Type"),
			  http_req_query(r), body, len);
}

int
callbacks_register(struct app *app)
{
	struct http_route rt = {"callback", "/cb/", HTTP_GET | HTTP_POST, on_callback, app};
	ussd_flow_init();
	sms_flow_init();
	dlr_flow_init();
	return http_server_route(app->http, &rt);
}

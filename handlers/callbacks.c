/* callbacks — routing of /cb/<aggregator>/<token>/<kind>; see callbacks.h. */
#include "callbacks.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>

#include "log.h"

cb_flow_fn cb_flows[AGG_CB_KIND_COUNT];

static const char *const kind_names[AGG_CB_KIND_COUNT] = {
	[AGG_CB_USSD] = "ussd",
	[AGG_CB_USSD_END] = "ussd-end",
	[AGG_CB_SMS] = "sms",
	[AGG_CB_DELIVERY] = "delivery",
};

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
	for (int k = 0; k < AGG_CB_KIND_COUNT; k++)
		if (strcmp(slash2 + 1, kind_names[k]) == 0 ||
		    (slash2[1 + strlen(kind_names[k])] == '/' &&
		     strncmp(slash2 + 1, kind_names[k], strlen(kind_names[k])) == 0 &&
		     slash2[2 + strlen(kind_names[k])] == '\0'))
			kind = k;
	if (!a || kind < 0 || !cb_token_equal(token, a->agg->callback_token(a->conf)) ||
	    !cb_flows[kind]) {
		http_reply_text(r, 404, "not found");
		return;
	}
	if (strcmp(http_req_method(r), "POST") != 0 &&
	    !(strcmp(http_req_method(r), "GET") == 0 && http_req_query(r))) {
		http_reply_text(r, 405, "method not allowed: use POST");
		return;
	}
	cb_flows[kind](app, a, r);
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

/* probes — GET /healthz (process alive), /readyz (database answers), /metrics. */
#include <event2/buffer.h>
#include <stdlib.h>

#include "app.h"
#include "log.h"
#include "metrics.h"

/* A readiness check: its request and the database unit it waits for. */
struct ready_check {
	struct http_req *req;
	struct db_req *q;
};

static void
healthz(struct http_req *r, void *arg)
{
	struct app *app = arg;
	if (app->draining)
		http_reply_text(r, 503, "stopping");
	else
		http_reply_text(r, 200, "ok");
}

static void
ready_done(void *arg, const struct db_result *res)
{
	struct ready_check *rc = arg;
	rc->q = NULL;
	if (res->ok)
		http_reply_text(rc->req, 200, "ready");
	else
		http_reply_text(rc->req, 503, "database unreachable");
}

static void
ready_free(void *arg)
{
	struct ready_check *rc = arg;
	db_cancel(rc->q);
	free(rc);
}

static void
ready_timeout(struct http_req *r, void *arg)
{
	http_reply_text(r, 503, "database unreachable");
}

static void
readyz(struct http_req *r, void *arg)
{
	struct app *app = arg;
	struct ready_check *rc;
	int ms = app->cfg->query_timeout_ms < 1000 ? app->cfg->query_timeout_ms : 1000;

	if (app->draining) {
		http_reply_text(r, 503, "stopping");
		return;
	}
	if (!(rc = calloc(1, sizeof(*rc)))) {
		http_reply_text(r, 503, "out of memory");
		return;
	}
	rc->req = r;
	http_req_on_free(r, ready_free, rc);
	http_req_set_deadline(r, ms + 100, ready_timeout, rc);
	rc->q = db_query(app->db, "SELECT 1", 0, NULL, ms, ready_done, rc);
	if (!rc->q)
		http_reply_text(r, 503, "out of memory");
}

static void
metrics(struct http_req *r, void *arg)
{
	struct app *app = arg;
	struct evbuffer *b = evbuffer_new();
	struct db_stats st;
	db_pool_stats(app->db, &st);
	metrics_render(b, &st);
	http_reply_buffer(r, 200, "text/plain; version=0.0.4; charset=utf-8", b);
	evbuffer_free(b);
}

int
probes_register(struct app *app)
{
	const struct http_route routes[] = {
		{"healthz", "/healthz", HTTP_GET | HTTP_HEAD, healthz, app},
		{"readyz", "/readyz", HTTP_GET | HTTP_HEAD, readyz, app},
		{"metrics", "/metrics", HTTP_GET, metrics, app},
	};
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (http_server_route(app->http, &routes[i]) < 0)
			return -1;
	return 0;
}

/*
 * app — the daemon's parts, wired together once in main.c: the loop, the configuration,
 * the catalogs, the database pool, the HTTP server and the adapters' configurations. Handlers
 * get a pointer to it; the pointers inside change only on reload (SIGHUP), between requests.
 */
#ifndef FOLLOWUP_APP_H
#define FOLLOWUP_APP_H

#include <event2/event.h>

#include "catalog.h"
#include "cfg.h"
#include "db.h"
#include "http.h"

#define APP_MAX_AGGS 8

struct aggregator;
struct outbox;
struct sched;
struct spool;

struct netacl;
struct ratelimit;

struct app_agg {
	const struct aggregator *agg;
	void *conf;                 /* the adapter's parsed configuration, or NULL */
	struct netacl *allow;       /* allow_from, or NULL: callbacks from anywhere */
};

struct app {
	struct event_base *base;
	struct cfg *cfg;
	struct catalog *cat;
	struct db_pool *db;
	struct http_server *http;
	struct app_agg aggs[APP_MAX_AGGS];
	size_t n_aggs;
	const struct app_agg *sender;   /* [sms] aggregator */
	struct outbox *outbox;
	struct sched *sched;
	struct spool *spool;            /* NULL when [spool] dir is empty */
	struct netacl *trusted;         /* [server] trusted_proxies */
	struct ratelimit *rl;           /* callbacks per source address */
	int draining;
};

/* Registers /healthz, /readyz and /metrics on app->http. 0 or -1. */
int probes_register(struct app *app) __attribute__((warn_unused_result));

/* The check-in scheduler (handlers/checkin_sched.c): a timer every [checkins] tick_seconds.
 * NULL on allocation failure. sched_free(NULL) is a no-op. */
struct sched *sched_new(struct app *app);
void sched_free(struct sched *s);

/* Registers the aggregator callbacks /cb/<name>/<token>/<kind>. 0 or -1. */
int callbacks_register(struct app *app) __attribute__((warn_unused_result));

#endif

/*
 * followupd — the Follow-up Gateway daemon: one libevent loop serving the aggregators'
 * callbacks and the probes, with PostgreSQL as the single source of truth. This file wires
 * the parts together and owns the process's life: arguments, signals (SIGTERM/SIGINT drain
 * and exit 0, SIGHUP reloads the configuration and catalogs), and systemd notification.
 */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "log.h"
#include "notify.h"
#include "netacl.h"
#include "outbox.h"
#include "ratelimit.h"
#include "spool.h"
#include "registry.h"

#define DRAIN_MAX_MS 10000

static const char usage[] =
	"usage: followupd -c FILE [-t] [-h] [-V]\n"
	"\n"
	"  -c FILE   configuration file (see followupd.conf(5))\n"
	"  -t        check the configuration and the message catalogs, then exit\n"
	"  -V        print the version\n"
	"  -h        this help\n"
	"\n"
	"Runs in the foreground and logs to stderr. SIGTERM/SIGINT: stop accepting, finish\n"
	"what is in flight, exit 0. SIGHUP: re-read the configuration and catalogs.\n";

struct daemon {
	struct app app;
	const char *config_path;
	struct event *sig_term, *sig_int, *sig_hup, *watchdog, *drain;
	struct timespec drain_start;
};

static int
load_config(const char *path, struct cfg **cfg, struct catalog **cat, char *err, size_t len)
{
	*cfg = cfg_load(path, agg_sections, agg_n_sections, err, len);
	if (!*cfg)
		return -1;
	*cat = cat_load((*cfg)->messages_dir, err, len);
	if (!*cat) {
		cfg_free(*cfg);
		*cfg = NULL;
		return -1;
	}
	return 0;
}

static void
free_aggs(struct app_agg *aggs, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		if (aggs[i].conf)
			aggs[i].agg->conf_free(aggs[i].conf);
		netacl_free(aggs[i].allow);
	}
}

/* Builds the adapters' configurations: every adapter whose section is present, plus the
 * sending one. */
static int
build_aggs(const struct cfg *cfg, struct app_agg *aggs, size_t *n, const struct app_agg **sender,
	   char *err, size_t len)
{
	*n = 0;
	*sender = NULL;
	for (size_t i = 0; i < agg_registry_len && i < APP_MAX_AGGS; i++) {
		const struct aggregator *agg = agg_registry[i];
		const struct cfg_values *v = cfg_section_values(cfg, agg->name);
		int is_sender = strcmp(cfg->aggregator, agg->name) == 0;
		char why[256];
		aggs[*n].agg = agg;
		aggs[*n].conf = NULL;
		aggs[*n].allow = NULL;
		if (v && (v->present || is_sender)) {
			aggs[*n].conf = agg->conf_new(v, why, sizeof(why));
			if (aggs[*n].conf && v->allow_from && *v->allow_from)
				aggs[*n].allow = netacl_parse(v->allow_from, why, sizeof(why));
			if (!aggs[*n].conf) {
				snprintf(err, len, "%s: [%s] %s", cfg->path, agg->name, why);
				free_aggs(aggs, *n);
				return -1;
			}
		}
		if (is_sender)
			*sender = &aggs[*n];
		(*n)++;
	}
	return 0;
}


/* The proxies and the per-address rate limit of [server]; replaces the old ones. */
static void
apply_callback_limits(struct app *app)
{
	char why[256];
	netacl_free(app->trusted);
	rl_free(app->rl);
	app->trusted = netacl_parse(app->cfg->trusted_proxies, why, sizeof(why));
	app->rl = rl_new(app->cfg->rate_limit, app->cfg->rate_burst, 4096);
}

static struct http_limits
limits_of(const struct cfg *c)
{
	struct http_limits l = {(size_t)c->body_limit, (size_t)c->header_limit, c->timeout_secs};
	return l;
}

static void
reload(struct daemon *d)
{
	struct app *app = &d->app;
	struct cfg *cfg;
	struct catalog *cat;
	struct app_agg aggs[APP_MAX_AGGS];
	const struct app_agg *sender;
	size_t n;
	char err[512];

	if (load_config(d->config_path, &cfg, &cat, err, sizeof(err)) < 0 ||
	    build_aggs(cfg, aggs, &n, &sender, err, sizeof(err)) < 0) {
		log_error("main", "reload failed; keeping the running configuration",
			  "reason=\"%s\"", err);
		if (cfg) {
			cfg_free(cfg);
			cat_free(cat);
		}
		return;
	}
	if (strcmp(cfg->listen, app->cfg->listen) != 0 ||
	    strcmp(cfg->conninfo, app->cfg->conninfo) != 0 ||
	    cfg->pool_size != app->cfg->pool_size)
		log_warn("main", "listen, conninfo and pool_size change only on restart", NULL);
	free_aggs(app->aggs, app->n_aggs);
	memcpy(app->aggs, aggs, sizeof(aggs));
	app->n_aggs = n;
	app->sender = sender ? &app->aggs[sender - aggs] : NULL;
	cfg_free(app->cfg);
	cat_free(app->cat);
	app->cfg = cfg;
	app->cat = cat;
	if (log_set_level_name(cfg->log_level) < 0)
		log_warn("main", "unknown log level", "level=%s", cfg->log_level);
	struct http_limits lim = limits_of(cfg);
	http_server_set_limits(app->http, &lim);
	apply_callback_limits(app);
	log_info("main", "configuration reloaded", "file=%s", d->config_path);
}

static void
on_drain_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct timespec now;
	size_t left = http_server_inflight(d->app.http) + outbox_inflight(d->app.outbox);
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - d->drain_start.tv_sec) * 1000 +
		  (now.tv_nsec - d->drain_start.tv_nsec) / 1000000;
	if (left == 0 || ms > DRAIN_MAX_MS) {
		if (left)
			log_warn("main", "drain time over; stopping with requests in flight",
				 "inflight=%zu", left);
		event_base_loopexit(d->app.base, NULL);
		return;
	}
	struct timeval tv = {0, 20000};
	evtimer_add(d->drain, &tv);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	if (sig == SIGHUP) {
		notify_send("RELOADING=1");
		reload(d);
		notify_send("READY=1");
		return;
	}
	if (d->app.draining)
		return;
	log_info("main", "stopping: draining requests in flight", "signal=%s inflight=%zu",
		 sig == SIGTERM ? "TERM" : "INT", http_server_inflight(d->app.http));
	notify_send("STOPPING=1");
	d->app.draining = 1;
	http_server_stop_accepting(d->app.http);
	outbox_stop(d->app.outbox);
	spool_stop(d->app.spool);
	clock_gettime(CLOCK_MONOTONIC, &d->drain_start);
	d->drain = evtimer_new(d->app.base, on_drain_tick, d);
	on_drain_tick(-1, 0, d);
}

static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	/* Sent from the loop itself: a stuck loop stops the pings and systemd restarts us. */
	notify_send("WATCHDOG=1");
}

static int
start(struct daemon *d)
{
	struct app *app = &d->app;
	char err[512], host[256];
	int port;

	if (log_set_level_name(app->cfg->log_level) < 0)
		return -1;
	if (cfg_split_hostport(app->cfg->listen, host, sizeof(host), &port) < 0)
		return -1;
	struct http_limits lim = limits_of(app->cfg);
	app->base = event_base_new();
	app->db = db_pool_new(app->base, app->cfg->conninfo, app->cfg->pool_size,
			      app->cfg->reconnect_max_ms);
	app->http = http_server_new(app->base, &lim);
	if (!app->base || !app->db || !app->http) {
		log_error("main", "out of memory at start-up", NULL);
		return -1;
	}
	apply_callback_limits(app);
	if (app->cfg->spool_dir && *app->cfg->spool_dir &&
	    !(app->spool = spool_new(app, app->cfg->spool_dir, err, sizeof(err)))) {
		log_error("main", "cannot open the spool", "reason=\"%s\"", err);
		return -1;
	}
	app->outbox = outbox_new(app);
	app->sched = sched_new(app);
	if (!app->outbox || !app->sched) {
		log_error("main", "cannot start the outbox sender", NULL);
		return -1;
	}
	if (probes_register(app) < 0 || callbacks_register(app) < 0) {
		log_error("main", "cannot register routes", NULL);
		return -1;
	}
	if (http_server_listen(app->http, host, port, app->cfg->reuse_port, err, sizeof(err)) <
	    0) {
		log_error("main", "cannot listen", "reason=\"%s\"", err);
		return -1;
	}
	d->sig_term = evsignal_new(app->base, SIGTERM, on_signal, d);
	d->sig_int = evsignal_new(app->base, SIGINT, on_signal, d);
	d->sig_hup = evsignal_new(app->base, SIGHUP, on_signal, d);
	event_add(d->sig_term, NULL);
	event_add(d->sig_int, NULL);
	event_add(d->sig_hup, NULL);
	long wd = notify_watchdog_ms();
	if (wd > 0) {
		struct timeval tv = {wd / 2000, (wd / 2 % 1000) * 1000};
		d->watchdog = event_new(app->base, -1, EV_PERSIST, on_watchdog, d);
		event_add(d->watchdog, &tv);
	}
	log_info("main", "listening", "addr=%s aggregator=%s pid=%ld", app->cfg->listen,
		 app->cfg->aggregator, (long)getpid());
	notify_send("READY=1");
	return 0;
}

static void
stop(struct daemon *d)
{
	struct app *app = &d->app;
	if (d->sig_term)
		event_free(d->sig_term), event_free(d->sig_int), event_free(d->sig_hup);
	if (d->watchdog)
		event_free(d->watchdog);
	if (d->drain)
		event_free(d->drain);
	http_server_free(app->http);
	sched_free(app->sched);
	spool_free(app->spool);
	outbox_free(app->outbox);
	db_pool_free(app->db);
	free_aggs(app->aggs, app->n_aggs);
	netacl_free(app->trusted);
	rl_free(app->rl);
	cat_free(app->cat);
	cfg_free(app->cfg);
	if (app->base)
		event_base_free(app->base);
}

int
main(int argc, char **argv)
{
	struct daemon d = {0};
	int check_only = 0, opt;
	char err[512];

	while ((opt = getopt(argc, argv, "c:thV")) != -1) {
		switch (opt) {
		case 'c': d.config_path = optarg; break;
		case 't': check_only = 1; break;
		case 'V': puts("followupd 0.1"); return 0;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (!d.config_path || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	if (load_config(d.config_path, &d.app.cfg, &d.app.cat, err, sizeof(err)) < 0 ||
	    build_aggs(d.app.cfg, d.app.aggs, &d.app.n_aggs, &d.app.sender, err, sizeof(err)) <
		    0) {
		fprintf(stderr, "followupd: %s\n", err);
		cfg_free(d.app.cfg);
		cat_free(d.app.cat);
		return 1;
	}
	if (check_only) {
		printf("followupd: %s: configuration ok\n", d.config_path);
		stop(&d);
		return 0;
	}
	int rc = start(&d) == 0 ? 0 : 1;
	if (rc == 0) {
		event_base_dispatch(d.app.base);
		log_info("main", "stopped", NULL);
	}
	stop(&d);
	return rc;
}

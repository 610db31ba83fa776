/* metrics — Prometheus text exposition; see metrics.h. */
#include "metrics.h"

#include <string.h>

static const double bucket_ms[] = {1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000};
#define N_BUCKETS (sizeof(bucket_ms) / sizeof(bucket_ms[0]))

/* Status codes get a slot each; anything else is counted under the last. */
static const int statuses[] = {200, 201, 204, 400, 403, 404, 405, 408, 413, 429, 500, 503, 0};
#define N_STATUS (sizeof(statuses) / sizeof(statuses[0]))

struct route_stats {
	const char *name;
	unsigned long long by_status[N_STATUS];
	unsigned long long other_status;
	unsigned long long buckets[N_BUCKETS];   /* cumulative when rendered */
	unsigned long long count;
	double sum_ms;
};

static struct route_stats routes[METRICS_MAX_ROUTES];
static int n_routes;
static struct metrics_counter *counters;

void
metrics_register_counter(struct metrics_counter *c)
{
	for (struct metrics_counter *k = counters; k; k = k->next)
		if (k == c)
			return;
	c->next = counters;
	counters = c;
}

int
metrics_route(const char *name)
{
	for (int i = 0; i < n_routes; i++)
		if (strcmp(routes[i].name, name) == 0)
			return i;
	if (n_routes == METRICS_MAX_ROUTES)
		return -1;
	routes[n_routes].name = name;
	return n_routes++;
}

void
metrics_observe(int route, int status, double ms)
{
	struct route_stats *r;
	size_t i;
	if (route < 0 || route >= n_routes)
		return;
	r = &routes[route];
	for (i = 0; i + 1 < N_STATUS && statuses[i] != status; i++)
		;
	if (i + 1 < N_STATUS)
		r->by_status[i]++;
	else
		r->other_status++;
	for (i = 0; i < N_BUCKETS; i++)
		if (ms <= bucket_ms[i]) {
			r->buckets[i]++;
			break;
		}
	r->count++;
	r->sum_ms += ms;
}

unsigned long long
metrics_count(const char *route, int status)
{
	for (int k = 0; k < n_routes; k++) {
		if (strcmp(routes[k].name, route) != 0)
			continue;
		for (size_t i = 0; i + 1 < N_STATUS; i++)
			if (statuses[i] == status)
				return routes[k].by_status[i];
	}
	return 0;
}

void
metrics_render(struct evbuffer *out, const struct db_stats *db)
{
	evbuffer_add_printf(out, "# HELP followup_http_requests_total HTTP requests answered, "
				 "by route and status.\n"
				 "# TYPE followup_http_requests_total counter\n");
	for (int k = 0; k < n_routes; k++) {
		for (size_t i = 0; i + 1 < N_STATUS; i++)
			if (routes[k].by_status[i])
				evbuffer_add_printf(out,
						    "followup_http_requests_total{route=\"%s\","
						    "status=\"%d\"} %llu\n",
						    routes[k].name, statuses[i],
						    routes[k].by_status[i]);
		if (routes[k].other_status)
			evbuffer_add_printf(out,
					    "followup_http_requests_total{route=\"%s\","
					    "status=\"other\"} %llu\n",
					    routes[k].name, routes[k].other_status);
	}
	evbuffer_add_printf(out, "# HELP followup_http_request_duration_seconds Time from a "
				 "request's arrival to its answer.\n"
				 "# TYPE followup_http_request_duration_seconds histogram\n");
	for (int k = 0; k < n_routes; k++) {
		unsigned long long cum = 0;
		if (!routes[k].count)
			continue;
		for (size_t i = 0; i < N_BUCKETS; i++) {
			cum += routes[k].buckets[i];
			evbuffer_add_printf(out,
					    "followup_http_request_duration_seconds_bucket{route="
					    "\"%s\",le=\"%g\"} %llu\n",
					    routes[k].name, bucket_ms[i] / 1000.0, cum);
		}
		evbuffer_add_printf(out,
				    "followup_http_request_duration_seconds_bucket{route=\"%s\","
				    "le=\"+Inf\"} %llu\n"
				    "followup_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
				    "followup_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
				    routes[k].name, routes[k].count, routes[k].name,
				    routes[k].sum_ms / 1000.0, routes[k].name, routes[k].count);
	}
	if (db) {
		evbuffer_add_printf(
			out,
			"# HELP followup_db_connections Database connections by state.\n"
			"# TYPE followup_db_connections gauge\n"
			"followup_db_connections{state=\"configured\"} %d\n"
			"followup_db_connections{state=\"connected\"} %d\n"
			"followup_db_connections{state=\"busy\"} %d\n"
			"followup_db_connections{state=\"connecting\"} %d\n"
			"# HELP followup_db_queue_length Units of work waiting for a connection.\n"
			"# TYPE followup_db_queue_length gauge\n"
			"followup_db_queue_length %zu\n"
			"# HELP followup_db_units_total Units of work finished, by outcome.\n"
			"# TYPE followup_db_units_total counter\n"
			"followup_db_units_total{outcome=\"ok\"} %llu\n"
			"followup_db_units_total{outcome=\"failed\"} %llu\n"
			"# HELP followup_db_timeouts_total Units of work that passed their deadline.\n"
			"# TYPE followup_db_timeouts_total counter\n"
			"followup_db_timeouts_total %llu\n"
			"# HELP followup_db_reconnects_total Connections closed and remade.\n"
			"# TYPE followup_db_reconnects_total counter\n"
			"followup_db_reconnects_total %llu\n",
			db->size, db->connected, db->busy, db->connecting, db->queued, db->units_ok,
			db->units_failed, db->timeouts, db->reconnects);
	}
	const char *last = NULL;
	for (struct metrics_counter *c = counters; c; c = c->next) {
		if (!last || strcmp(last, c->name) != 0)
			evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s counter\n", c->name,
					    c->help, c->name);
		last = c->name;
		if (c->labels)
			evbuffer_add_printf(out, "%s{%s} %llu\n", c->name, c->labels, c->value);
		else
			evbuffer_add_printf(out, "%s %llu\n", c->name, c->value);
	}
}

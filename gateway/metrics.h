/*
 * metrics — the process's counters in Prometheus text format for GET /metrics: HTTP requests
 * by route and status, a latency histogram per route, database pool gauges, and counters that
 * other modules register. One registry per process (there is one loop and one thread).
 */
#ifndef FOLLOWUP_METRICS_H
#define FOLLOWUP_METRICS_H

#include <event2/buffer.h>

#include "db.h"

#define METRICS_MAX_ROUTES 24

/* A counter a module owns and bumps directly; metrics_register_counter links it (borrowed,
 * it must live as long as the process). labels may be NULL or like "kind=\"sms\"". */
struct metrics_counter {
	const char *name, *help, *labels;
	unsigned long long value;
	struct metrics_counter *next;
};

void metrics_register_counter(struct metrics_counter *c);

/* Returns the index of a route name (registered on first use), or -1 when full. */
int metrics_route(const char *name);

/* Records one answered request. */
void metrics_observe(int route, int status, double ms);

/* The count recorded for (route name, status); for tests and logs. */
unsigned long long metrics_count(const char *route, int status);

/* Appends the exposition text; db may be NULL. */
void metrics_render(struct evbuffer *out, const struct db_stats *db);

#endif

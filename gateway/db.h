/*
 * db — an asynchronous PostgreSQL pool driven by the libevent loop (ARCHITECTURE rule 1).
 * N connections made with PQconnectStart/PQconnectPoll, a FIFO of waiting units of work, and
 * each unit sent in libpq's pipeline mode: its statements (wrapped in BEGIN/COMMIT when it is a
 * transaction) and a sync point go out in one round trip, and the results come back through
 * PQconsumeInput/PQgetResult as the socket turns readable. Every unit has a deadline; when it
 * passes, the unit completes with an error and, if it was on the wire, its connection is closed
 * and remade (PostgreSQL 15's libpq has no non-blocking cancel). Lost connections are remade
 * with exponential back-off. Parameters are always sent out of line (never formatted into SQL).
 */
#ifndef FOLLOWUP_DB_H
#define FOLLOWUP_DB_H

#include <event2/event.h>
#include <libpq-fe.h>
#include <stddef.h>

struct db_pool;
struct db_unit;
struct db_req;

#define DB_MAX_STMTS 16
#define DB_MAX_PARAMS 24

/* The outcome of a unit, borrowed for the completion callback only. */
struct db_result {
	int ok;                  /* 1: every statement succeeded (and the transaction committed) */
	int timed_out;           /* the deadline passed */
	const char *error;       /* one line, or NULL */
	const char *sqlstate;    /* of the failing statement, or NULL */
	size_t n;                /* statements of the unit (BEGIN/COMMIT not counted) */
	PGresult *const *res;    /* res[i] for statement i; NULL where it did not run */
};

typedef void (*db_done_fn)(void *arg, const struct db_result *r);

/* Takes result i out of r during the callback: the caller owns it then (PQclear), and the
 * pool does not free it. NULL when statement i has no result. */
PGresult *db_result_take(const struct db_result *r, size_t i);

struct db_stats {
	int size, connected, busy, connecting;
	size_t queued;
	unsigned long long units_ok, units_failed, timeouts, reconnects;
};

/* Creates a pool of size connections to conninfo (copied) and starts connecting. Returns
 * NULL on allocation failure only; an unreachable server is retried in the background. */
struct db_pool *db_pool_new(struct event_base *base, const char *conninfo, int size,
			    int reconnect_max_ms);

/* Fails every waiting unit (callbacks run) and closes the connections. NULL is a no-op. */
void db_pool_free(struct db_pool *p);

/* Called for every notification (LISTEN/NOTIFY) that arrives on any connection; borrowed. */
typedef void (*db_notify_fn)(void *arg, const char *channel, const char *payload);

/* Makes every connection, as it comes up, run "LISTEN channel" before it takes work, and
 * routes notifications to fn. channel must be a plain identifier. Call before the loop runs.
 * Returns 0, or -1 for a bad channel name. */
int db_pool_listen(struct db_pool *p, const char *channel, db_notify_fn fn, void *arg)
	__attribute__((warn_unused_result));

/* 1 when at least one connection is up. */
int db_pool_connected(const struct db_pool *p);

void db_pool_stats(const struct db_pool *p, struct db_stats *s);

/* A new unit of work; as_tx wraps its statements in BEGIN ... COMMIT. */
struct db_unit *db_unit_new(int as_tx);

/* Adds a statement with its text parameters (copied; NULL is SQL NULL). 0, or -1 when the
 * unit is full or a parameter count is too large. */
int db_unit_add(struct db_unit *u, const char *sql, int nparams, const char *const *params)
	__attribute__((warn_unused_result));

void db_unit_free(struct db_unit *u);

/* Queues the unit (taken) with a deadline; done runs exactly once, never inside this call,
 * unless the request is cancelled first. Returns a handle valid until done runs or
 * db_cancel() is called. */
struct db_req *db_submit(struct db_pool *p, struct db_unit *u, int timeout_ms, db_done_fn done,
			 void *arg);

/* One statement, not in a transaction: a shorthand for db_unit_new + add + submit. */
struct db_req *db_query(struct db_pool *p, const char *sql, int nparams,
			const char *const *params, int timeout_ms, db_done_fn done, void *arg);

/* Forgets the request: its callback will not run. A unit already on the wire still finishes
 * (or is rolled back by the server) but its result is dropped. */
void db_cancel(struct db_req *r);

#endif

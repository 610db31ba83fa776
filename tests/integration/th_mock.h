/*
 * th_mock — a loopback HTTP server for tests that stands in for an aggregator's API: libevent's
 * evhttp on 127.0.0.1 (a free port), running in a background thread so a test can drive its
 * own event loop (or block) meanwhile. It records every request and answers from a
 * programmable sequence of replies (status, body, delay), or from a handler function.
 * Linked into every integration test binary (files named th_*.c are).
 */
#ifndef FOLLOWUP_TH_MOCK_H
#define FOLLOWUP_TH_MOCK_H

#include <stddef.h>

struct th_mock;

/* A recorded request. Owned by the mock; stable until th_mock_stop(). */
struct th_mock_req {
	char *method; /* "GET", "POST", ... */
	char *uri;    /* path and query as sent: "/version1/messaging?x=1" */
	char *body;   /* NUL-terminated (may hold NULs before body_len) */
	size_t body_len;
	char **names, **values; /* request headers in arrival order */
	size_t n_headers;
	int peer_port; /* the client's port: equal ports, same TCP connection */
};

/* One answer. Strings are borrowed by the call that takes the reply (and copied). */
struct th_mock_reply {
	int status;               /* 0: 200 */
	const char *body;         /* NULL: empty */
	size_t body_len;          /* 0: strlen(body) */
	const char *content_type; /* NULL: text/plain */
	int delay_ms;             /* wait this long before answering (the loop keeps serving) */
};

/* Decides the answer to rq (called on the mock's thread; fill *out). */
typedef void th_mock_fn(const struct th_mock_req *rq, struct th_mock_reply *out, void *arg);

/* Starts a mock on a free loopback port. NULL on failure. */
struct th_mock *th_mock_start(void);
/* Stops the thread, closes every connection (pending delayed answers are dropped) and
 * frees everything. NULL is a no-op. */
void th_mock_stop(struct th_mock *m);

/* "http://127.0.0.1:PORT" (no trailing slash) and the port. */
const char *th_mock_url(const struct th_mock *m);
int th_mock_port(const struct th_mock *m);

/* Queues an answer for the next request without one; answers are used in order, once. */
void th_mock_push(struct th_mock *m, const struct th_mock_reply *r);
/* Shorthand for th_mock_push of a text/plain answer. */
void th_mock_push_simple(struct th_mock *m, int status, const char *body, int delay_ms);
/* The answer when the queue is empty (initially 200 with an empty body). */
void th_mock_set_default(struct th_mock *m, const struct th_mock_reply *r);
/* When fn is not NULL it decides every answer, ahead of the queue. */
void th_mock_set_handler(struct th_mock *m, th_mock_fn *fn, void *arg);

/* Requests received so far, and TCP connections accepted so far. */
size_t th_mock_count(struct th_mock *m);
size_t th_mock_connections(struct th_mock *m);
/* Request i (0-based) in arrival order, or NULL when there is none yet. */
const struct th_mock_req *th_mock_req(struct th_mock *m, size_t i);
/* The first value of a request header (case-insensitive), or NULL. */
const char *th_mock_header(const struct th_mock_req *r, const char *name);
/* Waits until at least n requests arrived. 0, or -1 after timeout_ms. */
int th_mock_wait(struct th_mock *m, size_t n, int timeout_ms);

#endif

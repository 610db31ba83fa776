/*
 * http — the HTTP server of followupd on libevent's evhttp: a routing table, limits (body,
 * headers, connection timeouts), and requests answered later, from whatever callback finishes
 * their work. Every request has a deadline: when it passes, the route's timeout function
 * answers (a USSD busy screen, a 503), so no request waits forever. A request is freed right
 * after its answer; its cleanup hook runs then, which is where handlers cancel the work they
 * still have in flight, so that each request has exactly one completion.
 */
#ifndef FOLLOWUP_HTTP_H
#define FOLLOWUP_HTTP_H

#include <event2/event.h>
#include <stddef.h>

struct http_server;
struct http_req;

enum http_method { HTTP_GET = 1, HTTP_POST = 2, HTTP_HEAD = 4 };

typedef void (*http_handler_fn)(struct http_req *r, void *arg);

struct http_route {
	const char *name;      /* label in /metrics */
	const char *path;      /* exact path; a path ending in '/' matches as a prefix */
	unsigned methods;      /* HTTP_GET | HTTP_POST ...; others get 405 */
	http_handler_fn fn;
	void *arg;
};

struct http_limits {
	size_t body_limit, header_limit;
	int timeout_secs;          /* idle connection and default request deadline */
};

/* A server on base. Returns NULL on allocation failure. */
struct http_server *http_server_new(struct event_base *base, const struct http_limits *lim);

/* Applies new limits (SIGHUP) to new requests. */
void http_server_set_limits(struct http_server *s, const struct http_limits *lim);

/* Adds a route (copied); routes are matched in the order added. 0, or -1 when full. */
int http_server_route(struct http_server *s, const struct http_route *rt)
	__attribute__((warn_unused_result));

/* Listens on host:port; with reuse_port several processes can share the port. 0 or -1 with
 * a reason in err. */
int http_server_listen(struct http_server *s, const char *host, int port, int reuse_port,
		       char *err, size_t errlen) __attribute__((warn_unused_result));

/* Stops accepting connections (drain); requests in flight go on. */
void http_server_stop_accepting(struct http_server *s);

/* Requests received and not yet answered. */
size_t http_server_inflight(const struct http_server *s);

/* Frees the server and its connections. Requests in flight must have been answered. */
void http_server_free(struct http_server *s);

/* ---- one request (borrowed by handlers until they answer it) ---- */

const char *http_req_method(const struct http_req *r);
const char *http_req_path(const struct http_req *r);     /* without the query */
const char *http_req_query(const struct http_req *r);    /* or NULL */
const char *http_req_header(const struct http_req *r, const char *name);
/* The body, NUL-terminated (it may hold NULs; use the length). */
const char *http_req_body(const struct http_req *r, size_t *len);
const char *http_req_peer(const struct http_req *r);     /* "127.0.0.1" */
struct event_base *http_req_base(const struct http_req *r);

/* Replaces the default deadline: after ms, on_timeout(r, arg) runs and must answer. */
void http_req_set_deadline(struct http_req *r, int ms, http_handler_fn on_timeout, void *arg);

/* Registers fn(arg) to run when the request is freed (after its answer). One per request. */
void http_req_on_free(struct http_req *r, void (*fn)(void *arg), void *arg);

/* Answers with status, a content type and a body (copied); frees the request. Exactly once. */
void http_reply(struct http_req *r, int status, const char *content_type, const char *body,
		size_t len);

/* Answers with a one-line text/plain reason. */
void http_reply_text(struct http_req *r, int status, const char *text);

/* Answers with the bytes of an evbuffer (drained). */
struct evbuffer;
void http_reply_buffer(struct http_req *r, int status, const char *content_type,
		       struct evbuffer *body);

#endif

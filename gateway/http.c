/* http — evhttp server with routes, limits and deadlines; see http.h. */
#include "http.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "metrics.h"

#define HTTP_MAX_ROUTES 16

struct route {
	struct http_route r;
	int metric;
	size_t plen;
};

struct http_server {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct http_limits lim;
	struct route routes[HTTP_MAX_ROUTES];
	size_t n_routes;
	size_t inflight;
	int metric_unknown;
};

struct http_req {
	struct http_server *srv;
	struct evhttp_request *ev;
	const struct route *route;
	int metric;
	struct timespec start;
	struct event *deadline;
	http_handler_fn on_timeout;
	void *timeout_arg;
	void (*free_fn)(void *);
	void *free_arg;
	char *path, *query, *body;
	size_t body_len;
	char peer[64];
};

static double
elapsed_ms(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The path for a log line: callback tokens (the segment after /cb/<name>/) are secrets. */
static void
loggable_path(const char *path, char *out, size_t len)
{
	if (strncmp(path, "/cb/", 4) == 0) {
		const char *name_end = strchr(path + 4, '/');
		if (name_end) {
			const char *tok_end = strchr(name_end + 1, '/');
			snprintf(out, len, "%.*s/***%s", (int)(name_end - path), path,
				 tok_end ? tok_end : "");
			return;
		}
	}
	log_quote(out, len, path);
}

static void
req_free(struct http_req *r)
{
	if (r->free_fn)
		r->free_fn(r->free_arg);
	if (r->deadline)
		event_free(r->deadline);
	free(r->path), free(r->query), free(r->body);
	r->srv->inflight--;
	free(r);
}

void
http_reply_buffer(struct http_req *r, int status, const char *content_type,
		  struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->ev);
	double ms = elapsed_ms(&r->start);
	char lp[256];

	if (content_type)
		evhttp_add_header(h, "Content-Type", content_type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(r->ev, status, NULL, body);
	metrics_observe(r->metric, status, ms);
	if (log_min_level <= LOG_DEBUG) {
		loggable_path(r->path, lp, sizeof(lp));
		log_debug("http", "request", "method=%s path=\"%s\" status=%d ms=%.1f peer=%s",
			  http_req_method(r), lp, status, ms, r->peer);
	}
	req_free(r);
}

void
http_reply(struct http_req *r, int status, const char *content_type, const char *body,
	   size_t len)
{
	struct evbuffer *b = evbuffer_new();
	if (b && body && len)
		evbuffer_add(b, body, len);
	http_reply_buffer(r, status, content_type, b);
	evbuffer_free(b);
}

void
http_reply_text(struct http_req *r, int status, const char *text)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s\n", text);
	http_reply(r, status, "text/plain; charset=utf-8", line,
		   n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct http_req *r = arg;
	if (r->on_timeout) {
		r->on_timeout(r, r->timeout_arg);
		return;
	}
	http_reply_text(r, 503, "timed out; try again later");
}

void
http_req_set_deadline(struct http_req *r, int ms, http_handler_fn on_timeout, void *arg)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	r->on_timeout = on_timeout;
	r->timeout_arg = arg;
	evtimer_add(r->deadline, &tv);
}

void
http_req_on_free(struct http_req *r, void (*fn)(void *), void *arg)
{
	r->free_fn = fn;
	r->free_arg = arg;
}

const char *
http_req_method(const struct http_req *r)
{
	switch (evhttp_request_get_command(r->ev)) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "OTHER";
	}
}

const char *
http_req_path(const struct http_req *r)
{
	return r->path;
}

const char *
http_req_query(const struct http_req *r)
{
	return r->query;
}

const char *
http_req_header(const struct http_req *r, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(r->ev), name);
}

const char *
http_req_body(const struct http_req *r, size_t *len)
{
	if (len)
		*len = r->body_len;
	return r->body;
}

const char *
http_req_peer(const struct http_req *r)
{
	return r->peer;
}

struct event_base *
http_req_base(const struct http_req *r)
{
	return r->srv->base;
}

static unsigned
method_bit(enum evhttp_cmd_type t)
{
	return t == EVHTTP_REQ_GET ? HTTP_GET : t == EVHTTP_REQ_POST ? HTTP_POST
		: t == EVHTTP_REQ_HEAD ? HTTP_HEAD : 0;
}

static const struct route *
match(const struct http_server *s, const char *path)
{
	for (size_t i = 0; i < s->n_routes; i++) {
		const struct route *rt = &s->routes[i];
		if (rt->r.path[rt->plen - 1] == '/' ? strncmp(path, rt->r.path, rt->plen) == 0
						     : strcmp(path, rt->r.path) == 0)
			return rt;
	}
	return NULL;
}

static void
on_request(struct evhttp_request *ev, void *arg)
{
	struct http_server *s = arg;
	struct http_req *r = calloc(1, sizeof(*r));
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
	struct evbuffer *in = evhttp_request_get_input_buffer(ev);
	struct evhttp_connection *conn = evhttp_request_get_connection(ev);
	const char *raw_path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
	char *addr = NULL;
	ev_uint16_t port = 0;

	if (!r) {
		evhttp_send_error(ev, 503, NULL);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	r->srv = s;
	r->ev = ev;
	s->inflight++;
	r->metric = s->metric_unknown;
	r->deadline = evtimer_new(s->base, on_deadline, r);
	r->path = evhttp_uridecode(raw_path && *raw_path ? raw_path : "/", 0, NULL);
	r->query = q ? strdup(q) : NULL;
	r->body_len = evbuffer_get_length(in);
	r->body = malloc(r->body_len + 1);
	if (conn)
		evhttp_connection_get_peer(conn, &addr, &port);
	snprintf(r->peer, sizeof(r->peer), "%s", addr ? addr : "-");
	if (!r->path || !r->body || !r->deadline) {
		http_reply_text(r, 503, "out of memory");
		return;
	}
	evbuffer_copyout(in, r->body, r->body_len);
	r->body[r->body_len] = '\0';
	const struct route *rt = match(s, r->path);
	struct timeval tv = {s->lim.timeout_secs, 0};
	evtimer_add(r->deadline, &tv);
	if (!rt) {
		http_reply_text(r, 404, "not found");
		return;
	}
	r->route = rt;
	r->metric = rt->metric;
	if (!(method_bit(evhttp_request_get_command(ev)) & rt->r.methods)) {
		char allow[32] = "";
		if (rt->r.methods & HTTP_GET)
			strcat(allow, "GET, HEAD");
		if (rt->r.methods & HTTP_POST)
			strcat(allow, allow[0] ? ", POST" : "POST");
		evhttp_add_header(evhttp_request_get_output_headers(ev), "Allow", allow);
		http_reply_text(r, 405, "method not allowed");
		return;
	}
	rt->r.fn(r, rt->r.arg);
}

struct http_server *
http_server_new(struct event_base *base, const struct http_limits *lim)
{
	struct http_server *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->base = base;
	s->http = evhttp_new(base);
	if (!s->http) {
		free(s);
		return NULL;
	}
	/* Every method reaches us, so that a wrong one is a 405 rather than evhttp's 501. */
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH |
						    EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
	evhttp_set_gencb(s->http, on_request, s);
	s->metric_unknown = metrics_route("unknown");
	http_server_set_limits(s, lim);
	return s;
}

void
http_server_set_limits(struct http_server *s, const struct http_limits *lim)
{
	s->lim = *lim;
	evhttp_set_max_body_size(s->http, (ev_ssize_t)lim->body_limit);
	evhttp_set_max_headers_size(s->http, (ev_ssize_t)lim->header_limit);
	evhttp_set_timeout(s->http, lim->timeout_secs);
}

int
http_server_route(struct http_server *s, const struct http_route *rt)
{
	if (s->n_routes == HTTP_MAX_ROUTES)
		return -1;
	s->routes[s->n_routes].r = *rt;
	s->routes[s->n_routes].plen = strlen(rt->path);
	s->routes[s->n_routes].metric = metrics_route(rt->name);
	s->n_routes++;
	return 0;
}

int
http_server_listen(struct http_server *s, const char *host, int port, int reuse_port,
		   char *err, size_t errlen)
{
	struct evutil_addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
					.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_ADDRCONFIG};
	struct evutil_addrinfo *ai = NULL;
	char ports[8];
	unsigned flags = LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;
	struct evconnlistener *l;
	int rc;

	snprintf(ports, sizeof(ports), "%d", port);
	rc = evutil_getaddrinfo(host, ports, &hints, &ai);
	if (rc != 0 || !ai) {
		snprintf(err, errlen, "cannot resolve %s: %s", host, evutil_gai_strerror(rc));
		return -1;
	}
	if (reuse_port)
		flags |= LEV_OPT_REUSEABLE_PORT;
	l = evconnlistener_new_bind(s->base, NULL, NULL, flags, 128, ai->ai_addr,
				    (int)ai->ai_addrlen);
	evutil_freeaddrinfo(ai);
	if (!l) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port,
			 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		return -1;
	}
	s->bound = evhttp_bind_listener(s->http, l);
	if (!s->bound) {
		evconnlistener_free(l);
		snprintf(err, errlen, "cannot bind evhttp to %s:%d", host, port);
		return -1;
	}
	return 0;
}

void
http_server_stop_accepting(struct http_server *s)
{
	if (s->bound) {
		evhttp_del_accept_socket(s->http, s->bound);
		s->bound = NULL;
	}
}

size_t
http_server_inflight(const struct http_server *s)
{
	return s->inflight;
}

void
http_server_free(struct http_server *s)
{
	if (!s)
		return;
	evhttp_free(s->http);
	free(s);
}

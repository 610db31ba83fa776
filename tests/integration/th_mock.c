/* th_mock — loopback mock HTTP server in a thread; see th_mock.h. */
#include "th_mock.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* An owned copy of a reply. */
struct slot {
	int status;
	char *body;
	size_t body_len;
	char *content_type;
	int delay_ms;
};

/* An answer waiting for its delay; the list lets stop drop those still waiting. */
struct pending {
	struct th_mock *m;
	struct evhttp_request *req;
	struct slot reply;
	struct event *timer;
	struct pending *next;
};

struct th_mock {
	struct event_base *base;
	struct evhttp *http;
	struct event *stop_ev;
	int stop_pipe[2];
	pthread_t thread;
	int port;
	char url[64];
	struct pending *pending; /* touched by the mock thread only */

	pthread_mutex_t mu; /* guards everything below */
	pthread_cond_t cond;
	struct th_mock_req **reqs;
	size_t n_reqs, cap_reqs;
	size_t connections;
	struct slot *queue;
	size_t n_queue, cap_queue;
	struct slot dflt;
	th_mock_fn *fn;
	void *fn_arg;
};

static char *
dup_mem(const char *p, size_t n)
{
	char *s = malloc(n + 1);
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static struct slot
slot_from(const struct th_mock_reply *r)
{
	struct slot s;
	const char *body = r->body ? r->body : "";
	s.status = r->status ? r->status : 200;
	s.body_len = r->body_len ? r->body_len : strlen(body);
	s.body = dup_mem(body, s.body_len);
	s.content_type = strdup(r->content_type ? r->content_type : "text/plain");
	s.delay_ms = r->delay_ms;
	return s;
}

static struct slot
slot_copy(const struct slot *o)
{
	struct slot s = *o;
	s.body = dup_mem(o->body, o->body_len);
	s.content_type = strdup(o->content_type);
	return s;
}

static void
slot_clear(struct slot *s)
{
	free(s->body);
	free(s->content_type);
	s->body = s->content_type = NULL;
}

static void
send_reply(struct evhttp_request *req, struct slot *s)
{
	struct evbuffer *b = evbuffer_new();
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", s->content_type);
	evbuffer_add(b, s->body, s->body_len);
	/* If the client went away meanwhile, libevent detached the request and frees it here. */
	evhttp_send_reply(req, s->status, NULL, b);
	evbuffer_free(b);
}

static void
pending_fire(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg, **pp;
	for (pp = &p->m->pending; *pp != p; pp = &(*pp)->next)
		;
	*pp = p->next;
	send_reply(p->req, &p->reply);
	slot_clear(&p->reply);
	event_free(p->timer);
	free(p);
}

static const char *
method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	}
	return "?";
}

static struct th_mock_req *
record(struct evhttp_request *req)
{
	struct th_mock_req *r = calloc(1, sizeof(*r));
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct evkeyval *kv;
	size_t n = 0;
	char *addr = NULL;
	ev_uint16_t port = 0;

	r->method = strdup(method_name(evhttp_request_get_command(req)));
	r->uri = strdup(evhttp_request_get_uri(req));
	r->body_len = evbuffer_get_length(in);
	r->body = malloc(r->body_len + 1);
	evbuffer_copyout(in, r->body, r->body_len);
	r->body[r->body_len] = '\0';
	/* keyvalq_struct.h has the TAILQ fields but not the macros */
	for (kv = h->tqh_first; kv; kv = kv->next.tqe_next)
		n++;
	r->names = calloc(n + 1, sizeof(char *));
	r->values = calloc(n + 1, sizeof(char *));
	for (kv = h->tqh_first; kv; kv = kv->next.tqe_next) {
		r->names[r->n_headers] = strdup(kv->key);
		r->values[r->n_headers++] = strdup(kv->value);
	}
	evhttp_connection_get_peer(evhttp_request_get_connection(req), &addr, &port);
	r->peer_port = port;
	return r;
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct th_mock *m = arg;
	struct th_mock_req *r = record(req);
	struct slot s = {0};
	th_mock_fn *fn;
	void *fn_arg;

	pthread_mutex_lock(&m->mu);
	if (m->n_reqs == m->cap_reqs) {
		m->cap_reqs = m->cap_reqs ? 2 * m->cap_reqs : 16;
		m->reqs = realloc(m->reqs, m->cap_reqs * sizeof(*m->reqs));
	}
	m->reqs[m->n_reqs++] = r;
	fn = m->fn, fn_arg = m->fn_arg;
	if (fn) {
		/* called below, unlocked, so it may use th_mock_count() and friends */
	} else if (m->n_queue > 0) {
		s = m->queue[0];
		memmove(m->queue, m->queue + 1, --m->n_queue * sizeof(*m->queue));
	} else {
		s = slot_copy(&m->dflt);
	}
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->mu);
	if (fn) {
		struct th_mock_reply out = {0};
		fn(r, &out, fn_arg);
		s = slot_from(&out);
	}

	if (s.delay_ms > 0) {
		struct pending *p = calloc(1, sizeof(*p));
		struct timeval tv = {s.delay_ms / 1000, (s.delay_ms % 1000) * 1000};
		p->m = m, p->req = req, p->reply = s;
		p->timer = evtimer_new(m->base, pending_fire, p);
		p->next = m->pending;
		m->pending = p;
		evtimer_add(p->timer, &tv);
		return;
	}
	send_reply(req, &s);
	slot_clear(&s);
}

/* evhttp asks for one bufferevent per accepted connection: the place to count them. */
static struct bufferevent *
on_connection(struct event_base *base, void *arg)
{
	struct th_mock *m = arg;
	pthread_mutex_lock(&m->mu);
	m->connections++;
	pthread_mutex_unlock(&m->mu);
	return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
}

static void
on_stop(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

static void *
run(void *arg)
{
	struct th_mock *m = arg;
	event_base_dispatch(m->base);
	return NULL;
}

struct th_mock *
th_mock_start(void)
{
	struct th_mock *m = calloc(1, sizeof(*m));
	struct evhttp_bound_socket *bound;
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cond, NULL);
	m->dflt = slot_from(&(struct th_mock_reply){.status = 200});
	m->base = event_base_new();
	m->http = evhttp_new(m->base);
	if (!m->base || !m->http || pipe2(m->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		goto fail;
	evhttp_set_gencb(m->http, on_request, m);
	evhttp_set_bevcb(m->http, on_connection, m);
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
	                                        EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	                                        EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS);
	bound = evhttp_bind_socket_with_handle(m->http, "127.0.0.1", 0);
	if (!bound ||
	    getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&sin, &sl) != 0)
		goto fail;
	m->port = ntohs(sin.sin_port);
	snprintf(m->url, sizeof(m->url), "http://127.0.0.1:%d", m->port);
	m->stop_ev = event_new(m->base, m->stop_pipe[0], EV_READ, on_stop, m->base);
	event_add(m->stop_ev, NULL);
	if (pthread_create(&m->thread, NULL, run, m) != 0)
		goto fail;
	return m;
fail:
	fprintf(stderr, "th_mock_start: %s\n", strerror(errno));
	if (m->http)
		evhttp_free(m->http);
	if (m->stop_ev)
		event_free(m->stop_ev);
	if (m->base)
		event_base_free(m->base);
	slot_clear(&m->dflt);
	free(m);
	return NULL;
}

static void
req_free(struct th_mock_req *r)
{
	for (size_t i = 0; i < r->n_headers; i++)
		free(r->names[i]), free(r->values[i]);
	free(r->names), free(r->values);
	free(r->method), free(r->uri), free(r->body);
	free(r);
}

void
th_mock_stop(struct th_mock *m)
{
	if (!m)
		return;
	if (write(m->stop_pipe[1], "x", 1) != 1)
		fprintf(stderr, "th_mock_stop: %s\n", strerror(errno));
	pthread_join(m->thread, NULL);
	/* The thread is gone: the base is ours now. Delayed answers are dropped unsent. */
	while (m->pending) {
		struct pending *p = m->pending;
		m->pending = p->next;
		event_free(p->timer);
		slot_clear(&p->reply);
		free(p);
	}
	evhttp_free(m->http);
	event_free(m->stop_ev);
	event_base_free(m->base);
	close(m->stop_pipe[0]), close(m->stop_pipe[1]);
	for (size_t i = 0; i < m->n_reqs; i++)
		req_free(m->reqs[i]);
	free(m->reqs);
	for (size_t i = 0; i < m->n_queue; i++)
		slot_clear(&m->queue[i]);
	free(m->queue);
	slot_clear(&m->dflt);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

const char *
th_mock_url(const struct th_mock *m)
{
	return m->url;
}

int
th_mock_port(const struct th_mock *m)
{
	return m->port;
}

void
th_mock_push(struct th_mock *m, const struct th_mock_reply *r)
{
	pthread_mutex_lock(&m->mu);
	if (m->n_queue == m->cap_queue) {
		m->cap_queue = m->cap_queue ? 2 * m->cap_queue : 8;
		m->queue = realloc(m->queue, m->cap_queue * sizeof(*m->queue));
	}
	m->queue[m->n_queue++] = slot_from(r);
	pthread_mutex_unlock(&m->mu);
}

void
th_mock_push_simple(struct th_mock *m, int status, const char *body, int delay_ms)
{
	th_mock_push(m,
	             &(struct th_mock_reply){.status = status, .body = body, .delay_ms = delay_ms});
}

void
th_mock_set_default(struct th_mock *m, const struct th_mock_reply *r)
{
	struct slot s = slot_from(r);
	pthread_mutex_lock(&m->mu);
	slot_clear(&m->dflt);
	m->dflt = s;
	pthread_mutex_unlock(&m->mu);
}

void
th_mock_set_handler(struct th_mock *m, th_mock_fn *fn, void *arg)
{
	pthread_mutex_lock(&m->mu);
	m->fn = fn;
	m->fn_arg = arg;
	pthread_mutex_unlock(&m->mu);
}

size_t
th_mock_count(struct th_mock *m)
{
	size_t n;
	pthread_mutex_lock(&m->mu);
	n = m->n_reqs;
	pthread_mutex_unlock(&m->mu);
	return n;
}

size_t
th_mock_connections(struct th_mock *m)
{
	size_t n;
	pthread_mutex_lock(&m->mu);
	n = m->connections;
	pthread_mutex_unlock(&m->mu);
	return n;
}

const struct th_mock_req *
th_mock_req(struct th_mock *m, size_t i)
{
	const struct th_mock_req *r;
	pthread_mutex_lock(&m->mu);
	r = i < m->n_reqs ? m->reqs[i] : NULL;
	pthread_mutex_unlock(&m->mu);
	return r;
}

const char *
th_mock_header(const struct th_mock_req *r, const char *name)
{
	for (size_t i = 0; i < r->n_headers; i++)
		if (strcasecmp(r->names[i], name) == 0)
			return r->values[i];
	return NULL;
}

int
th_mock_wait(struct th_mock *m, size_t n, int timeout_ms)
{
	struct timespec until;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L)
		until.tv_sec++, until.tv_nsec -= 1000000000L;
	pthread_mutex_lock(&m->mu);
	while (m->n_reqs < n && rc == 0)
		rc = pthread_cond_timedwait(&m->cond, &m->mu, &until);
	rc = m->n_reqs >= n ? 0 : -1;
	pthread_mutex_unlock(&m->mu);
	return rc;
}

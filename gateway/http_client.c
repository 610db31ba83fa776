/*
 * http_client — curl multi-socket on libevent; see http_client.h.
 *
 * The wiring follows curl's docs/examples/hiperfifo.c and multi-event.c: curl tells us which
 * sockets to watch (sock_cb) and when to wake it up (timer_cb); libevent tells curl what
 * happened (curl_multi_socket_action); after every action we drain curl_multi_info_read and
 * complete the finished transfers. Completion callbacks therefore only ever run from
 * sock_event_cb, timer_event_cb or defer_cb, i.e. from the loop, outside any curl call, which
 * is what makes it safe for them to start or cancel requests.
 */
#include "http_client.h"

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A growing NUL-terminated buffer with a hard limit. */
struct buf {
	char *p;
	size_t len, cap, max;
};

/* A socket curl asked us to watch; its pointer is stored in curl with curl_multi_assign. */
struct hc_sock {
	struct hc_client *c;
	struct event ev;
	struct hc_sock *prev, *next;
};

struct hc_handle {
	struct hc_client *c;
	CURL *easy; /* NULL when curl_easy_init failed */
	struct curl_slist *headers;
	hc_done_fn *done;
	void *arg;
	struct buf body, head;
	const char *too_big;   /* set by the write callbacks when a limit is hit */
	const char *fail;      /* our own reason, ahead of curl's */
	struct event defer;    /* delivers a failure before curl had the transfer */
	struct event deadline; /* our backstop for timeout_ms: see hc_request */
	int deferred, in_multi, has_deadline;
	int in_callback;
	char errbuf[CURL_ERROR_SIZE];
	struct hc_handle *prev, *next;
};

struct hc_client {
	struct event_base *base;
	CURLM *multi;
	struct event timer;
	struct hc_handle *reqs; /* in flight, for hc_free */
	struct hc_sock *socks;  /* watched, for hc_free */
	size_t n_reqs;
	int depth;        /* > 0 while one of our loop callbacks runs */
	int free_pending; /* hc_free was called from a completion callback */
};

static int
buf_add(struct buf *b, const char *data, size_t n)
{
	if (n > b->max - b->len)
		return -1;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -1;
		b->p = p, b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static void
list_unlink(struct hc_handle *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else
		h->c->reqs = h->next;
	if (h->next)
		h->next->prev = h->prev;
	h->prev = h->next = NULL;
	h->c->n_reqs--;
}

/* Frees a request that is already out of the multi and off the list. */
static void
handle_free(struct hc_handle *h)
{
	if (h->easy)
		curl_easy_cleanup(h->easy);
	curl_slist_free_all(h->headers);
	free(h->body.p);
	free(h->head.p);
	free(h);
}

/* Takes a request out of curl and out of the loop's queues, and off the list. */
static void
handle_detach(struct hc_handle *h)
{
	if (h->in_multi)
		curl_multi_remove_handle(h->c->multi, h->easy);
	h->in_multi = 0;
	if (h->deferred)
		event_del(&h->defer);
	if (h->has_deadline)
		event_del(&h->deadline);
	h->deferred = h->has_deadline = 0;
	list_unlink(h);
}

static void
sock_free(struct hc_client *c, struct hc_sock *sk)
{
	event_del(&sk->ev);
	if (sk->prev)
		sk->prev->next = sk->next;
	else
		c->socks = sk->next;
	if (sk->next)
		sk->next->prev = sk->prev;
	free(sk);
}

static void
destroy(struct hc_client *c)
{
	while (c->reqs) {
		struct hc_handle *h = c->reqs;
		handle_detach(h);
		handle_free(h);
	}
	/* curl may still call sock_cb / timer_cb while it closes cached connections: c stays
	 * valid until it returns. Sockets it did not report removed are unwatched after. */
	curl_multi_cleanup(c->multi);
	while (c->socks)
		sock_free(c, c->socks);
	event_del(&c->timer);
	free(c);
	curl_global_cleanup();
}

/* Every loop callback of ours ends here: a hc_free() requested from inside a completion
 * callback is carried out once nothing of ours is on the stack any more. */
static void
leave(struct hc_client *c)
{
	if (--c->depth == 0 && c->free_pending)
		destroy(c);
}

/* Detaches a request, calls its completion callback, then frees it. */
static void
complete(struct hc_handle *h, CURLcode rc)
{
	struct hc_resp r = {0};
	long status = 0;
	const char *err = h->fail;

	handle_detach(h);

	if (!err && h->too_big)
		err = h->too_big;
	if (!err && rc != CURLE_OK)
		err = h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc);
	if (!err) {
		curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status == 0)
			err = "no HTTP status in the response";
	}
	/* A status with an error would be a half answer (body cut short): callers must treat
	 * it as a transport failure, so they get none. */
	r.status = err ? 0 : status;
	r.error = err;
	r.body = h->body.p ? h->body.p : "";
	r.body_len = h->body.len;
	r.headers = h->head.p ? h->head.p : "";
	r.headers_len = h->head.len;
	h->in_callback = 1;
	h->done(&r, h->arg);
	handle_free(h);
}

/* Completes every finished transfer. The message is copied before curl_multi_remove_handle,
 * which invalidates it; a callback cancelling another finished transfer also removes that
 * one's message from curl's queue, so nothing completes twice. */
static void
drain(struct hc_client *c)
{
	CURLMsg *m;
	int left;

	while (!c->free_pending && (m = curl_multi_info_read(c->multi, &left))) {
		CURL *easy = m->easy_handle;
		CURLcode rc = m->data.result;
		char *priv = NULL;
		struct hc_handle *h;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		h = (struct hc_handle *)priv;
		complete(h, rc);
	}
}

static void
sock_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hc_client *c = arg;
	int action =
	    ((what & EV_READ) ? CURL_CSELECT_IN : 0) | ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);
	int running;

	c->depth++;
	curl_multi_socket_action(c->multi, fd, action, &running);
	drain(c);
	leave(c);
}

static void
timer_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hc_client *c = arg;
	int running;

	c->depth++;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	drain(c);
	leave(c);
}

/* Delivers a failure decided before curl had the transfer, or a passed deadline. */
static void
fail_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hc_handle *h = arg;
	struct hc_client *c = h->c;

	c->depth++;
	if (!h->fail)
		h->fail = "Timeout was reached (request deadline)";
	complete(h, CURLE_OPERATION_TIMEDOUT);
	leave(c);
}

/* CURLMOPT_SOCKETFUNCTION: watch s for what curl wants, or stop watching it. */
static int
sock_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct hc_client *c = userp;
	struct hc_sock *sk = socketp;
	short kind;

	if (what == CURL_POLL_REMOVE) {
		if (sk) {
			sock_free(c, sk);
			curl_multi_assign(c->multi, s, NULL);
		}
		return 0;
	}
	if (!sk) {
		sk = calloc(1, sizeof(*sk));
		if (!sk)
			return -1; /* curl fails the transfers on this socket */
		sk->c = c;
		sk->next = c->socks;
		if (c->socks)
			c->socks->prev = sk;
		c->socks = sk;
		curl_multi_assign(c->multi, s, sk);
	} else {
		event_del(&sk->ev); /* event_assign needs an event that is not pending */
	}
	kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	       ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	event_assign(&sk->ev, c->base, s, kind, sock_event_cb, c);
	event_add(&sk->ev, NULL);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: one timer for the whole multi; -1 removes it. */
static int
timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct hc_client *c = userp;

	if (timeout_ms < 0) {
		event_del(&c->timer);
	} else {
		struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
		event_add(&c->timer, &tv);
	}
	return 0;
}

static size_t
write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct hc_handle *h = arg;

	if (buf_add(&h->body, data, size * n) != 0) {
		h->too_big = "response body over the size limit";
		return 0; /* curl aborts the transfer with CURLE_WRITE_ERROR */
	}
	return size * n;
}

static size_t
header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct hc_handle *h = arg;

	/* Keep only the final response: a 100 Continue comes with headers of its own. */
	if (size * n >= 5 && memcmp(data, "HTTP/", 5) == 0)
		h->head.len = 0;
	if (buf_add(&h->head, data, size * n) != 0) {
		h->too_big = "response headers over the size limit";
		return 0;
	}
	return size * n;
}

/* Sets every option of one transfer; returns a reason on failure, else NULL. */
static const char *
setup(struct hc_handle *h, const struct hc_req *req)
{
	CURL *e = h->easy;
	const char *method = req->method ? req->method : req->body ? "POST" : "GET";
	CURLcode rc = CURLE_OK;
	char line[256];

	/* Stops at the first failing option and keeps its code. */
#define SET(opt, val) (void)(rc == CURLE_OK && (rc = curl_easy_setopt(e, opt, val)) != CURLE_OK)
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_NOSIGNAL, 1L); /* no SIGALRM for DNS timeouts in a daemon */
	SET(CURLOPT_PRIVATE, (void *)h);
	SET(CURLOPT_ERRORBUFFER, h->errbuf);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, (void *)h);
	SET(CURLOPT_HEADERFUNCTION, header_cb);
	SET(CURLOPT_HEADERDATA, (void *)h);
	SET(CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : HC_DEFAULT_TIMEOUT_MS);
	SET(CURLOPT_USERAGENT, "followupd");
	if (req->userpwd) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERPWD, req->userpwd);
	}
	if (req->body || strcmp(method, "POST") == 0) {
		/* The size first, so COPYPOSTFIELDS copies exactly body_len bytes (NULs too). */
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
		SET(CURLOPT_COPYPOSTFIELDS, req->body ? req->body : "");
		if (strcmp(method, "POST") != 0)
			SET(CURLOPT_CUSTOMREQUEST, method);
	} else if (strcmp(method, "HEAD") == 0) {
		SET(CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "GET") != 0) {
		SET(CURLOPT_CUSTOMREQUEST, method);
	}
	if (rc != CURLE_OK)
		return curl_easy_strerror(rc);

	for (size_t i = 0; i < req->n_headers; i++)
		if (!(h->headers = curl_slist_append(h->headers, req->headers[i])))
			return "out of memory";
	if (req->content_type) {
		if ((size_t)snprintf(line, sizeof(line), "Content-Type: %s", req->content_type) >=
		    sizeof(line))
			return "content type too long";
		if (!(h->headers = curl_slist_append(h->headers, line)))
			return "out of memory";
	}
	/* No "Expect: 100-continue" round trip before larger bodies: aggregators answer fast. */
	if (!(h->headers = curl_slist_append(h->headers, "Expect:")))
		return "out of memory";
	SET(CURLOPT_HTTPHEADER, h->headers);
#undef SET
	return rc == CURLE_OK ? NULL : curl_easy_strerror(rc);
}

/* A request that failed before curl had it still completes through the loop, never from
 * inside hc_request() (the caller may not be ready for its callback yet). */
static void
fail_later(struct hc_handle *h, const char *err)
{
	h->fail = err;
	h->deferred = 1;
	event_assign(&h->defer, h->c->base, -1, 0, fail_cb, h);
	event_active(&h->defer, 0, 0);
}

/* curl 7.88 checks CURLOPT_TIMEOUT_MS of a transfer queued for a connection (past
 * CURLMOPT_MAX_HOST_CONNECTIONS) only once it leaves the queue, possibly long after. This
 * timer, a little after curl's own, makes the deadline hold anyway. */
static void
arm_deadline(struct hc_handle *h, long timeout_ms)
{
	long ms = (timeout_ms > 0 ? timeout_ms : HC_DEFAULT_TIMEOUT_MS) + 50;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	h->has_deadline = 1;
	evtimer_assign(&h->deadline, h->c->base, fail_cb, h);
	evtimer_add(&h->deadline, &tv);
}

struct hc_handle *
hc_request(struct hc_client *c, const struct hc_req *req, hc_done_fn *done, void *arg)
{
	struct hc_handle *h = calloc(1, sizeof(*h));
	const char *err;

	if (!h)
		return NULL;
	h->c = c;
	h->done = done;
	h->arg = arg;
	h->body.max = HC_MAX_BODY;
	h->head.max = HC_MAX_HEADERS;
	h->next = c->reqs;
	if (c->reqs)
		c->reqs->prev = h;
	c->reqs = h;
	c->n_reqs++;

	if (!req || !req->url || !*req->url) {
		fail_later(h, "no URL");
	} else if (!(h->easy = curl_easy_init())) {
		fail_later(h, "curl_easy_init failed");
	} else if ((err = setup(h, req)) != NULL) {
		fail_later(h, err);
	} else if (curl_multi_add_handle(c->multi, h->easy) != CURLM_OK) {
		fail_later(h, "curl_multi_add_handle failed");
	} else {
		h->in_multi = 1;
		arm_deadline(h, req->timeout_ms);
	}
	return h;
}

void
hc_cancel(struct hc_handle *h)
{
	if (!h || h->in_callback)
		return;
	handle_detach(h);
	handle_free(h);
}

size_t
hc_in_flight(const struct hc_client *c)
{
	return c->n_reqs;
}

struct hc_client *
hc_new(struct event_base *base, long max_total, long max_per_host)
{
	struct hc_client *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	/* Reference-counted by curl; balanced in destroy(). */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(c);
		return NULL;
	}
	c->base = base;
	c->multi = curl_multi_init();
	if (!c->multi) {
		free(c);
		curl_global_cleanup();
		return NULL;
	}
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max_total > 0 ? max_total : 0L);
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	                  max_per_host > 0 ? max_per_host : 0L);
	evtimer_assign(&c->timer, base, timer_event_cb, c);
	return c;
}

void
hc_free(struct hc_client *c)
{
	if (!c)
		return;
	if (c->depth > 0) {
		c->free_pending = 1;
		return;
	}
	destroy(c);
}

const char *
hc_resp_header(const struct hc_resp *r, const char *name, char *buf, size_t len)
{
	size_t nl = strlen(name);
	const char *p = r->headers, *end = r->headers + r->headers_len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *v, *ve;
		if ((size_t)(le - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			size_t n;
			for (v = p + nl + 1; v < le && (*v == ' ' || *v == '\t'); v++)
				;
			for (ve = le; ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t');
			     ve--)
				;
			n = (size_t)(ve - v);
			if (len == 0)
				return buf;
			if (n > len - 1)
				n = len - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return buf;
		}
		p = le + 1;
	}
	return NULL;
}

/*
 * Integration tests for http_client against th_mock (no PostgreSQL, no daemon): answers and
 * errors as the completion callback reports them, what the server saw, concurrency, connection
 * reuse, cancellation and freeing with transfers in flight.
 */
#include <event2/event.h>
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http_client.h"
#include "th.h"
#include "th_mock.h"

struct ctx {
	struct event_base *base;
	struct hc_client *hc;
	struct th_mock *mock;
	size_t left;         /* completions still expected; the loop stops at 0 */
	int inside_request;  /* set around hc_request(): a callback must never see it */
	int reentrant_calls; /* callbacks that did see it */
};

/* What one completion callback saw. */
struct rec {
	struct ctx *t;
	int calls;
	long status;
	char *error;
	char *body;
	size_t body_len;
	char ctype[64];
	double at_ms;
	/* for chains: start another request from the callback while chain > 0 */
	int chain;
	struct hc_req next;
};

static void on_done(const struct hc_resp *r, void *arg);

static void
rec_clear(struct rec *d)
{
	free(d->error);
	free(d->body);
	d->error = d->body = NULL;
}

static struct hc_handle *
start(struct ctx *t, const struct hc_req *req, struct rec *d)
{
	struct hc_handle *h;
	d->t = t;
	t->inside_request = 1;
	h = hc_request(t->hc, req, on_done, d);
	t->inside_request = 0;
	assert_non_null(h);
	return h;
}

static void
on_done(const struct hc_resp *r, void *arg)
{
	struct rec *d = arg;
	struct ctx *t = d->t;

	if (t->inside_request)
		t->reentrant_calls++;
	d->calls++;
	d->at_ms = th_now_ms();
	d->status = r->status;
	rec_clear(d);
	d->error = r->error ? strdup(r->error) : NULL;
	d->body = malloc(r->body_len + 1);
	memcpy(d->body, r->body, r->body_len + 1); /* the terminating NUL is promised too */
	d->body_len = r->body_len;
	if (!hc_resp_header(r, "content-type", d->ctype, sizeof(d->ctype)))
		d->ctype[0] = '\0';
	if (d->chain > 0) {
		d->chain--;
		t->left++;
		start(t, &d->next, d);
	}
	if (--t->left == 0)
		event_base_loopbreak(t->base);
}

static void
on_guard(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

/* Runs the loop until every expected completion arrived or max_ms passed. 0 when all did. */
static int
run(struct ctx *t, int max_ms)
{
	struct timeval tv = {max_ms / 1000, (max_ms % 1000) * 1000};
	struct event *guard = evtimer_new(t->base, on_guard, t->base);
	evtimer_add(guard, &tv);
	if (t->left > 0)
		event_base_dispatch(t->base);
	event_free(guard);
	return t->left == 0 ? 0 : -1;
}

/* Runs the loop for exactly ms milliseconds (to see that nothing else happens). */
static void
run_for(struct ctx *t, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	event_base_loopexit(t->base, &tv);
	event_base_dispatch(t->base);
}

static int
setup(void **state)
{
	struct ctx *t = calloc(1, sizeof(*t));
	t->base = event_base_new();
	t->hc = hc_new(t->base, 16, 8);
	t->mock = th_mock_start();
	if (!t->base || !t->hc || !t->mock)
		return -1;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *t = *state;
	hc_free(t->hc);
	th_mock_stop(t->mock);
	event_base_free(t->base);
	assert_int_equal(t->reentrant_calls, 0);
	free(t);
	return 0;
}

static void
url(char *buf, size_t len, struct ctx *t, const char *path)
{
	snprintf(buf, len, "%s%s", th_mock_url(t->mock), path);
}

static void
test_http_client_get_200_with_body(void **state)
{
	struct ctx *t = *state;
	struct rec d = {0};
	char u[128];
	const struct th_mock_req *seen;

	th_mock_push(t->mock, &(struct th_mock_reply){.status = 200,
	                                              .body = "hello world",
	                                              .content_type = "text/x-test"});
	url(u, sizeof(u), t, "/path?x=1");
	t->left = 1;
	start(t, &(struct hc_req){.url = u}, &d);
	assert_int_equal(d.calls, 0); /* never from inside hc_request */
	assert_int_equal(run(t, 5000), 0);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.status, 200);
	assert_null(d.error);
	assert_string_equal(d.body, "hello world");
	assert_int_equal(d.body_len, strlen("hello world"));
	assert_string_equal(d.ctype, "text/x-test");
	seen = th_mock_req(t->mock, 0);
	assert_non_null(seen);
	assert_string_equal(seen->method, "GET");
	assert_string_equal(seen->uri, "/path?x=1");
	assert_int_equal(hc_in_flight(t->hc), 0);
	rec_clear(&d);
}

static void
test_http_client_post_body_and_headers_reach_server(void **state)
{
	static const char body[] = "username=sandbox&to=%2B254700000001&message=Hi\0tail";
	static const char *const headers[] = {"apiKey: k-123", "Accept: application/json"};
	struct ctx *t = *state;
	struct rec d = {0};
	char u[128], want_auth[64] = "Basic ";
	const struct th_mock_req *seen;

	EVP_EncodeBlock((unsigned char *)want_auth + 6, (const unsigned char *)"AC42:s3cret", 11);
	th_mock_push(t->mock, &(struct th_mock_reply){.status = 201,
	                                              .body = "{\"ok\":true}",
	                                              .content_type = "application/json"});
	url(u, sizeof(u), t, "/version1/messaging");
	t->left = 1;
	start(t,
	      &(struct hc_req){.method = "POST",
	                       .url = u,
	                       .headers = headers,
	                       .n_headers = 2,
	                       .body = body,
	                       .body_len = sizeof(body) - 1,
	                       .content_type = "application/x-www-form-urlencoded",
	                       .userpwd = "AC42:s3cret",
	                       .timeout_ms = 5000},
	      &d);
	assert_int_equal(run(t, 5000), 0);
	assert_int_equal(d.status, 201);
	assert_string_equal(d.body, "{\"ok\":true}");
	assert_string_equal(d.ctype, "application/json");

	seen = th_mock_req(t->mock, 0);
	assert_non_null(seen);
	assert_string_equal(seen->method, "POST");
	assert_string_equal(seen->uri, "/version1/messaging");
	assert_int_equal(seen->body_len, sizeof(body) - 1); /* the NUL and what follows too */
	assert_memory_equal(seen->body, body, sizeof(body) - 1);
	assert_string_equal(th_mock_header(seen, "Content-Type"),
	                    "application/x-www-form-urlencoded");
	assert_string_equal(th_mock_header(seen, "apikey"), "k-123");
	assert_string_equal(th_mock_header(seen, "Accept"), "application/json");
	assert_string_equal(th_mock_header(seen, "Authorization"), want_auth);
	assert_null(th_mock_header(seen, "Expect"));
	rec_clear(&d);
}

static void
test_http_client_500_is_an_answer_not_an_error(void **state)
{
	struct ctx *t = *state;
	struct rec d = {0};
	char u[128];

	th_mock_push_simple(t->mock, 503, "Temporal failure, try again later.", 0);
	url(u, sizeof(u), t, "/cgi-bin/sendsms");
	t->left = 1;
	start(t, &(struct hc_req){.url = u}, &d);
	assert_int_equal(run(t, 5000), 0);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.status, 503);
	assert_null(d.error);
	assert_string_equal(d.body, "Temporal failure, try again later.");
	rec_clear(&d);
}

static void
test_http_client_timeout(void **state)
{
	struct ctx *t = *state;
	struct rec d = {0};
	char u[128];
	double t0;

	th_mock_push_simple(t->mock, 200, "too late", 3000);
	url(u, sizeof(u), t, "/slow");
	t->left = 1;
	t0 = th_now_ms();
	start(t, &(struct hc_req){.url = u, .timeout_ms = 250}, &d);
	assert_int_equal(run(t, 5000), 0);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.status, 0);
	assert_non_null(d.error);
	assert_true(d.at_ms - t0 >= 200 && d.at_ms - t0 < 2000);
	assert_int_equal(th_mock_count(t->mock), 1); /* it did reach the server */
	rec_clear(&d);
}

static void
test_http_client_connection_refused(void **state)
{
	struct ctx *t = *state;
	struct rec d = {0};
	char u[128];

	snprintf(u, sizeof(u), "http://127.0.0.1:%d/nobody", th_free_port());
	t->left = 1;
	start(t, &(struct hc_req){.url = u, .timeout_ms = 3000}, &d);
	assert_int_equal(run(t, 5000), 0);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.status, 0);
	assert_non_null(d.error);
	rec_clear(&d);
}

/* Echoes the request's path as the body, so each answer can be matched to its request. */
static void
echo_uri(const struct th_mock_req *rq, struct th_mock_reply *out, void *arg)
{
	out->status = 200;
	out->body = rq->uri;
	out->delay_ms = 20;
}

static void
test_http_client_50_concurrent_complete_exactly_once(void **state)
{
	enum { N = 50 };
	struct ctx *t = *state;
	struct rec d[N];
	char u[N][128], path[32];

	memset(d, 0, sizeof(d));
	th_mock_set_handler(t->mock, echo_uri, NULL);
	t->left = N;
	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/r/%d", i);
		url(u[i], sizeof(u[i]), t, path);
		start(t, &(struct hc_req){.url = u[i]}, &d[i]);
	}
	assert_int_equal(hc_in_flight(t->hc), N);
	assert_int_equal(run(t, 10000), 0);
	run_for(t, 100); /* and nothing more arrives */
	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/r/%d", i);
		assert_int_equal(d[i].calls, 1);
		assert_int_equal(d[i].status, 200);
		assert_string_equal(d[i].body, path);
		rec_clear(&d[i]);
	}
	assert_int_equal(th_mock_count(t->mock), N);
	assert_int_equal(hc_in_flight(t->hc), 0);
}

static void
test_http_client_reuses_connections(void **state)
{
	enum { CHAIN = 20, PAR = 30 };
	struct ctx *t = *state;
	struct rec chain = {0}, par[PAR];
	char u[128];
	size_t conns;

	/* A chain: each callback starts the next request, so one connection can serve all. */
	url(u, sizeof(u), t, "/chain");
	chain.chain = CHAIN - 1;
	chain.next = (struct hc_req){.url = u};
	t->left = 1;
	start(t, &chain.next, &chain);
	assert_int_equal(run(t, 10000), 0);
	assert_int_equal(chain.calls, CHAIN);
	assert_int_equal(chain.status, 200);
	assert_int_equal(th_mock_count(t->mock), CHAIN);
	conns = th_mock_connections(t->mock);
	assert_true(conns >= 1 && conns < CHAIN);
	rec_clear(&chain);

	/* In parallel on a client allowing 2 connections per host: at most 2 more. */
	hc_free(t->hc);
	t->hc = hc_new(t->base, 0, 2);
	assert_non_null(t->hc);
	memset(par, 0, sizeof(par));
	th_mock_set_default(t->mock, &(struct th_mock_reply){.status = 200, .delay_ms = 5});
	t->left = PAR;
	for (int i = 0; i < PAR; i++)
		start(t, &(struct hc_req){.url = u}, &par[i]);
	assert_int_equal(run(t, 10000), 0);
	for (int i = 0; i < PAR; i++) {
		assert_int_equal(par[i].calls, 1);
		assert_int_equal(par[i].status, 200);
		rec_clear(&par[i]);
	}
	assert_int_equal(th_mock_count(t->mock), CHAIN + PAR);
	assert_true(th_mock_connections(t->mock) - conns <= 2);
}

static void
cancel_later(evutil_socket_t fd, short what, void *arg)
{
	hc_cancel(arg);
}

static void
test_http_client_cancel(void **state)
{
	struct ctx *t = *state;
	struct rec a = {0}, b = {0}, c = {0}, e = {0};
	struct hc_handle *ha, *hc_now, *he;
	struct timeval tv = {0, 100 * 1000};
	char u[128];

	th_mock_set_default(t->mock, &(struct th_mock_reply){.status = 200, .delay_ms = 300});
	url(u, sizeof(u), t, "/wait");
	t->left = 1; /* only b is expected to complete */
	ha = start(t, &(struct hc_req){.url = u}, &a);
	start(t, &(struct hc_req){.url = u}, &b);
	hc_now = start(t, &(struct hc_req){.url = u}, &c);
	he = start(t, &(struct hc_req){.url = NULL}, &e); /* fails, completion deferred */
	hc_cancel(hc_now);                                /* before the loop ever ran */
	hc_cancel(he); /* its deferred failure must not be delivered either */
	hc_cancel(NULL);
	event_base_once(t->base, -1, EV_TIMEOUT, cancel_later, ha, &tv); /* mid-transfer */
	assert_int_equal(run(t, 5000), 0);
	run_for(t, 500); /* well past a's answer */
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.status, 200);
	assert_int_equal(c.calls, 0);
	assert_int_equal(e.calls, 0);
	assert_int_equal(hc_in_flight(t->hc), 0);
	rec_clear(&b);
}

static void
test_http_client_failures_before_curl_complete_through_loop(void **state)
{
	struct ctx *t = *state;
	struct rec none = {0}, ftp = {0};

	t->left = 2;
	start(t, &(struct hc_req){.url = NULL}, &none);
	start(t, &(struct hc_req){.url = "ftp://127.0.0.1/file"}, &ftp);
	assert_int_equal(none.calls, 0);
	assert_int_equal(ftp.calls, 0);
	assert_int_equal(run(t, 5000), 0);
	assert_int_equal(none.calls, 1);
	assert_int_equal(none.status, 0);
	assert_non_null(none.error);
	assert_int_equal(ftp.calls, 1);
	assert_int_equal(ftp.status, 0);
	assert_non_null(ftp.error);
	assert_int_equal(th_mock_count(t->mock), 0);
	rec_clear(&none);
	rec_clear(&ftp);
}

static void
test_http_client_body_size_cap(void **state)
{
	struct ctx *t = *state;
	struct rec fits = {0}, over = {0};
	char *big = malloc(HC_MAX_BODY + 2), u[128];

	memset(big, 'x', HC_MAX_BODY + 1);
	big[HC_MAX_BODY + 1] = '\0';
	/* exactly at the cap, then one byte over */
	th_mock_push(t->mock, &(struct th_mock_reply){.body = big, .body_len = HC_MAX_BODY});
	th_mock_push(t->mock, &(struct th_mock_reply){.body = big, .body_len = HC_MAX_BODY + 1});
	url(u, sizeof(u), t, "/big");
	t->left = 1;
	start(t, &(struct hc_req){.url = u}, &fits);
	assert_int_equal(run(t, 10000), 0);
	t->left = 1;
	start(t, &(struct hc_req){.url = u}, &over);
	assert_int_equal(run(t, 10000), 0);
	assert_int_equal(fits.status, 200);
	assert_null(fits.error);
	assert_int_equal(fits.body_len, HC_MAX_BODY);
	assert_int_equal(over.calls, 1);
	assert_int_equal(over.status, 0);
	assert_non_null(over.error);
	assert_non_null(strstr(over.error, "size limit"));
	free(big);
	rec_clear(&fits);
	rec_clear(&over);
}

static void
test_http_client_queued_request_timeout_counts_from_start(void **state)
{
	struct ctx *t = *state;
	struct rec first = {0}, queued = {0};
	char u[128];
	double t0;

	/* One connection per host: the second request waits for the first (600 ms). */
	hc_free(t->hc);
	t->hc = hc_new(t->base, 0, 1);
	th_mock_set_default(t->mock, &(struct th_mock_reply){.status = 200, .delay_ms = 600});
	url(u, sizeof(u), t, "/one-at-a-time");
	t->left = 2;
	t0 = th_now_ms();
	start(t, &(struct hc_req){.url = u, .timeout_ms = 5000}, &first);
	start(t, &(struct hc_req){.url = u, .timeout_ms = 300}, &queued);
	assert_int_equal(run(t, 5000), 0);
	assert_int_equal(first.status, 200);
	assert_int_equal(queued.status, 0);
	assert_non_null(queued.error);
	assert_true(queued.at_ms - t0 < 550); /* before the first one even finished */
	rec_clear(&first);
	rec_clear(&queued);
}

static struct rec early; /* free_later's request; static as event_base_once takes one arg */

/* Starts a request that fails before curl (its completion is queued in the loop), then frees
 * the client: neither that completion nor any transfer's may be delivered. */
static void
free_later(evutil_socket_t fd, short what, void *arg)
{
	struct ctx *t = arg;
	start(t, &(struct hc_req){.url = NULL}, &early);
	hc_free(t->hc);
	t->hc = NULL;
}

static void
test_http_client_free_with_transfers_in_flight(void **state)
{
	enum { N = 5 };
	struct ctx *t = *state;
	struct rec d[N];
	struct timeval tv = {0, 100 * 1000};
	char u[128];

	memset(d, 0, sizeof(d));
	memset(&early, 0, sizeof(early));
	th_mock_set_default(t->mock, &(struct th_mock_reply){.status = 200, .delay_ms = 300});
	url(u, sizeof(u), t, "/inflight");
	for (int i = 0; i < N; i++)
		start(t, &(struct hc_req){.url = u}, &d[i]);
	event_base_once(t->base, -1, EV_TIMEOUT, free_later, t, &tv);
	run_for(t, 700);
	assert_null(t->hc);
	for (int i = 0; i < N; i++)
		assert_int_equal(d[i].calls, 0); /* documented: no callbacks after hc_free */
	assert_int_equal(early.calls, 0);
	assert_true(th_mock_count(t->mock) >= 1);
}

/* A completion callback that frees the whole client. */
static void
on_done_free(const struct hc_resp *r, void *arg)
{
	struct rec *d = arg;
	d->calls++;
	d->status = r->status;
	hc_free(d->t->hc);
	d->t->hc = NULL;
	hc_free(NULL);
}

static void
test_http_client_free_from_callback(void **state)
{
	struct ctx *t = *state;
	struct rec fast = {.t = t}, slow = {0};
	char u[128];

	/* answers go out in arrival order: the slow one arrives first */
	th_mock_push_simple(t->mock, 200, "slow", 400);
	th_mock_push_simple(t->mock, 200, "fast", 0);
	url(u, sizeof(u), t, "/x");
	start(t, &(struct hc_req){.url = u}, &slow);
	run_for(t, 50);
	assert_int_equal(th_mock_wait(t->mock, 1, 2000), 0);
	assert_non_null(hc_request(t->hc, &(struct hc_req){.url = u}, on_done_free, &fast));
	run_for(t, 800);
	assert_int_equal(fast.calls, 1);
	assert_int_equal(fast.status, 200);
	assert_null(t->hc);
	assert_int_equal(slow.calls, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	    T(test_http_client_get_200_with_body),
	    T(test_http_client_post_body_and_headers_reach_server),
	    T(test_http_client_500_is_an_answer_not_an_error),
	    T(test_http_client_timeout),
	    T(test_http_client_connection_refused),
	    T(test_http_client_50_concurrent_complete_exactly_once),
	    T(test_http_client_reuses_connections),
	    T(test_http_client_cancel),
	    T(test_http_client_failures_before_curl_complete_through_loop),
	    T(test_http_client_body_size_cap),
	    T(test_http_client_queued_request_timeout_counts_from_start),
	    T(test_http_client_free_with_transfers_in_flight),
	    T(test_http_client_free_from_callback),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

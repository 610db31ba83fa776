/*
 * http_client — outbound HTTP on the daemon's event loop: libcurl's multi-socket interface
 * driven by a libevent event_base (one event per socket, one timer), so sending to an
 * aggregator never blocks. Connections are kept in the multi's cache and reused; every
 * request has a deadline and exactly one completion, unless it is cancelled.
 */
#ifndef FOLLOWUP_HTTP_CLIENT_H
#define FOLLOWUP_HTTP_CLIENT_H

#include <stddef.h>

struct event_base;
struct hc_client;
struct hc_handle;

/* Used when hc_req.timeout_ms is 0: no transfer goes without a deadline. */
#define HC_DEFAULT_TIMEOUT_MS 30000
/* A response body above this fails the request (status 0, error set). */
#define HC_MAX_BODY (1024 * 1024)
/* The same for the response's header block. */
#define HC_MAX_HEADERS (64 * 1024)

/* One request. Everything is borrowed for the hc_request() call only: it copies what it keeps. */
struct hc_req {
	const char *method;         /* "GET", "POST", "PUT", ...; NULL: POST with a body,
	                             * else GET */
	const char *url;            /* http:// or https:// only */
	const char *const *headers; /* "Name: value" lines, or NULL */
	size_t n_headers;
	const char *body; /* request body (may hold NULs), or NULL */
	size_t body_len;
	const char *content_type; /* of the body, or NULL */
	const char *userpwd;      /* "user:password" for HTTP Basic auth, or NULL */
	long timeout_ms;          /* whole transfer, connect and any wait for a free
	                           * connection included; 0: the default */
};

/* What came back. Borrowed by the completion callback for the call only. */
struct hc_resp {
	long status;       /* HTTP status; 0 whenever error is set */
	const char *error; /* NULL when an HTTP answer arrived (any status), else
	                    * a one-line reason: "Timeout was reached", ... */
	const char *body;  /* never NULL; NUL-terminated after body_len bytes */
	size_t body_len;
	const char *headers; /* the final response's header lines, CRLF-separated,
	                      * status line first; never NULL */
	size_t headers_len;
};

/* Called exactly once per request that was not cancelled, always from the event loop, never
 * from inside hc_request(). It may start new requests and cancel other ones. */
typedef void hc_done_fn(const struct hc_resp *resp, void *arg);

/*
 * Creates a client on base (borrowed; must outlive the client). max_total caps the open
 * connections and max_per_host those to one host (0: no limit); requests past either limit
 * wait inside curl for a free connection, and their timeout runs while they wait (a timer
 * of our own enforces it: curl 7.88 looks at a queued transfer's timeout only once it leaves
 * the queue). Returns NULL when curl cannot be initialized.
 */
struct hc_client *hc_new(struct event_base *base, long max_total, long max_per_host);

/*
 * Frees the client and every request still in flight; the callbacks of those requests are
 * NOT called (their owners are being torn down too). Cached connections are closed.
 * Called from inside a completion callback, the free happens once that callback returns,
 * and no further callbacks are made. NULL is a no-op.
 */
void hc_free(struct hc_client *c);

/*
 * Starts a request; done(resp, arg) is called once it completes, fails or times out. Returns
 * a handle for hc_cancel(), valid until done returns; NULL only when out of memory (then done
 * is never called). A request curl refuses at once (a NULL URL, an unusable option) still
 * completes through the loop with an error.
 */
struct hc_handle *hc_request(struct hc_client *c, const struct hc_req *req, hc_done_fn *done,
                             void *arg);

/* Stops a request and frees it; its callback is not called. A no-op for NULL and when called
 * from that request's own callback. */
void hc_cancel(struct hc_handle *h);

/* Requests started and not yet completed or cancelled. */
size_t hc_in_flight(const struct hc_client *c);

/* Copies the value of response header name (case-insensitive; the first one) into buf,
 * without surrounding blanks, truncated to len - 1 bytes. Returns buf, or NULL when the
 * response has no such header. */
const char *hc_resp_header(const struct hc_resp *r, const char *name, char *buf, size_t len);

#endif

/*
 * aggregator — the contract every SMS/USSD aggregator adapter fulfils (ARCHITECTURE rule 5).
 * An adapter is one file in handlers/ exposing one `const struct aggregator`; adding one
 * touches only registry.c. Adapters turn bytes into normalized structs and back: they
 * MUST NOT do I/O (no sockets, no database, no clock except through arguments), MUST NOT
 * keep state between calls other than their parsed configuration, MUST NOT abort or exit
 * on bad input (return -1 with a one-line reason instead), and MAY leave any function NULL
 * when their aggregator has no such thing (Twilio has no USSD): the route then answers 404.
 */
#ifndef FOLLOWUP_AGGREGATOR_H
#define FOLLOWUP_AGGREGATOR_H

#include <stdbool.h>
#include <stddef.h>

#include "cfg.h"

/* A callback as the HTTP layer received it. Everything is borrowed for the call. */
struct agg_request {
	const char *method;        /* "POST", "GET" */
	const char *path;          /* decoded path, e.g. "/cb/africastalking/TOKEN/sms" */
	const char *query;         /* raw query string, or NULL */
	const char *content_type;  /* or NULL */
	const char *body;          /* NUL-terminated copy of the body (may hold other NULs) */
	size_t body_len;
	/* Looks up a request header (case-insensitive), or NULL. */
	const char *(*header)(const void *ctx, const char *name);
	const void *header_ctx;
};

/* Normalized events. Strings are owned by the event and freed with agg_event_free(). */
struct agg_ussd {
	char *session_id, *phone, *service_code, *network;
	char *text;                /* cumulative input as the aggregator sent it ("1*3*12") */
};

struct agg_ussd_end {
	char *session_id, *phone, *status, *cost, *input, *error;
	long hops, duration_ms;
};

struct agg_sms {
	char *id;                  /* the aggregator's message id, kept as text */
	char *from, *to, *text;
	char *received_at;         /* ISO 8601 UTC "2017-05-03T06:04:45Z", or NULL */
	char *network, *link_id;
};

enum agg_dlr_status { AGG_DLR_SENT, AGG_DLR_DELIVERED, AGG_DLR_FAILED, AGG_DLR_REJECTED };

struct agg_dlr {
	char *message_id;          /* the id the aggregator gave when it accepted the send */
	enum agg_dlr_status status;
	char *raw_status, *reason; /* as received, for staff */
	int opt_out;               /* the person opted out of this sender (blacklist) */
	bool by_our_id;            /* message_id is our outbound_messages id (Kannel's dlr-url),
				    * not the aggregator's */
};

/* A screen to show on the phone. */
struct agg_ussd_answer {
	int end;                   /* 1: END (last screen), 0: CON (wait for input) */
	const char *text;
};

/* An outbound SMS to send. */
struct agg_outmsg {
	const char *id;            /* our outbound_messages id, as text */
	const char *to;            /* E.164 */
	const char *text;          /* UTF-8 */
	const char *callback_base; /* public URL of our callbacks for this adapter, or NULL */
};

/* An HTTP request an adapter wants made. Owned strings; agg_http_free() frees them. */
struct agg_http {
	char *method, *url, *body, *content_type;
	char *headers[8];          /* "Name: value" lines */
	size_t n_headers;
	char *userpwd;             /* HTTP Basic "user:password", or NULL */
};

enum agg_send_outcome {
	AGG_SEND_ACCEPTED,         /* the aggregator took it; id (and cost) filled */
	AGG_SEND_RETRY,            /* transient: try again later */
	AGG_SEND_FAILED,           /* permanent: do not retry */
	AGG_SEND_OPTED_OUT,        /* permanent, and the person opted out of this sender */
};

struct agg_send_result {
	enum agg_send_outcome outcome;
	char id[128], cost[32], reason[160];
};

/* An adapter's parsed configuration (its own struct, opaque to the core). */
typedef void agg_conf;

/* Which callback a path names: /cb/<name>/<token>/<kind>. */
enum agg_kind { AGG_CB_USSD, AGG_CB_USSD_END, AGG_CB_SMS, AGG_CB_DELIVERY, AGG_CB_KIND_COUNT };

struct aggregator {
	const char *name;
	struct cfg_section section;   /* its [name] section of followupd.conf */

	/* Builds the adapter's configuration from its section; NULL with a reason. */
	agg_conf *(*conf_new)(const struct cfg_values *v, char *err, size_t errlen);
	void (*conf_free)(agg_conf *c);
	/* The callback secret of /cb/<name>/<token>/ (borrowed from conf). */
	const char *(*callback_token)(const agg_conf *c);

	/* Verifies an inbound request beyond the token (signatures). 0 ok, -1 refuse (403). */
	int (*verify)(const agg_conf *c, const struct agg_request *rq, char *err, size_t errlen);

	int (*parse_ussd)(const struct agg_request *rq, struct agg_ussd *out, char *err,
			  size_t errlen);
	int (*parse_ussd_end)(const struct agg_request *rq, struct agg_ussd_end *out, char *err,
			      size_t errlen);
	int (*parse_sms)(const struct agg_request *rq, struct agg_sms *out, char *err,
			 size_t errlen);
	int (*parse_dlr)(const struct agg_request *rq, struct agg_dlr *out, char *err,
			 size_t errlen);

	/* Writes the HTTP answer to a USSD callback into body (NUL-terminated, at most len). */
	int (*format_ussd)(const struct agg_ussd_answer *a, char *body, size_t len,
			   const char **content_type);
	/* The body and content type to acknowledge an inbound SMS (most: "" and text/plain). */
	const char *(*sms_ack)(const char **content_type);

	/* Builds the send request of one SMS. 0 ok, -1 with a reason (then FAILED). */
	int (*build_send)(const agg_conf *c, const struct agg_outmsg *m, struct agg_http *out,
			  char *err, size_t errlen);
	/* Reads the aggregator's answer. http_status 0 = transport error or timeout. */
	void (*read_send)(const agg_conf *c, long http_status, const char *body, size_t len,
			  struct agg_send_result *out);
	/* Instead of build_send/read_send, an adapter MAY deliver locally and at once (the
	 * console adapter appends a line to a file): the one exception to "no I/O". */
	void (*send_local)(const agg_conf *c, const struct agg_outmsg *m,
			   struct agg_send_result *out);
};

void agg_ussd_clear(struct agg_ussd *u);
void agg_ussd_end_clear(struct agg_ussd_end *u);
void agg_sms_clear(struct agg_sms *s);
void agg_dlr_clear(struct agg_dlr *d);
void agg_http_clear(struct agg_http *h);

#endif

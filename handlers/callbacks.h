/*
 * callbacks — the aggregators' callbacks, /cb/<aggregator>/<token>/<kind>: finds the adapter,
 * checks the token in constant time (a wrong one is a 404, like an unknown path), checks the
 * method, then hands the request to the flow of its kind (USSD, SMS, delivery report).
 */
#ifndef FOLLOWUP_CALLBACKS_H
#define FOLLOWUP_CALLBACKS_H

#include "aggregator.h"
#include "app.h"

/* A flow's entry point: the adapter and its configuration are resolved, the token checked. */
typedef void (*cb_flow_fn)(struct app *app, const struct app_agg *a, struct http_req *r);

/* Flows by kind; NULL until a flow exists (then the path answers 404). */
extern cb_flow_fn cb_flows[AGG_CB_KIND_COUNT];

/* Each flow installs its entry points into cb_flows (called by callbacks_register). */
void ussd_flow_init(void);   /* ussd, ussd-end: handlers/ussd_flow.c */
void sms_flow_init(void);    /* sms: handlers/sms_flow.c */
void dlr_flow_init(void);    /* delivery: handlers/dlr_flow.c */

/* Fills rq from r (borrowed: valid while r is). */
void cb_request(struct http_req *r, struct agg_request *rq);

/* When the database could not take a callback: spools it (gateway/spool.h) unless it is
 * itself a replay or no spool is configured. 0 when it is safely on disk (answer 200), -1
 * otherwise (answer 503). kind is the path segment: "sms", "delivery". */
int cb_spool(struct app *app, const struct app_agg *a, struct http_req *r, const char *kind)
	__attribute__((warn_unused_result));

/* The likely catalog language of a number the database does not know (yet), by its calling
 * code: for the busy screen and the one answer an unknown number gets. "en" otherwise. */
const char *cb_lang_for_phone(const char *phone);

/* 1 when the two secrets are equal; the time taken does not depend on where they differ. */
int cb_token_equal(const char *given, const char *expected);

#endif

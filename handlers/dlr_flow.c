/*
 * dlr_flow — delivery reports: each is stored as it arrives (followup.delivery_reports), then
 * applied to its outbound message in the same transaction, never moving a message back
 * (delivered stays delivered). A report for a message whose send is not recorded yet stays
 * stored, and the sender applies it when it records the send. An aggregator's "blacklisted"
 * report marks the person opted out. 200 only after the commit; 503 lets the aggregator retry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callbacks.h"
#include "log.h"
#include "metrics.h"

static const char insert_sql[] =
	"INSERT INTO followup.delivery_reports (aggregator, message_id, by_our_id, status,"
	" raw_status, reason, opt_out) VALUES ($1, $2, $3::boolean, $4, $5, $6, $7::boolean)";

static const char apply_sql[] =
	"WITH m AS (SELECT id FROM followup.outbound_messages WHERE aggregator = $1 AND"
	"   CASE WHEN $3::boolean THEN id::text = $2 ELSE aggregator_message_id = $2 END),"
	" d AS (SELECT d.status, d.reason, d.received_at FROM followup.delivery_reports d"
	"  WHERE d.aggregator = $1 AND d.message_id = $2 AND d.by_our_id = $3::boolean"
	"  ORDER BY followup.outbound_status_rank(d.status) DESC, d.received_at DESC LIMIT 1)"
	" UPDATE followup.outbound_messages o SET status = d.status,"
	"  delivered_at = CASE WHEN d.status = 'delivered' THEN d.received_at END,"
	"  error = coalesce(d.reason, o.error), updated_at = now()"
	" FROM d, m WHERE o.id = m.id AND o.status NOT IN ('queued', 'sending')"
	" AND followup.outbound_status_rank(d.status) > followup.outbound_status_rank(o.status)";

static const char optout_sql[] =
	"UPDATE followup.people SET opted_out_at = coalesce(opted_out_at, now()),"
	" updated_at = now() WHERE $4::boolean AND id IN (SELECT person_id"
	" FROM followup.outbound_messages WHERE aggregator = $1 AND"
	" CASE WHEN $3::boolean THEN id::text = $2 ELSE aggregator_message_id = $2 END)";

static const char *const status_names[] = {
	[AGG_DLR_SENT] = "sent",
	[AGG_DLR_DELIVERED] = "delivered",
	[AGG_DLR_FAILED] = "failed",
	[AGG_DLR_REJECTED] = "rejected",
};

static struct metrics_counter m_dlr = {"followup_delivery_reports_total",
				       "Delivery reports stored.", NULL, 0, NULL};

struct dlr {
	struct app *app;
	struct http_req *req;
	struct db_req *q;
	const struct app_agg *a;
};

static void
dlr_free(void *arg)
{
	struct dlr *d = arg;
	db_cancel(d->q);
	free(d);
}

static void
ack(struct dlr *d)
{
	const char *ctype = "text/plain";
	const char *body = d->a->agg->sms_ack ? d->a->agg->sms_ack(&ctype) : "";
	http_reply(d->req, 200, ctype, body, strlen(body));
}

/* The database could not take it: spooled and acknowledged, or 503 for a retry. */
static void
not_stored(struct dlr *d, const char *why)
{
	if (cb_spool(d->app, d->a, d->req, "delivery") == 0) {
		log_warn("dlr", "spooled", "reason=\"%s\"", why);
		ack(d);
		return;
	}
	log_warn("dlr", "cannot store a delivery report", "reason=\"%s\"", why);
	http_reply_text(d->req, 503, "could not store the report; try again");
}

static void
on_timeout(struct http_req *r, void *arg)
{
	not_stored(arg, "deadline passed");
}

static void
on_stored(void *arg, const struct db_result *res)
{
	struct dlr *d = arg;
	d->q = NULL;
	if (!res->ok) {
		not_stored(d, res->error ? res->error : "?");
		return;
	}
	m_dlr.value++;
	ack(d);
}

static void
delivery(struct app *app, const struct app_agg *a, struct http_req *r)
{
	struct dlr *d = calloc(1, sizeof(*d));
	struct agg_dlr rep = {0};
	struct agg_request rq;
	char err[256] = "no delivery reports from this aggregator";

	if (!d) {
		http_reply_text(r, 503, "out of memory");
		return;
	}
	d->app = app;
	d->req = r;
	d->a = a;
	http_req_on_free(r, dlr_free, d);
	cb_request(r, &rq);
	if (!a->agg->parse_dlr || a->agg->parse_dlr(&rq, &rep, err, sizeof(err)) < 0) {
		agg_dlr_clear(&rep);
		log_info("dlr", "malformed callback", "aggregator=%s reason=\"%s\"", a->agg->name,
			 err);
		http_reply_text(r, 400, err);
		return;
	}
	log_info("dlr", "delivery report", "aggregator=%s id=%s status=%s opt_out=%d",
		 a->agg->name, rep.message_id, status_names[rep.status], rep.opt_out);
	http_req_set_deadline(r, app->cfg->query_timeout_ms + 200, on_timeout, d);
	const char *by = rep.by_our_id ? "true" : "false", *opt = rep.opt_out ? "true" : "false";
	const char *v[7] = {a->agg->name, rep.message_id, by, status_names[rep.status],
			    rep.raw_status, rep.reason, opt};
	struct db_unit *u = db_unit_new(1);
	if (u && db_unit_add(u, insert_sql, 7, v) == 0 && db_unit_add(u, apply_sql, 3, v) == 0 &&
	    db_unit_add(u, optout_sql, 4, (const char *const[]){v[0], v[1], v[2], opt}) == 0)
		d->q = db_submit(app->db, u, app->cfg->query_timeout_ms, on_stored, d);
	else
		db_unit_free(u);
	agg_dlr_clear(&rep);
	if (!d->q)
		http_reply_text(r, 503, "out of memory");
}

void
dlr_flow_init(void)
{
	cb_flows[AGG_CB_DELIVERY] = delivery;
	metrics_register_counter(&m_dlr);
}

/* outbox — claim, send, record; see outbox.h. */
#include "outbox.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aggregator.h"
#include "app.h"
#include "backoff.h"
#include "gsm.h"
#include "http_client.h"
#include "log.h"
#include "metrics.h"

/* Rows claimed by a sender whose lease ran out (a crash), then rows due now, in order, each
 * through its own index; SKIP LOCKED lets other senders take the next ones. Opted-out people
 * get nothing but the confirmation of their STOP (kind 'keyword'): such rows are rejected
 * here, in the same statement, and come back with blocked set. */
static const char claim_sql[] =
	"WITH c1 AS (SELECT id FROM followup.outbound_messages"
	"  WHERE status = 'sending' AND lease_until < now() ORDER BY lease_until"
	"  LIMIT $1::int FOR UPDATE SKIP LOCKED),"
	" c2 AS (SELECT id FROM followup.outbound_messages"
	"  WHERE status = 'queued' AND next_attempt_at <= now() ORDER BY next_attempt_at, id"
	"  LIMIT greatest($1::int - (SELECT count(*) FROM c1), 0) FOR UPDATE SKIP LOCKED),"
	" x AS (SELECT c.id, (p.opted_out_at IS NOT NULL AND o.kind <> 'keyword') AS blocked"
	"  FROM (SELECT id FROM c1 UNION ALL SELECT id FROM c2) c"
	"  JOIN followup.outbound_messages o ON o.id = c.id"
	"  LEFT JOIN followup.people p ON p.id = o.person_id)"
	" UPDATE followup.outbound_messages o SET"
	"  status = CASE WHEN x.blocked THEN 'rejected' ELSE 'sending' END,"
	"  error = CASE WHEN x.blocked THEN 'opted out' ELSE o.error END,"
	"  attempts = o.attempts + CASE WHEN x.blocked THEN 0 ELSE 1 END,"
	"  lease_until = CASE WHEN x.blocked THEN NULL"
	"   ELSE now() + make_interval(secs => $2::int) END,"
	"  aggregator = $3, updated_at = now()"
	" FROM x WHERE o.id = x.id"
	" RETURNING o.id, o.phone, o.text, o.attempts, x.blocked";

/* Sent: the aggregator's id, the cost and the segments. */
static const char sent_sql[] =
	"UPDATE followup.outbound_messages SET status = 'sent', sent_at = now(),"
	" lease_until = NULL, aggregator_message_id = nullif($2, ''),"
	" cost = nullif(regexp_replace($3, '[^0-9.]', '', 'g'), '')::numeric,"
	" currency = nullif(regexp_replace($3, '[0-9. ]', '', 'g'), ''),"
	" segments = $4::smallint, error = NULL, updated_at = now()"
	" WHERE id = $1::bigint AND status = 'sending'";

/* The same for a batch of sends: one round trip and one commit for many messages. $1 is a
 * JSON array of {id, mid, cost, seg}. */
static const char sent_batch_sql[] =
	"UPDATE followup.outbound_messages o SET status = 'sent', sent_at = now(),"
	" lease_until = NULL, aggregator_message_id = nullif(b.mid, ''),"
	" cost = nullif(regexp_replace(b.cost, '[^0-9.]', '', 'g'), '')::numeric,"
	" currency = nullif(regexp_replace(b.cost, '[0-9. ]', '', 'g'), ''),"
	" segments = b.seg, error = NULL, updated_at = now()"
	" FROM json_to_recordset($1::json) AS b(id bigint, mid text, cost text, seg smallint)"
	" WHERE o.id = b.id AND o.status = 'sending'";

static const char apply_batch_sql[] =
	"WITH d AS (SELECT DISTINCT ON (m.id) m.id, d.status, d.reason, d.received_at"
	"  FROM json_to_recordset($1::json) AS b(id bigint)"
	"  JOIN followup.outbound_messages m ON m.id = b.id"
	"  JOIN followup.delivery_reports d ON d.aggregator = m.aggregator AND"
	"   ((NOT d.by_our_id AND d.message_id = m.aggregator_message_id)"
	"    OR (d.by_our_id AND d.message_id = m.id::text))"
	"  ORDER BY m.id, followup.outbound_status_rank(d.status) DESC, d.received_at DESC)"
	" UPDATE followup.outbound_messages o SET status = d.status,"
	"  delivered_at = CASE WHEN d.status = 'delivered' THEN d.received_at END,"
	"  error = coalesce(d.reason, o.error), updated_at = now()"
	" FROM d WHERE o.id = d.id"
	" AND followup.outbound_status_rank(d.status) > followup.outbound_status_rank(o.status)";

/* Then, in the same transaction, a delivery report that beat the record of its send. */
static const char apply_sql[] =
	"WITH m AS (SELECT id, aggregator, aggregator_message_id FROM followup.outbound_messages"
	"  WHERE id = $1::bigint),"
	" d AS (SELECT d.status, d.reason, d.received_at FROM followup.delivery_reports d, m"
	"  WHERE (NOT d.by_our_id AND d.aggregator = m.aggregator"
	"   AND d.message_id = m.aggregator_message_id)"
	"   OR (d.by_our_id AND d.aggregator = m.aggregator AND d.message_id = m.id::text)"
	"  ORDER BY followup.outbound_status_rank(d.status) DESC, d.received_at DESC LIMIT 1)"
	" UPDATE followup.outbound_messages o SET status = d.status,"
	"  delivered_at = CASE WHEN d.status = 'delivered' THEN d.received_at END,"
	"  error = coalesce(d.reason, o.error), updated_at = now()"
	" FROM d WHERE o.id = $1::bigint"
	" AND followup.outbound_status_rank(d.status) > followup.outbound_status_rank(o.status)";

static const char retry_sql[] =
	"UPDATE followup.outbound_messages SET"
	" status = CASE WHEN attempts >= $3::int THEN 'failed' ELSE 'queued' END,"
	" next_attempt_at = now() + make_interval(secs => $2::double precision / 1000),"
	" lease_until = NULL, error = $4, updated_at = now()"
	" WHERE id = $1::bigint AND status = 'sending'";

static const char failed_sql[] =
	"UPDATE followup.outbound_messages SET status = $2, lease_until = NULL, error = $3,"
	" segments = $4::smallint, updated_at = now() WHERE id = $1::bigint AND status = 'sending'";

static const char optout_sql[] =
	"UPDATE followup.people SET opted_out_at = coalesce(opted_out_at, now()),"
	" updated_at = now() WHERE id = (SELECT person_id FROM followup.outbound_messages"
	" WHERE id = $1::bigint)";

struct outbox {
	struct app *app;
	struct hc_client *http;
	struct event *tick;        /* poll, rate-limit wait, and deferred kicks */
	struct db_req *claim;      /* the claim in flight, or NULL */
	size_t inflight;           /* claimed rows not yet recorded */
	size_t sending;            /* of those, sends the aggregator has not answered yet */
	int stopping;
	double tokens;             /* rate limit: sends allowed now */
	struct timespec refill;
	struct send *sends;        /* list of sends in flight, for outbox_free */
	/* Accepted sends waiting to be recorded together (a few milliseconds at most). */
	struct batch *open;
	struct batch *flushing;    /* list of batches being written */
	struct event *flush_ev;
};

#define BATCH_MAX 64

struct batch {
	struct outbox *o;
	struct batch *next;
	struct db_req *rec;
	json_t *rows;
	struct send *sends[BATCH_MAX];
	size_t n;
};

/* One claimed message, from claim to record. */
struct send {
	struct outbox *o;
	struct send *next, *prev;
	struct hc_handle *h;
	struct db_req *rec;
	char id[24];
	char *phone, *text;
	int attempts, segments;
	int answered;              /* the outcome is known; only its record is pending */
};

static struct metrics_counter m_sent = {"followup_outbox_total", "Outbound SMS by outcome.",
					"outcome=\"sent\"", 0, NULL};
static struct metrics_counter m_retry = {"followup_outbox_total", "Outbound SMS by outcome.",
					 "outcome=\"retry\"", 0, NULL};
static struct metrics_counter m_failed = {"followup_outbox_total", "Outbound SMS by outcome.",
					  "outcome=\"failed\"", 0, NULL};
static struct metrics_counter m_optout = {"followup_outbox_total", "Outbound SMS by outcome.",
					  "outcome=\"opted_out\"", 0, NULL};

static void claim(struct outbox *o);
static void send_free(struct send *s);
static int batch_add(struct send *s, const struct agg_send_result *res);

static void
arm(struct outbox *o, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	evtimer_add(o->tick, &tv);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	claim(arg);
}

void
outbox_kick(struct outbox *o)
{
	/* Through the loop: callers may be inside a database or HTTP callback. */
	arm(o, 0);
}

static void
on_notify(void *arg, const char *channel, const char *payload)
{
	outbox_kick(arg);
}

static void
send_free(struct send *s)
{
	struct outbox *o = s->o;
	if (!s->answered)
		o->sending--;
	if (s->prev)
		s->prev->next = s->next;
	else
		o->sends = s->next;
	if (s->next)
		s->next->prev = s->prev;
	hc_cancel(s->h);
	db_cancel(s->rec);
	free(s->phone);
	free(s->text);
	free(s);
	o->inflight--;
}

static void
on_recorded(void *arg, const struct db_result *r)
{
	struct send *s = arg;
	struct outbox *o = s->o;
	s->rec = NULL;
	if (!r->ok)
		/* The lease runs out and the row is sent again: a duplicate at worst. */
		log_error("outbox", "cannot record a send", "id=%s reason=\"%s\"", s->id,
			  r->error ? r->error : "?");
	send_free(s);
	outbox_kick(o);
}

static void
batch_free(struct batch *b)
{
	json_decref(b->rows);
	free(b);
}

static void
on_batch_recorded(void *arg, const struct db_result *r)
{
	struct batch *b = arg;
	struct outbox *o = b->o;
	b->rec = NULL;
	if (!r->ok)
		/* Their leases run out and they are sent again: duplicates at worst. */
		log_error("outbox", "cannot record sends", "n=%zu reason=\"%s\"", b->n,
			  r->error ? r->error : "?");
	for (struct batch **pp = &o->flushing; *pp; pp = &(*pp)->next)
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	for (size_t i = 0; i < b->n; i++)
		send_free(b->sends[i]);
	batch_free(b);
	outbox_kick(o);
}

/* Writes the open batch: its sends, then any delivery report that beat them. */
static void
batch_flush(struct outbox *o)
{
	struct batch *b = o->open;
	char *json;
	if (!b)
		return;
	o->open = NULL;
	json = json_dumps(b->rows, JSON_COMPACT);
	struct db_unit *u = db_unit_new(1);
	const char *v[1] = {json};
	if (json && u && db_unit_add(u, sent_batch_sql, 1, v) == 0 &&
	    db_unit_add(u, apply_batch_sql, 1, v) == 0)
		b->rec = db_submit(o->app->db, u, o->app->cfg->query_timeout_ms, on_batch_recorded,
				   b);
	else
		db_unit_free(u);
	free(json);
	b->next = o->flushing;
	o->flushing = b;
	if (!b->rec) {
		struct db_result fail = {.ok = 0, .error = "out of memory"};
		on_batch_recorded(b, &fail);
	}
}

static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
	batch_flush(arg);
}

/* Adds an accepted send to the open batch; 0, or -1 when no batch can be had. */
static int
batch_add(struct send *s, const struct agg_send_result *res)
{
	struct outbox *o = s->o;
	struct batch *b = o->open;
	if (!b) {
		if (!(b = calloc(1, sizeof(*b))) || !(b->rows = json_array())) {
			free(b);
			return -1;
		}
		b->o = o;
		o->open = b;
		/* A few milliseconds gathers the sends completing together. */
		struct timeval tv = {0, 2000};
		evtimer_add(o->flush_ev, &tv);
	}
	json_t *row = json_pack("{s:s, s:s, s:s, s:i}", "id", s->id, "mid", res->id, "cost",
				res->cost, "seg", s->segments);
	if (!row || json_array_append_new(b->rows, row) < 0)
		return -1;
	b->sends[b->n++] = s;
	if (b->n == BATCH_MAX || o->sending == 0) {
		evtimer_del(o->flush_ev);
		batch_flush(o);
	}
	return 0;
}

/* Writes the outcome of one send. */
static void
record(struct send *s, const struct agg_send_result *res)
{
	/* The aggregator has answered: its slot can take the next message while the outcome
	 * is being written. */
	if (!s->answered) {
		s->answered = 1;
		s->o->sending--;
		outbox_kick(s->o);
	}
	struct outbox *o = s->o;
	const struct cfg *c = o->app->cfg;
	struct db_unit *u = db_unit_new(1);
	char seg[12], delay[24], max[12], p[16];
	int ok = u != NULL;

	snprintf(seg, sizeof(seg), "%d", s->segments);
	switch (res->outcome) {
	case AGG_SEND_ACCEPTED: {
		m_sent.value++;
		log_info("outbox", "sent", "id=%s to=%s segments=%d attempt=%d", s->id,
			 log_phone(p, sizeof(p), s->phone), s->segments, s->attempts);
		db_unit_free(u);
		if (batch_add(s, res) == 0)
			return;
		/* No batch (out of memory): record this one alone. */
		u = db_unit_new(1);
		ok = u != NULL;
		const char *v[4] = {s->id, res->id, res->cost, seg};
		const char *w[1] = {s->id};
		ok = ok && db_unit_add(u, sent_sql, 4, v) == 0 && db_unit_add(u, apply_sql, 1, w) == 0;
		break;
	}
	case AGG_SEND_RETRY: {
		double r = (double)rand() / ((double)RAND_MAX + 1.0);
		snprintf(delay, sizeof(delay), "%llu",
			 (unsigned long long)backoff_delay_ms((unsigned)(s->attempts - 1),
							      (uint64_t)c->out_retry_base_ms,
							      (uint64_t)c->out_retry_max_ms, r));
		snprintf(max, sizeof(max), "%d", c->out_max_attempts);
		const char *v[4] = {s->id, delay, max, res->reason};
		ok = ok && db_unit_add(u, retry_sql, 4, v) == 0;
		m_retry.value++;
		log_warn("outbox", "send failed; will retry", "id=%s to=%s attempt=%d delay_ms=%s "
			 "reason=\"%s\"", s->id, log_phone(p, sizeof(p), s->phone), s->attempts,
			 delay, res->reason);
		break;
	}
	case AGG_SEND_FAILED:
	case AGG_SEND_OPTED_OUT: {
		int opt = res->outcome == AGG_SEND_OPTED_OUT;
		const char *v[4] = {s->id, opt ? "rejected" : "failed", res->reason, seg};
		ok = ok && db_unit_add(u, failed_sql, 4, v) == 0;
		if (opt) {
			const char *w[1] = {s->id};
			ok = ok && db_unit_add(u, optout_sql, 1, w) == 0;
			m_optout.value++;
		} else {
			m_failed.value++;
		}
		log_warn("outbox", opt ? "recipient opted out" : "send failed for good",
			 "id=%s to=%s reason=\"%s\"", s->id, log_phone(p, sizeof(p), s->phone),
			 res->reason);
		break;
	}
	}
	if (ok)
		s->rec = db_submit(o->app->db, u, c->query_timeout_ms, on_recorded, s);
	else
		db_unit_free(u);
	if (!s->rec) {
		log_error("outbox", "cannot record a send", "id=%s reason=\"out of memory\"", s->id);
		send_free(s);
	}
}

static void
on_sent(const struct hc_resp *resp, void *arg)
{
	struct send *s = arg;
	struct agg_send_result res = {0};
	const struct aggregator *agg = s->o->app->sender->agg;
	s->h = NULL;
	agg->read_send(s->o->app->sender->conf, resp->status, resp->body, resp->body_len, &res);
	if (resp->error && res.outcome == AGG_SEND_RETRY && !res.reason[0])
		snprintf(res.reason, sizeof(res.reason), "%s", resp->error);
	record(s, &res);
}

/* Sends one claimed row. */
static void
start_send(struct outbox *o, struct send *s)
{
	const struct app_agg *a = o->app->sender;
	char *gsm = gsm_transliterate(s->text);
	const char *text = gsm && gsm_is_gsm7(gsm) ? gsm : s->text;
	struct agg_outmsg m = {s->id, s->phone, text, o->app->cfg->public_url};
	struct agg_send_result res = {0};
	enum gsm_coding coding;
	size_t units;

	s->segments = (int)gsm_segments(text, &coding, &units);
	if (a->agg->send_local) {
		a->agg->send_local(a->conf, &m, &res);
		free(gsm);
		record(s, &res);
		return;
	}
	struct agg_http req = {0};
	char err[160];
	if (!a->agg->build_send || a->agg->build_send(a->conf, &m, &req, err, sizeof(err)) < 0) {
		res.outcome = AGG_SEND_FAILED;
		snprintf(res.reason, sizeof(res.reason), "%s",
			 a->agg->build_send ? err : "the aggregator cannot send SMS");
		free(gsm);
		agg_http_clear(&req);
		record(s, &res);
		return;
	}
	struct hc_req hr = {
		.method = req.method,
		.url = req.url,
		.headers = (const char *const *)req.headers,
		.n_headers = req.n_headers,
		.body = req.body,
		.body_len = req.body ? strlen(req.body) : 0,
		.content_type = req.content_type,
		.userpwd = req.userpwd,
		.timeout_ms = o->app->cfg->out_timeout_ms,
	};
	s->h = hc_request(o->http, &hr, on_sent, s);
	agg_http_clear(&req);
	free(gsm);
	if (!s->h) {
		res.outcome = AGG_SEND_RETRY;
		snprintf(res.reason, sizeof(res.reason), "out of memory");
		record(s, &res);
	}
}

static void
on_claimed(void *arg, const struct db_result *r)
{
	struct outbox *o = arg;
	PGresult *rows = r->ok ? r->res[0] : NULL;
	int n = rows ? PQntuples(rows) : 0;

	o->claim = NULL;
	if (!r->ok) {
		log_warn("outbox", "cannot claim", "reason=\"%s\"", r->error ? r->error : "?");
		arm(o, o->app->cfg->out_poll_ms);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (PQgetvalue(rows, i, 4)[0] == 't') {
			m_optout.value++; /* rejected in the claim itself */
			continue;
		}
		struct send *s = calloc(1, sizeof(*s));
		if (!s)
			break;
		s->o = o;
		snprintf(s->id, sizeof(s->id), "%s", PQgetvalue(rows, i, 0));
		s->phone = strdup(PQgetvalue(rows, i, 1));
		s->text = strdup(PQgetvalue(rows, i, 2));
		s->attempts = atoi(PQgetvalue(rows, i, 3));
		s->next = o->sends;
		if (o->sends)
			o->sends->prev = s;
		o->sends = s;
		o->inflight++;
		o->sending++;
		o->tokens -= 1;
		start_send(o, s);
	}
	/* A full batch means more may be waiting; otherwise wait for a notification. */
	arm(o, n > 0 ? 0 : o->app->cfg->out_poll_ms);
}

static void
refill(struct outbox *o)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double dt = (double)(now.tv_sec - o->refill.tv_sec) +
		    (double)(now.tv_nsec - o->refill.tv_nsec) / 1e9;
	double rate = o->app->cfg->out_rate;
	o->refill = now;
	o->tokens += dt * rate;
	/* A burst of at most one second's worth. */
	if (o->tokens > rate)
		o->tokens = rate;
}

static void
claim(struct outbox *o)
{
	const struct cfg *c = o->app->cfg;
	char limit[12], lease[12];
	int room;

	if (o->stopping || o->claim || !o->app->sender)
		return;
	refill(o);
	/* Sends waiting for the aggregator count against the concurrency; outcomes still being
	 * written only against twice that, which bounds memory and what a crash can leave
	 * accepted but unrecorded (sent again after the lease: at most 2 x concurrency). */
	room = c->out_concurrency - (int)o->sending;
	if (room > 2 * c->out_concurrency - (int)o->inflight)
		room = 2 * c->out_concurrency - (int)o->inflight;
	if (room > c->out_batch)
		room = c->out_batch;
	if (room > (int)o->tokens)
		room = (int)o->tokens;
	if (room <= 0) {
		/* Full, or over the rate: look again shortly (a recorded send also kicks). */
		arm(o, o->tokens < 1 ? (int)(1000.0 / c->out_rate) + 1 : c->out_poll_ms);
		return;
	}
	snprintf(limit, sizeof(limit), "%d", room);
	snprintf(lease, sizeof(lease), "%d", c->out_lease_secs);
	struct db_unit *u = db_unit_new(1);
	const char *v[3] = {limit, lease, o->app->sender->agg->name};
	if (!u || db_unit_add(u, claim_sql, 3, v) < 0) {
		db_unit_free(u);
		arm(o, c->out_poll_ms);
		return;
	}
	o->claim = db_submit(o->app->db, u, c->query_timeout_ms, on_claimed, o);
}

struct outbox *
outbox_new(struct app *app)
{
	struct outbox *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->app = app;
	o->http = hc_new(app->base, 0, app->cfg->out_concurrency);
	o->tick = evtimer_new(app->base, on_tick, o);
	o->flush_ev = evtimer_new(app->base, on_flush, o);
	if (!o->http || !o->tick || !o->flush_ev) {
		outbox_free(o);
		return NULL;
	}
	o->tokens = 1;
	clock_gettime(CLOCK_MONOTONIC, &o->refill);
	if (db_pool_listen(app->db, "followup_outbox", on_notify, o) < 0)
		log_warn("outbox", "cannot listen for new rows; polling only", NULL);
	metrics_register_counter(&m_sent);
	metrics_register_counter(&m_retry);
	metrics_register_counter(&m_failed);
	metrics_register_counter(&m_optout);
	arm(o, 100);
	return o;
}

void
outbox_stop(struct outbox *o)
{
	if (!o)
		return;
	o->stopping = 1;
	db_cancel(o->claim);
	o->claim = NULL;
}

size_t
outbox_inflight(const struct outbox *o)
{
	return o ? o->inflight : 0;
}

void
outbox_free(struct outbox *o)
{
	if (!o)
		return;
	db_cancel(o->claim);
	/* Batches: stop their writes; their sends are freed with the rest below. */
	if (o->open)
		o->open->next = o->flushing, o->flushing = o->open, o->open = NULL;
	while (o->flushing) {
		struct batch *b = o->flushing;
		o->flushing = b->next;
		db_cancel(b->rec);
		batch_free(b);
	}
	while (o->sends)
		send_free(o->sends);
	if (o->flush_ev)
		event_free(o->flush_ev);
	hc_free(o->http);
	if (o->tick)
		event_free(o->tick);
	free(o);
}

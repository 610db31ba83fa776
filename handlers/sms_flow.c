/*
 * sms_flow — one inbound SMS, end to end: parse the callback with the adapter, load what the
 * conversation needs in one query, run the pure conversation step (convo.h), then store the
 * message, the step's effects and the guarded replies in one transaction, and acknowledge
 * only after it committed. A message already stored (the aggregator repeated its callback)
 * is acknowledged at once and changes nothing. When the database fails or is too slow the
 * answer is 503, so the aggregator retries; the write is conditional on the message being
 * new, so a retry of a message whose commit we did not see is harmless.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "callbacks.h"
#include "log.h"
#include "metrics.h"
#include "reply.h"
#include "sms_store.h"

/* Loads of one message when its person's conversation changed between load and write (a
 * concurrent message, a check-in starting): each retry sees the newer state. */
#define SMS_MAX_LOADS 3

/* One inbound SMS in flight. */
struct msg {
	struct app *app;
	const struct app_agg *a;
	struct http_req *req;
	struct db_req *q;
	struct agg_sms s;
	int loads;
	char sent_at[24]; /* the aggregator's time as unix seconds, or "" */
	/* for the log line after the commit */
	const char *status;
	char step[2][12];
	size_t n_fx;
};

static struct metrics_counter m_stored = {"followup_sms_inbound_total", "Inbound SMS handled.",
					  "outcome=\"stored\"", 0, NULL};
static struct metrics_counter m_repeats = {"followup_sms_inbound_total",
					   "Inbound SMS handled.", "outcome=\"repeated\"", 0,
					   NULL};
static struct metrics_counter m_failed = {"followup_sms_inbound_total", "Inbound SMS handled.",
					  "outcome=\"retry_later\"", 0, NULL};

static void load(struct msg *m);

static void
msg_free(void *arg)
{
	struct msg *m = arg;
	db_cancel(m->q);
	agg_sms_clear(&m->s);
	free(m);
}

static void
ack(struct msg *m)
{
	const char *ctype = "text/plain", *body = "";
	if (m->a->agg->sms_ack)
		body = m->a->agg->sms_ack(&ctype);
	http_reply(m->req, 200, ctype, body, strlen(body));
}

/* 503: nothing (or nothing we can vouch for) was stored; the aggregator sends it again. */
static void
retry_later(struct msg *m, const char *why)
{
	char p[16];
	if (cb_spool(m->app, m->a, m->req, "sms") == 0) {
		/* On local disk now; replayed into the database once it answers again. */
		log_warn("sms", "spooled", "id=%s phone=%s reason=\"%s\"", m->s.id,
			 log_phone(p, sizeof(p), m->s.from), why);
		ack(m);
		return;
	}
	m_failed.value++;
	log_warn("sms", "not stored; asked to retry", "id=%s phone=%s reason=\"%s\"", m->s.id,
		 log_phone(p, sizeof(p), m->s.from), why);
	http_reply_text(m->req, 503, "could not store the message; try again");
}

static void
on_deadline(struct http_req *r, void *arg)
{
	(void)r;
	retry_later(arg, "deadline passed");
}

static void
on_written(void *arg, const struct db_result *res)
{
	struct msg *m = arg;
	json_t *doc = NULL;
	char p[16];

	m->q = NULL;
	if (!res->ok || res->n < 2 || PQntuples(res->res[1]) != 1) {
		retry_later(m, res->error ? res->error : "write failed");
		return;
	}
	doc = json_loads(PQgetvalue(res->res[1], 0, 0), 0, NULL);
	json_t *id = json_object_get(doc, "id");
	if (json_is_integer(id)) {
		m_stored.value++;
		log_info("sms", "inbound", "id=%s phone=%s inbound=%lld status=%s step=%s->%s"
			 " effects=%zu replies=%lld", m->s.id, log_phone(p, sizeof(p), m->s.from),
			 (long long)json_integer_value(id), m->status, m->step[0], m->step[1],
			 m->n_fx, (long long)json_integer_value(json_object_get(doc, "replies")));
		ack(m);
	} else if (json_is_true(json_object_get(doc, "dup"))) {
		m_repeats.value++;
		log_info("sms", "repeated callback", "id=%s phone=%s", m->s.id,
			 log_phone(p, sizeof(p), m->s.from));
		ack(m);
	} else if (json_is_object(doc) && m->loads < SMS_MAX_LOADS) {
		/* The conversation moved on between our load and our write: read it again. */
		log_debug("sms", "conversation changed; loading again", "id=%s", m->s.id);
		load(m);
	} else {
		retry_later(m, doc ? "conversation kept changing" : "unreadable write result");
	}
	json_decref(doc);
}

/* The catalog languages as "en es fr", for {codes}. */
static void
lang_codes(const struct catalog *cat, char *buf, size_t len)
{
	const char *const *codes;
	size_t n = cat_langs(cat, &codes), o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "", codes[i]);
}

/* Everything the write needs, owned here until it is submitted (db_unit_add copies). */
struct plan {
	const char *v[SMS_W_COUNT];
	char at[24], person[24], item[24], item_status[4], reasks[4], max[12];
	char old_state[CONVO_ENCODED_MAX], new_state[CONVO_ENCODED_MAX];
	char *effects, *replies;
	struct convo_out out;
	struct reply_reading rd;
};

/* Runs the conversation for this message and fills pl. Returns 0, or -1 with a reason. */
static int
plan_write(struct msg *m, json_t *doc, struct reply_reader *rr, struct plan *pl,
	   const char **why)
{
	json_t *person = json_object_get(doc, "person");
	json_t *conv = json_object_get(doc, "conversation");
	const char *text = m->s.text ? m->s.text : "", *old = NULL, *lang;
	size_t len = strlen(text), dropped = 0;
	struct convo_state st, before;
	char codes[64];
	bool keyword;

	lang_codes(m->app->cat, codes, sizeof(codes));
	snprintf(pl->at, sizeof(pl->at), "%lld",
		 (long long)json_integer_value(json_object_get(doc, "at")));
	memset(&st, 0, sizeof(st));
	if (json_is_object(person)) {
		struct convo_ctx ctx = {.opted_out = json_is_true(json_object_get(person,
										   "opted_out")),
					.lang_codes = codes};
		lang = json_string_value(json_object_get(person, "language"));
		ctx.lang = lang;
		snprintf(pl->person, sizeof(pl->person), "%lld",
			 (long long)json_integer_value(json_object_get(person, "id")));
		old = json_string_value(json_object_get(conv, "state"));
		if (old && convo_state_decode(old, &st) < 0)
			log_warn("sms", "unreadable conversation state; treated as none",
				 "person=%s", pl->person);
		before = st;
		reply_read(rr, text, len, lang, &pl->rd);
		convo_step(&st, &pl->rd, text, len, &ctx, json_integer_value(json_object_get(doc,
											      "at")),
			   &pl->out);
		if (json_is_object(conv) && convo_state_encode(&st, pl->new_state,
							       sizeof(pl->new_state)) < 0) {
			*why = "state too large";
			return -1;
		}
		if (old)
			snprintf(pl->old_state, sizeof(pl->old_state), "%s", old);
	} else {
		/* Not a person we know: kept for staff and answered at most once a day; a STOP
		 * from a stranger gets no answer at all. Stepping a closed conversation with the
		 * keyword cleared gives exactly that, with the text cleaned as for everyone. */
		struct reply_reading plain;
		struct convo_ctx ctx = {.lang = cb_lang_for_phone(m->s.from), .lang_codes = codes};
		reply_read(rr, text, len, ctx.lang, &pl->rd);
		plain = pl->rd;
		plain.keyword = REPLY_KW_NONE;
		before = st;
		convo_step(&st, &plain, text, len, &ctx, 0, &pl->out);
		if (pl->rd.keyword == REPLY_KW_STOP)
			pl->out.n_replies = 0;
		pl->rd.keyword = REPLY_KW_NONE;
	}
	keyword = pl->rd.keyword != REPLY_KW_NONE;
	pl->effects = sms_store_effects_json(&pl->out);
	pl->replies = sms_store_replies_json(m->app->cat, pl->out.replies, pl->out.n_replies,
					     keyword, &dropped);
	if (!pl->effects || !pl->replies) {
		*why = "out of memory";
		return -1;
	}
	if (dropped)
		log_warn("sms", "reply missing from the catalog; not sent", "count=%zu", dropped);

	m->status = json_is_object(person) ? sms_store_inbound_status(&pl->rd, &pl->out)
					   : "unmatched";
	m->n_fx = pl->out.n_fx;
	snprintf(m->step[0], sizeof(m->step[0]), "%s", convo_step_name(before.step));
	snprintf(m->step[1], sizeof(m->step[1]), "%s", convo_step_name(st.step));
	if (st.step != CONVO_STEP_NONE && st.step != CONVO_STEP_STORY &&
	    st.step != CONVO_STEP_DONE && st.cur < st.n_items)
		snprintf(pl->item, sizeof(pl->item), "%lld", (long long)st.items[st.cur].id);
	snprintf(pl->item_status, sizeof(pl->item_status), "%u", st.cur_status);
	snprintf(pl->reasks, sizeof(pl->reasks), "%u", st.reasks);
	snprintf(pl->max, sizeof(pl->max), "%d", m->app->cfg->sms_max_replies_per_hour);

	pl->v[SMS_W_AGGREGATOR] = m->a->agg->name;
	pl->v[SMS_W_MESSAGE_ID] = m->s.id;
	pl->v[SMS_W_PHONE] = m->s.from;
	pl->v[SMS_W_TO] = m->s.to;
	pl->v[SMS_W_TEXT] = pl->out.text;
	pl->v[SMS_W_AT] = pl->at;
	pl->v[SMS_W_PERSON] = pl->person[0] ? pl->person : NULL;
	pl->v[SMS_W_STATUS] = m->status;
	pl->v[SMS_W_OLD_STATE] = old ? pl->old_state : NULL;
	pl->v[SMS_W_NEW_STATE] = pl->new_state[0] ? pl->new_state : NULL;
	pl->v[SMS_W_STEP] = convo_step_name(st.step);
	pl->v[SMS_W_ITEM] = pl->item[0] ? pl->item : NULL;
	pl->v[SMS_W_ITEM_STATUS] = st.cur_status ? pl->item_status : NULL;
	pl->v[SMS_W_REASKS] = pl->reasks;
	pl->v[SMS_W_ASKED] =
		before.step != st.step || before.cur != st.cur || before.reasks != st.reasks
			? "t"
			: "f";
	pl->v[SMS_W_EFFECTS] = pl->effects;
	pl->v[SMS_W_REPLIES] = pl->replies;
	pl->v[SMS_W_MAX_PER_HOUR] = pl->max;
	return 0;
}

/* The reply reader of the catalog in use: built once per catalog load (it compiles a few
 * hundred phrases of six languages), rebuilt when a reload brings a new catalog. */
static struct reply_reader *cached_reader;
static unsigned long cached_generation;

static struct reply_reader *
reader_for(const struct catalog *cat, char *err, size_t errlen)
{
	if (cached_reader && cached_generation == cat_generation(cat))
		return cached_reader;
	struct reply_reader *rr = reply_reader_new(cat, err, errlen);
	if (!rr)
		return NULL;
	reply_reader_free(cached_reader);
	cached_reader = rr;
	cached_generation = cat_generation(cat);
	return rr;
}

static void
on_loaded(void *arg, const struct db_result *res)
{
	struct msg *m = arg;
	struct plan *pl = NULL;
	struct reply_reader *rr = NULL;
	struct db_unit *u = NULL;
	json_t *doc = NULL;
	const char *why = "out of memory";
	char err[256], p[16];

	m->q = NULL;
	if (!res->ok || PQntuples(res->res[0]) != 1) {
		retry_later(m, res->error ? res->error : "no context");
		return;
	}
	doc = json_loads(PQgetvalue(res->res[0], 0, 0), 0, NULL);
	if (!doc) {
		retry_later(m, "unreadable context");
		return;
	}
	if (json_is_true(json_object_get(doc, "seen"))) {
		m_repeats.value++;
		log_info("sms", "repeated callback", "id=%s phone=%s", m->s.id,
			 log_phone(p, sizeof(p), m->s.from));
		ack(m);
		goto out;
	}
	rr = reader_for(m->app->cat, err, sizeof(err));
	if (!rr) {
		log_error("sms", "catalog word lists unusable", "reason=\"%s\"", err);
		why = "catalog word lists unusable";
		goto fail;
	}
	pl = calloc(1, sizeof(*pl));
	if (!pl || plan_write(m, doc, rr, pl, &why) < 0)
		goto fail;
	const char *phone[1] = {m->s.from};
	u = db_unit_new(1);
	if (!u || db_unit_add(u, sms_store_lock_sql, 1, phone) < 0 ||
	    db_unit_add(u, sms_store_write_sql, SMS_W_COUNT, pl->v) < 0) {
		db_unit_free(u);
		goto fail;
	}
	m->q = db_submit(m->app->db, u, m->app->cfg->query_timeout_ms, on_written, m);
	if (!m->q)
		goto fail;
	goto out;
fail:
	retry_later(m, why);
out:
	if (pl) {
		free(pl->effects);
		free(pl->replies);
	}
	free(pl);
	json_decref(doc);
}

static void
load(struct msg *m)
{
	const char *v[4] = {m->a->agg->name, m->s.id, m->s.from,
			    m->sent_at[0] ? m->sent_at : NULL};
	m->loads++;
	m->q = db_query(m->app->db, sms_store_load_sql, 4, v, m->app->cfg->query_timeout_ms,
			on_loaded, m);
	if (!m->q)
		retry_later(m, "out of memory");
}

/* "2017-05-03T06:04:45Z" (the adapters' normalized form) as unix seconds into buf, or ""
 * when it is not exactly that form or not a real time (PostgreSQL would refuse it, and
 * refusing the whole message for its date would lose it). */
static void
sent_at_seconds(const char *iso, char *buf, size_t len)
{
	struct tm tm = {0}, back;
	time_t t;
	buf[0] = '\0';
	if (!iso || strlen(iso) != 20 ||
	    sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return;
	tm.tm_year -= 1900, tm.tm_mon -= 1;
	back = tm;
	t = timegm(&back);
	if (t == (time_t)-1 || back.tm_mday != tm.tm_mday || back.tm_mon != tm.tm_mon ||
	    back.tm_hour != tm.tm_hour || back.tm_min != tm.tm_min || back.tm_sec != tm.tm_sec)
		return;
	snprintf(buf, len, "%lld", (long long)t);
}

static void
sms_inbound(struct app *app, const struct app_agg *a, struct http_req *r)
{
	struct msg *m = calloc(1, sizeof(*m));
	struct agg_request rq;
	char err[256] = "malformed callback";

	if (!m) {
		http_reply_text(r, 503, "out of memory");
		return;
	}
	m->app = app, m->a = a, m->req = r;
	http_req_on_free(r, msg_free, m);
	cb_request(r, &rq);
	if (!a->agg->parse_sms || a->agg->parse_sms(&rq, &m->s, err, sizeof(err)) < 0) {
		log_info("sms", "malformed callback", "aggregator=%s reason=\"%s\"", a->agg->name,
			 err);
		http_reply_text(r, 400, err);
		return;
	}
	sent_at_seconds(m->s.received_at, m->sent_at, sizeof(m->sent_at));
	http_req_set_deadline(r, app->cfg->query_timeout_ms, on_deadline, m);
	load(m);
}

void
sms_flow_init(void)
{
	cb_flows[AGG_CB_SMS] = sms_inbound;
	metrics_register_counter(&m_stored);
	metrics_register_counter(&m_repeats);
	metrics_register_counter(&m_failed);
}

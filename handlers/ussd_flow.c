/*
 * ussd_flow — one USSD hop, end to end: parse the callback with the adapter, load the session
 * and the person's context from PostgreSQL in one query, run the pure menu step, then store
 * the new state, the hop and its effects in one statement, and answer the screen. A hop
 * already stored (the aggregator repeated a request) gets the same answer again and stores
 * nothing. Whatever happens, the phone gets a well-formed answer within [ussd] deadline_ms:
 * when the database is slow or down, an END screen saying the service is busy.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callbacks.h"
#include "log.h"
#include "menu.h"
#include "metrics.h"
#include "ussd_text.h"

#define HOP_MAX_TOPICS 64
#define HOP_MAX_ITEMS 32
#define HOP_MAX_INPUTS 48

/* One request in flight. */
struct hop {
	struct app *app;
	const struct app_agg *a;
	struct http_req *req;
	struct db_req *q;
	struct agg_ussd u;
	char lang[4];             /* for the busy screen: the person's, or a guess */
	char body[MENU_TEXT_SIZE + 16];
	const char *ctype;
};

/* The load query: the session, a stored hop with the same text, the person, a resumable
 * session, and the menus' context, as one JSON document. */
static const char load_sql[] =
	"WITH p AS (SELECT id, name, language, timezone FROM followup.people WHERE phone = $3),"
	" s AS (SELECT id, state, last_text, status, ref FROM followup.ussd_sessions"
	"       WHERE aggregator = $1 AND session_id = $2),"
	" today AS (SELECT (now() AT TIME ZONE coalesce((SELECT timezone FROM p), 'UTC'))::date"
	"           AS d),"
	" ch AS (SELECT c.id AS champion_id, r.id AS route_id, r.code, r.visit_start"
	"        FROM followup.champions c JOIN followup.routes r ON r.id = c.route_id"
	"        WHERE c.person_id = (SELECT id FROM p)"
	"        ORDER BY r.visit_end DESC, r.id DESC LIMIT 1),"
	" pl AS (SELECT ap.id AS plan_id FROM followup.action_plans ap"
	"        JOIN followup.routes r ON r.id = ap.route_id"
	"        WHERE ap.person_id = (SELECT id FROM p)"
	"        ORDER BY r.visit_end DESC, r.id DESC LIMIT 1)"
	" SELECT json_build_object("
	"  'person', (SELECT row_to_json(p) FROM p),"
	"  'session', (SELECT row_to_json(s) FROM s),"
	"  'hop_answer', (SELECT h.answer FROM followup.ussd_hops h JOIN s"
	"                 ON h.ussd_session_id = s.id WHERE h.input = $4),"
	"  'resume_state', (SELECT o.state FROM followup.ussd_sessions o"
	"                   WHERE o.phone = $3 AND o.status = 'open'"
	"                   AND NOT (o.aggregator = $1 AND o.session_id = $2)"
	"                   AND o.updated_at > now() - make_interval(mins => $5::int)"
	"                   ORDER BY o.updated_at DESC LIMIT 1),"
	"  'today', (SELECT d FROM today),"
	"  'champion', (SELECT json_build_object('champion_id', ch.champion_id,"
	"     'route_id', ch.route_id, 'code', ch.code, 'visit_start', ch.visit_start,"
	"     'topics', (SELECT coalesce(json_agg(json_build_object('id', t.id, 'title', t.title)"
	"                ORDER BY t.id), '[]') FROM followup.topics t WHERE t.route_id = ch.route_id),"
	"     'month', (SELECT json_build_object('n', count(*), 'women', coalesce(sum(women), 0),"
	"                'men', coalesce(sum(men), 0)) FROM followup.champion_sessions cs"
	"                WHERE cs.champion_id = ch.champion_id AND date_trunc('month',"
	"                cs.session_date) = date_trunc('month', (SELECT d FROM today))))"
	"     FROM ch),"
	"  'items', (SELECT coalesce(json_agg(json_build_object('id', i.id, 'title', i.title,"
	"     'status', coalesce((SELECT pr.status FROM followup.progress_reports pr"
	"        WHERE pr.action_item_id = i.id ORDER BY pr.reported_at DESC, pr.id DESC LIMIT 1),"
	"        0)) ORDER BY i.id), '[]')"
	"     FROM followup.action_items i WHERE i.plan_id = (SELECT plan_id FROM pl)))";

/* The write: session upsert, the hop (once per session and text), and the step's effects,
 * applied only when the hop is new; other open sessions of the phone are closed as dropped
 * on a session's first hop, since their state was offered for resuming. */
static const char write_sql[] =
	"WITH s AS (INSERT INTO followup.ussd_sessions AS u (aggregator, session_id, phone,"
	"    service_code, person_id, state, screen, last_text, hops, status, ended_at)"
	"  VALUES ($1, $2, $3, $4, $5::bigint, $6, $7, $8, 1, $9,"
	"          CASE WHEN $9 = 'ended' THEN now() END)"
	"  ON CONFLICT (aggregator, session_id) DO UPDATE SET state = EXCLUDED.state,"
	"    screen = EXCLUDED.screen, last_text = EXCLUDED.last_text, hops = u.hops + 1,"
	"    person_id = EXCLUDED.person_id, updated_at = now(),"
	"    status = CASE WHEN u.status = 'open' THEN EXCLUDED.status ELSE u.status END,"
	"    ended_at = coalesce(u.ended_at, EXCLUDED.ended_at)"
	"  RETURNING id, ref),"
	" h AS (INSERT INTO followup.ussd_hops (ussd_session_id, input, screen, answer)"
	"  SELECT id, $8, $7, $10 FROM s ON CONFLICT DO NOTHING RETURNING ussd_session_id),"
	" d AS (UPDATE followup.ussd_sessions o SET status = 'dropped', updated_at = now()"
	"  WHERE $8 = '' AND o.phone = $3 AND o.status = 'open'"
	"  AND NOT (o.aggregator = $1 AND o.session_id = $2)),"
	" cs AS (INSERT INTO followup.champion_sessions (reference, champion_id, topic_id,"
	"    session_date, women, men, source, ussd_session_id)"
	"  SELECT coalesce($11::text, s.ref), $12::bigint, $13::bigint, $14::date, $15::int,"
	"    $16::int, 'ussd', h.ussd_session_id FROM h JOIN s ON s.id = h.ussd_session_id"
	"  WHERE $12::bigint IS NOT NULL ON CONFLICT (ussd_session_id) DO NOTHING),"
	" pr AS (INSERT INTO followup.progress_reports (action_item_id, status, people_reached,"
	"    source, source_key, ussd_session_id)"
	"  SELECT $17::bigint, $18::smallint, $19::int, 'ussd', 'ussd:' || $1 || ':' || $2,"
	"    h.ussd_session_id FROM h WHERE $17::bigint IS NOT NULL"
	"  ON CONFLICT (source_key) DO NOTHING),"
	" lg AS (UPDATE followup.people SET language = $20::text, updated_at = now()"
	"  WHERE id = $5::bigint AND $20::text IS NOT NULL AND EXISTS (SELECT 1 FROM h))"
	" SELECT id FROM s";

static struct metrics_counter m_hops = {"followup_ussd_hops_total", "USSD hops answered.",
					"outcome=\"answered\"", 0, NULL};
static struct metrics_counter m_repeats = {"followup_ussd_hops_total", "USSD hops answered.",
					   "outcome=\"repeated\"", 0, NULL};
static struct metrics_counter m_busy = {"followup_ussd_hops_total", "USSD hops answered.",
					"outcome=\"busy\"", 0, NULL};

static void
hop_free(void *arg)
{
	struct hop *h = arg;
	db_cancel(h->q);
	agg_ussd_clear(&h->u);
	free(h);
}

static void
answer(struct hop *h, int end, const char *text)
{
	struct agg_ussd_answer a = {end, text};
	if (h->a->agg->format_ussd(&a, h->body, sizeof(h->body), &h->ctype) < 0)
		log_warn("ussd", "screen cut to fit", "session=%s", h->u.session_id);
	http_reply(h->req, 200, h->ctype, h->body, strlen(h->body));
}

static void
answer_busy(struct hop *h, const char *why)
{
	char text[MENU_TEXT_SIZE], p[16];
	menu_render_key(h->app->cat, h->lang, "ussd.busy", text, sizeof(text));
	m_busy.value++;
	log_warn("ussd", "answered busy", "session=%s phone=%s reason=\"%s\"", h->u.session_id,
		 log_phone(p, sizeof(p), h->u.phone), why);
	answer(h, 1, text);
}

static void
on_deadline(struct http_req *r, void *arg)
{
	answer_busy(arg, "deadline passed");
}

static void
on_written(void *arg, const struct db_result *res)
{
	struct hop *h = arg;
	h->q = NULL;
	if (!res->ok) {
		answer_busy(h, res->error ? res->error : "write failed");
		return;
	}
	m_hops.value++;
	http_reply(h->req, 200, h->ctype, h->body, strlen(h->body));
}

/* The menus' context, borrowed from the loaded document (doc must outlive it). */
struct loaded {
	struct menu_ctx ctx;
	struct menu_topic topics[HOP_MAX_TOPICS];
	struct menu_item items[HOP_MAX_ITEMS];
	struct menu_lang langs[CAT_MAX_LANGS];
	const char *person_id, *champion_id, *session_state, *last_text, *resume_state;
	const char *session_ref;
};

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int
read_date(json_t *o, const char *key, struct ussd_date *d)
{
	const char *s = jstr(o, key);
	return s ? ussd_date_parse_iso(s, d) : -1;
}

static int
load_ctx(struct hop *h, json_t *doc, struct loaded *l)
{
	json_t *person = json_object_get(doc, "person");
	json_t *session = json_object_get(doc, "session");
	json_t *champ = json_object_get(doc, "champion");
	json_t *items = json_object_get(doc, "items");
	struct menu_ctx *c = &l->ctx;
	static char id_buf[2][24];

	c->cat = h->app->cat;
	c->n_langs = menu_langs_fill(h->app->cat, l->langs, CAT_MAX_LANGS);
	c->langs = l->langs;
	if (read_date(doc, "today", &c->today) < 0)
		return -1;
	if (json_is_object(session)) {
		l->session_state = jstr(session, "state");
		l->last_text = jstr(session, "last_text");
		l->session_ref = jstr(session, "ref");
	}
	l->resume_state = jstr(doc, "resume_state");
	if (!json_is_object(person))
		return 0;
	c->known = true;
	c->name = jstr(person, "name");
	c->language = jstr(person, "language");
	snprintf(id_buf[0], sizeof(id_buf[0]), "%lld",
		 (long long)json_integer_value(json_object_get(person, "id")));
	l->person_id = id_buf[0];
	if (json_is_object(champ)) {
		json_t *topics = json_object_get(champ, "topics"), *t, *m = json_object_get(champ, "month");
		size_t i;
		c->is_champion = true;
		snprintf(id_buf[1], sizeof(id_buf[1]), "%lld",
			 (long long)json_integer_value(json_object_get(champ, "champion_id")));
		l->champion_id = id_buf[1];
		c->route_id = json_integer_value(json_object_get(champ, "route_id"));
		c->route_code = jstr(champ, "code");
		if (read_date(champ, "visit_start", &c->visit_start) < 0)
			return -1;
		json_array_foreach(topics, i, t) {
			if (i == HOP_MAX_TOPICS)
				break;
			l->topics[i].id = json_integer_value(json_object_get(t, "id"));
			l->topics[i].title = jstr(t, "title");
			c->n_topics = i + 1;
		}
		c->topics = l->topics;
		c->month_sessions = (int)json_integer_value(json_object_get(m, "n"));
		c->month_women = (int)json_integer_value(json_object_get(m, "women"));
		c->month_men = (int)json_integer_value(json_object_get(m, "men"));
	}
	if (json_array_size(items) > 0) {
		json_t *t;
		size_t i;
		c->is_participant = true;
		json_array_foreach(items, i, t) {
			if (i == HOP_MAX_ITEMS)
				break;
			l->items[i].id = json_integer_value(json_object_get(t, "id"));
			l->items[i].title = jstr(t, "title");
			l->items[i].status = (int)json_integer_value(json_object_get(t, "status"));
			c->n_items = i + 1;
		}
		c->items = l->items;
	}
	/* One champion session per USSD session, with the reference its row got when the
	 * session started (NULL on a first hop, which cannot log anything yet). */
	c->session_ref = l->session_ref;
	return 0;
}

/* Runs the menus for this hop; fills res. */
static void
run_step(struct hop *h, struct loaded *l, struct menu_result *res)
{
	const char *input = NULL;
	struct menu_state st;
	enum ussd_hop kind = ussd_text_derive(l->last_text, h->u.text, &input);

	if (kind == USSD_HOP_START) {
		struct menu_state saved;
		int have = l->resume_state && menu_state_decode(l->resume_state, &saved) == 0;
		menu_start(&l->ctx, have ? &saved : NULL, res);
		return;
	}
	if (kind == USSD_HOP_INPUT && l->session_state &&
	    menu_state_decode(l->session_state, &st) == 0) {
		menu_step(&st, input, &l->ctx, res);
		return;
	}
	/* No usable stored state (another instance lost it, or the text does not extend the
	 * previous hop): rebuild from the cumulative text. */
	char buf[512];
	const char *parts[HOP_MAX_INPUTS];
	size_t n = 0;
	if (ussd_text_split(h->u.text, buf, sizeof(buf), parts, HOP_MAX_INPUTS, &n) < 0)
		n = 0;
	menu_replay(&l->ctx, parts, n, res);
}

static void
on_loaded(void *arg, const struct db_result *res)
{
	struct hop *h = arg;
	struct loaded *l = calloc(1, sizeof(*l));
	struct menu_result *mr = calloc(1, sizeof(*mr));
	json_t *doc = NULL;
	char state[MENU_STATE_SIZE], date[11], topic[24], women[12], men[12], item[24], status[4],
		people[24], p[16];
	const char *v[20] = {0};

	h->q = NULL;
	if (!l || !mr) {
		answer_busy(h, "out of memory");
		goto out;
	}
	if (!res->ok || PQntuples(res->res[0]) != 1) {
		answer_busy(h, res->error ? res->error : "no context");
		goto out;
	}
	doc = json_loads(PQgetvalue(res->res[0], 0, 0), 0, NULL);
	if (!doc || load_ctx(h, doc, l) < 0) {
		answer_busy(h, "unreadable context");
		goto out;
	}
	if (l->ctx.language)
		snprintf(h->lang, sizeof(h->lang), "%s", l->ctx.language);
	const char *stored = jstr(doc, "hop_answer");
	if (stored) {
		/* The aggregator sent this hop before: same answer, nothing stored twice. */
		m_repeats.value++;
		snprintf(h->body, sizeof(h->body), "%s", stored);
		h->a->agg->format_ussd(&(struct agg_ussd_answer){0, ""}, state, sizeof(state),
				       &h->ctype);
		http_reply(h->req, 200, h->ctype, h->body, strlen(h->body));
		goto out;
	}
	run_step(h, l, mr);
	if (menu_state_encode(&mr->state, state, sizeof(state)) < 0)
		state[0] = '\0';
	struct agg_ussd_answer a = {mr->end, mr->text};
	if (h->a->agg->format_ussd(&a, h->body, sizeof(h->body), &h->ctype) < 0)
		log_warn("ussd", "screen cut to fit", "session=%s", h->u.session_id);
	log_info("ussd", "hop", "session=%s phone=%s screen=%s end=%d effects=%zu",
		 h->u.session_id, log_phone(p, sizeof(p), h->u.phone),
		 menu_screen_name(mr->state.screen), mr->end, mr->n_effects);

	v[0] = h->a->agg->name, v[1] = h->u.session_id, v[2] = h->u.phone;
	v[3] = h->u.service_code, v[4] = l->person_id, v[5] = state;
	v[6] = menu_screen_name(mr->state.screen), v[7] = h->u.text;
	v[8] = mr->end ? "ended" : "open", v[9] = h->body;
	for (size_t i = 0; i < mr->n_effects; i++) {
		const struct menu_effect *e = &mr->effects[i];
		switch (e->kind) {
		case MENU_EFF_LOG_SESSION:
			if (!l->champion_id)
				break;
			ussd_date_format_iso(e->date, date);
			snprintf(topic, sizeof(topic), "%lld", (long long)e->topic_id);
			snprintf(women, sizeof(women), "%d", e->women);
			snprintf(men, sizeof(men), "%d", e->men);
			v[10] = l->session_ref, v[11] = l->champion_id, v[12] = topic, v[13] = date;
			v[14] = women, v[15] = men;
			break;
		case MENU_EFF_REPORT_PROGRESS:
			snprintf(item, sizeof(item), "%lld", (long long)e->item_id);
			snprintf(status, sizeof(status), "%d", e->status);
			snprintf(people, sizeof(people), "%ld", e->people);
			v[16] = item, v[17] = status, v[18] = e->people >= 0 ? people : NULL;
			break;
		case MENU_EFF_SET_LANGUAGE:
			v[19] = e->lang;
			break;
		}
	}
	/* A hop that only moves through the menus stores nothing but the session's state,
	 * which the next hop can rebuild from the cumulative text: it need not wait for its
	 * commit to reach the disk. A hop with effects (a session logged, progress reported)
	 * waits, as every acknowledged result must. */
	struct db_unit *u = db_unit_new(1);
	if (u && mr->n_effects == 0 &&
	    db_unit_add(u, "SET LOCAL synchronous_commit TO off", 0, NULL) < 0)
		db_unit_free(u), u = NULL;
	if (u && db_unit_add(u, write_sql, 20, v) == 0)
		h->q = db_submit(h->app->db, u, h->app->cfg->ussd_deadline_ms, on_written, h);
	else
		db_unit_free(u);
	if (!h->q)
		answer_busy(h, "out of memory");
out:
	json_decref(doc);
	free(l);
	free(mr);
}

static void
ussd_hop(struct app *app, const struct app_agg *a, struct http_req *r)
{
	struct hop *h = calloc(1, sizeof(*h));
	struct agg_request rq;
	char err[256], mins[12];

	if (!h) {
		http_reply_text(r, 503, "out of memory");
		return;
	}
	h->app = app, h->a = a, h->req = r;
	http_req_on_free(r, hop_free, h);
	cb_request(r, &rq);
	if (!a->agg->parse_ussd || a->agg->parse_ussd(&rq, &h->u, err, sizeof(err)) < 0) {
		log_info("ussd", "malformed callback", "aggregator=%s reason=\"%s\"", a->agg->name,
			 err);
		http_reply_text(r, 400, err);
		return;
	}
	snprintf(h->lang, sizeof(h->lang), "%s", cb_lang_for_phone(h->u.phone));
	http_req_set_deadline(r, app->cfg->ussd_deadline_ms, on_deadline, h);
	snprintf(mins, sizeof(mins), "%d", app->cfg->resume_minutes);
	const char *v[5] = {a->agg->name, h->u.session_id, h->u.phone, h->u.text, mins};
	h->q = db_query(app->db, load_sql, 5, v, app->cfg->ussd_deadline_ms, on_loaded, h);
	if (!h->q)
		answer_busy(h, "out of memory");
}

/* ---- the end-of-session notice ---- */

struct end_notice {
	struct http_req *req;
	struct db_req *q;
};

static void
end_free(void *arg)
{
	struct end_notice *e = arg;
	db_cancel(e->q);
	free(e);
}

static void
on_end_written(void *arg, const struct db_result *res)
{
	struct end_notice *e = arg;
	e->q = NULL;
	if (res->ok)
		http_reply_text(e->req, 200, "ok");
	else
		http_reply_text(e->req, 503, "could not store the notice; try again");
}

static void
ussd_end(struct app *app, const struct app_agg *a, struct http_req *r)
{
	static const char sql[] =
		"UPDATE followup.ussd_sessions SET end_status = $3,"
		" end_cost = nullif(regexp_replace(coalesce($4, ''), '[^0-9.]', '', 'g'), '')::numeric,"
		" end_hops = $5::int, end_duration_ms = $6::bigint, updated_at = now(),"
		" status = CASE WHEN status <> 'open' THEN status"
		"   WHEN lower($3) = 'success' THEN 'ended' ELSE 'dropped' END,"
		" ended_at = coalesce(ended_at, now())"
		" WHERE aggregator = $1 AND session_id = $2";
	struct end_notice *e = calloc(1, sizeof(*e));
	struct agg_ussd_end u = {0};
	struct agg_request rq;
	char err[256], hops[24], dur[24];

	if (!e) {
		http_reply_text(r, 503, "out of memory");
		return;
	}
	e->req = r;
	http_req_on_free(r, end_free, e);
	cb_request(r, &rq);
	if (!a->agg->parse_ussd_end || a->agg->parse_ussd_end(&rq, &u, err, sizeof(err)) < 0) {
		agg_ussd_end_clear(&u);
		http_reply_text(r, 400, err);
		return;
	}
	snprintf(hops, sizeof(hops), "%ld", u.hops);
	snprintf(dur, sizeof(dur), "%ld", u.duration_ms);
	const char *v[6] = {a->agg->name, u.session_id, u.status ? u.status : "",
			    u.cost, u.hops >= 0 ? hops : NULL, u.duration_ms >= 0 ? dur : NULL};
	e->q = db_query(app->db, sql, 6, v, app->cfg->query_timeout_ms, on_end_written, e);
	agg_ussd_end_clear(&u);
	if (!e->q)
		http_reply_text(r, 503, "out of memory");
}

void
ussd_flow_init(void)
{
	cb_flows[AGG_CB_USSD] = ussd_hop;
	cb_flows[AGG_CB_USSD_END] = ussd_end;
	metrics_register_counter(&m_hops);
	metrics_register_counter(&m_repeats);
	metrics_register_counter(&m_busy);
}

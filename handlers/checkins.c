/* checkins — schedule SQL and message building, shared by the daemon and followupctl. */
#include "checkins.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

const char checkins_expire_sql[] =
	"UPDATE followup.checkins SET status = 'expired'"
	" WHERE status IN ('sent', 'reminded') AND expires_at <= coalesce($1::timestamptz, now())";

/* Who is due: for each participant of each route and each day of its schedule, the latest
 * check-in whose window (its day, then expire_after days) holds the person's today; none
 * already started for that route at that or a later step; the person inside the send window
 * now, not opted out, and not in the middle of another check-in; one route per person at a
 * time. A check-in id is reserved here so that the conversation state can name it. */
const char checkins_due_sql[] =
	"WITH t AS (SELECT coalesce($1::timestamptz, now()) AS now),"
	" cand AS (SELECT p.id AS person_id, p.phone, p.name, p.language, p.timezone,"
	"   r.id AS route_id, r.code, s.seq, s.days,"
	"   cardinality(coalesce(r.schedule_days, $2::int[])) AS n,"
	"   r.visit_end + s.days AS due_date, (t.now AT TIME ZONE p.timezone)::date AS today"
	"  FROM t, followup.routes r"
	"  JOIN followup.route_participants rp ON rp.route_id = r.id AND rp.role = 'participant'"
	"  JOIN followup.people p ON p.id = rp.person_id"
	"  CROSS JOIN LATERAL unnest(coalesce(r.schedule_days, $2::int[]))"
	"   WITH ORDINALITY AS s(days, seq)"
	"  WHERE p.opted_out_at IS NULL"
	"   AND followup.next_send_time(p.timezone, t.now, $3::time, $4, $5) = t.now),"
	" win AS (SELECT * FROM cand WHERE today >= due_date AND today < due_date + $6::int),"
	" latest AS (SELECT DISTINCT ON (person_id, route_id) * FROM win"
	"  ORDER BY person_id, route_id, seq DESC),"
	" fresh AS (SELECT l.* FROM latest l, t"
	"  WHERE NOT EXISTS (SELECT 1 FROM followup.checkins k WHERE k.person_id = l.person_id"
	"    AND k.route_id = l.route_id AND k.seq >= l.seq)"
	"  AND NOT EXISTS (SELECT 1 FROM followup.conversations cv"
	"    JOIN followup.checkins k ON k.id = cv.checkin_id WHERE cv.person_id = l.person_id"
	"    AND cv.state IS NOT NULL AND cv.step NOT IN ('none', 'done')"
	"    AND k.expires_at > t.now)),"
	" one AS (SELECT DISTINCT ON (person_id) * FROM fresh"
	"  ORDER BY person_id, due_date DESC, route_id)"
	" SELECT o.person_id, o.phone, o.name, o.language, o.route_id, o.code, o.seq, o.days,"
	"  o.seq = o.n, (o.due_date::timestamp AT TIME ZONE o.timezone),"
	"  extract(epoch FROM t.now + make_interval(days => $6::int))::bigint,"
	"  t.now + make_interval(days => $6::int),"
	"  nextval(pg_get_serial_sequence('followup.checkins', 'id')),"
	"  (SELECT coalesce(json_agg(json_build_object('id', i.id, 'title', i.title)"
	"     ORDER BY i.id), '[]') FROM followup.action_items i"
	"   JOIN followup.action_plans ap ON ap.id = i.plan_id"
	"   WHERE ap.person_id = o.person_id AND ap.route_id = o.route_id"
	"   AND coalesce((SELECT pr.status FROM followup.progress_reports pr"
	"     WHERE pr.action_item_id = i.id ORDER BY pr.reported_at DESC, pr.id DESC LIMIT 1),"
	"     0) <> 3),"
	"  t.now"
	" FROM one o, t ORDER BY o.person_id LIMIT $7::int";

/* Starts one check-in: all three rows or none, and nothing when it was started already. The
 * advisory lock is the SMS flow's, so a reply being stored now is not applied to the
 * question this replaces. */
const char checkins_start_sql[] =
	"WITH l AS (SELECT pg_advisory_xact_lock(7007, hashtext($3))),"
	" c AS (INSERT INTO followup.checkins (id, person_id, route_id, seq, days_after, is_last,"
	"   status, due_at, sent_at, expires_at)"
	"  SELECT $1::bigint, $2::bigint, $4::bigint, $5::smallint, $6::int, $7::boolean, 'sent',"
	"   $8::timestamptz, $9::timestamptz, $10::timestamptz FROM l"
	"  ON CONFLICT (person_id, route_id, seq) DO NOTHING RETURNING id),"
	" o AS (INSERT INTO followup.outbound_messages (person_id, phone, text, kind, dedup_key,"
	"   checkin_id) SELECT $2::bigint, $3, $11, 'checkin', 'checkin:' || c.id, c.id FROM c"
	"  ON CONFLICT DO NOTHING RETURNING id),"
	" v AS (INSERT INTO followup.conversations (person_id, checkin_id, state, step,"
	"   action_item_id, expires_at, asked_at, updated_at)"
	"  SELECT $2::bigint, c.id, $12, $13, $14::bigint, $10::timestamptz, $9::timestamptz,"
	"   now() FROM c"
	"  ON CONFLICT (person_id) DO UPDATE SET checkin_id = EXCLUDED.checkin_id,"
	"   state = EXCLUDED.state, step = EXCLUDED.step,"
	"   action_item_id = EXCLUDED.action_item_id, status = NULL, reask_count = 0,"
	"   help_note = NULL, story = NULL, expires_at = EXCLUDED.expires_at,"
	"   asked_at = EXCLUDED.asked_at, updated_at = now() RETURNING person_id)"
	" SELECT count(*) FROM c";

/* One reminder per check-in, after reminder_after days without an answer, while the
 * conversation is still on that check-in; inside quiet hours; not to opted-out people. */
const char checkins_remind_sql[] =
	"WITH t AS (SELECT coalesce($1::timestamptz, now()) AS now)"
	" SELECT k.id, p.id, p.phone, p.name, p.language, cv.state, t.now"
	" FROM t, followup.checkins k JOIN followup.people p ON p.id = k.person_id"
	" JOIN followup.conversations cv ON cv.person_id = p.id AND cv.checkin_id = k.id"
	" WHERE k.status = 'sent' AND k.reminded_at IS NULL AND k.answered_at IS NULL"
	"  AND k.sent_at + make_interval(days => $6::int) <= t.now AND k.expires_at > t.now"
	"  AND p.opted_out_at IS NULL AND cv.state IS NOT NULL"
	"  AND cv.step NOT IN ('none', 'done') AND $2::int[] IS NOT NULL"
	"  AND followup.next_send_time(p.timezone, t.now, $3::time, $4, $5) = t.now"
	" ORDER BY k.id LIMIT $7::int";

const char checkins_remind_write_sql[] =
	"WITH k AS (UPDATE followup.checkins SET status = 'reminded', reminded_at = $2::timestamptz"
	"  WHERE id = $1::bigint AND status = 'sent' AND reminded_at IS NULL"
	"  RETURNING id, person_id)"
	" INSERT INTO followup.outbound_messages (person_id, phone, text, kind, dedup_key,"
	"  checkin_id) SELECT k.person_id, $3, $4, 'reminder', 'reminder:' || k.id, k.id FROM k"
	" ON CONFLICT DO NOTHING";

void
checkins_params(struct checkins_params *p, const struct cfg *c, const char *now, int remind,
		int limit)
{
	/* "14,30,60" -> "{14,30,60}": the text form of an int[]. */
	snprintf(p->schedule, sizeof(p->schedule), "{%s}", c->schedule_days);
	snprintf(p->window_start, sizeof(p->window_start), "%.5s", c->send_window);
	snprintf(p->window_end, sizeof(p->window_end), "%.5s", c->send_window + 6);
	snprintf(p->days_after, sizeof(p->days_after), "%d",
		 remind ? c->reminder_after : c->expire_after);
	snprintf(p->limit, sizeof(p->limit), "%d", limit);
	p->v[0] = now;
	p->v[1] = p->schedule;
	p->v[2] = p->window_start;
	p->v[3] = p->window_end;
	p->v[4] = c->send_days;
	p->v[5] = p->days_after;
	p->v[6] = p->limit;
}

int
checkins_build_start(const struct catalog *cat, const PGresult *due, int i,
		     struct checkins_start *s, char *err, size_t errlen)
{
	struct convo_item items[CONVO_MAX_ITEMS];
	struct convo_state st;
	struct convo_reply first;
	json_t *arr = json_loads(PQgetvalue(due, i, CHECKINS_DUE_ITEMS), 0, NULL), *it;
	size_t n = 0, k;
	const char *lang = PQgetvalue(due, i, CHECKINS_DUE_LANG);
	int last = PQgetvalue(due, i, CHECKINS_DUE_LAST)[0] == 't';
	long long id = atoll(PQgetvalue(due, i, CHECKINS_DUE_ID));

	json_array_foreach(arr, k, it) {
		if (n == CONVO_MAX_ITEMS)
			break;
		items[n].id = json_integer_value(json_object_get(it, "id"));
		snprintf(items[n].title, sizeof(items[n].title), "%s",
			 json_string_value(json_object_get(it, "title")));
		n++;
	}
	json_decref(arr);
	if (convo_start(&st, id, items, n, last,
			atoll(PQgetvalue(due, i, CHECKINS_DUE_EXPIRES_EPOCH)), lang, &first) < 0) {
		snprintf(err, errlen, "nothing to ask (no open action item)");
		return -1;
	}
	if (convo_render(cat, &first, s->text, sizeof(s->text)) < 0 ||
	    convo_state_encode(&st, s->state, sizeof(s->state)) < 0) {
		snprintf(err, errlen, "cannot render %s in %s", first.key, first.lang);
		return -1;
	}
	snprintf(s->step, sizeof(s->step), "%s", convo_step_name(st.step));
	snprintf(s->item, sizeof(s->item), "%lld",
		 st.n_items && st.step == CONVO_STEP_STATUS ? (long long)st.items[st.cur].id : 0LL);
	s->v[0] = PQgetvalue(due, i, CHECKINS_DUE_ID);
	s->v[1] = PQgetvalue(due, i, CHECKINS_DUE_PERSON);
	s->v[2] = PQgetvalue(due, i, CHECKINS_DUE_PHONE);
	s->v[3] = PQgetvalue(due, i, CHECKINS_DUE_ROUTE);
	s->v[4] = PQgetvalue(due, i, CHECKINS_DUE_SEQ);
	s->v[5] = PQgetvalue(due, i, CHECKINS_DUE_DAYS);
	s->v[6] = last ? "true" : "false";
	s->v[7] = PQgetvalue(due, i, CHECKINS_DUE_DUE_AT);
	s->v[8] = PQgetvalue(due, i, CHECKINS_DUE_NOW);
	s->v[9] = PQgetvalue(due, i, CHECKINS_DUE_EXPIRES_AT);
	s->v[10] = s->text;
	s->v[11] = s->state;
	s->v[12] = s->step;
	s->v[13] = strcmp(s->item, "0") ? s->item : NULL;
	return 0;
}

int
checkins_build_reminder(const struct catalog *cat, const PGresult *rows, int i,
			struct checkins_reminder *r, char *err, size_t errlen)
{
	struct convo_state st;
	struct convo_reply q;
	const char *lang = PQgetvalue(rows, i, CHECKINS_REMIND_LANG);

	if (convo_state_decode(PQgetvalue(rows, i, CHECKINS_REMIND_STATE), &st) < 0 ||
	    convo_question(&st, lang, true, &q) < 0) {
		snprintf(err, errlen, "no open question to remind of");
		return -1;
	}
	if (convo_render(cat, &q, r->text, sizeof(r->text)) < 0) {
		snprintf(err, errlen, "cannot render %s in %s", q.key, q.lang);
		return -1;
	}
	r->v[0] = PQgetvalue(rows, i, CHECKINS_REMIND_ID);
	r->v[1] = PQgetvalue(rows, i, CHECKINS_REMIND_NOW);
	r->v[2] = PQgetvalue(rows, i, CHECKINS_REMIND_PHONE);
	r->v[3] = r->text;
	return 0;
}

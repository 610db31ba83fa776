/* sms_store — the SQL of the inbound SMS flow and its parameters; see sms_store.h. */
#include "sms_store.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

const char sms_store_load_sql[] =
	"WITH p AS (SELECT id, language, opted_out_at IS NOT NULL AS opted_out"
	"  FROM followup.people WHERE phone = $3::text)"
	" SELECT json_build_object("
	"  'seen', EXISTS (SELECT 1 FROM followup.inbound_messages m"
	"    WHERE m.aggregator = $1::text AND m.aggregator_message_id = $2::text),"
	"  'person', (SELECT row_to_json(p) FROM p),"
	"  'conversation', (SELECT json_build_object('state', c.state)"
	"    FROM followup.conversations c JOIN p ON p.id = c.person_id),"
	"  'at', extract(epoch FROM least(now(), greatest(coalesce(to_timestamp($4::bigint),"
	"    now()), now() - interval '2 days')))::bigint)";

/* 7007: this flow's first key, so the lock cannot collide with other advisory locks. */
const char sms_store_lock_sql[] = "SELECT pg_advisory_xact_lock(7007, hashtext($1::text))";

/* Every data-modifying CTE hangs on ins, so a repeated callback changes nothing. The guards
 * read the outbox through the statement's snapshot, taken after the per-phone lock, so two
 * messages of one person cannot both pass them. Ids the state names (items, check-ins) are
 * checked against the person before use: a row deleted meanwhile drops the effect instead
 * of failing the statement (which would make the aggregator retry for ever).
 *
 * Progress: one row per item and check-in (source_key sms:checkin:<id>:item:<id>; outside a
 * check-in sms:msg:<inbound id>:item:<id>), upserted as the answers come, so the status, the
 * people reached and the help note of one report are one row: v_action_item_progress counts
 * one report and v_help_requests shows one request with its note. A later answer without a
 * status (people reached, note) keeps the row's status. */
const char sms_store_write_sql[] =
	"WITH ins AS (INSERT INTO followup.inbound_messages (aggregator, aggregator_message_id,"
	"    phone, to_address, person_id, text, received_at, status, handled_at)"
	"  SELECT $1::text, $2::text, $3::text, $4::text, $7::bigint, $5::text,"
	"    to_timestamp($6::bigint), $8::text, now()"
	"  WHERE (SELECT c.state FROM followup.conversations c WHERE c.person_id = $7::bigint)"
	"    IS NOT DISTINCT FROM $9::text"
	"  ON CONFLICT (aggregator, aggregator_message_id) DO NOTHING RETURNING id),"
	" fx AS (SELECT f.* FROM json_to_recordset($16::json) AS f(kind text, checkin bigint,"
	"    item bigint, value bigint, lang text, text text)),"
	" g AS (SELECT f.item, max(f.checkin) AS checkin,"
	"    max(f.value) FILTER (WHERE f.kind = 'store_status') AS status,"
	"    max(f.value) FILTER (WHERE f.kind = 'store_reached') AS reached,"
	"    max(f.text) FILTER (WHERE f.kind = 'store_help_note') AS note"
	"  FROM fx f JOIN followup.action_items i ON i.id = f.item"
	"  JOIN followup.action_plans ap ON ap.id = i.plan_id AND ap.person_id = $7::bigint"
	"  WHERE f.kind IN ('store_status', 'store_reached', 'store_help_note') GROUP BY f.item),"
	" gk AS (SELECT g.*, k.id AS checkin_id, ins.id AS inbound_id, 'sms:' ||"
	"    coalesce('checkin:' || k.id, 'msg:' || ins.id) || ':item:' || g.item AS key"
	"  FROM g CROSS JOIN ins"
	"  LEFT JOIN followup.checkins k ON k.id = g.checkin AND k.person_id = $7::bigint),"
	" pr AS (INSERT INTO followup.progress_reports AS r (action_item_id, status,"
	"    people_reached, note, source, source_key, checkin_id, inbound_message_id, reported_at)"
	"  SELECT gk.item, s.status, gk.reached, gk.note, 'sms', gk.key, gk.checkin_id,"
	"    gk.inbound_id, to_timestamp($6::bigint)"
	"  FROM gk CROSS JOIN LATERAL (SELECT coalesce(gk.status::smallint,"
	"    (SELECT x.status FROM followup.progress_reports x WHERE x.source_key = gk.key),"
	"    (SELECT x.status FROM followup.progress_reports x WHERE x.action_item_id = gk.item"
	"     ORDER BY x.reported_at DESC, x.id DESC LIMIT 1)) AS status) s"
	"  WHERE s.status IS NOT NULL"
	"  ON CONFLICT (source_key) DO UPDATE SET status = EXCLUDED.status,"
	"    people_reached = coalesce(EXCLUDED.people_reached, r.people_reached),"
	"    note = coalesce(EXCLUDED.note, r.note)),"
	" so AS (INSERT INTO followup.outcome_stories (person_id, route_id, checkin_id, story,"
	"    source, source_key, inbound_message_id, reported_at)"
	"  SELECT $7::bigint, rt.route_id, k.id, f.text, 'sms', 'sms:msg:' || ins.id, ins.id,"
	"    to_timestamp($6::bigint)"
	"  FROM fx f CROSS JOIN ins"
	"  LEFT JOIN followup.checkins k ON k.id = f.checkin AND k.person_id = $7::bigint"
	"  CROSS JOIN LATERAL (SELECT coalesce(k.route_id, (SELECT rp.route_id"
	"    FROM followup.route_participants rp JOIN followup.routes ro ON ro.id = rp.route_id"
	"    WHERE rp.person_id = $7::bigint ORDER BY ro.visit_end DESC, ro.id DESC LIMIT 1))"
	"    AS route_id) rt"
	"  WHERE f.kind = 'store_story' AND btrim(coalesce(f.text, '')) <> ''"
	"    AND rt.route_id IS NOT NULL"
	"  ON CONFLICT (source_key) DO NOTHING),"
	" pe AS (UPDATE followup.people p SET opted_out_at = CASE"
	"    WHEN EXISTS (SELECT 1 FROM fx WHERE fx.kind = 'opt_out')"
	"      THEN coalesce(p.opted_out_at, now())"
	"    WHEN EXISTS (SELECT 1 FROM fx WHERE fx.kind = 'opt_in') THEN NULL"
	"    ELSE p.opted_out_at END,"
	"    language = coalesce((SELECT l.code FROM fx JOIN followup.languages l"
	"      ON l.code = fx.lang WHERE fx.kind = 'set_language' LIMIT 1), p.language),"
	"    updated_at = now()"
	"  WHERE p.id = $7::bigint AND EXISTS (SELECT 1 FROM ins)"
	"    AND EXISTS (SELECT 1 FROM fx WHERE fx.kind IN ('opt_out', 'opt_in', 'set_language'))),"
	" cx AS (UPDATE followup.outbound_messages o SET status = 'rejected', error = 'opted out',"
	"    updated_at = now()"
	"  WHERE o.person_id = $7::bigint AND o.status = 'queued'"
	"    AND o.kind IN ('checkin', 'reminder', 'reply', 'broadcast')"
	"    AND EXISTS (SELECT 1 FROM ins) AND EXISTS (SELECT 1 FROM fx WHERE fx.kind = 'opt_out')),"
	" ck AS (UPDATE followup.checkins k SET status = 'answered',"
	"    answered_at = coalesce(k.answered_at, to_timestamp($6::bigint))"
	"  WHERE k.person_id = $7::bigint AND EXISTS (SELECT 1 FROM ins)"
	"    AND k.id IN (SELECT fx.checkin FROM fx WHERE fx.kind = 'checkin_answered')),"
	" cv AS (UPDATE followup.conversations c SET state = $10::text, step = $11::text,"
	"    action_item_id = (SELECT i.id FROM followup.action_items i WHERE i.id = $12::bigint),"
	"    status = $13::smallint, reask_count = $14::int,"
	"    asked_at = CASE WHEN $15::boolean THEN now() ELSE c.asked_at END, updated_at = now()"
	"  WHERE c.person_id = $7::bigint AND $10::text IS NOT NULL"
	"    AND c.state IS NOT DISTINCT FROM $9::text AND EXISTS (SELECT 1 FROM ins)),"
	/* The guards (SPEC): identical text to the number within 30 minutes, once-a-day
	 * answers (marked by their dedup_key), then the hourly cap on automatic replies. */
	" rp AS (SELECT r.* FROM json_to_recordset($17::json) AS r(ord int, kind text, text text,"
	"    daily boolean, exempt boolean, progress boolean)"
	"  WHERE $3::text ~ '^\\+[1-9][0-9]{7,14}$'"
	"    AND (r.exempt OR NOT EXISTS (SELECT 1 FROM followup.outbound_messages o"
	"      WHERE o.phone = $3::text AND o.text = r.text"
	"      AND o.created_at > now() - interval '30 minutes'))"
	"    AND (NOT r.daily OR NOT EXISTS (SELECT 1 FROM followup.outbound_messages o"
	"      WHERE o.phone = $3::text AND o.dedup_key LIKE 'sms:daily:%'"
	"      AND o.created_at > now() - interval '1 day'))),"
	" recent AS (SELECT count(*) AS n FROM followup.outbound_messages o"
	"  WHERE o.phone = $3::text AND o.kind IN ('reply', 'keyword')"
	"    AND o.created_at > now() - interval '1 hour'),"
	" capped AS (SELECT rp.*, row_number() OVER (PARTITION BY rp.exempt OR rp.progress"
	"    ORDER BY rp.ord) AS n FROM rp),"
	" ob AS (INSERT INTO followup.outbound_messages (person_id, phone, text, kind, dedup_key,"
	"    inbound_message_id)"
	"  SELECT $7::bigint, $3::text, c.text, c.kind,"
	"    CASE WHEN c.daily THEN 'sms:daily:' || ins.id || ':' || c.ord END, ins.id"
	"  FROM capped c CROSS JOIN ins"
	"  WHERE c.exempt OR c.progress OR (SELECT n FROM recent) + c.n <= $18::int"
	"  ORDER BY c.ord RETURNING id)"
	" SELECT json_build_object('id', (SELECT id FROM ins),"
	"  'dup', EXISTS (SELECT 1 FROM followup.inbound_messages m"
	"    WHERE m.aggregator = $1::text AND m.aggregator_message_id = $2::text),"
	"  'replies', (SELECT count(*) FROM ob))";

static int
is_progress(const char *key)
{
	static const char *const keys[] = {"sms.checkin_status", "sms.reached", "sms.help_note",
					   "sms.story", "sms.thanks", "sms.thanks_final"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i]) == 0)
			return 1;
	return 0;
}

char *
sms_store_effects_json(const struct convo_out *out)
{
	json_t *arr = json_array();
	char *s = NULL;

	if (!arr)
		return NULL;
	for (size_t i = 0; i < out->n_fx; i++) {
		const struct convo_effect *e = &out->fx[i];
		json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:s?, s:s?}", "kind",
				      convo_fx_name(e->kind), "checkin", (json_int_t)e->checkin_id,
				      "item", (json_int_t)e->item_id, "value", (json_int_t)e->value,
				      "lang", e->lang[0] ? e->lang : NULL, "text", e->text);
		if (!o || json_array_append_new(arr, o) < 0)
			goto out;
	}
	s = json_dumps(arr, JSON_COMPACT);
out:
	json_decref(arr);
	return s;
}

char *
sms_store_replies_json(const struct catalog *cat, const struct convo_reply *replies, size_t n,
		       bool keyword, size_t *dropped)
{
	json_t *arr = json_array();
	char text[1024], *s = NULL;

	*dropped = 0;
	if (!arr)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct convo_reply *r = &replies[i];
		json_t *o;
		if (convo_render(cat, r, text, sizeof(text)) < 0) {
			(*dropped)++;
			continue;
		}
		/* The next question of a check-in, or its thanks, is part of the check-in
		 * (bounded by its items), not an automatic reply: it is not capped per hour and
		 * does not count towards the cap. Re-asks, help and confirmations are. */
		int progress = is_progress(r->key);
		o = json_pack("{s:i, s:s, s:s, s:b, s:b, s:b}", "ord", (int)i, "kind",
			      progress ? "checkin" : keyword ? "keyword" : "reply", "text", text,
			      "daily", r->once_a_day, "exempt",
			      strcmp(r->key, "sms.stop_confirm") == 0, "progress", progress);
		if (!o || json_array_append_new(arr, o) < 0)
			goto out;
	}
	s = json_dumps(arr, JSON_COMPACT);
out:
	json_decref(arr);
	return s;
}

const char *
sms_store_inbound_status(const struct reply_reading *rd, const struct convo_out *out)
{
	for (size_t i = 0; i < out->n_fx; i++)
		if (out->fx[i].kind == CONVO_FX_STORE_FOR_STAFF)
			return "unmatched";
	if (rd->keyword != REPLY_KW_NONE)
		return "keyword";
	if (out->n_fx == 0 && out->n_replies == 0)
		return "ignored";
	return "answer";
}

-- 0002_views: the staff views of SPEC "Data" (names and columns fixed), and one internal view
-- they share. Percentages are rounded to one decimal and NULL when their denominator is 0.
-- Days of v_messaging_daily are UTC days.

-- Per action item: its latest report (by reported_at, then id) and how many reports it has.
-- people_reached is that of the latest report that gave a number (a "need help" report sent
-- before the count was asked does not reset it to nothing). Internal: not granted to staff.
CREATE VIEW followup.item_status AS
SELECT i.id AS action_item_id,
       i.plan_id,
       latest.status AS latest_status,
       reached.people_reached,
       latest.reported_at AS last_report_at,
       coalesce(cnt.reports, 0) AS reports
FROM followup.action_items i
LEFT JOIN LATERAL (
	SELECT r.status, r.reported_at FROM followup.progress_reports r
	WHERE r.action_item_id = i.id ORDER BY r.reported_at DESC, r.id DESC LIMIT 1) latest ON true
LEFT JOIN LATERAL (
	SELECT r.people_reached FROM followup.progress_reports r
	WHERE r.action_item_id = i.id AND r.people_reached IS NOT NULL
	ORDER BY r.reported_at DESC, r.id DESC LIMIT 1) reached ON true
LEFT JOIN LATERAL (
	SELECT count(*)::int AS reports FROM followup.progress_reports r
	WHERE r.action_item_id = i.id) cnt ON true;

CREATE VIEW followup.v_route_summary AS
WITH items AS (
	SELECT p.route_id,
	       count(*)::int AS items,
	       count(*) FILTER (WHERE s.latest_status IN (2, 3, 4))::int AS started,
	       count(*) FILTER (WHERE s.latest_status = 3)::int AS done,
	       coalesce(sum(s.people_reached), 0)::bigint AS people_reached
	FROM followup.action_plans p
	JOIN followup.action_items i ON i.plan_id = p.id
	JOIN followup.item_status s ON s.action_item_id = i.id
	GROUP BY p.route_id),
parts AS (
	SELECT route_id, count(*)::int AS participants FROM followup.route_participants
	WHERE role = 'participant' GROUP BY route_id),
chk AS (
	SELECT route_id,
	       count(*) FILTER (WHERE sent_at IS NOT NULL)::int AS sent,
	       count(*) FILTER (WHERE sent_at IS NOT NULL AND answered_at IS NOT NULL)::int AS answered
	FROM followup.checkins GROUP BY route_id),
cs AS (
	SELECT c.route_id, count(*)::int AS sessions,
	       sum(s.women)::bigint AS women, sum(s.men)::bigint AS men
	FROM followup.champion_sessions s JOIN followup.champions c ON c.id = s.champion_id
	GROUP BY c.route_id)
SELECT r.code AS route,
       coalesce(parts.participants, 0) AS participants,
       coalesce(items.items, 0) AS items,
       round(100.0 * items.started / nullif(items.items, 0), 1) AS items_started_pct,
       round(100.0 * items.done / nullif(items.items, 0), 1) AS items_done_pct,
       coalesce(items.people_reached, 0) AS people_reached,
       coalesce(chk.sent, 0) AS checkins_sent,
       round(100.0 * chk.answered / nullif(chk.sent, 0), 1) AS response_rate_pct,
       coalesce(cs.sessions, 0) AS champion_sessions,
       coalesce(cs.women, 0) AS attendees_female,
       coalesce(cs.men, 0) AS attendees_male
FROM followup.routes r
LEFT JOIN items ON items.route_id = r.id
LEFT JOIN parts ON parts.route_id = r.id
LEFT JOIN chk ON chk.route_id = r.id
LEFT JOIN cs ON cs.route_id = r.id;

COMMENT ON VIEW followup.v_route_summary IS
'One row per route. participants: people with role participant. items: action items of the '
'route''s plans. items_started_pct: items whose latest report has status 2, 3 or 4, over all '
'items, in percent, 1 decimal (NULL with no items). items_done_pct: same with status 3. '
'people_reached: sum over items of the people_reached of the item''s latest report that gave '
'a number. checkins_sent: check-ins with a sent time. response_rate_pct: sent check-ins that '
'were answered over sent check-ins, percent, 1 decimal (NULL when none was sent). '
'champion_sessions, attendees_female, attendees_male: training sessions logged by the route''s '
'champions and the women and men they counted.';

CREATE VIEW followup.v_action_item_progress AS
SELECT r.code AS route,
       o.name AS organization,
       pe.name AS participant,
       pe.phone,
       i.title AS item,
       s.latest_status,
       s.people_reached,
       s.last_report_at,
       s.reports
FROM followup.action_items i
JOIN followup.item_status s ON s.action_item_id = i.id
JOIN followup.action_plans p ON p.id = i.plan_id
JOIN followup.routes r ON r.id = p.route_id
JOIN followup.people pe ON pe.id = p.person_id
LEFT JOIN followup.organizations o ON o.id = pe.organization_id;

COMMENT ON VIEW followup.v_action_item_progress IS
'One row per action item. latest_status: status of the latest report (1 not started, '
'2 in progress, 3 done, 4 stuck/need help; NULL when never reported). people_reached: from '
'the latest report that gave a number. last_report_at: time of the latest report. reports: '
'how many reports the item has (USSD, SMS and imports).';

CREATE VIEW followup.v_participant_followup AS
SELECT r.code AS route,
       pe.name AS participant,
       pe.phone,
       pe.language,
       coalesce(c.sent, 0) AS checkins_sent,
       coalesce(c.answered, 0) AS checkins_answered,
       lr.last_reply_at,
       coalesce(it.items, 0) AS items,
       coalesce(it.done, 0) AS items_done,
       pe.opted_out_at IS NOT NULL AS opted_out
FROM followup.route_participants rp
JOIN followup.routes r ON r.id = rp.route_id
JOIN followup.people pe ON pe.id = rp.person_id
LEFT JOIN LATERAL (
	SELECT count(*) FILTER (WHERE k.sent_at IS NOT NULL)::int AS sent,
	       count(*) FILTER (WHERE k.sent_at IS NOT NULL AND k.answered_at IS NOT NULL)::int
		       AS answered
	FROM followup.checkins k WHERE k.person_id = pe.id AND k.route_id = r.id) c ON true
LEFT JOIN LATERAL (
	SELECT max(m.received_at) AS last_reply_at FROM followup.inbound_messages m
	WHERE m.person_id = pe.id) lr ON true
LEFT JOIN LATERAL (
	SELECT count(*)::int AS items, count(*) FILTER (WHERE s.latest_status = 3)::int AS done
	FROM followup.action_plans p
	JOIN followup.item_status s ON s.plan_id = p.id
	WHERE p.route_id = r.id AND p.person_id = pe.id) it ON true
WHERE rp.role = 'participant';

COMMENT ON VIEW followup.v_participant_followup IS
'One row per participant of a route. checkins_sent / checkins_answered: that route''s '
'check-ins with a sent time / of those, the answered ones. last_reply_at: the last SMS '
'received from the person (any route). items / items_done: their action items on the route '
'/ those whose latest status is 3 (done). opted_out: the person sent STOP (or the aggregator '
'reported them opted out).';

CREATE VIEW followup.v_champion_activity AS
SELECT r.code AS route,
       pe.name AS champion,
       date_trunc('month', s.session_date)::date AS month,
       count(*)::int AS sessions,
       sum(s.women)::bigint AS attendees_female,
       sum(s.men)::bigint AS attendees_male
FROM followup.champion_sessions s
JOIN followup.champions c ON c.id = s.champion_id
JOIN followup.routes r ON r.id = c.route_id
JOIN followup.people pe ON pe.id = c.person_id
GROUP BY r.code, c.id, pe.name, date_trunc('month', s.session_date);

COMMENT ON VIEW followup.v_champion_activity IS
'One row per champion and calendar month with at least one training session logged. '
'month: first day of the month of the session date. sessions: sessions logged; '
'attendees_female / attendees_male: women and men counted at them.';

CREATE VIEW followup.v_help_requests AS
SELECT r.code AS route,
       pe.name AS participant,
       pe.phone,
       i.title AS item,
       pr.note,
       pr.reported_at
FROM followup.progress_reports pr
JOIN followup.action_items i ON i.id = pr.action_item_id
JOIN followup.action_plans p ON p.id = i.plan_id
JOIN followup.routes r ON r.id = p.route_id
JOIN followup.people pe ON pe.id = p.person_id
WHERE pr.status = 4;

COMMENT ON VIEW followup.v_help_requests IS
'Every report with status 4 (stuck / need help), by USSD or SMS. note: the short description '
'of the help needed, asked by SMS after a status 4 (NULL when reported by USSD or not given).';

CREATE VIEW followup.v_silent_participants AS
SELECT f.route, f.participant, f.phone, f.language, f.checkins_sent,
       last.last_checkin_sent_at, f.last_reply_at
FROM followup.v_participant_followup f
JOIN followup.routes r ON r.code = f.route
JOIN followup.people pe ON pe.phone = f.phone
JOIN LATERAL (
	SELECT max(k.sent_at) AS last_checkin_sent_at FROM followup.checkins k
	WHERE k.person_id = pe.id AND k.route_id = r.id) last ON true
WHERE f.checkins_sent >= 2
  AND NOT f.opted_out
  AND (f.last_reply_at IS NULL OR f.last_reply_at < now() - interval '30 days');

COMMENT ON VIEW followup.v_silent_participants IS
'Participants who were sent at least two check-ins on a route and from whom no SMS was '
'received in the last 30 days (or ever); people who opted out are not listed. '
'last_checkin_sent_at: when the latest check-in of that route went out.';

CREATE VIEW followup.v_outcome_stories AS
SELECT r.code AS route,
       pe.name AS participant,
       pe.phone,
       s.story,
       s.reported_at
FROM followup.outcome_stories s
JOIN followup.routes r ON r.id = s.route_id
JOIN followup.people pe ON pe.id = s.person_id;

COMMENT ON VIEW followup.v_outcome_stories IS
'Stories of change ("what changed, for whom, thanks to your plan?") answered to the last '
'check-in of a schedule, for staff to verify.';

CREATE VIEW followup.v_messaging_daily AS
WITH inb AS (
	SELECT (received_at AT TIME ZONE 'UTC')::date AS day, aggregator, count(*)::int AS inbound
	FROM followup.inbound_messages GROUP BY 1, 2),
outb AS (
	SELECT (coalesce(sent_at, updated_at) AT TIME ZONE 'UTC')::date AS day,
	       coalesce(aggregator, '(none)') AS aggregator,
	       count(*) FILTER (WHERE sent_at IS NOT NULL)::int AS outbound_sent,
	       count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
	       count(*) FILTER (WHERE status IN ('failed', 'rejected'))::int AS failed,
	       sum(cost) AS cost
	FROM followup.outbound_messages
	WHERE sent_at IS NOT NULL OR status IN ('failed', 'rejected')
	GROUP BY 1, 2)
SELECT coalesce(inb.day, outb.day) AS day,
       coalesce(inb.aggregator, outb.aggregator) AS aggregator,
       coalesce(inb.inbound, 0) AS inbound,
       coalesce(outb.outbound_sent, 0) AS outbound_sent,
       coalesce(outb.delivered, 0) AS delivered,
       coalesce(outb.failed, 0) AS failed,
       coalesce(outb.cost, 0) AS cost
FROM inb FULL JOIN outb ON outb.day = inb.day AND outb.aggregator = inb.aggregator;

COMMENT ON VIEW followup.v_messaging_daily IS
'One row per UTC day and aggregator. inbound: SMS received that day. outbound_sent: SMS '
'handed to the aggregator that day (by sent time). delivered / failed: of the outbound SMS '
'counted on that day (sent that day, or failed that day without being sent), those now '
'delivered / failed or rejected (aggregator "(none)" when it failed before any aggregator took '
'it). cost: their total cost as the aggregator reported it.';

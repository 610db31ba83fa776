-- Demo activity on the demo routes (config/demo/*.csv must be imported first): check-ins and
-- their SMS, replies, progress reports, champion sessions, help requests, an opt-out, a message
-- from an unknown number and stories of change, so that every staff view shows rows.
-- Idempotent: every row has a fixed natural key and is inserted ON CONFLICT DO NOTHING.
-- Times are UTC; Kigali is UTC+2, so the 06:00 UTC sends are at 08:00 local time.
--   psql -v ON_ERROR_STOP=1 -f config/demo/activity.sql
\set ON_ERROR_STOP on
BEGIN;
SET LOCAL search_path = followup, public;

-- The 20 participants of RW-NUT-2026, numbered as in the test's hand computations.
CREATE TEMP TABLE demo_p (n int PRIMARY KEY, phone text NOT NULL) ON COMMIT DROP;
INSERT INTO demo_p VALUES
	(1, '+250788100001'), (2, '+250788100002'), (3, '+250788100003'), (4, '+250788100004'),
	(5, '+250788100005'), (6, '+250788100006'), (7, '+250788100007'), (8, '+250788100008'),
	(9, '+250722100009'), (10, '+250722100010'), (11, '+250722100011'), (12, '+250722100012'),
	(13, '+250722100013'), (14, '+250722100014'), (15, '+250732100015'), (16, '+250732100016'),
	(17, '+250732100017'), (18, '+250732100018'), (19, '+250732100019'), (20, '+250732100020');

-- P17 sent STOP on 15 October.
UPDATE people SET opted_out_at = '2026-10-15 07:12+00'
WHERE phone = '+250732100017' AND opted_out_at IS NULL;

-- Check-ins of RW-NUT-2026 (visit_end 2026-09-11; days 14, 30, 60): seq 1 went out on
-- 25 September, seq 2 on Monday 12 October (due on the Sunday), seq 3 on 10 November, to
-- everybody but P17 (opted out: skipped). Answered: seq 1 by P1-P14, seq 2 by P1-P10,
-- seq 3 by P1-P8, each three hours after sending; the others got a reminder after three days
-- and expired after seven.
CREATE TEMP TABLE demo_c ON COMMIT DROP AS
SELECT p.n, p.phone, s.seq, s.days, s.due,
       CASE WHEN s.seq = 3 AND p.n = 17 THEN NULL ELSE s.sent END AS sent,
       p.n <= s.answered_upto AS answered
FROM demo_p p
CROSS JOIN (VALUES
	(1, 14, '2026-09-25 06:00+00'::timestamptz, '2026-09-25 06:00+00'::timestamptz, 14),
	(2, 30, '2026-10-11 06:00+00', '2026-10-12 06:00+00', 10),
	(3, 60, '2026-11-10 06:00+00', '2026-11-10 06:00+00', 8)) AS s(seq, days, due, sent,
								      answered_upto);
-- RW-SEED-2026 (visit_end 2026-10-21): seq 1 on 4 November, answered by Yvonne only.
INSERT INTO demo_c
SELECT 0, v.phone, 1, 14, '2026-11-04 06:00+00', '2026-11-04 06:00+00', v.answered
FROM (VALUES ('+250788200002', false), ('+250788100004', false), ('+250788100021', true))
	AS v(phone, answered);

INSERT INTO checkins (person_id, route_id, seq, days_after, status, due_at, sent_at,
		      reminded_at, expires_at, answered_at)
SELECT pe.id, r.id, c.seq, c.days,
       CASE WHEN c.sent IS NULL THEN 'skipped' WHEN c.answered THEN 'answered' ELSE 'expired' END,
       c.due, c.sent,
       CASE WHEN c.sent IS NOT NULL AND NOT c.answered THEN c.sent + interval '3 days' END,
       c.sent + interval '7 days',
       CASE WHEN c.sent IS NOT NULL AND c.answered THEN c.sent + interval '3 hours' END
FROM demo_c c
JOIN people pe ON pe.phone = c.phone
JOIN routes r ON r.code = CASE WHEN c.n = 0 THEN 'RW-SEED-2026' ELSE 'RW-NUT-2026' END
ON CONFLICT (person_id, route_id, seq) DO NOTHING;

-- The check-in SMS (P19's first two were not delivered), and the replies.
INSERT INTO outbound_messages (person_id, phone, text, kind, dedup_key, checkin_id, status,
			       attempts, next_attempt_at, aggregator, aggregator_message_id, cost,
			       currency, segments, error, created_at, sent_at, delivered_at,
			       updated_at)
SELECT k.person_id, pe.phone,
       'How is your action plan going? We will ask about each item. Reply STOP to stop.',
       'checkin', 'demo:checkin:' || k.id, k.id,
       CASE WHEN pe.phone = '+250732100019' AND k.seq < 3 THEN 'failed' ELSE 'delivered' END,
       1, k.sent_at, 'africastalking', 'ATXid_demo_' || k.id, 0.0200, 'USD', 1,
       CASE WHEN pe.phone = '+250732100019' AND k.seq < 3 THEN 'DeliveryFailure' END,
       k.sent_at, k.sent_at,
       CASE WHEN pe.phone = '+250732100019' AND k.seq < 3 THEN NULL
	    ELSE k.sent_at + interval '1 minute' END,
       k.sent_at + interval '1 minute'
FROM checkins k JOIN people pe ON pe.id = k.person_id
WHERE k.sent_at IS NOT NULL
ON CONFLICT (dedup_key) DO NOTHING;

INSERT INTO inbound_messages (aggregator, aggregator_message_id, phone, to_address, person_id,
			      text, received_at, status, handled_at)
SELECT 'africastalking', 'demo-in-' || k.id, pe.phone, '12345', pe.id, '2', k.answered_at,
       'answer', k.answered_at
FROM checkins k JOIN people pe ON pe.id = k.person_id
WHERE k.answered_at IS NOT NULL
ON CONFLICT (aggregator, aggregator_message_id) DO NOTHING;

-- P17's STOP and its confirmation; a message from an unknown number and its one reply.
INSERT INTO inbound_messages (aggregator, aggregator_message_id, phone, to_address, person_id,
			      text, received_at, status, handled_at)
SELECT 'africastalking', v.id, v.phone, '12345', pe.id, v.text, v.at, v.status, v.at
FROM (VALUES
	('demo-in-stop-p17', '+250732100017', 'STOP', '2026-10-15 07:12+00'::timestamptz,
	 'keyword'),
	('demo-in-unknown-1', '+250788999999', 'Muraho, ndashaka kwiyandikisha',
	 '2026-11-12 13:40+00', 'unmatched')) AS v(id, phone, text, at, status)
LEFT JOIN people pe ON pe.phone = v.phone
ON CONFLICT (aggregator, aggregator_message_id) DO NOTHING;

INSERT INTO outbound_messages (person_id, phone, text, kind, dedup_key, status, attempts,
			       next_attempt_at, aggregator, aggregator_message_id, cost, currency,
			       segments, created_at, sent_at, delivered_at, updated_at)
SELECT pe.id, v.phone, v.text, v.kind, v.dedup, 'delivered', 1, v.at, 'africastalking',
       'ATXid_' || v.dedup, 0.0200, 'USD', 1, v.at, v.at, v.at + interval '1 minute',
       v.at + interval '1 minute'
FROM (VALUES
	('demo:stop-confirm-p17', '+250732100017', 'keyword',
	 'You will get no more messages. Send START to receive them again.',
	 '2026-10-15 07:12:05+00'::timestamptz),
	('demo:reply-unknown-1', '+250788999999', 'reply',
	 'This number is not registered. Please contact your route coordinator.',
	 '2026-11-12 13:40:05+00')) AS v(dedup, phone, kind, text, at)
LEFT JOIN people pe ON pe.phone = v.phone
ON CONFLICT (dedup_key) DO NOTHING;

-- A staff message still waiting in the outbox (not counted as sent anywhere).
INSERT INTO outbound_messages (person_id, phone, text, kind, dedup_key, next_attempt_at,
			       created_at, updated_at)
SELECT pe.id, pe.phone, 'Reminder: route meeting in Huye on 10 December.', 'manual',
       'demo:manual-1', '2026-11-27 06:00+00', '2026-11-27 05:55+00', '2026-11-27 05:55+00'
FROM people pe WHERE pe.phone = '+250788100021'
ON CONFLICT (dedup_key) DO NOTHING;

-- Progress reports: (participant, item, status, people reached, note, time, source).
INSERT INTO progress_reports (action_item_id, status, people_reached, note, source,
			      source_key, reported_at)
SELECT i.id, v.status, v.reached, v.note, v.source, 'demo:report:' || v.k, v.at
FROM (VALUES
	(1, '+250788100001', 'Start a kitchen garden', 2, 5, NULL, '2026-09-25 09:05+00'::timestamptz, 'sms'),
	(2, '+250788100001', 'Start a kitchen garden', 3, 12, NULL, '2026-11-10 09:05+00', 'sms'),
	(3, '+250788100001', 'Train 20 mothers on meals', 2, 8, NULL, '2026-10-12 09:05+00', 'sms'),
	(4, '+250788100002', 'Start a kitchen garden', 4, 0, 'Need seeds and a watering can',
	 '2026-10-12 09:10+00', 'sms'),
	(5, '+250788100002', 'Savings group for nutrition', 1, NULL, NULL, '2026-09-25 09:10+00', 'ussd'),
	(6, '+250788100003', 'Démonstration culinaire', 3, 30, NULL, '2026-10-03 14:00+00', 'ussd'),
	(7, '+250788100004', 'Start a kitchen garden', 2, 6, NULL, '2026-09-25 09:15+00', 'sms'),
	(8, '+250788100004', 'Hand-washing stations', 3, 40, NULL, '2026-11-10 09:15+00', 'sms'),
	(9, '+250788100005', 'Train 20 mothers on meals', 2, 11, NULL, '2026-10-12 09:20+00', 'sms'),
	(10, '+250788100006', 'Korora amatungo magufi', 4, 2, NULL, '2026-10-20 10:00+00', 'ussd'),
	(11, '+250788100006', 'Korora amatungo magufi', 2, NULL, NULL, '2026-11-10 09:30+00', 'sms'),
	(12, '+250788100007', 'School garden with teachers', 3, 25, NULL, '2026-11-10 09:35+00', 'sms'),
	(13, '+250788100008', 'Hand-washing stations', 2, 15, NULL, '2026-10-12 09:40+00', 'sms'),
	(14, '+250722100009', 'Seed bank for vegetables', 1, 0, NULL, '2026-09-25 09:45+00', 'sms'),
	(15, '+250722100010', 'Épargne pour la nutrition', 4, 3,
	 'Le groupe n''a pas encore de caisse', '2026-10-12 09:50+00', 'sms'),
	(16, '+250722100011', 'Causerie nutrition à l''église', 3, 60, NULL, '2026-09-25 09:55+00', 'sms'),
	(17, '+250722100012', 'Akarima k''igikoni', 2, 4, NULL, '2026-09-25 10:00+00', 'sms'),
	(18, '+250722100013', 'Savings group for nutrition', 2, 10, NULL, '2026-09-25 10:05+00', 'sms'),
	(19, '+250722100014', 'Train 20 mothers on meals', 1, NULL, NULL, '2026-09-25 10:10+00', 'sms'),
	(20, '+250788100002', 'Start a kitchen garden', 2, 3, NULL, '2026-11-10 09:10+00', 'sms'),
	(21, '+250788100021', 'Save bean seeds', 2, 7, NULL, '2026-11-04 09:05+00', 'sms'))
	AS v(k, phone, item, status, reached, note, at, source)
JOIN people pe ON pe.phone = v.phone
JOIN action_plans ap ON ap.person_id = pe.id
JOIN routes r ON r.id = ap.route_id
	AND r.code = CASE WHEN v.k = 21 THEN 'RW-SEED-2026' ELSE 'RW-NUT-2026' END
JOIN action_items i ON i.plan_id = ap.id AND i.title = v.item
ON CONFLICT (source_key) DO NOTHING;

-- Training sessions logged by the four champions of RW-NUT-2026.
INSERT INTO champion_sessions (reference, champion_id, topic_id, session_date, women, men,
			       source, created_at)
SELECT v.ref, c.id, t.id, v.day, v.women, v.men, 'ussd', (v.day + time '13:00') AT TIME ZONE 'UTC'
FROM (VALUES
	('S0001', '+250788200001', 'Kitchen gardens', '2026-09-20'::date, 14, 6),
	('S0002', '+250788200001', 'Balanced meals for children', '2026-10-04', 18, 4),
	('S0003', '+250788200001', 'Kitchen gardens', '2026-10-25', 9, 7),
	('S0004', '+250788200002', 'Savings for nutrition', '2026-09-28', 10, 12),
	('S0005', '+250788200002', 'Kitchen gardens', '2026-11-08', 6, 11),
	('S0006', '+250788200003', 'Cooking demonstrations', '2026-10-15', 25, 3),
	('S0007', '+250788200003', 'Exclusive breastfeeding', '2026-10-29', 30, 0),
	('S0008', '+250788200003', 'Cooking demonstrations', '2026-11-19', 22, 5),
	('S0009', '+250788200004', 'Savings for nutrition', '2026-11-02', 12, 9))
	AS v(ref, phone, topic, day, women, men)
JOIN routes r ON r.code = 'RW-NUT-2026'
JOIN people pe ON pe.phone = v.phone
JOIN champions c ON c.route_id = r.id AND c.person_id = pe.id
JOIN topics t ON t.route_id = r.id AND t.title = v.topic
ON CONFLICT (reference) DO NOTHING;

-- Stories of change (asked early for the demo; normally by the last check-in).
INSERT INTO outcome_stories (person_id, route_id, story, source, source_key, reported_at)
SELECT pe.id, r.id, v.story, 'sms', v.k, v.at
FROM (VALUES
	('demo:story:1', '+250722100011',
	 'Depuis la causerie, 60 familles de notre paroisse cultivent des legumes et les '
	 'enfants mangent mieux.', '2026-11-10 11:00+00'::timestamptz),
	('demo:story:2', '+250788100007',
	 'The school garden feeds 25 pupils a hot meal twice a week; teachers now run it.',
	 '2026-11-10 11:30+00')) AS v(k, phone, story, at)
JOIN routes r ON r.code = 'RW-NUT-2026'
JOIN people pe ON pe.phone = v.phone
ON CONFLICT (source_key) DO NOTHING;

COMMIT;

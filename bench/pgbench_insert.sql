-- One durable single-row insert shaped like an inbound SMS row, unique key per transaction,
-- ON CONFLICT DO NOTHING as followupd's own insert: the baseline of the inbound figure.
\set r random(1, 9000000000000000000)
INSERT INTO bench_inbound (aggregator, aggregator_message_id, phone, to_address, text,
	received_at)
VALUES ('africastalking', 'pgb-' || :client_id || '-' || :r, '+250788912345', '12345',
	'hello', now())
ON CONFLICT (aggregator, aggregator_message_id) DO NOTHING;

-- 0009_notify_per_row: wake the senders only when rows were really queued. A statement-level
-- trigger fires for INSERTs that insert nothing (most SMS writes queue no reply), and every
-- NOTIFY serializes commits on a global lock: measured by bench/, inbound SMS went from 572
-- to about 1,300 per second with this. Notifications with the same payload in a transaction
-- are delivered once, so a row-level trigger costs one notification per transaction.
DROP TRIGGER outbound_messages_notify ON followup.outbound_messages;

CREATE TRIGGER outbound_messages_notify AFTER INSERT ON followup.outbound_messages
	FOR EACH ROW EXECUTE FUNCTION followup.outbox_notify();

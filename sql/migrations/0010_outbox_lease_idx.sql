-- 0010_outbox_lease_idx: the claim looks for rows whose lease ran out (a crashed sender's)
-- separately from due queued rows, each through its own index, so that a long queue costs
-- a claim nothing more than the rows it takes.
CREATE INDEX outbound_messages_lease_idx ON followup.outbound_messages (lease_until)
	WHERE status = 'sending';

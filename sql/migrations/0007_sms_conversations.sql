-- 0007_sms_conversations: the SMS check-in conversation (handlers/convo.h, handlers/sms_flow.c)
-- keeps each person's one open question as convo_state_encode() text in
-- followup.conversations.state; the other columns are kept for staff and refreshed by every
-- write.
--
-- Contract for writers that START a check-in (the scheduler, followupctl checkins): upsert
--   INSERT INTO followup.conversations (person_id, checkin_id, state, step, action_item_id,
--                                       expires_at, asked_at, updated_at)
--   VALUES (<person>, <checkin id>, <convo_state_encode() of convo_start()>,
--           <convo_step_name(state.step)>, <first item id, or NULL for a story-only check-in>,
--           <checkin expiry>, now(), now())
--   ON CONFLICT (person_id) DO UPDATE SET checkin_id = EXCLUDED.checkin_id,
--     state = EXCLUDED.state, step = EXCLUDED.step, action_item_id = EXCLUDED.action_item_id,
--     status = NULL, reask_count = 0, help_note = NULL, story = NULL,
--     expires_at = EXCLUDED.expires_at, asked_at = now(), updated_at = now();
-- state is the truth; step must be convo_step_name() of it ('status' or 'story' at a start).
-- A row without state (NULL) reads as "no open question". Writers should take the same
-- per-phone lock as the SMS flow first, so a reply being stored at that instant is not
-- applied to the question being replaced:
--   SELECT pg_advisory_xact_lock(7007, hashtext(<person's phone>));
-- (the SMS flow also checks that the state it read is still there before writing, and reads
-- again when it is not, so a writer without the lock is safe, only more often retried).

ALTER TABLE followup.conversations ADD COLUMN state text;

-- The step names are convo_step_name(): the conversation has no separate "stop_confirm"
-- question (STOP is confirmed at once) and needs 'none' and 'done'.
ALTER TABLE followup.conversations DROP CONSTRAINT conversations_step_check;
ALTER TABLE followup.conversations ADD CONSTRAINT conversations_step_check
	CHECK (step IN ('none', 'status', 'reached', 'note', 'story', 'done'));

COMMENT ON COLUMN followup.conversations.state IS
'The open question as convo_state_encode() text (handlers/convo.h); NULL = none.';
COMMENT ON COLUMN followup.conversations.step IS
'convo_step_name() of state: none, status, reached, note (help note), story, done.';
COMMENT ON COLUMN followup.conversations.action_item_id IS
'The item the open question is about (NULL for a story or when done).';
COMMENT ON COLUMN followup.conversations.status IS
'The status already given for that item in this check-in (while asking people reached or '
'the help note).';
COMMENT ON COLUMN followup.conversations.reask_count IS
'Unreadable answers re-asked for the open question (at most 2, then it moves on).';

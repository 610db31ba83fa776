-- 0005_ussd_ref: each USSD session gets its champion-session reference when it starts, so the
-- END screen can show it before the row is written and every replay shows the same one.
-- References come from the same sequence as champion_sessions' default, so they never clash.
ALTER TABLE followup.ussd_sessions
	ADD COLUMN ref text NOT NULL DEFAULT 'S' || nextval('followup.champion_session_ref_seq');

-- 0003_roles: followup_app (the daemon: DML on the tables, no DDL) and followup_staff (the
-- eight staff views, read-only, and nothing else). Roles are cluster-wide, so they are created
-- only when missing; grant them to login roles (GRANT followup_staff TO alice).

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'followup_app') THEN
		CREATE ROLE followup_app NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'followup_staff') THEN
		CREATE ROLE followup_staff NOLOGIN;
	END IF;
END
$$;

GRANT USAGE ON SCHEMA followup TO followup_app, followup_staff;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA followup TO followup_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA followup TO followup_app;
-- The migration log and the reference tables are the migrator's.
REVOKE INSERT, UPDATE, DELETE ON followup.schema_migrations, followup.countries,
	followup.languages FROM followup_app;
-- Tables and sequences of later migrations (created by the same migrating role).
ALTER DEFAULT PRIVILEGES IN SCHEMA followup
	GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO followup_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA followup
	GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO followup_app;

REVOKE ALL ON ALL TABLES IN SCHEMA followup FROM followup_staff;
GRANT SELECT ON followup.v_route_summary, followup.v_action_item_progress,
	followup.v_participant_followup, followup.v_champion_activity, followup.v_help_requests,
	followup.v_silent_participants, followup.v_outcome_stories, followup.v_messaging_daily
	TO followup_staff;

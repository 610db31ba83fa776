/* Integration: check-in scheduling through `followupctl checkins --now` (quiet hours in each
 * person's time zone, Sundays, late imports, reminders, expiry, nobody twice), the daemon's
 * own scheduler, and `followupctl send` / `broadcast`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "th.h"

static struct th_pg pg;
static PGconn *sql;

static const char *
bin(void)
{
	return getenv("FOLLOWUP_BIN") ? getenv("FOLLOWUP_BIN") : ".";
}

static int
setup(void **state)
{
	static const char *const kinds[] = {"routes", "organizations", "people", "champions",
					    "topics", "action-items"};
	if (th_pg_start(&pg) != 0 || th_migrate(&pg) != 0)
		return -1;
	for (size_t i = 0; i < 6; i++)
		if (th_run(&pg, NULL, NULL, "%s/followupctl import %s config/demo/%s.csv", bin(),
			   kinds[i], kinds[i]) != 0)
			return -1;
	sql = th_pg_connect(&pg);
	/* One participant lives seven hours behind Kigali. */
	return sql && th_sql_exec(sql, "UPDATE followup.people SET timezone = 'America/Lima'"
				       " WHERE phone = '+250788100008'") == 0
		       ? 0
		       : -1;
}

static int
teardown(void **state)
{
	PQfinish(sql);
	th_pg_destroy(&pg);
	return 0;
}

static long
num(const char *q)
{
	char *v = th_sql_value(sql, q);
	long n = v ? atol(v) : -1;
	free(v);
	return n;
}

/* Runs `followupctl checkins ARGS`; returns the "N check-ins, M reminders" counts. */
static void
checkins(const char *args, int *started, int *reminded, char **out_keep)
{
	char *out = NULL, *err = NULL;
	int st = th_run(&pg, &out, &err, "%s/followupctl checkins %s", bin(), args);
	if (st != 0)
		fail_msg("checkins %s: exit %d: %s", args, st, err ? err : "");
	const char *line = strstr(out, "queue");
	assert_non_null(line);
	line = strchr(line, ':');
	assert_int_equal(sscanf(line, ": %d check-ins, %d reminders", started, reminded), 2);
	if (out_keep)
		*out_keep = out;
	else
		free(out);
	free(err);
}

static void
test_checkins_quiet_hours_and_sundays(void **state)
{
	int s, r;
	char *out;
	/* 14 days after the visit (11 Sep 2026): Friday 25 Sep, 10:00 in Kigali. */
	checkins("--now '2026-09-25 10:00+02' --dry-run", &s, &r, &out);
	assert_int_equal(s, 19); /* 20 participants, one of them still asleep in Lima */
	assert_null(strstr(out, "***008"));
	assert_non_null(strstr(out, "RW-NUT-2026#1"));
	assert_null(strstr(out, "250788")); /* numbers masked */
	free(out);
	assert_int_equal(num("SELECT count(*) FROM followup.checkins"), 0); /* dry run */
	checkins("--now '2026-09-25 20:30+02' --dry-run", &s, &r, NULL);
	assert_int_equal(s, 1); /* after 19:00 in Kigali, 13:30 in Lima */
	checkins("--now '2026-09-27 10:00+02' --dry-run", &s, &r, NULL);
	assert_int_equal(s, 0); /* Sunday in Kigali, and 03:00 on Sunday in Lima */
}

static void
test_checkins_queue_once(void **state)
{
	int s, r;
	checkins("--now '2026-09-25 10:00+02'", &s, &r, NULL);
	assert_int_equal(s, 19);
	checkins("--now '2026-09-25 11:00+02'", &s, &r, NULL);
	assert_int_equal(s, 0); /* nobody twice */
	assert_int_equal(num("SELECT count(*) FROM followup.outbound_messages WHERE kind ="
			     " 'checkin' AND dedup_key LIKE 'checkin:%'"),
			 19);
	assert_int_equal(num("SELECT count(*) FROM followup.conversations WHERE state IS NOT NULL"
			     " AND step = 'status'"),
			 19);
	/* In her own language: Aline reads Kinyarwanda. */
	char *t = th_sql_value(sql, "SELECT o.text FROM followup.outbound_messages o JOIN"
				    " followup.people p ON p.id = o.person_id WHERE p.phone ="
				    " '+250788100001' AND o.kind = 'checkin'");
	assert_non_null(strstr(t, "Start a kitchen garden"));
	assert_non_null(strstr(t, "byarangiye"));
	free(t);
	/* Lima wakes up: 08:00 there is 15:00 in Kigali. */
	checkins("--now '2026-09-25 15:00+02'", &s, &r, NULL);
	assert_int_equal(s, 1);
}

static void
test_checkins_reminders_and_expiry(void **state)
{
	int s, r;
	/* Three days without a reply: Monday 28 Sep (Sunday 27 is skipped anyway). */
	checkins("--now '2026-09-28 10:00+02'", &s, &r, NULL);
	assert_int_equal(r, 19);
	checkins("--now '2026-09-28 12:00+02'", &s, &r, NULL);
	assert_int_equal(r, 0); /* one reminder only */
	assert_int_equal(num("SELECT count(*) FROM followup.outbound_messages"
			     " WHERE kind = 'reminder'"),
			 19);
	/* Seven days after sending, they expire. */
	checkins("--now '2026-10-03 10:00+02'", &s, &r, NULL);
	assert_int_equal(num("SELECT count(*) FROM followup.checkins WHERE status = 'expired'"),
			 20); /* Lima's too: sent at 15:00 Kigali time, expired a week later */
}

static void
test_checkins_late_import_sends_only_latest(void **state)
{
	int s, r;
	/* A route imported late: on 12 Oct the first check-in (due 25 Sep) is past its window,
	 * the second (30 days, due 11 Oct) is inside it. Only that one goes out. */
	assert_int_equal(th_sql_exec(sql, "DELETE FROM followup.checkins c USING followup.people p"
					  " WHERE p.id = c.person_id AND p.phone = '+250788100002'"),
			 0);
	checkins("--now '2026-10-12 10:00+02'", &s, &r, NULL);
	assert_true(s >= 1);
	assert_int_equal(num("SELECT min(seq) * 10 + count(*) FROM followup.checkins c JOIN"
			     " followup.people p ON p.id = c.person_id WHERE p.phone ="
			     " '+250788100002'"),
			 21);
}

static void
test_checkins_daemon_scheduler(void **state)
{
	struct th_daemon d;
	/* A route whose first check-in is due today wherever the test runs. */
	assert_int_equal(
		th_sql_exec(sql,
			    "INSERT INTO followup.routes (code, title, country, visit_start, visit_end)"
			    " VALUES ('T-NOW', 'Today', 'RW', (now() AT TIME ZONE 'Africa/Kigali')::date"
			    " - 16, (now() AT TIME ZONE 'Africa/Kigali')::date - 14);"
			    "INSERT INTO followup.people (phone, name, gender, language, timezone)"
			    " VALUES ('+250788999001', 'Test Person', 'f', 'en', 'Africa/Kigali');"
			    "INSERT INTO followup.route_participants (route_id, person_id, role)"
			    " SELECT r.id, p.id, 'participant' FROM followup.routes r,"
			    " followup.people p WHERE r.code = 'T-NOW' AND p.phone = '+250788999001';"
			    "INSERT INTO followup.action_plans (route_id, person_id) SELECT r.id, p.id"
			    " FROM followup.routes r, followup.people p WHERE r.code = 'T-NOW'"
			    " AND p.phone = '+250788999001';"
			    "INSERT INTO followup.action_items (plan_id, title) SELECT id, 'Plant beans'"
			    " FROM followup.action_plans ap WHERE ap.route_id = (SELECT id FROM"
			    " followup.routes WHERE code = 'T-NOW')"),
		0);
	assert_int_equal(th_daemon_start(&d, &pg, 0,
					 "[checkins]\nsend_window = 00:00-24:00\n"
					 "send_days = sun,mon,tue,wed,thu,fri,sat\ntick_seconds = 1\n"),
			 0);
	long n = 0;
	for (int i = 0; i < 100 && n == 0; i++, usleep(100000))
		n = num("SELECT count(*) FROM followup.outbound_messages o JOIN followup.people p"
			" ON p.id = o.person_id WHERE p.phone = '+250788999001' AND"
			" o.kind = 'checkin' AND o.text LIKE '%Plant beans%'");
	assert_int_equal(n, 1);
	/* The console adapter then sends it. */
	for (int i = 0; i < 50 && n != 2; i++, usleep(100000))
		n = num("SELECT count(*) + 1 FROM followup.outbound_messages o JOIN followup.people p"
			" ON p.id = o.person_id WHERE p.phone = '+250788999001' AND"
			" o.status = 'sent'");
	assert_int_equal(n, 2);
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
}

static void
test_checkins_send_and_broadcast(void **state)
{
	char *out = NULL, *err = NULL;
	assert_int_equal(th_run(&pg, &out, NULL, "%s/followupctl send --to +250788100001 'Murakoze'",
				bin()),
			 0);
	assert_non_null(strstr(out, "queued message"));
	free(out);
	assert_int_equal(th_run(&pg, NULL, &err, "%s/followupctl send --to 0788100001 'x'", bin()),
			 1);
	assert_non_null(strstr(err, "E.164"));
	free(err);
	assert_int_equal(th_run(&pg, &out, NULL,
				"%s/followupctl broadcast --route RW-SEED-2026 'Seed fair on Saturday'",
				bin()),
			 0);
	assert_non_null(strstr(out, "3 queued, 0 already"));
	free(out);
	assert_int_equal(th_run(&pg, &out, NULL,
				"%s/followupctl broadcast --route RW-SEED-2026 'Seed fair on Saturday'",
				bin()),
			 0);
	assert_non_null(strstr(out, "0 queued, 3 already"));
	free(out);
	assert_int_equal(th_run(&pg, NULL, &err, "%s/followupctl broadcast --route NOPE 'x'", bin()),
			 1);
	assert_non_null(strstr(err, "unknown route"));
	free(err);
	assert_int_equal(th_run(&pg, NULL, NULL, "%s/followupctl broadcast --route NOPE", bin()), 2);
}

static void
test_checkins_purge_keeps_the_numbers(void **state)
{
	char *before = th_sql_value(sql, "SELECT string_agg(v::text, ';' ORDER BY route) FROM"
					 " followup.v_route_summary v");
	char *out = NULL;
	assert_true(num("SELECT count(*) FROM followup.outbound_messages WHERE text <> ''"
			" AND status NOT IN ('queued', 'sending')") > 0 ||
		    num("SELECT count(*) FROM followup.outbound_messages") > 0);
	assert_int_equal(th_run(&pg, &out, NULL, "%s/followupctl purge --older-than 0 --dry-run",
				bin()),
			 0);
	assert_non_null(strstr(out, "would purge outbound message texts"));
	free(out);
	long texts = num("SELECT count(*) FROM followup.outbound_messages WHERE text <> ''");
	/* Two days on, everything sent. */
	assert_int_equal(th_sql_exec(sql, "UPDATE followup.outbound_messages SET status ="
					  " CASE WHEN status IN ('queued', 'sending') THEN 'sent'"
					  " ELSE status END, created_at = now() - interval '2 days'"),
			 0);
	assert_int_equal(num("SELECT count(*) FROM followup.outbound_messages WHERE text <> ''"),
			 texts); /* the dry run changed nothing */
	assert_int_equal(th_run(&pg, &out, NULL, "%s/followupctl purge --older-than 1", bin()), 0);
	free(out);
	assert_int_equal(num("SELECT count(*) FROM followup.outbound_messages WHERE text <> ''"), 0);
	char *after = th_sql_value(sql, "SELECT string_agg(v::text, ';' ORDER BY route) FROM"
					" followup.v_route_summary v");
	assert_string_equal(before, after);
	free(before), free(after);
	assert_int_equal(th_run(&pg, NULL, NULL, "%s/followupctl purge --older-than x", bin()), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checkins_quiet_hours_and_sundays),
		cmocka_unit_test(test_checkins_queue_once),
		cmocka_unit_test(test_checkins_reminders_and_expiry),
		cmocka_unit_test(test_checkins_late_import_sends_only_latest),
		cmocka_unit_test(test_checkins_daemon_scheduler),
		cmocka_unit_test(test_checkins_send_and_broadcast),
		cmocka_unit_test(test_checkins_purge_keeps_the_numbers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

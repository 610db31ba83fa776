/*
 * test_data — the data layer against a real PostgreSQL: migrations, `followupctl import` of the
 * demo route and of broken files, the staff views on the demo data (values computed by hand
 * from the config/demo CSV files and config/demo/activity.sql), the two roles, export and report.
 * One cluster for the whole binary; the tests run in order and build on each other.
 */
#include "th.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct th_pg pg;
static PGconn *db;

static const char *
bin(void)
{
	const char *b = getenv("FOLLOWUP_BIN");
	return b && *b ? b : ".";
}

/* Runs followupctl ARGS; stores stdout and stderr (malloc'd) and returns the exit status. */
static int
ctl(char **out, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
ctl(char **out, char **err, const char *fmt, ...)
{
	char args[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	return th_run(&pg, out, err, "%s/followupctl %s", bin(), args);
}

/* The first cell of a query, compared with want ("" for NULL). */
static void
expect_sql(const char *sql, const char *want)
{
	char *v = th_sql_value(db, sql);
	if (!v || strcmp(v, want) != 0)
		fail_msg("%s\n  got:  %s\n  want: %s", sql, v ? v : "(error)", want);
	free(v);
}

/* A digest of every row of the tables that imports write: any insert or update changes it. */
static char *
fingerprint(void)
{
	return th_sql_value(db,
		"SELECT md5(string_agg(t, '|' ORDER BY t)) FROM ("
		" SELECT 'r' || r::text t FROM followup.routes r"
		" UNION ALL SELECT 'o' || o::text FROM followup.organizations o"
		" UNION ALL SELECT 'p' || p::text FROM followup.people p"
		" UNION ALL SELECT 'rp' || x::text FROM followup.route_participants x"
		" UNION ALL SELECT 'c' || c::text FROM followup.champions c"
		" UNION ALL SELECT 't' || t::text FROM followup.topics t"
		" UNION ALL SELECT 'ap' || a::text FROM followup.action_plans a"
		" UNION ALL SELECT 'ai' || i::text FROM followup.action_items i) s");
}

static int
group_setup(void **state)
{
	if (th_pg_start(&pg) != 0)
		return -1;
	if (!(db = th_pg_connect(&pg)))
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	PQfinish(db);
	th_pg_destroy(&pg);
	return 0;
}

static void
test_data_migrations_apply_once(void **state)
{
	char *out = NULL, *err = NULL;

	assert_int_equal(th_migrate(&pg), 0);
	char *n = th_sql_value(db, "SELECT count(*) FROM followup.schema_migrations");
	assert_non_null(n);
	assert_true(atoi(n) >= 4);

	/* The second run applies nothing and says so. */
	assert_int_equal(ctl(&out, &err, "migrate"), 0);
	char want[64];
	snprintf(want, sizeof(want), "migrations: 0 applied, %s already there\n", n);
	assert_string_equal(out, want);
	free(out), free(err), free(n);
	expect_sql("SELECT count(*) FROM pg_roles WHERE rolname IN ('followup_app', 'followup_staff')",
		   "2");
}

/* What the schema refuses by itself, whoever writes. */
static void
test_data_schema_checks(void **state)
{
	static const char *const bad[] = {
		"INSERT INTO followup.people (phone, name, gender, language) "
		"VALUES ('0788123456', 'A', 'f', 'rw')",
		"INSERT INTO followup.people (phone, name, gender, language) "
		"VALUES ('+250788123456', 'A', 'q', 'rw')",
		"INSERT INTO followup.people (phone, name, gender, language) "
		"VALUES ('+250788123456', 'A', 'f', 'de')",
		"INSERT INTO followup.routes (code, title, country, visit_start, visit_end) "
		"VALUES ('R', 'T', 'RW', '2026-02-01', '2026-01-01')",
		"INSERT INTO followup.routes (code, title, country, visit_start, visit_end) "
		"VALUES ('R', 'T', 'XX', '2026-01-01', '2026-01-02')",
		"INSERT INTO followup.outbound_messages (phone, text, kind, status) "
		"VALUES ('+250788123456', 'x', 'checkin', 'lost')",
		"INSERT INTO followup.outbound_messages (phone, text, kind) "
		"VALUES ('+250788123456', 'x', 'spam')",
		"INSERT INTO followup.inbound_messages (aggregator, aggregator_message_id, phone) "
		"VALUES ('at', 'm1', '+250788123456'), ('at', 'm1', '+250788123456')",
		"INSERT INTO followup.ussd_sessions (aggregator, session_id, phone, status) "
		"VALUES ('at', 's1', '+250788123456', 'paused')",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		PGresult *r = PQexec(db, bad[i]);
		if (PQresultStatus(r) == PGRES_COMMAND_OK)
			fail_msg("accepted: %s", bad[i]);
		PQclear(r);
	}
	expect_sql("SELECT count(*) FROM followup.inbound_messages", "0");

	/* Phone completion: national numbers get the country's calling code, 0 dropped. */
	expect_sql("SELECT concat_ws(' ', followup.normalize_phone('0788 123 456', 'RW'),"
		   " followup.normalize_phone('0612345678', 'FR'),"
		   " followup.normalize_phone('(202) 555-0143', 'US'),"
		   " followup.normalize_phone('00254 712 345678', 'RW'),"
		   " coalesce(followup.normalize_phone('0788123456', 'AQ'), 'none'),"
		   " coalesce(followup.normalize_phone('+0788', 'RW'), 'none'))",
		   "+250788123456 +33612345678 +12025550143 +254712345678 none none");
}

static const char *const demo_kinds[] = {"routes", "organizations", "people", "champions",
					 "topics", "action-items"};

/* Every table the demo files write, with its count. */
static const char *const demo_first[] = {
	"routes: 2 inserted, 0 updated, 0 unchanged\n",
	"organizations: 7 inserted, 0 updated, 0 unchanged\n",
	"people: 25 inserted, 0 updated, 0 unchanged\n"
	"route_participants: 27 inserted, 0 updated, 0 unchanged\n",
	"champions: 4 inserted, 0 updated, 0 unchanged\n",
	"topics: 8 inserted, 0 updated, 0 unchanged\n",
	"action_plans: 23 inserted, 0 updated, 0 unchanged\n"
	"action_items: 56 inserted, 0 updated, 0 unchanged\n",
};
static const char *const demo_again[] = {
	"routes: 0 inserted, 0 updated, 2 unchanged\n",
	"organizations: 0 inserted, 0 updated, 7 unchanged\n",
	"people: 0 inserted, 0 updated, 25 unchanged\n"
	"route_participants: 0 inserted, 0 updated, 27 unchanged\n",
	"champions: 0 inserted, 0 updated, 4 unchanged\n",
	"topics: 0 inserted, 0 updated, 8 unchanged\n",
	"action_plans: 0 inserted, 0 updated, 23 unchanged\n"
	"action_items: 0 inserted, 0 updated, 56 unchanged\n",
};

static void
import_demo(const char *const *want)
{
	for (size_t i = 0; i < sizeof(demo_kinds) / sizeof(demo_kinds[0]); i++) {
		char *out = NULL, *err = NULL;
		int st = ctl(&out, &err, "import %s config/demo/%s.csv", demo_kinds[i],
			     demo_kinds[i]);
		if (st != 0 || !out || strcmp(out, want[i]) != 0)
			fail_msg("import %s: status %d\n%s%s", demo_kinds[i], st, out ? out : "",
				 err ? err : "");
		free(out), free(err);
	}
}

static void
test_data_demo_import_twice(void **state)
{
	import_demo(demo_first);
	char *before = fingerprint();
	import_demo(demo_again);
	char *after = fingerprint();
	assert_string_equal(before, after);
	free(before), free(after);

	/* One person, several rows: a champion of one route, a participant of another. */
	expect_sql("SELECT string_agg(rp.role || ':' || r.code, ',' ORDER BY r.code) "
		   "FROM followup.route_participants rp JOIN followup.routes r ON r.id = rp.route_id "
		   "JOIN followup.people p ON p.id = rp.person_id WHERE p.phone = '+250788200002'",
		   "champion:RW-NUT-2026,participant:RW-SEED-2026");
	/* "0788 100 003" in the file is stored in E.164, with the route country's code. */
	expect_sql("SELECT name || ' ' || language || ' ' || timezone FROM followup.people "
		   "WHERE phone = '+250788100003'", "Claudine Mukamana fr Africa/Kigali");
	expect_sql("SELECT count(*) FROM followup.people WHERE organization_id IS NULL", "1");
}

static void
test_data_import_update_counts(void **state)
{
	char path[400], *out = NULL, *err = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/routes-changed.csv", pg.dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("code,title,country,visit_start,visit_end\n"
	      "RW-NUT-2026,Community nutrition: gardens and the first 1000 days,RW,2026-09-07,"
	      "2026-09-11\n"
	      "RW-SEED-2026,Seed saving exchange (Huye),RW,2026-10-19,2026-10-21\n"
	      "KE-NEW-2027,A new route,ke,2027-01-10,2027-01-14\n", f);
	fclose(f);
	assert_int_equal(ctl(&out, &err, "import routes %s", path), 0);
	assert_string_equal(out, "routes: 1 inserted, 1 updated, 1 unchanged\n");
	free(out), free(err);
	expect_sql("SELECT title || ' ' || country FROM followup.routes WHERE code = 'RW-SEED-2026'",
		   "Seed saving exchange (Huye) RW");
	expect_sql("SELECT country FROM followup.routes WHERE code = 'KE-NEW-2027'", "KE");

	/* Back to the demo's title; the new route stays (imports never delete). */
	assert_int_equal(ctl(&out, &err, "import routes config/demo/routes.csv"), 0);
	assert_string_equal(out, "routes: 0 inserted, 1 updated, 1 unchanged\n");
	free(out), free(err);
	assert_int_equal(th_sql_exec(db, "DELETE FROM followup.routes WHERE code = 'KE-NEW-2027'"),
			 0);

	/* A BOM, CRLF line ends, a quoted comma and a non-ASCII apostrophe are all fine. */
	assert_int_equal(ctl(&out, &err, "import topics tests/data/csv/topics_bom_crlf.csv"), 0);
	assert_string_equal(out, "topics: 2 inserted, 0 updated, 0 unchanged\n");
	free(out), free(err);
	expect_sql("SELECT string_agg(t.title, '/' ORDER BY t.id) FROM followup.topics t "
		   "JOIN followup.routes r ON r.id = t.route_id WHERE r.code = 'RW-SEED-2026'",
		   "Seed saving/Seed fairs/Seed storage, pests/Ibigega by\xe2\x80\x99imbuto");
}

struct broken_case {
	const char *kind;
	const char *file;          /* under tests/data/csv/ */
	const char *errors[16];    /* "LINE: reason", in order */
};

static const struct broken_case broken[] = {
	{"routes", "routes_bad.csv", {
		"3: country \"XX\" is not an ISO 3166-1 alpha-2 code",
		"4: visit_start \"2026-02-30\" is not a date YYYY-MM-DD",
		"5: visit_start is after visit_end",
		"6: route \"RW-OK-2026\" already on line 2",
		"7: code is empty",   /* its title spans lines 7-8 */
		"9: expected 5 cells (code,title,country,visit_start,visit_end), found 4",
		"10: visit_start \"05/01/2026\" is not a date YYYY-MM-DD",
		"11: code \"RW BAD 6\" must be 1-40 letters, digits, \"-\", \"_\" or \".\"",
		"11: title is empty",
		"11: visit_end is empty"}},
	{"people", "people_bad_header.csv", {
		"1: the header must be exactly "
		"\"phone,name,gender,language,timezone,organization,route,role\""}},
	{"people", "people_bad.csv", {
		"3: phone \"+12\" is not a valid phone number (E.164 such as +250788123456, or a "
		"national number)",
		"4: gender \"q\" must be f, m or x",
		"5: language \"de\" must be one of en es fr pt rw sw",
		"6: timezone \"Africa/Kigal\" is not a known time zone (e.g. Africa/Kigali)",
		"7: unknown organization \"Unknown Org\" (import organizations first)",
		"8: unknown route \"XX-NONE\" (import routes first)",
		"9: role \"observer\" must be participant or champion",
		"10: +250788300001 disagrees with line 2 on gender",
		"11: +250788300001 is already a participant of route RW-NUT-2026 on line 2",
		"12: phone is empty",
		"13: invalid UTF-8",
		"16: phone \"0788-1OO-016\" is not a valid phone number (E.164 such as "
		"+250788123456, or a national number)"}},
	{"action-items", "action_items_bad.csv", {
		"2: title is 40 characters, at most 30 (so it fits a USSD screen)",
		"3: +250788200001 is not a participant of route RW-NUT-2026 in people",
		"4: no person with phone +250788999998 (import people first)",
		"5: due_date \"31-12-2026\" is not a date YYYY-MM-DD",
		"5: target_people \"five\" is not a whole number",
		"7: item \"Quoted, with comma\" of +250788100001 already on line 6",
		"8: title is empty"}},
	{"champions", "champions_bad.csv", {
		"2: +250788100001 is not a champion of route RW-NUT-2026 in people",
		"3: experience is empty",
		"4: champion +250788200001 of route RW-NUT-2026 already on line 3",
		"5: unknown route \"RW-NOPE\" (import routes first)"}},
	{"organizations", "organizations_bad.csv", {
		"3: country \"ZZ\" is not an ISO 3166-1 alpha-2 code",
		"4: organization \"Good Org\" already on line 2",
		"5: a quoted cell is not closed (missing '\"')"}},
	{"topics", "topics_bad.csv", {
		"2: title is 54 characters, at most 40 (so it fits a USSD screen)",
		"3: contains a NUL byte",
		"4: unknown route \"RW-NOPE\" (import routes first)"}},
};

static void
test_data_import_broken_files(void **state)
{
	for (size_t c = 0; c < sizeof(broken) / sizeof(broken[0]); c++) {
		const struct broken_case *b = &broken[c];
		char *out = NULL, *err = NULL, *before = fingerprint(), *after;
		char want[600];
		int st = ctl(&out, &err, "import %s tests/data/csv/%s", b->kind, b->file);

		if (st != 1)
			fail_msg("%s: exit %d, want 1", b->file, st);
		assert_non_null(err);
		/* One line per error, in order, then the summary line. */
		char *line = err;
		for (size_t i = 0; i < 16 && b->errors[i]; i++) {
			char *nl = strchr(line, '\n');
			snprintf(want, sizeof(want), "tests/data/csv/%s:%s", b->file, b->errors[i]);
			if (!nl || (size_t)(nl - line) != strlen(want) ||
			    strncmp(line, want, strlen(want)) != 0)
				fail_msg("%s: error %zu\n  got:  %.*s\n  want: %s\nall:\n%s", b->file,
					 i, nl ? (int)(nl - line) : (int)strlen(line), line, want, err);
			line = nl + 1;
		}
		if (strncmp(line, "followupctl: import ", 20) != 0 || !strstr(line, "nothing written"))
			fail_msg("%s: summary line: %s", b->file, line);
		assert_string_equal(out, "");
		after = fingerprint();
		assert_string_equal(before, after);
		free(before), free(after), free(out), free(err);
	}
	/* The valid first rows of the broken files were not written either. */
	expect_sql("SELECT count(*) FROM followup.people WHERE phone LIKE '+25078830%'", "0");
	expect_sql("SELECT count(*) FROM followup.routes WHERE code = 'RW-OK-2026'", "0");

	/* Usage errors. */
	char *out = NULL, *err = NULL;
	assert_int_equal(ctl(&out, &err, "import pets tests/data/csv/topics_bad.csv"), 1);
	free(out), free(err);
	assert_int_equal(ctl(&out, &err, "import routes /nonexistent.csv"), 1);
	free(out), free(err);
	assert_int_equal(ctl(&out, &err, "import routes"), 2);
	free(out), free(err);
}

static void
test_data_demo_activity_loads_twice(void **state)
{
	char *out = NULL, *err = NULL;
	const char *cmd = "sh -c 'exec psql \"$FOLLOWUP_DB\" -q -v ON_ERROR_STOP=1 "
			  "-f config/demo/activity.sql'";
	const char *count =
		"SELECT concat_ws(' ', (SELECT count(*) FROM followup.checkins),"
		" (SELECT count(*) FROM followup.progress_reports),"
		" (SELECT count(*) FROM followup.champion_sessions),"
		" (SELECT count(*) FROM followup.inbound_messages),"
		" (SELECT count(*) FROM followup.outbound_messages),"
		" (SELECT count(*) FROM followup.outcome_stories))";

	if (th_run(&pg, &out, &err, "%s", cmd) != 0)
		fail_msg("activity.sql: %s%s", out ? out : "", err ? err : "");
	free(out), free(err);
	/* 63 check-ins (3 x 20 + 3); 21 reports; 9 sessions; 33 + 2 inbound (answered
	 * check-ins 14 + 10 + 8 + 1, STOP, unknown number); 62 sent check-ins (20 + 20 + 19 + 3)
	 * + 3 outbound; 2 stories. */
	expect_sql(count, "63 21 9 35 65 2");
	assert_int_equal(th_run(&pg, NULL, NULL, "%s", cmd), 0);
	expect_sql(count, "63 21 9 35 65 2");
}

static void
test_data_view_route_summary(void **state)
{
	/* RW-NUT-2026: 51 items; 17 have reports, whose latest status is 2/3/4 for 14 of them
	 * and 3 for 5 -> 27.5 % and 9.8 %. people_reached: 12+8+3+30+6+40+11+2+25+15+0+3+60+4+10
	 * = 229 (P06's item counts the 2 of its earlier report: the latest gave no number).
	 * Check-ins sent 20+20+19 (P17 opted out before seq 3); answered 14+10+8 = 32 -> 54.2 %.
	 * Sessions: women 14+18+9+10+6+25+30+22+12 = 146, men 6+4+7+12+11+3+0+5+9 = 57. */
	const char *q = "SELECT concat_ws('|', participants, items, items_started_pct, "
			"items_done_pct, people_reached, checkins_sent, response_rate_pct, "
			"champion_sessions, attendees_female, attendees_male) "
			"FROM followup.v_route_summary WHERE route = '%s'";
	char sql[512];
	snprintf(sql, sizeof(sql), q, "RW-NUT-2026");
	expect_sql(sql, "20|51|27.5|9.8|229|59|54.2|9|146|57");
	/* RW-SEED-2026: 3 participants, 5 items, one in progress (1/5), 1 of 3 answered. */
	snprintf(sql, sizeof(sql), q, "RW-SEED-2026");
	expect_sql(sql, "3|5|20.0|0.0|7|3|33.3|0|0|0");
}

static void
test_data_view_item_and_participant(void **state)
{
	expect_sql("SELECT count(*) FROM followup.v_action_item_progress", "56");
	/* Latest report says "in progress" with no number: the earlier 2 is kept. */
	expect_sql("SELECT concat_ws('|', organization, participant, latest_status, people_reached,"
		   " reports) FROM followup.v_action_item_progress"
		   " WHERE phone = '+250788100006' AND item = 'Korora amatungo magufi'",
		   "Duhozanye Women's Association|Vestine Nyirahabimana|2|2|2");
	expect_sql("SELECT concat_ws('|', latest_status, coalesce(people_reached::text, '-'),"
		   " reports) FROM followup.v_action_item_progress"
		   " WHERE phone = '+250788100002' AND item = 'Savings group for nutrition'",
		   "1|-|1");
	expect_sql("SELECT concat_ws('|', coalesce(latest_status::text, '-'), reports)"
		   " FROM followup.v_action_item_progress"
		   " WHERE phone = '+250732100020' AND item = 'Cooking demo in my village'", "-|0");

	/* 20 + 3 participants (Pascal is a champion on RW-NUT, so only listed on RW-SEED). */
	expect_sql("SELECT count(*) FROM followup.v_participant_followup", "23");
	expect_sql("SELECT concat_ws('|', language, checkins_sent, checkins_answered,"
		   " to_char(last_reply_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), items,"
		   " items_done, opted_out) FROM followup.v_participant_followup"
		   " WHERE phone = '+250722100009' AND route = 'RW-NUT-2026'",
		   "rw|3|2|2026-10-12 09:00|2|0|f");
	expect_sql("SELECT concat_ws('|', checkins_sent, checkins_answered, items, items_done)"
		   " FROM followup.v_participant_followup"
		   " WHERE phone = '+250788100001'", "3|3|3|1");
	expect_sql("SELECT concat_ws('|', checkins_sent, checkins_answered,"
		   " to_char(last_reply_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), opted_out)"
		   " FROM followup.v_participant_followup WHERE phone = '+250732100017'",
		   "2|0|2026-10-15 07:12|t");
	expect_sql("SELECT concat_ws('|', checkins_sent, checkins_answered, items)"
		   " FROM followup.v_participant_followup"
		   " WHERE phone = '+250788100004' AND route = 'RW-SEED-2026'", "1|0|1");
}

static void
test_data_view_champions_help_stories(void **state)
{
	expect_sql("SELECT count(*) FROM followup.v_champion_activity", "7");
	expect_sql("SELECT concat_ws('|', sessions, attendees_female, attendees_male)"
		   " FROM followup.v_champion_activity"
		   " WHERE champion = 'Jeanne d''Arc Uwingabire' AND month = '2026-10-01'", "2|55|3");
	expect_sql("SELECT concat_ws('|', sessions, attendees_female, attendees_male)"
		   " FROM followup.v_champion_activity"
		   " WHERE champion = 'Immaculée Mukarugwiza' AND month = '2026-10-01'", "2|27|11");

	/* Every status-4 report, with its note when one was given (USSD gives none). */
	expect_sql("SELECT string_agg(phone || '/' || item || '/' || coalesce(note, '-'), ';'"
		   " ORDER BY reported_at) FROM followup.v_help_requests",
		   "+250788100002/Start a kitchen garden/Need seeds and a watering can;"
		   "+250722100010/Épargne pour la nutrition/Le groupe n'a pas encore de caisse;"
		   "+250788100006/Korora amatungo magufi/-");

	expect_sql("SELECT string_agg(participant, ',' ORDER BY reported_at)"
		   " FROM followup.v_outcome_stories", "Théogène Bizimana,Patrick Mugisha");

	/* Those who never replied to three check-ins are silent whatever today is; P17 opted
	 * out and RW-SEED sent only one check-in each. */
	expect_sql("SELECT count(*) FROM followup.v_silent_participants"
		   " WHERE phone IN ('+250732100015', '+250732100016', '+250732100018',"
		   " '+250732100019', '+250732100020') AND route = 'RW-NUT-2026'", "5");
	expect_sql("SELECT count(*) FROM followup.v_silent_participants"
		   " WHERE phone = '+250732100017' OR route = 'RW-SEED-2026' OR checkins_sent < 2",
		   "0");
}

static void
test_data_view_messaging_daily(void **state)
{
	expect_sql("SELECT count(*) FROM followup.v_messaging_daily", "6");
	/* 25 September: 20 check-ins sent, P19's failed, 14 replies, 0.02 each. */
	expect_sql("SELECT concat_ws('|', inbound, outbound_sent, delivered, failed, cost)"
		   " FROM followup.v_messaging_daily"
		   " WHERE day = '2026-09-25' AND aggregator = 'africastalking'", "14|20|19|1|0.4000");
	expect_sql("SELECT concat_ws('|', inbound, outbound_sent, delivered, failed, cost)"
		   " FROM followup.v_messaging_daily WHERE day = '2026-11-10'", "8|19|19|0|0.3800");
	/* The queued staff message is not counted anywhere. */
	expect_sql("SELECT sum(outbound_sent) FROM followup.v_messaging_daily", "64");
}

static const char *const views[] = {
	"v_route_summary", "v_action_item_progress", "v_participant_followup",
	"v_champion_activity", "v_help_requests", "v_silent_participants", "v_outcome_stories",
	"v_messaging_daily",
};

static void
test_data_staff_reads_views_only(void **state)
{
	PGresult *r = PQexec(db, "SELECT c.relname FROM pg_class c JOIN pg_namespace n"
				 " ON n.oid = c.relnamespace WHERE n.nspname = 'followup'"
				 " AND c.relkind IN ('r', 'v', 'p') AND c.relname NOT LIKE 'v\\_%'"
				 " ORDER BY 1");
	char sql[300];
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_true(PQntuples(r) >= 20);

	assert_int_equal(th_sql_exec(db, "SET ROLE followup_staff"), 0);
	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) > 0 FROM followup.%s", views[i]);
		expect_sql(sql, "t");
	}
	for (int i = 0; i < PQntuples(r); i++) {
		snprintf(sql, sizeof(sql), "SELECT 1 FROM followup.%s LIMIT 1", PQgetvalue(r, i, 0));
		PGresult *x = PQexec(db, sql);
		if (PQresultStatus(x) == PGRES_TUPLES_OK ||
		    !strstr(PQresultErrorMessage(x), "permission denied"))
			fail_msg("staff could read %s: %s", PQgetvalue(r, i, 0),
				 PQresultErrorMessage(x));
		PQclear(x);
	}
	PGresult *w = PQexec(db, "DELETE FROM followup.people");
	assert_int_not_equal(PQresultStatus(w), PGRES_COMMAND_OK);
	PQclear(w);
	assert_int_equal(th_sql_exec(db, "RESET ROLE"), 0);
	PQclear(r);

	/* The app writes rows but changes no schema. */
	assert_int_equal(th_sql_exec(db, "BEGIN; SET LOCAL ROLE followup_app; "
					 "INSERT INTO followup.organizations (name, country) "
					 "VALUES ('App Org', 'RW'); "
					 "UPDATE followup.outbound_messages SET attempts = attempts "
					 "WHERE false; ROLLBACK"), 0);
	assert_int_equal(th_sql_exec(db, "SET ROLE followup_app"), 0);
	PGresult *d = PQexec(db, "CREATE TABLE followup.app_made (x int)");
	assert_int_not_equal(PQresultStatus(d), PGRES_COMMAND_OK);
	PQclear(d);
	assert_int_equal(th_sql_exec(db, "RESET ROLE"), 0);
}

/* Splits CSV text into cells; returns rows, each a NULL-terminated array of strings. */
static char ***
parse_csv(const char *s, int *nrows)
{
	char ***rows = NULL;
	int n = 0;
	while (*s) {
		char **cells = NULL;
		int nc = 0;
		for (;;) {
			size_t cap = strlen(s) + 1, len = 0;
			char *c = malloc(cap);
			if (*s == '"') {
				for (s++; *s && !(*s == '"' && s[1] != '"'); s++) {
					if (*s == '"')
						s++;
					c[len++] = *s;
				}
				if (*s == '"')
					s++;
			} else {
				while (*s && *s != ',' && *s != '\n')
					c[len++] = *s++;
			}
			c[len] = '\0';
			cells = realloc(cells, (size_t)(nc + 2) * sizeof(*cells));
			cells[nc++] = c;
			cells[nc] = NULL;
			if (*s == ',') {
				s++;
				continue;
			}
			if (*s == '\n')
				s++;
			break;
		}
		rows = realloc(rows, (size_t)(n + 1) * sizeof(*rows));
		rows[n++] = cells;
	}
	*nrows = n;
	return rows;
}

static void
free_csv(char ***rows, int n)
{
	for (int i = 0; i < n; i++) {
		for (char **c = rows[i]; *c; c++)
			free(*c);
		free(rows[i]);
	}
	free(rows);
}

static const char *const view_columns[] = {
	"route,participants,items,items_started_pct,items_done_pct,people_reached,checkins_sent,"
	"response_rate_pct,champion_sessions,attendees_female,attendees_male",
	"route,organization,participant,phone,item,latest_status,people_reached,last_report_at,"
	"reports",
	"route,participant,phone,language,checkins_sent,checkins_answered,last_reply_at,items,"
	"items_done,opted_out",
	"route,champion,month,sessions,attendees_female,attendees_male",
	"route,participant,phone,item,note,reported_at",
	"route,participant,phone,language,checkins_sent,last_checkin_sent_at,last_reply_at",
	"route,participant,phone,story,reported_at",
	"day,aggregator,inbound,outbound_sent,delivered,failed,cost",
};

static void
test_data_export_views(void **state)
{
	for (size_t v = 0; v < sizeof(views) / sizeof(views[0]); v++) {
		char *out = NULL, *err = NULL, header[400] = "", sql[200];
		int n;
		assert_int_equal(ctl(&out, &err, "export %s", views[v]), 0);
		char ***rows = parse_csv(out, &n);
		assert_true(n >= 1);
		for (char **c = rows[0]; *c; c++) {
			if (c != rows[0])
				strcat(header, ",");
			strcat(header, *c);
		}
		assert_string_equal(header, view_columns[v]);
		snprintf(sql, sizeof(sql), "SELECT count(*) + 1 FROM followup.%s", views[v]);
		char *cnt = th_sql_value(db, sql);
		assert_int_equal(n, atoi(cnt));
		/* Cells with commas and apostrophes come back intact. */
		if (strcmp(views[v], "v_outcome_stories") == 0) {
			char *story = th_sql_value(db, "SELECT story FROM followup.v_outcome_stories "
						       "WHERE phone = '+250722100011'");
			int found = 0;
			for (int i = 1; i < n; i++)
				found += strcmp(rows[i][3], story) == 0;
			assert_int_equal(found, 1);
			free(story);
		}
		free(cnt), free_csv(rows, n), free(out), free(err);
	}
	char *out = NULL, *err = NULL;
	assert_int_equal(ctl(&out, &err, "export people"), 1);
	assert_non_null(strstr(err, "v_messaging_daily"));
	free(out), free(err);
}

static void
test_data_report_table(void **state)
{
	char *out = NULL, *err = NULL;
	assert_int_equal(ctl(&out, &err, "report"), 0);
	/* Header, rule, one line per route; cells padded to the widest, numbers right-aligned. */
	assert_non_null(strstr(out, "route         participants  items  items_started_pct"));
	assert_non_null(strstr(out, "\nRW-NUT-2026             20     51               27.5"));
	assert_non_null(strstr(out, "\nRW-SEED-2026             3      5               20.0"));
	free(out), free(err);

	assert_int_equal(ctl(&out, &err, "report --route RW-SEED-2026"), 0);
	assert_null(strstr(out, "RW-NUT-2026"));
	assert_non_null(strstr(out, "RW-SEED-2026"));
	free(out), free(err);

	assert_int_equal(ctl(&out, &err, "report --route XX-NONE"), 1);
	assert_non_null(strstr(err, "unknown route"));
	free(out), free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_migrations_apply_once),
		cmocka_unit_test(test_data_schema_checks),
		cmocka_unit_test(test_data_demo_import_twice),
		cmocka_unit_test(test_data_import_update_counts),
		cmocka_unit_test(test_data_import_broken_files),
		cmocka_unit_test(test_data_demo_activity_loads_twice),
		cmocka_unit_test(test_data_view_route_summary),
		cmocka_unit_test(test_data_view_item_and_participant),
		cmocka_unit_test(test_data_view_champions_help_stories),
		cmocka_unit_test(test_data_view_messaging_daily),
		cmocka_unit_test(test_data_staff_reads_views_only),
		cmocka_unit_test(test_data_export_views),
		cmocka_unit_test(test_data_report_table),
	};
	return cmocka_run_group_tests_name("data", tests, group_setup, group_teardown);
}

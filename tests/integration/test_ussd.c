/* Integration: USSD menus through a real followupd and PostgreSQL, in Africa's Talking's wire
 * format (the console adapter accepts it): complete sessions stored exactly once even when
 * every hop is sent twice, two daemons serving alternate hops, resume after a drop, and a
 * busy END within the deadline when PostgreSQL is down. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "th.h"

static struct th_pg pg;
static struct th_daemon da, db2;
static PGconn *sql;

#define CHAMPION_EN "+250788200004"
#define CHAMPION_RW "+250788200001"
#define PARTICIPANT_EN "+250788100004"
#define BOTH_ROLES "+250788200002"

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
	if (th_daemon_start(&da, &pg, 0, "[ussd]\ndeadline_ms = 800\n") != 0 ||
	    th_daemon_start(&db2, &pg, 0, "[ussd]\ndeadline_ms = 800\n") != 0)
		return -1;
	sql = th_pg_connect(&pg);
	return sql ? 0 : -1;
}

static int
teardown(void **state)
{
	PQfinish(sql);
	th_daemon_stop(&da, SIGTERM);
	th_daemon_stop(&db2, SIGTERM);
	th_pg_destroy(&pg);
	return 0;
}

/* One USSD callback; returns the HTTP status and the answer (malloc'd) in *out. */
static long
hop(const struct th_daemon *d, const char *session, const char *phone, const char *text,
    char **out)
{
	char url[256], body[1024];
	CURL *c = curl_easy_init();
	char *s = curl_easy_escape(c, session, 0), *p = curl_easy_escape(c, phone, 0),
	     *t = curl_easy_escape(c, text, 0);
	snprintf(body, sizeof(body),
		 "sessionId=%s&serviceCode=%%2A384%%2A44135%%23&phoneNumber=%s&networkCode=63510"
		 "&text=%s",
		 s, p, t);
	curl_free(s), curl_free(p), curl_free(t);
	curl_easy_cleanup(c);
	snprintf(url, sizeof(url), "%s/cb/console/test-token/ussd", d->base);
	return th_http("POST", url, body, "application/x-www-form-urlencoded", out);
}

/* Plays inputs one hop at a time ("" first), each hop sent twice when twice is set, across
 * daemons alternately when alternate is set; returns the last answer (malloc'd). */
static char *
play(const char *session, const char *phone, const char *const *inputs, size_t n, int twice,
     int alternate)
{
	char text[512] = "", *ans = NULL;
	for (size_t i = 0; i <= n; i++) {
		if (i > 0) {
			size_t used = strlen(text);
			snprintf(text + used, sizeof(text) - used, "%s%s", i > 1 ? "*" : "",
				 inputs[i - 1]);
		}
		const struct th_daemon *d = alternate && i % 2 ? &db2 : &da;
		free(ans);
		ans = NULL;
		assert_int_equal(hop(d, session, phone, text, &ans), 200);
		if (twice) {
			char *again = NULL;
			assert_int_equal(hop(alternate ? (d == &da ? &db2 : &da) : d, session,
					     phone, text, &again),
					 200);
			assert_string_equal(again, ans);
			free(again);
		}
		if (i < n && strncmp(ans, "CON ", 4) != 0)
			fail_msg("hop %zu (%s): expected CON, got '%s'", i, text, ans);
	}
	return ans;
}

static char *
value(const char *fmt, const char *arg)
{
	char q[1024];
	snprintf(q, sizeof(q), fmt, arg);
	return th_sql_value(sql, q);
}

static void
test_ussd_champion_session_stored_once(void **state)
{
	static const char *const in[] = {"1", "1", "1", "12", "5", "1"};
	char *ans = play("ATUid_champ_en", CHAMPION_EN, in, 6, 1, 0);
	assert_int_equal(strncmp(ans, "END ", 4), 0);
	assert_non_null(strstr(ans, "Reference: S"));
	char *n = value("SELECT count(*) || ':' || min(women) || ':' || min(men) || ':' ||"
			" min(t.title) || ':' || min(cs.reference) FROM followup.champion_sessions cs"
			" JOIN followup.topics t ON t.id = cs.topic_id"
			" JOIN followup.ussd_sessions u ON u.id = cs.ussd_session_id"
			" WHERE u.session_id = '%s'",
			"ATUid_champ_en");
	char want[64];
	const char *ref = strstr(ans, "Reference: ") + 11;
	snprintf(want, sizeof(want), "1:12:5:Kitchen gardens:%.*s", (int)strcspn(ref, " \n."),
		 ref);
	assert_string_equal(n, want);
	free(n);
	n = value("SELECT status || ':' || hops || ':' || screen FROM followup.ussd_sessions"
		  " WHERE session_id = '%s'", "ATUid_champ_en");
	assert_string_equal(n, "ended:7:champ_logged"); /* each repeat answered, not re-stored */
	free(n);
	free(ans);
}

static void
test_ussd_champion_session_in_kinyarwanda(void **state)
{
	static const char *const in[] = {"1", "2", "2", "3", "0", "1"};
	char *ans = play("ATUid_champ_rw", CHAMPION_RW, in, 6, 0, 0);
	assert_int_equal(strncmp(ans, "END ", 4), 0);
	char *n = value("SELECT count(*) || ':' || (min(session_date) = (now() AT TIME ZONE"
			" 'Africa/Kigali')::date - 1) FROM followup.champion_sessions cs"
			" JOIN followup.ussd_sessions u ON u.id = cs.ussd_session_id"
			" WHERE u.session_id = '%s'",
			"ATUid_champ_rw");
	assert_string_equal(n, "1:true"); /* "2 yesterday", in the person's time zone */
	free(n);
	/* The screens were in Kinyarwanda: not the English text. */
	assert_null(strstr(ans, "Thank you"));
	free(ans);
}

static void
test_ussd_participant_report_across_two_daemons(void **state)
{
	static const char *const in[] = {"1", "1", "2", "7", "1"};
	char *ans = play("ATUid_part_alt", PARTICIPANT_EN, in, 5, 1, 1);
	assert_int_equal(strncmp(ans, "END ", 4), 0);
	char *n = value("SELECT count(*) || ':' || min(pr.status) || ':' || min(pr.people_reached)"
			" || ':' || min(i.title) FROM followup.progress_reports pr"
			" JOIN followup.action_items i ON i.id = pr.action_item_id"
			" WHERE pr.source_key = 'ussd:console:%s'",
			"ATUid_part_alt");
	assert_string_equal(n, "1:2:7:Seed fair in Huye");
	free(n);
	free(ans);
}

static void
test_ussd_both_roles_pick_first(void **state)
{
	char *ans = NULL;
	assert_int_equal(hop(&da, "ATUid_both", BOTH_ROLES, "", &ans), 200);
	assert_int_equal(strncmp(ans, "CON ", 4), 0);
	char *scr = value("SELECT screen FROM followup.ussd_sessions WHERE session_id = '%s'",
			  "ATUid_both");
	assert_string_equal(scr, "role");
	free(scr);
	free(ans);
}

static void
test_ussd_unregistered_number_ends(void **state)
{
	char *ans = NULL;
	assert_int_equal(hop(&da, "ATUid_unknown", "+250799999999", "", &ans), 200);
	assert_int_equal(strncmp(ans, "END ", 4), 0);
	free(ans);
}

static void
test_ussd_resume_after_drop(void **state)
{
	static const char *const in[] = {"1", "1", "3"};
	char *ans = play("ATUid_drop_1", CHAMPION_EN, in, 3, 0, 0);
	free(ans);
	char *scr = value("SELECT screen FROM followup.ussd_sessions WHERE session_id = '%s'",
			  "ATUid_drop_1");
	assert_string_equal(scr, "champ_date_type");
	free(scr);
	/* The battery died. The next dial offers to continue. */
	assert_int_equal(hop(&da, "ATUid_drop_2", CHAMPION_EN, "", &ans), 200);
	assert_non_null(strstr(ans, "Continue"));
	free(ans);
	assert_int_equal(hop(&db2, "ATUid_drop_2", CHAMPION_EN, "1", &ans), 200);
	free(ans);
	scr = value("SELECT screen FROM followup.ussd_sessions WHERE session_id = '%s'",
		    "ATUid_drop_2");
	assert_string_equal(scr, "champ_date_type");
	free(scr);
	scr = value("SELECT status FROM followup.ussd_sessions WHERE session_id = '%s'",
		    "ATUid_drop_1");
	assert_string_equal(scr, "dropped");
	free(scr);
}

static void
test_ussd_malformed_callbacks(void **state)
{
	char url[256], *ans = NULL;
	snprintf(url, sizeof(url), "%s/cb/console/test-token/ussd", da.base);
	assert_int_equal(th_http("POST", url, "sessionId=x&serviceCode=%2A1%23&text=",
				 "application/x-www-form-urlencoded", &ans),
			 400);
	assert_non_null(strstr(ans, "phoneNumber"));
	free(ans);
	assert_int_equal(th_http("POST", url, "{\"sessionId\":1}", "application/json", &ans), 400);
	free(ans);
	assert_int_equal(th_http("POST", url,
				 "sessionId=x&serviceCode=1&phoneNumber=%2B250788200004&text=%ff",
				 "application/x-www-form-urlencoded", &ans),
			 400);
	free(ans);
}

static void
test_ussd_busy_when_database_down(void **state)
{
	char *ans = NULL;
	double ms;
	char url[256];
	assert_int_equal(th_pg_stop(&pg), 0);
	snprintf(url, sizeof(url), "%s/cb/console/test-token/ussd", da.base);
	long st = th_http_timed("POST", url,
				"sessionId=ATUid_busy&serviceCode=%2A1%23&phoneNumber=%2B250788200004"
				"&networkCode=63510&text=",
				"application/x-www-form-urlencoded", &ans, &ms);
	assert_int_equal(th_pg_resume(&pg), 0);
	assert_int_equal(st, 200);
	assert_int_equal(strncmp(ans, "END ", 4), 0);
	assert_true(ms < 900); /* deadline_ms = 800 */
	free(ans);
	PQfinish(sql);
	sql = th_pg_connect(&pg);
	assert_non_null(sql);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ussd_champion_session_stored_once),
		cmocka_unit_test(test_ussd_champion_session_in_kinyarwanda),
		cmocka_unit_test(test_ussd_participant_report_across_two_daemons),
		cmocka_unit_test(test_ussd_both_roles_pick_first),
		cmocka_unit_test(test_ussd_unregistered_number_ends),
		cmocka_unit_test(test_ussd_resume_after_drop),
		cmocka_unit_test(test_ussd_malformed_callbacks),
		cmocka_unit_test(test_ussd_busy_when_database_down),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

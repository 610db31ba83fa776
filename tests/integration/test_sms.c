/* Integration: SMS check-ins through a real followupd and PostgreSQL, with callbacks in
 * Africa's Talking's form format (the console adapter accepts it): a whole check-in with its
 * replies in the outbox, a repeated callback stored once, STOP and START, an unknown number
 * answered once a day, a help request in v_help_requests, a reply after expiry, the hourly
 * cap on automatic replies, a malformed callback, and 503 while PostgreSQL is down with the
 * retried callback stored once afterwards. Check-ins are opened the way the scheduler does:
 * a checkins row and a conversations row whose state comes from convo_start(). */
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
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "convo.h"
#include "th.h"

static struct th_pg pg;
static struct th_daemon d;
static PGconn *sql;
static struct catalog *cat;

/* Demo people (config/demo/people.csv), each used by one test only. */
#define PATRICK "+250788100007" /* en, 2 items */
#define GRACE "+250788100008"   /* en, 3 items */
#define ERIC "+250788100004"    /* en */
#define JEAN "+250788100002"    /* rw, 2 items */
#define DIANE "+250788100005"   /* rw, 2 items */
#define SOLANGE "+250722100012" /* rw */
#define VESTINE "+250788100006" /* rw */
#define CHANTAL "+250732100016" /* rw */
#define STRANGER "+250799000001"
#define OLIVIER "+250732100019" /* fr, 3 items */

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
	char err[256];
	if (th_pg_start(&pg) != 0 || th_migrate(&pg) != 0)
		return -1;
	for (size_t i = 0; i < 6; i++)
		if (th_run(&pg, NULL, NULL, "%s/followupctl import %s config/demo/%s.csv", bin(),
			   kinds[i], kinds[i]) != 0)
			return -1;
	if (!(cat = cat_load("config/messages", err, sizeof(err)))) {
		fprintf(stderr, "catalog: %s\n", err);
		return -1;
	}
	/* The daemon's own scheduler must not open check-ins under the tests' feet, whatever
	 * today's date is relative to the demo routes. */
	if (th_daemon_start(&d, &pg, 0, "[checkins]\nschedule_days = 3650\n") != 0)
		return -1;
	sql = th_pg_connect(&pg);
	return sql ? 0 : -1;
}

static int
teardown(void **state)
{
	PQfinish(sql);
	th_daemon_stop(&d, SIGTERM);
	th_pg_destroy(&pg);
	cat_free(cat);
	return 0;
}

/* Posts one inbound SMS callback; returns the HTTP status, the answer in *out (malloc'd). */
static long
sms(const char *from, const char *id, const char *text, char **out)
{
	char url[256], body[2048], date[32];
	time_t now = time(NULL);
	struct tm tm;
	CURL *c = curl_easy_init();
	char *f = curl_easy_escape(c, from, 0), *t = curl_easy_escape(c, text, 0),
	     *i = curl_easy_escape(c, id, 0);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(body, sizeof(body), "from=%s&to=12345&text=%s&id=%s&date=%s&networkCode=63510",
		 f, t, i, date);
	curl_free(f), curl_free(t), curl_free(i);
	curl_easy_cleanup(c);
	snprintf(url, sizeof(url), "%s/cb/console/test-token/sms", d.base);
	return th_http("POST", url, body, "application/x-www-form-urlencoded", out);
}

/* Sends and expects 200. */
static void
say(const char *from, const char *id, const char *text)
{
	char *ans = NULL;
	long st = sms(from, id, text, &ans);
	if (st != 200)
		fail_msg("sms %s '%s': HTTP %ld %s", id, text, st, ans ? ans : "");
	free(ans);
}

/* The first cell of a query built with printf (test-side values only), malloc'd. */
static char *
value(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
value(const char *fmt, ...)
{
	char q[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	char *v = th_sql_value(sql, q);
	if (!v)
		fail_msg("query failed: %s", q);
	return v;
}

static void
expect(const char *want, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
expect(const char *want, const char *fmt, ...)
{
	char q[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	char *v = th_sql_value(sql, q);
	if (!v || strcmp(v, want) != 0)
		fail_msg("%s\n  got:  %s\n  want: %s", q, v ? v : "(error)", want);
	free(v);
}

/* A catalog message as the daemon renders it ({item} and {codes} filled when given). */
static char *
render(const char *key, const char *lang, const char *item)
{
	struct convo_reply r = {.key = key};
	char buf[1024];
	snprintf(r.lang, sizeof(r.lang), "%s", lang);
	if (item) {
		r.params[0].name = "item";
		snprintf(r.params[0].value, sizeof(r.params[0].value), "%s", item);
		r.n_params = 1;
	}
	if (convo_render(cat, &r, buf, sizeof(buf)) < 0)
		fail_msg("cannot render %s/%s", lang, key);
	return strdup(buf);
}

/* Opens a check-in as the scheduler does: a checkins row (sent now, expiring after
 * expires_in seconds, negative for the past) on the person's first plan, and the
 * conversation asking about its first n items. Returns the check-in id; the item titles go
 * to titles (n of them). */
static long long
open_checkin(const char *phone, size_t n, long expires_in, char titles[][CONVO_TITLE_SIZE])
{
	struct convo_item items[CONVO_MAX_ITEMS];
	struct convo_state st;
	struct convo_reply first;
	char q[1024], state[CONVO_ENCODED_MAX], lang[8];
	long long id, expires;
	PGresult *r;

	snprintf(q, sizeof(q),
		 "INSERT INTO followup.checkins (person_id, route_id, seq, days_after, status,"
		 " due_at, sent_at, expires_at)"
		 " SELECT p.id, ap.route_id, coalesce((SELECT max(k.seq) FROM followup.checkins k"
		 "  WHERE k.person_id = p.id AND k.route_id = ap.route_id), 0) + 1, 14, 'sent',"
		 "  now(), now(), now() + make_interval(secs => %ld)"
		 " FROM followup.people p JOIN followup.action_plans ap ON ap.person_id = p.id"
		 " WHERE p.phone = '%s' ORDER BY ap.id LIMIT 1"
		 " RETURNING id, extract(epoch FROM expires_at)::bigint,"
		 "  (SELECT language FROM followup.people WHERE phone = '%s')",
		 expires_in, phone, phone);
	r = PQexec(sql, q);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		fail_msg("open_checkin: %s", PQresultErrorMessage(r));
	id = atoll(PQgetvalue(r, 0, 0));
	expires = atoll(PQgetvalue(r, 0, 1));
	snprintf(lang, sizeof(lang), "%s", PQgetvalue(r, 0, 2));
	PQclear(r);

	snprintf(q, sizeof(q),
		 "SELECT i.id, i.title FROM followup.action_items i"
		 " WHERE i.plan_id = (SELECT ap.id FROM followup.action_plans ap"
		 "  JOIN followup.people p ON p.id = ap.person_id WHERE p.phone = '%s'"
		 "  ORDER BY ap.id LIMIT 1) ORDER BY i.id LIMIT %zu",
		 phone, n);
	r = PQexec(sql, q);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || (size_t)PQntuples(r) != n)
		fail_msg("open_checkin items: %s", PQresultErrorMessage(r));
	for (size_t i = 0; i < n; i++) {
		items[i].id = atoll(PQgetvalue(r, (int)i, 0));
		snprintf(items[i].title, sizeof(items[i].title), "%s", PQgetvalue(r, (int)i, 1));
		snprintf(titles[i], CONVO_TITLE_SIZE, "%s", items[i].title);
	}
	PQclear(r);

	assert_int_equal(convo_start(&st, id, items, n, false, expires, lang, &first), 0);
	assert_true(convo_state_encode(&st, state, sizeof(state)) > 0);
	char ids[2][24];
	snprintf(ids[0], sizeof(ids[0]), "%lld", id);
	snprintf(ids[1], sizeof(ids[1]), "%lld", (long long)items[0].id);
	const char *v[5] = {phone, ids[0], state, convo_step_name(st.step), ids[1]};
	r = PQexecParams(sql,
			 "INSERT INTO followup.conversations (person_id, checkin_id, state, step,"
			 " action_item_id, expires_at, asked_at, updated_at)"
			 " SELECT p.id, $2::bigint, $3, $4, $5::bigint, k.expires_at, now(), now()"
			 " FROM followup.people p, followup.checkins k"
			 " WHERE p.phone = $1 AND k.id = $2::bigint"
			 " ON CONFLICT (person_id) DO UPDATE SET checkin_id = EXCLUDED.checkin_id,"
			 " state = EXCLUDED.state, step = EXCLUDED.step,"
			 " action_item_id = EXCLUDED.action_item_id, status = NULL, reask_count = 0,"
			 " expires_at = EXCLUDED.expires_at, asked_at = now(), updated_at = now()",
			 5, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("open_checkin conversation: %s", PQresultErrorMessage(r));
	PQclear(r);
	return id;
}

/* The texts of the automatic replies to phone, oldest first, joined by '\n' (malloc'd). */
static char *
replies_to(const char *phone)
{
	return value("SELECT coalesce(string_agg(text, E'\\n' ORDER BY id), '')"
		     " FROM followup.outbound_messages WHERE phone = '%s'"
		     " AND inbound_message_id IS NOT NULL",
		     phone);
}

/* A check-in's own questions are not "automatic replies": with the hourly cap at 5, a
 * participant with three items still gets every question and the thanks (7 messages). */
static void
test_sms_long_checkin_not_capped(void **state)
{
	char t[3][CONVO_TITLE_SIZE];
	open_checkin(OLIVIER, 3, 7 * 86400, t);
	say(OLIVIER, "long-1", "2");
	say(OLIVIER, "long-2", "5");
	say(OLIVIER, "long-3", "3");
	say(OLIVIER, "long-4", "9");
	say(OLIVIER, "long-5", "1");
	say(OLIVIER, "long-6", "0");
	char *thanks = render("sms.thanks", "fr", NULL);
	char *got = replies_to(OLIVIER);
	int lines = 1;
	for (const char *p = got; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 6);
	assert_non_null(strstr(got, thanks));
	free(got), free(thanks);
	expect("3", "SELECT count(*) FROM followup.progress_reports pr JOIN followup.people p ON"
		    " p.phone = '%s' JOIN followup.action_items i ON i.id = pr.action_item_id"
		    " JOIN followup.action_plans ap ON ap.id = i.plan_id AND ap.person_id = p.id",
	       OLIVIER);
}

/* Text is data: quotes, backslashes, SQL and accents are stored exactly as sent. */
static void
test_sms_sql_metacharacters_stored_verbatim(void **state)
{
	static const char nasty[] = "'); DROP TABLE followup.people; -- \\ \"x\" é %s $1";
	say("+250799000077", "nasty-1", nasty);
	char *got = value("SELECT text FROM followup.inbound_messages"
			  " WHERE aggregator_message_id = 'nasty-1'");
	assert_string_equal(got, nasty);
	free(got);
	expect("25", "SELECT count(*) FROM followup.people WHERE phone LIKE '%s'", "+2507%");
}

static void
test_sms_full_checkin(void **state)
{
	char t[2][CONVO_TITLE_SIZE], want[2048];
	long long k = open_checkin(PATRICK, 2, 7 * 86400, t);

	say(PATRICK, "full-1", " 2.");
	say(PATRICK, "full-2", "12");
	say(PATRICK, "full-3", "done");
	say(PATRICK, "full-4", "30 people");

	char *r1 = render("sms.reached", "en", t[0]), *r2 = render("sms.checkin_status", "en", t[1]),
	     *r3 = render("sms.reached", "en", t[1]), *r4 = render("sms.thanks", "en", NULL);
	snprintf(want, sizeof(want), "%s\n%s\n%s\n%s", r1, r2, r3, r4);
	char *got = replies_to(PATRICK);
	assert_string_equal(got, want);
	free(got), free(r1), free(r2), free(r3), free(r4);

	/* One report per item for this check-in: status and people reached together. */
	expect("2", "SELECT count(*) FROM followup.progress_reports WHERE checkin_id = %lld", k);
	snprintf(want, sizeof(want), "%s:2:12|%s:3:30", t[0], t[1]);
	expect(want,
	       "SELECT string_agg(item || ':' || latest_status || ':' || people_reached, '|'"
	       " ORDER BY item) FROM followup.v_action_item_progress WHERE phone = '%s'",
	       PATRICK);
	expect("answered:true", "SELECT status || ':' || (answered_at IS NOT NULL)"
	       " FROM followup.checkins WHERE id = %lld", k);
	expect("done", "SELECT c.step FROM followup.conversations c JOIN followup.people p"
	       " ON p.id = c.person_id WHERE p.phone = '%s'", PATRICK);
	expect("4:answer", "SELECT count(*) || ':' || min(status) FROM followup.inbound_messages"
	       " WHERE phone = '%s'", PATRICK);
	/* Every reply points at the message it answers and its person. */
	expect("0", "SELECT count(*) FROM followup.outbound_messages o WHERE o.phone = '%s'"
	       " AND (o.inbound_message_id IS NULL OR o.person_id IS NULL)", PATRICK);
}

static void
test_sms_duplicate_callback_stored_once(void **state)
{
	char t[3][CONVO_TITLE_SIZE];
	long long k = open_checkin(GRACE, 3, 7 * 86400, t);

	say(GRACE, "dup-1", "3");
	say(GRACE, "dup-1", "3");
	say(GRACE, "dup-1", "3");
	expect("1", "SELECT count(*) FROM followup.inbound_messages WHERE aggregator_message_id"
	       " = 'dup-1'");
	expect("1", "SELECT count(*) FROM followup.outbound_messages o JOIN"
	       " followup.inbound_messages m ON m.id = o.inbound_message_id"
	       " WHERE m.aggregator_message_id = 'dup-1'");
	expect("1:3", "SELECT count(*) || ':' || min(status) FROM followup.progress_reports"
	       " WHERE checkin_id = %lld", k);
	/* The conversation moved once: it now asks people reached for the first item. */
	expect("reached:0", "SELECT c.step || ':' || c.reask_count FROM followup.conversations c"
	       " JOIN followup.people p ON p.id = c.person_id WHERE p.phone = '%s'", GRACE);
}

static void
test_sms_stop_then_start(void **state)
{
	/* A check-in queued for tomorrow: STOP must cancel it. */
	assert_int_equal(th_sql_exec(sql,
		"INSERT INTO followup.outbound_messages (person_id, phone, text, kind,"
		" next_attempt_at) SELECT id, phone, 'How is it going?', 'checkin',"
		" now() + interval '1 day' FROM followup.people WHERE phone = '" ERIC "'"), 0);

	say(ERIC, "stop-1", "Stop");
	expect("t", "SELECT opted_out_at IS NOT NULL FROM followup.people WHERE phone = '%s'",
	       ERIC);
	expect("rejected:opted out", "SELECT status || ':' || error FROM"
	       " followup.outbound_messages WHERE phone = '%s' AND kind = 'checkin'", ERIC);
	say(ERIC, "stop-2", "STOP"); /* confirmed once only */

	say(ERIC, "start-1", "start");
	expect("f", "SELECT opted_out_at IS NOT NULL FROM followup.people WHERE phone = '%s'",
	       ERIC);
	char *s1 = render("sms.stop_confirm", "en", NULL), *s2 = render("sms.start_confirm", "en",
									NULL),
	     want[1024];
	snprintf(want, sizeof(want), "%s\n%s", s1, s2);
	char *got = replies_to(ERIC);
	assert_string_equal(got, want);
	expect("2", "SELECT count(*) FROM followup.outbound_messages WHERE phone = '%s'"
	       " AND kind = 'keyword'", ERIC);
	expect("keyword", "SELECT string_agg(DISTINCT status, ',') FROM followup.inbound_messages"
	       " WHERE phone = '%s'", ERIC);
	free(got), free(s1), free(s2);
}

static void
test_sms_unknown_number_answered_once_a_day(void **state)
{
	say(STRANGER, "unk-1", "Hello, who is this?");
	say(STRANGER, "unk-2", "Hello again");
	expect("2:unmatched:0", "SELECT count(*) || ':' || min(status) || ':' || count(person_id)"
	       " FROM followup.inbound_messages WHERE phone = '%s'", STRANGER);
	/* One answer, in the language of the number's country (Rwanda). */
	char *want = render("sms.no_question", "rw", NULL), *got = replies_to(STRANGER);
	assert_string_equal(got, want);
	free(got), free(want);
	/* The message text is kept for staff. */
	expect("Hello again", "SELECT text FROM followup.inbound_messages"
	       " WHERE aggregator_message_id = 'unk-2'");
	/* A stranger's STOP is stored and not answered at all. */
	say("+250799000002", "unk-3", "STOP");
	expect("1:0", "SELECT count(*) || ':' || (SELECT count(*) FROM followup.outbound_messages"
	       " WHERE phone = '+250799000002') FROM followup.inbound_messages"
	       " WHERE phone = '+250799000002'");
}

static void
test_sms_help_request_in_view(void **state)
{
	char t[2][CONVO_TITLE_SIZE], want[256];
	open_checkin(JEAN, 2, 7 * 86400, t);

	say(JEAN, "help-1", "4");
	say(JEAN, "help-2", "3");
	say(JEAN, "help-3", "We need seeds and a watering can");
	snprintf(want, sizeof(want), "1|%s|We need seeds and a watering can", t[0]);
	expect(want, "SELECT count(*) || '|' || min(item) || '|' || min(note)"
	       " FROM followup.v_help_requests WHERE phone = '%s'", JEAN);
	snprintf(want, sizeof(want), "4:3:1");
	expect(want, "SELECT latest_status || ':' || people_reached || ':' || reports"
	       " FROM followup.v_action_item_progress WHERE phone = '%s' AND item = '%s'",
	       JEAN, t[0]);
	/* Then the next item is asked, in Kinyarwanda. */
	char *q = render("sms.checkin_status", "rw", t[1]);
	char *last = value("SELECT text FROM followup.outbound_messages WHERE phone = '%s'"
			   " ORDER BY id DESC LIMIT 1", JEAN);
	assert_string_equal(last, q);
	free(q), free(last);
}

static void
test_sms_reply_after_expiry_counted(void **state)
{
	char t[2][CONVO_TITLE_SIZE];
	long long k = open_checkin(DIANE, 2, -86400, t);

	say(DIANE, "late-1", "3");
	expect("1:3:sms", "SELECT count(*) || ':' || min(status) || ':' || min(source)"
	       " FROM followup.progress_reports WHERE checkin_id = %lld", k);
	expect("answer", "SELECT status FROM followup.inbound_messages"
	       " WHERE aggregator_message_id = 'late-1'");
	/* An ambiguous late text is kept for staff instead. */
	say(DIANE, "late-2", "the garden is growing well");
	expect("unmatched", "SELECT status FROM followup.inbound_messages"
	       " WHERE aggregator_message_id = 'late-2'");
	expect("1", "SELECT count(*) FROM followup.progress_reports WHERE checkin_id = %lld", k);
}

static void
test_sms_hourly_cap(void **state)
{
	/* Six different confirmations (LANG xx) in a row: the sixth is over the cap of 5. */
	static const char *const langs[] = {"en", "fr", "sw", "es", "pt", "rw"};
	char id[16], text[16];
	for (size_t i = 0; i < 6; i++) {
		snprintf(id, sizeof(id), "cap-%zu", i);
		snprintf(text, sizeof(text), "LANG %s", langs[i]);
		say(SOLANGE, id, text);
	}
	expect("5", "SELECT count(*) FROM followup.outbound_messages WHERE phone = '%s'", SOLANGE);
	expect("6", "SELECT count(*) FROM followup.inbound_messages WHERE phone = '%s'", SOLANGE);
	expect("rw", "SELECT language FROM followup.people WHERE phone = '%s'", SOLANGE);
}

static void
test_sms_identical_text_once(void **state)
{
	say(CHANTAL, "same-1", "help");
	say(CHANTAL, "same-2", "HELP!");
	expect("2:keyword", "SELECT count(*) || ':' || min(status) FROM followup.inbound_messages"
	       " WHERE phone = '%s'", CHANTAL);
	expect("1", "SELECT count(*) FROM followup.outbound_messages WHERE phone = '%s'", CHANTAL);
}

static void
test_sms_malformed_callback(void **state)
{
	char url[256], *ans = NULL;
	snprintf(url, sizeof(url), "%s/cb/console/test-token/sms", d.base);
	assert_int_equal(th_http("POST", url, "to=12345&text=2&id=x1",
				 "application/x-www-form-urlencoded", &ans),
			 400);
	assert_non_null(strstr(ans, "from"));
	free(ans);
	assert_int_equal(th_http("POST", url, "from=%2B250788100007&to=12345&text=2",
				 "application/x-www-form-urlencoded", &ans),
			 400);
	assert_non_null(strstr(ans, "id"));
	free(ans);
	expect("0", "SELECT count(*) FROM followup.inbound_messages WHERE aggregator_message_id"
	       " = 'x1'");
}

static void
test_sms_database_down_then_retried(void **state)
{
	char *ans = NULL;
	assert_int_equal(th_pg_stop(&pg), 0);
	long st = sms(VESTINE, "down-1", "hello", &ans);
	free(ans);
	assert_int_equal(th_pg_resume(&pg), 0);
	assert_int_equal(st, 503);
	PQfinish(sql);
	sql = th_pg_connect(&pg);
	assert_non_null(sql);
	/* The aggregator retries until it gets a 200 (the pool reconnects in the background),
	 * then once more as if our 200 had been lost. */
	for (int i = 0; i < 50 && (st = sms(VESTINE, "down-1", "hello", NULL)) != 200; i++)
		usleep(200 * 1000);
	assert_int_equal(st, 200);
	assert_int_equal(sms(VESTINE, "down-1", "hello", NULL), 200);
	expect("1:1", "SELECT count(*) || ':' || (SELECT count(*) FROM followup.outbound_messages"
	       " WHERE phone = '" VESTINE "') FROM followup.inbound_messages"
	       " WHERE aggregator_message_id = 'down-1'");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sms_full_checkin),
		cmocka_unit_test(test_sms_sql_metacharacters_stored_verbatim),
		cmocka_unit_test(test_sms_long_checkin_not_capped),
		cmocka_unit_test(test_sms_duplicate_callback_stored_once),
		cmocka_unit_test(test_sms_stop_then_start),
		cmocka_unit_test(test_sms_unknown_number_answered_once_a_day),
		cmocka_unit_test(test_sms_help_request_in_view),
		cmocka_unit_test(test_sms_reply_after_expiry_counted),
		cmocka_unit_test(test_sms_hourly_cap),
		cmocka_unit_test(test_sms_identical_text_once),
		cmocka_unit_test(test_sms_malformed_callback),
		cmocka_unit_test(test_sms_database_down_then_retried),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

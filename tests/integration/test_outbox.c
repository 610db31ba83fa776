/* Integration: the outbox sender against a loopback mock of Africa's Talking — sends once,
 * retries transient errors, honours opt-outs, survives SIGKILL, shares the outbox between two
 * daemons without sending twice, and applies delivery reports. */
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
#include "th_mock.h"

static struct th_pg pg;
static struct th_mock *mock;
static PGconn *sql;
static char conf[1024];
static int sends; /* mock thread only */

static const char ok_tpl[] =
	"{\"SMSMessageData\":{\"Message\":\"Sent to 1/1 Total Cost: KES 0.8000\",\"Recipients\":"
	"[{\"statusCode\":101,\"number\":\"+250788100001\",\"status\":\"Success\",\"cost\":"
	"\"KES 0.8000\",\"messageId\":\"ATXid_%d\"}]}}";

static void
accept_all(const struct th_mock_req *rq, struct th_mock_reply *out, void *arg)
{
	static char body[512];
	snprintf(body, sizeof(body), ok_tpl, ++sends);
	out->status = 201;
	out->body = body;
	out->content_type = "application/json";
	out->delay_ms = (int)(intptr_t)arg;
}

static const char *
bin(void)
{
	return getenv("FOLLOWUP_BIN") ? getenv("FOLLOWUP_BIN") : ".";
}

static int
setup(void **state)
{
	if (th_pg_start(&pg) != 0 || th_migrate(&pg) != 0)
		return -1;
	if (th_run(&pg, NULL, NULL, "%s/followupctl import routes config/demo/routes.csv && "
				    "%s/followupctl import organizations config/demo/organizations.csv && "
				    "%s/followupctl import people config/demo/people.csv",
		   bin(), bin(), bin()) != 0)
		return -1;
	mock = th_mock_start();
	snprintf(conf, sizeof(conf),
		 "[sms]\naggregator = africastalking\n"
		 "[africastalking]\nbase_url = %s\napi_key = test-key\ncallback_token = at-token\n"
		 "[outbox]\nretry_base_ms = 50\nretry_max_ms = 200\npoll_ms = 200\n"
		 "timeout_ms = 500\nlease_seconds = 5\nrate = 2000\nconcurrency = 16\n",
		 th_mock_url(mock));
	sql = th_pg_connect(&pg);
	return mock && sql ? 0 : -1;
}

static int
teardown(void **state)
{
	PQfinish(sql);
	th_mock_stop(mock);
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

/* Waits until the query's first cell reads want; returns 0, or -1 after ms. */
static int
wait_for(const char *q, const char *want, int ms)
{
	for (double t0 = th_now_ms(); th_now_ms() - t0 < ms; usleep(50000)) {
		char *v = th_sql_value(sql, q);
		int ok = v && strcmp(v, want) == 0;
		free(v);
		if (ok)
			return 0;
	}
	char *v = th_sql_value(sql, q);
	fprintf(stderr, "wait_for: %s: got '%s', want '%s'\n", q, v ? v : "(null)", want);
	free(v);
	return -1;
}

static void
queue(const char *phone, const char *text)
{
	char q[512];
	snprintf(q, sizeof(q),
		 "INSERT INTO followup.outbound_messages (person_id, phone, text, kind)"
		 " SELECT id, phone, '%s', 'manual' FROM followup.people WHERE phone = '%s'",
		 text, phone);
	assert_int_equal(th_sql_exec(sql, q), 0);
}

static void
test_outbox_sends_once(void **state)
{
	struct th_daemon d;
	th_mock_set_handler(mock, accept_all, NULL);
	size_t before = th_mock_count(mock);
	assert_int_equal(th_daemon_start(&d, &pg, 0, conf), 0);
	queue("+250788100001", "Muraho Aline! Uko bimeze?");
	assert_int_equal(wait_for("SELECT status || ':' || attempts || ':' || segments || ':' ||"
				  " cost || ':' || currency || ':' || (aggregator_message_id LIKE"
				  " 'ATXid_%') FROM followup.outbound_messages WHERE text LIKE"
				  " 'Muraho Aline%'",
				  "sent:1:1:0.8000:KES:true", 5000),
			 0);
	usleep(300000);
	assert_int_equal(th_mock_count(mock) - before, 1);
	const struct th_mock_req *rq = th_mock_req(mock, before);
	assert_string_equal(rq->uri, "/version1/messaging");
	assert_string_equal(th_mock_header(rq, "apiKey"), "test-key");
	assert_non_null(strstr(rq->body, "to=%2B250788100001"));
	assert_non_null(strstr(rq->body, "username=sandbox"));
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
	char *log = th_daemon_log(&d);
	assert_null(strstr(log, "250788100001"));
	assert_null(strstr(log, "test-key"));
	free(log);
}

static void
test_outbox_retries_transient_errors(void **state)
{
	struct th_daemon d;
	static char body[512];
	snprintf(body, sizeof(body), ok_tpl, 999);
	struct th_mock_reply ok = {201, body, 0, "application/json", 0};
	th_mock_set_handler(mock, NULL, NULL);
	th_mock_set_default(mock, &ok);
	th_mock_push_simple(mock, 500, "Internal Server Error", 0);
	th_mock_push_simple(mock, 429, "Too Many Requests", 0);
	th_mock_push_simple(mock, 503, "slow", 1500); /* past timeout_ms: a timeout for us */
	size_t before = th_mock_count(mock);
	assert_int_equal(th_daemon_start(&d, &pg, 0, conf), 0);
	queue("+250788100002", "retry me");
	assert_int_equal(wait_for("SELECT status || ':' || attempts FROM"
				  " followup.outbound_messages WHERE text = 'retry me'",
				  "sent:4", 8000),
			 0);
	/* Four requests, one accepted. */
	assert_int_equal(th_mock_count(mock) - before, 4);
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
}

static void
test_outbox_406_opts_out(void **state)
{
	struct th_daemon d;
	static const char body[] =
		"{\"SMSMessageData\":{\"Message\":\"Sent to 0/1\",\"Recipients\":[{\"statusCode\":"
		"406,\"number\":\"+250788100003\",\"status\":\"UserInBlacklist\",\"cost\":\"0\","
		"\"messageId\":\"None\"}]}}";
	struct th_mock_reply r = {201, body, 0, "application/json", 0};
	th_mock_set_handler(mock, NULL, NULL);
	th_mock_push(mock, &r);
	assert_int_equal(th_daemon_start(&d, &pg, 0, conf), 0);
	queue("+250788100003", "blocked one");
	assert_int_equal(wait_for("SELECT status FROM followup.outbound_messages"
				  " WHERE text = 'blocked one'",
				  "rejected", 5000),
			 0);
	assert_int_equal(num("SELECT count(*) FROM followup.people WHERE phone = '+250788100003'"
			     " AND opted_out_at IS NOT NULL"),
			 1);
	/* Nothing more goes to her, but the row says why. */
	queue("+250788100003", "after opt-out");
	assert_int_equal(wait_for("SELECT status || ':' || error FROM followup.outbound_messages"
				  " WHERE text = 'after opt-out'",
				  "rejected:opted out", 5000),
			 0);
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
}

/* The distinct texts the mock received since request first, and the total. */
static size_t
distinct_texts(size_t first, size_t *total)
{
	size_t n = th_mock_count(mock), distinct = 0;
	char **seen = calloc(n + 1, sizeof(char *));
	*total = 0;
	for (size_t i = first; i < n; i++) {
		const struct th_mock_req *rq = th_mock_req(mock, i);
		const char *m = strstr(rq->body, "message=");
		if (!m)
			continue;
		(*total)++;
		char *t = strndup(m + 8, strcspn(m + 8, "&"));
		int dup = 0;
		for (size_t k = 0; k < distinct && !dup; k++)
			dup = strcmp(seen[k], t) == 0;
		if (dup)
			free(t);
		else
			seen[distinct++] = t;
	}
	for (size_t k = 0; k < distinct; k++)
		free(seen[k]);
	free(seen);
	return distinct;
}

static void
test_outbox_survives_sigkill(void **state)
{
	struct th_daemon d;
	size_t total;
	th_mock_set_handler(mock, accept_all, (void *)(intptr_t)5);
	size_t before = th_mock_count(mock);
	assert_int_equal(th_sql_exec(sql, "INSERT INTO followup.outbound_messages (phone, text, kind)"
					  " SELECT '+250788100004', 'kill-' || g, 'manual'"
					  " FROM generate_series(1, 500) g"),
			 0);
	assert_int_equal(th_daemon_start(&d, &pg, 0, conf), 0);
	assert_int_equal(th_mock_wait(mock, before + 100, 10000), 0);
	assert_true(th_daemon_stop(&d, SIGKILL) == 128 + SIGKILL);
	assert_int_equal(th_daemon_start(&d, &pg, 0, conf), 0);
	assert_int_equal(wait_for("SELECT count(*) FROM followup.outbound_messages"
				  " WHERE text LIKE 'kill-%' AND status = 'sent'",
				  "500", 30000),
			 0);
	size_t distinct = distinct_texts(before, &total);
	assert_int_equal(distinct, 500);
	/* The only duplicates: sends the mock accepted but the daemon had not recorded when
	 * the kill landed; the sender keeps at most 2 x concurrency (16 here) of those. */
	print_message("sigkill: %zu requests for 500 messages, %zu duplicates\n", total,
		      total - distinct);
	assert_true(total - distinct <= 2 * 16);
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
}

static void
test_outbox_two_daemons_share(void **state)
{
	struct th_daemon a, b;
	size_t total;
	th_mock_set_handler(mock, accept_all, (void *)(intptr_t)2);
	size_t before = th_mock_count(mock);
	assert_int_equal(th_daemon_start(&a, &pg, 0, conf), 0);
	assert_int_equal(th_daemon_start(&b, &pg, 0, conf), 0);
	assert_int_equal(th_sql_exec(sql, "INSERT INTO followup.outbound_messages (phone, text, kind)"
					  " SELECT '+250788100005', 'shared-' || g, 'manual'"
					  " FROM generate_series(1, 300) g"),
			 0);
	assert_int_equal(wait_for("SELECT count(*) FROM followup.outbound_messages"
				  " WHERE text LIKE 'shared-%' AND status = 'sent'",
				  "300", 20000),
			 0);
	usleep(300000);
	assert_int_equal(distinct_texts(before, &total), 300);
	assert_int_equal(total, 300);
	assert_int_equal(th_daemon_stop(&a, SIGTERM), 0);
	assert_int_equal(th_daemon_stop(&b, SIGTERM), 0);
}

static long
dlr(const struct th_daemon *d, const char *body)
{
	char url[256];
	snprintf(url, sizeof(url), "%s/cb/africastalking/at-token/delivery", d->base);
	return th_http("POST", url, body, "application/x-www-form-urlencoded", NULL);
}

static void
test_outbox_delivery_reports(void **state)
{
	struct th_daemon d;
	th_mock_set_handler(mock, accept_all, NULL);
	assert_int_equal(th_daemon_start(&d, &pg, 0, conf), 0);
	queue("+250788100006", "report me");
	assert_int_equal(wait_for("SELECT status FROM followup.outbound_messages"
				  " WHERE text = 'report me'", "sent", 5000),
			 0);
	char *id = th_sql_value(sql, "SELECT aggregator_message_id FROM"
				     " followup.outbound_messages WHERE text = 'report me'");
	char body[256];
	snprintf(body, sizeof(body), "id=%s&status=Success&phoneNumber=%%2B250788100006"
				     "&networkCode=63510&retryCount=0", id);
	assert_int_equal(dlr(&d, body), 200);
	assert_int_equal(num("SELECT count(*) FROM followup.outbound_messages WHERE text ="
			     " 'report me' AND status = 'delivered' AND delivered_at IS NOT NULL"),
			 1);
	/* A late "Sent" never moves it back. */
	snprintf(body, sizeof(body), "id=%s&status=Sent&phoneNumber=%%2B250788100006", id);
	assert_int_equal(dlr(&d, body), 200);
	assert_int_equal(num("SELECT count(*) FROM followup.outbound_messages WHERE text ="
			     " 'report me' AND status = 'delivered'"),
			 1);
	free(id);

	/* A blacklist failure opts the person out. */
	queue("+250788100007", "blacklisted");
	assert_int_equal(wait_for("SELECT status FROM followup.outbound_messages"
				  " WHERE text = 'blacklisted'", "sent", 5000),
			 0);
	id = th_sql_value(sql, "SELECT aggregator_message_id FROM followup.outbound_messages"
			       " WHERE text = 'blacklisted'");
	snprintf(body, sizeof(body), "id=%s&status=Failed&failureReason=UserInBlackList", id);
	assert_int_equal(dlr(&d, body), 200);
	free(id);
	assert_int_equal(num("SELECT count(*) FROM followup.outbound_messages o JOIN"
			     " followup.people p ON p.id = o.person_id WHERE o.text = 'blacklisted'"
			     " AND o.status = 'failed' AND p.opted_out_at IS NOT NULL"),
			 1);
	/* Unknown ids are stored and answered 200; a malformed report is a 400. */
	assert_int_equal(dlr(&d, "id=ATXid_nobody&status=Success"), 200);
	assert_int_equal(dlr(&d, "status=Success"), 400);
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
}

static void
test_outbox_report_before_send_is_recorded(void **state)
{
	struct th_daemon d;
	/* The aggregator reports delivery of the id it will give, before we record the send. */
	sends = 5000;
	assert_int_equal(th_sql_exec(sql, "INSERT INTO followup.delivery_reports (aggregator,"
					  " message_id, status) VALUES ('africastalking',"
					  " 'ATXid_5001', 'delivered')"),
			 0);
	th_mock_set_handler(mock, accept_all, NULL);
	assert_int_equal(th_daemon_start(&d, &pg, 0, conf), 0);
	queue("+250788100008", "early report");
	assert_int_equal(wait_for("SELECT status || ':' || aggregator_message_id FROM"
				  " followup.outbound_messages WHERE text = 'early report'",
				  "delivered:ATXid_5001", 5000),
			 0);
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outbox_sends_once),
		cmocka_unit_test(test_outbox_retries_transient_errors),
		cmocka_unit_test(test_outbox_406_opts_out),
		cmocka_unit_test(test_outbox_survives_sigkill),
		cmocka_unit_test(test_outbox_two_daemons_share),
		cmocka_unit_test(test_outbox_delivery_reports),
		cmocka_unit_test(test_outbox_report_before_send_is_recorded),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

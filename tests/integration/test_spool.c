/* Integration: no acknowledged callback lost while PostgreSQL is down. A burst of inbound SMS
 * and delivery reports runs while the database stops and comes back; every callback that was
 * answered 200 must end up in the database exactly once, through the spool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "th.h"

#define BURST 400

static struct th_pg pg;
static PGconn *sql;

static int
setup(void **state)
{
	if (th_pg_start(&pg) != 0 || th_migrate(&pg) != 0)
		return -1;
	sql = th_pg_connect(&pg);
	return sql ? 0 : -1;
}

static int
teardown(void **state)
{
	PQfinish(sql);
	th_pg_destroy(&pg);
	return 0;
}

static void *
outage(void *arg)
{
	usleep(300000);
	th_pg_stop(&pg);
	usleep(1500000);
	th_pg_resume(&pg);
	return NULL;
}

static long
num(const char *q)
{
	char *v = th_sql_value(sql, q);
	long n = v ? atol(v) : -1;
	free(v);
	return n;
}

static void
test_spool_outage_loses_nothing(void **state)
{
	struct th_daemon d;
	char conf[512], url[256], body[256];
	static char acked[BURST];
	int ok = 0, refused = 0, during = 0;
	pthread_t t;

	snprintf(conf, sizeof(conf), "[spool]\ndir = %s/spool\n", pg.dir);
	assert_int_equal(th_daemon_start(&d, &pg, 0, conf), 0);
	snprintf(url, sizeof(url), "%s/cb/console/test-token/sms", d.base);
	assert_int_equal(pthread_create(&t, NULL, outage, NULL), 0);
	for (int i = 0; i < BURST; i++) {
		double ms;
		if (i % 4 == 3) {
			/* A delivery report now and then, for a message nobody knows. */
			snprintf(body, sizeof(body), "id=ATXid_spool_%d&status=Success", i);
			char dl[256];
			snprintf(dl, sizeof(dl), "%s/cb/console/test-token/delivery", d.base);
			long st = th_http("POST", dl, body, "application/x-www-form-urlencoded", NULL);
			acked[i] = st == 200;
		} else {
			snprintf(body, sizeof(body),
				 "from=%%2B2507990%05d&to=12345&text=burst+%d&id=spool-%d"
				 "&date=2026-11-28+10%%3A00%%3A00&networkCode=63510",
				 i, i, i);
			long st = th_http_timed("POST", url, body,
						"application/x-www-form-urlencoded", NULL, &ms);
			acked[i] = st == 200;
			during += ms > 50;
		}
		ok += acked[i];
		refused += !acked[i];
		usleep(5000);
	}
	pthread_join(t, NULL);
	print_message("spool: %d acknowledged, %d refused (503), %d slow\n", ok, refused, during);
	assert_true(ok > BURST * 9 / 10);

	/* Wait for the replay. */
	long stored = 0, want = 0;
	for (int i = 0; i < BURST; i++)
		want += acked[i] && i % 4 != 3;
	for (int i = 0; i < 200 && stored != want; i++, usleep(100000)) {
		PQfinish(sql);
		sql = th_pg_connect(&pg);
		stored = sql ? num("SELECT count(*) FROM followup.inbound_messages"
				   " WHERE aggregator_message_id LIKE 'spool-%'")
			     : -1;
	}
	assert_int_equal(stored, want);
	/* Exactly once each, and every acknowledged one is there. */
	assert_int_equal(num("SELECT count(DISTINCT aggregator_message_id) FROM"
			     " followup.inbound_messages WHERE aggregator_message_id LIKE 'spool-%'"),
			 want);
	for (int i = 0; i < BURST; i++) {
		char q[160];
		if (!acked[i] || i % 4 == 3)
			continue;
		snprintf(q, sizeof(q), "SELECT count(*) FROM followup.inbound_messages WHERE"
				       " aggregator_message_id = 'spool-%d'", i);
		if (num(q) != 1)
			fail_msg("acknowledged message spool-%d is missing", i);
	}
	long dlrs = 0, want_dlr = 0;
	for (int i = 3; i < BURST; i += 4)
		want_dlr += acked[i];
	for (int i = 0; i < 100 && dlrs < want_dlr; i++, usleep(100000))
		dlrs = num("SELECT count(DISTINCT message_id) FROM followup.delivery_reports"
			   " WHERE message_id LIKE 'ATXid_spool_%'");
	assert_int_equal(dlrs, want_dlr);
	/* Some went through the spool, and it is empty now. */
	char *m = NULL;
	snprintf(url, sizeof(url), "%s/metrics", d.base);
	assert_int_equal(th_http("GET", url, NULL, NULL, &m), 200);
	const char *saved = strstr(m, "followup_spool_total{event=\"saved\"} ");
	assert_non_null(saved);
	print_message("%.60s\n", saved);
	assert_true(atol(saved + strlen("followup_spool_total{event=\"saved\"} ")) > 0);
	free(m);
	char *left = NULL;
	assert_int_equal(th_run(NULL, &left, NULL, "ls %s/spool/new | wc -l", pg.dir), 0);
	assert_int_equal(atoi(left), 0);
	free(left);
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spool_outage_loses_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

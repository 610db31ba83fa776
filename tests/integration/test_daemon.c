/* Integration: followupd's core against a real PostgreSQL — probes, routing and limits,
 * database outages, signals, two processes on one port, reload, and migrations. */
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

static int
setup(void **state)
{
	if (th_pg_start(&pg) != 0)
		return -1;
	return th_migrate(&pg) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	th_pg_destroy(&pg);
	return 0;
}

static long
get(const struct th_daemon *d, const char *path, char **body)
{
	char url[256];
	snprintf(url, sizeof(url), "%s%s", d->base, path);
	return th_http("GET", url, NULL, NULL, body);
}

static void
test_daemon_migrate_twice(void **state)
{
	char *out = NULL;
	int st = th_run(&pg, &out, NULL, "%s/followupctl migrate",
			getenv("FOLLOWUP_BIN") ? getenv("FOLLOWUP_BIN") : ".");
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "0 applied"));
	free(out);
	PGconn *db = th_pg_connect(&pg);
	char *n = th_sql_value(db, "SELECT count(*) FROM followup.schema_migrations");
	assert_true(atoi(n) >= 1);
	free(n);
	PQfinish(db);
}

static void
test_daemon_probes_and_metrics(void **state)
{
	struct th_daemon d;
	char *body = NULL;
	assert_int_equal(th_daemon_start(&d, &pg, 0, NULL), 0);
	assert_int_equal(get(&d, "/healthz", NULL), 200);
	assert_int_equal(get(&d, "/readyz", NULL), 200);
	assert_int_equal(get(&d, "/metrics", &body), 200);
	assert_non_null(strstr(body, "followup_http_requests_total{route=\"readyz\",status=\"200\"} 1"));
	assert_non_null(strstr(body, "followup_http_request_duration_seconds_bucket{route=\"healthz\""));
	assert_non_null(strstr(body, "followup_db_connections{state=\"configured\"} 2"));
	free(body);
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
}

static void
test_daemon_routing_and_limits(void **state)
{
	struct th_daemon d;
	char url[256], *big, *log;
	assert_int_equal(th_daemon_start(&d, &pg, 0, NULL), 0);
	assert_int_equal(get(&d, "/nowhere", NULL), 404);
	snprintf(url, sizeof(url), "%s/healthz", d.base);
	assert_int_equal(th_http("PUT", url, "x", "text/plain", NULL), 405);
	assert_int_equal(th_http("POST", url, "x", "text/plain", NULL), 405);
	/* A wrong token looks exactly like an unknown path. */
	snprintf(url, sizeof(url), "%s/cb/console/wrong-token/sms", d.base);
	assert_int_equal(th_http("POST", url, "from=%2B250788000111&text=hi",
				 "application/x-www-form-urlencoded", NULL), 404);
	snprintf(url, sizeof(url), "%s/cb/nosuch/test-token/sms", d.base);
	assert_int_equal(th_http("POST", url, "a=b", "application/x-www-form-urlencoded", NULL),
			 404);
	/* A body over the 64 KiB limit is refused before any handler sees it. */
	big = malloc(70000);
	memset(big, 'a', 69999);
	big[69999] = '\0';
	snprintf(url, sizeof(url), "%s/cb/console/test-token/sms", d.base);
	assert_int_equal(th_http("POST", url, big, "application/x-www-form-urlencoded", NULL),
			 413);
	free(big);
	assert_int_equal(get(&d, "/healthz", NULL), 200);
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
	/* The token is a secret: never in the log, even at debug level. */
	log = th_daemon_log(&d);
	assert_null(strstr(log, "test-token"));
	assert_null(strstr(log, "wrong-token"));
	free(log);
}

/* Polls /readyz until it answers want, for at most ms. Returns the status last seen. */
static long
wait_ready(const struct th_daemon *d, long want, int ms)
{
	long st = 0;
	for (double t0 = th_now_ms(); th_now_ms() - t0 < ms; usleep(50000))
		if ((st = get(d, "/readyz", NULL)) == want)
			break;
	return st;
}

static void
test_daemon_database_outage(void **state)
{
	struct th_daemon d;
	char url[256];
	double ms;
	assert_int_equal(th_daemon_start(&d, &pg, 0, NULL), 0);
	assert_int_equal(wait_ready(&d, 200, 5000), 200);

	assert_int_equal(th_pg_stop(&pg), 0);
	snprintf(url, sizeof(url), "%s/readyz", d.base);
	assert_int_equal(th_http_timed("GET", url, NULL, NULL, NULL, &ms), 503);
	assert_true(ms < 1600); /* query_timeout_ms is 1500 in the test config */
	assert_int_equal(get(&d, "/healthz", NULL), 200);

	/* Back without restarting followupd. */
	assert_int_equal(th_pg_resume(&pg), 0);
	assert_int_equal(wait_ready(&d, 200, 10000), 200);
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
}

static void
test_daemon_database_hangs(void **state)
{
	struct th_daemon d;
	char url[256];
	double ms;
	assert_int_equal(th_daemon_start(&d, &pg, 0, NULL), 0);
	assert_int_equal(wait_ready(&d, 200, 5000), 200);
	/* A server that accepts nothing and answers nothing: the deadline must fail the query. */
	assert_int_equal(th_run(NULL, NULL, NULL,
				"pm=$(head -1 %s/data/postmaster.pid); kill -STOP $pm; "
				"pkill -STOP -P $pm",
				pg.dir),
			 0);
	snprintf(url, sizeof(url), "%s/readyz", d.base);
	long st = th_http_timed("GET", url, NULL, NULL, NULL, &ms);
	th_run(NULL, NULL, NULL,
	       "pm=$(head -1 %s/data/postmaster.pid); pkill -CONT -P $pm; kill -CONT $pm",
	       pg.dir);
	assert_int_equal(st, 503);
	assert_true(ms >= 900 && ms < 1600);
	assert_int_equal(wait_ready(&d, 200, 10000), 200);
	char *m = NULL;
	assert_int_equal(get(&d, "/metrics", &m), 200);
	assert_null(strstr(m, "followup_db_timeouts_total 0\n"));
	free(m);
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
}

static void
test_daemon_two_on_one_port(void **state)
{
	struct th_daemon a, b;
	assert_int_equal(th_daemon_start(&a, &pg, 0, NULL), 0);
	assert_int_equal(th_daemon_start(&b, &pg, a.port, NULL), 0);
	assert_int_equal(get(&a, "/healthz", NULL), 200);
	/* With a gone, whatever answers on the port is b. */
	assert_int_equal(th_daemon_stop(&a, SIGTERM), 0);
	assert_int_equal(get(&b, "/healthz", NULL), 200);
	assert_int_equal(get(&b, "/readyz", NULL), 200);
	assert_int_equal(th_daemon_stop(&b, SIGINT), 0);
}

static void
test_daemon_reload(void **state)
{
	struct th_daemon d;
	char *log;
	FILE *f;
	assert_int_equal(th_daemon_start(&d, &pg, 0, NULL), 0);
	/* A broken file on SIGHUP: kept running on the old configuration. */
	f = fopen(d.conf, "a");
	fputs("[server]\nbogus_key = 1\n", f);
	fclose(f);
	kill(d.pid, SIGHUP);
	usleep(300000);
	assert_int_equal(get(&d, "/healthz", NULL), 200);
	log = th_daemon_log(&d);
	assert_non_null(strstr(log, "reload failed"));
	assert_non_null(strstr(log, "unknown key 'bogus_key' in [server]"));
	free(log);
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
}

static void
test_daemon_bad_config_refused(void **state)
{
	char *err = NULL, path[300];
	FILE *f;
	snprintf(path, sizeof(path), "%s/bad.conf", pg.dir);
	f = fopen(path, "w");
	fputs("[server]\nlisten = 127.0.0.1:1\n[database]\npool_size = 0\n", f);
	fclose(f);
	int st = th_run(NULL, NULL, &err, "%s/followupd -c %s",
			getenv("FOLLOWUP_BIN") ? getenv("FOLLOWUP_BIN") : ".", path);
	assert_int_equal(st, 1);
	assert_non_null(strstr(err, "bad.conf:4: pool_size: expected a whole number in 1..64"));
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_daemon_migrate_twice),
		cmocka_unit_test(test_daemon_probes_and_metrics),
		cmocka_unit_test(test_daemon_routing_and_limits),
		cmocka_unit_test(test_daemon_database_outage),
		cmocka_unit_test(test_daemon_database_hangs),
		cmocka_unit_test(test_daemon_two_on_one_port),
		cmocka_unit_test(test_daemon_reload),
		cmocka_unit_test(test_daemon_bad_config_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* Integration: callback security — IP allow-lists, X-Forwarded-For only from trusted
 * proxies, per-address rate limits, method and content-type checks, and no secret or full
 * phone number in the daemon's log of a whole run, even at debug level. */
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
	return th_run(&pg, NULL, NULL, "%s/followupctl import routes config/demo/routes.csv && "
				       "%s/followupctl import organizations "
				       "config/demo/organizations.csv && "
				       "%s/followupctl import people config/demo/people.csv && "
				       "%s/followupctl import champions config/demo/champions.csv && "
				       "%s/followupctl import topics config/demo/topics.csv",
		      bin(), bin(), bin(), bin(), bin());
}

static int
teardown(void **state)
{
	th_pg_destroy(&pg);
	return 0;
}

/* POSTs a form with an optional X-Forwarded-For; returns the HTTP status. */
static int
post(const struct th_daemon *d, const char *path, const char *xff, const char *body)
{
	char *out = NULL, hdr[128] = "";
	if (xff)
		snprintf(hdr, sizeof(hdr), "-H 'X-Forwarded-For: %s'", xff);
	th_run(NULL, &out, NULL,
	       "curl -s -o /dev/null -w '%%{http_code}' %s -d '%s' '%s%s'", hdr, body, d->base,
	       path);
	int st = out ? atoi(out) : 0;
	free(out);
	return st;
}

static const char ussd_body[] =
	"sessionId=ATUid_sec&serviceCode=%2A384%23&phoneNumber=%2B250788200004&text=";

static void
test_security_allow_list(void **state)
{
	struct th_daemon d;
	assert_int_equal(th_daemon_start(&d, &pg, 0, "[console]\nallow_from = 10.9.9.9/32\n"), 0);
	assert_int_equal(post(&d, "/cb/console/test-token/ussd", NULL, ussd_body), 403);
	/* Without trusted proxies, a forged header changes nothing. */
	assert_int_equal(post(&d, "/cb/console/test-token/ussd", "10.9.9.9", ussd_body), 403);
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
}

static void
test_security_trusted_proxy(void **state)
{
	struct th_daemon d;
	assert_int_equal(th_daemon_start(&d, &pg, 0,
					 "[server]\ntrusted_proxies = 127.0.0.0/8\n"
					 "[console]\nallow_from = 196.201.214.0/24\n"),
			 0);
	assert_int_equal(post(&d, "/cb/console/test-token/ussd", "196.201.214.7", ussd_body), 200);
	assert_int_equal(post(&d, "/cb/console/test-token/ussd", "203.0.113.5", ussd_body), 403);
	assert_int_equal(post(&d, "/cb/console/test-token/ussd", NULL, ussd_body), 403);
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
}

static void
test_security_rate_limit(void **state)
{
	struct th_daemon d;
	int limited = 0, ok = 0;
	assert_int_equal(th_daemon_start(&d, &pg, 0,
					 "[server]\nrate_limit = 1\nrate_burst = 5\n"),
			 0);
	double t0 = th_now_ms();
	for (int i = 0; i < 30; i++) {
		int st = post(&d, "/cb/console/test-token/ussd", NULL, ussd_body);
		limited += st == 429;
		ok += st == 200;
	}
	/* The burst, then one a second for as long as the loop took; the rest refused. */
	double secs = (th_now_ms() - t0) / 1000.0;
	assert_true(ok >= 5 && ok <= 5 + (int)secs + 1);
	assert_int_equal(ok + limited, 30);
	/* The probes are not rate limited. */
	char url[128];
	snprintf(url, sizeof(url), "%s/healthz", d.base);
	assert_int_equal(th_http("GET", url, NULL, NULL, NULL), 200);
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
}

static void
test_security_no_secrets_in_logs(void **state)
{
	struct th_daemon d;
	char url[256];
	assert_int_equal(th_daemon_start(&d, &pg, 0,
					 "[log]\nlevel = debug\n"
					 "[africastalking]\napi_key = sk-live-SECRET-API-KEY-42\n"
					 "callback_token = at-SECRET-callback-77\n"),
			 0);
	/* A whole USSD session, SMS in both adapters, a delivery report, bad input. */
	static const char *const texts[] = {"", "1", "1", "1", "12", "5", "1"};
	char body[256], cum[64] = "";
	for (size_t i = 0; i < 7; i++) {
		if (i)
			snprintf(cum + strlen(cum), sizeof(cum) - strlen(cum), "%s%s", i > 1 ? "*" : "",
				 texts[i]);
		snprintf(body, sizeof(body),
			 "sessionId=ATUid_logs&serviceCode=%%2A384%%23&phoneNumber=%%2B250788200004"
			 "&networkCode=63510&text=%s",
			 cum);
		assert_int_equal(post(&d, "/cb/console/test-token/ussd", NULL, body), 200);
	}
	assert_int_equal(post(&d, "/cb/africastalking/at-SECRET-callback-77/sms", NULL,
			      "from=%2B250788100001&to=12345&text=2&id=log-1&date=2026-11-28+10%3A00%3A00"),
			 200);
	assert_int_equal(post(&d, "/cb/console/test-token/sms", NULL,
			      "from=%2B250799123456&to=12345&text=hello&id=log-2"),
			 200);
	assert_int_equal(post(&d, "/cb/africastalking/at-SECRET-callback-77/delivery", NULL,
			      "id=ATXid_1&status=Failed&phoneNumber=%2B250788100002"
			      "&failureReason=UserInBlackList"),
			 200);
	assert_int_equal(post(&d, "/cb/console/test-token/sms", NULL, "from=%2B250788100003"), 400);
	assert_int_equal(post(&d, "/cb/africastalking/WRONG-at-SECRET/sms", NULL, "a=b"), 404);
	snprintf(url, sizeof(url), "%s/cb/console/test-token/sms", d.base);
	assert_int_equal(th_http("PUT", url, "x", "text/plain", NULL), 405);
	assert_int_equal(th_http("POST", url, "{\"from\":1}", "application/json", NULL), 400);
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);

	char *log = th_daemon_log(&d);
	assert_non_null(strstr(log, "level=debug"));   /* it did log, verbosely */
	assert_non_null(strstr(log, "screen=champ_logged")); /* the whole session ran */
	static const char *const secrets[] = {
		"250788200004", "250788100001", "250799123456", "250788100002", "250788100003",
		"SECRET", "test-token", "sk-live",
	};
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (strstr(log, secrets[i]))
			fail_msg("the log holds '%s':\n%.300s", secrets[i], strstr(log, secrets[i]));
	free(log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_security_allow_list),
		cmocka_unit_test(test_security_trusted_proxy),
		cmocka_unit_test(test_security_rate_limit),
		cmocka_unit_test(test_security_no_secrets_in_logs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* Unit: followupd.conf parsing — defaults, every kind of bad file, secrets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "registry.h"

static struct cfg *
load(const char *text, char *err, size_t len)
{
	return cfg_load_string("t.conf", text, agg_sections, agg_n_sections, err, len);
}

static void
test_cfg_defaults(void **state)
{
	char err[256] = "";
	struct cfg *c = load("", err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->listen, "127.0.0.1:8080");
	assert_int_equal(c->body_limit, 65536);
	assert_string_equal(c->schedule_days, "14,30,60,90,180");
	assert_string_equal(c->send_window, "08:00-19:00");
	assert_int_equal(c->reminder_after, 3);
	assert_int_equal(c->expire_after, 7);
	assert_int_equal(c->reuse_port, 1);
	assert_string_equal(c->aggregator, "console");
	const struct cfg_values *v = cfg_section_values(c, "console");
	assert_non_null(v);
	assert_string_equal(v->str[0], "var/outbox.log");
	cfg_free(c);
}

static void
test_cfg_values_and_comments(void **state)
{
	char err[256] = "";
	struct cfg *c = load("; a comment\n[server]\nlisten = 0.0.0.0:9090 ; inline\n"
			     "reuse_port = no\n[checkins]\nsend_window = 00:00-24:00\n"
			     "send_days = mon,sat\nexpire_after = 10\n[log]\nlevel = DEBUG\n",
			     err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->listen, "0.0.0.0:9090");
	assert_int_equal(c->reuse_port, 0);
	assert_string_equal(c->send_window, "00:00-24:00");
	assert_int_equal(c->expire_after, 10);
	cfg_free(c);
}

struct bad {
	const char *text, *error;
};

static const struct bad bad_files[] = {
	{"[server]\nlisten = 8080\n", "t.conf:2: listen: expected address:port, got '8080'"},
	{"[server]\n\nbody_limit = big\n", "t.conf:3: body_limit: expected a whole number in"},
	{"[server]\nbody_limit = 1\n", "t.conf:2: body_limit: expected a whole number in 1024.."},
	{"[serverx]\nlisten = 1.2.3.4:5\n", "t.conf:2: unknown section [serverx]"},
	{"[server]\nlisten = 1.2.3.4:5\nlisen = x\n", "t.conf:3: unknown key 'lisen' in [server]"},
	{"[server]\nreuse_port = maybe\n", "t.conf:2: reuse_port: expected yes or no, got 'maybe'"},
	{"[checkins]\nschedule_days = 30,14\n", "t.conf:2: schedule_days: expected increasing"},
	{"[checkins]\nsend_window = 19:00-08:00\n", "t.conf:2: send_window: expected HH:MM-HH:MM"},
	{"[checkins]\nsend_days = mon,funday\n", "t.conf:2: send_days: expected days like"},
	{"[log]\nlevel = loud\n", "t.conf:2: level: expected debug, info, warn or error"},
	{"[sms]\naggregator = pigeon\n", "t.conf: [sms] aggregator: unknown aggregator 'pigeon'"},
	{"[server]\nthis line has no equals sign\n", "t.conf:2: syntax error"},
	{"[server]\nlisten = 1.2.3.4:5\nlisten = 1.2.3.4:6\n", "t.conf:3: listen: set twice"},
	{"[console]\ncallback_token_file = /nonexistent/token\n",
	 "t.conf:2: callback_token_file: cannot read /nonexistent/token"},
};

static void
test_cfg_bad_files(void **state)
{
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		char err[256] = "";
		struct cfg *c = load(bad_files[i].text, err, sizeof(err));
		if (c || strncmp(err, bad_files[i].error, strlen(bad_files[i].error)) != 0)
			fail_msg("case %zu: got '%s', want '%s...'", i, err, bad_files[i].error);
	}
}

static void
test_cfg_secret_from_file_and_env(void **state)
{
	char path[] = "/tmp/test_cfg_secretXXXXXX", text[256], err[256] = "";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "s3cret-from-file\n", 17), 17);
	close(fd);
	snprintf(text, sizeof(text), "[console]\ncallback_token_file = %s\n", path);
	struct cfg *c = load(text, err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(cfg_section_values(c, "console")->str[1], "s3cret-from-file");
	cfg_free(c);

	/* The environment wins over the file. */
	setenv("FOLLOWUP_CONSOLE_CALLBACK_TOKEN", "from-env", 1);
	c = load(text, err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(cfg_section_values(c, "console")->str[1], "from-env");
	cfg_free(c);
	unsetenv("FOLLOWUP_CONSOLE_CALLBACK_TOKEN");

	setenv("FOLLOWUP_DB", "dbname=elsewhere", 1);
	c = load("[database]\nconninfo = dbname=here\n", err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->conninfo, "dbname=elsewhere");
	cfg_free(c);
	unsetenv("FOLLOWUP_DB");
	unlink(path);
}

static void
test_cfg_example_file_loads(void **state)
{
	char err[256] = "";
	struct cfg *c = cfg_load("config/followupd.conf.example", agg_sections, agg_n_sections,
				 err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	cfg_free(c);
}

static void
test_cfg_split_hostport(void **state)
{
	char host[64];
	int port;
	assert_int_equal(cfg_split_hostport("127.0.0.1:8080", host, sizeof(host), &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8080);
	assert_int_equal(cfg_split_hostport("[::1]:80", host, sizeof(host), &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(cfg_split_hostport("host:99999", host, sizeof(host), &port), -1);
	assert_int_equal(cfg_split_hostport(":80", host, sizeof(host), &port), -1);
	assert_int_equal(cfg_split_hostport("nocolon", host, sizeof(host), &port), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg_defaults),
		cmocka_unit_test(test_cfg_values_and_comments),
		cmocka_unit_test(test_cfg_bad_files),
		cmocka_unit_test(test_cfg_secret_from_file_and_env),
		cmocka_unit_test(test_cfg_example_file_loads),
		cmocka_unit_test(test_cfg_split_hostport),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

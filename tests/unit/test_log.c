/* Unit: log lines — logfmt shape, phone masking, quoting, one line per event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static char *
capture(void (*fn)(void))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	log_set_stream(f);
	fn();
	log_set_stream(NULL);
	fclose(f);
	return buf;
}

static void
write_phone_line(void)
{
	char p[16];
	log_info("sms", "inbound", "phone=%s raw=+250788123456 n=%d",
		 log_phone(p, sizeof(p), "+250788123987"), 42);
}

static void
test_log_masks_phones(void **state)
{
	char *line = capture(write_phone_line);
	assert_non_null(strstr(line, "phone=***987"));
	assert_non_null(strstr(line, "raw=***456"));
	assert_null(strstr(line, "250788"));
	assert_non_null(strstr(line, "level=info mod=sms msg=\"inbound\""));
	assert_non_null(strstr(line, " n=42\n"));
	assert_int_equal(strncmp(line, "ts=", 3), 0);
	free(line);
}

static void
write_multiline(void)
{
	log_warn("db", "said \"no\"\nand more", "detail=%s", "a\nb");
}

static void
test_log_one_line_per_event(void **state)
{
	char *line = capture(write_multiline);
	assert_non_null(strstr(line, "msg=\"said \\\"no\\\"\\nand more\""));
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
	free(line);
}

static void
write_debug(void)
{
	log_debug("x", "hidden", "a=%d", 1);
}

static void
test_log_level_filter(void **state)
{
	assert_int_equal(log_set_level_name("warn"), 0);
	char *line = capture(write_phone_line);
	assert_string_equal(line, "");
	free(line);
	assert_int_equal(log_set_level_name("debug"), 0);
	line = capture(write_debug);
	assert_non_null(strstr(line, "level=debug"));
	free(line);
	assert_int_equal(log_set_level_name("nonsense"), -1);
	assert_int_equal(log_set_level_name("info"), 0);
}

static void
test_log_scrub_cases(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"to=+250788123456", "to=***456"},
		{"+1234", "***234"},
		{"a +123 b", "a +123 b"},        /* too short to be a phone number */
		{"x=+2547000000001,+33612345678", "x=***001,***678"},
		{"no numbers here", "no numbers here"},
		{"trailing +", "trailing +"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[128];
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		log_scrub(buf, strlen(buf));
		assert_string_equal(buf, cases[i].out);
	}
}

static void
test_log_phone_short_and_empty(void **state)
{
	char p[16];
	assert_string_equal(log_phone(p, sizeof(p), "+250788123456"), "***456");
	assert_string_equal(log_phone(p, sizeof(p), "12"), "***12");
	assert_string_equal(log_phone(p, sizeof(p), ""), "-");
	assert_string_equal(log_phone(p, sizeof(p), NULL), "-");
}

static void
test_log_quote_truncates(void **state)
{
	char q[12];
	log_quote(q, sizeof(q), "abcdefghijklmnop");
	assert_true(strlen(q) < sizeof(q));
	assert_non_null(strstr(q, "..."));
	log_quote(q, sizeof(q), "a\x01");
	assert_string_equal(q, "a\\x01");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_masks_phones),
		cmocka_unit_test(test_log_one_line_per_event),
		cmocka_unit_test(test_log_level_filter),
		cmocka_unit_test(test_log_scrub_cases),
		cmocka_unit_test(test_log_phone_short_and_empty),
		cmocka_unit_test(test_log_quote_truncates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

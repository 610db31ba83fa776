/* Unit tests of handlers/ussd_date: civil date arithmetic and DDMMYY parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ussd_date.h"

static struct ussd_date
D(int y, int m, int d)
{
	return (struct ussd_date){y, m, d};
}

static void
test_ussd_date_days_in_month(void **state)
{
	static const struct {
		int y, m, want;
	} cases[] = {
		{2026, 1, 31}, {2026, 2, 28}, {2024, 2, 29}, {2000, 2, 29}, {1900, 2, 28},
		{2100, 2, 28}, {2026, 4, 30}, {2026, 12, 31}, {2026, 0, 0}, {2026, 13, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(ussd_date_days_in_month(cases[i].y, cases[i].m), cases[i].want);
}

static void
test_ussd_date_valid(void **state)
{
	assert_true(ussd_date_valid(D(2026, 11, 20)));
	assert_true(ussd_date_valid(D(2024, 2, 29)));
	assert_false(ussd_date_valid(D(2026, 2, 29)));
	assert_false(ussd_date_valid(D(2026, 2, 31)));
	assert_false(ussd_date_valid(D(2026, 4, 31)));
	assert_false(ussd_date_valid(D(2026, 0, 1)));
	assert_false(ussd_date_valid(D(2026, 1, 0)));
	assert_false(ussd_date_valid(D(0, 1, 1)));
	assert_false(ussd_date_valid(D(0, 0, 0)));
}

/* Every day from 1899 to 2101: to_days and from_days are inverse, and consecutive days are
 * one apart, which checks the month and leap-year arithmetic against a plain day counter. */
static void
test_ussd_date_days_roundtrip(void **state)
{
	struct ussd_date d = D(1899, 1, 1);
	long prev = ussd_date_to_days(d) - 1;

	assert_int_equal(ussd_date_to_days(D(1970, 1, 1)), 0);
	assert_int_equal(ussd_date_to_days(D(1969, 12, 31)), -1);
	while (d.y < 2102) {
		long n = ussd_date_to_days(d);
		struct ussd_date back = ussd_date_from_days(n);
		assert_int_equal(n, prev + 1);
		assert_int_equal(ussd_date_cmp(back, d), 0);
		prev = n;
		/* next day, by hand */
		if (++d.d > ussd_date_days_in_month(d.y, d.m)) {
			d.d = 1;
			if (++d.m > 12)
				d.m = 1, d.y++;
		}
	}
}

static void
test_ussd_date_add_days(void **state)
{
	static const struct {
		struct ussd_date from;
		long n;
		struct ussd_date want;
	} cases[] = {
		{{2026, 11, 20}, -1, {2026, 11, 19}},
		{{2026, 3, 1}, -1, {2026, 2, 28}},
		{{2024, 3, 1}, -1, {2024, 2, 29}},
		{{2026, 1, 1}, -1, {2025, 12, 31}},
		{{2025, 12, 31}, 1, {2026, 1, 1}},
		{{2024, 2, 28}, 1, {2024, 2, 29}},
		{{2026, 11, 20}, 0, {2026, 11, 20}},
		{{2026, 11, 20}, 365, {2027, 11, 20}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ussd_date got = ussd_date_add_days(cases[i].from, cases[i].n);
		assert_int_equal(ussd_date_cmp(got, cases[i].want), 0);
	}
}

static void
test_ussd_date_cmp(void **state)
{
	assert_true(ussd_date_cmp(D(2026, 11, 20), D(2026, 11, 21)) < 0);
	assert_true(ussd_date_cmp(D(2026, 12, 1), D(2026, 11, 30)) > 0);
	assert_true(ussd_date_cmp(D(2025, 12, 31), D(2026, 1, 1)) < 0);
	assert_int_equal(ussd_date_cmp(D(2026, 11, 20), D(2026, 11, 20)), 0);
}

static void
test_ussd_date_parse_ddmmyy(void **state)
{
	static const struct {
		const char *in;
		int rc;
		struct ussd_date want;
	} cases[] = {
		{"201126", 0, {2026, 11, 20}},
		{"010100", 0, {2000, 1, 1}},
		{"311299", 0, {2099, 12, 31}},
		{"290224", 0, {2024, 2, 29}},
		{"290226", -1, {0, 0, 0}},   /* not a leap year */
		{"310226", -1, {0, 0, 0}},   /* 31 February */
		{"310426", -1, {0, 0, 0}},
		{"001126", -1, {0, 0, 0}},
		{"201326", -1, {0, 0, 0}},
		{"2011", -1, {0, 0, 0}},
		{"2011260", -1, {0, 0, 0}},
		{"20112a", -1, {0, 0, 0}},
		{" 20112", -1, {0, 0, 0}},
		{"20-11-26", -1, {0, 0, 0}},
		{"", -1, {0, 0, 0}},
		{NULL, -1, {0, 0, 0}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ussd_date got = D(1, 2, 3);
		int rc = ussd_date_parse_ddmmyy(cases[i].in, &got);
		assert_int_equal(rc, cases[i].rc);
		if (rc == 0)
			assert_int_equal(ussd_date_cmp(got, cases[i].want), 0);
		else
			assert_int_equal(ussd_date_cmp(got, D(1, 2, 3)), 0);   /* untouched */
	}
}

static void
test_ussd_date_parse_iso(void **state)
{
	struct ussd_date d;
	assert_int_equal(ussd_date_parse_iso("2026-11-20", &d), 0);
	assert_int_equal(ussd_date_cmp(d, D(2026, 11, 20)), 0);
	assert_int_equal(ussd_date_parse_iso("2026-02-31", &d), -1);
	assert_int_equal(ussd_date_parse_iso("2026-1-20", &d), -1);
	assert_int_equal(ussd_date_parse_iso("2026-11-20x", &d), -1);
	assert_int_equal(ussd_date_parse_iso("2026/11/20", &d), -1);
	assert_int_equal(ussd_date_parse_iso("", &d), -1);
	assert_int_equal(ussd_date_parse_iso(NULL, &d), -1);
}

static void
test_ussd_date_format(void **state)
{
	char buf[11];
	struct ussd_date d = D(2026, 3, 5), back;

	ussd_date_format_iso(d, buf);
	assert_string_equal(buf, "2026-03-05");
	assert_int_equal(ussd_date_parse_iso(buf, &back), 0);
	assert_int_equal(ussd_date_cmp(back, d), 0);
	ussd_date_format_dmy(d, buf);
	assert_string_equal(buf, "05/03/2026");
	ussd_date_format_ddmmyy(d, buf);
	assert_string_equal(buf, "050326");
	assert_int_equal(ussd_date_parse_ddmmyy(buf, &back), 0);
	assert_int_equal(ussd_date_cmp(back, d), 0);
	ussd_date_format_iso(D(-5, 123, 1000), buf);   /* clamped, never overflows */
	assert_int_equal(strlen(buf), 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ussd_date_days_in_month),
		cmocka_unit_test(test_ussd_date_valid),
		cmocka_unit_test(test_ussd_date_days_roundtrip),
		cmocka_unit_test(test_ussd_date_add_days),
		cmocka_unit_test(test_ussd_date_cmp),
		cmocka_unit_test(test_ussd_date_parse_ddmmyy),
		cmocka_unit_test(test_ussd_date_parse_iso),
		cmocka_unit_test(test_ussd_date_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

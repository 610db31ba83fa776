/* Unit tests for backoff: bounds, exponential growth, the cap, and the jitter range. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backoff.h"

/* r values spanning [0, 1), plus out-of-range ones that must be clamped. */
static const double rs[] = {0.0, 1e-9, 0.25, 0.5, 0.75, 0.999999, 0x1.fffffffffffffp-1};

static void
test_backoff_bounds(void **state)
{
	(void)state;
	for (unsigned attempt = 0; attempt < 40; attempt++) {
		/* the ceiling computed independently: base * 2^attempt, capped */
		double ceiling = fmin(1000.0 * pow(2.0, attempt), 3600000.0);
		for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++) {
			uint64_t d = backoff_delay_ms(attempt, 1000, 3600000, rs[i]);
			if ((double)d < ceiling / 2 || (double)d > ceiling)
				fail_msg("attempt %u r %g: %llu outside [%g, %g]", attempt, rs[i],
				         (unsigned long long)d, ceiling / 2, ceiling);
		}
	}
}

static void
test_backoff_grows_exponentially(void **state)
{
	(void)state;
	/* With r = 0 the delay is exactly half the ceiling: 500, 1000, 2000, ... */
	for (unsigned attempt = 0; attempt < 10; attempt++)
		assert_int_equal(backoff_delay_ms(attempt, 1000, UINT64_MAX, 0.0),
		                 500ull << attempt);
	/* and the same r never gives a shorter wait for a later attempt */
	for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++)
		for (unsigned attempt = 1; attempt < 30; attempt++)
			assert_true(backoff_delay_ms(attempt, 700, 900000, rs[i]) >=
			            backoff_delay_ms(attempt - 1, 700, 900000, rs[i]));
}

static void
test_backoff_cap(void **state)
{
	(void)state;
	/* past the cap every attempt gives the same range, even absurd attempt numbers */
	static const unsigned attempts[] = {12, 13, 63, 64, 65, 1000, 4000000000u};
	for (size_t i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		assert_int_equal(backoff_delay_ms(attempts[i], 1000, 60000, 0.0), 30000);
		assert_true(backoff_delay_ms(attempts[i], 1000, 60000, 0x1.fffffffffffffp-1) <=
		            60000);
		assert_true(backoff_delay_ms(attempts[i], 1000, 60000, 0.999) > 59000);
	}
	/* a cap below base wins, and huge values do not overflow */
	assert_int_equal(backoff_delay_ms(0, 5000, 2000, 0.0), 1000);
	assert_true(backoff_delay_ms(100, UINT64_MAX / 3, UINT64_MAX, 0.5) >= UINT64_MAX / 2);
	assert_true(backoff_delay_ms(100, UINT64_MAX / 3, UINT64_MAX, 0.99) <= UINT64_MAX);
	/* zero base: no wait, and no endless doubling */
	assert_int_equal(backoff_delay_ms(4000000000u, 0, 60000, 0.5), 0);
}

static void
test_backoff_jitter_range(void **state)
{
	uint64_t lo = UINT64_MAX, hi = 0, prev = 0;
	(void)state;
	/* r sweeps the upper half of the ceiling evenly and monotonically */
	for (int k = 0; k < 1000; k++) {
		uint64_t d = backoff_delay_ms(3, 1000, 60000, k / 1000.0);
		assert_true(d >= prev);
		prev = d;
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	assert_int_equal(lo, 4000); /* ceiling 8000 */
	assert_true(hi >= 7990 && hi <= 8000);
	assert_int_equal(backoff_delay_ms(3, 1000, 60000, 0.5), 6000);
	/* out-of-range r is clamped, NaN included */
	assert_int_equal(backoff_delay_ms(3, 1000, 60000, -3.0), 4000);
	assert_int_equal(backoff_delay_ms(3, 1000, 60000, NAN), 4000);
	assert_true(backoff_delay_ms(3, 1000, 60000, 7.0) <= 8000);
	assert_true(backoff_delay_ms(3, 1000, 60000, 1.0) >= 7999);
	/* an odd ceiling: 3 ms -> [2, 3] */
	assert_int_equal(backoff_delay_ms(0, 3, 100, 0.0), 2);
	assert_true(backoff_delay_ms(0, 3, 100, 0.99) <= 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backoff_bounds),
	    cmocka_unit_test(test_backoff_grows_exponentially),
	    cmocka_unit_test(test_backoff_cap),
	    cmocka_unit_test(test_backoff_jitter_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

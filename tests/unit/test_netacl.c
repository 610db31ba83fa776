/* Unit: CIDR lists, client addresses behind trusted proxies, and per-address rate limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netacl.h"
#include "ratelimit.h"

static void
test_netacl_match_table(void **state)
{
	static const struct {
		const char *list, *addr;
		bool want;
	} cases[] = {
		{"196.201.214.0/24", "196.201.214.200", true},
		{"196.201.214.0/24", "196.201.215.1", false},
		{"10.0.0.0/8, 127.0.0.1", "127.0.0.1", true},
		{"10.0.0.0/8 127.0.0.1", "127.0.0.2", false},
		{"10.0.0.0/8", "::ffff:10.1.2.3", true},       /* IPv4-mapped counts as IPv4 */
		{"2001:db8::/32", "2001:db8:1::5", true},
		{"2001:db8::/32", "2001:db9::5", false},
		{"0.0.0.0/0", "8.8.8.8", true},
		{"0.0.0.0/0", "2001:db8::1", false},            /* /0 of IPv4 is all of IPv4 only */
		{"::/0", "2001:db8::1", true},
		{"192.168.1.128/25", "192.168.1.127", false},
		{"192.168.1.128/25", "192.168.1.128", true},
		{"", "127.0.0.1", false},
		{"127.0.0.1", "not-an-address", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[128];
		struct netacl *a = netacl_parse(cases[i].list, err, sizeof(err));
		assert_non_null(a);
		if (netacl_match(a, cases[i].addr) != cases[i].want)
			fail_msg("case %zu: %s in [%s]", i, cases[i].addr, cases[i].list);
		netacl_free(a);
	}
}

static void
test_netacl_refuses_garbage(void **state)
{
	static const char *const bad[] = {"10.0.0.0/33", "300.1.1.1", "10.0.0.0/", "host.example",
					  "::1/129", "1.2.3.4/x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[128] = "";
		struct netacl *a = netacl_parse(bad[i], err, sizeof(err));
		if (a)
			fail_msg("accepted '%s'", bad[i]);
		assert_non_null(strstr(err, "not an address"));
	}
}

static void
test_netacl_client_behind_proxies(void **state)
{
	char err[64], out[64];
	struct netacl *t = netacl_parse("10.0.0.0/8", err, sizeof(err));
	/* Not from a trusted proxy: the header is ignored. */
	netacl_client(t, "203.0.113.9", "1.2.3.4", out, sizeof(out));
	assert_string_equal(out, "203.0.113.9");
	/* From a proxy: the rightmost address that is not a proxy. */
	netacl_client(t, "10.0.0.2", "1.2.3.4, 196.201.214.10, 10.0.0.7", out, sizeof(out));
	assert_string_equal(out, "196.201.214.10");
	netacl_client(t, "10.0.0.2", NULL, out, sizeof(out));
	assert_string_equal(out, "10.0.0.2");
	netacl_client(t, "10.0.0.2", "garbage", out, sizeof(out));
	assert_string_equal(out, "10.0.0.2");
	netacl_free(t);
}

static void
test_ratelimit_buckets(void **state)
{
	struct ratelimit *r = rl_new(10, 5, 64);
	int ok = 0;
	for (int i = 0; i < 20; i++)
		ok += rl_allow(r, "1.2.3.4", 1000);
	assert_int_equal(ok, 5);                       /* the burst, then nothing */
	assert_true(rl_allow(r, "5.6.7.8", 1000));     /* others are not affected */
	assert_false(rl_allow(r, "1.2.3.4", 1050));    /* half a token so far */
	assert_true(rl_allow(r, "1.2.3.4", 1100));     /* 10/s: one token per 100 ms */
	rl_free(r);
	r = rl_new(0, 1, 8);
	for (int i = 0; i < 100; i++)
		assert_true(rl_allow(r, "x", 0));      /* rate 0: no limit */
	rl_free(r);
}

static void
test_ratelimit_table_stays_bounded(void **state)
{
	struct ratelimit *r = rl_new(1, 1, 16);
	char key[32];
	/* Thousands of addresses through 16 slots: no crash, and a fresh key always starts with
	 * its burst. */
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "10.0.%d.%d", i / 256, i % 256);
		assert_true(rl_allow(r, key, (uint64_t)i));
	}
	rl_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netacl_match_table),
		cmocka_unit_test(test_netacl_refuses_garbage),
		cmocka_unit_test(test_netacl_client_behind_proxies),
		cmocka_unit_test(test_ratelimit_buckets),
		cmocka_unit_test(test_ratelimit_table_stays_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

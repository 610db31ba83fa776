/*
 * test_ussd_text — deriving the newest USSD input from cumulative text: a walk through a real
 * session, free text with stars, trailing stars, repeats, missing hops, and the replay split.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ussd_text.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct derive_case {
	const char *prev, *cur;
	enum ussd_hop hop;
	const char *input;  /* expected on USSD_HOP_INPUT */
} derive_cases[] = {
	/* a session as AT sends it */
	{NULL, "", USSD_HOP_START, NULL},
	{"", "1", USSD_HOP_INPUT, "1"},
	{"1", "1*3", USSD_HOP_INPUT, "3"},
	{"1*3", "1*3*12", USSD_HOP_INPUT, "12"},
	{NULL, NULL, USSD_HOP_START, NULL},
	/* free text holding a star is one input, thanks to the stored previous hop */
	{"1*2", "1*2*We trained 12*2 groups", USSD_HOP_INPUT, "We trained 12*2 groups"},
	{"", "4*5", USSD_HOP_INPUT, "4*5"},
	{"1", "1**", USSD_HOP_INPUT, "*"},
	/* the person sent nothing */
	{"1*3", "1*3*", USSD_HOP_INPUT, ""},
	{"", "*", USSD_HOP_INPUT, "*"},
	/* the aggregator repeated a hop */
	{"1*3", "1*3", USSD_HOP_REPEAT, NULL},
	{"", "", USSD_HOP_REPEAT, NULL},
	{"", NULL, USSD_HOP_REPEAT, NULL},
	/* no stored hop, or one that cur does not extend: replay */
	{NULL, "1*3", USSD_HOP_REPLAY, NULL},
	{"1", "12", USSD_HOP_REPLAY, NULL},
	{"1*3", "1*4*5", USSD_HOP_REPLAY, NULL},
	{"1*3", "1", USSD_HOP_REPLAY, NULL},
	{"1*3", "", USSD_HOP_REPLAY, NULL},
	{"1*3", "2*1*3*4", USSD_HOP_REPLAY, NULL},
};

static void
test_ussd_text_derive(void **state)
{
	for (size_t i = 0; i < N(derive_cases); i++) {
		const struct derive_case *c = &derive_cases[i];
		const char *input = "sentinel";
		enum ussd_hop h = ussd_text_derive(c->prev, c->cur, &input);
		if (h != c->hop)
			fail_msg("case %zu (prev '%s', cur '%s'): %s, want %s", i,
				 c->prev ? c->prev : "NULL", c->cur ? c->cur : "NULL",
				 ussd_hop_name(h), ussd_hop_name(c->hop));
		if (h == USSD_HOP_INPUT) {
			assert_non_null(input);
			if (strcmp(input, c->input) != 0)
				fail_msg("case %zu: input '%s', want '%s'", i, input, c->input);
			/* It points into cur: the caller stores cur, nothing else to free. */
			assert_true(input >= c->cur && input <= c->cur + strlen(c->cur));
		} else {
			assert_null(input);
		}
	}
}

static const struct split_case {
	const char *cur;
	size_t n;
	const char *parts[5];
} split_cases[] = {
	{"", 0, {NULL}},
	{NULL, 0, {NULL}},
	{"1", 1, {"1"}},
	{"1*3*12", 3, {"1", "3", "12"}},
	{"1*", 2, {"1", ""}},
	{"*", 2, {"", ""}},
	{"1**2", 3, {"1", "", "2"}},
	{"1*We trained 12", 2, {"1", "We trained 12"}},
	{"1*2*3*4*5", 5, {"1", "2", "3", "4", "5"}},
};

static void
test_ussd_text_split(void **state)
{
	for (size_t i = 0; i < N(split_cases); i++) {
		const struct split_case *c = &split_cases[i];
		char buf[64];
		const char *parts[5];
		size_t n = 99;
		assert_int_equal(ussd_text_split(c->cur, buf, sizeof(buf), parts, 5, &n), 0);
		if (n != c->n)
			fail_msg("'%s': %zu parts, want %zu", c->cur ? c->cur : "NULL", n, c->n);
		for (size_t k = 0; k < n; k++)
			assert_string_equal(parts[k], c->parts[k]);
	}
}

static void
test_ussd_text_split_limits(void **state)
{
	char buf[8];
	const char *parts[2];
	size_t n;
	/* Too many inputs, or too long a text: refused, not truncated. */
	assert_int_equal(ussd_text_split("1*2*3", buf, sizeof(buf), parts, 2, &n), -1);
	assert_int_equal(ussd_text_split("1*2", buf, sizeof(buf), parts, 2, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ussd_text_split("12345678", buf, sizeof(buf), parts, 2, &n), -1);
	assert_int_equal(ussd_text_split("1234567", buf, sizeof(buf), parts, 2, &n), 0);
	assert_string_equal(parts[0], "1234567");
}

static void
test_ussd_text_hop_names(void **state)
{
	for (int h = 0; h < USSD_HOP_COUNT; h++) {
		const char *name = ussd_hop_name((enum ussd_hop)h);
		assert_non_null(name);
		assert_string_not_equal(name, "?");
		for (int k = 0; k < h; k++)
			assert_string_not_equal(name, ussd_hop_name((enum ussd_hop)k));
	}
	assert_string_equal(ussd_hop_name(USSD_HOP_COUNT), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ussd_text_derive),
		cmocka_unit_test(test_ussd_text_split),
		cmocka_unit_test(test_ussd_text_split_limits),
		cmocka_unit_test(test_ussd_text_hop_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

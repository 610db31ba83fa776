/*
 * test_form — form/query decoding: escapes, '+', empty pairs, duplicates (first wins), the
 * errors that name their field, UTF-8 validation, the caps, and encoding round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "form.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A body and what it decodes to: pairs "key=value" joined by '\n' after decoding (so the
 * expectation shows decoded bytes), or the reason of the failure. */
static const struct parse_case {
	const char *body;
	int rc;
	const char *want;
} parse_cases[] = {
	{"", 0, ""},
	{"a=1", 0, "a=1"},
	{"a=1&b=2", 0, "a=1\nb=2"},
	{"text=1%2A3%2A12", 0, "text=1*3*12"},
	{"t=a+b%20c", 0, "t=a b c"},
	{"t=%2B254%2b7", 0, "t=+254+7"},
	{"t=%c3%a9%C3%A9", 0, "t=\xc3\xa9\xc3\xa9"},
	{"t=a%3Db%26c", 0, "t=a=b&c"},
	{"t==x", 0, "t==x"},
	{"a=1&&b=2&", 0, "a=1\nb=2"},
	{"&&&", 0, ""},
	{"flag&x=", 0, "flag=\nx="},
	{"=orphan", 0, "=orphan"},
	{"k%20ey=v", 0, "k ey=v"},
	{"a=1&a=2", 0, "a=1\na=2"},
	{"t=%F0%9F%91%8D", 0, "t=\xf0\x9f\x91\x8d"},
	{"t=%EF%BF%BF", 0, "t=\xef\xbf\xbf"},
	{"t=%F4%8F%BF%BF", 0, "t=\xf4\x8f\xbf\xbf"},
	{"text=1%2", -1, "invalid %-escape in field text"},
	{"text=%", -1, "invalid %-escape in field text"},
	{"text=%zz", -1, "invalid %-escape in field text"},
	{"text=%4", -1, "invalid %-escape in field text"},
	{"a=1&text=%00x", -1, "NUL byte in field text"},
	{"text=%C3", -1, "invalid UTF-8 in field text"},
	{"text=%C3%28", -1, "invalid UTF-8 in field text"},
	{"text=%C0%80", -1, "invalid UTF-8 in field text"},
	{"text=%E0%80%AF", -1, "invalid UTF-8 in field text"},
	{"text=%ED%A0%80", -1, "invalid UTF-8 in field text"},
	{"text=%F4%90%80%80", -1, "invalid UTF-8 in field text"},
	{"text=%F8%88%80%80%80", -1, "invalid UTF-8 in field text"},
	{"text=%80", -1, "invalid UTF-8 in field text"},
	{"te%ZZxt=1", -1, "invalid %-escape in a field name"},
	{"%FF=1", -1, "invalid UTF-8 in a field name"},
	{"%00=1", -1, "NUL byte in a field name"},
	/* The field name in a reason is made printable: no line breaks reach a log. */
	{"a%0Ab=%FF", -1, "invalid UTF-8 in field a?b"},
};

static void
test_form_parse_table(void **state)
{
	for (size_t i = 0; i < N(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct form f;
		char err[160] = "", got[512] = "";
		size_t o = 0;
		int rc = form_parse(c->body, strlen(c->body), &f, err, sizeof(err));
		if (rc != c->rc)
			fail_msg("'%s': rc %d, want %d (%s)", c->body, rc, c->rc, err);
		if (rc < 0) {
			if (strcmp(err, c->want) != 0)
				fail_msg("'%s': reason '%s', want '%s'", c->body, err, c->want);
		} else {
			for (size_t k = 0; k < f.n; k++)
				o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s=%s",
						      k ? "\n" : "", f.fields[k].key,
						      f.fields[k].value);
			if (strcmp(got, c->want) != 0)
				fail_msg("'%s': decoded '%s', want '%s'", c->body, got, c->want);
		}
		form_clear(&f);
		assert_int_equal(f.n, 0);
		assert_null(f.fields);
	}
}

static void
test_form_get_first_wins(void **state)
{
	struct form f;
	char err[128];
	assert_int_equal(form_parse("text=1&x=&text=2", 16, &f, err, sizeof(err)), 0);
	assert_string_equal(form_get(&f, "text"), "1");
	assert_string_equal(form_get(&f, "x"), "");
	assert_null(form_get(&f, "Text"));
	assert_null(form_get(&f, "missing"));
	form_clear(&f);
	form_clear(&f);
}

/* len bounds the input: bytes past it are not read, and a raw NUL inside it is an error. */
static void
test_form_length_and_raw_nul(void **state)
{
	struct form f;
	char err[128];
	const char body[] = "a=1&b=2\0&c=3";
	assert_int_equal(form_parse(body, 3, &f, err, sizeof(err)), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(form_get(&f, "a"), "1");
	form_clear(&f);
	assert_int_equal(form_parse(body, sizeof(body) - 1, &f, err, sizeof(err)), -1);
	assert_string_equal(err, "NUL byte in field b");
	form_clear(&f);
}

static void
test_form_caps(void **state)
{
	struct form f;
	char err[128];
	size_t n = FORM_MAX_LEN + 1;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	assert_int_equal(form_parse(big, n, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "over"));
	form_clear(&f);
	/* Exactly at the limit is fine: one huge field. */
	assert_int_equal(form_parse(big, n - 1, &f, err, sizeof(err)), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(strlen(f.fields[0].key), n - 1);
	form_clear(&f);
	free(big);

	/* FORM_MAX_FIELDS pairs pass, one more fails. */
	size_t cap = (FORM_MAX_FIELDS + 1) * 4 + 1;
	char *many = malloc(cap);
	size_t o = 0;
	assert_non_null(many);
	for (int i = 0; i < FORM_MAX_FIELDS; i++)
		o += (size_t)snprintf(many + o, cap - o, "%sa=1", i ? "&" : "");
	assert_int_equal(form_parse(many, o, &f, err, sizeof(err)), 0);
	assert_int_equal(f.n, FORM_MAX_FIELDS);
	form_clear(&f);
	o += (size_t)snprintf(many + o, cap - o, "&b=2");
	assert_int_equal(form_parse(many, o, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "fields"));
	form_clear(&f);
	free(many);
}

static void
test_form_append_round_trip(void **state)
{
	static const char *const values[] = {
		"plain", "a b", "1*2#", "+254712345678", "a&b=c", "100%", "caf\xc3\xa9 \xf0\x9f\x91\x8d",
		"~._-", "",
	};
	char *buf = NULL;
	size_t len = 0;
	char key[16], err[128];
	struct form f;

	assert_int_equal(form_append(&buf, &len, "to", "+254 7*#&"), 0);
	assert_string_equal(buf, "to=%2B254+7%2A%23%26");
	assert_int_equal(len, strlen(buf));
	free(buf), buf = NULL, len = 0;

	for (size_t i = 0; i < N(values); i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		assert_int_equal(form_append(&buf, &len, key, values[i]), 0);
	}
	assert_int_equal(form_parse(buf, len, &f, err, sizeof(err)), 0);
	assert_int_equal(f.n, N(values));
	for (size_t i = 0; i < N(values); i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		assert_string_equal(form_get(&f, key), values[i]);
	}
	form_clear(&f);
	free(buf);
}

static const struct {
	const char *s;
	int valid;
} utf8_cases[] = {
	{"", 1},
	{"ascii only", 1},
	{"\xc2\x80", 1},
	{"\xdf\xbf", 1},
	{"\xe0\xa0\x80", 1},
	{"\xed\x9f\xbf", 1},
	{"\xee\x80\x80", 1},
	{"\xf0\x90\x80\x80", 1},
	{"\xf4\x8f\xbf\xbf", 1},
	{"\xc1\xbf", 0},
	{"\xe0\x9f\xbf", 0},
	{"\xed\xa0\x80", 0},
	{"\xed\xbf\xbf", 0},
	{"\xf0\x8f\xbf\xbf", 0},
	{"\xf4\x90\x80\x80", 0},
	{"\xf5\x80\x80\x80", 0},
	{"\xff", 0},
	{"\xc2", 0},
	{"\xe2\x82", 0},
	{"a\x80", 0},
	{"\xc2\x41", 0},
};

static void
test_form_utf8_valid(void **state)
{
	for (size_t i = 0; i < N(utf8_cases); i++)
		if (form_utf8_valid(utf8_cases[i].s, strlen(utf8_cases[i].s)) !=
		    utf8_cases[i].valid)
			fail_msg("case %zu: want %d", i, utf8_cases[i].valid);
	/* n bounds the check: a sequence cut by n is invalid even if the bytes go on. */
	assert_int_equal(form_utf8_valid("\xc3\xa9", 1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_parse_table),
		cmocka_unit_test(test_form_get_first_wins),
		cmocka_unit_test(test_form_length_and_raw_nul),
		cmocka_unit_test(test_form_caps),
		cmocka_unit_test(test_form_append_round_trip),
		cmocka_unit_test(test_form_utf8_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

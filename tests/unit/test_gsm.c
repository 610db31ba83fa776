/* Unit tests for gsm: alphabet membership, septet and part counts, transliteration, UTF-16. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gsm.h"

/* The GSM 03.38 basic set as listed in protocols/README.md, minus LF/CR, one character each. */
static const char basic_set[] = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                                "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
static const char ext_set[] = "\f^{}\\[~]|€";

/* Counts UTF-8 characters (lead bytes) of valid text, independently of gsm.c. */
static size_t
chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* n copies of unit (a UTF-8 character or string), malloc'd. */
static char *
repeat(const char *unit, size_t n)
{
	size_t ul = strlen(unit);
	char *s = malloc(ul * n + 1);
	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * n] = '\0';
	return s;
}

/* Concatenates up to three strings into a malloc'd one. */
static char *
cat3(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = malloc(la + lb + lc + 1);
	assert_non_null(s);
	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc + 1);
	return s;
}

static void
test_gsm_basic_set_costs_one_septet_each(void **state)
{
	(void)state;
	assert_int_equal(chars(basic_set), 128 - 3); /* 128 codes minus ESC, LF and CR */
	assert_true(gsm_is_gsm7(basic_set));
	assert_int_equal(gsm_septets(basic_set), (long)chars(basic_set));
	assert_int_equal(gsm_septets("line\r\nbreak"), 11);
	assert_true(gsm_is_gsm7(""));
	assert_true(gsm_is_gsm7(NULL));
	assert_int_equal(gsm_septets(""), 0);
}

static void
test_gsm_extension_costs_two_septets(void **state)
{
	(void)state;
	assert_int_equal(chars(ext_set), 10);
	assert_true(gsm_is_gsm7(ext_set));
	assert_int_equal(gsm_septets(ext_set), 2 * 10);
	assert_int_equal(gsm_septets("5€"), 1 + 2);
	assert_int_equal(gsm_septets("a[b]"), 1 + 2 + 1 + 2);
}

static void
test_gsm_not_gsm7(void **state)
{
	static const char *const cases[] = {
	    "ç", "á",   "í",      "ó",    "ú",    "â",
	    "ê", "ô",   "ã",      "õ",    "’",    "“",
	    "–", "…",   "`",      "\t",   "\x01", "\xc2\xa0" /* no-break space */,
	    "😀", "ሰላም", "Привет", "ok ç", "\xff",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum gsm_coding coding = GSM_CODING_GSM7;
		assert_false(gsm_is_gsm7(cases[i]));
		assert_int_equal(gsm_septets(cases[i]), -1);
		assert_int_equal(gsm_segments(cases[i], &coding, NULL), 1);
		assert_int_equal(coding, GSM_CODING_UCS2);
	}
}

struct seg_case {
	const char *unit; /* repeated ... */
	size_t n;         /* ... n times */
	enum gsm_coding coding;
	size_t units, parts;
};

static void
test_gsm_segment_boundaries(void **state)
{
	/* Expected values from the rules: 160 / 153 septets, 70 / 67 code units. */
	static const struct seg_case cases[] = {
	    {"", 0, GSM_CODING_GSM7, 0, 1},
	    {"a", 1, GSM_CODING_GSM7, 1, 1},
	    {"a", 160, GSM_CODING_GSM7, 160, 1},
	    {"a", 161, GSM_CODING_GSM7, 161, 2},
	    {"a", 306, GSM_CODING_GSM7, 306, 2},
	    {"a", 307, GSM_CODING_GSM7, 307, 3},
	    {"a", 459, GSM_CODING_GSM7, 459, 3},
	    {"a", 460, GSM_CODING_GSM7, 460, 4},
	    {"€", 80, GSM_CODING_GSM7, 160, 1},
	    {"€", 81, GSM_CODING_GSM7, 162, 2}, /* 76 escape pairs (152) per part */
	    {"€", 152, GSM_CODING_GSM7, 304, 2},
	    {"€", 153, GSM_CODING_GSM7, 306, 3}, /* 306 septets, but pairs don't split */
	    {"ж", 70, GSM_CODING_UCS2, 70, 1},
	    {"ж", 71, GSM_CODING_UCS2, 71, 2},
	    {"ж", 134, GSM_CODING_UCS2, 134, 2},
	    {"ж", 135, GSM_CODING_UCS2, 135, 3},
	    {"ç", 70, GSM_CODING_UCS2, 70, 1},
	    {"😀", 35, GSM_CODING_UCS2, 70, 1}, /* outside the BMP: 2 units each */
	    {"😀", 36, GSM_CODING_UCS2, 72, 2},
	    {"😀", 67, GSM_CODING_UCS2, 134, 3}, /* 33 pairs (66 units) per part */
	    {"ሰ", 71, GSM_CODING_UCS2, 71, 2},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct seg_case *c = &cases[i];
		char *s = repeat(c->unit, c->n);
		enum gsm_coding coding = GSM_CODING_COUNT;
		size_t units = 12345;
		size_t parts = gsm_segments(s, &coding, &units);
		if (parts != c->parts || units != c->units || coding != c->coding)
			fail_msg("case %zu (%zu x %s): parts %zu units %zu coding %d", i, c->n,
			         c->unit, parts, units, (int)coding);
		assert_int_equal(gsm_segments(s, NULL, NULL), c->parts);
		free(s);
	}
}

static void
test_gsm_segment_mixed_text(void **state)
{
	char *a152 = repeat("a", 152), *a159 = repeat("a", 159);
	char *s;
	enum gsm_coding coding;
	size_t units;
	(void)state;

	/* One extension character at the end of 159: 161 septets -> two parts. */
	s = cat3(a159, "€", "");
	assert_int_equal(gsm_segments(s, &coding, &units), 2);
	assert_int_equal(coding, GSM_CODING_GSM7);
	assert_int_equal(units, 161);
	free(s);

	/* 306 septets would be 2 x 153, but the escape pair at 153-154 moves to part two. */
	s = cat3(a152, "€", a152);
	assert_int_equal(gsm_segments(s, &coding, &units), 3);
	assert_int_equal(units, 306);
	free(s);

	/* One ç in 159 GSM characters turns 1 part into 3 UCS-2 parts. */
	s = cat3(a159, "ç", "");
	assert_int_equal(gsm_segments(s, &coding, &units), 3);
	assert_int_equal(coding, GSM_CODING_UCS2);
	assert_int_equal(units, 160);
	free(s);

	/* A surrogate pair straddling unit 67 opens a new part: 66 + 2 + 66 = 134 -> 3 parts. */
	{
		char *z66 = repeat("ж", 66);
		s = cat3(z66, "😀", z66);
		assert_int_equal(gsm_segments(s, &coding, &units), 3);
		assert_int_equal(units, 134);
		free(s);
		free(z66);
	}
	free(a152);
	free(a159);
}

struct tr_case {
	const char *in, *out;
};

static void
test_gsm_transliteration_table(void **state)
{
	static const struct tr_case cases[] = {
	    {"á", "a"},
	    {"í", "i"},
	    {"ó", "o"},
	    {"ú", "u"},
	    {"â", "a"},
	    {"ê", "e"},
	    {"ô", "o"},
	    {"ã", "a"},
	    {"õ", "o"},
	    {"ç", "c"},
	    {"Á", "A"},
	    {"Í", "I"},
	    {"Ó", "O"},
	    {"Ú", "U"},
	    {"Â", "A"},
	    {"Ê", "E"},
	    {"Ô", "O"},
	    {"Ã", "A"},
	    {"Õ", "O"},
	    {"È", "E"},
	    {"ë", "e"},
	    {"ï", "i"},
	    {"ÿ", "y"},
	    {"Ł", "L"},
	    {"ş", "s"},
	    {"œ", "oe"},
	    {"Œ", "OE"},
	    {"ž", "z"},
	    {"’", "'"},
	    {"‘", "'"},
	    {"“", "\""},
	    {"”", "\""},
	    {"„", "\""},
	    {"«", "\""},
	    {"»", "\""},
	    {"–", "-"},
	    {"—", "-"},
	    {"…", "..."},
	    {"\xc2\xa0", " "},
	    {"\xe2\x80\xaf", " "},
	    {"\t", " "},
	    {"`", "'"},
	    {"½", "1/2"},
	    {"\xe2\x80\x8b", ""} /* zero-width space */,
	    {"a\xcc\x81", "a"} /* NFD á */,
	    /* GSM-7 characters are left alone, extension ones included */
	    {"é", "é"},
	    {"Ç", "Ç"},
	    {"ñ", "ñ"},
	    {"€", "€"},
	    {"{", "{"},
	    {"Δ", "Δ"},
	    /* no close form: kept, so the text stays UCS-2 */
	    {"😀", "😀"},
	    {"ሰላም", "ሰላም"},
	    {"ж", "ж"},
	    {"\xe2\x80\x8d", "\xe2\x80\x8d"} /* ZWJ binds emoji sequences */,
	    /* whole sentences */
	    {"Olá! Você está bem? Ação às 9h…", "Ola! Voce esta bem? Acao às 9h..."},
	    {"“Merci” – à bientôt", "\"Merci\" - à bientot"},
	    {"Amakuru? 😀 ’", "Amakuru? 😀 '"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = gsm_transliterate(cases[i].in);
		assert_non_null(t);
		assert_string_equal(t, cases[i].out);
		free(t);
	}
}

/* Encodes cp as UTF-8 into buf (at least 5 bytes). */
static void
encode(uint32_t cp, char *buf)
{
	unsigned char *b = (unsigned char *)buf;
	if (cp < 0x80) {
		b[0] = (unsigned char)cp, b[1] = 0;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xC0 | cp >> 6), b[1] = (unsigned char)(0x80 | (cp & 0x3F));
		b[2] = 0;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xE0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp & 0x3F)), b[3] = 0;
	} else {
		b[0] = (unsigned char)(0xF0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (unsigned char)(0x80 | (cp & 0x3F)), b[4] = 0;
	}
}

/* Walks every character of the planes the tables cover: a GSM-7 character is never touched,
 * and a replacement is always GSM-7 basic-set text (one septet per character), never longer
 * than 3 characters. This checks every table entry without restating it. */
static void
test_gsm_transliteration_always_lands_in_basic_set(void **state)
{
	size_t replaced = 0;
	(void)state;
	for (uint32_t cp = 1; cp < 0x10000; cp++) {
		char in[5];
		char *t;
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		encode(cp, in);
		t = gsm_transliterate(in);
		assert_non_null(t);
		if (gsm_is_gsm7(in)) {
			assert_string_equal(t, in);
		} else if (strcmp(t, in) != 0) {
			replaced++;
			if (gsm_septets(t) != (long)strlen(t) || strlen(t) > 3)
				fail_msg("U+%04X -> \"%s\" is not short basic-set text",
				         (unsigned)cp, t);
		}
		free(t);
	}
	/* Latin-1 and Latin Extended-A letters alone give well over 150. */
	assert_true(replaced > 150);
}

static void
test_gsm_transliteration_saves_parts(void **state)
{
	/* 100 characters of Portuguese: 2 UCS-2 parts as written, 1 GSM-7 part transliterated. */
	char *s = repeat("ação ", 20), *t;
	enum gsm_coding coding;
	(void)state;
	assert_int_equal(gsm_segments(s, &coding, NULL), 2);
	assert_int_equal(coding, GSM_CODING_UCS2);
	t = gsm_transliterate(s);
	assert_non_null(t);
	assert_int_equal(gsm_segments(t, &coding, NULL), 1);
	assert_int_equal(coding, GSM_CODING_GSM7);
	free(s);
	free(t);
}

/* True when the UTF-16BE text holds U+FFFD. */
static int
has_fffd(const unsigned char *u, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		if (u[i] == 0xFF && u[i + 1] == 0xFD)
			return 1;
	return 0;
}

struct bad_case {
	const char *in;
	size_t units;      /* UTF-16 units: every invalid byte reads as one U+FFFD */
	const char *fixed; /* gsm_transliterate output */
};

static void
test_gsm_invalid_utf8(void **state)
{
	static const struct bad_case cases[] = {
	    {"\xff", 1, "\xef\xbf\xbd"},
	    {"abc\xc3", 4, "abc\xef\xbf\xbd"},                           /* truncated */
	    {"\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd"},                 /* overlong '/' */
	    {"\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
	    {"\xf4\x90\x80\x80z", 5,
	     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz"}, /* above U+10FFFF */
	    {"\x80"
	     "é",
	     2,
	     "\xef\xbf\xbd"
	     "é"}, /* stray continuation */
	    {"\xe2\x80"
	     "a",
	     3,
	     "\xef\xbf\xbd\xef\xbf\xbd"
	     "a"},                               /* cut, then valid */
	    {"\xef\xbf\xbd", 1, "\xef\xbf\xbd"}, /* a genuine U+FFFD */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];
		enum gsm_coding coding;
		size_t units, len;
		char *t;
		unsigned char *u;

		assert_false(gsm_is_gsm7(c->in));
		assert_int_equal(gsm_segments(c->in, &coding, &units), 1);
		assert_int_equal(coding, GSM_CODING_UCS2);
		assert_int_equal(units, c->units);
		t = gsm_transliterate(c->in);
		assert_non_null(t);
		assert_string_equal(t, c->fixed);
		free(t);
		u = gsm_to_utf16be(c->in, &len);
		assert_non_null(u);
		assert_int_equal(len, 2 * c->units);
		assert_true(has_fffd(u, len));
		free(u);
	}
}

static void
test_gsm_utf16be(void **state)
{
	static const unsigned char want[] = {
	    0x00, 0x41,             /* A */
	    0x00, 0xE9,             /* é */
	    0x20, 0xAC,             /* € */
	    0x12, 0x30,             /* ሰ U+1230 */
	    0xD8, 0x3D, 0xDE, 0x00, /* 😀 U+1F600 as a surrogate pair */
	};
	size_t len = 99;
	unsigned char *u = gsm_to_utf16be("Aé€ሰ😀", &len);
	(void)state;
	assert_non_null(u);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(u, want, sizeof(want));
	free(u);
	u = gsm_to_utf16be("", &len);
	assert_non_null(u);
	assert_int_equal(len, 0);
	free(u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gsm_basic_set_costs_one_septet_each),
	    cmocka_unit_test(test_gsm_extension_costs_two_septets),
	    cmocka_unit_test(test_gsm_not_gsm7),
	    cmocka_unit_test(test_gsm_segment_boundaries),
	    cmocka_unit_test(test_gsm_segment_mixed_text),
	    cmocka_unit_test(test_gsm_transliteration_table),
	    cmocka_unit_test(test_gsm_transliteration_always_lands_in_basic_set),
	    cmocka_unit_test(test_gsm_transliteration_saves_parts),
	    cmocka_unit_test(test_gsm_invalid_utf8),
	    cmocka_unit_test(test_gsm_utf16be),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

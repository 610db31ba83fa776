/*
 * fuzz_gsm — libFuzzer target for gateway/gsm.c on arbitrary bytes (NUL-terminated as the
 * callers pass them). Checks that the four views of a text agree: gsm_is_gsm7, gsm_septets and
 * the coding gsm_segments picks; that the part count matches a greedy fill written here (an
 * escape pair or a surrogate pair never split); that gsm_transliterate gives valid UTF-8, leaves
 * GSM-7 text alone and is idempotent; and that gsm_to_utf16be decodes back to the code points
 * gsm_utf8_decode reads. A violated property aborts. Built and run by scripts/fuzz.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gsm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                 \
	do {                                                                                     \
		if (!(x))                                                                        \
			abort();                                                                 \
	} while (0)

/* Valid UTF-8: decoding never falls back to U+FFFD on a single byte. */
static int
utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	uint32_t cp;
	while (n > 0) {
		size_t k = gsm_utf8_decode(p, n, &cp);
		if (k == 0 || k > n || (cp == 0xFFFD && k == 1))
			return 0;
		p += k, n -= k;
	}
	return 1;
}

/* Parts for a sequence of costs (1 or 2 each), filled greedily without splitting one. */
struct fill {
	size_t units, parts, room;
};

static void
fill_add(struct fill *f, size_t cost, size_t part)
{
	f->units += cost;
	if (cost > f->room) {
		f->parts++;
		f->room = part;
	}
	f->room -= cost;
}

static void
check_counts(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), units = 0;
	struct fill u = {0, 0, 0}, g = {0, 0, 0};
	int all_gsm = 1;
	uint32_t cp;
	char one[5];

	/* Septets character by character: a character's own septet count is what the whole
	 * text's count adds up from. */
	while (n > 0) {
		size_t k = gsm_utf8_decode(p, n, &cp);
		CHECK(k >= 1 && k <= 4 && k <= n && cp <= 0x10FFFF);
		memcpy(one, p, k);
		one[k] = '\0';
		long c = gsm_septets(one);
		CHECK(c == -1 || c == 1 || c == 2);
		CHECK((c > 0) == gsm_is_gsm7(one));
		if (c < 0)
			all_gsm = 0;
		else
			fill_add(&g, (size_t)c, GSM_GSM7_PART);
		fill_add(&u, cp > 0xFFFF ? 2 : 1, GSM_UCS2_PART);
		p += k, n -= k;
	}
	enum gsm_coding coding = GSM_CODING_COUNT;
	size_t parts = gsm_segments(s, &coding, &units);
	long septets = gsm_septets(s);
	CHECK(gsm_is_gsm7(s) == all_gsm);
	CHECK(parts >= 1 && parts == gsm_segments(s, NULL, NULL));
	if (all_gsm) {
		CHECK(coding == GSM_CODING_GSM7 && septets >= 0 && (size_t)septets == g.units);
		CHECK(units == g.units);
		CHECK(parts == (g.units <= GSM_GSM7_SINGLE ? 1 : g.parts));
	} else {
		CHECK(coding == GSM_CODING_UCS2 && septets == -1);
		CHECK(units == u.units);
		CHECK(parts == (u.units <= GSM_UCS2_SINGLE ? 1 : u.parts));
	}
}

static void
check_transliterate(const char *s)
{
	char *t = gsm_transliterate(s);
	CHECK(t);
	CHECK(utf8_valid(t));
	if (gsm_is_gsm7(s))
		CHECK(strcmp(t, s) == 0);
	char *again = gsm_transliterate(t);
	CHECK(again && strcmp(again, t) == 0);
	if (gsm_is_gsm7(s))
		CHECK(gsm_is_gsm7(t));
	free(again);
	free(t);
}

static void
check_utf16(const char *s)
{
	size_t len = 99, n = strlen(s), i = 0;
	const unsigned char *p = (const unsigned char *)s;
	unsigned char *b = gsm_to_utf16be(s, &len);
	uint32_t cp;
	CHECK(b && len % 2 == 0);
	while (n > 0) {
		size_t k = gsm_utf8_decode(p, n, &cp);
		CHECK(i + 2 <= len);
		uint32_t w = (uint32_t)b[i] << 8 | b[i + 1];
		i += 2;
		if (w >= 0xD800 && w <= 0xDBFF) {
			CHECK(i + 2 <= len);
			uint32_t lo = (uint32_t)b[i] << 8 | b[i + 1];
			i += 2;
			CHECK(lo >= 0xDC00 && lo <= 0xDFFF);
			w = 0x10000 + ((w - 0xD800) << 10) + (lo - 0xDC00);
		} else {
			CHECK(w < 0xDC00 || w > 0xDFFF);
		}
		CHECK(w == cp);
		p += k, n -= k;
	}
	CHECK(i == len);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	CHECK(s);
	memcpy(s, data, size);
	s[size] = '\0';
	check_counts(s);
	check_transliterate(s);
	check_utf16(s);
	free(s);
	return 0;
}

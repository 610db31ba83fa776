/*
 * fuzz_reply — libFuzzer target for the lenient reply reader (handlers/reply.c) with the real
 * catalogs (config/messages, loaded once; run from the repository root). Every input is read
 * as a reply from a person of each catalog language, of no language and of an unknown one.
 * Checked: the reading's fields are in range and consistent with each other; a keyword, the
 * word count and emptiness do not depend on the person's language (keywords are whole-message
 * matches in any language); reply_normalize() gives lowercase ASCII words separated by one
 * space and is idempotent; and reading the normalized text gives the same reading as the raw
 * text (the reader sees only the normalized form). A violated property aborts.
 * Built and run by scripts/fuzz.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                 \
	do {                                                                                     \
		if (!(x))                                                                        \
			abort();                                                                 \
	} while (0)

static struct catalog *cat;
static struct reply_reader *reader;

/* The catalogs and the reader, once per process. */
static void
load(void)
{
	char err[512];
	if (reader)
		return;
	cat = cat_load("config/messages", err, sizeof(err));
	if (!cat) {
		fprintf(stderr, "fuzz_reply: cat_load: %s\n", err);
		abort();
	}
	reader = reply_reader_new(cat, err, sizeof(err));
	if (!reader) {
		fprintf(stderr, "fuzz_reply: reply_reader_new: %s\n", err);
		abort();
	}
}

static void
check_reading(const struct reply_reading *rd)
{
	CHECK((unsigned)rd->keyword < REPLY_KW_COUNT);
	CHECK(strcmp(reply_keyword_name(rd->keyword), "?") != 0);
	CHECK(memchr(rd->lang, '\0', sizeof(rd->lang)));
	if (rd->keyword == REPLY_KW_LANG)
		CHECK(rd->lang[0] == '\0' || cat_has_lang(cat, rd->lang));
	else
		CHECK(rd->lang[0] == '\0');
	CHECK(!rd->has_status || (rd->status >= 1 && rd->status <= 4));
	CHECK(rd->has_status || (rd->status == 0 && !rd->status_from_number));
	if (rd->status_from_number)
		CHECK(rd->has_number && rd->number == rd->status);
	CHECK(rd->has_number ? rd->number >= 0 && rd->number <= REPLY_NUMBER_MAX
			     : rd->number == 0);
	CHECK(!(rd->yes && rd->no));
	CHECK(rd->empty == (rd->words == 0));
	CHECK(rd->words <= REPLY_MAX_TOKENS);
	if (rd->empty)
		CHECK(rd->keyword == REPLY_KW_NONE && !rd->has_status && !rd->has_number &&
		      !rd->yes && !rd->no);
}

static int
same_reading(const struct reply_reading *a, const struct reply_reading *b)
{
	return a->keyword == b->keyword && strcmp(a->lang, b->lang) == 0 &&
	       a->has_status == b->has_status && a->status == b->status &&
	       a->status_from_number == b->status_from_number && a->has_number == b->has_number &&
	       a->number == b->number && a->yes == b->yes && a->no == b->no &&
	       a->empty == b->empty && a->words == b->words;
}

/* Lowercase ASCII letters and digits in words separated by single spaces. */
static void
check_normal_form(const char *s, size_t n)
{
	CHECK(strlen(s) == n);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ');
		if (c == ' ')
			CHECK(i > 0 && i + 1 < n && s[i - 1] != ' ');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char norm[REPLY_NORM_MAX], again[REPLY_NORM_MAX];
	const char *const *langs;
	const char *text = (const char *)data;
	struct reply_reading first, rd, rn;

	load();
	size_t nlangs = cat_langs(cat, &langs);
	CHECK(nlangs >= 1 && nlangs <= CAT_MAX_LANGS);

	size_t nl = reply_normalize(text, size, norm, sizeof(norm));
	check_normal_form(norm, nl);
	size_t nl2 = reply_normalize(norm, nl, again, sizeof(again));
	CHECK(nl2 == nl && memcmp(norm, again, nl) == 0);

	/* langs[0..nlangs), then no language, then one that is no catalog's. */
	for (size_t l = 0; l < nlangs + 2; l++) {
		const char *lang = l < nlangs ? langs[l] : l == nlangs ? NULL : "zz";
		reply_read(reader, text, size, lang, &rd);
		check_reading(&rd);
		/* The normalized text, for two of the readers only: reading is the slow part. */
		if (l == 0 || l == nlangs) {
			reply_read(reader, norm, nl, lang, &rn);
			CHECK(same_reading(&rd, &rn));
		}
		if (l == 0) {
			first = rd;
			continue;
		}
		CHECK(rd.keyword == first.keyword && strcmp(rd.lang, first.lang) == 0);
		CHECK(rd.words == first.words && rd.empty == first.empty);
	}
	return 0;
}

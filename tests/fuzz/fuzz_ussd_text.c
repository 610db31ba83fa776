/*
 * fuzz_ussd_text — libFuzzer target for handlers/ussd_text.c. The input is split into the
 * previous hop's text and this hop's ("prev\ncur"; no newline: no previous hop stored; the
 * first byte after cur's NUL, if any, sizes the split buffers). ussd_text_derive() is checked
 * against the contract of ussd_text.h written out independently, and ussd_text_split()
 * against a plain count of stars: joining the parts with '*' gives the text back, and
 * deriving hop after hop over the joined prefixes yields each part as that hop's input.
 * A violated property aborts. Built and run by scripts/fuzz.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ussd_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                 \
	do {                                                                                     \
		if (!(x))                                                                        \
			abort();                                                                 \
	} while (0)

#define MAX_PARTS 64

/* ussd_text.h's rules, one by one. */
static enum ussd_hop
expected_hop(const char *prev, const char *cur, const char **input)
{
	size_t pl;
	*input = NULL;
	if (!prev)
		return cur[0] == '\0' ? USSD_HOP_START : USSD_HOP_REPLAY;
	if (strcmp(prev, cur) == 0)
		return USSD_HOP_REPEAT;
	if (prev[0] == '\0') {
		*input = cur;
		return USSD_HOP_INPUT;
	}
	pl = strlen(prev);
	if (strlen(cur) > pl && memcmp(cur, prev, pl) == 0 && cur[pl] == '*') {
		*input = cur + pl + 1;
		return USSD_HOP_INPUT;
	}
	return USSD_HOP_REPLAY;
}

static void
check_derive(const char *prev, const char *cur)
{
	const char *input = (const char *)1, *want;
	enum ussd_hop h = ussd_text_derive(prev, cur, &input);
	CHECK(h == expected_hop(prev, cur, &want));
	CHECK(input == want);
	CHECK(strcmp(ussd_hop_name(h), "?") != 0);
}

/* Splits cur with buffers of the given sizes and checks the parts. */
static void
check_split(const char *cur, size_t buflen, size_t max_parts)
{
	size_t len = strlen(cur), stars = 0, n = 99;
	const char *parts[MAX_PARTS];
	char *buf = malloc(buflen ? buflen : 1);
	char *joined = malloc(len + 1);
	CHECK(buf && joined);
	for (size_t i = 0; i < len; i++)
		stars += cur[i] == '*';

	int rc = ussd_text_split(cur, buf, buflen, parts, max_parts, &n);
	if (len == 0) {
		CHECK(rc == 0 && n == 0);
	} else if (len >= buflen || stars + 1 > max_parts) {
		CHECK(rc == -1); /* refused, never truncated */
	} else {
		CHECK(rc == 0 && n == stars + 1);
		/* The parts joined back with '*' are cur; none holds a star. */
		size_t o = 0;
		for (size_t i = 0; i < n; i++) {
			size_t pl = strlen(parts[i]);
			CHECK(parts[i] >= buf && parts[i] + pl < buf + buflen);
			CHECK(!strchr(parts[i], '*'));
			if (i)
				joined[o++] = '*';
			memcpy(joined + o, parts[i], pl);
			o += pl;
		}
		joined[o] = '\0';
		CHECK(o == len && strcmp(joined, cur) == 0);
		/* Replaying hop by hop: "" then p0, p0*p1, ... each hop brings the next part. */
		const char *in;
		enum ussd_hop h = ussd_text_derive("", parts[0], &in);
		CHECK(parts[0][0] ? h == USSD_HOP_INPUT && in == parts[0] : h == USSD_HOP_REPEAT);
		char *pre = malloc(len + 1), *next = malloc(len + 1);
		CHECK(pre && next);
		strcpy(pre, parts[0]);
		for (size_t i = 1; i < n; i++) {
			size_t pl = strlen(pre);
			memcpy(next, pre, pl);
			next[pl] = '*';
			strcpy(next + pl + 1, parts[i]);
			h = ussd_text_derive(pre, next, &in);
			CHECK(h == USSD_HOP_INPUT);
			/* After a hop of text "" the whole text is one input (it may hold '*'). */
			CHECK(in == (pl ? next + pl + 1 : next));
			strcpy(pre, next);
		}
		free(next);
		free(pre);
	}
	free(joined);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	CHECK(copy);
	memcpy(copy, data, size);
	copy[size] = '\0';

	char *nl = strchr(copy, '\n');
	const char *prev = NULL, *cur = copy;
	if (nl) {
		*nl = '\0';
		prev = copy;
		cur = nl + 1;
	}
	check_derive(prev, cur);
	check_derive(cur, cur);
	if (prev)
		check_derive(cur, prev); /* the other way round */
	check_derive(NULL, "");

	/* Buffer sizes: exact, one short, and from the byte after cur when there is one. */
	size_t len = strlen(cur), stars = 0;
	for (size_t i = 0; i < len; i++)
		stars += cur[i] == '*';
	size_t exact_parts = stars + 1 < MAX_PARTS ? stars + 1 : MAX_PARTS;
	check_split(cur, len + 1, exact_parts);
	check_split(cur, len, exact_parts);
	if (exact_parts > 1)
		check_split(cur, len + 1, exact_parts - 1);
	const char *after = cur + len;
	if ((size_t)(after - copy) + 1 < size) {
		uint8_t b = (uint8_t)after[1];
		check_split(cur, b, 1 + (b % MAX_PARTS));
	}
	free(copy);
	return 0;
}

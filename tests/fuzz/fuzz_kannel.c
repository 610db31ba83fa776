/*
 * fuzz_kannel — libFuzzer target for the Kannel adapter: query decoding, text conversion,
 * the get-url SMS and dlr-url parsers (query and form body), the sendsms request and the
 * reading of its answers. The first byte picks the function, the rest is its input. Beyond
 * "no crash" it checks properties that must hold for any input (texts come out as UTF-8, a
 * parsed phone is E.164, a report's status follows its type, the text and dlr-url of a send
 * decode back to what was meant) and traps when one fails.
 * Build and run (not part of the Makefile yet):
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Igateway -Ihandlers \
 *     tests/fuzz/fuzz_kannel.c handlers/kannel.c handlers/twilio.c handlers/africastalking.c \
 *     handlers/form.c handlers/registry.c handlers/console.c gateway/cfg.c gateway/log.c \
 *     gateway/gsm.c -levent -ljansson -linih -lcrypto -o /tmp/fuzz_kannel && \
 *     mkdir -p tests/fuzz/corpus-run/kannel && \
 *     /tmp/fuzz_kannel -max_total_time=30 tests/fuzz/corpus-run/kannel tests/fuzz/corpus/kannel
 * New inputs go to the first directory (ignored by git); tests/fuzz/corpus/kannel holds the
 * curated seeds (the fixtures of tests/data/kannel/ behind their selector byte).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "africastalking.h"
#include "form.h"
#include "gsm.h"
#include "kannel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                 \
	do {                                                                                     \
		if (!(x))                                                                        \
			__builtin_trap();                                                        \
	} while (0)

/* One conf for the whole run, from hand-filled section values (in the order of kannel.c's
 * option table). */
static agg_conf *
conf(void)
{
	static agg_conf *c;
	if (!c) {
		static char url[] = "http://127.0.0.1:13013/cgi-bin/sendsms", user[] = "fu";
		static char pw[] = "pw", from[] = "12345", smsc[] = "", pub[] = "http://h:8080";
		static char tok[] = "tok", mask[] = "27";
		char err[160];
		struct cfg_values v = {.section = &agg_kannel.section, .present = 1};
		v.str[0] = url, v.str[1] = user, v.str[2] = pw, v.str[3] = from, v.str[4] = smsc;
		v.str[5] = pub, v.str[6] = tok, v.str[7] = mask, v.num[7] = 27;
		c = agg_kannel.conf_new(&v, err, sizeof(err));
		CHECK(c);
	}
	return c;
}

static void
check_text(const char *s)
{
	CHECK(s && form_utf8_valid(s, strlen(s)));
}

static void
fuzz_query_get(const char *q, size_t n)
{
	static const char *const keys[] = {"text", "from", "id", "a"};
	for (size_t k = 0; k < 4; k++) {
		char *v;
		size_t len;
		int r = kannel_query_get(q, n, keys[k], &v, &len);
		CHECK(r >= -1 && r <= 1);
		CHECK((r == 1) == (v != NULL));
		if (v)
			CHECK(len < n && v[len] == '\0');
		free(v);
	}
}

static void
fuzz_text(uint8_t pick, const char *b, size_t n)
{
	static const char *const codings[] = {NULL, "0", "1", "2"};
	static const char *const charsets[] = {NULL, "UTF-8", "UTF-16BE", "ISO-8859-1",
					       "WINDOWS-1252", "8-BIT", "", "x"};
	char *out, err[160];
	if (kannel_text_to_utf8(b, n, codings[pick & 3], charsets[(pick >> 2) & 7], &out, err,
				sizeof(err)) == 0) {
		check_text(out);
		free(out);
	} else {
		CHECK(!out && err[0] && !strchr(err, '\n'));
	}
}

static void
fuzz_parsers(int dlr, const struct agg_request *rq)
{
	char err[160];
	struct agg_sms s;
	struct agg_dlr d;
	if (!dlr) {
		if (agg_kannel.parse_sms(rq, &s, err, sizeof(err)) == 0) {
			char again[32];
			CHECK(s.from[0] == '+' && at_normalize_phone(s.from, again, 32) == 0 &&
			      strcmp(again, s.from) == 0);
			check_text(s.text);
			check_text(s.id);
			CHECK(*s.id);
			CHECK(!s.received_at || strlen(s.received_at) == 20);
		} else {
			CHECK(err[0] && !s.id && !s.text && !s.from);
		}
		agg_sms_clear(&s);
	} else {
		if (agg_kannel.parse_dlr(rq, &d, err, sizeof(err)) == 0) {
			CHECK(*d.message_id && d.by_our_id && !d.opt_out);
			CHECK(d.status == kannel_dlr_status(strtol(d.raw_status, NULL, 10)));
			if (d.reason)
				check_text(d.reason);
		}
		agg_dlr_clear(&d);
	}
}

static void
fuzz_read_send(uint8_t pick, const char *body, size_t len)
{
	static const long statuses[] = {202, 200, 400, 403, 503, 500, 0, 302};
	struct agg_send_result r;
	agg_kannel.read_send(conf(), statuses[pick % 8], body, len, &r);
	CHECK(r.outcome <= AGG_SEND_OPTED_OUT && r.outcome != AGG_SEND_OPTED_OUT);
	CHECK(memchr(r.reason, 0, sizeof(r.reason)) && !strpbrk(r.reason, "\r\n"));
	CHECK(r.outcome == AGG_SEND_ACCEPTED || r.reason[0] != '\0');
}

/* The text parameter decodes to the transliterated text, or to its UTF-16BE with coding=2;
 * the dlr-url to ours, placeholders intact; the id is escaped inside it. */
static void
fuzz_build_send(const char *text, const char *id)
{
	char err[160], *v, *want;
	size_t len, wlen;
	struct agg_http h;
	struct agg_outmsg m = {id, "+250788123456", text, NULL};
	if (agg_kannel.build_send(conf(), &m, &h, err, sizeof(err)) != 0) {
		CHECK(!h.url);
		return;
	}
	const char *q = strchr(h.url, '?') + 1;
	CHECK(!strpbrk(h.url, " \r\n"));
	CHECK(kannel_query_get(q, strlen(q), "text", &v, &len) == 1);
	if (strstr(q, "&coding=2")) {
		want = (char *)gsm_to_utf16be(text, &wlen);
	} else {
		want = gsm_transliterate(text);
		wlen = strlen(want);
		CHECK(gsm_is_gsm7(want));
	}
	CHECK(len == wlen && memcmp(v, want, len) == 0);
	free(v), free(want);
	CHECK(kannel_query_get(q, strlen(q), "dlr-url", &v, &len) == 1);
	const char *dq = strchr(v, '?');
	CHECK(strncmp(v, "http://h:8080/cb/kannel/tok/delivery?", 37) == 0 && dq);
	char *got_id;
	CHECK(kannel_query_get(dq + 1, strlen(dq + 1), "id", &got_id, &len) == 1);
	CHECK(strcmp(got_id, id) == 0);
	CHECK(strstr(dq, "&type=%d&reply=%A"));
	free(got_id), free(v);
	agg_http_clear(&h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t which = data[0] % 8;
	data++, size--;
	char *body = malloc(size + 1);
	if (!body)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	struct agg_request rq = {.method = "GET", .path = "/cb/kannel/tok/sms", .query = body};
	switch (which) {
	case 0:
		fuzz_query_get(body, size);
		break;
	case 1:
		if (size > 0)
			fuzz_text((uint8_t)body[0], body + 1, size - 1);
		break;
	case 2:
	case 3:
		fuzz_parsers(which == 3, &rq);
		break;
	case 4:
		if (size > 0)
			fuzz_read_send((uint8_t)body[0], body + 1, size - 1);
		break;
	case 5: {
		/* "id\ntext": ids are ours, but nothing should break on an odd one. */
		char *nl = strchr(body, '\n');
		if (nl) {
			*nl = '\0';
			fuzz_build_send(nl + 1, body);
		} else {
			fuzz_build_send(body, "42");
		}
		break;
	}
	default:
		/* post-url with a form body. */
		rq.method = "POST", rq.query = NULL, rq.body = body, rq.body_len = size;
		rq.content_type = "application/x-www-form-urlencoded";
		fuzz_parsers(which == 7, &rq);
		break;
	}
	free(body);
	return 0;
}

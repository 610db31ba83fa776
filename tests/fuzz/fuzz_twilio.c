/*
 * fuzz_twilio — libFuzzer target for the Twilio adapter: both callback parsers (form POST and
 * GET query), signature checking, the send request and the reading of its answers. The first
 * byte picks the function, the rest is its input. Beyond "no crash" it checks properties that
 * must hold for any input (a parsed phone is E.164, texts are UTF-8, a request signed with the
 * right key verifies and one with a wrong signature does not, the Body sent decodes back to
 * the text) and traps when one fails.
 * Build and run (not part of the Makefile yet):
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Igateway -Ihandlers \
 *     tests/fuzz/fuzz_twilio.c handlers/twilio.c handlers/kannel.c handlers/africastalking.c \
 *     handlers/form.c handlers/registry.c handlers/console.c gateway/cfg.c gateway/log.c \
 *     gateway/gsm.c -levent -ljansson -linih -lcrypto -o /tmp/fuzz_twilio && \
 *     mkdir -p tests/fuzz/corpus-run/twilio && \
 *     /tmp/fuzz_twilio -max_total_time=30 tests/fuzz/corpus-run/twilio tests/fuzz/corpus/twilio
 * New inputs go to the first directory (ignored by git); tests/fuzz/corpus/twilio holds the
 * curated seeds (the fixtures of tests/data/twilio/ behind their selector byte).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "africastalking.h"
#include "form.h"
#include "twilio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                 \
	do {                                                                                     \
		if (!(x))                                                                        \
			__builtin_trap();                                                        \
	} while (0)

#define KEY "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
#define PUBLIC "https://sms.example.org"
#define PATH "/cb/twilio/tok/sms"

/* One conf for the whole run, from hand-filled section values (in the order of twilio.c's
 * option table), sparing the fuzzer the config file machinery. */
static agg_conf *
conf(void)
{
	static agg_conf *c;
	if (!c) {
		static char sid[] = "AC0123", auth[] = KEY, from[] = "+14155550123", mss[] = "";
		static char base[] = "http://127.0.0.1:9", pub[] = PUBLIC "/", tok[] = "tok";
		static char yes[] = "yes";
		char err[160];
		struct cfg_values v = {.section = &agg_twilio.section, .present = 1};
		v.str[0] = sid, v.str[1] = auth, v.str[2] = from, v.str[3] = mss;
		v.str[4] = base, v.str[5] = pub, v.str[6] = tok, v.str[7] = yes, v.num[7] = 1;
		c = agg_twilio.conf_new(&v, err, sizeof(err));
		CHECK(c);
	}
	return c;
}

static void
check_phone(const char *p)
{
	char again[32];
	CHECK(p && p[0] == '+');
	CHECK(at_normalize_phone(p, again, sizeof(again)) == 0 && strcmp(again, p) == 0);
}

static void
check_text(const char *s)
{
	CHECK(s && form_utf8_valid(s, strlen(s)));
}

static const char *
header(const void *ctx, const char *name)
{
	return ctx;
}

static void
fuzz_parsers(int which, const struct agg_request *rq)
{
	char err[160];
	struct agg_sms s;
	struct agg_dlr d;
	if (which == 0) {
		if (agg_twilio.parse_sms(rq, &s, err, sizeof(err)) == 0) {
			check_phone(s.from);
			check_text(s.text);
			CHECK(*s.id && !s.received_at);
		} else {
			CHECK(err[0] && !strchr(err, '\n') && !s.id && !s.text);
		}
		agg_sms_clear(&s);
	} else {
		if (agg_twilio.parse_dlr(rq, &d, err, sizeof(err)) == 0) {
			CHECK(*d.message_id && *d.raw_status && !d.by_our_id);
			CHECK(d.status == twilio_dlr_status(d.raw_status));
			CHECK(!d.opt_out || strcmp(d.reason, "21610") == 0);
		}
		agg_dlr_clear(&d);
	}
}

/* The right signature verifies whenever the body is a form at all; a changed one never. */
static void
fuzz_verify(struct agg_request *rq)
{
	char err[160], sig[64];
	struct form f;
	if (form_parse(rq->body, rq->body_len, &f, err, sizeof(err)) != 0) {
		rq->header_ctx = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
		CHECK(agg_twilio.verify(conf(), rq, err, sizeof(err)) == -1);
		form_clear(&f);
		return;
	}
	CHECK(twilio_signature(KEY, PUBLIC PATH, &f, sig, sizeof(sig)) == 0);
	CHECK(strlen(sig) == 28);
	form_clear(&f);
	rq->header_ctx = sig;
	CHECK(agg_twilio.verify(conf(), rq, err, sizeof(err)) == 0);
	sig[3] = sig[3] == 'x' ? 'y' : 'x';
	CHECK(agg_twilio.verify(conf(), rq, err, sizeof(err)) == -1);
	rq->header_ctx = NULL;
	CHECK(agg_twilio.verify(conf(), rq, err, sizeof(err)) == -1);
}

static void
fuzz_read_send(uint8_t pick, const char *body, size_t len)
{
	static const long statuses[] = {201, 200, 400, 401, 429, 500, 0, 302};
	struct agg_send_result r;
	agg_twilio.read_send(conf(), statuses[pick % 8], body, len, &r);
	CHECK(r.outcome <= AGG_SEND_OPTED_OUT);
	CHECK(memchr(r.id, 0, sizeof(r.id)) && memchr(r.cost, 0, sizeof(r.cost)));
	CHECK(memchr(r.reason, 0, sizeof(r.reason)));
	CHECK(r.outcome == AGG_SEND_ACCEPTED ? r.id[0] != '\0' : r.reason[0] != '\0');
	CHECK(!strpbrk(r.reason, "\r\n"));
}

static void
fuzz_build_send(const char *text)
{
	char err[160];
	struct agg_http h;
	struct form f;
	struct agg_outmsg m = {"1", "+250788123456", text, NULL};
	if (agg_twilio.build_send(conf(), &m, &h, err, sizeof(err)) == 0) {
		CHECK(form_parse(h.body, strlen(h.body), &f, err, sizeof(err)) == 0);
		CHECK(strcmp(form_get(&f, "Body"), text) == 0);
		CHECK(strcmp(form_get(&f, "To"), "+250788123456") == 0);
		CHECK(form_get(&f, "StatusCallback") != NULL);
		form_clear(&f);
	} else {
		CHECK(!h.body && !h.url && err[0]);
	}
	agg_http_clear(&h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t which = data[0] % 6;
	data++, size--;
	/* As the HTTP layer hands it over: a NUL-terminated copy that may hold other NULs. */
	char *body = malloc(size + 1);
	if (!body)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	struct agg_request rq = {.method = "POST", .path = PATH,
				 .content_type = "application/x-www-form-urlencoded",
				 .body = body, .body_len = size, .header = header};
	switch (which) {
	case 0:
	case 1:
		fuzz_parsers(which, &rq);
		break;
	case 2:
		fuzz_verify(&rq);
		break;
	case 3:
		if (size > 0)
			fuzz_read_send((uint8_t)body[0], body + 1, size - 1);
		break;
	case 4:
		fuzz_build_send(body);
		break;
	default:
		/* Twilio told to use GET: the same fields in the query. */
		rq.method = "GET", rq.query = body, rq.body = NULL, rq.body_len = 0;
		fuzz_parsers(body[0] & 1, &rq);
		break;
	}
	free(body);
	return 0;
}

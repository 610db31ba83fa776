/*
 * fuzz_at — libFuzzer target for every Africa's Talking parser, form decoding and USSD text
 * derivation. The first byte picks the function, the rest is its input. Beyond "no crash",
 * it checks properties that must hold for any input (a parsed phone is E.164 and normalizes
 * to itself, decoded fields are UTF-8 and re-encode to themselves) and traps when one fails.
 * Built and run by scripts/fuzz.sh (make fuzz); tests/fuzz/corpus/at holds the curated seeds
 * (the fixtures of tests/data/at/ behind their selector byte).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "africastalking.h"
#include "form.h"
#include "ussd_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                 \
	do {                                                                                     \
		if (!(x))                                                                        \
			__builtin_trap();                                                        \
	} while (0)

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

/* Decoding, re-encoding and decoding again gives the same pairs. */
static void
fuzz_form(const char *body, size_t len)
{
	struct form f, g;
	char err[160];
	char *buf = NULL;
	size_t blen = 0;
	if (form_parse(body, len, &f, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < f.n; i++) {
			check_text(f.fields[i].key);
			check_text(f.fields[i].value);
			CHECK(form_append(&buf, &blen, f.fields[i].key, f.fields[i].value) == 0);
		}
		CHECK(form_parse(buf ? buf : "", blen, &g, err, sizeof(err)) == 0);
		CHECK(g.n == f.n);
		for (size_t i = 0; i < f.n; i++) {
			CHECK(strcmp(f.fields[i].key, g.fields[i].key) == 0);
			CHECK(strcmp(f.fields[i].value, g.fields[i].value) == 0);
		}
		form_clear(&g);
		free(buf);
	} else {
		CHECK(err[0] && !strchr(err, '\n'));
	}
	form_clear(&f);
}

static void
fuzz_callbacks(int which, const struct agg_request *rq)
{
	char err[160];
	struct agg_ussd u;
	struct agg_ussd_end e;
	struct agg_sms s;
	struct agg_dlr d;
	switch (which) {
	case 1:
		if (at_parse_ussd(rq, &u, err, sizeof(err)) == 0) {
			check_phone(u.phone);
			check_text(u.text);
			CHECK(*u.session_id && *u.service_code);
		}
		agg_ussd_clear(&u);
		break;
	case 2:
		if (at_parse_ussd_end(rq, &e, err, sizeof(err)) == 0) {
			CHECK(*e.session_id && e.hops >= -1 && e.duration_ms >= -1);
			if (e.phone)
				check_phone(e.phone);
		}
		agg_ussd_end_clear(&e);
		break;
	case 3:
		if (at_parse_sms(rq, &s, err, sizeof(err)) == 0) {
			check_phone(s.from);
			check_text(s.text);
			CHECK(*s.id);
			CHECK(!s.received_at || strlen(s.received_at) == 20);
		}
		agg_sms_clear(&s);
		break;
	default:
		if (at_parse_dlr(rq, &d, err, sizeof(err)) == 0) {
			CHECK(*d.message_id && d.raw_status);
			CHECK(d.status == at_dlr_status(d.raw_status));
			CHECK(!d.opt_out || d.reason);
		}
		agg_dlr_clear(&d);
		break;
	}
}

static void
fuzz_read_send(uint8_t pick, const char *body, size_t len)
{
	static const long statuses[] = {201, 200, 401, 429, 500, 0, 400, 302};
	struct agg_send_result r;
	agg_africastalking.read_send(NULL, statuses[pick % 8], body, len, &r);
	CHECK(r.outcome <= AGG_SEND_OPTED_OUT);
	CHECK(memchr(r.id, 0, sizeof(r.id)) && memchr(r.cost, 0, sizeof(r.cost)));
	CHECK(memchr(r.reason, 0, sizeof(r.reason)));
	CHECK(r.outcome == AGG_SEND_ACCEPTED ? r.id[0] != '\0' : r.reason[0] != '\0');
}

/* body is "prev\ncur" (no newline: prev NULL). */
static void
fuzz_ussd_text(char *body)
{
	char *nl = strchr(body, '\n');
	const char *prev = NULL, *cur = body, *input;
	char buf[256];
	const char *parts[32];
	size_t n;
	if (nl) {
		*nl = '\0';
		prev = body, cur = nl + 1;
	}
	enum ussd_hop h = ussd_text_derive(prev, cur, &input);
	CHECK(h < USSD_HOP_COUNT);
	CHECK((h == USSD_HOP_INPUT) == (input != NULL));
	if (input)
		CHECK(input >= cur && input <= cur + strlen(cur));
	if (ussd_text_split(cur, buf, sizeof(buf), parts, 32, &n) == 0)
		CHECK(n <= 32 && (n == 0) == (*cur == '\0'));
}

/* A conf for build_send, made once: the hand-filled section values spare the fuzzer the
 * config file machinery. */
static void
fuzz_build_send(const char *text)
{
	static agg_conf *conf;
	char err[160], phone[32];
	struct agg_http h;
	if (!conf) {
		static char user[] = "sandbox", key[] = "KEY", url[] = "http://127.0.0.1:9/";
		static char sender[] = "FOLLOWUP", token[] = "t";
		struct cfg_values v = {.section = &agg_africastalking.section, .present = 1};
		v.str[0] = user, v.str[1] = key, v.str[2] = url, v.str[3] = sender;
		v.str[4] = token;
		conf = agg_africastalking.conf_new(&v, err, sizeof(err));
		CHECK(conf);
	}
	struct agg_outmsg m = {"1", "+254712345678", text, NULL};
	if (agg_africastalking.build_send(conf, &m, &h, err, sizeof(err)) == 0) {
		struct form f;
		CHECK(form_parse(h.body, strlen(h.body), &f, err, sizeof(err)) == 0);
		CHECK(strcmp(form_get(&f, "message"), text) == 0);
		form_clear(&f);
	}
	agg_http_clear(&h);
	/* The same bytes as a phone number and a date. */
	if (at_normalize_phone(text, phone, sizeof(phone)) == 0)
		check_phone(phone);
	char when[24];
	if (at_parse_date(text, when, sizeof(when)) == 0)
		CHECK(strlen(when) == 20 && when[19] == 'Z');
	struct agg_ussd_answer a = {text[0] & 1, text};
	char screen[200];
	const char *ct;
	if (at_format_ussd(&a, screen, sizeof(screen), &ct) == 0)
		CHECK(strncmp(screen, a.end ? "END " : "CON ", 4) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t which = data[0] % 8;
	data++, size--;
	/* As the HTTP layer hands it over: a NUL-terminated copy that may hold other NULs. */
	char *body = malloc(size + 1);
	if (!body)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	struct agg_request rq = {.method = "POST", .path = "/cb/africastalking/t/x",
				 .content_type = "application/x-www-form-urlencoded",
				 .body = body, .body_len = size};
	switch (which) {
	case 0:
		fuzz_form(body, size);
		break;
	case 1:
	case 2:
	case 3:
	case 4:
		fuzz_callbacks(which, &rq);
		break;
	case 5:
		if (size > 0)
			fuzz_read_send((uint8_t)body[0], body + 1, size - 1);
		break;
	case 6:
		fuzz_ussd_text(body);
		break;
	default:
		fuzz_build_send(body);
		break;
	}
	free(body);
	return 0;
}

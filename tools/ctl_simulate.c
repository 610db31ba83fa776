/*
 * followupctl simulate — a phone in the terminal, speaking Africa's Talking's callback
 * protocol to a running followupd, like the aggregators' web simulators:
 *   simulate ussd --url URL --phone E164 [--code SERVICE_CODE] [--input "1*2*3"]
 *   simulate sms  --url URL --from E164 TEXT
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

struct buf {
	char *p;
	size_t n;
};

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct buf *b = user;
	size_t n = size * nmemb;
	char *p = realloc(b->p, b->n + n + 1);
	if (!p)
		return 0;
	memcpy(p + b->n, ptr, n);
	b->p = p;
	b->n += n;
	p[b->n] = '\0';
	return n;
}

/* Appends "&key=value" (form-encoded) to a growing body. */
static void
field(CURL *c, char *body, size_t len, const char *key, const char *value)
{
	char *enc = curl_easy_escape(c, value, 0);
	size_t used = strlen(body);
	snprintf(body + used, len - used, "%s%s=%s", used ? "&" : "", key, enc ? enc : "");
	curl_free(enc);
}

/* POSTs a form; returns the HTTP status (0 on a transport error) and the answer in *out. */
static long
post(const char *url, const char *form, char **out, char *err, size_t errlen)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/x-www-form-"
						       "urlencoded; charset=UTF-8");
	struct buf b = {calloc(1, 1), 0};
	long status = 0;
	CURLcode rc;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	*out = b.p;
	return status;
}

static const char *
opt(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static int
simulate_ussd(int argc, char **argv)
{
	const char *url = opt(argc, argv, "--url"), *phone = opt(argc, argv, "--phone");
	const char *code = opt(argc, argv, "--code"), *script = opt(argc, argv, "--input");
	char session[64], text[2048] = "", line[512], err[256] = "";
	const char *next = script;
	int interactive = script == NULL;

	if (!url || !phone) {
		fprintf(stderr, "usage: followupctl simulate ussd --url URL --phone E164 "
				"[--code SERVICE_CODE] [--input \"1*2*3\"]\n");
		return CTL_USAGE;
	}
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	snprintf(session, sizeof(session), "ATUid_sim_%08x%04x", (unsigned)rand(),
		 (unsigned)getpid() & 0xffff);
	for (int hop = 0; hop < 64; hop++) {
		char form[4096] = "", *answer = NULL;
		CURL *enc = curl_easy_init();
		field(enc, form, sizeof(form), "sessionId", session);
		field(enc, form, sizeof(form), "serviceCode", code ? code : "*384*1#");
		field(enc, form, sizeof(form), "phoneNumber", phone);
		field(enc, form, sizeof(form), "networkCode", "99999");
		field(enc, form, sizeof(form), "text", text);
		curl_easy_cleanup(enc);
		long st = post(url, form, &answer, err, sizeof(err));
		if (st != 200) {
			ctl_fail("USSD callback answered %ld%s%s%s", st, err[0] ? " (" : "", err,
				 err[0] ? ")" : "");
			if (answer && *answer)
				fprintf(stderr, "%s", answer);
			free(answer);
			return CTL_USER;
		}
		int end = strncmp(answer, "END", 3) == 0;
		if (!end && strncmp(answer, "CON", 3) != 0) {
			ctl_fail("not a USSD answer: %.60s", answer);
			free(answer);
			return CTL_USER;
		}
		printf("%s%s\n%s\n", hop ? "\n" : "", "+------------------------------",
		       answer + (answer[3] == ' ' ? 4 : 3));
		printf("+------------------------------ %s (%zu characters)\n",
		       end ? "END" : "CON", strlen(answer + (answer[3] == ' ' ? 4 : 3)));
		free(answer);
		if (end)
			return CTL_OK;
		/* The next input: from the script, or typed. */
		if (interactive) {
			printf("> ");
			fflush(stdout);
			if (!fgets(line, sizeof(line), stdin)) {
				printf("\n(session left open: the phone hung up)\n");
				return CTL_OK;
			}
			line[strcspn(line, "\r\n")] = '\0';
		} else {
			if (!*next) {
				printf("\n(inputs exhausted; session left open)\n");
				return CTL_OK;
			}
			size_t n = strcspn(next, "*");
			snprintf(line, sizeof(line), "%.*s", (int)n, next);
			next += n;
			if (*next == '*')
				next++;
			else
				next = "";
			printf("> %s\n", line);
		}
		size_t used = strlen(text);
		snprintf(text + used, sizeof(text) - used, "%s%s", hop ? "*" : "", line);
	}
	return ctl_fail("more than 64 hops; stopping");
}

static int
simulate_sms(int argc, char **argv)
{
	const char *url = opt(argc, argv, "--url"), *from = opt(argc, argv, "--from");
	const char *to = opt(argc, argv, "--to"), *msg = NULL;
	char form[8192] = "", id[64], date[32], err[256] = "", *answer = NULL;
	time_t now = time(NULL);
	struct tm tm;

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) == 0 && i + 1 < argc) {
			i++;
			continue;
		}
		msg = argv[i];
	}
	if (!url || !from || !msg) {
		fprintf(stderr, "usage: followupctl simulate sms --url URL --from E164 [--to CODE] "
				"TEXT\n");
		return CTL_USAGE;
	}
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	snprintf(id, sizeof(id), "sim-%08x-%04x-%08x", (unsigned)rand(),
		 (unsigned)getpid() & 0xffff, (unsigned)rand());
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	CURL *enc = curl_easy_init();
	field(enc, form, sizeof(form), "from", from);
	field(enc, form, sizeof(form), "to", to ? to : "12345");
	field(enc, form, sizeof(form), "text", msg);
	field(enc, form, sizeof(form), "id", id);
	field(enc, form, sizeof(form), "date", date);
	field(enc, form, sizeof(form), "networkCode", "99999");
	curl_easy_cleanup(enc);
	long st = post(url, form, &answer, err, sizeof(err));
	printf("%ld %s\n", st, st ? "" : err);
	if (answer && *answer)
		printf("%s%s", answer, answer[strlen(answer) - 1] == '\n' ? "" : "\n");
	free(answer);
	return st >= 200 && st < 300 ? CTL_OK : CTL_USER;
}

int
ctl_cmd_simulate(const struct ctl_opts *o, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "ussd") == 0)
		return simulate_ussd(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "sms") == 0)
		return simulate_sms(argc - 1, argv + 1);
	fprintf(stderr, "usage: followupctl simulate ussd|sms ...\n");
	return CTL_USAGE;
}

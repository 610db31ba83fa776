/*
 * bare_curl — the outbound baseline: N form POSTs shaped like an Africa's Talking send (same
 * headers and body fields as followupd's adapter) through one libcurl multi handle with C
 * transfers in flight, easy handles reused so connections stay open. No database, no JSON
 * reading beyond the status: the most a sender can do against the same mock.
 *
 *   bare_curl URL N C       prints "requests=N ok=K seconds=S rate=R"
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	return size * n;
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct xfer {
	CURL *e;
	char body[256];
};

/* Points x at request number i and adds it to the multi handle. */
static void
start(CURLM *m, struct xfer *x, long i)
{
	snprintf(x->body, sizeof(x->body),
		 "username=sandbox&to=%%2B2507885%05ld&message=Bench+message+%ld", i % 100000, i);
	curl_easy_setopt(x->e, CURLOPT_POSTFIELDS, x->body);
	curl_multi_add_handle(m, x->e);
}

int
main(int argc, char **argv)
{
	long n, c, started = 0, done = 0, ok = 0;
	struct curl_slist *hdr = NULL;
	struct xfer *xs;
	CURLM *m;
	double t0;
	int running = 0;

	if (argc != 4 || (n = atol(argv[2])) <= 0 || (c = atol(argv[3])) <= 0) {
		fprintf(stderr, "usage: bare_curl URL N C\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, c);
	hdr = curl_slist_append(hdr, "apiKey: bench");
	hdr = curl_slist_append(hdr, "Accept: application/json");
	hdr = curl_slist_append(hdr, "Content-Type: application/x-www-form-urlencoded");
	xs = calloc((size_t)c, sizeof(*xs));
	for (long k = 0; k < c; k++) {
		xs[k].e = curl_easy_init();
		curl_easy_setopt(xs[k].e, CURLOPT_URL, argv[1]);
		curl_easy_setopt(xs[k].e, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(xs[k].e, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(xs[k].e, CURLOPT_TIMEOUT_MS, 15000L);
		curl_easy_setopt(xs[k].e, CURLOPT_PRIVATE, &xs[k]);
	}
	t0 = now_s();
	for (long k = 0; k < c && started < n; k++)
		start(m, &xs[k], started++);
	while (done < n) {
		CURLMsg *msg;
		int left;
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct xfer *x;
			long status = 0;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
			ok += msg->data.result == CURLE_OK && status == 201;
			done++;
			curl_multi_remove_handle(m, x->e);
			if (started < n)
				start(m, x, started++);
		}
		if (done < n)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	double dt = now_s() - t0;
	printf("requests=%ld ok=%ld seconds=%.3f rate=%.0f\n", n, ok, dt, (double)n / dt);
	for (long k = 0; k < c; k++)
		curl_easy_cleanup(xs[k].e);
	free(xs);
	curl_slist_free_all(hdr);
	curl_multi_cleanup(m);
	curl_global_cleanup();
	return ok == n ? 0 : 1;
}

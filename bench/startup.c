/*
 * startup — time from exec to the first 200 from /readyz, several times: forks and execs the
 * command, asks GET URL every millisecond (a refused connection costs microseconds), then
 * stops the process with SIGTERM and waits for it before the next start.
 *
 *   startup N URL COMMAND [ARGS...]     prints "starts=N median_ms=M min_ms=A max_ms=B"
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	return size * n;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One start; returns ms to the first 200, or -1 when the process died or 10 s passed. */
static double
one_start(const char *url, char **cmd)
{
	CURL *e = curl_easy_init();
	double t0 = now_ms(), t = -1;
	int st;
	pid_t pid;

	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 1000L);
	pid = fork();
	if (pid == 0) {
		execv(cmd[0], cmd);
		_exit(127);
	}
	while (now_ms() - t0 < 10000) {
		long code = 0;
		if (curl_easy_perform(e) == CURLE_OK &&
		    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code == 200) {
			t = now_ms() - t0;
			break;
		}
		if (waitpid(pid, &st, WNOHANG) == pid) {
			pid = -1;
			break;
		}
		usleep(1000);
	}
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, &st, 0);
	}
	curl_easy_cleanup(e);
	return t;
}

int
main(int argc, char **argv)
{
	int n = argc > 3 ? atoi(argv[1]) : 0;
	double *v;

	if (n <= 0) {
		fprintf(stderr, "usage: startup N URL COMMAND [ARGS...]\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	v = calloc((size_t)n, sizeof(double));
	for (int i = 0; i < n; i++) {
		v[i] = one_start(argv[2], argv + 3);
		if (v[i] < 0) {
			fprintf(stderr, "startup: start %d never became ready\n", i + 1);
			return 1;
		}
	}
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	printf("starts=%d median_ms=%.1f min_ms=%.1f max_ms=%.1f\n", n, v[n / 2], v[0], v[n - 1]);
	free(v);
	curl_global_cleanup();
	return 0;
}

/* th — integration test harness; see th.h. */
#include "th.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *
bin_dir(void)
{
	const char *b = getenv("FOLLOWUP_BIN");
	return b && *b ? b : ".";
}

double
th_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n = 0, cap = 4096;
	if (!f)
		return NULL;
	buf = malloc(cap);
	for (;;) {
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
		if (cap - n - 1 == 0)
			buf = realloc(buf, cap *= 2);
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
}

int
th_run(const struct th_pg *pg, char **out, char **err, const char *fmt, ...)
{
	char cmd[8192], full[9000], o[64] = "/tmp/th-out.XXXXXX", e[64] = "/tmp/th-err.XXXXXX";
	va_list ap;
	int fo = mkstemp(o), fe = mkstemp(e), st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	close(fo), close(fe);
	if (pg)
		snprintf(full, sizeof(full), "export FOLLOWUP_DB='%s'; (%s) >%s 2>%s", pg->conninfo,
			 cmd, o, e);
	else
		snprintf(full, sizeof(full), "(%s) >%s 2>%s", cmd, o, e);
	st = system(full);
	if (out)
		*out = slurp(o);
	if (err)
		*err = slurp(e);
	unlink(o), unlink(e);
	if (st == -1)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int
th_pg_start(struct th_pg *pg)
{
	char *err = NULL;
	memset(pg, 0, sizeof(*pg));
	snprintf(pg->dir, sizeof(pg->dir), "/tmp/followup-th.XXXXXX");
	if (!mkdtemp(pg->dir))
		return -1;
	chmod(pg->dir, 0755); /* the postgres user must enter it when we are root */
	pg->port = 20000 + (int)(getpid() % 20000);
	snprintf(pg->conninfo, sizeof(pg->conninfo),
		 "host=%s/data port=%d user=postgres dbname=followup connect_timeout=5", pg->dir,
		 pg->port);
	if (th_run(NULL, NULL, &err, "./scripts/pg.sh init %s/data && PG_FSYNC=off "
				      "./scripts/pg.sh start %s/data %d && "
				      "/usr/lib/postgresql/15/bin/createdb -h %s/data -p %d -U "
				      "postgres followup",
		   pg->dir, pg->dir, pg->port, pg->dir, pg->port) != 0) {
		fprintf(stderr, "th_pg_start: %s\n", err ? err : "?");
		free(err);
		return -1;
	}
	free(err);
	return 0;
}

/* Daemons started and not yet stopped: a failed assertion skips th_daemon_stop(), and the
 * teardown must not leave them running. */
static pid_t started[64];

static void
remember(pid_t pid, int add)
{
	for (size_t i = 0; i < sizeof(started) / sizeof(started[0]); i++) {
		if (add && started[i] == 0) {
			started[i] = pid;
			return;
		}
		if (!add && started[i] == pid) {
			started[i] = 0;
			return;
		}
	}
}

int
th_pg_stop(struct th_pg *pg)
{
	return th_run(NULL, NULL, NULL, "./scripts/pg.sh stop %s/data", pg->dir);
}

int
th_pg_resume(struct th_pg *pg)
{
	return th_run(NULL, NULL, NULL, "PG_FSYNC=off ./scripts/pg.sh start %s/data %d", pg->dir,
		      pg->port);
}

void
th_pg_destroy(struct th_pg *pg)
{
	for (size_t i = 0; i < sizeof(started) / sizeof(started[0]); i++) {
		if (started[i] > 0) {
			kill(started[i], SIGKILL);
			waitpid(started[i], NULL, 0);
			started[i] = 0;
		}
	}
	if (!pg->dir[0])
		return;
	th_pg_stop(pg);
	th_run(NULL, NULL, NULL, "rm -rf %s %s/data.initdb.log", pg->dir, pg->dir);
	pg->dir[0] = '\0';
}

PGconn *
th_pg_connect(const struct th_pg *pg)
{
	PGconn *db = PQconnectdb(pg->conninfo);
	if (PQstatus(db) != CONNECTION_OK) {
		fprintf(stderr, "th_pg_connect: %s", PQerrorMessage(db));
		PQfinish(db);
		return NULL;
	}
	PQclear(PQexec(db, "SET client_min_messages = warning"));
	PQclear(PQexec(db, "SET search_path = followup, public"));
	return db;
}

int
th_migrate(const struct th_pg *pg)
{
	char *out = NULL, *err = NULL;
	int st = th_run(pg, &out, &err, "%s/followupctl migrate", bin_dir());
	if (st != 0)
		fprintf(stderr, "migrate: %s%s", out ? out : "", err ? err : "");
	free(out), free(err);
	return st;
}

char *
th_sql_value(PGconn *db, const char *sql)
{
	PGresult *r = PQexec(db, sql);
	char *v = NULL;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
		v = strdup(PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0));
	else if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fprintf(stderr, "th_sql_value: %s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	return v;
}

int
th_sql_exec(PGconn *db, const char *sql)
{
	PGresult *r = PQexec(db, sql);
	ExecStatusType s = PQresultStatus(r);
	int rc = (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) ? 0 : -1;
	if (rc)
		fprintf(stderr, "th_sql_exec: %s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	return rc;
}

int
th_free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

int
th_daemon_start(struct th_daemon *d, const struct th_pg *pg, int port, const char *extra_conf)
{
	char cwd[1024];
	FILE *f;

	memset(d, 0, sizeof(*d));
	d->port = port > 0 ? port : th_free_port();
	snprintf(d->base, sizeof(d->base), "http://127.0.0.1:%d", d->port);
	static int seq;
	seq++;
	snprintf(d->conf, sizeof(d->conf), "%s/followupd-%d-%d.conf", pg->dir, d->port, seq);
	snprintf(d->log, sizeof(d->log), "%s/followupd-%d-%d.log", pg->dir, d->port, seq);
	if (!getcwd(cwd, sizeof(cwd)) || !(f = fopen(d->conf, "w")))
		return -1;
	fprintf(f,
		"[server]\nlisten = 127.0.0.1:%d\n"
		"[database]\nconninfo = %s\npool_size = 2\nquery_timeout_ms = 1500\n"
		"reconnect_max_ms = 300\n"
		"[messages]\ndir = %s/config/messages\n"
		"%s"
		"[console]\noutbox_file = %s/outbox-%d.log\ncallback_token = test-token\n"
		"%s\n",
		d->port, pg->conninfo, cwd,
		/* A test that chooses the aggregator writes its own [sms] section. */
		extra_conf && strstr(extra_conf, "[sms]") ? "" : "[sms]\naggregator = console\n",
		pg->dir, d->port, extra_conf ? extra_conf : "");
	fclose(f);

	d->pid = fork();
	if (d->pid < 0)
		return -1;
	if (d->pid == 0) {
		char exe[1100];
		int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 2);
			dup2(fd, 1);
			close(fd);
		}
		snprintf(exe, sizeof(exe), "%s/followupd", bin_dir());
		execl(exe, "followupd", "-c", d->conf, (char *)NULL);
		_exit(127);
	}
	remember(d->pid, 1);
	for (int i = 0; i < 200; i++) {
		int st;
		char url[128], mark[64], *text;
		snprintf(url, sizeof(url), "%s/healthz", d->base);
		/* Another process may already answer on a shared port: wait for our own line. */
		snprintf(mark, sizeof(mark), "msg=\"listening\" addr=127.0.0.1:%d", d->port);
		text = th_daemon_log(d);
		int mine = text && strstr(text, mark);
		free(text);
		if (mine && th_http("GET", url, NULL, NULL, NULL) == 200)
			return 0;
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			remember(d->pid, 0);
			char *log = th_daemon_log(d);
			fprintf(stderr, "followupd exited at start:\n%s\n", log ? log : "");
			free(log);
			d->pid = 0;
			return -1;
		}
		usleep(25000);
	}
	return -1;
}

int
th_daemon_stop(struct th_daemon *d, int sig)
{
	int st;
	if (d->pid <= 0)
		return -1;
	kill(d->pid, sig);
	for (int i = 0; i < 400; i++) {
		pid_t r = waitpid(d->pid, &st, WNOHANG);
		if (r == d->pid) {
			remember(d->pid, 0);
			d->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		usleep(25000);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &st, 0);
	remember(d->pid, 0);
	d->pid = 0;
	return -1;
}

char *
th_daemon_log(const struct th_daemon *d)
{
	return slurp(d->log);
}

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
	b->p[b->n] = '\0';
	return n;
}

long
th_http_timed(const char *method, const char *url, const char *body, const char *content_type,
	      char **resp, double *ms)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct buf b = {calloc(1, 1), 0};
	long status = 0;
	double t0 = th_now_ms();

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (content_type) {
		char line[256];
		snprintf(line, sizeof(line), "Content-Type: %s", content_type);
		h = curl_slist_append(h, line);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (ms)
		*ms = th_now_ms() - t0;
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (resp)
		*resp = b.p;
	else
		free(b.p);
	return status;
}

long
th_http(const char *method, const char *url, const char *body, const char *content_type,
	char **resp)
{
	return th_http_timed(method, url, body, content_type, resp, NULL);
}

/* spool — durable local spool of callbacks the database could not take; see spool.h. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aggregator.h"
#include "app.h"
#include "http_client.h"
#include "log.h"
#include "metrics.h"

#define SPOOL_MAX_RECORD (1 << 20)

struct spool {
	struct app *app;
	char *dir;
	char secret[33];
	struct hc_client *http;
	struct hc_handle *inflight;
	struct event *timer;
	char current[512];        /* the record being replayed */
	unsigned seq;
	int backoff_ms, stopping;
	size_t pending;
};

static struct metrics_counter m_saved = {"followup_spool_total", "Callbacks spooled to disk"
				       " and replayed.", "event=\"saved\"", 0, NULL};
static struct metrics_counter m_replayed = {"followup_spool_total", "Callbacks spooled to disk"
					  " and replayed.", "event=\"replayed\"", 0, NULL};

static int
mkdir_p(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0750) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0750) < 0 && errno != EEXIST ? -1 : 0;
}

static int
fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The oldest record in new/ into out; 1 found, 0 none. Counts them into s->pending. */
static int
oldest(struct spool *s, char *out, size_t len)
{
	char path[4096];
	DIR *d;
	struct dirent *e;
	char *best = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/new", s->dir);
	if (!(d = opendir(path)))
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		if (!best || strcmp(e->d_name, best) < 0) {
			free(best);
			best = strdup(e->d_name);
		}
	}
	closedir(d);
	s->pending = n;
	if (!best)
		return 0;
	snprintf(out, len, "%s", best);
	free(best);
	return 1;
}

static void arm(struct spool *s, int ms);

int
spool_save(struct spool *s, const char *aggregator, const char *kind, const char *content_type,
	   const char *query, const char *body, size_t len)
{
	char tmp[4096], dst[4096], name[128];
	struct timespec ts;
	FILE *f;
	int ok;

	if (!s || len > SPOOL_MAX_RECORD)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* Sortable names: replay in arrival order, across restarts and processes. */
	snprintf(name, sizeof(name), "%010lld.%09ld-%05ld-%06u.rec", (long long)ts.tv_sec,
		 ts.tv_nsec, (long)getpid() % 100000, s->seq++ % 1000000);
	snprintf(tmp, sizeof(tmp), "%s/tmp/%s", s->dir, name);
	snprintf(dst, sizeof(dst), "%s/new/%s", s->dir, name);
	if (!(f = fopen(tmp, "wb"))) {
		log_error("spool", "cannot write the spool", "file=%s reason=\"%s\"", tmp,
			  strerror(errno));
		return -1;
	}
	ok = fprintf(f, "%s\n%s\n%s\n%s\n%zu\n", aggregator, kind,
		     content_type ? content_type : "", query ? query : "", len) > 0 &&
	     fwrite(body, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, dst) < 0) {
		log_error("spool", "cannot write the spool", "file=%s reason=\"%s\"", tmp,
			  strerror(errno));
		unlink(tmp);
		return -1;
	}
	/* The rename is durable only once the directory is. */
	snprintf(tmp, sizeof(tmp), "%s/new", s->dir);
	if (fsync_dir(tmp) < 0) {
		log_error("spool", "cannot sync the spool", "dir=%s reason=\"%s\"", tmp,
			  strerror(errno));
		return -1;
	}
	s->pending++;
	m_saved.value++;
	log_warn("spool", "callback spooled until the database is back", "aggregator=%s kind=%s "
		 "pending=%zu", aggregator, kind, s->pending);
	arm(s, 1000);
	return 0;
}

int
spool_is_replay(const struct spool *s, const struct http_req *r)
{
	const char *h = s ? http_req_header(r, SPOOL_REPLAY_HEADER) : NULL;
	return h && strcmp(h, s->secret) == 0;
}

size_t
spool_pending(const struct spool *s)
{
	return s ? s->pending : 0;
}

static void
arm(struct spool *s, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	if (!s->stopping && !evtimer_pending(s->timer, NULL))
		evtimer_add(s->timer, &tv);
}

static void
move_or_remove(struct spool *s, const char *sub)
{
	char from[4096], to[4096];
	snprintf(from, sizeof(from), "%s/new/%s", s->dir, s->current);
	if (sub) {
		snprintf(to, sizeof(to), "%s/%s/%s", s->dir, sub, s->current);
		if (rename(from, to) < 0)
			unlink(from);
	} else {
		unlink(from);
	}
	snprintf(from, sizeof(from), "%s/new", s->dir);
	(void)fsync_dir(from);
	if (s->pending)
		s->pending--;
}

static void
on_replayed(const struct hc_resp *resp, void *arg)
{
	struct spool *s = arg;
	s->inflight = NULL;
	if (resp->status == 200) {
		/* Stored (or found stored already): the record is done. */
		move_or_remove(s, NULL);
		m_replayed.value++;
		s->backoff_ms = 0;
		arm(s, 0);
		return;
	}
	if (resp->status == 400 || resp->status == 404) {
		/* It will never be accepted: keep it aside for the operator, go on. */
		log_error("spool", "spooled callback refused; moved to bad/", "file=%s status=%ld",
			  s->current, resp->status);
		move_or_remove(s, "bad");
		arm(s, 0);
		return;
	}
	s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : 500;
	if (s->backoff_ms > 30000)
		s->backoff_ms = 30000;
	log_info("spool", "replay deferred", "status=%ld pending=%zu retry_ms=%d", resp->status,
		 s->pending, s->backoff_ms);
	arm(s, s->backoff_ms);
}

/* Reads a record: header lines, then the body. Returns 0 or -1. */
static int
read_record(const char *path, char hdr[4][512], char **body, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char line[512];
	if (!f)
		return -1;
	for (int i = 0; i < 4; i++) {
		if (!fgets(line, sizeof(line), f)) {
			fclose(f);
			return -1;
		}
		line[strcspn(line, "\n")] = '\0';
		memcpy(hdr[i], line, sizeof(line));
	}
	if (!fgets(line, sizeof(line), f) || (*len = strtoul(line, NULL, 10)) > SPOOL_MAX_RECORD) {
		fclose(f);
		return -1;
	}
	*body = malloc(*len + 1);
	if (!*body || fread(*body, 1, *len, f) != *len) {
		free(*body);
		fclose(f);
		return -1;
	}
	(*body)[*len] = '\0';
	fclose(f);
	return 0;
}

static void
replay_next(struct spool *s)
{
	char path[4096], hdr[4][512], url[2048], host[256], header[128];
	char *body = NULL;
	size_t len;
	int port;
	const char *token = NULL;

	if (s->inflight || s->stopping || !oldest(s, s->current, sizeof(s->current)))
		return;
	if (!db_pool_connected(s->app->db)) {
		arm(s, 1000);
		return;
	}
	snprintf(path, sizeof(path), "%s/new/%s", s->dir, s->current);
	if (read_record(path, hdr, &body, &len) < 0) {
		log_error("spool", "unreadable spool record; moved to bad/", "file=%s", s->current);
		move_or_remove(s, "bad");
		arm(s, 0);
		return;
	}
	for (size_t i = 0; i < s->app->n_aggs; i++)
		if (s->app->aggs[i].conf && strcmp(s->app->aggs[i].agg->name, hdr[0]) == 0)
			token = s->app->aggs[i].agg->callback_token(s->app->aggs[i].conf);
	if (!token || cfg_split_hostport(s->app->cfg->listen, host, sizeof(host), &port) < 0) {
		log_error("spool", "no configured aggregator for a spooled record", "file=%s "
			  "aggregator=%s", s->current, hdr[0]);
		free(body);
		arm(s, 30000);
		return;
	}
	if (strcmp(host, "0.0.0.0") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	else if (strcmp(host, "::") == 0)
		snprintf(host, sizeof(host), "[::1]");
	snprintf(url, sizeof(url), "http://%s:%d/cb/%s/%s/%s%s%s", host, port, hdr[0], token,
		 hdr[1], hdr[3][0] ? "?" : "", hdr[3]);
	snprintf(header, sizeof(header), SPOOL_REPLAY_HEADER ": %s", s->secret);
	const char *headers[1] = {header};
	struct hc_req rq = {
		.method = "POST",
		.url = url,
		.headers = headers,
		.n_headers = 1,
		.body = body,
		.body_len = len,
		.content_type = hdr[2][0] ? hdr[2] : NULL,
		.timeout_ms = s->app->cfg->query_timeout_ms + 2000,
	};
	s->inflight = hc_request(s->http, &rq, on_replayed, s);
	free(body);
	if (!s->inflight)
		arm(s, 1000);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	replay_next(arg);
}

struct spool *
spool_new(struct app *app, const char *dir, char *err, size_t errlen)
{
	struct spool *s = calloc(1, sizeof(*s));
	unsigned char rnd[16];
	char sub[4096];

	if (!s)
		return NULL;
	s->app = app;
	s->dir = strdup(dir);
	for (int i = 0; i < 3; i++) {
		static const char *const subs[] = {"tmp", "new", "bad"};
		snprintf(sub, sizeof(sub), "%s/%s", dir, subs[i]);
		if (mkdir_p(sub) < 0) {
			snprintf(err, errlen, "cannot create spool directory %s: %s", sub,
				 strerror(errno));
			spool_free(s);
			return NULL;
		}
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		snprintf(err, errlen, "no randomness for the replay secret");
		spool_free(s);
		return NULL;
	}
	for (int i = 0; i < 16; i++)
		snprintf(s->secret + 2 * i, 3, "%02x", rnd[i]);
	s->http = hc_new(app->base, 2, 1);
	s->timer = evtimer_new(app->base, on_timer, s);
	metrics_register_counter(&m_saved);
	metrics_register_counter(&m_replayed);
	if (oldest(s, s->current, sizeof(s->current)))
		log_info("spool", "records from an earlier run will be replayed", "pending=%zu",
			 s->pending);
	arm(s, 500);
	return s;
}

void
spool_stop(struct spool *s)
{
	if (!s)
		return;
	s->stopping = 1;
	hc_cancel(s->inflight);
	s->inflight = NULL;
}

void
spool_free(struct spool *s)
{
	if (!s)
		return;
	hc_cancel(s->inflight);
	hc_free(s->http);
	if (s->timer)
		event_free(s->timer);
	free(s->dir);
	free(s);
}

/* db — asynchronous libpq pool on the libevent loop; see db.h. */
#include "db.h"

#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "db_prep.h"
#include "log.h"

struct stmt {
	char *sql;
	int np;
	char *vals[DB_MAX_PARAMS];
};

struct db_unit {
	int tx;
	size_t n;
	struct stmt s[DB_MAX_STMTS];
};

enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_IDLE, CONN_BUSY, CONN_STATE_COUNT };

static const char *const conn_state_names[CONN_STATE_COUNT] = {
	[CONN_DOWN] = "down",
	[CONN_CONNECTING] = "connecting",
	[CONN_IDLE] = "idle",
	[CONN_BUSY] = "busy",
};

/* One result group of the pipeline on the wire: a Parse of ours, or statement i of the unit. */
struct group {
	int prep;                /* slot in conn.prep (db_prep.h), or -1 for a statement */
	size_t stmt;
};

struct conn {
	struct db_pool *pool;
	int idx;
	enum conn_state st;
	PGconn *pg;
	struct event *io;        /* the socket; recreated when libpq changes it */
	int io_fd;
	short io_what;
	struct event *timer;     /* reconnect back-off, or the connect deadline */
	int backoff_ms;
	struct db_req *req;      /* the unit on the wire, or NULL */
	/* progress through the pipeline of the unit on the wire */
	size_t qi, syncs_seen, syncs_expected;
	int await_null;
	struct group grp[2 * DB_MAX_STMTS];
	size_t n_grp;
	struct db_prep_cache prep;
};

struct db_req {
	struct db_pool *pool;
	struct db_unit *u;
	db_done_fn done;
	void *arg;
	struct event *deadline;
	struct conn *conn;       /* when on the wire */
	int queued;
	int cancelled;
	TAILQ_ENTRY(db_req) link;
	PGresult *res[DB_MAX_STMTS];
	char *error;
	char sqlstate[6];
};

TAILQ_HEAD(req_queue, db_req);

struct db_pool {
	struct event_base *base;
	char *conninfo;
	int size, reconnect_max_ms;
	struct conn *conns;
	struct req_queue queue;
	size_t queued;
	struct event *kick;      /* runs dispatch() from the loop, never inside db_submit */
	struct db_stats stats;
	char listen_sql[96];     /* "LISTEN channel", run on each new connection, or "" */
	db_notify_fn notify;
	void *notify_arg;
};

static void conn_start(struct conn *c);
static void conn_down(struct conn *c, const char *why);
static void on_io(evutil_socket_t fd, short what, void *arg);
static void dispatch(struct db_pool *p);
static void flush(struct conn *c);

static void
set_state(struct conn *c, enum conn_state st)
{
	if (c->st == st)
		return;
	log_debug("db", "connection state", "conn=%d from=%s to=%s", c->idx,
		  conn_state_names[c->st], conn_state_names[st]);
	c->st = st;
}

/* ---- units ---- */

struct db_unit *
db_unit_new(int as_tx)
{
	struct db_unit *u = calloc(1, sizeof(*u));
	if (u)
		u->tx = as_tx;
	return u;
}

int
db_unit_add(struct db_unit *u, const char *sql, int nparams, const char *const *params)
{
	if (!u || u->n >= DB_MAX_STMTS || nparams < 0 || nparams > DB_MAX_PARAMS)
		return -1;
	struct stmt *s = &u->s[u->n];
	s->sql = strdup(sql);
	s->np = nparams;
	for (int i = 0; i < nparams; i++)
		s->vals[i] = params[i] ? strdup(params[i]) : NULL;
	u->n++;
	return 0;
}

void
db_unit_free(struct db_unit *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n; i++) {
		free(u->s[i].sql);
		for (int k = 0; k < u->s[i].np; k++)
			free(u->s[i].vals[k]);
	}
	free(u);
}

/* ---- requests ---- */

PGresult *
db_result_take(const struct db_result *r, size_t i)
{
	/* res points into the request's own array, which the pool clears after the callback. */
	PGresult **a = (PGresult **)r->res;
	PGresult *x;
	if (i >= r->n)
		return NULL;
	x = a[i];
	a[i] = NULL;
	return x;
}

static void
req_free(struct db_req *r)
{
	for (size_t i = 0; i < DB_MAX_STMTS; i++)
		PQclear(r->res[i]);
	event_free(r->deadline);
	db_unit_free(r->u);
	free(r->error);
	free(r);
}

static void
req_set_error(struct db_req *r, const char *msg, const char *sqlstate)
{
	if (r->error)
		return;
	r->error = strdup(msg ? msg : "unknown error");
	/* libpq messages end with a newline; logs and HTTP answers want one line. */
	for (char *p = r->error; *p; p++)
		if (*p == '\n')
			*p = *(p + 1) ? ' ' : '\0';
	if (sqlstate)
		snprintf(r->sqlstate, sizeof(r->sqlstate), "%s", sqlstate);
}

/* Runs the callback (unless cancelled) and frees the request. */
static void
req_complete(struct db_req *r, int timed_out)
{
	struct db_pool *p = r->pool;
	struct db_result res = {
		.ok = !r->error && !timed_out,
		.timed_out = timed_out,
		.error = r->error,
		.sqlstate = r->sqlstate[0] ? r->sqlstate : NULL,
		.n = r->u->n,
		.res = r->res,
	};
	if (res.ok)
		p->stats.units_ok++;
	else
		p->stats.units_failed++;
	if (timed_out)
		p->stats.timeouts++;
	if (r->queued) {
		TAILQ_REMOVE(&p->queue, r, link);
		r->queued = 0;
		p->queued--;
	}
	if (!r->cancelled && r->done)
		r->done(r->arg, &res);
	req_free(r);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct db_req *r = arg;
	struct conn *c = r->conn;

	req_set_error(r, "database did not answer in time", NULL);
	if (c) {
		/* On the wire: the connection's pipeline is now out of step with us; remake it. */
		c->req = NULL;
		r->conn = NULL;
		req_complete(r, 1);
		conn_down(c, "unit timed out");
		return;
	}
	req_complete(r, 1);
}

struct db_req *
db_submit(struct db_pool *p, struct db_unit *u, int timeout_ms, db_done_fn done, void *arg)
{
	struct db_req *r = calloc(1, sizeof(*r));
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};

	if (!r) {
		db_unit_free(u);
		return NULL;
	}
	r->pool = p, r->u = u, r->done = done, r->arg = arg;
	r->deadline = evtimer_new(p->base, on_deadline, r);
	evtimer_add(r->deadline, &tv);
	TAILQ_INSERT_TAIL(&p->queue, r, link);
	r->queued = 1;
	p->queued++;
	event_active(p->kick, EV_TIMEOUT, 0);
	return r;
}

struct db_req *
db_query(struct db_pool *p, const char *sql, int nparams, const char *const *params,
	 int timeout_ms, db_done_fn done, void *arg)
{
	struct db_unit *u = db_unit_new(0);
	if (!u || db_unit_add(u, sql, nparams, params) < 0) {
		db_unit_free(u);
		return NULL;
	}
	return db_submit(p, u, timeout_ms, done, arg);
}

void
db_cancel(struct db_req *r)
{
	if (!r)
		return;
	if (r->conn) {
		/* Its results are still to come on the connection; drop them when they do. */
		r->cancelled = 1;
		return;
	}
	r->cancelled = 1;
	req_complete(r, 0);
}

/* ---- connections ---- */

static void
watch(struct conn *c, short what)
{
	int fd = PQsocket(c->pg);
	if (c->io && c->io_fd == fd && c->io_what == what)
		return;
	if (c->io)
		event_free(c->io);
	c->io = NULL;
	if (fd < 0)
		return;
	c->io = event_new(c->pool->base, fd, what | EV_PERSIST, on_io, c);
	c->io_fd = fd;
	c->io_what = what;
	event_add(c->io, NULL);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	if (c->st == CONN_CONNECTING)
		conn_down(c, "connection attempt timed out");
	else if (c->st == CONN_DOWN)
		conn_start(c);
}

static void
arm_timer(struct conn *c, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	evtimer_add(c->timer, &tv);
}

/* A new server session knows none of our statements. */
static void
prep_forget(struct conn *c)
{
	db_prep_forget(&c->prep);
	c->n_grp = 0;
}

/* Fails the unit on the wire, closes the connection and schedules the next attempt. */
static void
conn_down(struct conn *c, const char *why)
{
	struct db_pool *p = c->pool;
	struct db_req *r = c->req;
	int was_up = c->st == CONN_IDLE || c->st == CONN_BUSY;

	if (r) {
		c->req = NULL;
		r->conn = NULL;
		req_set_error(r, why, NULL);
		req_complete(r, 0);
	}
	if (c->io)
		event_free(c->io);
	c->io = NULL;
	PQfinish(c->pg);
	c->pg = NULL;
	prep_forget(c);
	if (was_up) {
		log_warn("db", "connection lost", "conn=%d reason=\"%s\"", c->idx, why);
		c->backoff_ms = 0;
	}
	set_state(c, CONN_DOWN);
	/* Back-off with jitter, so that N connections do not knock in step. */
	c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : 50;
	if (c->backoff_ms > p->reconnect_max_ms)
		c->backoff_ms = p->reconnect_max_ms;
	arm_timer(c, c->backoff_ms / 2 + rand() % (c->backoff_ms / 2 + 1));
	p->stats.reconnects++;
	event_active(p->kick, EV_TIMEOUT, 0);
}

/* Server notices and warnings go to our log, not raw to stderr. */
static void
on_notice(void *arg, const char *message)
{
	char line[512], q[600];
	snprintf(line, sizeof(line), "%s", message);
	line[strcspn(line, "\n")] = '\0';
	log_info("db", "server says", "conn=%d text=\"%s\"", ((struct conn *)arg)->idx,
		 log_quote(q, sizeof(q), line));
}

static void
conn_start(struct conn *c)
{
	c->pg = PQconnectStart(c->pool->conninfo);
	if (c->pg)
		PQsetNoticeProcessor(c->pg, on_notice, c);
	if (!c->pg || PQstatus(c->pg) == CONNECTION_BAD) {
		char why[256];
		snprintf(why, sizeof(why), "%s", c->pg ? PQerrorMessage(c->pg) : "out of memory");
		why[strcspn(why, "\n")] = '\0';
		log_debug("db", "connect failed", "conn=%d reason=\"%s\"", c->idx, why);
		conn_down(c, why);
		return;
	}
	set_state(c, CONN_CONNECTING);
	/* PQconnectPoll does not enforce connect_timeout: we do. */
	arm_timer(c, c->pool->reconnect_max_ms > 2000 ? c->pool->reconnect_max_ms : 2000);
	watch(c, EV_WRITE);
}

static void
connect_step(struct conn *c)
{
	switch (PQconnectPoll(c->pg)) {
	case PGRES_POLLING_READING:
		watch(c, EV_READ);
		return;
	case PGRES_POLLING_WRITING:
		watch(c, EV_WRITE);
		return;
	case PGRES_POLLING_OK:
		break;
	default: {
		char why[256];
		snprintf(why, sizeof(why), "%s", PQerrorMessage(c->pg));
		why[strcspn(why, "\n")] = '\0';
		log_debug("db", "connect failed", "conn=%d reason=\"%s\"", c->idx, why);
		conn_down(c, why);
		return;
	}
	}
	evtimer_del(c->timer);
	if (PQsetnonblocking(c->pg, 1) != 0 || PQenterPipelineMode(c->pg) != 1) {
		conn_down(c, "cannot enter pipeline mode");
		return;
	}
	if (c->backoff_ms)
		log_info("db", "connected", "conn=%d", c->idx);
	c->backoff_ms = 0;
	if (c->pool->listen_sql[0]) {
		/* A unit of our own, with no request: collect() completes it at its sync. */
		c->qi = 0, c->syncs_seen = 0, c->await_null = 0, c->syncs_expected = 1;
		c->n_grp = 0;
		if (!PQsendQueryParams(c->pg, c->pool->listen_sql, 0, NULL, NULL, NULL, NULL, 0) ||
		    !PQpipelineSync(c->pg)) {
			conn_down(c, "cannot send LISTEN");
			return;
		}
		set_state(c, CONN_BUSY);
		flush(c);
		return;
	}
	set_state(c, CONN_IDLE);
	watch(c, EV_READ);
	dispatch(c->pool);
}

/* Reads whatever results have arrived for the unit on the wire; completes it at its last
 * sync point. Returns -1 when the connection broke (and was taken down). */
static int
collect(struct conn *c)
{
	struct db_req *r = c->req;
	for (;;) {
		PGresult *res;
		if (PQisBusy(c->pg))
			return 0;
		res = PQgetResult(c->pg);
		if (!res) {
			if (c->await_null) {
				c->qi++;
				c->await_null = 0;
			}
			if (PQstatus(c->pg) == CONNECTION_BAD) {
				conn_down(c, "connection lost");
				return -1;
			}
			continue;
		}
		/* c->qi counts result groups: our Parses and the unit's statements. */
		const struct group *g = c->qi < c->n_grp ? &c->grp[c->qi] : NULL;
		struct db_prepared *pp = g && g->prep >= 0 ? &c->prep.e[g->prep] : NULL;
		switch (PQresultStatus(res)) {
		case PGRES_PIPELINE_SYNC:
			PQclear(res);
			if (++c->syncs_seen == c->syncs_expected) {
				c->req = NULL;
				c->n_grp = 0;
				set_state(c, CONN_IDLE);
				if (r) {
					r->conn = NULL;
					req_complete(r, 0);
				}
				if (PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
					conn_down(c, "unit left a transaction open");
					return -1;
				}
				return 0;
			}
			continue;
		case PGRES_PIPELINE_ABORTED:
			PQclear(res);
			if (pp)
				pp->st = DB_PREP_NONE; /* never parsed: parse it next time */
			c->await_null = 1;
			continue;
		case PGRES_FATAL_ERROR:
		case PGRES_BAD_RESPONSE:
			if (pp)
				pp->st = DB_PREP_NONE;
			if (r)
				req_set_error(r, PQresultErrorMessage(res),
					      PQresultErrorField(res, PG_DIAG_SQLSTATE));
			PQclear(res);
			c->await_null = 1;
			continue;
		default:
			if (pp)
				pp->st = DB_PREP_READY;
			if (!pp && r && g && !r->res[g->stmt])
				r->res[g->stmt] = res;
			else
				PQclear(res);
			c->await_null = 1;
			continue;
		}
	}
}

static void
flush(struct conn *c)
{
	int f = PQflush(c->pg);
	if (f < 0)
		conn_down(c, "cannot send to the server");
	else
		watch(c, f == 1 ? EV_READ | EV_WRITE : EV_READ);
}

static void
on_io(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (c->st == CONN_CONNECTING) {
		connect_step(c);
		return;
	}
	if (what & EV_READ) {
		if (!PQconsumeInput(c->pg)) {
			char why[256];
			snprintf(why, sizeof(why), "%s", PQerrorMessage(c->pg));
			why[strcspn(why, "\n")] = '\0';
			conn_down(c, why[0] ? why : "connection lost");
			return;
		}
		PGnotify *n;
		while ((n = PQnotifies(c->pg)) != NULL) {
			if (c->pool->notify)
				c->pool->notify(c->pool->notify_arg, n->relname, n->extra);
			PQfreemem(n);
		}
		if (c->st == CONN_BUSY && collect(c) < 0)
			return;
	}
	if (c->pg && (c->io_what & EV_WRITE))
		flush(c);
	if (c->st == CONN_IDLE)
		dispatch(c->pool);
}

/* Puts r's statements and sync points on c, each preceded by its Parse the first time c
 * sees its text. */
static int
send_unit(struct conn *c, struct db_req *r)
{
	struct db_unit *u = r->u;
	char name[16];
	c->qi = 0, c->syncs_seen = 0, c->await_null = 0, c->n_grp = 0;
	c->syncs_expected = u->tx ? 1 : u->n;
	for (size_t i = 0; i < u->n; i++) {
		const struct stmt *s = &u->s[i];
		int slot = db_prep_slot(&c->prep, s->sql), ok;
		if (slot >= 0 && c->prep.e[slot].st == DB_PREP_NONE) {
			snprintf(name, sizeof(name), "db_%d", slot);
			if (!PQsendPrepare(c->pg, name, s->sql, s->np, NULL))
				return -1;
			c->prep.e[slot].st = DB_PREP_SENT;
			c->grp[c->n_grp++] = (struct group){.prep = slot};
		}
		c->grp[c->n_grp++] = (struct group){.prep = -1, .stmt = i};
		if (slot >= 0) {
			/* PREP_SENT: parsed earlier in this very pipeline. */
			snprintf(name, sizeof(name), "db_%d", slot);
			ok = PQsendQueryPrepared(c->pg, name, s->np, (const char *const *)s->vals,
						 NULL, NULL, 0);
		} else {
			ok = PQsendQueryParams(c->pg, s->sql, s->np, NULL,
					       (const char *const *)s->vals, NULL, NULL, 0);
		}
		if (!ok)
			return -1;
		if ((!u->tx || i + 1 == u->n) && !PQpipelineSync(c->pg))
			return -1;
	}
	return 0;
}

static void
dispatch(struct db_pool *p)
{
	int up = 0, trying = 0;
	for (int i = 0; i < p->size && !TAILQ_EMPTY(&p->queue); i++) {
		struct conn *c = &p->conns[i];
		if (c->st != CONN_IDLE)
			continue;
		struct db_req *r = TAILQ_FIRST(&p->queue);
		TAILQ_REMOVE(&p->queue, r, link);
		r->queued = 0;
		p->queued--;
		if (r->u->n == 0) {
			req_complete(r, 0);
			continue;
		}
		c->req = r;
		r->conn = c;
		set_state(c, CONN_BUSY);
		if (send_unit(c, r) < 0) {
			char why[256];
			snprintf(why, sizeof(why), "cannot send: %s", PQerrorMessage(c->pg));
			why[strcspn(why, "\n")] = '\0';
			conn_down(c, why);
			continue;
		}
		flush(c);
	}
	for (int i = 0; i < p->size; i++) {
		up += p->conns[i].st == CONN_IDLE || p->conns[i].st == CONN_BUSY;
		trying += p->conns[i].st == CONN_CONNECTING;
	}
	/* Nothing up and nothing on its way: fail fast rather than let callers wait. */
	if (!up && !trying) {
		while (!TAILQ_EMPTY(&p->queue)) {
			struct db_req *r = TAILQ_FIRST(&p->queue);
			req_set_error(r, "database unavailable", NULL);
			req_complete(r, 0);
		}
	}
}

static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	dispatch(arg);
}

struct db_pool *
db_pool_new(struct event_base *base, const char *conninfo, int size, int reconnect_max_ms)
{
	struct db_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->base = base;
	p->conninfo = strdup(conninfo);
	p->size = size;
	p->reconnect_max_ms = reconnect_max_ms;
	p->conns = calloc((size_t)size, sizeof(*p->conns));
	TAILQ_INIT(&p->queue);
	p->kick = event_new(base, -1, 0, on_kick, p);
	for (int i = 0; i < size; i++) {
		struct conn *c = &p->conns[i];
		c->pool = p;
		c->idx = i;
		c->timer = evtimer_new(base, on_timer, c);
		conn_start(c);
	}
	return p;
}

void
db_pool_free(struct db_pool *p)
{
	if (!p)
		return;
	while (!TAILQ_EMPTY(&p->queue)) {
		struct db_req *r = TAILQ_FIRST(&p->queue);
		req_set_error(r, "shutting down", NULL);
		req_complete(r, 0);
	}
	for (int i = 0; i < p->size; i++) {
		struct conn *c = &p->conns[i];
		if (c->req) {
			struct db_req *r = c->req;
			r->conn = NULL;
			req_set_error(r, "shutting down", NULL);
			req_complete(r, 0);
		}
		if (c->io)
			event_free(c->io);
		event_free(c->timer);
		PQfinish(c->pg);
		prep_forget(c);
	}
	event_free(p->kick);
	free(p->conns);
	free(p->conninfo);
	free(p);
}

int
db_pool_listen(struct db_pool *p, const char *channel, db_notify_fn fn, void *arg)
{
	size_t n = strlen(channel);
	if (n == 0 || n > 63 || strspn(channel, "abcdefghijklmnopqrstuvwxyz_0123456789") != n)
		return -1;
	snprintf(p->listen_sql, sizeof(p->listen_sql), "LISTEN %s", channel);
	p->notify = fn;
	p->notify_arg = arg;
	return 0;
}

int
db_pool_connected(const struct db_pool *p)
{
	for (int i = 0; i < p->size; i++)
		if (p->conns[i].st == CONN_IDLE || p->conns[i].st == CONN_BUSY)
			return 1;
	return 0;
}

void
db_pool_stats(const struct db_pool *p, struct db_stats *s)
{
	*s = p->stats;
	s->size = p->size;
	s->connected = s->busy = s->connecting = 0;
	for (int i = 0; i < p->size; i++) {
		s->connected += p->conns[i].st == CONN_IDLE || p->conns[i].st == CONN_BUSY;
		s->busy += p->conns[i].st == CONN_BUSY;
		s->connecting += p->conns[i].st == CONN_CONNECTING;
	}
	s->queued = p->queued;
}

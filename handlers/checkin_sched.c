/*
 * checkin_sched — the daemon's scheduler: on a timer, expires overdue check-ins, starts the
 * check-ins due and sends the reminders due, with the SQL and messages of checkins.c (the
 * same as `followupctl checkins`). One run at a time, each phase one round trip plus the
 * writes; every write is idempotent, so several daemons can run it side by side.
 */
#include <event2/event.h>
#include <stdlib.h>

#include "app.h"
#include "checkins.h"
#include "log.h"
#include "metrics.h"

#define SCHED_BATCH 100

enum phase { PH_IDLE, PH_EXPIRE, PH_DUE, PH_START, PH_REMIND, PH_REMIND_WRITE };

struct sched {
	struct app *app;
	struct event *timer;
	enum phase phase;
	struct db_req *q;
	PGresult *rows;          /* due or reminder rows being written */
	int next, pending, started, reminded, more;
};

static struct metrics_counter m_started = {"followup_checkins_total", "Check-ins queued.",
					   "kind=\"checkin\"", 0, NULL};
static struct metrics_counter m_reminded = {"followup_checkins_total", "Check-ins queued.",
					    "kind=\"reminder\"", 0, NULL};

static void run_phase(struct sched *s);

static void
arm(struct sched *s, int secs)
{
	struct timeval tv = {secs, 0};
	evtimer_add(s->timer, &tv);
}

static void
finish(struct sched *s, const char *error)
{
	PQclear(s->rows);
	s->rows = NULL;
	if (error)
		log_warn("sched", "check-in run failed", "phase=%d reason=\"%s\"", s->phase, error);
	else if (s->started || s->reminded)
		log_info("sched", "check-ins queued", "checkins=%d reminders=%d", s->started,
			 s->reminded);
	s->phase = PH_IDLE;
	arm(s, s->more ? 1 : s->app->cfg->checkins_tick_secs);
}

static void
on_write(void *arg, const struct db_result *r)
{
	struct sched *s = arg;
	s->q = NULL;
	if (r->ok && s->phase == PH_START)
		s->started += atoi(PQgetvalue(r->res[0], 0, 0));
	else if (r->ok)
		s->reminded += atoi(PQcmdTuples(r->res[0]));
	else
		log_warn("sched", "cannot queue", "reason=\"%s\"", r->error ? r->error : "?");
	run_phase(s);
}

static void
on_rows(void *arg, const struct db_result *r)
{
	struct sched *s = arg;
	s->q = NULL;
	if (!r->ok) {
		finish(s, r->error ? r->error : "?");
		return;
	}
	if (s->phase == PH_EXPIRE) {
		if (atoi(PQcmdTuples(r->res[0])) > 0)
			log_info("sched", "check-ins expired", "n=%s", PQcmdTuples(r->res[0]));
		s->phase = PH_DUE;
	} else {
		/* Keep the rows: the writes' parameters point into them. */
		s->rows = db_result_take(r, 0);
		s->more |= PQntuples(s->rows) == SCHED_BATCH;
		s->next = 0;
		s->phase = s->phase == PH_DUE ? PH_START : PH_REMIND_WRITE;
	}
	run_phase(s);
}

/* Writes the next row of the current batch, one unit each (they are independent). */
static int
write_next(struct sched *s)
{
	char err[160];
	while (s->rows && s->next < PQntuples(s->rows)) {
		int i = s->next++;
		if (s->phase == PH_START) {
			struct checkins_start *st = malloc(sizeof(*st));
			if (st && checkins_build_start(s->app->cat, s->rows, i, st, err,
						       sizeof(err)) == 0)
				s->q = db_query(s->app->db, checkins_start_sql,
						CHECKINS_START_NPARAMS, st->v,
						s->app->cfg->query_timeout_ms, on_write, s);
			free(st);
		} else {
			struct checkins_reminder rm;
			if (checkins_build_reminder(s->app->cat, s->rows, i, &rm, err,
						    sizeof(err)) == 0)
				s->q = db_query(s->app->db, checkins_remind_write_sql, 4, rm.v,
						s->app->cfg->query_timeout_ms, on_write, s);
		}
		if (s->q)
			return 1;
	}
	PQclear(s->rows);
	s->rows = NULL;
	return 0;
}

static void
run_phase(struct sched *s)
{
	struct checkins_params p;
	const struct cfg *c = s->app->cfg;

	switch (s->phase) {
	case PH_IDLE:
		return;
	case PH_EXPIRE: {
		const char *v[1] = {NULL};
		s->q = db_query(s->app->db, checkins_expire_sql, 1, v, c->query_timeout_ms,
				on_rows, s);
		break;
	}
	case PH_DUE:
		/* The statement's text must outlive nothing: db_query copies parameters. */
		checkins_params(&p, c, NULL, 0, SCHED_BATCH);
		s->q = db_query(s->app->db, checkins_due_sql, 7, p.v, c->query_timeout_ms, on_rows,
				s);
		break;
	case PH_START:
		if (write_next(s))
			return;
		s->phase = PH_REMIND;
		run_phase(s);
		return;
	case PH_REMIND:
		checkins_params(&p, c, NULL, 1, SCHED_BATCH);
		s->q = db_query(s->app->db, checkins_remind_sql, 7, p.v, c->query_timeout_ms,
				on_rows, s);
		break;
	case PH_REMIND_WRITE:
		if (write_next(s))
			return;
		finish(s, NULL);
		m_started.value += (unsigned long long)s->started;
		m_reminded.value += (unsigned long long)s->reminded;
		return;
	}
	if (!s->q)
		finish(s, "out of memory");
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;
	if (s->phase != PH_IDLE || s->app->draining)
		return;
	s->started = s->reminded = s->more = 0;
	s->phase = PH_EXPIRE;
	run_phase(s);
}

struct sched *
sched_new(struct app *app)
{
	struct sched *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->app = app;
	s->timer = evtimer_new(app->base, on_timer, s);
	metrics_register_counter(&m_started);
	metrics_register_counter(&m_reminded);
	if (app->cfg->checkins_tick_secs > 0)
		arm(s, 1);
	return s;
}

void
sched_free(struct sched *s)
{
	if (!s)
		return;
	db_cancel(s->q);
	PQclear(s->rows);
	event_free(s->timer);
	free(s);
}

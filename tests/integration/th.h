/*
 * th — the integration test harness: a throwaway PostgreSQL (initdb into a temp dir, unix
 * socket only, started as the postgres user when run as root), the real followupd on a free
 * port, followupctl, and blocking HTTP and SQL helpers for assertions. Tests may block.
 * Binaries are run from the repository root (make integration does so).
 */
#ifndef FOLLOWUP_TH_H
#define FOLLOWUP_TH_H

#include <libpq-fe.h>
#include <stddef.h>
#include <sys/types.h>

struct th_pg {
	char dir[256];        /* temp dir: dir/data is the cluster and its socket dir */
	int port;
	char conninfo[512];   /* "host=... port=... user=postgres dbname=followup" */
};

/* Creates a cluster, starts it and creates database "followup". 0 or -1. */
int th_pg_start(struct th_pg *pg);
/* Stops (fast) / restarts the same cluster. */
int th_pg_stop(struct th_pg *pg);
int th_pg_resume(struct th_pg *pg);
/* Stops and deletes everything. */
void th_pg_destroy(struct th_pg *pg);
/* A blocking connection with search_path followup; the test owns it (PQfinish). */
PGconn *th_pg_connect(const struct th_pg *pg);
/* Runs `followupctl migrate` against pg; returns its exit status. */
int th_migrate(const struct th_pg *pg);
/* The first cell of a query as a malloc'd string ("" for NULL, NULL on error). */
char *th_sql_value(PGconn *db, const char *sql);
/* Executes SQL, returns 0 when it succeeded. */
int th_sql_exec(PGconn *db, const char *sql);

/* Runs a shell command (printf format) with FOLLOWUP_DB set to pg's conninfo when pg is not
 * NULL; stores its stdout and stderr (malloc'd, may be NULL) and returns its exit status. */
int th_run(const struct th_pg *pg, char **out, char **err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

struct th_daemon {
	pid_t pid;
	int port;
	char conf[300];       /* written by th_daemon_start */
	char log[300];        /* the daemon's stderr */
	char base[64];        /* "http://127.0.0.1:PORT" */
};

/* A free TCP port on 127.0.0.1 (bound then released). */
int th_free_port(void);

/* Writes a config (listen on a free port unless port > 0, pg's conninfo, console aggregator,
 * repository catalogs, then extra_conf appended verbatim), starts ./followupd and waits until
 * /healthz answers. 0 or -1. */
int th_daemon_start(struct th_daemon *d, const struct th_pg *pg, int port,
		    const char *extra_conf);
/* Sends sig and waits; returns the exit status (or 128+signal), -1 on timeout. */
int th_daemon_stop(struct th_daemon *d, int sig);
/* The daemon's log so far (malloc'd). */
char *th_daemon_log(const struct th_daemon *d);

/* One HTTP request; body may be NULL. Returns the status (0 on transport error) and stores
 * the answer body (malloc'd) in *resp when resp is not NULL. */
long th_http(const char *method, const char *url, const char *body, const char *content_type,
	     char **resp);
/* Same, and reports the time it took in milliseconds. */
long th_http_timed(const char *method, const char *url, const char *body,
		   const char *content_type, char **resp, double *ms);

/* Milliseconds of a monotonic clock. */
double th_now_ms(void);

#endif

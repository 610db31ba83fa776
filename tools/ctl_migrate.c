/* followupctl migrate — applies sql/migrations/NNNN_name.sql in order, once each, each in its
 * own transaction together with its row in followup.schema_migrations. */
#include "ctl.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
is_migration(const char *n)
{
	size_t l = strlen(n);
	return l > 9 && n[0] >= '0' && n[0] <= '9' && n[4] == '_' &&
	       strcmp(n + l - 4, ".sql") == 0;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
		}
	}
	fclose(f);
	return buf;
}

static int
ok(PGconn *db, PGresult *r, const char *what)
{
	ExecStatusType s = PQresultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
		PQclear(r);
		return 1;
	}
	ctl_fail("%s: %s", what, PQresultErrorMessage(r));
	PQclear(r);
	return 0;
}

/* Applies one file unless recorded. Returns 1 applied, 0 skipped, -1 error. */
static int
apply_one(PGconn *db, const char *dir, const char *name)
{
	const char *v[1] = {name};
	PGresult *r = PQexecParams(db,
				   "SELECT 1 FROM followup.schema_migrations WHERE version = $1",
				   1, NULL, v, NULL, NULL, 0);
	int done = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	PQclear(r);
	if (done)
		return 0;

	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *sql = slurp(path);
	if (!sql) {
		ctl_fail("%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	int good = ok(db, PQexec(db, "BEGIN"), "BEGIN") && ok(db, PQexec(db, sql), path);
	if (good) {
		const char *p[2] = {name, sql};
		good = ok(db,
			  PQexecParams(db,
				       "INSERT INTO followup.schema_migrations (version, checksum) "
				       "VALUES ($1, md5($2))",
				       2, NULL, p, NULL, NULL, 0),
			  "recording migration") &&
		       ok(db, PQexec(db, "COMMIT"), "COMMIT");
	}
	free(sql);
	if (!good) {
		PQclear(PQexec(db, "ROLLBACK"));
		return -1;
	}
	printf("applied %s\n", name);
	return 1;
}

int
ctl_cmd_migrate(const struct ctl_opts *o, int argc, char **argv)
{
	const char *dir = ctl_migrations_dir();
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int rc = CTL_OK, applied = 0;
	PGconn *db;
	DIR *d;

	if (argc != 1) {
		fprintf(stderr, "usage: followupctl migrate\n");
		return CTL_USAGE;
	}
	if (!(d = opendir(dir)))
		return ctl_fail("%s: cannot open migrations: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (!is_migration(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nn = realloc(names, cap * sizeof(*names));
			if (!nn)
				abort();
			names = nn;
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);

	if (!(db = ctl_connect(o))) {
		rc = CTL_USER;
		goto out;
	}
	/* One migrator at a time, across machines. */
	if (!ok(db, PQexec(db, "SELECT pg_advisory_lock(7291001)"), "lock") ||
	    !ok(db, PQexec(db, "CREATE SCHEMA IF NOT EXISTS followup"), "schema") ||
	    !ok(db,
		PQexec(db, "CREATE TABLE IF NOT EXISTS followup.schema_migrations ("
			   " version text PRIMARY KEY,"
			   " checksum text NOT NULL,"
			   " applied_at timestamptz NOT NULL DEFAULT now())"),
		"schema_migrations")) {
		rc = CTL_USER;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int r = apply_one(db, dir, names[i]);
		if (r < 0) {
			rc = CTL_USER;
			break;
		}
		applied += r;
	}
	if (rc == CTL_OK)
		printf("migrations: %d applied, %zu already there\n", applied, n - (size_t)applied);
out:
	PQfinish(db);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

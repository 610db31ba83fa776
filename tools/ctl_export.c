/*
 * followupctl export VIEW — a staff view as CSV (with a header row) on stdout, through
 * COPY ... TO STDOUT so PostgreSQL does the quoting. Only the eight staff views of SPEC "Data"
 * can be exported; the SQL text is taken from the table below, never from the argument.
 */
#include "ctl.h"

#include <stdio.h>
#include <string.h>

struct export_view {
	const char *name;
	const char *copy;
};

#define EXPORT(v, order) {v, "COPY (SELECT * FROM followup." v " ORDER BY " order ") " \
			     "TO STDOUT WITH (FORMAT csv, HEADER)"}

static const struct export_view views[] = {
	EXPORT("v_route_summary", "route"),
	EXPORT("v_action_item_progress", "route, participant, phone, item"),
	EXPORT("v_participant_followup", "route, participant, phone"),
	EXPORT("v_champion_activity", "route, champion, month"),
	EXPORT("v_help_requests", "reported_at DESC, route, participant"),
	EXPORT("v_silent_participants", "route, participant, phone"),
	EXPORT("v_outcome_stories", "reported_at DESC, route, participant"),
	EXPORT("v_messaging_daily", "day DESC, aggregator"),
};

#define N_VIEWS (sizeof(views) / sizeof(views[0]))

static int
unknown_view(const char *name)
{
	fprintf(stderr, "followupctl: export: unknown view '%s'; one of:", name);
	for (size_t i = 0; i < N_VIEWS; i++)
		fprintf(stderr, " %s", views[i].name);
	fputc('\n', stderr);
	return CTL_USER;
}

int
ctl_cmd_export(const struct ctl_opts *o, int argc, char **argv)
{
	const struct export_view *v = NULL;
	PGconn *db;
	PGresult *res;
	char *row;
	int n, rc = CTL_OK;

	if (argc != 2) {
		fprintf(stderr, "usage: followupctl export VIEW\n");
		return CTL_USAGE;
	}
	for (size_t i = 0; i < N_VIEWS; i++)
		if (strcmp(argv[1], views[i].name) == 0)
			v = &views[i];
	if (!v)
		return unknown_view(argv[1]);
	if (!(db = ctl_connect(o)))
		return CTL_USER;
	PQsetClientEncoding(db, "UTF8");
	res = PQexec(db, v->copy);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		rc = ctl_fail("export %s: %s", v->name, PQresultErrorMessage(res));
		PQclear(res);
		PQfinish(db);
		return rc;
	}
	PQclear(res);
	while ((n = PQgetCopyData(db, &row, 0)) > 0) {
		if (fwrite(row, 1, (size_t)n, stdout) != (size_t)n)
			rc = CTL_USER;
		PQfreemem(row);
	}
	if (n == -2)
		rc = ctl_fail("export %s: %s", v->name, PQerrorMessage(db));
	while ((res = PQgetResult(db)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == CTL_OK)
			rc = ctl_fail("export %s: %s", v->name, PQresultErrorMessage(res));
		PQclear(res);
	}
	if (fflush(stdout) != 0 && rc == CTL_OK)
		rc = ctl_fail("export %s: cannot write to stdout", v->name);
	PQfinish(db);
	return rc;
}

/*
 * followupctl checkins [--now TIMESTAMP] [--dry-run] — queues every check-in, reminder and
 * expiry due at that time: the same SQL and the same messages as the daemon's scheduler
 * (handlers/checkins.c), run once, blocking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cfg.h"
#include "checkins.h"
#include "ctl.h"
#include "registry.h"

#define BATCH 200

static int
failed(PGresult *r, const char *what)
{
	ExecStatusType s = PQresultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return 0;
	ctl_fail("%s: %s", what, PQresultErrorMessage(r));
	return 1;
}

static void
print_row(const PGresult *r, int i, int name_col, int phone_col, int lang_col, const char *what,
	  const char *text)
{
	const char *phone = PQgetvalue(r, i, phone_col);
	size_t n = strlen(phone);
	/* Staff see names; numbers stay masked on a terminal too. */
	printf("%-10s %-28s ***%s  %s  %s\n", what, PQgetvalue(r, i, name_col),
	       n > 3 ? phone + n - 3 : phone, PQgetvalue(r, i, lang_col), text);
}

int
ctl_cmd_checkins(const struct ctl_opts *o, int argc, char **argv)
{
	const char *now = NULL;
	int dry = 0, started = 0, reminded = 0, skipped = 0, rc = CTL_OK;
	struct cfg *c = NULL;
	struct catalog *cat = NULL;
	char err[512];
	PGconn *db = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--now") == 0 && i + 1 < argc)
			now = argv[++i];
		else if (strcmp(argv[i], "--dry-run") == 0)
			dry = 1;
		else {
			fprintf(stderr, "usage: followupctl checkins [--now TIMESTAMP] [--dry-run]\n");
			return CTL_USAGE;
		}
	}
	/* The schedule and quiet hours come from the configuration (defaults without -c). */
	c = o->config ? cfg_load(o->config, agg_sections, agg_n_sections, err, sizeof(err))
		      : cfg_load_string("(defaults)", "", agg_sections, agg_n_sections, err,
					sizeof(err));
	if (!c)
		return ctl_fail("%s", err);
	if (!(cat = cat_load(c->messages_dir, err, sizeof(err))) &&
	    !(cat = cat_load("config/messages", err, sizeof(err)))) {
		cfg_free(c);
		return ctl_fail("%s", err);
	}
	if (!(db = ctl_connect(o))) {
		rc = CTL_USER;
		goto out;
	}
	if (now) {
		const char *v[1] = {now};
		PGresult *r = PQexecParams(db, "SELECT $1::timestamptz", 1, NULL, v, NULL, NULL, 0);
		if (failed(r, "--now")) {
			PQclear(r);
			rc = CTL_USER;
			goto out;
		}
		PQclear(r);
	}

	if (!dry) {
		const char *v[1] = {now};
		PGresult *r = PQexecParams(db, checkins_expire_sql, 1, NULL, v, NULL, NULL, 0);
		if (failed(r, "expire")) {
			PQclear(r);
			rc = CTL_USER;
			goto out;
		}
		printf("expired: %s\n", PQcmdTuples(r));
		PQclear(r);
	}

	struct checkins_params p;
	checkins_params(&p, c, now, 0, BATCH);
	/* In a dry run nothing is written, so one batch shows everything due. */
	for (int round = 0; round < 1000; round++) {
		PGresult *due = PQexecParams(db, checkins_due_sql, 7, NULL, p.v, NULL, NULL, 0);
		int n;
		if (failed(due, "due check-ins")) {
			PQclear(due);
			rc = CTL_USER;
			goto out;
		}
		n = PQntuples(due);
		int progress = 0;
		for (int i = 0; i < n; i++) {
			struct checkins_start *s = calloc(1, sizeof(*s));
			if (!s || checkins_build_start(cat, due, i, s, err, sizeof(err)) < 0) {
				skipped++;
				if (dry && s)
					print_row(due, i, CHECKINS_DUE_NAME, CHECKINS_DUE_PHONE,
						  CHECKINS_DUE_LANG, "skip", err);
				free(s);
				continue;
			}
			if (dry) {
				char what[32];
				snprintf(what, sizeof(what), "%s#%s", PQgetvalue(due, i, CHECKINS_DUE_CODE),
					 PQgetvalue(due, i, CHECKINS_DUE_SEQ));
				print_row(due, i, CHECKINS_DUE_NAME, CHECKINS_DUE_PHONE,
					  CHECKINS_DUE_LANG, what, s->text);
				started++;
			} else {
				PGresult *w = PQexecParams(db, checkins_start_sql,
							   CHECKINS_START_NPARAMS, NULL, s->v, NULL,
							   NULL, 0);
				if (failed(w, "start check-in")) {
					PQclear(w);
					free(s);
					PQclear(due);
					rc = CTL_USER;
					goto out;
				}
				int k = atoi(PQgetvalue(w, 0, 0));
				started += k;
				progress += k;
				PQclear(w);
			}
			free(s);
		}
		PQclear(due);
		if (dry || n < BATCH || !progress)
			break;
	}

	checkins_params(&p, c, now, 1, BATCH);
	PGresult *rem = PQexecParams(db, checkins_remind_sql, 7, NULL, p.v, NULL, NULL, 0);
	if (failed(rem, "reminders")) {
		PQclear(rem);
		rc = CTL_USER;
		goto out;
	}
	for (int i = 0; i < PQntuples(rem); i++) {
		struct checkins_reminder r;
		if (checkins_build_reminder(cat, rem, i, &r, err, sizeof(err)) < 0) {
			skipped++;
			continue;
		}
		if (dry) {
			print_row(rem, i, CHECKINS_REMIND_NAME, CHECKINS_REMIND_PHONE,
				  CHECKINS_REMIND_LANG, "reminder", r.text);
			reminded++;
			continue;
		}
		PGresult *w = PQexecParams(db, checkins_remind_write_sql, 4, NULL, r.v, NULL, NULL,
					   0);
		if (!failed(w, "reminder"))
			reminded += atoi(PQcmdTuples(w));
		PQclear(w);
	}
	PQclear(rem);
	printf("%s: %d check-ins, %d reminders%s", dry ? "would queue" : "queued", started,
	       reminded, skipped ? "" : "\n");
	if (skipped)
		printf(", %d skipped\n", skipped);
out:
	PQfinish(db);
	cat_free(cat);
	cfg_free(c);
	return rc;
}

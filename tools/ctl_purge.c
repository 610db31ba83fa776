/*
 * followupctl purge --older-than DAYS [--dry-run] — data retention: message bodies and raw
 * payloads older than DAYS are erased, while every row the staff views count stays (so
 * response rates, messaging per day and progress keep their numbers). Erased: the text of
 * inbound and outbound SMS (not of messages still to be sent), USSD hops (each screen and
 * answer) and the inputs kept on USSD sessions, and raw delivery reports. Kept: progress
 * reports, help notes and stories of change (results staff verify), check-ins, counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const struct {
	const char *what, *sql;
} steps[] = {
	{"inbound message texts",
	 "UPDATE followup.inbound_messages SET text = '' WHERE text <> ''"
	 " AND received_at < now() - make_interval(days => $1::int)"},
	{"outbound message texts",
	 "UPDATE followup.outbound_messages SET text = '' WHERE text <> ''"
	 " AND status NOT IN ('queued', 'sending')"
	 " AND created_at < now() - make_interval(days => $1::int)"},
	{"USSD hops",
	 "DELETE FROM followup.ussd_hops WHERE created_at < now() - make_interval(days => $1::int)"},
	{"USSD session inputs",
	 "UPDATE followup.ussd_sessions SET state = '', last_text = NULL WHERE"
	 " (state <> '' OR last_text IS NOT NULL) AND status <> 'open'"
	 " AND updated_at < now() - make_interval(days => $1::int)"},
	{"delivery reports",
	 "DELETE FROM followup.delivery_reports"
	 " WHERE received_at < now() - make_interval(days => $1::int)"},
};

int
ctl_cmd_purge(const struct ctl_opts *o, int argc, char **argv)
{
	const char *days = NULL;
	int dry = 0, rc = CTL_OK;
	char *end;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--older-than") == 0 && i + 1 < argc)
			days = argv[++i];
		else if (strcmp(argv[i], "--dry-run") == 0)
			dry = 1;
		else
			days = NULL, i = argc;
	}
	if (!days || strtol(days, &end, 10) < 0 || *end || end == days) {
		fprintf(stderr, "usage: followupctl purge --older-than DAYS [--dry-run]\n");
		return CTL_USAGE;
	}
	PGconn *db = ctl_connect(o);
	if (!db)
		return CTL_USER;
	PQclear(PQexec(db, "BEGIN"));
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const char *v[1] = {days};
		PGresult *r = PQexecParams(db, steps[i].sql, 1, NULL, v, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			rc = ctl_fail("purge %s: %s", steps[i].what, PQresultErrorMessage(r));
			PQclear(r);
			break;
		}
		printf("%s %s: %s\n", dry ? "would purge" : "purged", steps[i].what, PQcmdTuples(r));
		PQclear(r);
	}
	PQclear(PQexec(db, rc == CTL_OK && !dry ? "COMMIT" : "ROLLBACK"));
	PQfinish(db);
	return rc;
}

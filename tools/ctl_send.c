/*
 * followupctl send --to E164 TEXT, and broadcast --route CODE TEXT — queue outbound SMS in
 * the outbox (the daemon sends them; nothing goes to the network from here). A broadcast
 * reaches the route's participants and champions who have not opted out, each at the first
 * moment inside their quiet hours, and queuing the same text to the same route twice
 * queues nothing more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "ctl.h"
#include "registry.h"

static const char *
opt(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

/* The one argument that is not an option or its value. */
static const char *
text_arg(int argc, char **argv)
{
	const char *t = NULL;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) == 0) {
			i++;
			continue;
		}
		if (t)
			return NULL;
		t = argv[i];
	}
	return t;
}

int
ctl_cmd_send(const struct ctl_opts *o, int argc, char **argv)
{
	const char *to = opt(argc, argv, "--to"), *text = text_arg(argc, argv);
	if (!to || !text || !*text) {
		fprintf(stderr, "usage: followupctl send --to E164 TEXT\n");
		return CTL_USAGE;
	}
	PGconn *db = ctl_connect(o);
	if (!db)
		return CTL_USER;
	const char *v[2] = {to, text};
	PGresult *r = PQexecParams(
		db,
		"INSERT INTO followup.outbound_messages (person_id, phone, text, kind)"
		" SELECT (SELECT id FROM followup.people WHERE phone = $1), $1, $2, 'manual'"
		" RETURNING id, (SELECT opted_out_at IS NOT NULL FROM followup.people"
		"  WHERE phone = $1)",
		2, NULL, v, NULL, NULL, 0);
	int rc = CTL_OK;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		rc = ctl_fail("send: %s", state && strcmp(state, "23514") == 0
						  ? "the number must be in E.164 form, e.g. +250788123456"
						  : PQresultErrorMessage(r));
	} else {
		printf("queued message %s", PQgetvalue(r, 0, 0));
		if (PQgetvalue(r, 0, 1)[0] == 't')
			printf(" (this person opted out: it will not be sent)");
		printf("\n");
	}
	PQclear(r);
	PQfinish(db);
	return rc;
}

int
ctl_cmd_broadcast(const struct ctl_opts *o, int argc, char **argv)
{
	const char *route = opt(argc, argv, "--route"), *text = text_arg(argc, argv);
	struct cfg *c;
	char err[512];

	if (!route || !text || !*text) {
		fprintf(stderr, "usage: followupctl broadcast --route CODE TEXT\n");
		return CTL_USAGE;
	}
	c = o->config ? cfg_load(o->config, agg_sections, agg_n_sections, err, sizeof(err))
		      : cfg_load_string("(defaults)", "", agg_sections, agg_n_sections, err,
					sizeof(err));
	if (!c)
		return ctl_fail("%s", err);
	PGconn *db = ctl_connect(o);
	if (!db) {
		cfg_free(c);
		return CTL_USER;
	}
	char ws[8], we[8];
	snprintf(ws, sizeof(ws), "%.5s", c->send_window);
	snprintf(we, sizeof(we), "%.5s", c->send_window + 6);
	const char *v[5] = {route, text, ws, we, c->send_days};
	PGresult *r = PQexecParams(
		db,
		"WITH r AS (SELECT id FROM followup.routes WHERE code = $1),"
		" p AS (SELECT DISTINCT p.id, p.phone, p.timezone FROM followup.people p"
		"  JOIN followup.route_participants rp ON rp.person_id = p.id"
		"  JOIN r ON r.id = rp.route_id WHERE p.opted_out_at IS NULL),"
		" q AS (INSERT INTO followup.outbound_messages (person_id, phone, text, kind,"
		"   dedup_key, next_attempt_at)"
		"  SELECT p.id, p.phone, $2, 'broadcast',"
		"   'broadcast:' || $1 || ':' || md5($2) || ':' || p.id,"
		"   coalesce(followup.next_send_time(p.timezone, now(), $3::time, $4, $5), now())"
		"  FROM p ON CONFLICT (dedup_key) DO NOTHING RETURNING id)"
		" SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM p), (SELECT count(*) FROM q)",
		5, NULL, v, NULL, NULL, 0);
	int rc = CTL_OK;
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = ctl_fail("broadcast: %s", PQresultErrorMessage(r));
	else if (atoi(PQgetvalue(r, 0, 0)) == 0)
		rc = ctl_fail("broadcast: unknown route '%s'", route);
	else
		printf("broadcast to %s: %s queued, %d already queued before\n", route,
		       PQgetvalue(r, 0, 2), atoi(PQgetvalue(r, 0, 1)) - atoi(PQgetvalue(r, 0, 2)));
	PQclear(r);
	PQfinish(db);
	cfg_free(c);
	return rc;
}

/* followupctl — the staff and operator tool: dispatch of subcommands. */
#include "ctl.h"
#include "cfg.h"
#include "registry.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FOLLOWUP_DATADIR
#define FOLLOWUP_DATADIR "/usr/local/share/followup"
#endif

static const char usage[] =
	"usage: followupctl [-c FILE] COMMAND [ARGS]\n"
	"\n"
	"  migrate                         apply sql/migrations/*.sql once each, in order\n"
	"  import KIND FILE.csv            KIND: routes organizations people champions\n"
	"                                  topics action-items (all-or-nothing upsert)\n"
	"  export VIEW                     a staff view as CSV on stdout\n"
	"  report [--route CODE]           route summary as a table\n"
	"  simulate ussd --url URL --phone E164 [--code CODE] [--input \"1*2\"]\n"
	"                                  a USSD phone in the terminal (AT protocol)\n"
	"  simulate sms --url URL --from E164 TEXT\n"
	"                                  post one inbound SMS callback\n"
	"  send --to E164 TEXT             queue one SMS in the outbox\n"
	"  broadcast --route CODE TEXT     queue an SMS to everyone on a route\n"
	"  checkins [--now TS] [--dry-run] queue the check-ins, reminders and expiries due\n"
	"  purge --older-than DAYS [--dry-run]\n"
	"                                  erase message bodies and raw payloads (retention)\n"
	"\n"
	"The database is FOLLOWUP_DB if set, else [database] conninfo of -c FILE.\n"
	"Exit status: 0 success, 1 error (one line on stderr), 2 usage.\n";

struct command {
	const char *name;
	int (*fn)(const struct ctl_opts *, int, char **);
};

static const struct command commands[] = {
	{"migrate", ctl_cmd_migrate},
	{"import", ctl_cmd_import},
	{"export", ctl_cmd_export},
	{"report", ctl_cmd_report},
	{"simulate", ctl_cmd_simulate},
	{"checkins", ctl_cmd_checkins},
	{"send", ctl_cmd_send},
	{"broadcast", ctl_cmd_broadcast},
	{"purge", ctl_cmd_purge},
};

int
ctl_fail(const char *fmt, ...)
{
	va_list ap;
	fputs("followupctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CTL_USER;
}

const char *
ctl_migrations_dir(void)
{
	const char *env = getenv("FOLLOWUP_MIGRATIONS");
	if (env && *env)
		return env;
	if (access("sql/migrations", R_OK | X_OK) == 0)
		return "sql/migrations";
	return FOLLOWUP_DATADIR "/migrations";
}

PGconn *
ctl_connect(const struct ctl_opts *o)
{
	const char *conninfo = getenv("FOLLOWUP_DB");
	struct cfg *c = NULL;
	PGconn *db;

	if ((!conninfo || !*conninfo) && o->config) {
		char err[512];
		c = cfg_load(o->config, agg_sections, agg_n_sections, err, sizeof(err));
		if (!c) {
			ctl_fail("%s", err);
			return NULL;
		}
		conninfo = c->conninfo;
	}
	db = PQconnectdb(conninfo ? conninfo : "");
	cfg_free(c);
	if (PQstatus(db) != CONNECTION_OK) {
		char m[512];
		size_t n = 0;
		/* libpq's message spans lines; ours is one. */
		for (const char *p = PQerrorMessage(db); *p && n < sizeof(m) - 1; p++)
			if (*p != '\n' && *p != '\t')
				m[n++] = *p;
			else if (n && m[n - 1] != ' ' && p[1])
				m[n++] = ' ';
		m[n] = '\0';
		ctl_fail("cannot connect to the database: %s", m);
		PQfinish(db);
		return NULL;
	}
	PQclear(PQexec(db, "SET client_min_messages = warning"));
	PQclear(PQexec(db, "SET search_path = followup, public"));
	return db;
}

int
main(int argc, char **argv)
{
	struct ctl_opts o = {.argv0 = argv[0]};
	int i = 1, n = 1;

	/* -c FILE may come before or after the subcommand: take it out wherever it is. */
	for (int j = 1; j < argc; j++) {
		if (strcmp(argv[j], "-c") == 0 && j + 1 < argc) {
			o.config = argv[++j];
			continue;
		}
		argv[n++] = argv[j];
	}
	argc = n;
	argv[argc] = NULL;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			return CTL_OK;
		} else {
			fputs(usage, stderr);
			return CTL_USAGE;
		}
	}
	if (i >= argc) {
		fputs(usage, stderr);
		return CTL_USAGE;
	}
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (strcmp(argv[i], commands[k].name) == 0)
			return commands[k].fn(&o, argc - i, argv + i);
	fprintf(stderr, "followupctl: unknown command '%s'\n", argv[i]);
	fputs(usage, stderr);
	return CTL_USAGE;
}

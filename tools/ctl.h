/*
 * ctl — shared pieces of followupctl, the staff and operator tool. It is a plain blocking
 * program (libpq's synchronous calls are fine here: ARCHITECTURE rule 1 binds followupd only).
 * Exit codes: CTL_OK 0, CTL_USER 1 (a user error, reported as one line), CTL_USAGE 2.
 */
#ifndef FOLLOWUP_CTL_H
#define FOLLOWUP_CTL_H

#include <libpq-fe.h>

enum { CTL_OK = 0, CTL_USER = 1, CTL_USAGE = 2 };

/* Options common to every subcommand, parsed by followupctl.c. */
struct ctl_opts {
	const char *config;   /* -c FILE, or NULL */
	const char *argv0;
};

/* Opens a blocking connection: FOLLOWUP_DB wins, then [database] conninfo of -c FILE, then
 * libpq's own defaults. Sets search_path to followup. Prints the reason and returns NULL. */
PGconn *ctl_connect(const struct ctl_opts *o);

/* Prints "followupctl: <msg>" to stderr; returns CTL_USER, for "return ctl_fail(...)". */
int ctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Directory of sql/migrations: FOLLOWUP_MIGRATIONS, ./sql/migrations, or the installed one. */
const char *ctl_migrations_dir(void);

/* Subcommands: argv[0] is the subcommand's name; each returns an exit code. */
int ctl_cmd_migrate(const struct ctl_opts *o, int argc, char **argv);
int ctl_cmd_import(const struct ctl_opts *o, int argc, char **argv);
int ctl_cmd_export(const struct ctl_opts *o, int argc, char **argv);
int ctl_cmd_report(const struct ctl_opts *o, int argc, char **argv);
int ctl_cmd_simulate(const struct ctl_opts *o, int argc, char **argv);
int ctl_cmd_checkins(const struct ctl_opts *o, int argc, char **argv);
int ctl_cmd_send(const struct ctl_opts *o, int argc, char **argv);
int ctl_cmd_broadcast(const struct ctl_opts *o, int argc, char **argv);
int ctl_cmd_purge(const struct ctl_opts *o, int argc, char **argv);

#endif

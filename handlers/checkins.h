/*
 * checkins — SMS check-ins by schedule: the SQL that finds who is due (days after each route's
 * visit_end, only the latest check-in still inside its window, inside the person's quiet
 * hours, never to opted-out people), the SQL that starts one (check-in row, first question
 * in the outbox, conversation state, all or nothing, idempotent on person, route and
 * sequence), reminders and expiry; and the pure code that builds each first question and
 * reminder from the conversation core. Shared by the daemon's timer (checkin_sched.c) and
 * `followupctl checkins`, so both do exactly the same thing.
 */
#ifndef FOLLOWUP_CHECKINS_H
#define FOLLOWUP_CHECKINS_H

#include <libpq-fe.h>
#include <stddef.h>

#include "cfg.h"
#include "convo.h"

struct catalog;

/* Queries; their parameters are filled by checkins_params(). Each returns rows described
 * below; "now" is $1 (NULL: the database's clock). */
extern const char checkins_expire_sql[];   /* $1 now -> command */
extern const char checkins_due_sql[];      /* $1..$7 -> CHECKINS_DUE_* columns */
extern const char checkins_start_sql[];    /* CHECKINS_START_NPARAMS params -> count */
extern const char checkins_remind_sql[];   /* $1..$7 -> CHECKINS_REMIND_* columns */
extern const char checkins_remind_write_sql[]; /* 4 params -> command */

enum {
	CHECKINS_DUE_PERSON, CHECKINS_DUE_PHONE, CHECKINS_DUE_NAME, CHECKINS_DUE_LANG,
	CHECKINS_DUE_ROUTE, CHECKINS_DUE_CODE, CHECKINS_DUE_SEQ, CHECKINS_DUE_DAYS,
	CHECKINS_DUE_LAST, CHECKINS_DUE_DUE_AT, CHECKINS_DUE_EXPIRES_EPOCH,
	CHECKINS_DUE_EXPIRES_AT, CHECKINS_DUE_ID, CHECKINS_DUE_ITEMS, CHECKINS_DUE_NOW
};
enum {
	CHECKINS_REMIND_ID, CHECKINS_REMIND_PERSON, CHECKINS_REMIND_PHONE,
	CHECKINS_REMIND_NAME, CHECKINS_REMIND_LANG, CHECKINS_REMIND_STATE, CHECKINS_REMIND_NOW
};

#define CHECKINS_START_NPARAMS 14
#define CHECKINS_TEXT_SIZE 1024

/* The parameters of checkins_due_sql and checkins_remind_sql: now (NULL for the database's
 * clock), schedule, window and days from c, and limit. Strings live in p. */
struct checkins_params {
	char window_start[8], window_end[8], days_after[12], limit[12], schedule[160];
	const char *v[7];
};
void checkins_params(struct checkins_params *p, const struct cfg *c, const char *now,
		     int remind, int limit);

/* A check-in to start, built from one row of checkins_due_sql. */
struct checkins_start {
	char text[CHECKINS_TEXT_SIZE];       /* the first question, rendered */
	char state[CONVO_ENCODED_MAX];
	char step[12], item[24];
	const char *v[CHECKINS_START_NPARAMS]; /* parameters of checkins_start_sql */
};

/* Builds the first question, the conversation state and the write's parameters from row i
 * of due (borrowed: s->v points into it and into s). 0, or -1 with a reason in err. */
int checkins_build_start(const struct catalog *cat, const PGresult *due, int i,
			 struct checkins_start *s, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* A reminder, built from one row of checkins_remind_sql. */
struct checkins_reminder {
	char text[CHECKINS_TEXT_SIZE];
	const char *v[4];
};

int checkins_build_reminder(const struct catalog *cat, const PGresult *rows, int i,
			    struct checkins_reminder *r, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif

/*
 * db_prep — the statements one database connection has prepared, for db.c. Each connection
 * prepares every statement text it is given, the first time, in the same pipeline as its
 * first execution: planning the larger statements costs more than running them, and the set
 * of texts is the program's own, small and fixed. Past DB_PREPARED_MAX texts a connection
 * sends the rest unprepared. Internal to the pool.
 */
#ifndef FOLLOWUP_DB_PREP_H
#define FOLLOWUP_DB_PREP_H

#define DB_PREPARED_MAX 128

enum db_prep_state { DB_PREP_NONE, DB_PREP_SENT, DB_PREP_READY };

struct db_prepared {
	unsigned hash;
	char *sql;
	enum db_prep_state st;
};

struct db_prep_cache {
	struct db_prepared e[DB_PREPARED_MAX];
	int n;
};

/* The slot of sql (made, in state NONE, when missing), or -1 when the cache is full. The
 * statement's server-side name is "db_<slot>". */
int db_prep_slot(struct db_prep_cache *c, const char *sql);

/* Forgets everything (a new server session knows none of our statements). */
void db_prep_forget(struct db_prep_cache *c);

#endif

/* db_prep — per-connection prepared statement names; see db_prep.h. */
#include "db_prep.h"

#include <stdlib.h>
#include <string.h>

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int
db_prep_slot(struct db_prep_cache *c, const char *sql)
{
	unsigned h = hash(sql);
	for (int i = 0; i < c->n; i++)
		if (c->e[i].hash == h && strcmp(c->e[i].sql, sql) == 0)
			return i;
	if (c->n == DB_PREPARED_MAX || !(c->e[c->n].sql = strdup(sql)))
		return -1;
	c->e[c->n].hash = h;
	c->e[c->n].st = DB_PREP_NONE;
	return c->n++;
}

void
db_prep_forget(struct db_prep_cache *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->e[i].sql);
	c->n = 0;
}

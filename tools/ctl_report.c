/*
 * followupctl report [--route CODE] — v_route_summary as a text table for a terminal: one
 * column per view column, padded to its widest cell (counted in characters, not bytes, so
 * names in any language line up), numbers right-aligned, NULL shown as "-".
 */
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* PostgreSQL type oids of the numeric columns (pg_type.h is not a client header). */
enum { OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_FLOAT4 = 700, OID_FLOAT8 = 701,
       OID_NUMERIC = 1700 };

/* Characters in a UTF-8 string: bytes that do not continue a sequence. */
static size_t
text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static int
is_number(Oid t)
{
	return t == OID_INT8 || t == OID_INT2 || t == OID_INT4 || t == OID_FLOAT4 ||
	       t == OID_FLOAT8 || t == OID_NUMERIC;
}

static const char *
cell(const PGresult *r, int row, int col)
{
	if (row < 0)
		return PQfname(r, col);
	return PQgetisnull(r, row, col) ? "-" : PQgetvalue(r, row, col);
}

static void
print_cell(const char *s, size_t width, int right, int last)
{
	size_t pad = width - text_width(s);
	if (right)
		printf("%*s%s", (int)pad, "", s);
	else if (last)
		fputs(s, stdout);
	else
		printf("%s%*s", s, (int)pad, "");
	fputs(last ? "\n" : "  ", stdout);
}

static void
print_table(const PGresult *r)
{
	int nf = PQnfields(r), nr = PQntuples(r);
	size_t *w = calloc((size_t)nf, sizeof(*w));
	if (!w)
		abort();
	for (int c = 0; c < nf; c++)
		for (int row = -1; row < nr; row++) {
			size_t cw = text_width(cell(r, row, c));
			if (cw > w[c])
				w[c] = cw;
		}
	for (int row = -1; row < nr; row++) {
		for (int c = 0; c < nf; c++)
			print_cell(cell(r, row, c), w[c], is_number(PQftype(r, c)),
				   c == nf - 1);
		if (row == -1)
			for (int c = 0; c < nf; c++) {
				for (size_t i = 0; i < w[c]; i++)
					putchar('-');
				fputs(c == nf - 1 ? "\n" : "  ", stdout);
			}
	}
	free(w);
}

int
ctl_cmd_report(const struct ctl_opts *o, int argc, char **argv)
{
	const char *route = NULL;
	PGconn *db;
	PGresult *res;
	int rc = CTL_OK;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--route") == 0 && i + 1 < argc && !route) {
			route = argv[++i];
		} else {
			fprintf(stderr, "usage: followupctl report [--route CODE]\n");
			return CTL_USAGE;
		}
	}
	if (!(db = ctl_connect(o)))
		return CTL_USER;
	PQsetClientEncoding(db, "UTF8");
	res = PQexecParams(db,
			   "SELECT * FROM followup.v_route_summary "
			   "WHERE $1::text IS NULL OR route = $1 ORDER BY route",
			   1, NULL, (const char *const[]){route}, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = ctl_fail("report: %s", PQresultErrorMessage(res));
	else if (route && PQntuples(res) == 0)
		rc = ctl_fail("report: unknown route '%s'", route);
	else if (PQntuples(res) == 0)
		printf("no routes yet: import them with followupctl import routes FILE.csv\n");
	else
		print_table(res);
	PQclear(res);
	PQfinish(db);
	return rc;
}

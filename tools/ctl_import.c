/*
 * followupctl import KIND FILE.csv — loads a staff spreadsheet, all or nothing.
 *
 * The file is read whole. Its header line must be exactly SPEC's. Each following CSV record is
 * streamed with COPY (FORMAT csv) into a temporary table, prefixed with the number of the file
 * line it starts on, so errors name the right line even after quoted multi-line cells. Finding
 * where a record ends only needs the quote state (a '"' toggles it, "" toggles twice), which is
 * also how PostgreSQL splits CSV records; the cells themselves are parsed by PostgreSQL. Records
 * that COPY would refuse as a whole (invalid UTF-8, a NUL byte, a wrong number of cells, an
 * unterminated quote) are reported here and kept out of the COPY, so the other rows are still
 * checked. Then the SQL half (sql/migrations/0004_import.sql) checks every row and, when none is
 * bad, upserts in the same transaction.
 */
#include "ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_MAX_BYTES (256L * 1024 * 1024)

struct import_kind {
	const char *name;     /* KIND on the command line */
	const char *header;   /* SPEC "CSV files", exactly */
	int ncols;
	const char *stage;    /* the staging table: line, then the header's columns as text */
	const char *check;    /* (line, reason) of every bad row */
	const char *apply;    /* (tbl, inserted, updated, unchanged) */
};

#define STAGE(cols) \
	"CREATE TEMP TABLE import_stage (line int PRIMARY KEY, " cols ") ON COMMIT DROP"

static const struct import_kind kinds[] = {
	{"routes", "code,title,country,visit_start,visit_end", 5,
	 STAGE("code text, title text, country text, visit_start text, visit_end text"),
	 "SELECT line, reason FROM followup.import_check_routes()",
	 "SELECT * FROM followup.import_apply_routes()"},
	{"organizations", "name,country", 2, STAGE("name text, country text"),
	 "SELECT line, reason FROM followup.import_check_organizations()",
	 "SELECT * FROM followup.import_apply_organizations()"},
	{"people", "phone,name,gender,language,timezone,organization,route,role", 8,
	 STAGE("phone text, name text, gender text, language text, timezone text, "
	       "organization text, route text, role text"),
	 "SELECT line, reason FROM followup.import_check_people()",
	 "SELECT * FROM followup.import_apply_people()"},
	{"champions", "route,phone,experience,location", 4,
	 STAGE("route text, phone text, experience text, location text"),
	 "SELECT line, reason FROM followup.import_check_champions()",
	 "SELECT * FROM followup.import_apply_champions()"},
	{"topics", "route,title", 2, STAGE("route text, title text"),
	 "SELECT line, reason FROM followup.import_check_topics()",
	 "SELECT * FROM followup.import_apply_topics()"},
	{"action-items", "route,phone,title,due_date,target_people", 5,
	 STAGE("route text, phone text, title text, due_date text, target_people text"),
	 "SELECT line, reason FROM followup.import_check_action_items()",
	 "SELECT * FROM followup.import_apply_action_items()"},
};

/* One bad row; idx keeps the order of reasons found for the same line. */
struct bad_row {
	long line;
	size_t idx;
	char *reason;
};

struct bad_list {
	struct bad_row *v;
	size_t n, cap;
};

static void
bad_add(struct bad_list *b, long line, const char *reason)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 32;
		b->v = realloc(b->v, b->cap * sizeof(*b->v));
		if (!b->v)
			abort();
	}
	b->v[b->n] = (struct bad_row){.line = line, .idx = b->n, .reason = strdup(reason)};
	if (!b->v[b->n].reason)
		abort();
	b->n++;
}

static int
bad_cmp(const void *a, const void *b)
{
	const struct bad_row *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void
bad_free(struct bad_list *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->v[i].reason);
	free(b->v);
}

/* Reads the whole file; NULL with errno set on failure. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 65536;
			if ((long)cap > IMPORT_MAX_BYTES * 2) {
				errno = EFBIG;
				break;
			}
			char *nb = realloc(buf, cap + 1);
			if (!nb)
				abort();
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f) || (long)n > IMPORT_MAX_BYTES) {
		if (!ferror(f))
			errno = EFBIG;
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 when invalid or NUL. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	unsigned min;

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	unsigned cp = c & (0x3f >> (len - 1));
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* One CSV record of the file: where it starts, its bytes without the line end. */
struct record {
	long line;          /* file line it starts on */
	long next_line;     /* file line after it */
	const char *p;
	size_t len;
	int fields;
	int open_quote;     /* the file ended inside a quoted cell */
	long bad_line;      /* > 0: invalid UTF-8 or NUL on this line */
	int bad_nul;
};

/* Scans the record starting at *pos; returns 0 at the end of the file. */
static int
next_record(const char *buf, size_t len, size_t *pos, long line, struct record *r)
{
	size_t i = *pos;
	int in_quote = 0;

	if (i >= len)
		return 0;
	*r = (struct record){.line = line, .p = buf + i, .fields = 1};
	while (i < len) {
		unsigned char c = (unsigned char)buf[i];
		if (c == '\n' && !in_quote)
			break;
		if (c == '"') {
			in_quote = !in_quote;
		} else if (c == ',' && !in_quote) {
			r->fields++;
		} else if (c == '\n') {
			line++;
		} else if (c >= 0x80 || c == 0) {
			size_t k = utf8_seq((const unsigned char *)buf + i, len - i);
			if (k == 0) {
				if (!r->bad_line)
					r->bad_line = line, r->bad_nul = c == 0;
				k = 1;
			}
			i += k;
			continue;
		}
		i++;
	}
	r->len = (size_t)(buf + i - r->p);
	if (r->len > 0 && r->p[r->len - 1] == '\r')
		r->len--;
	r->open_quote = in_quote;
	r->next_line = line + 1;
	*pos = i < len ? i + 1 : i;
	return 1;
}

static int
exec_ok(PGconn *db, const char *sql, const char *what)
{
	PGresult *res = PQexec(db, sql);
	ExecStatusType st = PQresultStatus(res);
	int good = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!good)
		ctl_fail("%s: %s", what, PQresultErrorMessage(res));
	PQclear(res);
	return good;
}

/* Streams the good records into import_stage; records the others in bad. 0 or -1. */
static int
copy_records(PGconn *db, const struct import_kind *k, const char *path, const char *buf,
	     size_t len, size_t pos, struct bad_list *bad)
{
	PGresult *res = PQexec(db, "COPY import_stage FROM STDIN (FORMAT csv, HEADER false)");
	struct record r;
	long line = 2;
	int good = 1;
	char msg[160], num[24];

	if (PQresultStatus(res) != PGRES_COPY_IN) {
		ctl_fail("%s: COPY: %s", path, PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	while (good && next_record(buf, len, &pos, line, &r)) {
		line = r.next_line;
		if (r.bad_line) {
			bad_add(bad, r.bad_line, r.bad_nul ? "contains a NUL byte" : "invalid UTF-8");
			continue;
		}
		if (r.open_quote) {
			bad_add(bad, r.line, "a quoted cell is not closed (missing '\"')");
			continue;
		}
		if (r.len == 0)
			continue;   /* blank line */
		if (r.fields != k->ncols) {
			snprintf(msg, sizeof(msg), "expected %d cells (%s), found %d", k->ncols,
				 k->header, r.fields);
			bad_add(bad, r.line, msg);
			continue;
		}
		int nl = snprintf(num, sizeof(num), "%ld,", r.line);
		good = PQputCopyData(db, num, nl) == 1 && PQputCopyData(db, r.p, (int)r.len) == 1 &&
		       PQputCopyData(db, "\n", 1) == 1;
	}
	if (PQputCopyEnd(db, good ? NULL : "client error") != 1)
		good = 0;
	while ((res = PQgetResult(db)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			if (good)
				ctl_fail("%s: COPY: %s", path, PQresultErrorMessage(res));
			good = 0;
		}
		PQclear(res);
	}
	if (!good && PQstatus(db) == CONNECTION_OK && bad->n == 0)
		ctl_fail("%s: COPY failed: %s", path, PQerrorMessage(db));
	return good ? 0 : -1;
}

/* Compares the first line of the file with the header, tolerating a BOM and CRLF. Returns the
 * offset after it, or 0 when it does not match. */
static size_t
check_header(const char *buf, size_t len, const char *want)
{
	size_t off = 0, end;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	for (end = off; end < len && buf[end] != '\n'; end++)
		;
	size_t hl = end - off;
	if (hl > 0 && buf[off + hl - 1] == '\r')
		hl--;
	if (hl != strlen(want) || memcmp(buf + off, want, hl) != 0)
		return 0;
	return end < len ? end + 1 : end;
}

static int
run_import(PGconn *db, const struct import_kind *k, const char *path, const char *buf,
	   size_t len, size_t start)
{
	struct bad_list bad = {0};
	PGresult *res;
	int rc = CTL_USER;

	if (PQsetClientEncoding(db, "UTF8") != 0) {
		ctl_fail("cannot set client encoding UTF8");
		return CTL_USER;
	}
	if (!exec_ok(db, "BEGIN", "BEGIN") || !exec_ok(db, k->stage, "staging table") ||
	    copy_records(db, k, path, buf, len, start, &bad) != 0 ||
	    !exec_ok(db, "SELECT followup.import_normalize()", "normalize"))
		goto out;

	res = PQexec(db, k->check);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ctl_fail("%s: checking rows: %s", path, PQresultErrorMessage(res));
		PQclear(res);
		goto out;
	}
	for (int i = 0; i < PQntuples(res); i++)
		bad_add(&bad, atol(PQgetvalue(res, i, 0)), PQgetvalue(res, i, 1));
	PQclear(res);

	if (bad.n > 0) {
		qsort(bad.v, bad.n, sizeof(*bad.v), bad_cmp);
		for (size_t i = 0; i < bad.n; i++)
			fprintf(stderr, "%s:%ld: %s\n", path, bad.v[i].line, bad.v[i].reason);
		ctl_fail("import %s: %zu error%s in %s, nothing written", k->name, bad.n,
			 bad.n == 1 ? "" : "s", path);
		goto out;
	}

	res = PQexec(db, k->apply);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ctl_fail("%s: writing: %s", path, PQresultErrorMessage(res));
		PQclear(res);
		goto out;
	}
	if (!exec_ok(db, "COMMIT", "COMMIT")) {
		PQclear(res);
		goto out;
	}
	for (int i = 0; i < PQntuples(res); i++)
		printf("%s: %s inserted, %s updated, %s unchanged\n", PQgetvalue(res, i, 0),
		       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
	PQclear(res);
	rc = CTL_OK;
out:
	if (rc != CTL_OK)
		PQclear(PQexec(db, "ROLLBACK"));
	bad_free(&bad);
	return rc;
}

int
ctl_cmd_import(const struct ctl_opts *o, int argc, char **argv)
{
	const struct import_kind *k = NULL;
	size_t len = 0, start;
	char *buf;
	PGconn *db;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: followupctl import KIND FILE.csv\n"
				"  KIND: routes organizations people champions topics action-items\n");
		return CTL_USAGE;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(argv[1], kinds[i].name) == 0)
			k = &kinds[i];
	if (!k)
		return ctl_fail("import: unknown kind '%s' (routes, organizations, people, "
				"champions, topics, action-items)", argv[1]);
	if (!(buf = read_file(argv[2], &len)))
		return ctl_fail("%s: cannot read: %s", argv[2], strerror(errno));
	if ((start = check_header(buf, len, k->header)) == 0) {
		/* Spreadsheets in French or Spanish locales save with ';' between cells. */
		const char *nl = memchr(buf, '\n', len);
		const char *semi = memchr(buf, ';', nl ? (size_t)(nl - buf) : len);
		fprintf(stderr, "%s:1: the header must be exactly \"%s\"%s\n", argv[2], k->header,
			semi ? " (this file separates cells with ';': save it as CSV UTF-8 with commas)"
			     : "");
		free(buf);
		return ctl_fail("import %s: wrong header in %s, nothing written", k->name, argv[2]);
	}
	if (!(db = ctl_connect(o))) {
		free(buf);
		return CTL_USER;
	}
	rc = run_import(db, k, argv[2], buf, len, start);
	PQfinish(db);
	free(buf);
	return rc;
}

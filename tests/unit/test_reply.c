/* test_reply — the lenient reply reader against the corpus tests/data/replies.tsv, plus
 * folding, garbage and size limits. Runs from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "catalog.h"
#include "reply.h"

#define CORPUS "tests/data/replies.tsv"

struct fixture {
	struct catalog *cat;
	struct reply_reader *rd;
};

static int
setup(void **state)
{
	static struct fixture f;
	char err[512] = "";

	f.cat = cat_load("config/messages", err, sizeof(err));
	if (!f.cat) {
		fprintf(stderr, "cat_load: %s\n", err);
		return -1;
	}
	f.rd = reply_reader_new(f.cat, err, sizeof(err));
	if (!f.rd) {
		fprintf(stderr, "reply_reader_new: %s\n", err);
		return -1;
	}
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	reply_reader_free(f->rd);
	cat_free(f->cat);
	return 0;
}

/* The reading as the corpus writes it: "stop", "status=2 number=2", "free"... */
static void
label(const struct reply_reading *r, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
#define PUT(...) o += (size_t)snprintf(buf + o, len - o, __VA_ARGS__)
	if (r->keyword == REPLY_KW_LANG)
		PUT("lang=%s ", r->lang[0] ? r->lang : "?");
	else if (r->keyword != REPLY_KW_NONE)
		PUT("%s ", reply_keyword_name(r->keyword));
	if (r->has_status)
		PUT("status=%d ", r->status);
	if (r->has_number)
		PUT("number=%ld ", r->number);
	if (r->yes)
		PUT("yes ");
	if (r->no)
		PUT("no ");
#undef PUT
	if (o == 0)
		snprintf(buf, len, "free");
	else
		buf[o - 1] = '\0';
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

/* Undoes the corpus escapes (\t \n \\ \xNN) in place; returns the byte length. */
static size_t
unescape(char *s)
{
	size_t o = 0;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '\\' && s[i + 1] == 't')
			s[o++] = '\t', i++;
		else if (s[i] == '\\' && s[i + 1] == 'n')
			s[o++] = '\n', i++;
		else if (s[i] == '\\' && s[i + 1] == '\\')
			s[o++] = '\\', i++;
		else if (s[i] == '\\' && s[i + 1] == 'x' && hexval(s[i + 2]) >= 0 &&
		         hexval(s[i + 3]) >= 0)
			s[o++] = (char)(hexval(s[i + 2]) * 16 + hexval(s[i + 3])), i += 3;
		else
			s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

/* Splits line on tabs into at most max fields; returns how many. */
static size_t
split_tabs(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (n < max) {
		char *tab = strchr(p, '\t');
		fields[n++] = p;
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

static void
test_reply_corpus(void **state)
{
	struct fixture *f = *state;
	FILE *fp = fopen(CORPUS, "r");
	char line[2048];
	int lineno = 0, total = 0, matched = 0, failed = 0, todo_missed = 0;
	int header_seen = 0;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		char *fld[4] = {NULL, NULL, NULL, NULL}, got[128];
		struct reply_reading rr;
		size_t n, len;
		int is_todo;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		n = split_tabs(line, fld, 4);
		if (!header_seen) {
			header_seen = 1; /* "lang text expected comment" */
			continue;
		}
		if (n < 3) {
			fprintf(stderr, "%s:%d: fewer than 3 columns\n", CORPUS, lineno);
			failed++;
			continue;
		}
		len = unescape(fld[1]);
		reply_read(f->rd, fld[1], len, fld[0][0] ? fld[0] : NULL, &rr);
		label(&rr, got, sizeof(got));
		total++;
		is_todo = n == 4 && strncmp(fld[3], "todo:", 5) == 0;
		if (strcmp(got, fld[2]) == 0) {
			matched++;
			if (is_todo)
				fprintf(stderr, "%s:%d: todo row now passes: remove \"todo:\"\n",
				        CORPUS, lineno);
			continue;
		}
		fprintf(stderr, "%s:%d: %s%s \"%s\": expected \"%s\", read \"%s\"\n", CORPUS,
		        lineno, is_todo ? "(todo) " : "", fld[0], fld[1], fld[2], got);
		if (is_todo)
			todo_missed++;
		else
			failed++;
	}
	fclose(fp);
	fprintf(stderr, "reply corpus: %d/%d rows read as expected (%.1f%%), %d known misses\n",
	        matched, total, total ? 100.0 * matched / total : 0.0, todo_missed);
	assert_true(total >= 150);
	assert_int_equal(failed, 0);
}

static void
test_reply_normalize(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"Terminé!!", "termine"},
	    {"  2.  ", "2"},
	    {"15people", "15 people"},
	    {"c'est FAIT", "cest fait"},
	    {"J\xe2\x80\x99"
	     "ai",
	     "jai"},
	    {"ARRÊT", "arret"},
	    {"Straße Œuvre Æther", "strasse oeuvre aether"},
	    {"concluído não", "concluido nao"},
	    {"e\xcc\x81t\xc3\xa9", "ete"}, /* NFD e + combining acute */
	    {"1,200 and 1.500 and 2.5", "1200 and 1500 and 2 5"},
	    {"vingt-cinq", "vingt cinq"},
	    {"👍🏽", ""},
	    {"\xff\xfe\xc3", ""},
	    {"Łódź Ștefan", "lodz stefan"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[64];
		size_t n = reply_normalize(cases[i].in, strlen(cases[i].in), out, sizeof(out));
		assert_string_equal(out, cases[i].out);
		assert_int_equal(n, strlen(cases[i].out));
	}
}

/* A short output buffer keeps whole words only and never overflows. */
static void
test_reply_normalize_truncates_at_word(void **state)
{
	char out[12];
	size_t n = reply_normalize("alpha beta gamma", 16, out, sizeof(out));
	(void)state;
	assert_string_equal(out, "alpha beta");
	assert_int_equal(n, 10);
	n = reply_normalize("abcdefghijklmnop", 16, out, sizeof(out));
	assert_int_equal(n, 0);
	assert_string_equal(out, "");
}

/* Random bytes never crash the reader and always give an in-range reading. */
static void
test_reply_garbage(void **state)
{
	struct fixture *f = *state;
	uint32_t seed = 12345;
	static const char *const langs[] = {"en", "fr", "rw", "sw", "es", "pt", NULL, "zz"};

	for (int round = 0; round < 2000; round++) {
		unsigned char buf[300];
		size_t len = (size_t)(round % 300);
		struct reply_reading rr;
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (unsigned char)(seed >> 16);
			if (round % 3 == 0) /* mostly ASCII letters, digits and spaces */
				buf[i] = (unsigned char)" 0123456789abcdefghijklmnopqrstuvwxyz.,"
				    [buf[i] % 39];
		}
		reply_read(f->rd, (const char *)buf, len, langs[round % 8], &rr);
		assert_true(rr.keyword >= REPLY_KW_NONE && rr.keyword < REPLY_KW_COUNT);
		assert_true(!rr.has_status || (rr.status >= 1 && rr.status <= 4));
		assert_true(!rr.has_number || (rr.number >= 0 && rr.number <= REPLY_NUMBER_MAX));
		assert_true(rr.words <= REPLY_MAX_TOKENS);
	}
}

/* A message longer than the reader's buffers is read up to there, without overflow. */
static void
test_reply_long_message(void **state)
{
	struct fixture *f = *state;
	size_t len = 3 * REPLY_NORM_MAX;
	char *text = malloc(len);
	struct reply_reading rr;

	assert_non_null(text);
	for (size_t i = 0; i < len; i++)
		text[i] = i % 2 ? ' ' : 'x'; /* many one-letter words */
	memcpy(text, "done ", 5);
	reply_read(f->rd, text, len, "en", &rr);
	assert_true(rr.has_status);
	assert_int_equal(rr.status, 3);
	assert_int_equal(rr.words, REPLY_MAX_TOKENS);
	free(text);
}

/* The answers each language's check-in question suggests are read as those statuses. */
static void
test_reply_question_words(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *lang, *words[4];
	} qs[] = {
	    {"en", {"not started", "in progress", "done", "need help"}},
	    {"fr", {"pas commencé", "en cours", "terminé", "besoin d'aide"}},
	    {"rw", {"ntibiratangira", "birakomeje", "byarangiye", "nkeneye ubufasha"}},
	    {"sw", {"bado kuanza", "inaendelea", "imekamilika", "nahitaji msaada"}},
	    {"es", {"no iniciado", "en curso", "terminado", "necesito ayuda"}},
	    {"pt", {"nao iniciado", "em andamento", "concluido", "preciso de ajuda"}},
	};
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		for (int s = 0; s < 4; s++) {
			struct reply_reading rr;
			reply_read(f->rd, qs[i].words[s], strlen(qs[i].words[s]), qs[i].lang, &rr);
			assert_int_equal(rr.keyword, REPLY_KW_NONE);
			assert_true(rr.has_status);
			assert_int_equal(rr.status, s + 1);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reply_corpus),
	    cmocka_unit_test(test_reply_normalize),
	    cmocka_unit_test(test_reply_normalize_truncates_at_word),
	    cmocka_unit_test(test_reply_garbage),
	    cmocka_unit_test(test_reply_long_message),
	    cmocka_unit_test(test_reply_question_words),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

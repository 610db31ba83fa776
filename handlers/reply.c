/* reply — the lenient reader of SMS replies; see reply.h for the rules. */
#include "reply.h"

#include "catalog.h"
#include "gsm.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a phrase of the [reply] word lists means. */
enum phrase_kind {
	PH_STOP,
	PH_START,
	PH_HELP,
	PH_LANG,     /* "lang", "langue", ... followed by a code or a name */
	PH_LANGNAME, /* a name of the catalog's own language ("francais"); value = lang index */
	PH_YES,
	PH_NO,
	PH_FILLER, /* ignored around a bare number: "thanks", "asante" */
	PH_STATUS, /* value 1..4, or 0 for status_none (consumed, means nothing) */
	PH_NUMBER,
	PH_NUMBER_WEAK, /* a number only as the whole message: articles like "un", "una" */
	PH_AND,         /* the "and" of compounds: "vingt et un", "ishirini na tano" */
	PH_KIND_COUNT
};

#define KIND(k) (1u << (k))
#define KW_KINDS (KIND(PH_STOP) | KIND(PH_START) | KIND(PH_HELP))

struct phrase {
	char *text; /* normalized words separated by one space */
	uint8_t kind;
	uint8_t lang; /* index into reply_reader.langs */
	uint8_t ntok;
	long value;
};

struct reply_reader {
	struct phrase *ph;
	size_t n, cap;
	char langs[CAT_MAX_LANGS][4];
	size_t nlangs;
	int en; /* index of "en", -1 if absent */
};

/* The catalog keys, per language. A list too long for one INI line (inih reads 200 bytes)
 * continues in key_b, key_c, ... key_h. */
static const struct list_key {
	const char *key;
	enum phrase_kind kind;
	int value;
	bool numbered; /* items are "N words" */
} list_keys[] = {
    {.key = "reply.stop", .kind = PH_STOP},
    {.key = "reply.start", .kind = PH_START},
    {.key = "reply.help", .kind = PH_HELP},
    {.key = "reply.lang", .kind = PH_LANG},
    {.key = "reply.names", .kind = PH_LANGNAME},
    {.key = "reply.yes", .kind = PH_YES},
    {.key = "reply.no", .kind = PH_NO},
    {.key = "reply.filler", .kind = PH_FILLER},
    {.key = "reply.status_none", .kind = PH_STATUS, .value = 0},
    {.key = "reply.status_1", .kind = PH_STATUS, .value = 1},
    {.key = "reply.status_2", .kind = PH_STATUS, .value = 2},
    {.key = "reply.status_3", .kind = PH_STATUS, .value = 3},
    {.key = "reply.status_4", .kind = PH_STATUS, .value = 4},
    {.key = "reply.numbers", .kind = PH_NUMBER, .numbered = true},
    {.key = "reply.numbers_weak", .kind = PH_NUMBER_WEAK, .numbered = true},
    {.key = "reply.number_and", .kind = PH_AND},
};

static const char *const kw_names[REPLY_KW_COUNT] = {
    [REPLY_KW_NONE] = "none", [REPLY_KW_STOP] = "stop", [REPLY_KW_START] = "start",
    [REPLY_KW_HELP] = "help", [REPLY_KW_LANG] = "lang",
};

const char *
reply_keyword_name(enum reply_keyword k)
{
	return (unsigned)k < REPLY_KW_COUNT ? kw_names[k] : "?";
}

/* ---- folding ---------------------------------------------------------------------------- */

/* U+00C0..U+00FF; NULL = a separator (× ÷). */
static const char *const latin1[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c",  "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  NULL, "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c",  "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  NULL, "o", "u", "u", "u", "u", "y", "th", "y",
};

/* U+0100..U+017F, one base letter each (Ĳ and Œ are special-cased below). */
static const char latin_ext_a[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii"
                                  "iijjkkkllllllllllnnnnnnnnnoooooooorrrrrrsssssssstttttt"
                                  "uuuuuuuuuuuuwwyyyzzzzzzs";
_Static_assert(sizeof(latin_ext_a) == 129, "one letter per code point U+0100..U+017F");

/* What cp folds to: letters (lowercase ASCII), "" to drop it, or NULL for a separator.
 * Dropped: apostrophes (so "c'est" stays one word), combining marks (NFD text), zero-width
 * characters and variation selectors (emoji sequences). */
static const char *
fold(uint32_t cp, char buf[2])
{
	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
			buf[0] = (char)cp, buf[1] = '\0';
			return buf;
		}
		return cp == '\'' || cp == '`' ? "" : NULL;
	}
	if (cp >= 0xC0 && cp <= 0xFF)
		return latin1[cp - 0xC0];
	if (cp >= 0x100 && cp <= 0x17F) {
		if (cp == 0x132 || cp == 0x133)
			return "ij";
		if (cp == 0x152 || cp == 0x153)
			return "oe";
		buf[0] = latin_ext_a[cp - 0x100], buf[1] = '\0';
		return buf;
	}
	if (cp == 0x218 || cp == 0x219)
		return "s";
	if (cp == 0x21A || cp == 0x21B)
		return "t";
	if (cp == 0xB4 || cp == 0x2BC || cp == 0x2018 || cp == 0x2019 || cp == 0xAD ||
	    (cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 ||
	    cp == 0xFEFF || (cp >= 0xFE00 && cp <= 0xFE0F))
		return "";
	return NULL;
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* A '.' or ',' at s[i] between digits, followed by exactly three digits: a thousands
 * separator ("1,200", "1.500"), not a decimal point or a list. */
static int
is_thousands_sep(const unsigned char *s, size_t len, size_t i)
{
	if ((s[i] != ',' && s[i] != '.') || i + 3 >= len)
		return 0;
	if (!is_digit(s[i + 1]) || !is_digit(s[i + 2]) || !is_digit(s[i + 3]))
		return 0;
	return i + 4 >= len || !is_digit(s[i + 4]);
}

size_t
reply_normalize(const char *in, size_t len, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, i = 0, word_start = 0;
	int cls = 0; /* of the last character written: 0 none, 1 letter, 2 digit */
	int gap = 0; /* a separator since the last character written */

	out[0] = '\0';
	if (!in)
		return 0;
	while (i < len) {
		uint32_t cp;
		char buf[2];
		size_t n;
		const char *f;

		if (s[i] == '\0') { /* a NUL inside an SMS: read it as a space */
			gap = 1, i++;
			continue;
		}
		if (cls == 2 && !gap && is_thousands_sep(s, len, i)) {
			i++;
			continue;
		}
		n = gsm_utf8_decode(s + i, len - i, &cp);
		i += n;
		f = fold(cp, buf);
		if (!f) {
			gap = 1;
			continue;
		}
		for (; *f; f++) {
			int c = is_digit((unsigned char)*f) ? 2 : 1;
			int space = o > 0 && (gap || c != cls);
			if (o + space + 1 >= outlen) {
				/* Full: keep whole words only. */
				if (!space)
					o = word_start > 0 ? word_start - 1 : 0;
				out[o] = '\0';
				return o;
			}
			if (space)
				out[o++] = ' ';
			if (space || o == 0)
				word_start = o;
			out[o++] = *f;
			cls = c, gap = 0;
		}
	}
	out[o] = '\0';
	return o;
}

/* ---- building the tables ---------------------------------------------------------------- */

static int
count_words(const char *s)
{
	int n = *s ? 1 : 0;
	for (; *s; s++)
		n += *s == ' ';
	return n;
}

static int
add_phrase(struct reply_reader *r, const char *raw, size_t rawlen, enum phrase_kind kind,
           size_t lang, long value)
{
	char norm[256];
	size_t n = reply_normalize(raw, rawlen, norm, sizeof(norm));

	if (n == 0)
		return 0; /* an empty item (",,") is harmless */
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 512;
		struct phrase *p = realloc(r->ph, cap * sizeof(*p));
		if (!p)
			return -1;
		r->ph = p, r->cap = cap;
	}
	r->ph[r->n].text = strdup(norm);
	if (!r->ph[r->n].text)
		return -1;
	r->ph[r->n].kind = (uint8_t)kind;
	r->ph[r->n].lang = (uint8_t)lang;
	r->ph[r->n].ntok = (uint8_t)(count_words(norm) > 255 ? 255 : count_words(norm));
	r->ph[r->n].value = value;
	r->n++;
	return 0;
}

/* Adds the comma-separated items of one catalog value. */
static int
add_list(struct reply_reader *r, const char *text, const struct list_key *lk, size_t lang,
         const char *key, char *err, size_t errlen)
{
	const char *p = text;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		long value = lk->value;
		const char *w = p;

		if (lk->kind == PH_LANGNAME)
			value = (long)lang;
		if (lk->numbered) {
			char *num_end;
			while (w < p + n && *w == ' ')
				w++;
			value = strtol(w, &num_end, 10);
			if (num_end == w || value < 0 || value > 1000 || num_end >= p + n) {
				snprintf(err, errlen,
				         "%s.ini: %s: \"%.*s\" is not \"NUMBER words\"",
				         r->langs[lang], key, (int)n, p);
				return -1;
			}
			w = num_end;
		}
		if (add_phrase(r, w, (size_t)(p + n - w), lk->kind, lang, value) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		p = end ? end + 1 : p + n;
	}
	return 0;
}

/* Keywords are whole messages, so one text with two keyword meanings (in any two languages)
 * would be a catalog mistake that silently opts people out or in. */
static int
check_keywords(const struct reply_reader *r, char *err, size_t errlen)
{
	for (size_t i = 0; i < r->n; i++) {
		if (!(KIND(r->ph[i].kind) & (KW_KINDS | KIND(PH_LANG))))
			continue;
		for (size_t k = i + 1; k < r->n; k++) {
			if (!(KIND(r->ph[k].kind) & (KW_KINDS | KIND(PH_LANG))) ||
			    r->ph[k].kind == r->ph[i].kind || strcmp(r->ph[i].text, r->ph[k].text))
				continue;
			snprintf(err, errlen, "%s.ini/%s.ini: keyword \"%s\" has two meanings",
			         r->langs[r->ph[i].lang], r->langs[r->ph[k].lang], r->ph[i].text);
			return -1;
		}
	}
	return 0;
}

struct reply_reader *
reply_reader_new(const struct catalog *cat, char *err, size_t errlen)
{
	static const char *const suffix[] = {"", "_b", "_c", "_d", "_e", "_f", "_g", "_h"};
	struct reply_reader *r = calloc(1, sizeof(*r));
	const char *const *codes;
	size_t n = cat_langs(cat, &codes);

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->en = -1;
	for (size_t l = 0; l < n && l < CAT_MAX_LANGS; l++) {
		snprintf(r->langs[l], sizeof(r->langs[l]), "%s", codes[l]);
		if (strcmp(codes[l], "en") == 0)
			r->en = (int)l;
		r->nlangs++;
		/* A language's own code is a name for "LANG xx". */
		if (add_phrase(r, codes[l], strlen(codes[l]), PH_LANGNAME, l, (long)l) != 0)
			goto oom;
		for (size_t k = 0; k < sizeof(list_keys) / sizeof(list_keys[0]); k++) {
			for (size_t s = 0; s < sizeof(suffix) / sizeof(suffix[0]); s++) {
				char key[64];
				const char *text;
				snprintf(key, sizeof(key), "%s%s", list_keys[k].key, suffix[s]);
				text = cat_get_exact(cat, codes[l], key);
				if (!text)
					break;
				if (add_list(r, text, &list_keys[k], l, key, err, errlen) != 0)
					goto fail;
			}
		}
	}
	if (check_keywords(r, err, errlen) != 0)
		goto fail;
	return r;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	reply_reader_free(r);
	return NULL;
}

void
reply_reader_free(struct reply_reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->ph[i].text);
	free(r->ph);
	free(r);
}

/* ---- reading ---------------------------------------------------------------------------- */

struct tok {
	const char *s;
	size_t len;
};

/* Which languages a lookup considers: the person's and English, or all. */
enum tier { TIER_OWN, TIER_ALL };

struct ctx {
	const struct reply_reader *r;
	int person; /* lang index, -1 unknown */
	const struct tok *t;
	size_t n;
};

static int
lang_in_tier(const struct ctx *c, const struct phrase *p, enum tier tier)
{
	return tier == TIER_ALL || c->person < 0 || p->lang == c->person || p->lang == c->r->en;
}

/* 1 when p's words are the tokens t[i..]. */
static int
matches_at(const struct phrase *p, const struct tok *t, size_t n, size_t i)
{
	const char *s = p->text;

	if (i + p->ntok > n)
		return 0;
	for (size_t k = 0; k < p->ntok; k++) {
		const struct tok *w = &t[i + k];
		if (strncmp(s, w->s, w->len) != 0 || (s[w->len] != ' ' && s[w->len] != '\0'))
			return 0;
		s += w->len + (s[w->len] == ' ');
	}
	return 1;
}

/* The best phrase of the given kinds at token i: the longest, then the person's language,
 * then English, then catalog order. NULL when none. */
static const struct phrase *
best_at(const struct ctx *c, const struct tok *t, size_t n, size_t i, unsigned kinds,
        enum tier tier)
{
	const struct phrase *best = NULL;
	int best_score = -1;

	for (size_t k = 0; k < c->r->n; k++) {
		const struct phrase *p = &c->r->ph[k];
		int score;
		if (!(KIND(p->kind) & kinds) || !lang_in_tier(c, p, tier) ||
		    !matches_at(p, t, n, i))
			continue;
		score = p->ntok * 4 + (p->lang == c->person ? 2 : p->lang == c->r->en ? 1 : 0);
		if (score > best_score)
			best = p, best_score = score;
	}
	return best;
}

static int
digits_value(const struct tok *w, long *v)
{
	long x = 0;
	if (w->len == 0 || w->len > 6 || !is_digit((unsigned char)w->s[0]))
		return 0;
	for (size_t k = 0; k < w->len; k++)
		x = x * 10 + (w->s[k] - '0');
	*v = x;
	return 1;
}

/* A number at t[i]: digits, or number words with their compounds. Returns the tokens used
 * (0: none) and the value; *weak when it rests on a weak word alone, *digits when digits. */
static size_t
number_at(const struct ctx *c, const struct tok *t, size_t n, size_t i, enum tier tier, long *v,
          int *weak, int *digits)
{
	const struct phrase *p, *u, *and;
	size_t j;

	*weak = 0, *digits = 0;
	if (i >= n)
		return 0;
	if (digits_value(&t[i], v)) {
		*digits = 1;
		return 1;
	}
	p = best_at(c, t, n, i, KIND(PH_NUMBER) | KIND(PH_NUMBER_WEAK), tier);
	if (!p)
		return 0;
	*v = p->value;
	*weak = p->kind == PH_NUMBER_WEAK;
	j = i + p->ntok;
	/* Tens take a unit: "twenty five", "ishirini na tano", "cumi na rimwe"; French 60 and
	 * 80 take 10-19 as well ("soixante-dix", "quatre-vingt-douze"). */
	if (p->value % 10 == 0 && p->value >= 10 && p->value <= 90) {
		size_t k = j;
		and = best_at(c, t, n, k, KIND(PH_AND), tier);
		if (and)
			k += and->ntok;
		u = best_at(c, t, n, k, KIND(PH_NUMBER) | KIND(PH_NUMBER_WEAK), tier);
		if (u &&
		    ((u->value >= 1 && u->value <= 9) ||
		     (u->value >= 10 && u->value <= 19 && (p->value == 60 || p->value == 80)))) {
			*v += u->value;
			*weak = 0;
			j = k + u->ntok;
		}
	}
	return j - i;
}

/* Status phrases over the whole message in one tier: marks the tokens they use in used[]
 * and returns the set of statuses found as bits 1..4. */
static unsigned
scan_status(const struct ctx *c, enum tier tier, unsigned char *used)
{
	unsigned found = 0;

	for (size_t i = 0; i < c->n;) {
		const struct phrase *p = best_at(c, c->t, c->n, i, KIND(PH_STATUS), tier);
		if (!p) {
			i++;
			continue;
		}
		found |= 1u << p->value;
		for (size_t k = 0; k < p->ntok; k++)
			used[i + k] = 1;
		i += p->ntok;
	}
	return found & 0x1E;
}

static void
read_keyword(const struct ctx *c, struct reply_reading *out)
{
	const struct phrase *p = best_at(c, c->t, c->n, 0, KW_KINDS, TIER_ALL);
	const struct phrase *name;

	if (p && p->ntok == c->n) {
		out->keyword = p->kind == PH_STOP    ? REPLY_KW_STOP
		               : p->kind == PH_START ? REPLY_KW_START
		                                     : REPLY_KW_HELP;
		return;
	}
	p = best_at(c, c->t, c->n, 0, KIND(PH_LANG), TIER_ALL);
	if (!p || c->n > p->ntok + 2u)
		return; /* "lingua portuguesa e bonita ..." is a sentence, not a keyword */
	out->keyword = REPLY_KW_LANG;
	name = best_at(c, c->t, c->n, p->ntok, KIND(PH_LANGNAME), TIER_ALL);
	if (name && p->ntok + name->ntok == c->n)
		snprintf(out->lang, sizeof(out->lang), "%s", c->r->langs[name->value]);
}

static int
whole_is(const struct ctx *c, const struct tok *t, size_t n, enum phrase_kind kind)
{
	const struct phrase *p = n ? best_at(c, t, n, 0, KIND(kind), TIER_ALL) : NULL;
	return p && p->ntok == n;
}

/* Splits norm into c->t; returns the count. */
static size_t
tokenize(char *norm, size_t len, struct tok *t, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n < max;) {
		size_t k = i;
		while (k < len && norm[k] != ' ')
			k++;
		t[n].s = norm + i, t[n].len = k - i;
		n++;
		i = k + 1;
	}
	return n;
}

void
reply_read(const struct reply_reader *r, const char *text, size_t len, const char *lang,
           struct reply_reading *out)
{
	char norm[REPLY_NORM_MAX];
	struct tok t[REPLY_MAX_TOKENS], rest[REPLY_MAX_TOKENS];
	unsigned char used[REPLY_MAX_TOKENS] = {0}, filler[REPLY_MAX_TOKENS] = {0};
	struct ctx c = {.r = r, .person = -1, .t = t};
	size_t nrest = 0, nl;
	unsigned statuses;
	long v, digit_v = -1, word_v = -1;
	int weak, digits, n_digit = 0, n_word = 0, num_status = 0;

	memset(out, 0, sizeof(*out));
	nl = reply_normalize(text, text ? len : 0, norm, sizeof(norm));
	c.n = tokenize(norm, nl, t, REPLY_MAX_TOKENS);
	out->words = c.n;
	if (c.n == 0) {
		out->empty = true;
		return;
	}
	for (size_t l = 0; lang && l < r->nlangs; l++)
		if (strcmp(r->langs[l], lang) == 0)
			c.person = (int)l;

	read_keyword(&c, out);
	out->yes = whole_is(&c, t, c.n, PH_YES);
	out->no = whole_is(&c, t, c.n, PH_NO);

	for (size_t i = 0; i < c.n;) {
		const struct phrase *p = best_at(&c, t, c.n, i, KIND(PH_FILLER), TIER_ALL);
		size_t k = p ? p->ntok : 1;
		for (size_t m = 0; p && m < k; m++)
			filler[i + m] = 1;
		i += k;
	}
	statuses = scan_status(&c, TIER_OWN, used);
	if (!statuses && c.person >= 0)
		statuses = scan_status(&c, TIER_ALL, used);

	/* Numbers inside the text: digits, or strong words of the person's language. */
	for (size_t i = 0; i < c.n;) {
		size_t k = used[i] ? 0 : number_at(&c, t, c.n, i, TIER_OWN, &v, &weak, &digits);
		if (k == 0) {
			i++;
			continue;
		}
		if (digits) {
			n_digit += digit_v != v;
			digit_v = v;
		} else if (!weak) {
			n_word += word_v != v;
			word_v = v;
		}
		i += k;
	}

	/* What is left once fillers and status phrases are set aside: a lone number there is
	 * a whole-message number in any language, and 1..4 is a status too. */
	for (size_t i = 0; i < c.n; i++)
		if (!used[i] && !filler[i])
			rest[nrest++] = t[i];
	if (nrest > 0) {
		size_t k = number_at(&c, rest, nrest, 0, TIER_OWN, &v, &weak, &digits);
		if (k != nrest)
			k = number_at(&c, rest, nrest, 0, TIER_ALL, &v, &weak, &digits);
		if (k == nrest) {
			out->has_number = true, out->number = v;
			num_status = v >= 1 && v <= 4 ? (int)v : 0;
		}
	}
	if (!out->has_number && n_digit == 1)
		out->has_number = true, out->number = digit_v;
	else if (!out->has_number && n_digit == 0 && n_word == 1)
		out->has_number = true, out->number = word_v;

	if (statuses && (statuses & (statuses - 1)))
		return; /* two different statuses: ambiguous */
	if (num_status && statuses && statuses != 1u << num_status)
		return;
	if (num_status) {
		out->has_status = true, out->status = num_status, out->status_from_number = true;
	} else if (statuses) {
		out->has_status = true;
		for (int s = 1; s <= 4; s++)
			if (statuses == 1u << s)
				out->status = s;
	}
}

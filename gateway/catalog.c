/* catalog — message catalogs loaded from INI files; see catalog.h. */
#include "catalog.h"

#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	char *key;   /* "section.key" */
	char *text;
};

struct lang {
	char code[4];
	struct entry *e;   /* sorted by key */
	size_t n, cap;
};

struct catalog {
	struct lang langs[CAT_MAX_LANGS];
	const char *codes[CAT_MAX_LANGS];
	size_t n;
	unsigned long generation;

};

struct load {
	struct lang *l;
	const char *path;
	char *err;
	size_t errlen;
	int failed;
	int line;
	FILE *f;
};

static char *
unescape(const char *v)
{
	char *out = malloc(strlen(v) + 1), *o = out;
	if (!out)
		return NULL;
	for (; *v; v++) {
		if (v[0] == '\\' && v[1] == 'n') {
			*o++ = '\n';
			v++;
		} else {
			*o++ = *v;
		}
	}
	*o = '\0';
	return out;
}

static int
on_value(void *user, const char *section, const char *name, const char *value)
{
	struct load *ld = user;
	struct lang *l = ld->l;
	char key[256];

	if (ld->failed)
		return 0;
	snprintf(key, sizeof(key), "%s.%s", section, name);
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->e[i].key, key) == 0) {
			snprintf(ld->err, ld->errlen, "%s:%d: key %s defined twice", ld->path,
				 ld->line, key);
			ld->failed = 1;
			return 0;
		}
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct entry *e = realloc(l->e, cap * sizeof(*e));
		if (!e)
			return 0;
		l->e = e, l->cap = cap;
	}
	l->e[l->n].key = strdup(key);
	l->e[l->n].text = unescape(value);
	l->n++;
	return 1;
}

static char *
read_line(char *buf, int size, void *user)
{
	struct load *ld = user;
	char *r = fgets(buf, size, ld->f);
	if (r)
		ld->line++;
	return r;
}

static int
by_key(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

static int
by_code(const void *a, const void *b)
{
	return strcmp(((const struct lang *)a)->code, ((const struct lang *)b)->code);
}

static int
load_lang(struct lang *l, const char *path, char *err, size_t errlen)
{
	struct load ld = {.l = l, .path = path, .err = err, .errlen = errlen};
	ld.f = fopen(path, "r");
	if (!ld.f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	int r = ini_parse_stream(read_line, &ld, on_value, &ld);
	fclose(ld.f);
	if (ld.failed)
		return -1;
	if (r != 0) {
		snprintf(err, errlen, "%s:%d: syntax error (expected [section] or key = value)",
			 path, r);
		return -1;
	}
	if (l->n) /* an empty file leaves l->e NULL, which qsort may not be given */
		qsort(l->e, l->n, sizeof(*l->e), by_key);
	return 0;
}

static int
is_lang_file(const char *name, char code[4])
{
	size_t n = strlen(name);
	if (n < 6 || n > 7 || strcmp(name + n - 4, ".ini") != 0)
		return 0;
	for (size_t i = 0; i < n - 4; i++)
		if (name[i] < 'a' || name[i] > 'z')
			return 0;
	memcpy(code, name, n - 4);
	code[n - 4] = '\0';
	return 1;
}

struct catalog *
cat_load(const char *dir, char *err, size_t errlen)
{
	struct catalog *c = calloc(1, sizeof(*c));
	DIR *d = opendir(dir);
	struct dirent *de;
	int ok = 1;

	if (!c || !d) {
		snprintf(err, errlen, "%s: cannot open message catalogs: %s", dir, strerror(errno));
		if (d)
			closedir(d);
		free(c);
		return NULL;
	}
	while (ok && (de = readdir(d)) != NULL) {
		char code[4], path[4096];
		if (!is_lang_file(de->d_name, code))
			continue;
		if (c->n == CAT_MAX_LANGS) {
			snprintf(err, errlen, "%s: more than %d languages", dir, CAT_MAX_LANGS);
			ok = 0;
			break;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		memcpy(c->langs[c->n].code, code, sizeof(code));
		ok = load_lang(&c->langs[c->n], path, err, errlen) == 0;
		c->n++;
	}
	closedir(d);
	if (ok) {
		qsort(c->langs, c->n, sizeof(c->langs[0]), by_code);
		ok = 0;
		for (size_t i = 0; i < c->n; i++) {
			c->codes[i] = c->langs[i].code;
			if (strcmp(c->langs[i].code, "en") == 0)
				ok = 1;
		}
		if (!ok)
			snprintf(err, errlen, "%s/en.ini: missing (English is the fallback)", dir);
	}
	if (!ok) {
		cat_free(c);
		return NULL;
	}
	static unsigned long generations;
	c->generation = ++generations;
	return c;
}

unsigned long
cat_generation(const struct catalog *c)
{
	return c->generation;
}

void
cat_free(struct catalog *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		for (size_t k = 0; k < c->langs[i].n; k++) {
			free(c->langs[i].e[k].key);
			free(c->langs[i].e[k].text);
		}
		free(c->langs[i].e);
	}
	free(c);
}

static const struct lang *
find_lang(const struct catalog *c, const char *code)
{
	struct lang k;
	if (!code || strlen(code) > 3)
		return NULL;
	strcpy(k.code, code);
	return bsearch(&k, c->langs, c->n, sizeof(c->langs[0]), by_code);
}

const char *
cat_get_exact(const struct catalog *c, const char *lang, const char *key)
{
	const struct lang *l = find_lang(c, lang);
	struct entry k = {.key = (char *)key}, *e;
	if (!l || !l->n) /* an empty language has no array to search */
		return NULL;
	e = bsearch(&k, l->e, l->n, sizeof(*l->e), by_key);
	return e ? e->text : NULL;
}

const char *
cat_get(const struct catalog *c, const char *lang, const char *key)
{
	const char *t = cat_get_exact(c, lang, key);
	return t ? t : cat_get_exact(c, "en", key);
}

int
cat_has_lang(const struct catalog *c, const char *lang)
{
	return find_lang(c, lang) != NULL;
}

size_t
cat_langs(const struct catalog *c, const char *const **langs)
{
	*langs = c->codes;
	return c->n;
}

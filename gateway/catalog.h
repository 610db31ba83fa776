/*
 * catalog — the message catalogs, config/messages/<lang>.ini (ARCHITECTURE rule 6: text is
 * data). Keys are "section.key" ("ussd.main_menu"); "\n" in a value is a newline. A key
 * missing in a language falls back to English. A catalog is immutable once loaded, so a
 * reload builds a new one and swaps it.
 */
#ifndef FOLLOWUP_CATALOG_H
#define FOLLOWUP_CATALOG_H

#include <stddef.h>

struct catalog;

#define CAT_MAX_LANGS 16

/* Loads every <lang>.ini of dir (lang: 2-3 lowercase letters); en.ini is required. Returns a
 * new catalog the caller frees with cat_free(), or NULL with "FILE:LINE: reason" in err. */
struct catalog *cat_load(const char *dir, char *err, size_t errlen)
	__attribute__((warn_unused_result));

void cat_free(struct catalog *c);

/* The text of key in lang, else in English, else NULL. Borrowed from the catalog. */
const char *cat_get(const struct catalog *c, const char *lang, const char *key);

/* The text of key in lang only (no fallback), or NULL. */
const char *cat_get_exact(const struct catalog *c, const char *lang, const char *key);

/* A number unique to this load (never reused in the process), so that what is derived from
 * a catalog can be cached and rebuilt when a reload replaces it. */
unsigned long cat_generation(const struct catalog *c);

/* 1 when lang has a catalog. */
int cat_has_lang(const struct catalog *c, const char *lang);

/* The loaded languages, sorted ("en", "es", "fr", ...); returns how many. */
size_t cat_langs(const struct catalog *c, const char *const **langs);

#endif

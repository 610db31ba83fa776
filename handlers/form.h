/*
 * form — decodes application/x-www-form-urlencoded bodies and URL query strings into an owned
 * list of key/value pairs, strictly: a malformed escape, an embedded NUL or invalid UTF-8 is an
 * error naming the field, never a silently altered value. Shared by the aggregator adapters
 * (which parse callbacks) and fuzzed on its own; it does no I/O and keeps no state.
 */
#ifndef FOLLOWUP_FORM_H
#define FOLLOWUP_FORM_H

#include <stddef.h>

/* Larger inputs are refused whole: the HTTP layer has its own (configurable, smaller) limit,
 * this one only bounds the work a direct caller or a fuzzer can ask for. */
#define FORM_MAX_LEN (1u << 20)
#define FORM_MAX_FIELDS 256

struct form_field {
	char *key;
	char *value;
};

struct form {
	struct form_field *fields;
	size_t n;
};

/* Decodes len bytes of body ("a=1&b=x+y%2B"; body need not be NUL-terminated) into out, which
 * the caller owns afterwards and releases with form_clear(), also after a failure. '+' is a
 * space, %XX a byte; empty pairs ("a=1&&b=2", a trailing '&') are skipped; a key without '='
 * has the value "". Keys and values must be valid UTF-8 without NUL. Every pair is kept in
 * order, so duplicates are visible to form_get() as "first wins". Returns 0, or -1 with a
 * one-line reason in err ("invalid UTF-8 in field text"). */
int form_parse(const char *body, size_t len, struct form *out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* The value of the first field called key (case-sensitive), borrowed from f; NULL if absent. */
const char *form_get(const struct form *f, const char *key);

/* Frees every pair; f is empty and reusable afterwards. */
void form_clear(struct form *f);

/* Appends key=value to the growing string *buf (length *len, malloc'd, NUL-terminated; *buf may
 * start NULL), form-encoded: unreserved characters as they are, space as '+', every other byte
 * as %XX, '&' before every pair but the first. Returns 0, or -1 when out of memory (then *buf
 * is unchanged and still owned by the caller). */
int form_append(char **buf, size_t *len, const char *key, const char *value)
	__attribute__((warn_unused_result));

/* Checks that the n bytes at s are well-formed UTF-8 (no overlong forms, surrogates or code
 * points past U+10FFFF). Returns 1 if so, 0 otherwise. */
int form_utf8_valid(const char *s, size_t n);

#endif

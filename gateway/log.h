/*
 * log — one logfmt line per event on stderr:
 *   ts=2026-11-28T16:20:00.123Z level=info mod=http msg="listening" addr=127.0.0.1:8080
 * Phone numbers are personal data: callers pass them through log_phone(), and as a second
 * line of defence every "+<digits>" run in a finished line is masked to its last 3 digits.
 */
#ifndef FOLLOWUP_LOG_H
#define FOLLOWUP_LOG_H

#include <stddef.h>
#include <stdio.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_LEVEL_COUNT };

extern enum log_level log_min_level;

/* Sets the lowest level written. Returns 0, or -1 for an unknown name. */
int log_set_level_name(const char *name) __attribute__((warn_unused_result));

/* Redirects output (tests); NULL means stderr. The stream is borrowed. */
void log_set_stream(FILE *f);

/* Writes one line: msg is quoted, kv_fmt (may be NULL) is printf-formatted "key=value ...". */
void log_write(enum log_level lvl, const char *mod, const char *msg, const char *kv_fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define log_debug(mod, msg, ...)                                                                 \
	do {                                                                                     \
		if (log_min_level <= LOG_DEBUG)                                                  \
			log_write(LOG_DEBUG, mod, msg, __VA_ARGS__);                             \
	} while (0)
#define log_info(mod, msg, ...) log_write(LOG_INFO, mod, msg, __VA_ARGS__)
#define log_warn(mod, msg, ...) log_write(LOG_WARN, mod, msg, __VA_ARGS__)
#define log_error(mod, msg, ...) log_write(LOG_ERROR, mod, msg, __VA_ARGS__)

/* A masked phone number for a log line: "***456". Writes into buf (at least 16 bytes) and
 * returns it. NULL or empty input gives "-". */
const char *log_phone(char *buf, size_t len, const char *phone);

/* Masks, in place, every '+' followed by 4 or more digits to "***" and its last 3 digits.
 * Returns the new length. Exposed for tests. */
size_t log_scrub(char *line, size_t len);

/* Escapes s for a logfmt value in double quotes (\" \\ \n, control characters as \xNN) into
 * buf, truncating with "..." when needed; returns buf. */
const char *log_quote(char *buf, size_t len, const char *s);

#endif

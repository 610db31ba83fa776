/*
 * agg_check — what the adapters share: validations of their configuration options
 * (cfg_check_fn), and a safe excerpt of an aggregator's answer for a reason. Values
 * that go into requests must not smuggle a line break, URLs must be http(s), and callback
 * tokens must be plain path segments (one that needs escaping would never match the decoded
 * path, so it is refused at start-up rather than answering 404 later).
 */
#ifndef FOLLOWUP_AGG_CHECK_H
#define FOLLOWUP_AGG_CHECK_H

#include <stddef.h>

/* No control characters. 0, or -1 with a reason. */
int agg_check_safe(const char *v, char *err, size_t errlen);

/* Empty, or an http:// or https:// URL without control characters. */
int agg_check_url(const char *v, char *err, size_t errlen);

/* Letters, digits, '-', '.', '_' and '~' only. */
int agg_check_token(const char *v, char *err, size_t errlen);

/* Removes trailing '/' from a configured URL in place, so that paths can be appended. */
void agg_strip_slashes(char *url);

/* Copies at most max printable ASCII bytes of s (slen bytes of network text going into a
 * staff-visible reason) into dst (len bytes), anything else as '?', stopping at a line
 * break. dst is always NUL-terminated. */
void agg_excerpt(char *dst, size_t len, const char *s, size_t slen, size_t max);

#endif

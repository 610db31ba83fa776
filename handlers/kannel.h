/*
 * kannel — the adapter for a self-hosted Kannel (agg_kannel): inbound SMS from an sms-service
 * get-url, delivery reports from the dlr-url we hand Kannel with each send, and
 * /cgi-bin/sendsms requests out. SMS only. Pure (aggregator.h); the functions below are
 * exported for the tests and the fuzzer. Formats: shared/protocols/README.md, "Kannel".
 *
 * Kannel configuration that matches this adapter (the README repeats it for operators):
 *   group = sms-service
 *   keyword = default
 *   get-url = "http://HOST:PORT/cb/kannel/TOKEN/sms?from=%p&to=%P&text=%b&coding=%c&charset=%C&id=%I&time=%T&smsc=%i"
 *   max-messages = 0
 *   omit-empty = true
 * %b (the message bytes) is used rather than %a because %a joins the words with '+', losing
 * line breaks and repeated blanks, and is UTF-16BE bytes for a UCS-2 message all the same;
 * coding (%c) and charset (%C) say how to read the bytes (see kannel_text_to_utf8()).
 */
#ifndef FOLLOWUP_KANNEL_H
#define FOLLOWUP_KANNEL_H

#include <stddef.h>

#include "aggregator.h"

extern const struct aggregator agg_kannel;

/* Finds the first key=value pair called key in the n bytes of a query string q and decodes
 * its value ('+' is a space, %XX a byte) into a malloc'd, NUL-terminated buffer *out of *len
 * bytes, which may hold NULs and any bytes (a UTF-16BE text does). Returns 1 when found, 0
 * when absent (*out NULL), -1 on a malformed %-escape or out of memory (*out NULL). */
int kannel_query_get(const char *q, size_t n, const char *key, char **out, size_t *len)
	__attribute__((warn_unused_result));

/* Converts the n bytes of an inbound text into a malloc'd UTF-8 string in *out, reading them
 * by charset when it is given and not empty (case-insensitive: UTF-8, UTF-16BE / UCS-2,
 * ISO-8859-1 / LATIN1, WINDOWS-1252), else by coding ("2" UTF-16BE, "0", "" or NULL UTF-8);
 * 8-bit binary messages (coding "1", charset "8-BIT" or "BINARY") are refused. UTF-16BE
 * surrogate pairs are joined; a lone surrogate becomes U+FFFD. Returns 0, or -1 with a
 * one-line reason in err (odd UTF-16 length, invalid UTF-8, a NUL character, an unknown
 * charset, out of memory). */
int kannel_text_to_utf8(const char *bytes, size_t n, const char *coding, const char *charset,
			char **out, char *err, size_t errlen) __attribute__((warn_unused_result));

/* Maps a delivery report type (%d): 1 -> DELIVERED, 2 -> FAILED, 16 -> REJECTED, 4
 * (buffered), 8 (SMSC accepted), 32 (intermediate) and anything else -> SENT. */
enum agg_dlr_status kannel_dlr_status(long type);

#endif

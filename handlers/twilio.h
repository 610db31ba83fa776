/*
 * twilio — the Twilio adapter (agg_twilio): inbound SMS and status callbacks in, each checked
 * against its X-Twilio-Signature, and Messages.json sends out. SMS only: Twilio has no USSD.
 * Pure (aggregator.h); the functions below are exported for the tests and the fuzzer.
 * Formats: shared/protocols/README.md, section "Twilio".
 */
#ifndef FOLLOWUP_TWILIO_H
#define FOLLOWUP_TWILIO_H

#include <stddef.h>

#include "aggregator.h"
#include "form.h"

extern const struct aggregator agg_twilio;

/* The base64 text of a Twilio request signature (28 characters) into out (at least 29 bytes):
 * HMAC-SHA1 keyed with auth_token over url followed by every pair of params sorted by name
 * (then by value, for repeated names), each written as name then value, no separators. url
 * is the full URL as Twilio called it (scheme, host, path, query). Everything is borrowed.
 * Returns 0, or -1 when out is too small or memory runs out. */
int twilio_signature(const char *auth_token, const char *url, const struct form *params,
		     char *out, size_t outlen) __attribute__((warn_unused_result));

/* Maps a MessageStatus, case-insensitively: queued, accepted, scheduled, sending, sent ->
 * SENT; delivered, read -> DELIVERED; undelivered, failed, canceled -> FAILED. Unknown
 * values map to SENT (not final), the caller keeps the raw text. */
enum agg_dlr_status twilio_dlr_status(const char *status);

#endif

/*
 * africastalking — the Africa's Talking adapter (agg_africastalking) and its wire-format
 * functions, exported so that the console adapter can accept the very same callbacks and so
 * that tests and the fuzzer reach them directly. Formats: shared/protocols/README.md.
 * Everything here is pure (aggregator.h): no I/O, no clock, no state.
 */
#ifndef FOLLOWUP_AFRICASTALKING_H
#define FOLLOWUP_AFRICASTALKING_H

#include <stddef.h>

#include "aggregator.h"
#include "form.h"

extern const struct aggregator agg_africastalking;

/* The callback parsers of struct aggregator. Each checks that the content type is
 * application/x-www-form-urlencoded (any parameters), decodes the body with form_parse(),
 * ignores unknown fields, and fills out (zeroed first; owned strings, freed with the matching
 * agg_*_clear(), which is also safe after a failure). Optional fields that are absent or
 * empty are NULL. Phone numbers come out in E.164 ("+254712345678"). Return 0, or -1 with a
 * one-line reason in err such as "missing field phoneNumber".
 *   ussd:     sessionId, serviceCode, phoneNumber required; text "" when absent.
 *   ussd_end: sessionId required; hops and duration_ms are -1 when absent or not a number.
 *   sms:      from and id required; text "" when absent; received_at from date (see
 *             at_parse_date), NULL when absent or unreadable (the caller uses its own clock).
 *   dlr:      id and status required; see at_dlr_status(). */
int at_parse_ussd(const struct agg_request *rq, struct agg_ussd *out, char *err, size_t errlen)
	__attribute__((warn_unused_result));
int at_parse_ussd_end(const struct agg_request *rq, struct agg_ussd_end *out, char *err,
		      size_t errlen) __attribute__((warn_unused_result));
int at_parse_sms(const struct agg_request *rq, struct agg_sms *out, char *err, size_t errlen)
	__attribute__((warn_unused_result));
int at_parse_dlr(const struct agg_request *rq, struct agg_dlr *out, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* "CON text" or "END text" into body (len bytes), content type text/plain. Returns 0, or -1
 * when it does not fit (body then holds a truncated, NUL-terminated string). */
int at_format_ussd(const struct agg_ussd_answer *a, char *body, size_t len,
		   const char **content_type) __attribute__((warn_unused_result));

/* The acknowledgement of an inbound SMS: an empty text/plain body. */
const char *at_sms_ack(const char **content_type);

/* Maps a delivery report status, case-insensitively: Success -> DELIVERED; Sent, Submitted,
 * Buffered -> SENT; Failed, Expired -> FAILED; Rejected -> REJECTED. An unknown status maps to
 * SENT (not final: a later known report can still settle the message) and the caller keeps
 * the raw text for staff. */
enum agg_dlr_status at_dlr_status(const char *status);

/* Normalizes a phone number to E.164 into out: "+2547...", "2547..." and "002547..." are
 * accepted, surrounding blanks ignored (an unencoded '+' arrives as a space), 7 to 15 digits,
 * the first not 0. Returns 0, or -1 for anything else (national format, letters, a too short
 * or too long number, or out shorter than 17 bytes). */
int at_normalize_phone(const char *in, char *out, size_t outlen)
	__attribute__((warn_unused_result));

/* Reads an AT date in any documented form ("2017-05-03T06:04:45Z", "2017-05-03 06:04:45",
 * "2018-03-19T08:34:18.445Z"; all UTC) and writes "YYYY-MM-DDTHH:MM:SSZ" into out (at least
 * 21 bytes). Fractions of a second are dropped: one canonical form, and nothing downstream
 * needs milliseconds. Returns 0, or -1 for any other form or an impossible date. */
int at_parse_date(const char *in, char *out, size_t outlen) __attribute__((warn_unused_result));

/* Form fields a parser copies out, and what to do when one is absent: required ones and
 * phones must be there and non-empty; optional ones absent or empty stay NULL; EMPTY_OK ones
 * become ""; phones come out in E.164 (at_normalize_phone). Shared by the adapters that
 * receive forms, since a phone number is E.164 whoever sends it. */
enum at_field_kind { AT_F_REQUIRED, AT_F_OPTIONAL, AT_F_EMPTY_OK, AT_F_PHONE, AT_F_PHONE_OPTIONAL };

struct at_field {
	const char *name;
	enum at_field_kind kind;
	char **dst;               /* receives a malloc'd copy */
};

/* Copies every field of spec into its destination. 0, or -1 with a reason naming the field
 * ("missing field from"); destinations filled before the failure stay for the caller to
 * free. */
int at_take_fields(const struct form *f, const struct at_field *spec, size_t n, char *err,
		   size_t errlen) __attribute__((warn_unused_result));

#endif

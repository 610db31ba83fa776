/*
 * gsm — facts about SMS text: whether UTF-8 text fits the GSM 03.38 7-bit alphabet, how many
 * septets or UTF-16 code units it takes, how many SMS parts it costs, a transliteration that
 * keeps accented Latin text in GSM-7, and UTF-16BE bytes for aggregators that want UCS-2.
 * Pure: no I/O. Invalid UTF-8 never crashes anything: each invalid byte reads as U+FFFD,
 * which is outside GSM-7, so such text counts as UCS-2.
 */
#ifndef FOLLOWUP_GSM_H
#define FOLLOWUP_GSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gsm_coding { GSM_CODING_GSM7, GSM_CODING_UCS2, GSM_CODING_COUNT };

/* Characters in one SMS, and per part of a concatenated SMS (the rest carries the UDH). */
#define GSM_GSM7_SINGLE 160
#define GSM_GSM7_PART 153
#define GSM_UCS2_SINGLE 70
#define GSM_UCS2_PART 67

/* True when every character of utf8 is in the GSM 03.38 basic set or its extension table
 * (LF, CR and form feed included). NULL reads as "". utf8 is borrowed. */
bool gsm_is_gsm7(const char *utf8);

/* The number of septets utf8 takes in GSM-7: 1 per basic character, 2 per extension
 * character (^ { } \ [ ~ ] | € and form feed, sent as escape + code). Returns -1 when a
 * character is not in GSM-7 at all. */
long gsm_septets(const char *utf8);

/* The number of SMS parts utf8 costs, at least 1 (an empty SMS is still one message).
 * GSM-7 when gsm_is_gsm7(), else UCS-2 counted in UTF-16 code units (a character outside the
 * BMP, e.g. an emoji, counts 2). Parts are filled the way phones do it: an escape pair or a
 * surrogate pair is never split across two parts, so a part may hold 152 septets or 66
 * units. Stores the encoding in *coding and the septets / code units in *units when those
 * are not NULL. */
size_t gsm_segments(const char *utf8, enum gsm_coding *coding, size_t *units);

/* A malloc'd copy of utf8 in which characters outside GSM-7 that have a close GSM-7 form are
 * replaced by it (á->a, Ô->O, ç->c, ’->', “->", –->-, …->..., no-break space->space, ...);
 * zero-width characters are dropped; anything else (emoji, Amharic) is kept, so such text
 * falls back to UCS-2. Invalid bytes become U+FFFD, so the result is valid UTF-8.
 * A caller that would rather keep the accents when the message is UCS-2 anyway sends the
 * original when gsm_is_gsm7() of the result is false. NFD text works too: combining
 * diacritical marks (U+0300-U+036F) are dropped. The caller frees the result; NULL when out
 * of memory. */
char *gsm_transliterate(const char *utf8);

/* utf8 as UTF-16 big-endian bytes (no BOM, surrogate pairs outside the BMP, U+FFFD for
 * invalid bytes), for Kannel's coding=2. Returns a malloc'd buffer the caller frees and
 * stores its length in bytes in *len; NULL when out of memory. */
unsigned char *gsm_to_utf16be(const char *utf8, size_t *len);

/* Decodes one code point from s (at most n bytes, n > 0) into *cp and returns the bytes
 * consumed (1-4). Invalid, overlong, surrogate or truncated sequences give U+FFFD and
 * consume 1 byte. Exposed for callers that walk text (screen length checks). */
size_t gsm_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

#endif

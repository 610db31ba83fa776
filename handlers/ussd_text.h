/*
 * ussd_text — derives the person's newest USSD input from the cumulative text aggregators send
 * ("", "1", "1*3", "1*3*12"). Splitting on '*' is ambiguous when free text holds a star, so the
 * normal path compares against the previous hop's text, stored by the caller; splitting is only
 * for replaying a session whose previous hop is unknown. Pure: no I/O, no state.
 */
#ifndef FOLLOWUP_USSD_TEXT_H
#define FOLLOWUP_USSD_TEXT_H

#include <stddef.h>

/* What a callback's cumulative text means, given the previous hop's. */
enum ussd_hop {
	USSD_HOP_START,   /* first request of a session: no input yet */
	USSD_HOP_INPUT,   /* one new input, which may be empty or hold '*' */
	USSD_HOP_REPEAT,  /* same text as the previous hop: the aggregator repeated a request */
	USSD_HOP_REPLAY,  /* the text does not extend the previous hop (a lost row, a text
			   * rewritten by the network): rebuild from ussd_text_split() */
	USSD_HOP_COUNT
};

/* "start", "input", "repeat", "replay" (for logs); "?" out of range. */
const char *ussd_hop_name(enum ussd_hop h);

/* Classifies cur (this callback's text; NULL counts as "") against prev (the text of the
 * previous hop of the same session, or NULL when no hop is stored):
 *   prev NULL: cur "" -> START, anything else -> REPLAY;
 *   cur == prev -> REPEAT;
 *   prev "" -> INPUT, all of cur (one input, even when it holds '*');
 *   cur is prev + '*' + rest -> INPUT, rest ("" when the person sent nothing);
 *   otherwise -> REPLAY.
 * On INPUT, *input points into cur (borrowed) at the new input; otherwise it is set to NULL. */
enum ussd_hop ussd_text_derive(const char *prev, const char *cur, const char **input);

/* Splits cur on '*' for a replay: "" -> 0 inputs; "1*3" -> "1", "3"; "1*" -> "1", "". The
 * inputs are copied into buf (buflen bytes) and parts[0..*n) point into it. Returns 0, or -1
 * when buf or max_parts is too small (a replay that long is refused, not truncated). */
int ussd_text_split(const char *cur, char *buf, size_t buflen, const char **parts,
		    size_t max_parts, size_t *n) __attribute__((warn_unused_result));

#endif

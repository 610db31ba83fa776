/*
 * sms_store — what the inbound SMS flow reads and writes in PostgreSQL: the load query (is the
 * message already stored, who sent it, their open question), the per-phone lock and the one
 * write statement (the message, the conversation's effects, the guarded replies, all
 * conditional on the message being new), and the translation of a conversation step's
 * outcome into that statement's parameters. Pure: no I/O.
 */
#ifndef FOLLOWUP_SMS_STORE_H
#define FOLLOWUP_SMS_STORE_H

#include "convo.h"

struct catalog;

/* Load: $1 aggregator, $2 aggregator message id, $3 phone, $4 time the aggregator gave
 * (unix seconds) or NULL. One row, one JSON document: {"seen": bool, "person": {id,
 * language, opted_out} or null, "conversation": {"state": text or null} or null, "at": unix
 * seconds of arrival (the aggregator's time, clamped to the last two days, else now)}. */
extern const char sms_store_load_sql[];

/* Serializes messages from one phone across processes until the transaction ends: $1
 * phone. Sent first in the write's transaction so the write's snapshot sees every earlier
 * message of that phone, which the guards and the state check need. */
extern const char sms_store_lock_sql[];

/* The write's parameters, in order (SMS_W_COUNT of them). */
enum sms_write_param {
	SMS_W_AGGREGATOR,
	SMS_W_MESSAGE_ID,
	SMS_W_PHONE,
	SMS_W_TO,
	SMS_W_TEXT,        /* cleaned text (valid UTF-8) */
	SMS_W_AT,          /* unix seconds of arrival */
	SMS_W_PERSON,      /* people.id, NULL for an unknown number */
	SMS_W_STATUS,      /* inbound_messages.status */
	SMS_W_OLD_STATE,   /* the state the step ran on, NULL when none */
	SMS_W_NEW_STATE,   /* NULL: leave the conversation row alone */
	SMS_W_STEP,        /* convo_step_name() of the new state */
	SMS_W_ITEM,        /* the item now asked about, or NULL */
	SMS_W_ITEM_STATUS, /* the status given for it, or NULL */
	SMS_W_REASKS,
	SMS_W_ASKED,       /* "t" when the question changed (asked_at = now()) */
	SMS_W_EFFECTS,     /* sms_store_effects_json() */
	SMS_W_REPLIES,     /* sms_store_replies_json() */
	SMS_W_MAX_PER_HOUR,
	SMS_W_COUNT
};

/* The write: inserts the message unless its (aggregator, id) is stored (ON CONFLICT DO
 * NOTHING) or the conversation's state is no longer SMS_W_OLD_STATE; everything else hangs
 * on that insert. One row, one JSON document: {"id": new inbound id or null, "dup": the
 * message was already stored, "replies": replies queued}. id null and dup false means the
 * state changed under the step: load again. */
extern const char sms_store_write_sql[];

/* The step's effects as the JSON array the write reads: [{"kind": convo_fx_name(),
 * "checkin", "item", "value", "lang", "text"}]. Returns a malloc'd string, or NULL when out
 * of memory. */
char *sms_store_effects_json(const struct convo_out *out);

/* The step's replies rendered with cat, as the JSON array the write reads: [{"ord", "kind",
 * "text", "daily", "exempt"}]; kind is "keyword" when keyword, else "reply"; the STOP
 * confirmation is exempt from the hourly cap and the 30-minute identical-text guard (it
 * comes at most once per START, which is guarded). A reply whose key does not render is
 * left out and counted in *dropped. Returns a malloc'd string, or NULL when out of memory. */
char *sms_store_replies_json(const struct catalog *cat, const struct convo_reply *replies,
			     size_t n, bool keyword, size_t *dropped);

/* The inbound_messages.status of a message given its reading and the step's outcome:
 * 'unmatched' when something is kept for staff, 'keyword', 'ignored' when nothing came of
 * it, else 'answer'. */
const char *sms_store_inbound_status(const struct reply_reading *rd, const struct convo_out *out);

#endif

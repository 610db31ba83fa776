/*
 * convo — the SMS check-in conversation, as a pure step function (ARCHITECTURE rule 2):
 * (state, reply reading, context, now) -> (state, effects, replies). The state is a person's
 * one open question; the caller loads it from PostgreSQL (convo_state_decode), runs
 * convo_step(), writes the effects and the outbox rows in one transaction and stores the new
 * state (convo_state_encode). Replies are catalog keys with parameters, rendered by
 * convo_render(). No I/O, no clock.
 *
 * The rules it keeps (SPEC "SMS check-ins"):
 *  - One question at a time: for each open item STATUS, then REACHED (people reached), then
 *    for status 4 a short HELP_NOTE; after the last item of the last check-in of a schedule a
 *    STORY of change; then thanks. "done, 15 people" answers STATUS and REACHED at once.
 *  - Keywords win at any time (whole message only, see reply.h): STOP opts out and confirms
 *    once; while opted out only START is answered; START opts in, confirms and repeats the
 *    open question; HELP sends the help text (even in a status question: "need help" is the
 *    status 4 phrase); LANG xx sets the language, confirms in it and repeats the question.
 *  - An unreadable answer gets a short re-ask listing the expected answers, at most twice. The
 *    third is stored for staff and the conversation moves on to the next question, so one
 *    unreadable item never blocks the rest of the check-in (staff see the text).
 *  - Late replies: the caller always passes the person's latest question, even expired (a new
 *    check-in replaces the old state, so a reply is always read against the newest question).
 *    Past expires_at, a reply counts only when unambiguous: a status to a status question, a
 *    number to a people-reached question. Anything else is stored for staff.
 *  - Text that fits no open question is stored for staff and acknowledged with a reply the
 *    caller sends at most once a day (convo_reply.once_a_day).
 *  - CHECKIN_ANSWERED comes with the first answer of a check-in (the response rate counts
 *    people who replied, not people who finished).
 */
#ifndef FOLLOWUP_CONVO_H
#define FOLLOWUP_CONVO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reply.h"

struct catalog;

#define CONVO_MAX_ITEMS 16
#define CONVO_TITLE_SIZE 128 /* bytes: a 30-character title in UTF-8, and its NUL */
#define CONVO_MAX_REASKS 2
#define CONVO_ENCODED_MAX 8192 /* convo_state_encode() never needs more */
#define CONVO_TEXT_MAX 4096    /* the cleaned text of one inbound SMS */
#define CONVO_MAX_EFFECTS 6
#define CONVO_MAX_REPLIES 2
#define CONVO_MAX_PARAMS 2

enum convo_step {
	CONVO_STEP_NONE,      /* no open question */
	CONVO_STEP_STATUS,    /* 1 not started, 2 in progress, 3 done, 4 need help */
	CONVO_STEP_REACHED,   /* how many people reached so far */
	CONVO_STEP_HELP_NOTE, /* free text, after status 4 */
	CONVO_STEP_STORY,     /* free text, after the last item of the last check-in */
	CONVO_STEP_DONE,      /* check-in answered as far as it goes */
	CONVO_STEP_COUNT
};

struct convo_item {
	int64_t id;
	char title[CONVO_TITLE_SIZE];
};

struct convo_state {
	enum convo_step step;
	int64_t checkin_id;
	int64_t expires_at;    /* unix seconds; at or after it, only unambiguous replies count */
	bool last_of_schedule; /* ask for a story after the last item */
	bool answered;         /* CHECKIN_ANSWERED was emitted */
	uint8_t n_items;
	uint8_t cur;        /* index of the item asked about */
	uint8_t cur_status; /* status given for the current item, 0 before */
	uint8_t reasks;     /* re-asks sent for the current question */
	struct convo_item items[CONVO_MAX_ITEMS];
};

enum convo_fx_kind {
	CONVO_FX_STORE_STATUS,    /* item_id, value = status 1..4 */
	CONVO_FX_STORE_REACHED,   /* item_id, value = people reached */
	CONVO_FX_STORE_HELP_NOTE, /* item_id, text */
	CONVO_FX_STORE_STORY,     /* text */
	CONVO_FX_OPT_OUT,
	CONVO_FX_OPT_IN,
	CONVO_FX_SET_LANGUAGE,    /* lang */
	CONVO_FX_STORE_FOR_STAFF, /* text that fits no question (item_id 0 when none) */
	CONVO_FX_CHECKIN_ANSWERED,
	CONVO_FX_COUNT
};

struct convo_effect {
	enum convo_fx_kind kind;
	int64_t checkin_id; /* 0 when no check-in is concerned */
	int64_t item_id;    /* 0 when no item is concerned */
	long value;
	char lang[4];
	const char *text; /* NULL, or convo_out.text (valid UTF-8) */
};

struct convo_param {
	const char *name; /* "item", "codes" (static strings) */
	char value[CONVO_TITLE_SIZE];
};

struct convo_reply {
	const char *key; /* catalog key, e.g. "sms.checkin_status" (static string) */
	char lang[4];    /* language to render it in */
	bool once_a_day; /* the caller sends it at most once a day to this person */
	size_t n_params;
	struct convo_param params[CONVO_MAX_PARAMS];
};

struct convo_out {
	struct convo_effect fx[CONVO_MAX_EFFECTS];
	size_t n_fx;
	struct convo_reply replies[CONVO_MAX_REPLIES];
	size_t n_replies;
	char text[CONVO_TEXT_MAX]; /* the inbound text, trimmed, invalid UTF-8 as U+FFFD */
};

/* What the step needs to know about the person and the catalogs. */
struct convo_ctx {
	const char *lang; /* the person's language (a catalog code) */
	bool opted_out;
	const char *lang_codes; /* the catalog codes for {codes}, e.g. "en es fr pt rw sw" */
};

/* Every catalog key convo uses, NULL-terminated (for catalog checks and tests). */
extern const char *const convo_message_keys[];

/* Starts a check-in: fills *st with its first question and *first with the message that
 * asks it, in lang. items (n of them, copied; titles cut at a character boundary to fit) are
 * the person's open items in the order to ask. With no item, a last check-in asks for the
 * story only. Returns 0, or -1 when n > CONVO_MAX_ITEMS, or n == 0 and not last. */
int convo_start(struct convo_state *st, int64_t checkin_id, const struct convo_item *items,
                size_t n, bool last_of_schedule, int64_t expires_at, const char *lang,
                struct convo_reply *first) __attribute__((warn_unused_result));

/* The message asking st's open question in lang (reminder: the "remind_" wording for a status
 * question). Returns 0, or -1 when no question is open. */
int convo_question(const struct convo_state *st, const char *lang, bool reminder,
                   struct convo_reply *r) __attribute__((warn_unused_result));

/* One inbound SMS: rd is reply_read() of text (len bytes, borrowed), now the time it came.
 * Updates *st (a zeroed state means no open question) and fills *out. */
void convo_step(struct convo_state *st, const struct reply_reading *rd, const char *text,
                size_t len, const struct convo_ctx *ctx, int64_t now, struct convo_out *out);

/* Renders r with cat into buf (len bytes): the text of r->key in r->lang (English when
 * missing) with each {name} replaced by its parameter. Returns the length, or -1 when the
 * key is missing, a placeholder has no parameter, or buf is too small. */
long convo_render(const struct catalog *cat, const struct convo_reply *r, char *buf, size_t len)
    __attribute__((warn_unused_result));

/* Writes st as a compact printable string into buf (at least CONVO_ENCODED_MAX bytes is
 * always enough). Returns the length, or -1 when buf is too small. */
long convo_state_encode(const struct convo_state *st, char *buf, size_t len)
    __attribute__((warn_unused_result));

/* Parses a string from convo_state_encode() (NUL-terminated) into *st. Anything else (garbage,
 * truncation, out-of-range fields, inconsistent steps) returns -1 and leaves *st zeroed. */
int convo_state_decode(const char *s, struct convo_state *st) __attribute__((warn_unused_result));

/* "none", "status", "reached", "note", "story", "done"; "?" out of range. */
const char *convo_step_name(enum convo_step s);

/* "store_status", ...; "?" out of range. */
const char *convo_fx_name(enum convo_fx_kind k);

#endif

/*
 * menu — the USSD menus of SPEC "USSD menus" as a pure step function (ARCHITECTURE rule 2):
 * menu_step(state, input, context) gives the next state, the screen to show and the effects
 * to store. No I/O and no clock: the caller loads the context (person, route, topics, items,
 * today's date in the person's time zone) from PostgreSQL, runs the step, stores the encoded
 * state and the effects in one transaction, and answers the screen. The step is deterministic,
 * so replaying a session's inputs from menu_start() rebuilds its state exactly.
 */
#ifndef FOLLOWUP_MENU_H
#define FOLLOWUP_MENU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "ussd_date.h"

#define MENU_TEXT_MAX 160                     /* GSM-7 septets on one screen */
#define MENU_TEXT_SIZE (MENU_TEXT_MAX * 3 + 1) /* bytes: UTF-8 of the longest GSM character */
#define MENU_STATE_SIZE 256                   /* bytes of an encoded state, NUL included */
#define MENU_EFFECTS_MAX 2
#define MENU_WOMEN_MAX 999                    /* attendance per session, each of women, men */
#define MENU_PEOPLE_MAX 100000                /* people a participant reached */

/* Every screen of both flows. The names table (menu_screen_name) is what encoded states
 * hold, so the numbering may change between versions; the names may not. */
enum menu_screen {
	MENU_SCR_NONE,           /* no screen: a state not started */
	MENU_SCR_ROLE,           /* champion and participant: pick a role */
	MENU_SCR_RESUME,         /* 1 continue where you stopped, 2 start again */
	MENU_SCR_CHAMP_MENU,
	MENU_SCR_CHAMP_TOPIC,    /* the route's topics, paged */
	MENU_SCR_CHAMP_DATE,     /* 1 today, 2 yesterday, 3 another date */
	MENU_SCR_CHAMP_DATE_TYPE,/* DDMMYY */
	MENU_SCR_CHAMP_WOMEN,
	MENU_SCR_CHAMP_MEN,
	MENU_SCR_CHAMP_CONFIRM,
	MENU_SCR_CHAMP_LOGGED,   /* END, with the session's reference */
	MENU_SCR_CHAMP_MONTH,    /* my sessions this month */
	MENU_SCR_CHAMP_LANG,
	MENU_SCR_NO_TOPICS,      /* END: the route has no topics */
	MENU_SCR_PART_MENU,
	MENU_SCR_PART_ITEM,      /* the participant's action items, paged */
	MENU_SCR_PART_STATUS,
	MENU_SCR_PART_PEOPLE,
	MENU_SCR_PART_CONFIRM,
	MENU_SCR_PART_REPORTED,  /* END: thank you */
	MENU_SCR_PART_PLAN,      /* items with their latest status, paged */
	MENU_SCR_PART_LANG,
	MENU_SCR_NO_ITEMS,       /* END: no action items */
	MENU_SCR_UNREGISTERED,   /* END: unknown number */
	MENU_SCR_TOO_MANY,       /* END: third invalid input in a row */
	MENU_SCR_ERROR,          /* END: a state the engine cannot continue from */
	MENU_SCR_COUNT
};

/* A topic of the champion's route, an action item of the participant, a catalog language.
 * Strings are borrowed from the caller for the call. */
struct menu_topic {
	int64_t id;
	const char *title;
};

struct menu_item {
	int64_t id;
	const char *title;
	int status;              /* latest reported status 1..4, or 0 when none yet */
};

struct menu_lang {
	char code[4];
	const char *name;        /* [meta] language of its catalog, e.g. "Kinyarwanda" */
};

/* What the caller knows about the person, loaded before each step. Everything is borrowed.
 * A person may champion or take part in several routes: the caller passes one route per role
 * (the latest), which keeps the menus short. */
struct menu_ctx {
	const struct catalog *cat;
	bool known;              /* the phone number is in people */
	const char *name;
	const char *language;    /* the person's language code, e.g. "rw" */
	bool is_champion, is_participant;

	int64_t route_id;        /* the champion's route */
	const char *route_code;
	struct ussd_date visit_start; /* sessions before it are refused */
	const struct menu_topic *topics;
	size_t n_topics;
	int month_sessions, month_women, month_men; /* the champion's sessions this month */

	const struct menu_item *items; /* the participant's action items */
	size_t n_items;

	const struct menu_lang *langs; /* the languages offered, in order (menu_langs_fill) */
	size_t n_langs;

	struct ussd_date today;  /* in the person's time zone */
	/* The reference a session logged in this USSD session gets, e.g. "S4821": made by the
	 * caller before the step, and the same on every replay of the session (derive it from
	 * the USSD session id). NULL shows "-". */
	const char *session_ref;
};

/* Where a person is in the menus, with the answers given so far. Plain data: copy it, encode
 * it with menu_state_encode(). */
struct menu_state {
	enum menu_screen screen;
	enum menu_screen resume_to; /* on MENU_SCR_RESUME: where "continue" leads */
	char role;               /* 'c' champion, 'p' participant, 0 not chosen yet */
	char lang[4];            /* the language screens are shown in */
	int invalid;             /* invalid inputs in a row on this screen */
	int page;                /* page of a paged list, from 0 */
	int64_t topic_id;        /* 0: not chosen */
	struct ussd_date date;   /* y == 0: not chosen */
	int women, men;          /* -1: not given */
	int64_t item_id;         /* 0: not chosen */
	int status;              /* 1..4, 0: not chosen */
	long people;             /* -1: not given */
};

enum menu_effect_kind {
	MENU_EFF_LOG_SESSION,    /* insert into champion_sessions */
	MENU_EFF_REPORT_PROGRESS,/* insert into progress_reports */
	MENU_EFF_SET_LANGUAGE,   /* update people.language */
};

/* Something to store, in the same transaction as the new state. Only the fields of its kind
 * are meaningful. */
struct menu_effect {
	enum menu_effect_kind kind;
	int64_t route_id, topic_id;   /* LOG_SESSION */
	struct ussd_date date;
	int women, men;
	char ref[16];                 /* the reference shown to the champion */
	int64_t item_id;              /* REPORT_PROGRESS */
	int status;
	long people;
	char lang[4];                 /* SET_LANGUAGE */
};

/* The outcome of a step: the state to store, the screen to answer, the effects to apply. */
struct menu_result {
	struct menu_state state;
	bool end;                     /* answer END (session over), else CON */
	char text[MENU_TEXT_SIZE];    /* UTF-8, GSM 03.38 characters only, <= 160 septets */
	bool overflow;                /* the text was cut to fit: a catalog text is too long */
	struct menu_effect effects[MENU_EFFECTS_MAX];
	size_t n_effects;
};

/* The first screen of a dial. saved is the state of the person's previous session when it
 * dropped before its END recently enough to offer a resume (the caller decides how recent),
 * else NULL; it is borrowed. A saved state that no longer fits the context is ignored. */
void menu_start(const struct menu_ctx *ctx, const struct menu_state *saved,
		struct menu_result *out);

/* One hop: the input the person typed on st's screen (leading and trailing blanks ignored).
 * st and input are borrowed; out is filled completely. A state that does not fit the context
 * (a topic removed since) restarts the menus; a state on an END screen repeats that screen. */
void menu_step(const struct menu_state *st, const char *input, const struct menu_ctx *ctx,
	       struct menu_result *out);

/* menu_start(ctx, NULL) followed by one step per input: the state a session reaches, for a
 * caller that lost its stored state. out holds the last step's screen and effects. */
void menu_replay(const struct menu_ctx *ctx, const char *const *inputs, size_t n,
		 struct menu_result *out);

/* Writes st as compact versioned text ("v1;scr=champ_women;role=c;lang=rw;topic=12;...").
 * Returns 0, or -1 when buf (len bytes) is too small or st is not a valid state. */
int menu_state_encode(const struct menu_state *st, char *buf, size_t len)
	__attribute__((warn_unused_result));

/* Reads what menu_state_encode() wrote. Returns 0, or -1 for anything else (unknown version,
 * key or screen, bad number, duplicate key, answers a screen cannot have); st is untouched
 * then. Safe on any NUL-terminated input. */
int menu_state_decode(const char *s, struct menu_state *st) __attribute__((warn_unused_result));

/* The stable name of a screen ("champ_topic"), or "?" out of range. */
const char *menu_screen_name(enum menu_screen s);

/* Fills out (max entries) with the catalog's languages and their [meta] language names, in
 * the catalog's order; returns how many. Names are borrowed from the catalog. */
size_t menu_langs_fill(const struct catalog *cat, struct menu_lang *out, size_t max);

/* Renders the END text of catalog key (e.g. "ussd.busy", for the daemon's answer when the
 * database is slow) in lang, fitted to one screen, into buf (MENU_TEXT_SIZE bytes advised). */
void menu_render_key(const struct catalog *cat, const char *lang, const char *key, char *buf,
		     size_t len);

#endif

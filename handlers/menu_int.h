/*
 * menu_int — the inside of the menu engine, shared by menu.c (the step), menu_screens.c (the
 * screen table and its actions), menu_state.c (encode/decode), menu_text.c (GSM-7 text) and
 * the unit tests that walk the table. Not for other modules: they use menu.h.
 */
#ifndef FOLLOWUP_MENU_INT_H
#define FOLLOWUP_MENU_INT_H

#include "menu.h"

#define MENU_CHOICES_MAX 4      /* options of the longest choice screen (status) */
#define MENU_PAGE_ITEMS 8       /* list lines on a page: 9 is "More", 0 is "Back" */
#define MENU_TITLE_COLS 30      /* a title longer than this is cut, ending in ".." */
#define MENU_INVALID_MAX 3      /* the third invalid input in a row ends the session */

enum menu_kind {
	MENU_K_CHOICE,          /* numbered options 1..n_choices */
	MENU_K_LIST,            /* a paged list to pick from (1..8, 9 more) */
	MENU_K_INFO,            /* text to read, maybe a paged list: only 0, 00 and 9 */
	MENU_K_NUMBER,          /* a number min..max; 0 is a number here, not "back" */
	MENU_K_DATE,            /* a typed date DDMMYY */
	MENU_K_END,             /* the last screen of a session */
};

enum menu_list { MENU_LIST_NONE, MENU_LIST_TOPICS, MENU_LIST_ITEMS, MENU_LIST_PLAN,
		 MENU_LIST_LANGS };

/* The footer line of a screen. */
enum menu_nav {
	MENU_NAV_NONE,
	MENU_NAV_BACK,          /* "0 Back 00 Menu" */
	MENU_NAV_MAIN,          /* "00 Menu" (number screens, where 0 is a number) */
	MENU_NAV_TOP,           /* "0 Back" when the person has both roles, else nothing */
};

/* Answers a screen needs before it can be shown (and before a state can be decoded). */
enum {
	MENU_NEED_TOPIC = 1 << 0,
	MENU_NEED_DATE = 1 << 1,
	MENU_NEED_WOMEN = 1 << 2,
	MENU_NEED_MEN = 1 << 3,
	MENU_NEED_ITEM = 1 << 4,
	MENU_NEED_STATUS = 1 << 5,
	MENU_NEED_PEOPLE = 1 << 6,
};

/* One step in progress: the state being changed, and what the screen will show. */
struct menu_run {
	struct menu_state *st;
	const struct menu_ctx *ctx;
	struct menu_result *out;
	const char *prefix;     /* catalog key of a line shown above the screen, or NULL */
};

/* Stores a valid answer in the state (and effects in the result). n is the option (CHOICE),
 * the list index from 0 (LIST) or the number (NUMBER); input is the trimmed text typed.
 * Returns NULL when the answer is accepted, else the catalog key of the line explaining why
 * not (an invalid input). */
typedef const char *(*menu_accept_fn)(struct menu_run *r, long n, const char *input);

struct menu_screen_def {
	const char *name;       /* stable, in encoded states */
	const char *key;        /* catalog key of the screen's text (a list's header) */
	enum menu_kind kind;
	char role;              /* 'c', 'p': the flow it belongs to; 0 shared */
	bool top;               /* a main menu: entering it forgets the flow's answers */
	unsigned needs;         /* MENU_NEED_* */
	int n_choices;          /* CHOICE: 1..n_choices are valid */
	/* CHOICE: the screen option i leads to is next[i - 1]; LIST, NUMBER, DATE: next[0]
	 * after a valid answer. MENU_SCR_NONE: the action decides (resume). */
	enum menu_screen next[MENU_CHOICES_MAX];
	enum menu_screen back;  /* where 0 leads; MENU_SCR_NONE: 0 is invalid here */
	enum menu_screen empty; /* LIST, INFO with a list: shown instead when the list is empty */
	enum menu_list list;
	long min, max;          /* NUMBER */
	enum menu_nav nav;
	menu_accept_fn accept;  /* NULL: navigation only */
};

extern const struct menu_screen_def menu_screens[MENU_SCR_COUNT];

/* menu.c: the engine functions the actions call. */

/* Moves r's state to screen to, checking that the table allows it (else MENU_SCR_ERROR);
 * a list with nothing in it leads to its .empty screen; a main menu forgets the answers. */
void menu_set_screen(struct menu_run *r, enum menu_screen to);

/* The first screen for this person, with the role it implies set in st. */
void menu_goto_entry(struct menu_run *r);

/* True when the table has an edge from -> to (next, back, empty, or a global target). */
bool menu_transition_ok(enum menu_screen from, enum menu_screen to);

/* True when st has the answers screen s needs, and the role of its flow. */
bool menu_needs_met(const struct menu_state *st, enum menu_screen s);

/* Length of a list in the context. */
size_t menu_list_len(const struct menu_ctx *ctx, enum menu_list l);

/* The topic or item with that id in the context, or NULL. Borrowed from the context. */
const struct menu_topic *menu_find_topic(const struct menu_ctx *ctx, int64_t id);
const struct menu_item *menu_find_item(const struct menu_ctx *ctx, int64_t id);

/* True when the person is both a champion and a participant (the role screen is shown). */
bool menu_both_roles(const struct menu_ctx *ctx);

/* True when st is well formed on its own, whatever the context: a known screen, answers in
 * range and the ones its screen needs. What menu_state_decode() accepts. */
bool menu_state_shape_ok(const struct menu_state *st);

/* menu_render.c */

/* The part of a list a page shows. */
struct menu_span {
	size_t start, count;
	bool more;              /* "9 More" leads to another page */
};

/* The span page shows on list screen s, fitting 160 septets with room kept for the "invalid
 * choice" line. Returns false when the list has no such page. */
bool menu_page_span(const struct menu_run *r, enum menu_screen s, int page,
		    struct menu_span *sp);

/* Writes the screen r's state is on into r->out (text, end, overflow), with r->prefix's line
 * above it. */
void menu_render(struct menu_run *r);

/* menu_text.c: GSM-7 text. Strings in are UTF-8; what goes out is UTF-8 limited to GSM
 * 03.38 characters (others are transliterated, "é" kept, "ç" -> "c", else "?"). Widths are
 * in septets: an extension-table character ("€", "[") counts 2. */
struct menu_text {
	char *buf;              /* NULL: measure only */
	size_t size, len;
	int septets, max;
	bool overflow;          /* something did not fit max septets and was cut */
};

void menu_text_init(struct menu_text *t, char *buf, size_t size, int max);

/* Appends s; with cols >= 0, a text wider than cols is cut to cols septets ending in "..". */
void menu_text_put(struct menu_text *t, const char *s, int cols);

/* Septets s takes once appended with menu_text_put(s, cols). */
int menu_text_width(const char *s, int cols);

/* Resolves placeholder name (nlen bytes, without braces) to its text, written into tmp if
 * needed; *cols may be set to a width limit. NULL: unknown, the placeholder is kept. */
typedef const char *(*menu_var_fn)(const void *ud, const char *name, size_t nlen, char *tmp,
				   size_t tmplen, int *cols);

/* Appends tmpl with its "{name}" placeholders replaced through var. */
void menu_text_expand(struct menu_text *t, const char *tmpl, menu_var_fn var, const void *ud);

#endif

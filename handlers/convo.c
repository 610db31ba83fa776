/* convo — the SMS check-in conversation step; see convo.h for the rules it keeps. */
#include "convo.h"

#include "catalog.h"
#include "gsm.h"

#include <stdio.h>
#include <string.h>

const char *const convo_message_keys[] = {
    "sms.checkin_status",
    "sms.remind_status",
    "sms.reached",
    "sms.help_note",
    "sms.story",
    "sms.thanks",
    "sms.thanks_final",
    "sms.reask_status",
    "sms.reask_reached",
    "sms.reask_text",
    "sms.stop_confirm",
    "sms.start_confirm",
    "sms.help",
    "sms.lang_changed",
    "sms.lang_unknown",
    "sms.no_question",
    NULL,
};

static const char *const fx_names[CONVO_FX_COUNT] = {
    [CONVO_FX_STORE_STATUS] = "store_status",
    [CONVO_FX_STORE_REACHED] = "store_reached",
    [CONVO_FX_STORE_HELP_NOTE] = "store_help_note",
    [CONVO_FX_STORE_STORY] = "store_story",
    [CONVO_FX_OPT_OUT] = "opt_out",
    [CONVO_FX_OPT_IN] = "opt_in",
    [CONVO_FX_SET_LANGUAGE] = "set_language",
    [CONVO_FX_STORE_FOR_STAFF] = "store_for_staff",
    [CONVO_FX_CHECKIN_ANSWERED] = "checkin_answered",
};

const char *
convo_fx_name(enum convo_fx_kind k)
{
	return (unsigned)k < CONVO_FX_COUNT ? fx_names[k] : "?";
}

/* One run of convo_step(): what every helper needs. */
struct run {
	struct convo_state *st;
	const struct reply_reading *rd;
	const struct convo_ctx *ctx;
	struct convo_out *out;
	const char *lang;
	struct convo_reply spill; /* written when replies are full; never read */
};

typedef bool (*fits_fn)(const struct reply_reading *rd);
typedef void (*step_fn)(struct run *r);

static bool fits_status(const struct reply_reading *rd);
static bool fits_number(const struct reply_reading *rd);
static bool fits_text(const struct reply_reading *rd);
static void accept_status(struct run *r);
static void accept_reached(struct run *r);
static void accept_note(struct run *r);
static void accept_story(struct run *r);
static void next_item(struct run *r);
static void after_reached(struct run *r);
static void finish(struct run *r);

/* The conversation as data: what each open question asks, what answer fits it, what to do
 * with one, and where to go after CONVO_MAX_REASKS unreadable answers. */
static const struct step_def {
	const char *name;
	const char *ask_key;
	const char *reask_key;
	bool per_item; /* the question names the current item */
	bool late_ok;  /* an answer that fits counts after expiry (unambiguous) */
	fits_fn fits;
	step_fn accept;
	step_fn give_up;
} steps[CONVO_STEP_COUNT] = {
    [CONVO_STEP_NONE] = {.name = "none"},
    [CONVO_STEP_STATUS] = {.name = "status",
                           .ask_key = "sms.checkin_status",
                           .reask_key = "sms.reask_status",
                           .per_item = true,
                           .late_ok = true,
                           .fits = fits_status,
                           .accept = accept_status,
                           .give_up = next_item},
    [CONVO_STEP_REACHED] = {.name = "reached",
                            .ask_key = "sms.reached",
                            .reask_key = "sms.reask_reached",
                            .per_item = true,
                            .late_ok = true,
                            .fits = fits_number,
                            .accept = accept_reached,
                            .give_up = after_reached},
    [CONVO_STEP_HELP_NOTE] = {.name = "note",
                              .ask_key = "sms.help_note",
                              .reask_key = "sms.reask_text",
                              .per_item = true,
                              .fits = fits_text,
                              .accept = accept_note,
                              .give_up = next_item},
    [CONVO_STEP_STORY] = {.name = "story",
                          .ask_key = "sms.story",
                          .reask_key = "sms.reask_text",
                          .fits = fits_text,
                          .accept = accept_story,
                          .give_up = finish},
    [CONVO_STEP_DONE] = {.name = "done"},
};

const char *
convo_step_name(enum convo_step s)
{
	return (unsigned)s < CONVO_STEP_COUNT ? steps[s].name : "?";
}

static bool
is_open(const struct convo_state *st)
{
	return (unsigned)st->step < CONVO_STEP_COUNT && steps[st->step].fits != NULL;
}

/* ---- output helpers --------------------------------------------------------------------- */

static void
set_lang(char dst[4], const char *lang)
{
	snprintf(dst, 4, "%s", lang && *lang ? lang : "en");
}

static struct convo_reply *
reply_init(struct convo_reply *rp, const char *key, const char *lang)
{
	memset(rp, 0, sizeof(*rp));
	rp->key = key;
	set_lang(rp->lang, lang);
	return rp;
}

static void
reply_param(struct convo_reply *rp, const char *name, const char *value)
{
	if (rp->n_params == CONVO_MAX_PARAMS)
		return;
	rp->params[rp->n_params].name = name;
	snprintf(rp->params[rp->n_params].value, CONVO_TITLE_SIZE, "%s", value ? value : "");
	rp->n_params++;
}

static struct convo_reply *
add_reply(struct run *r, const char *key, const char *lang)
{
	/* A step sends at most two messages; spill keeps callers free of NULL checks. */
	if (r->out->n_replies == CONVO_MAX_REPLIES)
		return reply_init(&r->spill, key, lang);
	return reply_init(&r->out->replies[r->out->n_replies++], key, lang);
}

static void
add_fx(struct run *r, enum convo_fx_kind kind, int64_t item, long value, bool with_text)
{
	struct convo_effect *e;
	if (r->out->n_fx == CONVO_MAX_EFFECTS)
		return;
	e = &r->out->fx[r->out->n_fx++];
	e->kind = kind;
	e->checkin_id = r->st->checkin_id;
	e->item_id = item;
	e->value = value;
	e->text = with_text ? r->out->text : NULL;
}

static int64_t
cur_item(const struct run *r)
{
	const struct convo_state *st = r->st;
	return is_open(st) && steps[st->step].per_item && st->cur < st->n_items
	           ? st->items[st->cur].id
	           : 0;
}

static void
mark_answered(struct run *r)
{
	if (r->st->answered)
		return;
	r->st->answered = true;
	add_fx(r, CONVO_FX_CHECKIN_ANSWERED, 0, 0, false);
}

/* Copies text into dst as valid UTF-8 (invalid bytes as U+FFFD, NUL dropped), without the
 * white space around it, cut at a character boundary when too long. */
static void
clean_text(const char *text, size_t len, char *dst, size_t dstlen)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t o = 0, i = 0, end;

	while (text && i < len) {
		uint32_t cp;
		unsigned char enc[4];
		size_t n = gsm_utf8_decode(s + i, len - i, &cp), k = 0;
		i += n;
		if (cp == 0)
			continue;
		if (cp < 0x80) {
			enc[k++] = (unsigned char)cp;
		} else if (cp < 0x800) {
			enc[k++] = (unsigned char)(0xC0 | cp >> 6);
			enc[k++] = (unsigned char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			enc[k++] = (unsigned char)(0xE0 | cp >> 12);
			enc[k++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
			enc[k++] = (unsigned char)(0x80 | (cp & 0x3F));
		} else {
			enc[k++] = (unsigned char)(0xF0 | cp >> 18);
			enc[k++] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
			enc[k++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
			enc[k++] = (unsigned char)(0x80 | (cp & 0x3F));
		}
		if (o + k >= dstlen)
			break;
		if (o == 0 && k == 1 && (enc[0] == ' ' || (enc[0] >= '\t' && enc[0] <= '\r')))
			continue;
		memcpy(dst + o, enc, k);
		o += k;
	}
	end = o;
	while (end > 0 && (dst[end - 1] == ' ' || (dst[end - 1] >= '\t' && dst[end - 1] <= '\r')))
		end--;
	dst[end] = '\0';
}

/* ---- questions -------------------------------------------------------------------------- */

int
convo_question(const struct convo_state *st, const char *lang, bool reminder,
               struct convo_reply *rp)
{
	const struct step_def *d;

	if (!is_open(st))
		return -1;
	d = &steps[st->step];
	if (d->per_item && st->cur >= st->n_items)
		return -1;
	reply_init(rp, reminder && st->step == CONVO_STEP_STATUS ? "sms.remind_status" : d->ask_key,
	           lang);
	if (d->per_item)
		reply_param(rp, "item", st->items[st->cur].title);
	return 0;
}

/* Asks the open question, or thanks when the check-in is done. */
static void
ask(struct run *r)
{
	struct convo_reply q;
	if (convo_question(r->st, r->lang, false, &q) == 0)
		*add_reply(r, q.key, r->lang) = q;
	else if (r->st->step == CONVO_STEP_DONE)
		add_reply(r, "sms.thanks", r->lang);
}

static void
finish(struct run *r)
{
	r->st->step = CONVO_STEP_DONE;
	r->st->reasks = 0;
	add_reply(r, "sms.thanks", r->lang);
}

static void
next_item(struct run *r)
{
	struct convo_state *st = r->st;

	st->reasks = 0;
	st->cur_status = 0;
	if (st->cur < st->n_items)
		st->cur++;
	if (st->cur < st->n_items)
		st->step = CONVO_STEP_STATUS;
	else if (st->last_of_schedule)
		st->step = CONVO_STEP_STORY;
	else
		st->step = CONVO_STEP_DONE;
	ask(r);
}

static void
after_reached(struct run *r)
{
	r->st->reasks = 0;
	if (r->st->cur_status == 4) {
		r->st->step = CONVO_STEP_HELP_NOTE;
		ask(r);
	} else {
		next_item(r);
	}
}

/* ---- answers ---------------------------------------------------------------------------- */

static bool
fits_status(const struct reply_reading *rd)
{
	return rd->has_status;
}

static bool
fits_number(const struct reply_reading *rd)
{
	return rd->has_number;
}

/* Free text worth storing: some words, not a lone number (a stray "4" is not a story). */
static bool
fits_text(const struct reply_reading *rd)
{
	return !rd->empty && !(rd->words == 1 && rd->has_number);
}

static void
accept_status(struct run *r)
{
	int64_t item = cur_item(r);

	add_fx(r, CONVO_FX_STORE_STATUS, item, r->rd->status, false);
	mark_answered(r);
	r->st->cur_status = (uint8_t)r->rd->status;
	r->st->reasks = 0;
	if (r->rd->has_number && !r->rd->status_from_number) {
		/* "done, 15 people": both answers at once. */
		add_fx(r, CONVO_FX_STORE_REACHED, item, r->rd->number, false);
		after_reached(r);
		return;
	}
	r->st->step = CONVO_STEP_REACHED;
	ask(r);
}

static void
accept_reached(struct run *r)
{
	add_fx(r, CONVO_FX_STORE_REACHED, cur_item(r), r->rd->number, false);
	mark_answered(r);
	after_reached(r);
}

static void
accept_note(struct run *r)
{
	add_fx(r, CONVO_FX_STORE_HELP_NOTE, cur_item(r), 0, true);
	mark_answered(r);
	next_item(r);
}

static void
accept_story(struct run *r)
{
	add_fx(r, CONVO_FX_STORE_STORY, 0, 0, true);
	mark_answered(r);
	r->st->step = CONVO_STEP_DONE;
	r->st->reasks = 0;
	add_reply(r, "sms.thanks_final", r->lang);
}

/* ---- keywords --------------------------------------------------------------------------- */

static void
repeat_question(struct run *r, int64_t now)
{
	if (is_open(r->st) && now < r->st->expires_at)
		ask(r);
}

static void
on_keyword(struct run *r, int64_t now)
{
	struct convo_reply *rp;

	switch (r->rd->keyword) {
	case REPLY_KW_STOP:
		add_fx(r, CONVO_FX_OPT_OUT, 0, 0, false);
		add_reply(r, "sms.stop_confirm", r->lang);
		break;
	case REPLY_KW_START:
		add_fx(r, CONVO_FX_OPT_IN, 0, 0, false);
		add_reply(r, "sms.start_confirm", r->lang);
		repeat_question(r, now);
		break;
	case REPLY_KW_HELP:
		rp = add_reply(r, "sms.help", r->lang);
		reply_param(rp, "codes", r->ctx->lang_codes);
		break;
	case REPLY_KW_LANG:
		if (!r->rd->lang[0]) {
			rp = add_reply(r, "sms.lang_unknown", r->lang);
			reply_param(rp, "codes", r->ctx->lang_codes);
			break;
		}
		add_fx(r, CONVO_FX_SET_LANGUAGE, 0, 0, false);
		set_lang(r->out->fx[r->out->n_fx - 1].lang, r->rd->lang);
		r->lang = r->rd->lang;
		add_reply(r, "sms.lang_changed", r->lang);
		repeat_question(r, now);
		break;
	default:
		break;
	}
}

/* Text that fits no open question: kept for staff, acknowledged at most once a day. */
static void
no_question(struct run *r)
{
	add_fx(r, CONVO_FX_STORE_FOR_STAFF, 0, 0, true);
	add_reply(r, "sms.no_question", r->lang)->once_a_day = true;
}

void
convo_step(struct convo_state *st, const struct reply_reading *rd, const char *text, size_t len,
           const struct convo_ctx *ctx, int64_t now, struct convo_out *out)
{
	struct run r = {.st = st, .rd = rd, .ctx = ctx, .out = out};
	const struct step_def *d;
	bool late;

	memset(out, 0, sizeof(*out));
	clean_text(text, len, out->text, sizeof(out->text));
	r.lang = ctx->lang && *ctx->lang ? ctx->lang : "en";

	if (ctx->opted_out) {
		/* Opted out: only START gets an answer; other text is kept for staff. */
		if (rd->keyword == REPLY_KW_START)
			on_keyword(&r, now);
		else if (rd->keyword != REPLY_KW_STOP && out->text[0])
			add_fx(&r, CONVO_FX_STORE_FOR_STAFF, 0, 0, true);
		return;
	}
	if (rd->keyword != REPLY_KW_NONE) {
		on_keyword(&r, now);
		return;
	}
	if (!is_open(st)) {
		no_question(&r);
		return;
	}
	d = &steps[st->step];
	late = now >= st->expires_at;
	if (d->fits(rd) && (!late || d->late_ok)) {
		d->accept(&r);
		return;
	}
	if (late) {
		no_question(&r);
		return;
	}
	if (st->reasks < CONVO_MAX_REASKS) {
		struct convo_reply *rp = add_reply(&r, d->reask_key, r.lang);
		st->reasks++;
		if (d->per_item)
			reply_param(rp, "item", st->items[st->cur].title);
		return;
	}
	if (out->text[0])
		add_fx(&r, CONVO_FX_STORE_FOR_STAFF, cur_item(&r), 0, true);
	d->give_up(&r);
}

/* ---- start ------------------------------------------------------------------------------ */

/* Copies a title (its array may lack a NUL), cut at a UTF-8 character boundary to fit. */
static void
copy_title(char *dst, const char *src)
{
	size_t n = strnlen(src, CONVO_TITLE_SIZE);
	if (n == CONVO_TITLE_SIZE) {
		n = CONVO_TITLE_SIZE - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int
convo_start(struct convo_state *st, int64_t checkin_id, const struct convo_item *items, size_t n,
            bool last_of_schedule, int64_t expires_at, const char *lang, struct convo_reply *first)
{
	memset(st, 0, sizeof(*st));
	if (n > CONVO_MAX_ITEMS || (n == 0 && !last_of_schedule))
		return -1;
	st->checkin_id = checkin_id;
	st->expires_at = expires_at;
	st->last_of_schedule = last_of_schedule;
	st->n_items = (uint8_t)n;
	for (size_t i = 0; i < n; i++) {
		st->items[i].id = items[i].id;
		copy_title(st->items[i].title, items[i].title);
	}
	st->step = n ? CONVO_STEP_STATUS : CONVO_STEP_STORY;
	return convo_question(st, lang, false, first);
}

/* ---- rendering -------------------------------------------------------------------------- */

long
convo_render(const struct catalog *cat, const struct convo_reply *r, char *buf, size_t len)
{
	const char *t = cat_get(cat, r->lang, r->key);
	size_t o = 0;

	if (!t || len == 0)
		return -1;
	while (*t) {
		const char *close = *t == '{' ? strchr(t, '}') : NULL;
		const char *piece = t;
		size_t n = 1;
		if (close) {
			size_t k;
			for (k = 0; k < r->n_params; k++)
				if (strlen(r->params[k].name) == (size_t)(close - t - 1) &&
				    strncmp(r->params[k].name, t + 1, (size_t)(close - t - 1)) == 0)
					break;
			if (k == r->n_params)
				return -1;
			piece = r->params[k].value, n = strlen(piece);
			t = close + 1;
		} else {
			t++;
		}
		if (o + n >= len)
			return -1;
		memcpy(buf + o, piece, n);
		o += n;
	}
	buf[o] = '\0';
	return (long)o;
}

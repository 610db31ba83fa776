/*
 * reply — the lenient reader of SMS replies to check-ins. It folds the text to lowercase
 * ASCII words (accents dropped, punctuation and emoji as spaces, invalid UTF-8 harmless) and
 * matches them against word lists kept in the message catalogs' [reply] sections, so adding
 * a word or a language is a catalog edit (ARCHITECTURE rule 6). Pure: no I/O once built.
 *
 * A reply can mean several things at once ("2" is both status 2 and the number 2), so
 * reply_read() returns every reading and the conversation picks the one its question wants.
 * Rules (the catalogs' [reply] comments repeat them for translators):
 *  - Keywords (stop, start, help, "LANG xx") count only as the whole message, ignoring case,
 *    accents, punctuation and spaces, in any catalog language: Spanish "alto" (stop) must not
 *    fire inside "alto nivel". A message that is only a help word is the HELP keyword; "need
 *    help" and the like are status 4 phrases.
 *  - Status phrases are looked up in the person's language and English, then, when nothing
 *    matched, in the other languages. Longest phrase wins at each word ("not started" before
 *    "started"); phrases of [reply] status_none ("not done", "no problem") are consumed and
 *    mean nothing. Two different statuses in one reply read as no status.
 *  - A bare number 1-4 ("2", " 2.", "(3)", "two", "kabiri") is also a status, alone or next to
 *    a phrase of the same status ("3 done"); filler words ("thanks", "asante") are ignored.
 *  - Numbers: digit runs (up to 6 digits; "1,200" and "1.200" are 1200) and number words of
 *    the person's language and English, with compounds ("twenty five", "vingt-cinq",
 *    "ishirini na tano"). A whole-message number phrase is understood in any catalog language.
 *    Digits outrank words; several different numbers read as no number.
 */
#ifndef FOLLOWUP_REPLY_H
#define FOLLOWUP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

struct catalog;

enum reply_keyword {
	REPLY_KW_NONE,
	REPLY_KW_STOP,
	REPLY_KW_START,
	REPLY_KW_HELP,
	REPLY_KW_LANG, /* lang holds the code asked for, "" when not a catalog language */
	REPLY_KW_COUNT
};

/* Longest normalized text read; longer messages are read up to there. */
#define REPLY_NORM_MAX 2048
/* Most words read from one message. */
#define REPLY_MAX_TOKENS 256
/* Largest number read from digits (6 digits: a phone number is not a count). */
#define REPLY_NUMBER_MAX 999999L

struct reply_reading {
	enum reply_keyword keyword;
	char lang[4]; /* REPLY_KW_LANG: catalog code, or "" */
	bool has_status;
	int status;              /* 1 not started, 2 in progress, 3 done, 4 need help */
	bool status_from_number; /* the status came from a bare number ("2"), so number is it */
	bool has_number;
	long number;  /* 0..REPLY_NUMBER_MAX */
	bool yes, no; /* the whole message is a yes / no word */
	bool empty;   /* no letter or digit at all: "", emoji, punctuation */
	size_t words; /* words read (after folding) */
};

struct reply_reader;

/* Builds the word tables from the [reply] sections of every language of cat (read, not
 * kept: the reader may outlive the catalog). Returns a reader to free with
 * reply_reader_free(), or NULL with a reason in err (a keyword listed with two meanings,
 * a malformed number entry, out of memory). */
struct reply_reader *reply_reader_new(const struct catalog *cat, char *err, size_t errlen)
    __attribute__((warn_unused_result));

void reply_reader_free(struct reply_reader *r);

/* Reads text (len bytes of UTF-8, possibly invalid, need not be NUL-terminated) from a
 * person whose language is lang (NULL or not a catalog language: every language is
 * considered alike). Fills *out; never fails. */
void reply_read(const struct reply_reader *r, const char *text, size_t len, const char *lang,
                struct reply_reading *out);

/* Folds len bytes of UTF-8 into lowercase ASCII words separated by one space ("Terminé!!
 * 15people" -> "termine 15 people"): Latin-1 and Latin Extended-A letters lose their accents
 * (æ -> ae, ß -> ss), combining marks and apostrophes are dropped ("c'est" -> "cest"),
 * letters and digits are split apart, thousands separators between digits dropped, anything
 * else is a space. Writes at most outlen bytes including the NUL (outlen > 0), truncating at
 * a word boundary; returns the length written. */
size_t reply_normalize(const char *in, size_t len, char *out, size_t outlen);

/* "none", "stop", "start", "help", "lang"; "?" out of range. */
const char *reply_keyword_name(enum reply_keyword k);

#endif

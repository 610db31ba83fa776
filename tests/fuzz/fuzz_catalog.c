/*
 * fuzz_catalog — libFuzzer target for the message catalog loader (gateway/catalog.c). cat_load
 * reads a directory, so each input is written as en.ini into one directory per process
 * (/tmp/fuzz_catalog.<pid>, removed at exit) and loaded from there. Checked: a refused file
 * gives one line of error naming it; an accepted catalog has exactly the language "en", and
 * for a few fixed keys and every "key = value" line of the input (under its last
 * "[section]"): the English text and the exact English text are the same, another language
 * falls back to it, and no text still holds the escape "\n". A violated property aborts.
 * Built and run by scripts/fuzz.sh.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                 \
	do {                                                                                     \
		if (!(x))                                                                        \
			abort();                                                                 \
	} while (0)

static char dir[64], file[80];

static void
cleanup(void)
{
	unlink(file);
	rmdir(dir);
}

static void
check_key(const struct catalog *c, const char *key)
{
	const char *t = cat_get(c, "en", key);
	CHECK(cat_get_exact(c, "en", key) == t);
	CHECK(cat_get(c, "fr", key) == t && cat_get(c, NULL, key) == t);
	CHECK(!cat_get_exact(c, "fr", key));
	if (t)
		CHECK(!strstr(t, "\\n"));
}

/* Every "name = value" line under a "[section]", as "section.name" (names trimmed). */
static void
check_input_keys(const struct catalog *c, const char *text)
{
	char section[128] = "", key[256];
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		while (n > 0 && (*p == ' ' || *p == '\t'))
			p++, n--;
		if (n > 1 && *p == '[') {
			const char *close = memchr(p, ']', n);
			if (close && (size_t)(close - p - 1) < sizeof(section)) {
				memcpy(section, p + 1, (size_t)(close - p - 1));
				section[close - p - 1] = '\0';
			}
		} else if (eq && eq > p && *section) {
			size_t kl = (size_t)(eq - p);
			while (kl > 0 && (p[kl - 1] == ' ' || p[kl - 1] == '\t'))
				kl--;
			if (kl > 0 && kl < 100) {
				snprintf(key, sizeof(key), "%s.%.*s", section, (int)kl, p);
				check_key(c, key);
			}
		}
		p += n;
		if (*p == '\n')
			p++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"ussd.main_menu", "sms.help", "meta.language",
					   "reply.stop", "", ".", "a.b"};
	char err[512];
	const char *const *langs;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz_catalog.%ld", (long)getpid());
		snprintf(file, sizeof(file), "%s/en.ini", dir);
		CHECK(mkdir(dir, 0700) == 0 || errno == EEXIST); /* a pid reused */
		atexit(cleanup);
	}
	FILE *f = fopen(file, "w");
	CHECK(f);
	CHECK(fwrite(data, 1, size, f) == size);
	CHECK(fclose(f) == 0);

	memset(err, 0, sizeof(err));
	struct catalog *c = cat_load(dir, err, sizeof(err));
	if (!c) {
		CHECK(strncmp(err, dir, strlen(dir)) == 0 && !strchr(err, '\n'));
		return 0;
	}
	CHECK(cat_has_lang(c, "en") && !cat_has_lang(c, "fr"));
	CHECK(cat_langs(c, &langs) == 1 && strcmp(langs[0], "en") == 0);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		check_key(c, keys[i]);
	/* The text as a string: inner NULs end it, as they end a line for the loader. */
	char *text = malloc(size + 1);
	CHECK(text);
	memcpy(text, data, size);
	text[size] = '\0';
	check_input_keys(c, text);
	free(text);
	cat_free(c);
	return 0;
}

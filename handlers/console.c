/*
 * console — the embedded default aggregator of `make run`: outbound SMS are appended, one line
 * each, to a file instead of going to a network.
 */
#include "aggregator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CON_OUTBOX_FILE, CON_CALLBACK_TOKEN };

static const struct cfg_opt console_opts[] = {
	[CON_OUTBOX_FILE] = {"outbox_file", CFG_STR, "var/outbox.log", 0, 0, NULL, NULL, 0},
	[CON_CALLBACK_TOKEN] = {"callback_token", CFG_SECRET, "dev", 0, 0,
				"FOLLOWUP_CONSOLE_CALLBACK_TOKEN", NULL, 0},
};

struct console_conf {
	char *outbox_file;
	char *token;
};

static agg_conf *
console_conf_new(const struct cfg_values *v, char *err, size_t errlen)
{
	struct console_conf *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->outbox_file = strdup(v->str[CON_OUTBOX_FILE]);
	c->token = strdup(v->str[CON_CALLBACK_TOKEN]);
	return c;
}

static void
console_conf_free(agg_conf *p)
{
	struct console_conf *c = p;
	if (!c)
		return;
	free(c->outbox_file);
	free(c->token);
	free(c);
}

static const char *
console_token(const agg_conf *p)
{
	return ((const struct console_conf *)p)->token;
}

const struct aggregator agg_console = {
	.name = "console",
	.section = {"console", console_opts, sizeof(console_opts) / sizeof(console_opts[0])},
	.conf_new = console_conf_new,
	.conf_free = console_conf_free,
	.callback_token = console_token,
};

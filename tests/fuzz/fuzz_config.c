/*
 * fuzz_config — libFuzzer target for followupd.conf parsing (gateway/cfg.c) with every
 * compiled-in adapter's section (handlers/registry.h), on arbitrary text. Checked: a refused
 * text gives one line of error naming the file; an accepted one names a compiled-in
 * aggregator, has every core string set, and every adapter value set, in range (CFG_INT),
 * 0 or 1 (CFG_BOOL); loading the same text again gives the same values. A violated property
 * aborts. A text may name a secret file ("key_file = PATH"): scripts/fuzz.sh runs the target
 * with stdin from /dev/null so that /dev/stdin cannot block it. Built and run by
 * scripts/fuzz.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                 \
	do {                                                                                     \
		if (!(x))                                                                        \
			abort();                                                                 \
	} while (0)

#define NAME "fuzz.conf"

static void
check_values(const struct cfg *c)
{
	int known = 0;
	CHECK(c->path && strcmp(c->path, NAME) == 0);
	CHECK(c->listen && c->conninfo && c->log_level && c->messages_dir && c->aggregator);
	CHECK(c->schedule_days && c->send_window && c->send_days);
	CHECK(c->n_ext == agg_n_sections);
	for (size_t i = 0; i < agg_n_sections; i++) {
		const struct cfg_section *s = agg_sections[i];
		const struct cfg_values *v = cfg_section_values(c, s->name);
		CHECK(v && v->section == s && (v->present == 0 || v->present == 1));
		known |= strcmp(s->name, c->aggregator) == 0;
		for (size_t k = 0; k < s->n_opts; k++) {
			const struct cfg_opt *o = &s->opts[k];
			CHECK(v->str[k]);
			if (o->type == CFG_INT)
				CHECK(v->num[k] >= o->min && v->num[k] <= o->max);
			else if (o->type == CFG_BOOL)
				CHECK(v->num[k] == 0 || v->num[k] == 1);
		}
	}
	CHECK(known);
	CHECK(!cfg_section_values(c, "no such section"));
}

static int
same_values(const struct cfg *a, const struct cfg *b)
{
	if (strcmp(a->listen, b->listen) || strcmp(a->conninfo, b->conninfo) ||
	    strcmp(a->aggregator, b->aggregator) || a->body_limit != b->body_limit ||
	    a->pool_size != b->pool_size || a->out_rate != b->out_rate ||
	    strcmp(a->send_window, b->send_window))
		return 0;
	for (size_t i = 0; i < a->n_ext; i++)
		for (size_t k = 0; k < a->ext[i].section->n_opts; k++)
			if (strcmp(a->ext[i].str[k], b->ext[i].str[k]) ||
			    a->ext[i].num[k] != b->ext[i].num[k])
				return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	char *text = malloc(size + 1);
	CHECK(text);
	memcpy(text, data, size);
	text[size] = '\0';

	memset(err, 0, sizeof(err));
	struct cfg *c = cfg_load_string(NAME, text, agg_sections, agg_n_sections, err,
					sizeof(err));
	if (!c) {
		CHECK(strncmp(err, NAME ":", strlen(NAME ":")) == 0);
		CHECK(!strchr(err, '\n'));
	} else {
		check_values(c);
		struct cfg *again = cfg_load_string(NAME, text, agg_sections, agg_n_sections, err,
						    sizeof(err));
		CHECK(again && same_values(c, again));
		cfg_free(again);
	}
	cfg_free(c);
	free(text);
	return 0;
}

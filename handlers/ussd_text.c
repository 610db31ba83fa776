/* ussd_text — newest input from cumulative USSD text; see ussd_text.h. */
#include "ussd_text.h"

#include <string.h>

static const char *const hop_names[USSD_HOP_COUNT] = {
	[USSD_HOP_START] = "start",
	[USSD_HOP_INPUT] = "input",
	[USSD_HOP_REPEAT] = "repeat",
	[USSD_HOP_REPLAY] = "replay",
};

const char *
ussd_hop_name(enum ussd_hop h)
{
	return (unsigned)h < USSD_HOP_COUNT ? hop_names[h] : "?";
}

enum ussd_hop
ussd_text_derive(const char *prev, const char *cur, const char **input)
{
	size_t pl;
	*input = NULL;
	if (!cur)
		cur = "";
	if (!prev)
		return *cur ? USSD_HOP_REPLAY : USSD_HOP_START;
	if (strcmp(prev, cur) == 0)
		return USSD_HOP_REPEAT;
	if (!*prev) {
		/* The first input is all of cur: "1*3" here is one answer containing a star,
		 * since the hop before it, with text "", is on record. */
		*input = cur;
		return USSD_HOP_INPUT;
	}
	pl = strlen(prev);
	if (strncmp(cur, prev, pl) == 0 && cur[pl] == '*') {
		*input = cur + pl + 1;
		return USSD_HOP_INPUT;
	}
	return USSD_HOP_REPLAY;
}

int
ussd_text_split(const char *cur, char *buf, size_t buflen, const char **parts, size_t max_parts,
		size_t *n)
{
	size_t len = cur ? strlen(cur) : 0;
	*n = 0;
	if (len == 0)
		return 0;
	if (len >= buflen)
		return -1;
	memcpy(buf, cur, len + 1);
	for (char *p = buf;;) {
		char *star = strchr(p, '*');
		if (*n == max_parts)
			return -1;
		parts[(*n)++] = p;
		if (!star)
			return 0;
		*star = '\0';
		p = star + 1;
	}
}

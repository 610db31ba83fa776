/*
 * console — the embedded default aggregator of `make run`: outbound SMS are appended, one line
 * each, to a file instead of going to a network; inbound callbacks use the Africa's Talking
 * wire format (the very functions of africastalking.c), so that `followupctl simulate` talks to
 * it as it would to AT.
 */
#include "aggregator.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "africastalking.h"
#include "gsm.h"
#include "log.h"

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

static agg_conf *
console_conf_new(const struct cfg_values *v, char *err, size_t errlen)
{
	struct console_conf *c = calloc(1, sizeof(*c));
	if (c) {
		c->outbox_file = strdup(v->str[CON_OUTBOX_FILE]);
		c->token = strdup(v->str[CON_CALLBACK_TOKEN]);
	}
	if (!c || !c->outbox_file || !c->token) {
		console_conf_free(c);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return c;
}

static const char *
console_token(const agg_conf *p)
{
	return ((const struct console_conf *)p)->token;
}

/* Appends the message as one line with a single write() on an O_APPEND descriptor, so lines
 * from several processes do not interleave. The clock is read here: this is local I/O. The
 * segment count shows `make run` users what the message would cost on a real network. */
static void
console_send_local(const agg_conf *p, const struct agg_outmsg *m, struct agg_send_result *out)
{
	const struct console_conf *c = p;
	const char *text = m->text ? m->text : "";
	size_t qlen = strlen(text) * 4 + 8, len, done = 0;
	char *quoted = malloc(qlen), *line = malloc(qlen + 256);
	char phone[32];
	time_t now = time(NULL);
	struct tm tm;
	int fd = -1;

	memset(out, 0, sizeof(*out));
	out->outcome = AGG_SEND_RETRY;
	if (!quoted || !line) {
		snprintf(out->reason, sizeof(out->reason), "out of memory");
		goto done;
	}
	gmtime_r(&now, &tm);
	len = (size_t)snprintf(line, qlen + 256,
			       "%04d-%02d-%02dT%02d:%02d:%02dZ to=%s segments=%u id=%.64s "
			       "text=\"%s\"\n",
			       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			       tm.tm_sec, log_phone(phone, sizeof(phone), m->to),
			       (unsigned)gsm_segments(text, NULL, NULL), m->id ? m->id : "-",
			       log_quote(quoted, qlen, text));
	fd = open(c->outbox_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		snprintf(out->reason, sizeof(out->reason), "cannot open %.100s: %s",
			 c->outbox_file, strerror(errno));
		goto done;
	}
	while (done < len) {
		ssize_t w = write(fd, line + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(out->reason, sizeof(out->reason), "cannot write %.100s: %s",
				 c->outbox_file, w < 0 ? strerror(errno) : "short write");
			goto done;
		}
		done += (size_t)w;
	}
	out->outcome = AGG_SEND_ACCEPTED;
	snprintf(out->id, sizeof(out->id), "console-%.100s", m->id ? m->id : "");
done:
	if (fd >= 0)
		close(fd);
	free(quoted);
	free(line);
}

const struct aggregator agg_console = {
	.name = "console",
	.section = {"console", console_opts, sizeof(console_opts) / sizeof(console_opts[0])},
	.conf_new = console_conf_new,
	.conf_free = console_conf_free,
	.callback_token = console_token,
	.parse_ussd = at_parse_ussd,
	.parse_ussd_end = at_parse_ussd_end,
	.parse_sms = at_parse_sms,
	.parse_dlr = at_parse_dlr,
	.format_ussd = at_format_ussd,
	.sms_ack = at_sms_ack,
	.send_local = console_send_local,
};

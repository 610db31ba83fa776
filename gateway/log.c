/* log — logfmt lines on stderr with phone masking; see log.h. */
#include "log.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

enum log_level log_min_level = LOG_INFO;
static FILE *log_stream;

static const char *const level_names[LOG_LEVEL_COUNT] = {
	[LOG_DEBUG] = "debug",
	[LOG_INFO] = "info",
	[LOG_WARN] = "warn",
	[LOG_ERROR] = "error",
};

int
log_set_level_name(const char *name)
{
	for (int i = 0; i < LOG_LEVEL_COUNT; i++) {
		if (strcasecmp(name, level_names[i]) == 0) {
			log_min_level = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void
log_set_stream(FILE *f)
{
	log_stream = f;
}

const char *
log_phone(char *buf, size_t len, const char *phone)
{
	size_t n = phone ? strlen(phone) : 0;
	if (n == 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(buf, len, "***%s", n > 3 ? phone + n - 3 : phone);
	return buf;
}

const char *
log_quote(char *buf, size_t len, const char *s)
{
	size_t o = 0;
	if (len < 8) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		char tmp[5];
		size_t n;
		if (*p == '"' || *p == '\\') {
			tmp[0] = '\\', tmp[1] = (char)*p, n = 2;
		} else if (*p == '\n') {
			tmp[0] = '\\', tmp[1] = 'n', n = 2;
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", *p), n = 4;
		} else {
			tmp[0] = (char)*p, n = 1;
		}
		if (o + n + 4 > len) {
			memcpy(buf + o, "...", 3), o += 3;
			break;
		}
		memcpy(buf + o, tmp, n), o += n;
	}
	buf[o] = '\0';
	return buf;
}

size_t
log_scrub(char *line, size_t len)
{
	size_t r = 0, w = 0;
	while (r < len) {
		size_t d = 0;
		if (line[r] == '+') {
			while (r + 1 + d < len && line[r + 1 + d] >= '0' && line[r + 1 + d] <= '9')
				d++;
		}
		if (d >= 4) {
			/* "+250788123456" -> "***456": never longer than the original. */
			char last[3];
			memcpy(last, line + r + 1 + d - 3, 3);
			memcpy(line + w, "***", 3);
			memcpy(line + w + 3, last, 3);
			w += 6;
			r += 1 + d;
		} else {
			line[w++] = line[r++];
		}
	}
	line[w] = '\0';
	return w;
}

void
log_write(enum log_level lvl, const char *mod, const char *msg, const char *kv_fmt, ...)
{
	char line[2048], qmsg[512];
	struct timeval tv;
	struct tm tm;
	int n;

	if (lvl < log_min_level)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
		     "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03dZ level=%s mod=%s msg=\"%s\"",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		     tm.tm_sec, (int)(tv.tv_usec / 1000), level_names[lvl], mod,
		     log_quote(qmsg, sizeof(qmsg), msg));
	if (n < 0)
		return;
	if (kv_fmt && *kv_fmt && (size_t)n < sizeof(line) - 2) {
		va_list ap;
		line[n++] = ' ';
		va_start(ap, kv_fmt);
		int m = vsnprintf(line + n, sizeof(line) - (size_t)n, kv_fmt, ap);
		va_end(ap);
		if (m > 0)
			n += m;
	}
	if ((size_t)n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	/* One event, one line, whatever a value held. */
	for (int i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	n = (int)log_scrub(line, (size_t)n);
	line[n++] = '\n';
	fwrite(line, 1, (size_t)n, log_stream ? log_stream : stderr);
	fflush(log_stream ? log_stream : stderr);
}

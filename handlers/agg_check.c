/* agg_check — shared option checks of the adapters; see agg_check.h. */
#include "agg_check.h"

#include <stdio.h>
#include <string.h>

int
agg_check_safe(const char *v, char *err, size_t errlen)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "control characters are not allowed");
			return -1;
		}
	}
	return 0;
}

int
agg_check_url(const char *v, char *err, size_t errlen)
{
	if (*v && strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) {
		snprintf(err, errlen, "expected an http:// or https:// URL, got '%s'", v);
		return -1;
	}
	return agg_check_safe(v, err, errlen);
}

int
agg_check_token(const char *v, char *err, size_t errlen)
{
	if (v[strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")]) {
		snprintf(err, errlen, "use only letters, digits, '-', '.', '_' and '~'");
		return -1;
	}
	return 0;
}

void
agg_excerpt(char *dst, size_t len, const char *s, size_t slen, size_t max)
{
	size_t o = 0;
	for (size_t i = 0; i < slen && o + 1 < len && o < max; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\n' || ch == '\r')
			break;
		dst[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	dst[o] = '\0';
}

void
agg_strip_slashes(char *url)
{
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
}

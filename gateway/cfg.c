/* cfg — followupd.conf read against declarative option tables; see cfg.h. */
#include "cfg.h"
#include "netacl.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef FOLLOWUP_DATADIR
#define FOLLOWUP_DATADIR "/usr/local/share/followup"
#endif

static int check_listen(const char *v, char *err, size_t errlen);
static int check_level(const char *v, char *err, size_t errlen);
static int check_days(const char *v, char *err, size_t errlen);
static int check_window(const char *v, char *err, size_t errlen);
static int check_weekdays(const char *v, char *err, size_t errlen);
static int check_cidrs(const char *v, char *err, size_t errlen);

#define OFF(f) offsetof(struct cfg, f)

static const struct cfg_opt server_opts[] = {
	{"listen", CFG_STR, "127.0.0.1:8080", 0, 0, NULL, check_listen, OFF(listen)},
	{"body_limit", CFG_INT, "65536", 1024, 16 << 20, NULL, NULL, OFF(body_limit)},
	{"header_limit", CFG_INT, "8192", 1024, 1 << 20, NULL, NULL, OFF(header_limit)},
	{"timeout", CFG_INT, "10", 1, 3600, NULL, NULL, OFF(timeout_secs)},
	{"max_connections", CFG_INT, "1024", 1, 1000000, NULL, NULL, OFF(max_connections)},
	{"reuse_port", CFG_BOOL, "yes", 0, 1, NULL, NULL, OFF(reuse_port)},
	{"public_url", CFG_STR, NULL, 0, 0, NULL, NULL, OFF(public_url)},
	{"trusted_proxies", CFG_STR, NULL, 0, 0, NULL, check_cidrs, OFF(trusted_proxies)},
	{"rate_limit", CFG_INT, "1000", 0, 1000000, NULL, NULL, OFF(rate_limit)},
	{"rate_burst", CFG_INT, "2000", 1, 1000000, NULL, NULL, OFF(rate_burst)},
};
static const struct cfg_opt database_opts[] = {
	{"conninfo", CFG_SECRET, "host=/run/postgresql dbname=followup", 0, 0, "FOLLOWUP_DB",
	 NULL, OFF(conninfo)},
	{"pool_size", CFG_INT, "8", 1, 64, NULL, NULL, OFF(pool_size)},
	{"query_timeout_ms", CFG_INT, "5000", 10, 600000, NULL, NULL, OFF(query_timeout_ms)},
	{"reconnect_max_ms", CFG_INT, "5000", 10, 600000, NULL, NULL, OFF(reconnect_max_ms)},
};
static const struct cfg_opt log_opts[] = {
	{"level", CFG_STR, "info", 0, 0, NULL, check_level, OFF(log_level)},
};
static const struct cfg_opt messages_opts[] = {
	{"dir", CFG_STR, FOLLOWUP_DATADIR "/messages", 0, 0, NULL, NULL, OFF(messages_dir)},
};
static const struct cfg_opt sms_opts[] = {
	{"aggregator", CFG_STR, "console", 0, 0, NULL, NULL, OFF(aggregator)},
	{"max_replies_per_hour", CFG_INT, "5", 0, 1000, NULL, NULL,
	 OFF(sms_max_replies_per_hour)},
};
static const struct cfg_opt ussd_opts[] = {
	{"deadline_ms", CFG_INT, "2000", 50, 15000, NULL, NULL, OFF(ussd_deadline_ms)},
	{"resume_minutes", CFG_INT, "30", 0, 1440, NULL, NULL, OFF(resume_minutes)},
};
static const struct cfg_opt spool_opts[] = {
	{"dir", CFG_STR, NULL, 0, 0, NULL, NULL, OFF(spool_dir)},
};
static const struct cfg_opt outbox_opts[] = {
	{"concurrency", CFG_INT, "8", 1, 256, NULL, NULL, OFF(out_concurrency)},
	{"rate", CFG_INT, "50", 1, 100000, NULL, NULL, OFF(out_rate)},
	{"batch", CFG_INT, "50", 1, 1000, NULL, NULL, OFF(out_batch)},
	{"lease_seconds", CFG_INT, "60", 5, 86400, NULL, NULL, OFF(out_lease_secs)},
	{"max_attempts", CFG_INT, "10", 1, 1000, NULL, NULL, OFF(out_max_attempts)},
	{"retry_base_ms", CFG_INT, "30000", 10, 86400000, NULL, NULL, OFF(out_retry_base_ms)},
	{"retry_max_ms", CFG_INT, "3600000", 10, 86400000, NULL, NULL, OFF(out_retry_max_ms)},
	{"poll_ms", CFG_INT, "5000", 50, 3600000, NULL, NULL, OFF(out_poll_ms)},
	{"timeout_ms", CFG_INT, "15000", 100, 600000, NULL, NULL, OFF(out_timeout_ms)},
};
static const struct cfg_opt checkins_opts[] = {
	{"schedule_days", CFG_STR, "14,30,60,90,180", 0, 0, NULL, check_days, OFF(schedule_days)},
	{"send_window", CFG_STR, "08:00-19:00", 0, 0, NULL, check_window, OFF(send_window)},
	{"send_days", CFG_STR, "mon,tue,wed,thu,fri,sat", 0, 0, NULL, check_weekdays,
	 OFF(send_days)},
	{"reminder_after", CFG_INT, "3", 1, 365, NULL, NULL, OFF(reminder_after)},
	{"expire_after", CFG_INT, "7", 1, 365, NULL, NULL, OFF(expire_after)},
	{"tick_seconds", CFG_INT, "60", 0, 86400, NULL, NULL, OFF(checkins_tick_secs)},
};

#define SECTION(n, o) {n, o, sizeof(o) / sizeof(o[0])}
static const struct cfg_section core_sections[] = {
	SECTION("server", server_opts),     SECTION("database", database_opts),
	SECTION("log", log_opts),           SECTION("messages", messages_opts),
	SECTION("sms", sms_opts),           SECTION("ussd", ussd_opts),
	SECTION("outbox", outbox_opts),     SECTION("checkins", checkins_opts),
	SECTION("spool", spool_opts),
};
#define N_CORE (sizeof(core_sections) / sizeof(core_sections[0]))

/* Parsing state shared with the inih callbacks. */
struct load {
	struct cfg *c;
	const char *name;
	int line;           /* current line, counted by our reader */
	int failed;
	char *err;
	size_t errlen;
	const char *text;   /* for cfg_load_string */
	FILE *f;
	/* which options were set, and where: [section index][opt index] */
	unsigned char set[N_CORE + CFG_MAX_EXT][CFG_MAX_OPTS];
};

static int
fail(struct load *l, const char *fmt, const char *a, const char *b)
{
	if (!l->failed) {
		char reason[256];
		snprintf(reason, sizeof(reason), fmt, a, b);
		if (l->line > 0) /* values from defaults or the environment have no line */
			snprintf(l->err, l->errlen, "%s:%d: %s", l->name, l->line, reason);
		else
			snprintf(l->err, l->errlen, "%s: %s", l->name, reason);
		l->failed = 1;
	}
	return 0;
}

static char *
read_secret_file(const char *path, char *why, size_t whylen)
{
	/* systemd's LoadCredential= puts secrets in $CREDENTIALS_DIRECTORY. */
	static const char var[] = "${CREDENTIALS_DIRECTORY}";
	char expanded[4096];
	if (strncmp(path, var, sizeof(var) - 1) == 0) {
		const char *dir = getenv("CREDENTIALS_DIRECTORY");
		if (!dir || !*dir) {
			snprintf(why, whylen, "CREDENTIALS_DIRECTORY is not set (not under systemd?)");
			return NULL;
		}
		snprintf(expanded, sizeof(expanded), "%s%s", dir, path + sizeof(var) - 1);
		path = expanded;
	}
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n;
	if (!f) {
		snprintf(why, whylen, "%s", strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	if (n == 0) {
		snprintf(why, whylen, "file is empty");
		return NULL;
	}
	return strdup(buf);
}

static int
parse_bool(const char *v, long *out)
{
	static const char *const yes[] = {"1", "yes", "true", "on"};
	static const char *const no[] = {"0", "no", "false", "off"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

static int
parse_long(const char *v, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || *end != '\0')
		return -1;
	*out = n;
	return 0;
}

/* Stores one value for option o of section s; owned strings replace earlier ones. */
static int
store(struct load *l, size_t si, size_t oi, const struct cfg_opt *o, const char *v,
      int from_file_key)
{
	char why[256];
	char *copy;
	long num = 0;

	if (from_file_key) {
		copy = read_secret_file(v, why, sizeof(why));
		if (!copy) {
			char what[300];
			snprintf(what, sizeof(what), "%s: %s", v, why);
			return fail(l, "%s_file: cannot read %s", o->key, what);
		}
	} else {
		copy = strdup(v);
	}
	if (o->type == CFG_INT) {
		if (parse_long(v, &num) < 0 || num < o->min || num > o->max) {
			char range[64];
			snprintf(range, sizeof(range), "%ld..%ld", o->min, o->max);
			free(copy);
			return fail(l, "%s: expected a whole number in %s", o->key, range);
		}
	} else if (o->type == CFG_BOOL) {
		if (parse_bool(v, &num) < 0) {
			free(copy);
			return fail(l, "%s: expected yes or no, got '%s'", o->key, v);
		}
	}
	if (o->check && o->check(copy, why, sizeof(why)) < 0) {
		free(copy);
		return fail(l, "%s: %s", o->key, why);
	}

	if (si < N_CORE) {
		char *base = (char *)l->c;
		if (o->type == CFG_INT || o->type == CFG_BOOL) {
			*(int *)(base + o->offset) = (int)num;
			free(copy);
		} else {
			char **slot = (char **)(base + o->offset);
			free(*slot);
			*slot = copy;
		}
	} else {
		struct cfg_values *cv = &l->c->ext[si - N_CORE];
		free(cv->str[oi]);
		cv->str[oi] = copy;
		cv->num[oi] = num;
	}
	return 1;
}

static const struct cfg_section *
section_at(const struct load *l, size_t si)
{
	return si < N_CORE ? &core_sections[si] : l->c->ext[si - N_CORE].section;
}

static int
on_value(void *user, const char *section, const char *name, const char *value)
{
	struct load *l = user;
	size_t n_sec = N_CORE + l->c->n_ext;

	if (l->failed)
		return 0;
	for (size_t si = 0; si < n_sec; si++) {
		const struct cfg_section *s = section_at(l, si);
		if (strcmp(s->name, section) != 0)
			continue;
		if (si >= N_CORE) {
			struct cfg_values *cv = &l->c->ext[si - N_CORE];
			char why[256];
			cv->present = 1;
			/* Every adapter section may restrict its callbacks to addresses. */
			if (strcmp(name, "allow_from") == 0) {
				if (cv->allow_from)
					return fail(l, "%s: set twice in [%s]", name, section);
				if (check_cidrs(value, why, sizeof(why)) < 0)
					return fail(l, "allow_from: %s%s", why, "");
				cv->allow_from = strdup(value);
				return 1;
			}
		}
		for (size_t oi = 0; oi < s->n_opts; oi++) {
			const struct cfg_opt *o = &s->opts[oi];
			size_t kl = strlen(o->key);
			int file_key = o->type == CFG_SECRET && strncmp(name, o->key, kl) == 0 &&
				       strcmp(name + kl, "_file") == 0;
			if (strcmp(name, o->key) != 0 && !file_key)
				continue;
			if (l->set[si][oi])
				return fail(l, "%s: set twice in [%s]", name, section);
			l->set[si][oi] = 1;
			return store(l, si, oi, o, value, file_key);
		}
		return fail(l, "unknown key '%s' in [%s]", name, section);
	}
	return fail(l, "unknown section [%s]%s", section, "");
}

/* inih reader that counts lines, so that errors carry the line they are on. */
static char *
read_line(char *buf, int size, void *user)
{
	struct load *l = user;
	char *r;
	if (l->f) {
		r = fgets(buf, size, l->f);
	} else {
		if (!*l->text)
			return NULL;
		const char *nl = strchr(l->text, '\n');
		size_t n = nl ? (size_t)(nl - l->text) + 1 : strlen(l->text);
		if (n > (size_t)size - 1)
			n = (size_t)size - 1;
		memcpy(buf, l->text, n);
		buf[n] = '\0';
		l->text += n;
		r = buf;
	}
	if (r)
		l->line++;
	return r;
}

static int
apply_defaults_and_env(struct load *l)
{
	for (size_t si = 0; si < N_CORE + l->c->n_ext; si++) {
		const struct cfg_section *s = section_at(l, si);
		for (size_t oi = 0; oi < s->n_opts; oi++) {
			const struct cfg_opt *o = &s->opts[oi];
			const char *env = o->env ? getenv(o->env) : NULL;
			if (env && *env) {
				l->set[si][oi] = 0;
				if (store(l, si, oi, o, env, 0) == 0)
					return -1;
				continue;
			}
			if (l->set[si][oi])
				continue;
			if (store(l, si, oi, o, o->def ? o->def : "", 0) == 0)
				return -1;
		}
	}
	return 0;
}

static struct cfg *
load(struct load *l, const struct cfg_section *const *ext, size_t n_ext)
{
	struct cfg *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(l->err, l->errlen, "%s: out of memory", l->name);
		return NULL;
	}
	l->c = c;
	c->path = strdup(l->name);
	if (n_ext > CFG_MAX_EXT)
		n_ext = CFG_MAX_EXT;
	for (size_t i = 0; i < n_ext; i++)
		c->ext[i].section = ext[i];
	c->n_ext = n_ext;

	int r = ini_parse_stream(read_line, l, on_value, l);
	if (r > 0 && !l->failed) {
		l->line = r;
		fail(l, "syntax error (expected [section] or key = value)%s%s", "", "");
	}
	if (!l->failed) {
		l->line = 0;
		if (apply_defaults_and_env(l) == 0) {
			int known = 0;
			for (size_t i = 0; i < c->n_ext; i++)
				known |= strcmp(c->ext[i].section->name, c->aggregator) == 0;
			if (!known)
				fail(l, "[sms] aggregator: unknown aggregator '%s'%s", c->aggregator,
				     "");
		}
	}
	if (l->failed) {
		cfg_free(c);
		return NULL;
	}
	return c;
}

struct cfg *
cfg_load(const char *path, const struct cfg_section *const *ext, size_t n_ext, char *err,
	 size_t errlen)
{
	struct load l = {.name = path, .err = err, .errlen = errlen};
	l.f = fopen(path, "r");
	if (!l.f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	struct cfg *c = load(&l, ext, n_ext);
	fclose(l.f);
	return c;
}

struct cfg *
cfg_load_string(const char *name, const char *text, const struct cfg_section *const *ext,
		size_t n_ext, char *err, size_t errlen)
{
	struct load l = {.name = name, .err = err, .errlen = errlen, .text = text};
	return load(&l, ext, n_ext);
}

void
cfg_free(struct cfg *c)
{
	if (!c)
		return;
	for (size_t si = 0; si < N_CORE; si++) {
		const struct cfg_section *s = &core_sections[si];
		for (size_t oi = 0; oi < s->n_opts; oi++)
			if (s->opts[oi].type == CFG_STR || s->opts[oi].type == CFG_SECRET)
				free(*(char **)((char *)c + s->opts[oi].offset));
	}
	for (size_t i = 0; i < c->n_ext; i++) {
		for (size_t oi = 0; oi < CFG_MAX_OPTS; oi++)
			free(c->ext[i].str[oi]);
		free(c->ext[i].allow_from);
	}
	free(c->path);
	free(c);
}

const struct cfg_values *
cfg_section_values(const struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->n_ext; i++)
		if (strcmp(c->ext[i].section->name, name) == 0)
			return &c->ext[i];
	return NULL;
}

int
cfg_split_hostport(const char *s, char *host, size_t hostlen, int *port)
{
	const char *colon, *h = s;
	size_t hl;
	long p;
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -1;
		h = s + 1, hl = (size_t)(close - h), colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= hostlen || parse_long(colon + 1, &p) < 0 || p < 0 || p > 65535)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (int)p;
	return 0;
}

static int
check_listen(const char *v, char *err, size_t errlen)
{
	char host[256];
	int port;
	if (cfg_split_hostport(v, host, sizeof(host), &port) < 0) {
		snprintf(err, errlen, "expected address:port, got '%s'", v);
		return -1;
	}
	return 0;
}

static int
check_level(const char *v, char *err, size_t errlen)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	for (size_t i = 0; i < 4; i++)
		if (strcasecmp(v, names[i]) == 0)
			return 0;
	snprintf(err, errlen, "expected debug, info, warn or error, got '%s'", v);
	return -1;
}

static int
check_days(const char *v, char *err, size_t errlen)
{
	const char *p = v;
	long prev = -1;
	if (!*p)
		goto bad;
	while (*p) {
		char *end;
		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p))
			goto bad;
		long d = strtol(p, &end, 10);
		if (d <= prev || d > 3650)
			goto bad;
		prev = d;
		p = end;
		while (*p == ' ')
			p++;
		if (*p == ',')
			p++;
		else if (*p)
			goto bad;
	}
	return 0;
bad:
	snprintf(err, errlen, "expected increasing day counts like 14,30,60, got '%s'", v);
	return -1;
}

static int
hhmm(const char *p, int *minutes)
{
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) || p[2] != ':' ||
	    !isdigit((unsigned char)p[3]) || !isdigit((unsigned char)p[4]))
		return -1;
	int h = (p[0] - '0') * 10 + p[1] - '0', m = (p[3] - '0') * 10 + p[4] - '0';
	if (h > 24 || m > 59 || (h == 24 && m != 0))
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

static int
check_window(const char *v, char *err, size_t errlen)
{
	int a, b;
	if (strlen(v) != 11 || v[5] != '-' || hhmm(v, &a) < 0 || hhmm(v + 6, &b) < 0 || a >= b) {
		snprintf(err, errlen, "expected HH:MM-HH:MM with start before end, got '%s'", v);
		return -1;
	}
	return 0;
}

static int
check_weekdays(const char *v, char *err, size_t errlen)
{
	static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	const char *p = v;
	while (*p) {
		size_t n = strcspn(p, ",");
		int ok = 0;
		for (size_t i = 0; i < 7 && !ok; i++)
			ok = n == 3 && strncasecmp(p, days[i], 3) == 0;
		if (!ok) {
			snprintf(err, errlen, "expected days like mon,tue,sat, got '%s'", v);
			return -1;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int
check_cidrs(const char *v, char *err, size_t errlen)
{
	struct netacl *a = netacl_parse(v, err, errlen);
	netacl_free(a);
	return a ? 0 : -1;
}

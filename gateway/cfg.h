/*
 * cfg — followupd.conf: an INI file read with inih against declarative tables of options.
 * The core's sections are described here; each aggregator adapter brings a section of its own
 * (struct cfg_section), so the core never names an aggregator. Secrets (type CFG_SECRET) may
 * also come from "<key>_file" (a file holding the value) or an environment variable, so that
 * the file itself can stay world-readable. Every error names the file and the line.
 */
#ifndef FOLLOWUP_CFG_H
#define FOLLOWUP_CFG_H

#include <stddef.h>

enum cfg_type { CFG_STR, CFG_SECRET, CFG_INT, CFG_BOOL };

/* Extra validation of a string value: return 0, or -1 with a reason in err. */
typedef int (*cfg_check_fn)(const char *value, char *err, size_t errlen);

struct cfg_opt {
	const char *key;
	enum cfg_type type;
	const char *def;      /* default, as text; NULL = empty */
	long min, max;        /* range of a CFG_INT */
	const char *env;      /* environment variable that overrides a CFG_SECRET, or NULL */
	cfg_check_fn check;   /* or NULL */
	size_t offset;        /* core options: where the value goes in struct cfg */
};

/* An adapter's section. Its values land in struct cfg_values, in the order of opts. */
struct cfg_section {
	const char *name;
	const struct cfg_opt *opts;
	size_t n_opts;
};

#define CFG_MAX_OPTS 16
#define CFG_MAX_EXT 8

struct cfg_values {
	const struct cfg_section *section;
	int present;                  /* the file has this section */
	char *str[CFG_MAX_OPTS];      /* every value as text (secrets included) */
	long num[CFG_MAX_OPTS];       /* CFG_INT and CFG_BOOL values */
	char *allow_from;             /* every adapter section's generic allow_from, or NULL */
};

struct cfg {
	char *path;
	/* [server] */
	char *listen;
	int body_limit, header_limit, timeout_secs, max_connections, reuse_port;
	char *public_url, *trusted_proxies;
	int rate_limit, rate_burst;
	/* [database] */
	char *conninfo;
	int pool_size, query_timeout_ms, reconnect_max_ms;
	/* [log] */
	char *log_level;
	/* [messages] */
	char *messages_dir;
	/* [sms] */
	char *aggregator;
	int sms_max_replies_per_hour;
	/* [ussd] */
	int ussd_deadline_ms, resume_minutes;
	/* [spool] */
	char *spool_dir;
	/* [outbox] */
	int out_concurrency, out_rate, out_batch, out_lease_secs, out_max_attempts;
	int out_retry_base_ms, out_retry_max_ms, out_poll_ms, out_timeout_ms;
	/* [checkins] */
	char *schedule_days, *send_window, *send_days;
	int reminder_after, expire_after, checkins_tick_secs;
	/* adapters' sections */
	struct cfg_values ext[CFG_MAX_EXT];
	size_t n_ext;
};

/* Reads path against the core tables and the given adapter sections (borrowed; they must
 * outlive the result). Returns a new cfg the caller frees with cfg_free(), or NULL with
 * "FILE:LINE: reason" in err. */
struct cfg *cfg_load(const char *path, const struct cfg_section *const *ext, size_t n_ext,
		     char *err, size_t errlen) __attribute__((warn_unused_result));

/* Same, from a string (tests); name stands for the file in messages. */
struct cfg *cfg_load_string(const char *name, const char *text,
			    const struct cfg_section *const *ext, size_t n_ext, char *err,
			    size_t errlen) __attribute__((warn_unused_result));

void cfg_free(struct cfg *c);

/* The values of the adapter section called name, or NULL if no adapter declared it. */
const struct cfg_values *cfg_section_values(const struct cfg *c, const char *name);

/* Parses "host:port" (IPv4, [IPv6] or a name). Returns 0, or -1. host is NUL-terminated. */
int cfg_split_hostport(const char *s, char *host, size_t hostlen, int *port)
	__attribute__((warn_unused_result));

#endif

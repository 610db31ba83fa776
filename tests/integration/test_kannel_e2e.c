/* Integration: followupd behind a real Kannel (Debian's bearerbox and smsbox) with Kannel's
 * fakesmsc as the SMS centre. A participant's SMS typed at fakesmsc reaches followupd through
 * smsbox's get-url and is stored; followupd's answer goes out through /cgi-bin/sendsms and is
 * seen by fakesmsc; the delivery reports Kannel makes for it (8 "SMSC accepted" from
 * bearerbox, 1 "delivered" synthesised by the fake SMSC right after handing the message to
 * fakesmsc) come back through the dlr-url and mark the row delivered. The same for a UCS-2
 * message and an accented answer. Every process started here is stopped here, also when a
 * test fails. Kannel missing is a failure, not a skip: CI installs it (scripts/deps.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gsm.h"
#include "th.h"

#define BEARERBOX "/usr/sbin/bearerbox"
#define SMSBOX "/usr/sbin/smsbox"
#define FAKESMSC "/usr/lib/kannel/test/fakesmsc"

#define PATRICK "+250788100007" /* demo participant, en */
#define OLIVIER "+250732100019" /* demo participant, fr */
#define SHORTCODE "12345"

static struct th_pg pg;
static struct th_daemon d;
static PGconn *sql;
static int admin_port, box_port, fake_port, sendsms_port;
static pid_t bearerbox, smsbox, fakesmsc;

static const char *
bin(void)
{
	return getenv("FOLLOWUP_BIN") ? getenv("FOLLOWUP_BIN") : ".";
}

/* Starts argv[0] with stdout and stderr appended to log. The child dies with us (a crashed
 * test leaves no Kannel behind), and gets its own process group so a terminal's ^C reaches
 * only the test, which then stops it. Returns the pid, or -1. */
static pid_t
spawn(const char *log, char *const argv[])
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setpgid(0, 0);
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	execv(argv[0], argv);
	_exit(127);
}

/* SIGTERM, up to 5 s for a clean exit, then SIGKILL; reaps the child and clears *pid. */
static void
stop(pid_t *pid)
{
	int st;
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	for (double t0 = th_now_ms(); th_now_ms() - t0 < 5000; usleep(20000))
		if (waitpid(*pid, &st, WNOHANG) == *pid) {
			*pid = 0;
			return;
		}
	kill(*pid, SIGKILL);
	waitpid(*pid, &st, 0);
	*pid = 0;
}

static void
stop_all(void)
{
	/* Clients first: bearerbox shuts down faster with nobody connected. */
	stop(&fakesmsc);
	stop(&smsbox);
	stop(&bearerbox);
	th_daemon_stop(&d, SIGTERM);
}

/* A file of the test's directory, malloc'd ("" when unreadable). */
static char *
slurp(const char *name)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/%s", pg.dir, name);
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (f && m) {
		char chunk[4096];
		for (size_t r; (r = fread(chunk, 1, sizeof(chunk), f)) > 0;)
			fwrite(chunk, 1, r, m);
	}
	if (f)
		fclose(f);
	if (m)
		fclose(m);
	return buf ? buf : strdup("");
}

/* The last few KB of a log file on stderr, to see why a wait failed. */
static void
dump(const char *name)
{
	char *text = slurp(name);
	size_t n = strlen(text);
	fprintf(stderr, "---- %s (tail) ----\n%s\n", name, text + (n > 3000 ? n - 3000 : 0));
	free(text);
}

static void
dump_logs(void)
{
	char *log = th_daemon_log(&d);
	fprintf(stderr, "---- followupd ----\n%s\n", log ? log : "");
	free(log);
	dump("bearerbox.log");
	dump("smsbox.log");
	dump("fakesmsc.log");
}

static int
write_file(const char *name, const char *text)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/%s", pg.dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* kannel.conf: everything on loopback, internal DLR storage, the fake SMSC listening for
 * fakesmsc, and the sms-service and sendsms-user the README documents. */
static int
write_kannel_conf(void)
{
	char conf[4096];
	snprintf(conf, sizeof(conf),
		 "group = core\n"
		 "admin-port = %d\nadmin-interface = 127.0.0.1\nadmin-password = kn-admin\n"
		 "admin-allow-ip = 127.0.0.1\n"
		 "smsbox-port = %d\nsmsbox-interface = 127.0.0.1\nbox-allow-ip = 127.0.0.1\n"
		 "dlr-storage = internal\nlog-file = \"%s/bearerbox.log\"\nlog-level = 0\n\n"
		 "group = smsc\nsmsc = fake\nsmsc-id = fake\nport = %d\nour-host = 127.0.0.1\n"
		 "connect-allow-ip = 127.0.0.1\n\n"
		 "group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = %d\n"
		 "sendsms-port = %d\nsendsms-interface = 127.0.0.1\n"
		 "log-file = \"%s/smsbox.log\"\nlog-level = 0\n\n"
		 "group = sendsms-user\nusername = followup\npassword = kn-secret\n\n"
		 "group = sms-service\nkeyword = default\n"
		 "get-url = \"http://127.0.0.1:%d/cb/kannel/kn-token/sms?from=%%p&to=%%P&text=%%b"
		 "&coding=%%c&charset=%%C&id=%%I&time=%%T&smsc=%%i\"\n"
		 "max-messages = 0\nomit-empty = true\n",
		 admin_port, box_port, pg.dir, fake_port, box_port, sendsms_port, pg.dir, d.port);
	return write_file("kannel.conf", conf);
}

/* Polls url until its body contains every needle (NULL-terminated list); 0, or -1 after ms. */
static int
wait_http(const char *url, int ms, ...)
{
	for (double t0 = th_now_ms(); th_now_ms() - t0 < ms; usleep(50000)) {
		char *body = NULL;
		int ok = th_http("GET", url, NULL, NULL, &body) == 200;
		va_list ap;
		va_start(ap, ms);
		for (const char *n; ok && (n = va_arg(ap, const char *));)
			ok = strstr(body, n) != NULL;
		va_end(ap);
		free(body);
		if (ok)
			return 0;
	}
	return -1;
}

/* Kannel is ready when bearerbox's status page lists the smsbox connection and the fake
 * SMSC, and smsbox's sendsms port answers (403 without credentials). */
static int
start_kannel(void)
{
	char conf[400], status[200], fake[32], sendsms[200];
	snprintf(conf, sizeof(conf), "%s/kannel.conf", pg.dir);
	snprintf(status, sizeof(status), "http://127.0.0.1:%d/status.txt?password=kn-admin",
		 admin_port);
	snprintf(fake, sizeof(fake), "FAKE:%d", fake_port);
	snprintf(sendsms, sizeof(sendsms), "http://127.0.0.1:%d/cgi-bin/sendsms", sendsms_port);
	char bb_log[400], sb_log[400];
	snprintf(bb_log, sizeof(bb_log), "%s/bearerbox.out", pg.dir);
	snprintf(sb_log, sizeof(sb_log), "%s/smsbox.out", pg.dir);
	if ((bearerbox = spawn(bb_log, (char *const[]){BEARERBOX, conf, NULL})) < 0)
		return -1;
	if (wait_http(status, 10000, fake, NULL) < 0) {
		fprintf(stderr, "bearerbox did not come up\n");
		return -1;
	}
	if ((smsbox = spawn(sb_log, (char *const[]){SMSBOX, conf, NULL})) < 0)
		return -1;
	if (wait_http(status, 10000, fake, "smsbox:", NULL) < 0) {
		fprintf(stderr, "smsbox did not connect to bearerbox\n");
		return -1;
	}
	for (double t0 = th_now_ms(); th_now_ms() - t0 < 10000; usleep(50000))
		if (th_http("GET", sendsms, NULL, NULL, NULL) != 0)
			return 0;
	fprintf(stderr, "smsbox's sendsms port does not answer\n");
	return -1;
}

/* n distinct free loopback ports (th_free_port() twice may give the same one). */
static int
free_ports(int *const ports[], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int tries = 0, dup;
		do {
			*ports[i] = th_free_port();
			dup = *ports[i] <= 0;
			for (size_t j = 0; j < i && !dup; j++)
				dup = *ports[j] == *ports[i];
		} while (dup && ++tries < 20);
		if (dup)
			return -1;
	}
	return 0;
}

/* Everything up to a running followupd and Kannel. On failure the pieces are left to
 * teardown(), which cmocka runs after a failed group setup too. */
static int
setup(void **state)
{
	static const char *const kinds[] = {"routes", "organizations", "people", "champions",
					    "topics", "action-items"};
	char extra[2048];
	if (access(BEARERBOX, X_OK) != 0 || access(SMSBOX, X_OK) != 0 ||
	    access(FAKESMSC, X_OK) != 0) {
		fprintf(stderr, "test_kannel_e2e: Kannel is not installed (%s, %s, %s): install "
				"Debian's kannel and kannel-extras (scripts/deps.sh does)\n",
			BEARERBOX, SMSBOX, FAKESMSC);
		return -1;
	}
	if (th_pg_start(&pg) != 0 || th_migrate(&pg) != 0)
		return -1;
	for (size_t i = 0; i < 6; i++)
		if (th_run(&pg, NULL, NULL, "%s/followupctl import %s config/demo/%s.csv", bin(),
			   kinds[i], kinds[i]) != 0)
			return -1;
	if (!(sql = th_pg_connect(&pg)))
		return -1;
	if (free_ports((int *[]){&d.port, &admin_port, &box_port, &fake_port, &sendsms_port},
		       5) != 0)
		return -1;
	/* The sendsms password from a file, as an operator would keep it. */
	if (write_file("kannel.password", "kn-secret\n") != 0 || write_kannel_conf() != 0)
		return -1;
	snprintf(extra, sizeof(extra),
		 "[sms]\naggregator = kannel\n"
		 "[kannel]\nsendsms_url = http://127.0.0.1:%d/cgi-bin/sendsms\n"
		 "username = followup\npassword_file = %s/kannel.password\nfrom = " SHORTCODE "\n"
		 "public_url = http://127.0.0.1:%d\ncallback_token = kn-token\n"
		 "allow_from = 127.0.0.1/32\n"
		 "[outbox]\nretry_base_ms = 200\nretry_max_ms = 1000\npoll_ms = 200\n"
		 "timeout_ms = 3000\n"
		 /* The daemon's scheduler must not open check-ins whatever today's date is. */
		 "[checkins]\nschedule_days = 3650\n",
		 sendsms_port, pg.dir, d.port);
	if (th_daemon_start(&d, &pg, d.port, extra) != 0 || start_kannel() != 0) {
		dump_logs();
		return -1;
	}
	return 0;
}

/* Idempotent: whatever setup() got to is stopped and removed. */
static int
teardown(void **state)
{
	stop_all();
	PQfinish(sql);
	sql = NULL;
	th_pg_destroy(&pg);
	return 0;
}

/* Waits until the query's first cell reads want; 0, or -1 (and the logs) after ms. */
static int
wait_for(const char *q, const char *want, int ms)
{
	for (double t0 = th_now_ms(); th_now_ms() - t0 < ms; usleep(50000)) {
		char *v = th_sql_value(sql, q);
		int ok = v && strcmp(v, want) == 0;
		free(v);
		if (ok)
			return 0;
	}
	char *v = th_sql_value(sql, q);
	fprintf(stderr, "wait_for: %s: got '%s', want '%s'\n", q, v ? v : "(null)", want);
	free(v);
	dump_logs();
	return -1;
}

/* The first cell of a query built with printf (test-side values only), malloc'd. */
static char *value(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
value(const char *fmt, ...)
{
	char q[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	char *v = th_sql_value(sql, q);
	if (!v)
		fail_msg("query failed: %s", q);
	return v;
}

/* Types one message at the SMS centre: a fresh fakesmsc (the fake SMSC takes one client at
 * a time) sends line once and stays connected to print what Kannel sends back. */
static void
fakesmsc_send(const char *line)
{
	char log[400], port[16];
	stop(&fakesmsc);
	snprintf(log, sizeof(log), "%s/fakesmsc.log", pg.dir);
	snprintf(port, sizeof(port), "%d", fake_port);
	fakesmsc = spawn(log, (char *const[]){FAKESMSC, "-H", "127.0.0.1", "-r", port, "-m", "1",
					      (char *)line, NULL});
	assert_true(fakesmsc > 0);
}

/* Decodes fakesmsc's %XX escapes ('+' is a space) in place. */
static void
url_decode(char *s)
{
	char *o = s;
	for (; *s; s++) {
		unsigned hex;
		if (*s == '%' && sscanf(s + 1, "%2x", &hex) == 1) {
			*o++ = (char)hex;
			s += 2;
		} else {
			*o++ = *s == '+' ? ' ' : *s;
		}
	}
	*o = '\0';
}

/* Waits until fakesmsc has printed a message to phone ("Got message N: <from to type
 * data>") and returns its text, read by its type (text as is, data %-decoded), malloc'd. */
static char *
fakesmsc_received(const char *phone, int ms)
{
	char head[64];
	snprintf(head, sizeof(head), "<" SHORTCODE " %s ", phone);
	for (double t0 = th_now_ms(); th_now_ms() - t0 < ms; usleep(50000)) {
		char *out = slurp("fakesmsc.log"), *p = strstr(out, head), *end;
		if (p && (end = strchr(p, '\n')) && end[-1] == '>') {
			p += strlen(head);
			end[-1] = '\0';
			char *text = NULL;
			if (strncmp(p, "text ", 5) == 0) {
				text = strdup(p + 5);
			} else if (strncmp(p, "data ", 5) == 0) {
				text = strdup(p + 5);
				url_decode(text);
			}
			free(out);
			return text ? text : strdup("(unknown fakesmsc message type)");
		}
		free(out);
	}
	dump_logs();
	fail_msg("fakesmsc received nothing for %s", phone);
	return NULL;
}

/* The whole round trip for a known participant with no open question: stored as unmatched,
 * acknowledged with the catalog's "no question" text, which Kannel delivers. */
static void
test_kannel_e2e_reply_answer_and_delivery(void **state)
{
	char q[1024];
	fakesmsc_send(PATRICK " " SHORTCODE " text Hello from Kannel");
	assert_int_equal(wait_for("SELECT count(*) || ':' || min(aggregator) || ':' ||"
				  " min(to_address) || ':' || min(status) || ':' || min(text) ||"
				  " ':' || count(person_id) FROM followup.inbound_messages"
				  " WHERE phone = '" PATRICK "'",
				  "1:kannel:" SHORTCODE ":unmatched:Hello from Kannel:1", 10000),
			 0);
	/* %I: Kannel's own id of the message (a UUID), what makes a repeated call a repeat. */
	char *id = value("SELECT aggregator_message_id ~ '^[0-9a-f-]{36}$' FROM"
			 " followup.inbound_messages WHERE phone = '%s'", PATRICK);
	assert_string_equal(id, "t");
	free(id);

	/* The answer: queued by the SMS flow, sent through sendsms, delivered. */
	snprintf(q, sizeof(q),
		 "SELECT o.status || ':' || o.aggregator || ':' || o.kind || ':' ||"
		 " (o.delivered_at IS NOT NULL) FROM followup.outbound_messages o JOIN"
		 " followup.inbound_messages i ON i.id = o.inbound_message_id"
		 " WHERE i.phone = '%s'",
		 PATRICK);
	assert_int_equal(wait_for(q, "delivered:kannel:reply:true", 10000), 0);
	char *want = value("SELECT text FROM followup.outbound_messages WHERE phone = '%s'",
			   PATRICK);
	assert_non_null(strstr(want, "Thank you, your message was received"));
	char *got = fakesmsc_received(PATRICK, 5000);
	assert_string_equal(got, want);
	free(got), free(want);

	/* Both reports Kannel made, by our own id: 8 (SMSC accepted) and 1 (delivered). */
	snprintf(q, sizeof(q),
		 "SELECT string_agg(d.raw_status || '=' || d.status, ',' ORDER BY d.raw_status)"
		 " FROM followup.delivery_reports d JOIN followup.outbound_messages o"
		 " ON d.by_our_id AND d.message_id = o.id::text WHERE d.aggregator = 'kannel'"
		 " AND o.phone = '%s'",
		 PATRICK);
	assert_int_equal(wait_for(q, "1=delivered,8=sent", 5000), 0);
	/* Exactly one message each way. */
	char *n = value("SELECT (SELECT count(*) FROM followup.inbound_messages WHERE phone = '%s')"
			" || ':' || (SELECT count(*) FROM followup.outbound_messages"
			" WHERE phone = '%s')",
			PATRICK, PATRICK);
	assert_string_equal(n, "1:1");
	free(n);
}

/* A UCS-2 message from the phone (fakesmsc's "ucs2": %-escaped UTF-16BE bytes) is stored
 * as the UTF-8 it was, and an accented French answer reaches the phone intact. */
static void
test_kannel_e2e_ucs2_in_accents_out(void **state)
{
	static const char text[] = "Très bien, merci ✓";
	char line[512], q[1024];
	size_t len, o;
	unsigned char *u = gsm_to_utf16be(text, &len);
	assert_non_null(u);
	o = (size_t)snprintf(line, sizeof(line), OLIVIER " " SHORTCODE " ucs2 ");
	for (size_t i = 0; i < len && o + 4 < sizeof(line); i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%%%02X", u[i]);
	free(u);
	fakesmsc_send(line);
	assert_int_equal(wait_for("SELECT text || ':' || status FROM followup.inbound_messages"
				  " WHERE phone = '" OLIVIER "'",
				  "Très bien, merci ✓:unmatched", 10000),
			 0);
	snprintf(q, sizeof(q),
		 "SELECT status FROM followup.outbound_messages WHERE phone = '%s'", OLIVIER);
	assert_int_equal(wait_for(q, "delivered", 10000), 0);
	char *want = value("SELECT text FROM followup.outbound_messages WHERE phone = '%s'",
			   OLIVIER);
	assert_non_null(strstr(want, "équipe"));
	char *got = fakesmsc_received(OLIVIER, 5000);
	assert_string_equal(got, want);
	free(got), free(want);
}

/* Stopping leaves nothing running: our children are reaped and no process still runs our
 * kannel.conf or a fakesmsc on our port. */
static void
test_kannel_e2e_stops_everything(void **state)
{
	char *out = NULL;
	stop_all();
	assert_int_equal(bearerbox + smsbox + fakesmsc + d.pid, 0);
	/* [k] and [f]: the pattern must not match the shell that runs pgrep. */
	int st = th_run(NULL, &out, NULL, "pgrep -af '%s/[k]annel.conf|[f]akesmsc .*-r %d '",
			pg.dir, fake_port);
	if (st != 1)
		fail_msg("left running (pgrep exit %d):\n%s", st, out ? out : "");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kannel_e2e_reply_answer_and_delivery),
		cmocka_unit_test(test_kannel_e2e_ucs2_in_accents_out),
		cmocka_unit_test(test_kannel_e2e_stops_everything),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

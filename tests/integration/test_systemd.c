/* Integration: followupd under systemd — the notify protocol as a real datagram socket sees
 * it (READY, WATCHDOG from the loop, RELOADING, STOPPING), and the shipped unit file:
 * `systemd-analyze verify` clean and `systemd-analyze security` exposure at most 2.0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "th.h"

static struct th_pg pg;

static int
setup(void **state)
{
	return th_pg_start(&pg) == 0 && th_migrate(&pg) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	th_pg_destroy(&pg);
	return 0;
}

/* Reads datagrams for up to ms, appending them to buf separated by '|'. */
static void
collect(int fd, char *buf, size_t len, int ms)
{
	for (double t0 = th_now_ms(); th_now_ms() - t0 < ms;) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 20) == 1) {
			char d[256];
			ssize_t n = recv(fd, d, sizeof(d) - 1, 0);
			if (n > 0) {
				d[n] = '\0';
				snprintf(buf + strlen(buf), len - strlen(buf), "%s|", d);
			}
		}
	}
}

static void
test_systemd_notify_protocol(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct th_daemon d;
	char seen[4096] = "", wd[32];
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	/* pg.dir is a short /tmp path; the socket path must fit sun_path. */
	assert_true(strlen(pg.dir) + sizeof("/notify.sock") <= sizeof(sa.sun_path));
	memcpy(sa.sun_path, pg.dir, strlen(pg.dir));
	memcpy(sa.sun_path + strlen(pg.dir), "/notify.sock", sizeof("/notify.sock"));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	chmod(sa.sun_path, 0777);
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
	setenv("WATCHDOG_USEC", "200000", 1); /* every 100 ms from the loop */
	assert_int_equal(th_daemon_start(&d, &pg, 0, NULL), 0);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	collect(fd, seen, sizeof(seen), 500);
	assert_non_null(strstr(seen, "READY=1|"));
	int pings = 0;
	for (const char *p = seen; (p = strstr(p, "WATCHDOG=1|")) != NULL; p++)
		pings++;
	assert_true(pings >= 3);
	kill(d.pid, SIGHUP);
	collect(fd, seen, sizeof(seen), 300);
	assert_non_null(strstr(seen, "RELOADING=1|"));
	assert_int_equal(th_daemon_stop(&d, SIGTERM), 0);
	collect(fd, seen, sizeof(seen), 200);
	assert_non_null(strstr(seen, "STOPPING=1|"));
	snprintf(wd, sizeof(wd), "%d", pings);
	print_message("notify: READY, %s watchdog pings in 0.5 s, RELOADING, STOPPING\n", wd);
	close(fd);
}

static void
test_systemd_unit_verifies_and_is_hardened(void **state)
{
	char *out = NULL, *err = NULL, cwd[1024];
	const char *bin = getenv("FOLLOWUP_BIN") ? getenv("FOLLOWUP_BIN") : ".";
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	/* The unit as installed, pointing at the binary just built. */
	assert_int_equal(th_run(NULL, NULL, NULL,
				"sed 's|/usr/local/sbin|%s/%s|g' systemd/followupd.service"
				" > %s/followupd.service",
				bin[0] == '/' ? "" : cwd, bin, pg.dir),
			 0);
	int st = th_run(NULL, &out, &err, "systemd-analyze verify --man=no %s/followupd.service",
			pg.dir);
	if (st != 0)
		fail_msg("systemd-analyze verify: %s%s", out ? out : "", err ? err : "");
	free(out), free(err);
	assert_int_equal(th_run(NULL, &out, &err,
				"systemd-analyze security --offline=yes %s/followupd.service",
				pg.dir),
			 0);
	const char *lvl = strstr(out, "Overall exposure level for followupd.service: ");
	assert_non_null(lvl);
	double exposure = atof(lvl + strlen("Overall exposure level for followupd.service: "));
	print_message("systemd-analyze security: exposure %.1f\n", exposure);
	assert_true(exposure <= 2.0);
	free(out), free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_systemd_notify_protocol),
		cmocka_unit_test(test_systemd_unit_verifies_and_is_hardened),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

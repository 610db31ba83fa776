/* notify — sd_notify in a few lines, after systemd's notify-selfcontained-example.c. */
#include "notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
notify_send(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t plen;
	int fd, rc;

	if (!path || !*path)
		return 0;
	plen = strlen(path);
	/* Absolute path or abstract socket ('@' stands for the leading NUL). */
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sa.sun_path)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(sa.sun_path, path, plen);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* The length counts the path exactly: abstract names are not NUL-terminated. */
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	rc = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0 ? -1 : 1;
	close(fd);
	return rc;
}

long
notify_watchdog_ms(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	long us;
	if (!usec || !*usec)
		return 0;
	if (pid && *pid && atol(pid) != (long)getpid())
		return 0;
	us = atol(usec);
	return us > 0 ? us / 1000 : 0;
}

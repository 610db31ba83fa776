/*
 * notify — systemd's notify protocol without libsystemd: one datagram to $NOTIFY_SOCKET
 * ("READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=..."). Without the variable it does nothing.
 */
#ifndef FOLLOWUP_NOTIFY_H
#define FOLLOWUP_NOTIFY_H

/* Sends msg. Returns 1 sent, 0 no socket configured, -1 error (errno set). */
int notify_send(const char *msg);

/* The watchdog interval systemd asked for (WATCHDOG_USEC, for this pid), in ms, or 0. */
long notify_watchdog_ms(void);

#endif

/*
 * spool — no acknowledged callback lost while PostgreSQL is down (ARCHITECTURE rule 7). An
 * inbound SMS or delivery report that cannot be stored is written to a local spool instead
 * (one file per record: written, fsync'd, renamed into place, directory fsync'd) and
 * acknowledged with 200. Once the database answers again the spool is replayed in order, each
 * record posted back to this daemon's own callback URL (so it takes exactly the path it would
 * have taken, deduplication included) and removed only after that answer says it is stored.
 * Replayed requests carry a per-process secret header, so they are recognized and never
 * spooled again. The writes are small and local; they happen only while the database is down.
 */
#ifndef FOLLOWUP_SPOOL_H
#define FOLLOWUP_SPOOL_H

#include <stddef.h>

struct app;
struct spool;
struct http_req;

/* A spool in dir (created with tmp/, new/ and bad/ inside when missing). Records there from
 * an earlier run are replayed too. NULL with a reason in err. */
struct spool *spool_new(struct app *app, const char *dir, char *err, size_t errlen);

void spool_free(struct spool *s);

/* Stores a callback durably. kind is the callback's path segment ("sms", "delivery"). 0 once
 * it is on disk, -1 (logged) when it could not be. */
int spool_save(struct spool *s, const char *aggregator, const char *kind,
	       const char *content_type, const char *query, const char *body, size_t len)
	__attribute__((warn_unused_result));

/* 1 when r is a replay by this process (then it must not be spooled again). */
int spool_is_replay(const struct spool *s, const struct http_req *r);

/* Records waiting to be replayed. */
size_t spool_pending(const struct spool *s);

/* Stops replaying (drain). */
void spool_stop(struct spool *s);

/* The header that marks replays. */
#define SPOOL_REPLAY_HEADER "X-Followup-Replay"

#endif

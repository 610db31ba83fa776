/*
 * outbox — the sender: claims due rows of followup.outbound_messages in batches (FOR UPDATE
 * SKIP LOCKED, with a lease so that a crashed sender's rows are claimed again), sends each
 * through the configured adapter (HTTP through http_client, or locally for the console), and
 * records the outcome: sent with the aggregator's id and cost, a retry with back-off, failed,
 * or rejected (and the person opted out). New rows wake it at once (LISTEN/NOTIFY); a slow
 * poll is the safety net. Any number of followupd processes can share one outbox.
 */
#ifndef FOLLOWUP_OUTBOX_H
#define FOLLOWUP_OUTBOX_H

#include <stddef.h>

struct app;
struct outbox;

/* A sender for app (borrowed: its db pool, sender adapter and configuration, read at every
 * claim so that a reload applies). Returns NULL on allocation failure. */
struct outbox *outbox_new(struct app *app);

/* Claims now, if there is room. */
void outbox_kick(struct outbox *o);

/* Stops claiming; sends in flight still complete and are recorded. */
void outbox_stop(struct outbox *o);

/* Sends claimed and not yet recorded. */
size_t outbox_inflight(const struct outbox *o);

/* Frees the sender. Rows still claimed keep their lease and are sent again after it. */
void outbox_free(struct outbox *o);

#endif

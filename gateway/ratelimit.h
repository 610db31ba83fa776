/*
 * ratelimit — a token bucket per source address, in a fixed-size table (a flood of distinct
 * addresses evicts the least recently seen, it cannot grow memory). Time is passed in. Pure.
 */
#ifndef FOLLOWUP_RATELIMIT_H
#define FOLLOWUP_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit;

/* rate tokens per second, at most burst saved up; slots entries in the table. NULL on
 * allocation failure. rate 0 means no limit. */
struct ratelimit *rl_new(double rate, double burst, unsigned slots);

void rl_free(struct ratelimit *r);

/* Takes a token for key at now_ms (a monotonic clock); false when key is over its rate. */
bool rl_allow(struct ratelimit *r, const char *key, uint64_t now_ms);

#endif

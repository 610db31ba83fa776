/*
 * backoff — how long to wait before retrying something that failed (an aggregator answering
 * 5xx or 429, a timeout): exponential growth with a cap and "equal jitter", so that many
 * messages failing together do not retry together. Pure: the random value is passed in.
 */
#ifndef FOLLOWUP_BACKOFF_H
#define FOLLOWUP_BACKOFF_H

#include <stdint.h>

/*
 * The delay before retry number attempt (0 for the first retry), in milliseconds.
 * ceiling = min(max_ms, base_ms * 2^attempt) (saturating, never overflowing); the result is
 * ceiling/2 + r * ceiling/2, i.e. in [ceiling/2, ceiling] ("equal jitter").
 * Equal rather than full jitter (r * ceiling) because a throttled or failing aggregator should
 * always get a real pause: full jitter can retry at once, equal jitter never waits less than
 * half the ceiling while still spreading retries over the other half.
 * r is a uniform random value in [0, 1); values outside (or NaN) are clamped into it.
 * When max_ms < base_ms the ceiling is max_ms.
 */
uint64_t backoff_delay_ms(unsigned attempt, uint64_t base_ms, uint64_t max_ms, double r);

#endif

/* backoff — exponential back-off with equal jitter; see backoff.h. */
#include "backoff.h"

uint64_t
backoff_delay_ms(unsigned attempt, uint64_t base_ms, uint64_t max_ms, double r)
{
	uint64_t ceiling = base_ms < max_ms ? base_ms : max_ms;
	uint64_t half;

	/* Double until the cap (at most 64 rounds whatever attempt is); comparing with max_ms / 2
	 * first means the doubling never overflows. */
	for (unsigned i = 0; i < attempt && ceiling > 0 && ceiling < max_ms; i++)
		ceiling = ceiling > max_ms / 2 ? max_ms : ceiling * 2;
	if (!(r >= 0.0)) /* also catches NaN */
		r = 0.0;
	if (r >= 1.0)
		r = 0x1.fffffffffffffp-1; /* the largest double below 1 */
	half = ceiling / 2;
	/* ceiling - half rather than half, so an odd ceiling still reaches ceiling/2 rounded up
	 * and never exceeds ceiling. */
	return (ceiling - half) + (uint64_t)(r * (double)half);
}

/*
 * The two clocks, read in one place for every process.
 *
 *   wall (CLOCK_REALTIME)   what the wire carries: our stamps, the peer's
 *                           freshness. It can step (an NTP correction, an
 *                           operator), so nothing else is measured on it.
 *   mono (CLOCK_MONOTONIC)  every deadline and interval: key rotation,
 *                           back-off, timers, log rate limits. It never steps.
 */
#ifndef TTT_CLOCK_H
#define TTT_CLOCK_H

#include <stdint.h>

/* Both clocks read together, for code that needs both (the receive verdict). */
struct ttt_now {
	int64_t wall_ns;
	int64_t mono_ns;
};

int64_t ttt_wall_ns(void);
int64_t ttt_mono_ns(void);
long long ttt_mono_ms(void);
struct ttt_now ttt_now(void);

#endif

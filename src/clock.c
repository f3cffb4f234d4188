/*
 * The two clocks (see clock.h).
 */
#include <time.h>

#include "clock.h"
#include "wire.h"

/* clock_gettime cannot fail for these clocks on Linux; a zero is harmless. */
static int64_t
read_ns(clockid_t id)
{
	struct timespec ts = { 0, 0 };

	(void)clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * TTT_NSEC_PER_SEC + ts.tv_nsec;
}

int64_t
ttt_wall_ns(void)
{
	return read_ns(CLOCK_REALTIME);
}

int64_t
ttt_mono_ns(void)
{
	return read_ns(CLOCK_MONOTONIC);
}

long long
ttt_mono_ms(void)
{
	return (long long)(read_ns(CLOCK_MONOTONIC) / TTT_NSEC_PER_MSEC);
}

struct ttt_now
ttt_now(void)
{
	struct ttt_now n = { read_ns(CLOCK_REALTIME), read_ns(CLOCK_MONOTONIC) };

	return n;
}

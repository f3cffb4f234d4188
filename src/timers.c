/*
 * The daemon's timers (see timers.h).
 */
#include <limits.h>

#include "timers.h"
#include "wire.h"

static const char *const timer_names[TTT_TIMER_N] = {
	[TTT_TIMER_KEY_PENDING] = "key-pending",
	[TTT_TIMER_KEEPALIVE] = "keepalive",
	[TTT_TIMER_RESPAWN] = "respawn",
	[TTT_TIMER_STATS_POLL] = "stats-poll",
	[TTT_TIMER_STATS_ANSWER] = "stats-answer",
	[TTT_TIMER_STATS_LOG] = "stats-log",
	[TTT_TIMER_STATUS_WRITE] = "status-write",
	[TTT_TIMER_PEER_WATCH] = "peer-watch",
};

const char *
ttt_timer_name(enum ttt_timer id)
{
	return (unsigned)id < TTT_TIMER_N ? timer_names[id] : "unknown";
}

void
ttt_timers_init(struct ttt_timers *t)
{
	for (unsigned i = 0; i < TTT_TIMER_N; i++)
		t->at_ns[i] = TTT_TIMER_OFF;
}

void
ttt_timers_arm(struct ttt_timers *t, enum ttt_timer id, int64_t at_ns)
{
	if ((unsigned)id < TTT_TIMER_N)
		t->at_ns[id] = at_ns;
}

void
ttt_timers_disarm(struct ttt_timers *t, enum ttt_timer id)
{
	ttt_timers_arm(t, id, TTT_TIMER_OFF);
}

int
ttt_timers_armed(const struct ttt_timers *t, enum ttt_timer id)
{
	return (unsigned)id < TTT_TIMER_N && t->at_ns[id] != TTT_TIMER_OFF;
}

/* The earliest armed timer, or TTT_TIMER_N. */
static enum ttt_timer
earliest(const struct ttt_timers *t)
{
	enum ttt_timer best = TTT_TIMER_N;

	for (unsigned i = 0; i < TTT_TIMER_N; i++)
		if (t->at_ns[i] != TTT_TIMER_OFF &&
		    (best == TTT_TIMER_N || t->at_ns[i] < t->at_ns[best]))
			best = (enum ttt_timer)i;
	return best;
}

int
ttt_timers_poll_ms(const struct ttt_timers *t, int64_t now_ns)
{
	enum ttt_timer id = earliest(t);
	int64_t wait_ns, ms;

	if (id == TTT_TIMER_N)
		return -1;
	if (t->at_ns[id] <= now_ns)
		return 0;
	/* Subtract in unsigned terms: far deadlines and early clocks cannot overflow. */
	wait_ns = (uint64_t)t->at_ns[id] - (uint64_t)now_ns > (uint64_t)INT64_MAX ? INT64_MAX :
	    (int64_t)((uint64_t)t->at_ns[id] - (uint64_t)now_ns);
	ms = wait_ns / TTT_NSEC_PER_MSEC + (wait_ns % TTT_NSEC_PER_MSEC != 0);
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

enum ttt_timer
ttt_timers_take(struct ttt_timers *t, int64_t now_ns)
{
	enum ttt_timer id = earliest(t);

	if (id == TTT_TIMER_N || t->at_ns[id] > now_ns)
		return TTT_TIMER_N;
	t->at_ns[id] = TTT_TIMER_OFF;
	return id;
}

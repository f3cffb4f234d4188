/*
 * The forwarding thread's scheduling policy (see schedpol.h for why).
 */
#include <errno.h>
#include <sched.h>

#include "schedpol.h"

int
ttt_schedpol_set(int batch)
{
	const struct sched_param none = { .sched_priority = 0 };
	int cur;

	if (!batch)
		return 0;
	if ((cur = sched_getscheduler(0)) < 0)
		return -errno;
	/* The administrator's choice stands: only the default is changed. */
	if (cur != SCHED_OTHER)
		return 0;
	if (sched_setscheduler(0, SCHED_BATCH, &none) != 0)
		return -errno;
	return 1;
}

void
ttt_schedpol_init(struct ttt_schedpol *s, int policy, int ours)
{
	s->adaptive = ours && policy == SCHED_BATCH;
	s->policy = policy;
	s->busy_ns = 0;
}

int
ttt_schedpol_turn(struct ttt_schedpol *s, int busy, int64_t now_ns)
{
	if (!s->adaptive)
		return -1;
	if (busy)
		s->busy_ns = now_ns;
	if (busy && s->policy == SCHED_BATCH) {
		s->policy = SCHED_OTHER;
		return SCHED_OTHER;
	}
	if (!busy && s->policy == SCHED_OTHER && now_ns - s->busy_ns >= TTT_SCHEDPOL_IDLE_NS) {
		s->policy = SCHED_BATCH;
		return SCHED_BATCH;
	}
	return -1;
}

int
ttt_schedpol_wait_ms(const struct ttt_schedpol *s, int64_t now_ns)
{
	int64_t left;

	if (!s->adaptive || s->policy != SCHED_OTHER)
		return -1;
	left = s->busy_ns + TTT_SCHEDPOL_IDLE_NS - now_ns;
	if (left <= 0)
		return 0;
	if (left > TTT_SCHEDPOL_IDLE_NS)
		left = TTT_SCHEDPOL_IDLE_NS;
	/* Rounded up: waking a little early would only sleep again. */
	return (int)((left + 999999) / 1000000);
}

int
ttt_schedpol_switch(int policy)
{
	const struct sched_param none = { .sched_priority = 0 };

	return sched_setscheduler(0, policy, &none) == 0 ? 0 : -errno;
}

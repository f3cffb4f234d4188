/*
 * The daemon's scheduling policy (see schedpol.h for why SCHED_BATCH).
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

/*
 * The parent's decisions between two workers (see respawn.h).
 */
#include "respawn.h"

void
ttt_backoff_init(struct ttt_backoff *b)
{
	b->last_ms = 0;
}

int64_t
ttt_backoff_next(struct ttt_backoff *b, int64_t lived_ms)
{
	int64_t healthy = b->last_ms / 2 > TTT_BACKOFF_HEALTHY_MS ? b->last_ms / 2 :
	    TTT_BACKOFF_HEALTHY_MS;

	if (lived_ms >= healthy)
		b->last_ms = 0;		/* a rare fault: replace it now */
	else if (b->last_ms == 0)
		b->last_ms = TTT_BACKOFF_MIN_MS;
	else	/* a loop: wait twice as long, up to the maximum */
		b->last_ms = b->last_ms > TTT_BACKOFF_MAX_MS / 2 ? TTT_BACKOFF_MAX_MS :
		    b->last_ms * 2;
	return b->last_ms;
}

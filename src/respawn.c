/*
 * The parent's decisions between two workers (see respawn.h).
 */
#include "respawn.h"

void
ttt_backoff_init(struct ttt_backoff *b)
{
	b->next_ms = TTT_BACKOFF_MIN_MS;
}

int64_t
ttt_backoff_next(struct ttt_backoff *b, int64_t lived_ms)
{
	int64_t wait;

	/* A worker that ran longer than the longest back-off was healthy:
	 * start the next one promptly. */
	if (lived_ms >= TTT_BACKOFF_MAX_MS)
		b->next_ms = TTT_BACKOFF_MIN_MS;
	wait = b->next_ms;
	b->next_ms = b->next_ms * 2 > TTT_BACKOFF_MAX_MS ? TTT_BACKOFF_MAX_MS : b->next_ms * 2;
	return wait;
}

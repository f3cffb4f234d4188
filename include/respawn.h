/*
 * What the parent decides when a worker ends and the next one starts: how
 * long to wait (the back-off), from which stamp on the next worker accepts
 * frames (its replay floor), what remains of a key rotation's grace, and
 * whether the peer the dead worker reported is handed on. Pure: the clocks
 * and what the parent observed are arguments; parent.c acts on the answers.
 */
#ifndef TTT_RESPAWN_H
#define TTT_RESPAWN_H

#include <stdint.h>

/*
 * The back-off: each death doubles the wait, 1 s up to 30 s; a worker that
 * ran longer than the longest wait was healthy, and the next starts after
 * the shortest.
 */
#define TTT_BACKOFF_MIN_MS     1000
#define TTT_BACKOFF_MAX_MS     30000

struct ttt_backoff {
	int64_t next_ms;	/* the wait after the next death */
};

/* No worker has died yet. */
void ttt_backoff_init(struct ttt_backoff *b);

/* A worker died (or could not be started) lived_ms after it started: the
 * wait before the next one, in ms. */
int64_t ttt_backoff_next(struct ttt_backoff *b, int64_t lived_ms);

#endif

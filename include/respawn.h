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
 * The back-off. A worker that dies soon after it started is likely to die
 * again (a crash loop): each quick death doubles the wait, 1 s up to 30 s,
 * so a loop costs the machine little. A worker that lived long enough to
 * show the fault is rare (TTT_BACKOFF_HEALTHY_MS, or half the wait it was
 * started after, whichever is longer: the longer the loop was, the longer
 * the proof) is replaced at once: a fault every 20 s then costs the tunnel
 * a worker's start-up, not a growing wait.
 */
#define TTT_BACKOFF_MIN_MS     1000
#define TTT_BACKOFF_MAX_MS     30000
#define TTT_BACKOFF_HEALTHY_MS 5000

struct ttt_backoff {
	int64_t last_ms;	/* the wait the current worker was started after */
};

/* No worker has died yet: the first is started at once. */
void ttt_backoff_init(struct ttt_backoff *b);

/* A worker died (or could not be started) lived_ms after it started: the
 * wait before the next one, in ms. */
int64_t ttt_backoff_next(struct ttt_backoff *b, int64_t lived_ms);

#endif

/*
 * The peer's clock as its authenticated frames show it. A peer whose clock
 * is off by more than the window has every frame refused as stale or
 * future; off by more than half of it, a little more drift or delay does
 * that. Either way the operator must hear of it once, not read counters:
 * this watch turns the offsets into two events the worker logs, "off" and
 * "back in step".
 *
 * The offset of a frame is its stamp minus our clock when it arrived (the
 * peer's clock minus ours, less the one-way delay). Only frames whose MAC
 * verified are fed in, stale and future ones included: nobody without the
 * key can move the watch. An event needs TTT_SKEW_RUN frames in a row on
 * its side (a delayed frame alone is not a clock), leaving "off" needs the
 * offset back within a quarter of the window (no flapping at the edge),
 * and events are at least TTT_SKEW_GAP_NS apart on the monotonic clock.
 *
 * Pure: the times are arguments; one receiver owns the state.
 */
#ifndef TTT_SKEW_H
#define TTT_SKEW_H

#include <stdint.h>

#define TTT_SKEW_RUN    8
#define TTT_SKEW_GAP_NS (INT64_C(10) * 1000000000)	/* 10 s between two lines */

enum ttt_skew_event {
	TTT_SKEW_NONE = 0,
	TTT_SKEW_OFF,		/* the peer's clock is off by more than half the window */
	TTT_SKEW_BACK,		/* and is back within a quarter of it */
};

struct ttt_skew {
	int64_t off_ns, back_ns;	/* window / 2, window / 4 */
	int64_t last_event_ns;		/* monotonic */
	int64_t nearest_ns;		/* the run's offset nearest to zero */
	unsigned run;
	int on;				/* 0: a zeroed watch never reports */
	int off;			/* reported off, not yet back */
	int have_event;
};

void ttt_skew_init(struct ttt_skew *s, int64_t window_ns);

/*
 * One authenticated frame stamped ts, arrived at wall (our clock) and mono.
 * Returns the event it completes, if any; *offset_ns is then the run's
 * offset nearest to zero (positive: the peer's clock is ahead of ours).
 */
enum ttt_skew_event ttt_skew_observe(struct ttt_skew *s, int64_t ts, int64_t wall,
    int64_t mono, int64_t *offset_ns);

#endif

/*
 * Every timer of the daemon, in one list, on the monotonic clock (clock.h).
 * Each process keeps a struct ttt_timers, arms its own timers and runs the
 * ones that fall due from its poll loop; nothing else waits on time.
 *
 * Timer                  process  armed by                         runs (where)
 * TTT_TIMER_KEY_PENDING  worker   a key queued during a grace      load the queued key
 *                                 period, for that period's end    (worker.c: run_timer)
 * TTT_TIMER_KEEPALIVE    worker   start-up, if --keepalive; then   send a keepalive if
 *                                 --keepalive after the last       nothing was sent since
 *                                 datagram sent (or now, if none   (worker.c: keepalive_due,
 *                                 or no peer yet)                  under dp->tx.lock)
 * TTT_TIMER_RESPAWN      parent   start-up; a worker ended (after  start a worker
 *                                 a back-off of 1 s doubling to    (parent.c: on_timer)
 *                                 30 s, reset by a healthy run)
 * TTT_TIMER_STATS_POLL   parent   start-up; then every 1 s         ask the worker for its
 *                                                                  counters, so a crash
 *                                                                  loses at most 1 s of them
 * TTT_TIMER_STATS_ANSWER parent   a STATS_REQ sent (at most one is  stop the worker that
 *                                 outstanding), for 5 s later      left it unanswered
 *                                 (TTT_STATS_ANSWER_MS); disarmed  (parent.c: on_timer;
 *                                 by the answer or the worker's end channel.h)
 * TTT_TIMER_STATS_LOG    parent   start-up and then every          log the counters
 *                                 --stats-interval seconds (if set)
 * TTT_TIMER_STATUS_WRITE parent   start-up, 0.5 s after the first  rewrite the status and
 *                                 stats poll, then every 1 s, if   metrics files from the
 *                                 --status-file or --metrics-file  poll's answer
 *                                 is given (written once at start) (parent.c: write_status)
 * TTT_TIMER_PEER_WATCH   parent   start-up, if the peer is a name  judge the peer's silence;
 *                                 and --peer-timeout is set, 0.5 s look its name up again,
 *                                 after the first stats poll, then stop an overdue look-up
 *                                 every 1 s (TTT_PEER_WATCH_MS)    (resolve.c: ..._tick)
 *
 * To add a timer: a line in this list and in enum ttt_timer, an arm call
 * where its cause happens, a case where its process runs it.
 *
 * Pure: the clock is an argument; no allocation, no global state.
 */
#ifndef TTT_TIMERS_H
#define TTT_TIMERS_H

#include <stdint.h>

enum ttt_timer {
	TTT_TIMER_KEY_PENDING = 0,
	TTT_TIMER_KEEPALIVE,
	TTT_TIMER_RESPAWN,
	TTT_TIMER_STATS_POLL,
	TTT_TIMER_STATS_ANSWER,
	TTT_TIMER_STATS_LOG,
	TTT_TIMER_STATUS_WRITE,
	TTT_TIMER_PEER_WATCH,
	TTT_TIMER_N
};

#define TTT_TIMER_OFF INT64_MAX	/* a deadline that never comes */

struct ttt_timers {
	int64_t at_ns[TTT_TIMER_N];	/* monotonic deadline, or TTT_TIMER_OFF */
};

void ttt_timers_init(struct ttt_timers *t);
void ttt_timers_arm(struct ttt_timers *t, enum ttt_timer id, int64_t at_ns);
void ttt_timers_disarm(struct ttt_timers *t, enum ttt_timer id);
int ttt_timers_armed(const struct ttt_timers *t, enum ttt_timer id);

/*
 * poll()'s timeout until the earliest deadline: milliseconds rounded up (a
 * timer never fires early and the loop never spins), 0 when one is due,
 * -1 when none is armed.
 */
int ttt_timers_poll_ms(const struct ttt_timers *t, int64_t now_ns);

/* The earliest timer due at now_ns, disarmed; TTT_TIMER_N when none is due. */
enum ttt_timer ttt_timers_take(struct ttt_timers *t, int64_t now_ns);

const char *ttt_timer_name(enum ttt_timer id);

#endif

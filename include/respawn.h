/*
 * What the parent decides when a worker ends and the next one starts: how
 * long to wait (the back-off), from which stamp on the next worker accepts
 * frames (its replay floor), what remains of a key rotation's grace, and
 * whether the peer the dead worker reported is handed on. Pure: the clocks
 * and what the parent observed are arguments (ttt_respawn_prepare and
 * ttt_respawn_first also read and reset the stamps page: memory, no system
 * call); parent.c acts on the answers.
 */
#ifndef TTT_RESPAWN_H
#define TTT_RESPAWN_H

#include <stdint.h>

#include "config.h"
#include "stamps.h"

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

/* No worker has died yet: the first is started at once. A zeroed struct
 * is the same. */
void ttt_backoff_init(struct ttt_backoff *b);

/* A worker died (or could not be started) lived_ms after it started: the
 * wait before the next one, in ms. */
int64_t ttt_backoff_next(struct ttt_backoff *b, int64_t lived_ms);

/*
 * The replay floor: a new worker refuses every frame stamped at or below
 * it, since it cannot tell those from frames a predecessor delivered (the
 * replay filter's memory died with it) or sent (so did the reflection
 * record).
 *
 * The first worker of a daemon: a worker of an earlier run (before a
 * restart, an upgrade, a crash of the whole daemon) accepted frames stamped
 * up to its now + window, and sent frames stamped up to its now; nothing of
 * it is known, so the floor is now + window. The cost: the peer's frames
 * are refused for a window after each start (peer clocks alike; a peer
 * behind us by d loses d more, one ahead, d less).
 */
int64_t ttt_respawn_first_floor(int64_t wall_now, int64_t window_ns);

/*
 * A respawn: the newest stamp the dead worker published (stamps.h) bounds
 * what it delivered or sent, so the floor is that, never below the floor
 * before. A genuine worker never accepts beyond its now + window, so the
 * result is capped at wall_now + window: a lying worker can make its
 * successor refuse frames for at most a window. Exact while the wall clock
 * does not step back between the two workers.
 */
int64_t ttt_respawn_floor(int64_t prev_floor, int64_t published, int64_t wall_now,
    int64_t window_ns);

/*
 * The next worker's run section: its floor (cfg->run.floor_ns, from the
 * previous floor and the dead worker's stamps page, which is then reset to
 * it) and what is left of a rotation's grace (cfg->run.rekey_left_ms, from
 * the old key's monotonic deadline; returned too). Call only once the
 * previous worker is reaped; ttt_respawn_first before the first worker of a
 * daemon.
 */
int64_t ttt_respawn_prepare(struct ttt_config *cfg, struct ttt_stamps *page, int have_old_key,
    long long old_until_ms, long long mono_ms, int64_t wall_now);
void ttt_respawn_first(struct ttt_config *cfg, struct ttt_stamps *page, int64_t wall_now);

/*
 * A rotation's grace that remains for a worker started mid-rotation, in ms
 * (0: no rotation under way). The worker honours the old key for this long,
 * not a fresh full grace, so a respawn never lengthens the old key's life.
 */
int64_t ttt_respawn_grace_left_ms(int have_old_key, long long until_ms, long long now_ms);

/*
 * Whether the peer a dead worker reported is handed to the next one. Not
 * when the parent dropped it for breaking a rule, nor when it died of
 * SIGSYS (a system call outside its policy): both are signs it was not
 * itself, and a clean successor must not start by sending the tap's
 * traffic where it said. It then learns the peer from the first
 * authenticated frame. Other deaths keep it: a crash should not cost a
 * peer behind NAT its tunnel until it speaks. A fixed peer (config_flags)
 * came from the command line and is always kept.
 */
int ttt_respawn_keep_peer(int wait_status, int dropped, uint32_t config_flags);

#endif

/*
 * Replay filter: after a datagram authenticates, its frame is delivered at
 * most once, exactly (no false acceptance, ever), while frames reordered in
 * flight by up to TTT_REPLAY_DEPTH positions are still delivered.
 *
 * Our counters are the sender's nanosecond timestamps: sparse and strictly
 * increasing, so a bitmap indexed by counter (RFC 6479, WireGuard) does not
 * fit. Instead the filter remembers the last TTT_REPLAY_DEPTH accepted
 * timestamps exactly (a FIFO ring, plus an open-addressing hash set for O(1)
 * lookup) and a floor: the largest timestamp it has forgotten. Everything
 * ever accepted is either remembered or at most the floor, so refusing
 * "remembered or <= floor" is exact.
 *
 * Pure: no allocation, no clock, no global state. Fixed size (about 6 KiB).
 */
#ifndef TTT_REPLAY_H
#define TTT_REPLAY_H

#include <stdint.h>

/*
 * 256 positions of reordering: ~3 ms of full-size frames at 1 Gbit/s, well
 * past the reordering of multipath underlays and of our own batched sender
 * (a send batch is at most 32 frames; a receive call, at most 4
 * messages of up to 64 coalesced datagrams each, is judged in arrival
 * order), while the state stays a few KiB.
 */
#define TTT_REPLAY_DEPTH      256
#define TTT_REPLAY_SLOTS_LOG2 9	/* 512 slots: load factor at most 1/2 */
#define TTT_REPLAY_SLOTS      (1u << TTT_REPLAY_SLOTS_LOG2)
#define TTT_REPLAY_OCC_WORDS  (TTT_REPLAY_SLOTS / 64)

enum ttt_replay_verdict {
	TTT_REPLAY_NEWEST = 0,	/* accepted, newest timestamp seen so far */
	TTT_REPLAY_REORDERED,	/* accepted, older than the newest but never seen */
	TTT_REPLAY_DUPLICATE,	/* refused: accepted before */
	TTT_REPLAY_TOO_OLD,	/* refused: at or below the floor, cannot be told apart */
};

struct ttt_replay {
	int64_t ring[TTT_REPLAY_DEPTH];		/* accepted, in arrival order */
	int64_t slot[TTT_REPLAY_SLOTS];		/* the same values, hashed */
	uint64_t occ[TTT_REPLAY_OCC_WORDS];	/* which slots hold a value */
	uint64_t seed;
	unsigned count, head;
	int64_t top, floor;
	int have_top, have_floor;
};

/* seed: random per filter, so hash collisions cannot be planned from outside. */
void ttt_replay_init(struct ttt_replay *r, uint64_t seed);

/* Refuse every timestamp at or below floor, as if it had been forgotten. */
void ttt_replay_set_floor(struct ttt_replay *r, int64_t floor);

/* Check ts and, when accepted, remember it. */
enum ttt_replay_verdict ttt_replay_update(struct ttt_replay *r, int64_t ts);

static inline int
ttt_replay_accepted(enum ttt_replay_verdict v)
{
	return v == TTT_REPLAY_NEWEST || v == TTT_REPLAY_REORDERED;
}

#endif

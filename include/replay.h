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

/*
 * The filter's invariants, in ACSL (comments the compiler skips; make prove
 * reads them). Which are proved, and how, is in proofs/README.
 *
 * ttt_replay_shape: the ring's bookkeeping stays inside its arrays.
 * ttt_replay_at(r, k): the k-th oldest remembered timestamp, 0 <= k < count.
 * ttt_replay_agree: the ring and the set hold the same timestamps: each
 *   remembered one has an occupied slot, each occupied slot a remembered one.
 * ttt_replay_floor_below: every remembered timestamp is above the floor.
 *   NOT an invariant of this code: a reordered timestamp stays remembered
 *   when an earlier arrival with a larger value is forgotten and becomes the
 *   floor. Harmless (at or below the floor is refused before the set is
 *   asked), and stated so that a rewrite can choose to make it one.
 */
/*@ predicate ttt_replay_shape(struct ttt_replay *r) =
      r->count <= TTT_REPLAY_DEPTH && r->head < TTT_REPLAY_DEPTH &&
      (r->have_top == 0 || r->have_top == 1) &&
      (r->have_floor == 0 || r->have_floor == 1);

    logic int64_t ttt_replay_at(struct ttt_replay *r, integer k) =
      r->ring[(r->head + TTT_REPLAY_DEPTH - r->count + k) % TTT_REPLAY_DEPTH];

    predicate ttt_replay_occupied(struct ttt_replay *r, integer s) =
      ((r->occ[s / 64] >> (s % 64)) & 1) == 1;

    predicate ttt_replay_agree(struct ttt_replay *r) =
      (\forall integer k; 0 <= k < r->count ==>
        (\exists integer s; 0 <= s < TTT_REPLAY_SLOTS &&
          ttt_replay_occupied(r, s) && r->slot[s] == ttt_replay_at(r, k))) &&
      (\forall integer s; 0 <= s < TTT_REPLAY_SLOTS && ttt_replay_occupied(r, s) ==>
        (\exists integer k; 0 <= k < r->count && r->slot[s] == ttt_replay_at(r, k)));

    predicate ttt_replay_floor_below(struct ttt_replay *r) =
      r->have_floor ==> \forall integer k; 0 <= k < r->count ==>
        ttt_replay_at(r, k) > r->floor;
*/

/* seed: random per filter, so hash collisions cannot be planned from outside. */
void ttt_replay_init(struct ttt_replay *r, uint64_t seed);

/* Refuse every timestamp at or below floor, as if it had been forgotten. */
/*@ requires \valid(r);
    assigns r->floor, r->have_floor;
    ensures r->have_floor == 1;
    ensures r->floor >= floor;
    ensures \old(r->have_floor) ==> r->floor >= \old(r->floor);
*/
void ttt_replay_set_floor(struct ttt_replay *r, int64_t floor);

/* Check ts and, when accepted, remember it. */
/*@ requires \valid(r) && ttt_replay_shape(r);
    ensures ttt_replay_shape(r);
    ensures \old(r->have_floor) && ts <= \old(r->floor) ==> \result == TTT_REPLAY_TOO_OLD;
*/
enum ttt_replay_verdict ttt_replay_update(struct ttt_replay *r, int64_t ts);

static inline int
ttt_replay_accepted(enum ttt_replay_verdict v)
{
	return v == TTT_REPLAY_NEWEST || v == TTT_REPLAY_REORDERED;
}

#endif

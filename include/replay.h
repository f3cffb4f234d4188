/*
 * Replay filter: after a datagram authenticates, its frame is delivered at
 * most once, exactly (no false acceptance, ever), while frames reordered in
 * flight are still delivered: by up to TTT_REPLAY_DEPTH positions from any
 * peer, and by up to TTT_REPLAY_GRID_DEPTH positions (16256, twice
 * WireGuard's 8128) from a peer whose stamps carry a frame counter
 * (reflect.h: our own sender), at any rate.
 *
 * Our counters are the sender's nanosecond timestamps, and a v1.4 peer's
 * are raw clock readings: sparse, so a bitmap indexed by counter (RFC 6479,
 * WireGuard) does not fit them. Counting argument: an exact record of n
 * arbitrary distinct stamps out of U possible values needs about
 * log2(C(U, n)) bits; for 8128 stamps spread over a 3 s window of
 * nanoseconds (U ~ 2^32) that is ~20 bits a stamp, ~20 KiB: more than this
 * filter may take. So a v1.4 peer gets the ring's 256, and our own sender
 * puts a frame counter into its stamps (reflect.h: the slot ts >> 10 is
 * T << 16 | q, q the frame number mod 2^16, T coarse time), which lets the
 * receiver spend one bit a position. The filter keeps two exact records:
 *
 *   ring   the last TTT_REPLAY_DEPTH accepted timestamps the grid does not
 *          take, whatever they are (a FIFO ring, plus an open-addressing
 *          hash of ring indices for O(1) lookup);
 *   grid   once TTT_REPLAY_TAG_RUN newest timestamps in a row carry the
 *          same low TTT_REPLAY_GRID_BITS bits (a tag: v1.4's raw clock
 *          does that with odds 2^-70) at consecutive positions (below: a
 *          frame counter, not a clock), every later timestamp with that tag
 *          goes to the grid alone: a circular bitmap of
 *          TTT_REPLAY_GRID_POSITIONS bits indexed by the position
 *          q = (ts >> TTT_REPLAY_GRID_BITS) mod 2^16, reduced mod the
 *          bitmap's size, in blocks of TTT_REPLAY_BLOCK_BITS bits, each
 *          with the largest timestamp accepted into it. grid_top is the
 *          newest timestamp the grid follows.
 *
 *          Newer than grid_top, at d = q - q_top (mod 2^16; 0 counts as a
 *          whole bitmap): every block whose positions are reused is first
 *          folded into the floor (floor = max(floor, its largest)), then
 *          cleared; then the bit is set. Older: d0 = q_top - q (mod 2^16);
 *          TOO_OLD when d0 == 0; DUPLICATE when the bit is set and stands
 *          for a held position (any bit but the top block's above q_top);
 *          TOO_OLD when d0 > TTT_REPLAY_GRID_DEPTH (so the depth does not
 *          depend on where q_top is in its block); else accepted.
 *
 * and a floor: the largest accepted timestamp that neither record holds
 * any more (it fell out of the ring, or its block was recycled, or the tag
 * changed and every block was folded), or a floor set from outside. The
 * invariant, after every call:
 *
 *   every accepted timestamp is in the ring, or its bit is set in the
 *   grid, or it is <= floor.
 *
 * It holds whatever q means: a bit is cleared only with its block, and the
 * block's largest timestamp (>= every one accepted into it since it was
 * last cleared) goes into the floor first. So refusing "<= floor, or in
 * the ring, or its bit is set" is exact, and the modular positions can
 * never make the filter accept twice. What they can do is refuse wrongly:
 * a set bit may stand for another stamp at the same position mod the
 * bitmap, which needs the sender's counter to have wrapped, i.e. >= 65536
 * frames in a row that never arrived, or stamps with our tag that are not
 * counter-stamped (a v1.4 peer hitting the tag, one frame in 1024, only
 * once the grid is on: in practice never, one peer a filter). Disjoint:
 * the grid takes every stamp with its tag (lookups still ask the ring
 * first, which holds the run that taught the tag); the ring, all others.
 *
 * Depth: TTT_REPLAY_GRID_DEPTH positions at any rate for our peers (the
 * whole 3 s window below ~5.4k frames/s), TTT_REPLAY_DEPTH for v1.4 peers.
 *
 * Pure: no allocation, no clock, no global state. Fixed size (<= 6248 bytes).
 */
#ifndef TTT_REPLAY_H
#define TTT_REPLAY_H

#include <stdint.h>

/*
 * 256 positions of reordering for any peer: ~3 ms of full-size frames at
 * 1 Gbit/s, past the reordering of our own batched sender (a send batch is
 * at most 32 frames; a receive call, at most 4 messages of up to 64
 * coalesced datagrams each, is judged in arrival order).
 */
#define TTT_REPLAY_DEPTH      256
#define TTT_REPLAY_SLOTS_LOG2 9	/* 512 hash slots: load factor at most 1/2 */
#define TTT_REPLAY_SLOTS      (1u << TTT_REPLAY_SLOTS_LOG2)
#define TTT_REPLAY_EMPTY      UINT16_MAX	/* a hash slot holding no ring index */

/* The tag grid: the same as reflect.h's TTT_TAG_BITS and TTT_STAMP_SEQ_BITS
 * (checked in replay.c). */
#define TTT_REPLAY_GRID_BITS  10
#define TTT_REPLAY_GRID_MASK  ((INT64_C(1) << TTT_REPLAY_GRID_BITS) - 1)
#define TTT_REPLAY_SEQ_BITS   16	/* the sender's frame counter, mod 2^16 */
#define TTT_REPLAY_SEQ_MASK   ((1u << TTT_REPLAY_SEQ_BITS) - 1u)
/* 16384 positions, 2 KiB of bits, a divisor of 2^16 so that q mod 2^16 and
 * q mod the bitmap agree; blocks of 128 (a 1 KiB table of their maxima). */
#define TTT_REPLAY_GRID_POSITIONS 16384
#define TTT_REPLAY_GRID_WORDS (TTT_REPLAY_GRID_POSITIONS / 64)
#define TTT_REPLAY_BLOCK_BITS 128
#define TTT_REPLAY_BLOCK_WORDS (TTT_REPLAY_BLOCK_BITS / 64)
#define TTT_REPLAY_GRID_BLOCKS (TTT_REPLAY_GRID_POSITIONS / TTT_REPLAY_BLOCK_BITS)
/* Positions an older stamp may lie behind grid_top: all but the top block. */
#define TTT_REPLAY_GRID_DEPTH (TTT_REPLAY_GRID_POSITIONS - TTT_REPLAY_BLOCK_BITS)
/* Newest timestamps in a row with one tag before the grid follows it. */
#define TTT_REPLAY_TAG_RUN    8
/* What the filter must not outgrow: the 256-deep filter it replaced. */
#define TTT_REPLAY_BYTES_MAX  6248

enum ttt_replay_verdict {
	TTT_REPLAY_NEWEST = 0,	/* accepted, newest timestamp seen so far */
	TTT_REPLAY_REORDERED,	/* accepted, older than the newest but never seen */
	TTT_REPLAY_DUPLICATE,	/* refused: accepted before */
	TTT_REPLAY_TOO_OLD,	/* refused: at or below the floor, cannot be told apart */
};

struct ttt_replay {
	int64_t ring[TTT_REPLAY_DEPTH];		/* accepted, in arrival order */
	uint16_t slot[TTT_REPLAY_SLOTS];	/* ring indices, hashed by value */
	uint64_t grid[TTT_REPLAY_GRID_WORDS];	/* position q at bit q % GRID_POSITIONS */
	int64_t block_max[TTT_REPLAY_GRID_BLOCKS];	/* of a block with a bit set */
	uint64_t seed;
	int64_t top, floor;
	int64_t grid_top;			/* newest timestamp on the grid */
	unsigned count, head;
	uint16_t tag, run_tag;
	uint16_t run_q;				/* the run's last position */
	uint8_t run;				/* newest in a row with run_tag */
	uint8_t have_top, have_floor, have_grid;
};

_Static_assert(sizeof(struct ttt_replay) <= TTT_REPLAY_BYTES_MAX,
    "deeper, but no bigger than the 256-deep filter");
_Static_assert(TTT_REPLAY_DEPTH < TTT_REPLAY_EMPTY, "ring indices fit the hash");
_Static_assert((1u << TTT_REPLAY_SEQ_BITS) % TTT_REPLAY_GRID_POSITIONS == 0,
    "positions mod 2^16 and mod the bitmap agree");
_Static_assert(TTT_REPLAY_GRID_DEPTH >= 8128, "at least WireGuard's depth");

/*
 * The filter's invariants, in ACSL (comments the compiler skips; make prove
 * reads them). Which are proved, and how, is in proofs/README.md.
 *
 * ttt_replay_shape: the bookkeeping stays in range: count, head, the run,
 *   the tags, the flags; the grid's newest timestamp is 0 or above.
 * ttt_replay_slots: each hash slot is TTT_REPLAY_EMPTY or a ring index.
 *   replay.c does not rely on it: every ring[] read tests its index first.
 * ttt_replay_pos(r, k), ttt_replay_at(r, k): where the k-th oldest
 *   remembered timestamp is in the ring, and that timestamp, 0 <= k < count.
 * ttt_replay_home(r, ts): the hash slot a probe for ts starts at.
 * ttt_replay_agree: the ring and its hash index agree. The remembered
 *   timestamps are distinct (a remembered one is refused); each one's ring
 *   index is in a slot that a probe from its home reaches (every slot on the
 *   way is occupied); each occupied slot holds the index of a remembered
 *   one, and no two slots the same index. So a probe for ts ends at ts's
 *   slot exactly when ts is remembered.
 * ttt_replay_floor_below: every remembered timestamp is above the floor.
 *   NOT an invariant of this code: a reordered timestamp stays remembered
 *   when an earlier arrival with a larger value is forgotten and becomes the
 *   floor (accept 10, 5, then TTT_REPLAY_DEPTH - 1 larger ones: 10 is the
 *   floor, 5 is still in the ring), and ttt_replay_set_floor may raise the
 *   floor above anything. Harmless: at or below the floor is refused before
 *   the ring or the grid is asked.
 *
 * The invariant the filter's exactness rests on is about its history, not
 * one state, so it is stated here in words only: every timestamp accepted
 * so far is in the ring, or its bit is set in the grid (its low bits the
 * grid's tag, its block not recycled since), or it is <= floor. The unit tests
 * and fuzz_replay check it against a model that remembers everything
 * (tests/model/replay_model.h).
 */
/*@ predicate ttt_replay_shape(struct ttt_replay *r) =
      r->count <= TTT_REPLAY_DEPTH && r->head < TTT_REPLAY_DEPTH &&
      (r->have_top == 0 || r->have_top == 1) &&
      (r->have_floor == 0 || r->have_floor == 1) &&
      (r->have_grid == 0 || r->have_grid == 1) &&
      r->run < TTT_REPLAY_TAG_RUN &&
      r->tag <= TTT_REPLAY_GRID_MASK && r->run_tag <= TTT_REPLAY_GRID_MASK &&
      r->grid_top >= 0;

    predicate ttt_replay_slots(struct ttt_replay *r) =
      \forall integer s; 0 <= s < TTT_REPLAY_SLOTS ==>
        r->slot[s] == TTT_REPLAY_EMPTY || r->slot[s] < TTT_REPLAY_DEPTH;

    logic integer ttt_replay_pos(struct ttt_replay *r, integer k) =
      (r->head + TTT_REPLAY_DEPTH - r->count + k) % TTT_REPLAY_DEPTH;

    logic int64_t ttt_replay_at(struct ttt_replay *r, integer k) =
      r->ring[ttt_replay_pos(r, k)];

    logic integer ttt_replay_home(struct ttt_replay *r, integer ts) =
      ((((ts & 0xFFFFFFFFFFFFFFFF) ^ r->seed) * 0x9E3779B97F4A7C15)
        % 0x10000000000000000) >> (64 - TTT_REPLAY_SLOTS_LOG2);

    predicate ttt_replay_agree(struct ttt_replay *r) =
      (\forall integer k, l; 0 <= k < l < r->count ==>
        ttt_replay_at(r, k) != ttt_replay_at(r, l)) &&
      (\forall integer k; 0 <= k < r->count ==>
        \exists integer d; 0 <= d < TTT_REPLAY_SLOTS &&
          r->slot[(ttt_replay_home(r, ttt_replay_at(r, k)) + d) % TTT_REPLAY_SLOTS]
            == ttt_replay_pos(r, k) &&
          \forall integer e; 0 <= e < d ==>
            r->slot[(ttt_replay_home(r, ttt_replay_at(r, k)) + e) % TTT_REPLAY_SLOTS]
              < TTT_REPLAY_DEPTH) &&
      (\forall integer s; 0 <= s < TTT_REPLAY_SLOTS &&
        r->slot[s] < TTT_REPLAY_DEPTH ==>
        \exists integer k; 0 <= k < r->count && r->slot[s] == ttt_replay_pos(r, k)) &&
      (\forall integer s, t; 0 <= s < t < TTT_REPLAY_SLOTS &&
        r->slot[s] < TTT_REPLAY_DEPTH ==> r->slot[s] != r->slot[t]);

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

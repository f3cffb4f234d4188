/*
 * Exact replay filter over sparse timestamps: a ring of the last arrivals
 * and a bitmap over our sender's frame positions (see replay.h).
 */
#include <string.h>

#include "reflect.h"
#include "replay.h"

_Static_assert(TTT_REPLAY_GRID_BITS == TTT_TAG_BITS, "the grid is our sender's");
_Static_assert(TTT_REPLAY_SEQ_BITS == TTT_STAMP_SEQ_BITS, "and so are its positions");
_Static_assert(TTT_REPLAY_GRID_WORDS % TTT_REPLAY_BLOCK_WORDS == 0, "whole blocks");

#define SLOT_MASK  (TTT_REPLAY_SLOTS - 1u)
#define WORD_BITS  64

/* ---------------------------------------------------------------- ring */

static unsigned
slot_of(const struct ttt_replay *r, int64_t ts)
{
	/* Fibonacci hashing of the seeded value: the top bits are well mixed. */
	uint64_t h = ((uint64_t)ts ^ r->seed) * UINT64_C(0x9E3779B97F4A7C15);

	return (unsigned)(h >> (64 - TTT_REPLAY_SLOTS_LOG2));
}

/*
 * A slot holds a ring index, or TTT_REPLAY_EMPTY (ttt_replay_slots in
 * replay.h). A slot counts as occupied by the bound itself, not by
 * "!= EMPTY": the same answer in every state the filter reaches, and every
 * ring[] read below is guarded by a test of the index it reads, checked at
 * run time, so no state can make it read outside the ring (make prove).
 */
static int
occupied(const struct ttt_replay *r, unsigned i)
{
	return r->slot[i] < TTT_REPLAY_DEPTH;
}

/* The hash slot holding ts's ring index, or the empty slot where it would go. */
static unsigned
probe(const struct ttt_replay *r, int64_t ts)
{
	unsigned i = slot_of(r, ts);

	/* Terminates: at most TTT_REPLAY_DEPTH of the slots are ever occupied. */
	for (;;) {
		unsigned at = r->slot[i];

		if (at >= TTT_REPLAY_DEPTH || r->ring[at] == ts)
			return i;
		i = (i + 1) & SLOT_MASK;
	}
}

static int
in_ring(const struct ttt_replay *r, int64_t ts)
{
	return occupied(r, probe(r, ts));
}

/* Linear-probing deletion by backward shift, so no tombstones accumulate. */
static void
set_remove(struct ttt_replay *r, int64_t ts)
{
	unsigned i = probe(r, ts), j = i, home, at;

	if (!occupied(r, i))
		return;
	for (;;) {
		j = (j + 1) & SLOT_MASK;
		at = r->slot[j];
		if (at >= TTT_REPLAY_DEPTH)
			break;	/* empty: see occupied() */
		home = slot_of(r, r->ring[at]);
		/* Leave slot j alone when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		r->slot[i] = r->slot[j];
		i = j;
	}
	r->slot[i] = TTT_REPLAY_EMPTY;
}

/* ts is already in ring[at]. */
static void
set_insert(struct ttt_replay *r, int64_t ts, unsigned at)
{
	r->slot[probe(r, ts)] = (uint16_t)at;
}

/* ttt_replay_set_floor is this alone, so this is its contract (replay.h)
 * again; proved by WP, and EVA checks the precondition at each call. */
/*@ requires \valid(r);
    assigns r->floor, r->have_floor;
    ensures r->have_floor == 1;
    ensures r->floor >= f;
    ensures \old(r->have_floor) ==> r->floor >= \old(r->floor);
*/
static void
raise_floor(struct ttt_replay *r, int64_t f)
{
	if (!r->have_floor || f > r->floor)
		r->floor = f;
	r->have_floor = 1;
}

/* ---------------------------------------------------------------- grid */

/* On the grid: the tag the grid follows (only stamps >= 0 start it). */
static int
on_grid(const struct ttt_replay *r, int64_t ts)
{
	return r->have_grid && ts >= 0 && (ts & TTT_REPLAY_GRID_MASK) == r->tag;
}

/* The sender's frame number mod 2^16 (reflect.h), ts >= 0. */
static unsigned
position(int64_t ts)
{
	return (unsigned)((uint64_t)ts >> TTT_REPLAY_GRID_BITS) & TTT_REPLAY_SEQ_MASK;
}

/* Position q's bit index in the bitmap. */
static unsigned
bit_index(unsigned q)
{
	return q % TTT_REPLAY_GRID_POSITIONS;
}

/* Forget block b: its largest timestamp goes into the floor (it stands for
 * every one accepted into the block), then its bits are cleared. */
static void
fold_block(struct ttt_replay *r, unsigned b)
{
	uint64_t any = 0;

	for (unsigned k = 0; k < TTT_REPLAY_BLOCK_WORDS; k++) {
		any |= r->grid[b * TTT_REPLAY_BLOCK_WORDS + k];
		r->grid[b * TTT_REPLAY_BLOCK_WORDS + k] = 0;
	}
	if (any != 0)
		raise_floor(r, r->block_max[b]);
}

/* Forget the whole grid: the tag changes, or the top moves a bitmap on. */
static void
fold_all(struct ttt_replay *r)
{
	for (unsigned b = 0; b < TTT_REPLAY_GRID_BLOCKS; b++)
		fold_block(r, b);
}

/*
 * ts > grid_top: the top moves d positions on (d == 0: 2^16 frames, or
 * more, never arrived; as far as the bitmap can tell, a whole bitmap).
 * Every block it enters is reused: folded first.
 */
static void
advance(struct ttt_replay *r, int64_t ts)
{
	unsigned qt = position(r->grid_top);
	unsigned d = (position(ts) - qt) & TTT_REPLAY_SEQ_MASK;
	unsigned crossed = d == 0 ? TTT_REPLAY_GRID_BLOCKS :
	    (qt % TTT_REPLAY_BLOCK_BITS + d) / TTT_REPLAY_BLOCK_BITS;

	if (crossed >= TTT_REPLAY_GRID_BLOCKS) {
		fold_all(r);
	} else {
		unsigned first = bit_index(qt) / TTT_REPLAY_BLOCK_BITS;

		for (unsigned k = 1; k <= crossed; k++)
			fold_block(r, (first + k) % TTT_REPLAY_GRID_BLOCKS);
	}
	r->grid_top = ts;
}

static int
bit_is_set(const struct ttt_replay *r, unsigned q)
{
	unsigned i = bit_index(q);

	return (int)(r->grid[i / WORD_BITS] >> (i % WORD_BITS) & 1u);
}

/*
 * A stamp on the grid, above the floor and not in the ring. Newer than the
 * top: new. Otherwise judged at its distance d0 from the top. 0 is the
 * top's own position (the top itself is a duplicate). The bits below the
 * top in its block and in every other block stand for the positions held,
 * up to TTT_REPLAY_GRID_DEPTH back and, in the oldest block, up to the
 * top's offset in its block further: a set bit there is a stamp accepted
 * at that position (this one, or, after 2^16 lost, one that shares it).
 * Beyond the depth nothing new is accepted, so the depth is the same
 * wherever the top is in its block.
 */
static enum ttt_replay_verdict
grid_judge(const struct ttt_replay *r, int64_t ts)
{
	unsigned qt = position(r->grid_top), d0;

	if (ts > r->grid_top)
		return TTT_REPLAY_NEWEST;
	if (ts == r->grid_top)
		return TTT_REPLAY_DUPLICATE;
	d0 = (qt - position(ts)) & TTT_REPLAY_SEQ_MASK;
	if (d0 == 0)
		return TTT_REPLAY_TOO_OLD;
	if (d0 <= TTT_REPLAY_GRID_DEPTH + qt % TTT_REPLAY_BLOCK_BITS &&
	    bit_is_set(r, position(ts)))
		return TTT_REPLAY_DUPLICATE;
	if (d0 > TTT_REPLAY_GRID_DEPTH)
		return TTT_REPLAY_TOO_OLD;
	return TTT_REPLAY_REORDERED;
}

/* Accept ts onto the grid (grid_judge said so). */
static void
grid_record(struct ttt_replay *r, int64_t ts)
{
	unsigned i = bit_index(position(ts)), b = i / TTT_REPLAY_BLOCK_BITS;
	uint64_t any = 0;

	if (ts > r->grid_top)
		advance(r, ts);
	for (unsigned k = 0; k < TTT_REPLAY_BLOCK_WORDS; k++)
		any |= r->grid[b * TTT_REPLAY_BLOCK_WORDS + k];
	if (any == 0 || ts > r->block_max[b])
		r->block_max[b] = ts;
	r->grid[i / WORD_BITS] |= UINT64_C(1) << (i % WORD_BITS);
}

/*
 * After each newest timestamp: follow a tag that TTT_REPLAY_TAG_RUN newest
 * ones in a row carry, at consecutive positions. The old tag's grid is
 * folded into the floor (its timestamps now look like any other tag's, and
 * go to the ring); the new grid starts empty, its top at ts (which the ring
 * holds).
 */
static void
learn_tag(struct ttt_replay *r, int64_t ts)
{
	uint16_t low = (uint16_t)(ts & TTT_REPLAY_GRID_MASK);

	if (ts < 0 || on_grid(r, ts)) {
		r->run = 0;
		return;
	}
	/* A run is of one tag AND consecutive positions: a sender that does not
	 * count its frames in its stamps (an older one of ours, stamping its
	 * clock in 1024-ns slots) keeps the ring's depth, which the grid would
	 * cut to 16384 positions of its clock (~16 ms) at any rate. */
	if (r->run > 0 && low == r->run_tag &&
	    position(ts) == ((r->run_q + 1u) & TTT_REPLAY_SEQ_MASK)) {
		r->run++;
	} else {
		r->run_tag = low;
		r->run = 1;
	}
	r->run_q = (uint16_t)position(ts);
	if (r->run < TTT_REPLAY_TAG_RUN)
		return;
	fold_all(r);
	r->tag = low;
	r->grid_top = ts;
	r->have_grid = 1;
	r->run = 0;
}

/* ------------------------------------------------------------- filter */

void
ttt_replay_init(struct ttt_replay *r, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	memset(r->slot, 0xff, sizeof(r->slot));	/* TTT_REPLAY_EMPTY everywhere */
	r->seed = seed;
}

void
ttt_replay_set_floor(struct ttt_replay *r, int64_t floor)
{
	raise_floor(r, floor);
}

/* Forget the oldest arrival: the floor holds it (the grid never does: the
 * two records are disjoint, and a set bit may stand for another stamp). */
static void
forget_oldest(struct ttt_replay *r)
{
	int64_t old = r->ring[r->head];

	set_remove(r, old);
	r->count--;
	raise_floor(r, old);
}

static void
remember(struct ttt_replay *r, int64_t ts)
{
	if (r->count == TTT_REPLAY_DEPTH)
		forget_oldest(r);
	r->ring[r->head] = ts;
	set_insert(r, ts, r->head);
	r->head = (r->head + 1) % TTT_REPLAY_DEPTH;
	r->count++;
}

enum ttt_replay_verdict
ttt_replay_update(struct ttt_replay *r, int64_t ts)
{
	enum ttt_replay_verdict v;

	/* At or below the floor we no longer know what was seen: refuse, since
	 * exactness matters more than a frame delayed past the depth. */
	if (r->have_floor && ts <= r->floor)
		return TTT_REPLAY_TOO_OLD;
	/* The ring first, even for the grid's tag: it holds the run that
	 * taught the tag. */
	if (in_ring(r, ts))
		return TTT_REPLAY_DUPLICATE;
	if (on_grid(r, ts)) {
		v = grid_judge(r, ts);
		if (!ttt_replay_accepted(v))
			return v;
		grid_record(r, ts);
	} else {
		remember(r, ts);
	}
	v = (!r->have_top || ts > r->top) ? TTT_REPLAY_NEWEST : TTT_REPLAY_REORDERED;
	if (v == TTT_REPLAY_NEWEST) {
		r->top = ts;
		r->have_top = 1;
		learn_tag(r, ts);
	}
	return v;
}

/*
 * Exact replay filter over sparse timestamps: a ring of the last arrivals
 * and a bitmap over the tag grid (see replay.h).
 */
#include <string.h>

#include "reflect.h"
#include "replay.h"

_Static_assert(TTT_REPLAY_GRID_BITS == TTT_TAG_BITS, "the grid is our sender's");

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

/* On the grid: the tag the grid follows, in a slot it can index. */
static int
on_grid(const struct ttt_replay *r, int64_t ts)
{
	return r->have_grid && ts >= 0 && (ts & TTT_REPLAY_GRID_MASK) == r->tag;
}

/*
 * The timestamp of slot s with the grid's tag. Only slots >= 0 reach here
 * (the window never goes below slot 0), but the shift is done unsigned so
 * that no slot could make it undefined (a negative one shifted left is,
 * C11 6.5.7): for s >= 0 the value is the same.
 */
static int64_t
slot_ts(const struct ttt_replay *r, int64_t s)
{
	return (int64_t)((uint64_t)s << TTT_REPLAY_GRID_BITS | r->tag);
}

/* The window: slots (grid_top - GRID_SLOTS, grid_top], and never below 0. */
static int
in_window(const struct ttt_replay *r, int64_t s)
{
	return s <= r->grid_top && r->grid_top - s < TTT_REPLAY_GRID_SLOTS;
}

static int
bit_is_set(const struct ttt_replay *r, int64_t s)
{
	uint64_t i = (uint64_t)s % TTT_REPLAY_GRID_SLOTS;

	return (int)(r->grid[i / WORD_BITS] >> (i % WORD_BITS) & 1u);
}

/* ts's bit is set: the grid holds ts itself. */
static int
in_grid(const struct ttt_replay *r, int64_t ts)
{
	int64_t s = ts >> TTT_REPLAY_GRID_BITS;

	return on_grid(r, ts) && in_window(r, s) && bit_is_set(r, s);
}

/*
 * Forget slots [lo, hi] of the window (0 <= lo <= hi, fewer than
 * GRID_SLOTS of them): clear their bits, and raise the floor to the highest
 * timestamp among them that the ring does not hold either. A word at a
 * time, from the top down, so the search stops at the first such one.
 */
static void
forget_slots(struct ttt_replay *r, int64_t lo, int64_t hi)
{
	int found = 0;

	while (hi >= lo) {
		uint64_t i = (uint64_t)hi % TTT_REPLAY_GRID_SLOTS;
		unsigned top_bit = (unsigned)(i % WORD_BITS);
		/* The slot of this word's bit 0 (GRID_SLOTS is a multiple of 64). */
		int64_t first = hi - (int64_t)top_bit;
		/* lo's bit when lo lies in this word, else bit 0. Both shift
		 * amounts below are remainders mod 64, in range by their form. */
		unsigned bottom = lo > first ? (unsigned)((uint64_t)lo % WORD_BITS) : 0;
		uint64_t *w = &r->grid[i / WORD_BITS];
		/* Bits bottom .. top_bit of this word: slots max(lo, first) .. hi. */
		uint64_t mask = (UINT64_MAX >> (WORD_BITS - 1 - top_bit)) &
		    (UINT64_MAX << bottom);
		uint64_t set = *w & mask;

		while (!found && set != 0) {
			unsigned b = WORD_BITS - 1 - (unsigned)__builtin_clzll(set);
			int64_t ts = slot_ts(r, first + (int64_t)b);

			if (!in_ring(r, ts)) {
				raise_floor(r, ts);
				found = 1;
			}
			set &= ~(UINT64_C(1) << b);
		}
		*w &= ~mask;
		hi = first - 1;
	}
}

/* Forget the whole window: the tag changes. */
static void
forget_grid(struct ttt_replay *r)
{
	int64_t lo = r->grid_top - TTT_REPLAY_GRID_SLOTS + 1;

	/* grid_top >= 0: only a timestamp >= 0 starts the grid. */
	if (r->have_grid)
		forget_slots(r, lo < 0 ? 0 : lo, r->grid_top);
	memset(r->grid, 0, sizeof(r->grid));
}

/* Move the window's top up to slot s (> grid_top): what falls out is forgotten. */
static void
slide_to(struct ttt_replay *r, int64_t s)
{
	int64_t lo = r->grid_top - TTT_REPLAY_GRID_SLOTS + 1;
	int64_t hi = s - TTT_REPLAY_GRID_SLOTS;	/* the last slot to leave */

	if (lo < 0)
		lo = 0;
	if (hi > r->grid_top)
		hi = r->grid_top;
	if (hi >= lo)
		forget_slots(r, lo, hi);
	r->grid_top = s;
}

static void
grid_record(struct ttt_replay *r, int64_t ts)
{
	int64_t s = ts >> TTT_REPLAY_GRID_BITS;
	uint64_t i;

	if (s > r->grid_top)
		slide_to(r, s);
	if (!in_window(r, s))
		return;	/* below the window: the ring alone keeps it */
	i = (uint64_t)s % TTT_REPLAY_GRID_SLOTS;
	r->grid[i / WORD_BITS] |= UINT64_C(1) << (i % WORD_BITS);
}

/*
 * After each newest timestamp: follow a tag that TTT_REPLAY_TAG_RUN newest
 * ones in a row carry. The old tag's window is forgotten (its timestamps now
 * look like any other tag's, so only the ring or the floor may answer for
 * them); the new window starts empty at ts's slot (ts is in the ring).
 */
static void
learn_tag(struct ttt_replay *r, int64_t ts)
{
	uint16_t low = (uint16_t)(ts & TTT_REPLAY_GRID_MASK);

	if (ts < 0 || on_grid(r, ts)) {
		r->run = 0;
		return;
	}
	if (r->run > 0 && low == r->run_tag) {
		r->run++;
	} else {
		r->run_tag = low;
		r->run = 1;
	}
	if (r->run < TTT_REPLAY_TAG_RUN)
		return;
	forget_grid(r);
	r->tag = low;
	r->grid_top = ts >> TTT_REPLAY_GRID_BITS;
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

/* Forget the oldest arrival; unless the grid still holds it, the floor does. */
static void
forget_oldest(struct ttt_replay *r)
{
	int64_t old = r->ring[r->head];

	set_remove(r, old);
	r->count--;
	if (!in_grid(r, old))
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
	if (in_ring(r, ts) || in_grid(r, ts))
		return TTT_REPLAY_DUPLICATE;
	v = (!r->have_top || ts > r->top) ? TTT_REPLAY_NEWEST : TTT_REPLAY_REORDERED;
	/* The grid first: what slides out of it is judged against the ring as
	 * it was, and the ring's oldest against the grid as it is now. */
	if (on_grid(r, ts))
		grid_record(r, ts);
	remember(r, ts);
	if (v == TTT_REPLAY_NEWEST) {
		r->top = ts;
		r->have_top = 1;
		learn_tag(r, ts);
	}
	return v;
}

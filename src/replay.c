/*
 * Exact replay filter over sparse timestamps (see replay.h).
 */
#include <string.h>

#include "replay.h"

#define SLOT_MASK (TTT_REPLAY_SLOTS - 1u)

static unsigned
slot_of(const struct ttt_replay *r, int64_t ts)
{
	/* Fibonacci hashing of the seeded value: the top bits are well mixed. */
	uint64_t h = ((uint64_t)ts ^ r->seed) * UINT64_C(0x9E3779B97F4A7C15);

	return (unsigned)(h >> (64 - TTT_REPLAY_SLOTS_LOG2));
}

static int
occupied(const struct ttt_replay *r, unsigned i)
{
	return r->occ[i / 64] >> (i % 64) & 1u;
}

static void
set_occupied(struct ttt_replay *r, unsigned i, int on)
{
	uint64_t bit = UINT64_C(1) << (i % 64);

	if (on)
		r->occ[i / 64] |= bit;
	else
		r->occ[i / 64] &= ~bit;
}

/* The slot holding ts, or the empty slot where it would go. */
static unsigned
probe(const struct ttt_replay *r, int64_t ts)
{
	unsigned i = slot_of(r, ts);

	/* Terminates: at most TTT_REPLAY_DEPTH of the slots are ever occupied. */
	while (occupied(r, i) && r->slot[i] != ts)
		i = (i + 1) & SLOT_MASK;
	return i;
}

/* Linear-probing deletion by backward shift, so no tombstones accumulate. */
static void
set_remove(struct ttt_replay *r, int64_t ts)
{
	unsigned i = probe(r, ts), j = i, home;

	if (!occupied(r, i))
		return;
	for (;;) {
		j = (j + 1) & SLOT_MASK;
		if (!occupied(r, j))
			break;
		home = slot_of(r, r->slot[j]);
		/* Leave slot j alone when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		r->slot[i] = r->slot[j];
		i = j;
	}
	set_occupied(r, i, 0);
}

static void
set_insert(struct ttt_replay *r, int64_t ts)
{
	unsigned i = probe(r, ts);

	r->slot[i] = ts;
	set_occupied(r, i, 1);
}

void
ttt_replay_init(struct ttt_replay *r, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	r->seed = seed;
}

void
ttt_replay_set_floor(struct ttt_replay *r, int64_t floor)
{
	if (!r->have_floor || floor > r->floor)
		r->floor = floor;
	r->have_floor = 1;
}

/* Forget the oldest arrival; the floor keeps it refused forever. */
static void
forget_oldest(struct ttt_replay *r)
{
	int64_t old = r->ring[r->head];

	set_remove(r, old);
	if (!r->have_floor || old > r->floor)
		r->floor = old;
	r->have_floor = 1;
	r->count--;
}

static void
remember(struct ttt_replay *r, int64_t ts)
{
	if (r->count == TTT_REPLAY_DEPTH)
		forget_oldest(r);
	r->ring[r->head] = ts;
	r->head = (r->head + 1) % TTT_REPLAY_DEPTH;
	r->count++;
	set_insert(r, ts);
}

enum ttt_replay_verdict
ttt_replay_update(struct ttt_replay *r, int64_t ts)
{
	enum ttt_replay_verdict v;

	/* At or below the floor we no longer know what was seen: refuse, since
	 * exactness matters more than a frame delayed past the depth. */
	if (r->have_floor && ts <= r->floor)
		return TTT_REPLAY_TOO_OLD;
	if (occupied(r, probe(r, ts)))
		return TTT_REPLAY_DUPLICATE;
	v = (!r->have_top || ts > r->top) ? TTT_REPLAY_NEWEST : TTT_REPLAY_REORDERED;
	if (v == TTT_REPLAY_NEWEST) {
		r->top = ts;
		r->have_top = 1;
	}
	remember(r, ts);
	return v;
}

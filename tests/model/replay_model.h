/*
 * The replay filter (replay.h) as a reference model, for the unit test and
 * the fuzz harness alike (one model, two drivers).
 *
 * The model keeps every timestamp ever accepted (sorted, for membership)
 * and the floor. Its verdict is the whole promise:
 *   - ts <= floor           -> TOO_OLD
 *   - ts accepted before    -> DUPLICATE
 *   - otherwise accepted:      NEWEST above every accepted one, else
 *                              REORDERED.
 * So a duplicate is never accepted. What the model must also say is when
 * the filter may forget, i.e. what raises the floor: the floor is the
 * largest accepted timestamp that is neither
 *   - among the last TTT_REPLAY_DEPTH acceptances, nor
 *   - on the grid: accepted carrying the followed tag while its slot lay in
 *     the window, and its slot still in the window (the TTT_REPLAY_GRID_SLOTS
 *     slots up to the highest such slot), under the same tag since,
 * or a floor set from outside. The tag followed is the low
 * TTT_REPLAY_GRID_BITS bits that TTT_REPLAY_TAG_RUN newest acceptances in a
 * row (each >= 0, none on the grid) carried; a newest acceptance on the
 * grid, or below 0, ends a run.
 *
 * Storage is the caller's: cap entries in each array (malloc'd in the unit
 * test, static in the fuzzer). rm_update returns the model's verdict and
 * applies it.
 */
#ifndef TTT_REPLAY_MODEL_H
#define TTT_REPLAY_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

struct rm_model {
	int64_t *acc;		/* accepted, in arrival order */
	int64_t *sorted;	/* the same, sorted */
	int64_t *grid;		/* on the grid this tag, sorted */
	size_t *grid_at;	/* each one's arrival number */
	size_t nacc, ngrid, gone, cap;	/* grid[0 .. gone) left the window */
	int64_t floor, top, grid_top;
	int have_floor, have_top, have_grid;
	unsigned tag, run_tag, run;
};

static inline void
rm_init(struct rm_model *m, int64_t *acc, int64_t *sorted, int64_t *grid, size_t *grid_at,
    size_t cap)
{
	memset(m, 0, sizeof(*m));
	m->acc = acc;
	m->sorted = sorted;
	m->grid = grid;
	m->grid_at = grid_at;
	m->cap = cap;
}

static inline size_t
rm_lower(const int64_t *a, size_t lo, size_t hi, int64_t x)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static inline int
rm_ever(const struct rm_model *m, int64_t x)
{
	size_t i = rm_lower(m->sorted, 0, m->nacc, x);

	return i < m->nacc && m->sorted[i] == x;
}

static inline void
rm_raise(struct rm_model *m, int64_t f)
{
	if (!m->have_floor || f > m->floor)
		m->floor = f;
	m->have_floor = 1;
}

static inline void
rm_set_floor(struct rm_model *m, int64_t f)
{
	rm_raise(m, f);
}

/* Arrival number `at` is among the last TTT_REPLAY_DEPTH acceptances. */
static inline int
rm_recent(const struct rm_model *m, size_t at)
{
	return at + TTT_REPLAY_DEPTH >= m->nacc;
}

static inline int
rm_on_grid(const struct rm_model *m, int64_t x)
{
	return m->have_grid && x >= 0 && (unsigned)(x & TTT_REPLAY_GRID_MASK) == m->tag;
}

static inline int64_t
rm_slot(int64_t x)
{
	return x >> TTT_REPLAY_GRID_BITS;
}

/* Still held by the grid: in grid[gone ..]. */
static inline int
rm_in_grid(const struct rm_model *m, int64_t x)
{
	size_t i = rm_lower(m->grid, m->gone, m->ngrid, x);

	return i < m->ngrid && m->grid[i] == x;
}

static inline void
rm_insert(int64_t *a, size_t *at, size_t n, int64_t x, size_t xat, size_t lo)
{
	size_t i = rm_lower(a, lo, n, x);

	memmove(&a[i + 1], &a[i], (n - i) * sizeof(a[0]));
	a[i] = x;
	if (at != NULL) {
		memmove(&at[i + 1], &at[i], (n - i) * sizeof(at[0]));
		at[i] = xat;
	}
}

/* The grid's part of an acceptance: record x, then let the window move on. */
static inline void
rm_grid_accept(struct rm_model *m, int64_t x, size_t at)
{
	int64_t s = rm_slot(x);

	if (s > m->grid_top)
		m->grid_top = s;
	if (m->grid_top - s < TTT_REPLAY_GRID_SLOTS)
		rm_insert(m->grid, m->grid_at, m->ngrid++, x, at, m->gone);
	while (m->gone < m->ngrid &&
	    m->grid_top - rm_slot(m->grid[m->gone]) >= TTT_REPLAY_GRID_SLOTS) {
		if (!rm_recent(m, m->grid_at[m->gone]))
			rm_raise(m, m->grid[m->gone]);
		m->gone++;
	}
}

static inline void
rm_learn_tag(struct rm_model *m, int64_t x)
{
	unsigned low = (unsigned)(x & TTT_REPLAY_GRID_MASK);

	if (x < 0 || rm_on_grid(m, x)) {
		m->run = 0;
		return;
	}
	if (m->run > 0 && low == m->run_tag) {
		m->run++;
	} else {
		m->run_tag = low;
		m->run = 1;
	}
	if (m->run < TTT_REPLAY_TAG_RUN)
		return;
	/* A new tag: the old one's grid no longer vouches for anything. */
	for (size_t i = m->gone; i < m->ngrid; i++)
		if (!rm_recent(m, m->grid_at[i]))
			rm_raise(m, m->grid[i]);
	m->ngrid = m->gone = 0;
	m->tag = low;
	m->grid_top = rm_slot(x);
	m->have_grid = 1;
	m->run = 0;
}

static inline enum ttt_replay_verdict
rm_update(struct rm_model *m, int64_t x)
{
	enum ttt_replay_verdict v;
	size_t at = m->nacc;

	if (m->have_floor && x <= m->floor)
		return TTT_REPLAY_TOO_OLD;
	if (rm_ever(m, x))
		return TTT_REPLAY_DUPLICATE;
	if (m->nacc == m->cap)
		abort();	/* the driver offered more than it made room for */
	v = (!m->have_top || x > m->top) ? TTT_REPLAY_NEWEST : TTT_REPLAY_REORDERED;
	rm_insert(m->sorted, NULL, m->nacc, x, 0, 0);
	m->acc[m->nacc++] = x;
	if (rm_on_grid(m, x))
		rm_grid_accept(m, x, at);
	/* The acceptance that just left the last TTT_REPLAY_DEPTH. */
	if (m->nacc > TTT_REPLAY_DEPTH) {
		int64_t old = m->acc[m->nacc - TTT_REPLAY_DEPTH - 1];

		if (!rm_in_grid(m, old))
			rm_raise(m, old);
	}
	if (v == TTT_REPLAY_NEWEST) {
		m->top = x;
		m->have_top = 1;
		rm_learn_tag(m, x);
	}
	return v;
}

#endif

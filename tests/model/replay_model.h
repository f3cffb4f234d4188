/*
 * The replay filter (replay.h) as a reference model, for the unit test and
 * the fuzz harness alike (one model, two drivers).
 *
 * The model keeps every timestamp ever accepted (sorted, for membership)
 * and the floor. Its verdict is the whole promise:
 *   - ts <= floor           -> TOO_OLD
 *   - ts accepted before    -> DUPLICATE
 *   - otherwise accepted:      NEWEST above every accepted one, else
 *                              REORDERED,
 * but for the grid's own refusals of a never-accepted stamp with its tag,
 * which replay.h allows (`guarded` says the last verdict was one): older
 * than the grid's top at a distance d0 (positions mod 2^16) of 0 ->
 * TOO_OLD; at a position another held stamp has -> DUPLICATE; beyond
 * TTT_REPLAY_GRID_DEPTH -> TOO_OLD. So a duplicate is never accepted. What the model must also
 * say is when the filter may forget, i.e. what raises the floor:
 *   - a ring acceptance (every one the grid does not take) once
 *     TTT_REPLAY_DEPTH later ring acceptances came;
 *   - a grid acceptance once its block of positions (an absolute position,
 *     counted without the modulus: the top's plus the distance, 2^16 for a
 *     distance of 0) is TTT_REPLAY_GRID_BLOCKS or more blocks below the
 *     top's, or once the tag changes;
 *   - a floor set from outside.
 * The tag followed is the low TTT_REPLAY_GRID_BITS bits that
 * TTT_REPLAY_TAG_RUN newest acceptances in a row (each >= 0, none on the
 * grid, their positions consecutive mod 2^16) carried; a newest acceptance
 * on the grid, or below 0, ends a run.
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
	int64_t *acc;		/* ring acceptances, in arrival order */
	int64_t *sorted;	/* every acceptance, sorted */
	int64_t *grid;		/* held by the grid ([gone, ngrid)), by position */
	int64_t *grid_pos;	/* each one's absolute position, ascending */
	size_t nacc, nall, ngrid, gone, cap;
	int64_t floor, top, grid_top, ptop;	/* ptop: grid_top's absolute position */
	int64_t run_q;				/* the run's last position */
	int have_floor, have_top, have_grid, guarded;
	unsigned tag, run_tag, run;
};

static inline void
rm_init(struct rm_model *m, int64_t *acc, int64_t *sorted, int64_t *grid, int64_t *grid_pos,
    size_t cap)
{
	memset(m, 0, sizeof(*m));
	m->acc = acc;
	m->sorted = sorted;
	m->grid = grid;
	m->grid_pos = grid_pos;
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
	size_t i = rm_lower(m->sorted, 0, m->nall, x);

	return i < m->nall && m->sorted[i] == x;
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

static inline int
rm_on_grid(const struct rm_model *m, int64_t x)
{
	return m->have_grid && x >= 0 && (unsigned)(x & TTT_REPLAY_GRID_MASK) == m->tag;
}

/* The sender's frame number mod 2^16. */
static inline int64_t
rm_q(int64_t x)
{
	return (x >> TTT_REPLAY_GRID_BITS) & TTT_REPLAY_SEQ_MASK;
}

static inline int64_t
rm_block(int64_t pos)
{
	return pos / TTT_REPLAY_BLOCK_BITS;	/* positions stay > 0 */
}

/* The held stamp at absolute position pos, or -1. */
static inline int64_t
rm_held_at(const struct rm_model *m, int64_t pos)
{
	size_t i = rm_lower(m->grid_pos, m->gone, m->ngrid, pos);

	return i < m->ngrid && m->grid_pos[i] == pos ? m->grid[i] : -1;
}

static inline void
rm_insert(int64_t *a, int64_t *b, size_t n, size_t i, int64_t x, int64_t y)
{
	memmove(&a[i + 1], &a[i], (n - i) * sizeof(a[0]));
	a[i] = x;
	if (b != NULL) {
		memmove(&b[i + 1], &b[i], (n - i) * sizeof(b[0]));
		b[i] = y;
	}
}

/* Forget every held stamp (into the floor) and start over at the front. */
static inline void
rm_grid_forget_all(struct rm_model *m)
{
	for (size_t i = m->gone; i < m->ngrid; i++)
		rm_raise(m, m->grid[i]);
	m->ngrid = m->gone = 0;
}

/* The grid's verdict on x (on the grid, above the floor, never accepted). */
static inline enum ttt_replay_verdict
rm_grid_judge(const struct rm_model *m, int64_t x, int64_t *pos)
{
	int64_t d;

	if (x > m->grid_top) {
		d = (rm_q(x) - rm_q(m->grid_top)) & TTT_REPLAY_SEQ_MASK;
		*pos = m->ptop + (d == 0 ? TTT_REPLAY_SEQ_MASK + 1 : d);
		return TTT_REPLAY_NEWEST;
	}
	d = (rm_q(m->grid_top) - rm_q(x)) & TTT_REPLAY_SEQ_MASK;
	if (d == 0)
		return TTT_REPLAY_TOO_OLD;
	*pos = m->ptop - d;
	if (rm_held_at(m, *pos) >= 0)
		return TTT_REPLAY_DUPLICATE;
	if (d > TTT_REPLAY_GRID_DEPTH)
		return TTT_REPLAY_TOO_OLD;
	return TTT_REPLAY_REORDERED;
}

/* Hold x at pos; a new top lets the blocks too far below it go. */
static inline void
rm_grid_accept(struct rm_model *m, int64_t x, int64_t pos)
{
	if (pos > m->ptop) {
		m->ptop = pos;
		m->grid_top = x;
		while (m->gone < m->ngrid &&
		    rm_block(m->grid_pos[m->gone]) <= rm_block(pos) - TTT_REPLAY_GRID_BLOCKS)
			rm_raise(m, m->grid[m->gone++]);
	}
	rm_insert(m->grid, m->grid_pos, m->ngrid, rm_lower(m->grid_pos, m->gone, m->ngrid, pos),
	    x, pos);
	m->ngrid++;
}

static inline void
rm_learn_tag(struct rm_model *m, int64_t x)
{
	unsigned low = (unsigned)(x & TTT_REPLAY_GRID_MASK);

	if (x < 0 || rm_on_grid(m, x)) {
		m->run = 0;
		return;
	}
	if (m->run > 0 && low == m->run_tag &&
	    rm_q(x) == ((m->run_q + 1) & TTT_REPLAY_SEQ_MASK)) {
		m->run++;
	} else {
		m->run_tag = low;
		m->run = 1;
	}
	m->run_q = rm_q(x);
	if (m->run < TTT_REPLAY_TAG_RUN)
		return;
	/* A new tag: the old one's grid no longer vouches for anything. */
	rm_grid_forget_all(m);
	m->tag = low;
	m->grid_top = x;
	/* Any multiple of 2^16 keeps positions congruent to q; this one keeps
	 * them above 0 for as deep as the grid looks. */
	m->ptop = rm_q(x) + 4 * (int64_t)(TTT_REPLAY_SEQ_MASK + 1);
	m->have_grid = 1;
	m->run = 0;
}

static inline enum ttt_replay_verdict
rm_update(struct rm_model *m, int64_t x)
{
	enum ttt_replay_verdict v;
	int64_t pos = 0;
	int grid = rm_on_grid(m, x);

	m->guarded = 0;
	if (m->have_floor && x <= m->floor)
		return TTT_REPLAY_TOO_OLD;
	if (rm_ever(m, x))
		return TTT_REPLAY_DUPLICATE;
	if (grid) {
		v = rm_grid_judge(m, x, &pos);
		if (!ttt_replay_accepted(v)) {
			m->guarded = 1;
			return v;
		}
	}
	if (m->nall == m->cap || (!grid && m->nacc == m->cap))
		abort();	/* the driver offered more than it made room for */
	v = (!m->have_top || x > m->top) ? TTT_REPLAY_NEWEST : TTT_REPLAY_REORDERED;
	rm_insert(m->sorted, NULL, m->nall, rm_lower(m->sorted, 0, m->nall, x), x, 0);
	m->nall++;
	if (grid) {
		rm_grid_accept(m, x, pos);
	} else {
		m->acc[m->nacc++] = x;
		/* The ring acceptance that just left the last TTT_REPLAY_DEPTH. */
		if (m->nacc > TTT_REPLAY_DEPTH)
			rm_raise(m, m->acc[m->nacc - TTT_REPLAY_DEPTH - 1]);
	}
	if (v == TTT_REPLAY_NEWEST) {
		m->top = x;
		m->have_top = 1;
		rm_learn_tag(m, x);
	}
	return v;
}

#endif

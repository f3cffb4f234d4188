/*
 * What every analysis driver hands its entry point: inputs EVA takes as
 * "any value", so that the analysis covers every run at once.
 */
#ifndef TTT_PROVE_H
#define TTT_PROVE_H

#include <stddef.h>
#include <stdint.h>
#include "__fc_builtin.h"

/*
 * Lengths up to this are analysed one at a time, with the input placed at
 * the very end of an otherwise unwritten buffer: a read one byte past the
 * input leaves the buffer (an invalid access), one byte before it reads
 * an unwritten byte (an uninitialised read), so the input's bounds are
 * checked exactly. The lengths between these and the longest ones
 * (PROVE_EXACT_TOP) are analysed all together, at the start
 * of a buffer of the caller's capacity filled with unknown bytes: every
 * access is checked against that capacity. Splitting every length up to
 * the largest datagram costs minutes a driver; up to this one, seconds.
 */
#define PROVE_EXACT_MAX 200
/* The same for the longest inputs, from cap - PROVE_EXACT_TOP to cap,
 * where a bound that is one too large would show. */
#define PROVE_EXACT_TOP 64

/*
 * An input of any length in [0, cap] and any bytes, in buf (cap bytes);
 * returns where it starts and sets *len.
 */
static inline const uint8_t *
any_input(uint8_t *buf, size_t cap, size_t *len)
{
	size_t n = Frama_C_size_t_interval(0, cap);
	uint8_t *p;

	/* Two branches, two splits: EVA splits on the values n has, and after
	 * an "or" it still holds the whole interval. */
	if (n <= PROVE_EXACT_MAX) {
		//@ split n;
		p = buf + cap - n;
		Frama_C_make_unknown((char *)p, n);
	} else if (n >= cap - PROVE_EXACT_TOP) {
		//@ split n;
		p = buf + cap - n;
		Frama_C_make_unknown((char *)p, n);
	} else {
		p = buf;
		Frama_C_make_unknown((char *)buf, cap);
	}
	*len = n;
	return p;
}

/* EVA prints this call when it reaches it: run.sh checks every driver's
 * end was reached, so an analysis that stopped early cannot pass. */
//@ assigns \nothing;
void Frama_C_show_each_reached(void);

static inline int64_t
any_i64(void)
{
	return Frama_C_long_long_interval(INT64_MIN, INT64_MAX);
}

#endif

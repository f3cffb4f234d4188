/*
 * What test_tso.c and test_uso.c share: the buffers a super-frame and a
 * stream of frames are built in, a reproducible random source, and the
 * driver that offers a stream to the coalescer as receive.c does, every
 * run checked by tests/model/tso_model.h. The including file defines
 * MAX_FRAME (the largest frame) and STREAM_MAX (frames a stream holds).
 */
#ifndef TTT_OFFLOAD_FIXTURE_H
#define TTT_OFFLOAD_FIXTURE_H

#include "coalesce.h"
#include "tso.h"
#include "../model/tso_model.h"

static uint8_t big[TTT_TSO_READ_BUF];	/* a super-frame, read */
static uint8_t seg[STREAM_MAX][MAX_FRAME + 64];
static size_t seglen[STREAM_MAX];
static uint8_t runbuf[TTT_COALESCE_BUF];
static uint8_t out[TTT_SUPER_MAX];

static uint64_t rng = 0x9e3779b97f4a7c15u;

/* xorshift64: the same stream on every run. */
static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void
fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* Offer frames seg[0..n-1] to a coalescer (udp: the tap takes UDP runs)
 * as receive.c does, every run written checked by the model; returns how
 * many writes. */
static unsigned
coalesce_stream(unsigned n, int udp)
{
	const uint8_t *fr[STREAM_MAX];
	const char *why;
	unsigned writes;

	for (unsigned k = 0; k < n; k++)
		fr[k] = seg[k];
	why = tm_coalesce(fr, seglen, n, udp, runbuf, out, sizeof(out), &writes);
	if (why != NULL)
		fail_msg("%s", why);
	return writes;
}

#endif

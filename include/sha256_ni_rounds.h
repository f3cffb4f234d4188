/*
 * The SHA-NI building blocks that the one-stream compression function
 * (sha256_ni.c) and the two-stream one (sha256_ni_x2.c) share, so the round
 * arithmetic is written once. Internal to those two files: every function
 * executes SHA/SSSE3/SSE4.1 instructions and must only run where
 * ttt_cpu_has_sha_ni() is true. How the instructions work: sha256_ni.c.
 *
 * Timing: no branch and no memory access depends on data or state.
 */
#ifndef TTT_SHA256_NI_ROUNDS_H
#define TTT_SHA256_NI_ROUNDS_H

#include <stddef.h>
#include <stdint.h>

#include "sha256_ni.h"

#if defined(__x86_64__) || defined(__i386__)
#define TTT_SHA_NI_X86 1
#include <immintrin.h>

/* pshufb needs SSSE3 and the ABEF/CDGH shuffles are SSE2; sse4.1 implies both. */
#define TTT_SHA_TARGET __attribute__((target("sha,sse4.1")))

#define TTT_SHA256_WORDS_PER_GROUP 4	/* message words in one 128-bit register */
#define TTT_SHA256_ROUND_GROUPS    16	/* 64 rounds, four per register of words */

/* FIPS 180-4, 4.2.2 (defined in sha256_ni.c) */
extern const uint32_t ttt_sha256_k[TTT_SHA256_WORDS_PER_GROUP * TTT_SHA256_ROUND_GROUPS];

/* The chaining value as SHA256RNDS2 wants it: {A,B,E,F} and {C,D,G,H}. */
struct ttt_sha256_ni_regs {
	__m128i abef, cdgh;
};

/*
 * a..d and e..h, each reversed to {D,C,B,A} and {H,G,F,E} (low lane first),
 * then recombined into {F,E,B,A} and {H,G,D,C}: A and C in the top lane.
 */
TTT_SHA_TARGET static inline struct ttt_sha256_ni_regs
ttt_sha256_ni_load(const uint32_t val[TTT_SHA256_STATE_WORDS])
{
	__m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const void *)&val[0]), 0x1b);
	__m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const void *)&val[4]), 0x1b);
	struct ttt_sha256_ni_regs r = {
		_mm_unpackhi_epi64(efgh, abcd), _mm_unpacklo_epi64(efgh, abcd),
	};

	return r;
}

/* Undo the split: {D,C,B,A} and {H,G,F,E}, reversed back to a..d, e..h. */
TTT_SHA_TARGET static inline void
ttt_sha256_ni_store(uint32_t val[TTT_SHA256_STATE_WORDS], struct ttt_sha256_ni_regs r)
{
	_mm_storeu_si128((void *)&val[0],
	    _mm_shuffle_epi32(_mm_unpackhi_epi64(r.cdgh, r.abef), 0x1b));
	_mm_storeu_si128((void *)&val[4],
	    _mm_shuffle_epi32(_mm_unpacklo_epi64(r.cdgh, r.abef), 0x1b));
}

/*
 * Four big-endian message words into one register, W[t] in the low lane:
 * the order SHA256MSG1/2 and the W+K addition expect.
 */
TTT_SHA_TARGET static inline __m128i
ttt_sha256_ni_words(const unsigned char *p)
{
	const __m128i bswap32 = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11,
	    4, 5, 6, 7, 0, 1, 2, 3);

	return _mm_shuffle_epi8(_mm_loadu_si128((const void *)p), bswap32);
}

/* Rounds 4g .. 4g+3 with message words w = W[4g .. 4g+3]. */
TTT_SHA_TARGET static inline void
ttt_sha256_ni_rounds4(struct ttt_sha256_ni_regs *r, __m128i w, size_t g)
{
	__m128i wk = _mm_add_epi32(w,
	    _mm_loadu_si128((const void *)&ttt_sha256_k[TTT_SHA256_WORDS_PER_GROUP * g]));

	/* The result lands in the CDGH register, which now holds ABEF ... */
	r->cdgh = _mm_sha256rnds2_epu32(r->cdgh, r->abef, wk);
	/* ... and the second pair swaps them back. RNDS2 reads only the low two
	 * words of W+K, so move the upper two down. */
	r->abef = _mm_sha256rnds2_epu32(r->abef, r->cdgh, _mm_shuffle_epi32(wk, 0x0e));
}

/* W[t .. t+3] from w0 = W[t-16 ..], w1 = W[t-12 ..], w2 = W[t-8 ..], w3 = W[t-4 ..]. */
TTT_SHA_TARGET static inline __m128i
ttt_sha256_ni_schedule(__m128i w0, __m128i w1, __m128i w2, __m128i w3)
{
	__m128i t;

	t = _mm_sha256msg1_epu32(w0, w1);		/* W[t-16] + s0(W[t-15]) */
	t = _mm_add_epi32(t, _mm_alignr_epi8(w3, w2, 4));	/* + W[t-7] */
	return _mm_sha256msg2_epu32(t, w3);		/* + s1(W[t-2]) */
}

/* The chaining value after a block: the block's input added back in. */
TTT_SHA_TARGET static inline void
ttt_sha256_ni_feed_forward(struct ttt_sha256_ni_regs *r, struct ttt_sha256_ni_regs in)
{
	r->abef = _mm_add_epi32(r->abef, in.abef);
	r->cdgh = _mm_add_epi32(r->cdgh, in.cdgh);
}

#else
#define TTT_SHA_NI_X86 0
#endif

#endif

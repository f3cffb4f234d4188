/*
 * Two SHA-256 streams interleaved on the SHA extensions (see sha256_ni_x2.h).
 * The rounds are sha256_ni.c's, from sha256_ni_rounds.h; what is new is
 * only the order: each group of four rounds of one stream is followed by the
 * same group of the other, so that while one stream's SHA256RNDS2 waits for
 * its predecessor the other's can issue. The compiler and the CPU's
 * out-of-order window do the fine interleaving; keeping the two in step
 * keeps both schedules within the sixteen vector registers as far as
 * possible.
 */
#include <stddef.h>
#include <stdint.h>

#include "sha256_ni_rounds.h"
#include "sha256_ni_x2.h"

#if TTT_SHA_NI_X86

/* One stream's message schedule: the last sixteen words, four a register. */
struct sched {
	__m128i w0, w1, w2, w3;
};

TTT_SHA_TARGET static inline struct sched
first_words(const unsigned char *d)
{
	struct sched s = {
		ttt_sha256_ni_words(d), ttt_sha256_ni_words(d + 16),
		ttt_sha256_ni_words(d + 32), ttt_sha256_ni_words(d + 48),
	};

	return s;
}

/* Rounds 4g .. 4g+15 of both streams, the schedule advanced first when g > 0. */
TTT_SHA_TARGET static inline void
sixteen_rounds(struct ttt_sha256_ni_regs *r0, struct ttt_sha256_ni_regs *r1,
    struct sched *m0, struct sched *m1, size_t g)
{
	if (g > 0) {
		m0->w0 = ttt_sha256_ni_schedule(m0->w0, m0->w1, m0->w2, m0->w3);
		m1->w0 = ttt_sha256_ni_schedule(m1->w0, m1->w1, m1->w2, m1->w3);
	}
	ttt_sha256_ni_rounds4(r0, m0->w0, g);
	ttt_sha256_ni_rounds4(r1, m1->w0, g);
	if (g > 0) {
		m0->w1 = ttt_sha256_ni_schedule(m0->w1, m0->w2, m0->w3, m0->w0);
		m1->w1 = ttt_sha256_ni_schedule(m1->w1, m1->w2, m1->w3, m1->w0);
	}
	ttt_sha256_ni_rounds4(r0, m0->w1, g + 1);
	ttt_sha256_ni_rounds4(r1, m1->w1, g + 1);
	if (g > 0) {
		m0->w2 = ttt_sha256_ni_schedule(m0->w2, m0->w3, m0->w0, m0->w1);
		m1->w2 = ttt_sha256_ni_schedule(m1->w2, m1->w3, m1->w0, m1->w1);
	}
	ttt_sha256_ni_rounds4(r0, m0->w2, g + 2);
	ttt_sha256_ni_rounds4(r1, m1->w2, g + 2);
	if (g > 0) {
		m0->w3 = ttt_sha256_ni_schedule(m0->w3, m0->w0, m0->w1, m0->w2);
		m1->w3 = ttt_sha256_ni_schedule(m1->w3, m1->w0, m1->w1, m1->w2);
	}
	ttt_sha256_ni_rounds4(r0, m0->w3, g + 3);
	ttt_sha256_ni_rounds4(r1, m1->w3, g + 3);
}

TTT_SHA_TARGET void
ttt_sha256_ni_x2_compress(uint32_t s0[TTT_SHA256_STATE_WORDS],
    uint32_t s1[TTT_SHA256_STATE_WORDS], const unsigned char *d0, const unsigned char *d1,
    size_t nblocks)
{
	struct ttt_sha256_ni_regs r0 = ttt_sha256_ni_load(s0), r1 = ttt_sha256_ni_load(s1);

	for (; nblocks > 0; nblocks--) {
		const struct ttt_sha256_ni_regs in0 = r0, in1 = r1;
		struct sched m0 = first_words(d0), m1 = first_words(d1);

		/* g is a constant after unrolling: the branches above vanish. */
		for (size_t g = 0; g < TTT_SHA256_ROUND_GROUPS; g += 4)
			sixteen_rounds(&r0, &r1, &m0, &m1, g);
		ttt_sha256_ni_feed_forward(&r0, in0);
		ttt_sha256_ni_feed_forward(&r1, in1);
		d0 += TTT_SHA256_BLOCK_LEN;
		d1 += TTT_SHA256_BLOCK_LEN;
	}
	ttt_sha256_ni_store(s0, r0);
	ttt_sha256_ni_store(s1, r1);
}

#else /* !TTT_SHA_NI_X86 */

/* No SHA extensions: hmac_x2.c never calls this without the SHA-NI class. */
void
ttt_sha256_ni_x2_compress(uint32_t s0[TTT_SHA256_STATE_WORDS],
    uint32_t s1[TTT_SHA256_STATE_WORDS], const unsigned char *d0, const unsigned char *d1,
    size_t nblocks)
{
	(void)s0;
	(void)s1;
	(void)d0;
	(void)d1;
	(void)nblocks;
	__builtin_trap();
}

#endif /* TTT_SHA_NI_X86 */

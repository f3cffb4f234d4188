/*
 * SHA-256 with the Intel SHA extensions, behind BearSSL's br_hash_class (see
 * sha256_ni.h). Written from the instruction descriptions in the Intel SDM:
 *
 *   SHA256RNDS2 runs two rounds. It takes the working variables split across
 *   two registers, {A,B,E,F} and {C,D,G,H} (A and C in the top 32 bits), plus
 *   W[t]+K[t] for the two rounds in the low 64 bits of a third, and returns
 *   the new {A,B,E,F}. After two rounds the old {A,B,E,F} is exactly the new
 *   {C,D,G,H}, so the two registers simply swap roles each call.
 *   SHA256MSG1 and SHA256MSG2 split the message schedule for four words,
 *   W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16], into the s0 part and
 *   the (serially dependent) s1 part; the W[t-7] term is added in between.
 *
 * Only the functions marked SHA_TARGET contain SHA/SSSE3/SSE4.1 instructions,
 * so the rest of the daemon still runs on CPUs without them.
 */
#include <stddef.h>
#include <string.h>

#include "sha256_ni.h"

#if defined(__x86_64__) || defined(__i386__)
#define TTT_SHA_NI_X86 1
#include <cpuid.h>
#include <immintrin.h>
#else
#define TTT_SHA_NI_X86 0
#endif

#define LENGTH_LEN      8	/* the padding's big-endian bit count */
#define PAD_MARKER      0x80	/* the single 1 bit that starts the padding */
#define BLOCK_MASK      ((uint64_t)TTT_SHA256_BLOCK_LEN - 1)
#define WORDS_PER_GROUP 4	/* message words in one 128-bit register */
#define ROUND_GROUPS    16	/* 64 rounds, four per register of words */
#define BLOCK_LOG2      6	/* the descriptor's LBLEN: log2 of the block size */

/* HMAC runs this class inside the br_hash_compat_context of br_hmac_context. */
_Static_assert(sizeof(struct ttt_sha256_ni_context) <= sizeof(br_hash_compat_context),
    "context must fit where BearSSL's HMAC stores a hash context");
_Static_assert(_Alignof(struct ttt_sha256_ni_context) <= _Alignof(br_hash_compat_context),
    "context must not need more alignment than br_hash_compat_context gives");
_Static_assert(1 << BLOCK_LOG2 == TTT_SHA256_BLOCK_LEN, "LBLEN must match the block size");
_Static_assert(offsetof(struct ttt_sha256_ni_context, vtable) == 0,
    "BearSSL passes a pointer to the vtable field as the context");

/* FIPS 180-4, 5.3.3 */
static const uint32_t sha256_iv[TTT_SHA256_STATE_WORDS] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

#if TTT_SHA_NI_X86

/* CPUID bits (Intel SDM vol. 2A, CPUID): leaf 1 ECX and leaf 7 subleaf 0 EBX. */
#define CPUID_LEAF_FEATURES  1
#define CPUID_LEAF_EXTENDED  7
#define CPUID_ECX_SSSE3      (1u << 9)
#define CPUID_ECX_SSE4_1     (1u << 19)
#define CPUID_EBX_SHA        (1u << 29)

/* pshufb needs SSSE3 and the ABEF/CDGH shuffles are SSE2; sse4.1 implies both. */
#define SHA_TARGET __attribute__((target("sha,sse4.1")))

/* FIPS 180-4, 4.2.2 */
static const uint32_t sha256_k[WORDS_PER_GROUP * ROUND_GROUPS] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/*
 * Four big-endian message words into one register, W[t] in the low lane:
 * the order SHA256MSG1/2 and the W+K addition expect.
 */
SHA_TARGET static inline __m128i
load_words(const unsigned char *p)
{
	const __m128i bswap32 = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11,
	    4, 5, 6, 7, 0, 1, 2, 3);

	return _mm_shuffle_epi8(_mm_loadu_si128((const void *)p), bswap32);
}

/* Rounds 4g .. 4g+3 with message words w = W[4g .. 4g+3]. */
SHA_TARGET static inline void
four_rounds(__m128i *abef, __m128i *cdgh, __m128i w, size_t g)
{
	__m128i wk = _mm_add_epi32(w,
	    _mm_loadu_si128((const void *)&sha256_k[WORDS_PER_GROUP * g]));

	/* The result lands in the CDGH register, which now holds ABEF ... */
	*cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, wk);
	/* ... and the second pair swaps them back. RNDS2 reads only the low two
	 * words of W+K, so move the upper two down. */
	*abef = _mm_sha256rnds2_epu32(*abef, *cdgh, _mm_shuffle_epi32(wk, 0x0e));
}

/* W[t .. t+3] from w0 = W[t-16 ..], w1 = W[t-12 ..], w2 = W[t-8 ..], w3 = W[t-4 ..]. */
SHA_TARGET static inline __m128i
next_words(__m128i w0, __m128i w1, __m128i w2, __m128i w3)
{
	__m128i t;

	t = _mm_sha256msg1_epu32(w0, w1);		/* W[t-16] + s0(W[t-15]) */
	t = _mm_add_epi32(t, _mm_alignr_epi8(w3, w2, 4));	/* + W[t-7] */
	return _mm_sha256msg2_epu32(t, w3);		/* + s1(W[t-2]) */
}

/*
 * Compress nblocks consecutive 64-byte blocks into val (a..h). The chaining
 * value stays in the ABEF/CDGH registers across blocks; the shuffles to and
 * from the a..h order are paid once per call.
 */
SHA_TARGET static void
compress(uint32_t val[TTT_SHA256_STATE_WORDS], const unsigned char *data, size_t nblocks)
{
	__m128i abcd, efgh, abef, cdgh;

	/* a..d and e..h, each reversed to {D,C,B,A} and {H,G,F,E} (low lane first),
	 * then recombined into {F,E,B,A} and {H,G,D,C}: A and C in the top lane. */
	abcd = _mm_shuffle_epi32(_mm_loadu_si128((const void *)&val[0]), 0x1b);
	efgh = _mm_shuffle_epi32(_mm_loadu_si128((const void *)&val[4]), 0x1b);
	abef = _mm_unpackhi_epi64(efgh, abcd);
	cdgh = _mm_unpacklo_epi64(efgh, abcd);

	for (; nblocks > 0; nblocks--, data += TTT_SHA256_BLOCK_LEN) {
		const __m128i abef_in = abef, cdgh_in = cdgh;
		__m128i w0, w1, w2, w3;

		w0 = load_words(data);
		w1 = load_words(data + 16);
		w2 = load_words(data + 32);
		w3 = load_words(data + 48);
		four_rounds(&abef, &cdgh, w0, 0);
		four_rounds(&abef, &cdgh, w1, 1);
		four_rounds(&abef, &cdgh, w2, 2);
		four_rounds(&abef, &cdgh, w3, 3);
		/* The schedule only ever looks back 16 words: four registers,
		 * each overwritten once its words are no longer needed. */
		for (size_t g = 4; g < ROUND_GROUPS; g += 4) {
			w0 = next_words(w0, w1, w2, w3);
			four_rounds(&abef, &cdgh, w0, g);
			w1 = next_words(w1, w2, w3, w0);
			four_rounds(&abef, &cdgh, w1, g + 1);
			w2 = next_words(w2, w3, w0, w1);
			four_rounds(&abef, &cdgh, w2, g + 2);
			w3 = next_words(w3, w0, w1, w2);
			four_rounds(&abef, &cdgh, w3, g + 3);
		}
		abef = _mm_add_epi32(abef, abef_in);
		cdgh = _mm_add_epi32(cdgh, cdgh_in);
	}

	/* Undo the split: {D,C,B,A} and {H,G,F,E}, reversed back to a..d, e..h. */
	abcd = _mm_shuffle_epi32(_mm_unpackhi_epi64(cdgh, abef), 0x1b);
	efgh = _mm_shuffle_epi32(_mm_unpacklo_epi64(cdgh, abef), 0x1b);
	_mm_storeu_si128((void *)&val[0], abcd);
	_mm_storeu_si128((void *)&val[4], efgh);
}

int
ttt_cpu_has_sha_ni(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (!__get_cpuid(CPUID_LEAF_FEATURES, &eax, &ebx, &ecx, &edx))
		return 0;
	if ((ecx & CPUID_ECX_SSSE3) == 0 || (ecx & CPUID_ECX_SSE4_1) == 0)
		return 0;
	/* __get_cpuid_count refuses a leaf above the CPU's maximum. */
	if (!__get_cpuid_count(CPUID_LEAF_EXTENDED, 0, &eax, &ebx, &ecx, &edx))
		return 0;
	return (ebx & CPUID_EBX_SHA) != 0;
}

#else /* !TTT_SHA_NI_X86 */

/* No SHA extensions to detect; ttt_sha256_select() never returns this class. */
static void
compress(uint32_t val[TTT_SHA256_STATE_WORDS], const unsigned char *data, size_t nblocks)
{
	(void)val;
	(void)data;
	(void)nblocks;
	__builtin_trap();
}

int
ttt_cpu_has_sha_ni(void)
{
	return 0;
}

#endif /* TTT_SHA_NI_X86 */

static void
enc32be(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
dec32be(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
enc64be(unsigned char *p, uint64_t v)
{
	enc32be(p, (uint32_t)(v >> 32));
	enc32be(p + 4, (uint32_t)v);
}

static void
enc_state(unsigned char *dst, const uint32_t val[TTT_SHA256_STATE_WORDS])
{
	for (size_t i = 0; i < TTT_SHA256_STATE_WORDS; i++)
		enc32be(dst + 4 * i, val[i]);
}

/* BearSSL hands methods a pointer to the context's first field, the vtable. */
static struct ttt_sha256_ni_context *
ctx_of(const br_hash_class **vt)
{
	return (struct ttt_sha256_ni_context *)(void *)vt;
}

static const struct ttt_sha256_ni_context *
const_ctx_of(const br_hash_class *const *vt)
{
	return (const struct ttt_sha256_ni_context *)(const void *)vt;
}

static void
ni_init(const br_hash_class **vt)
{
	struct ttt_sha256_ni_context *cc = ctx_of(vt);

	cc->vtable = &ttt_sha256_ni_vtable;
	memcpy(cc->val, sha256_iv, sizeof(cc->val));
	cc->count = 0;
}

static void
ni_update(const br_hash_class **vt, const void *data, size_t len)
{
	struct ttt_sha256_ni_context *cc = ctx_of(vt);
	const unsigned char *p = data;
	size_t used, nblocks;

	/* data may be NULL when len is 0 (BearSSL's contract): touch nothing. */
	if (len == 0)
		return;
	used = (size_t)(cc->count & BLOCK_MASK);
	cc->count += len;

	/* Top up a partial block first; whole blocks then go straight from the
	 * caller's buffer, with no copy. */
	if (used != 0) {
		size_t take = TTT_SHA256_BLOCK_LEN - used;

		if (take > len)
			take = len;
		memcpy(cc->buf + used, p, take);
		p += take;
		len -= take;
		if (used + take < TTT_SHA256_BLOCK_LEN)
			return;
		compress(cc->val, cc->buf, 1);
	}
	nblocks = len / TTT_SHA256_BLOCK_LEN;
	if (nblocks != 0) {
		compress(cc->val, p, nblocks);
		p += nblocks * TTT_SHA256_BLOCK_LEN;
		len -= nblocks * TTT_SHA256_BLOCK_LEN;
	}
	if (len != 0)
		memcpy(cc->buf, p, len);
}

/* The digest of everything so far; the context is left as it was. */
static void
ni_out(const br_hash_class *const *vt, void *dst)
{
	const struct ttt_sha256_ni_context *cc = const_ctx_of(vt);
	unsigned char last[2 * TTT_SHA256_BLOCK_LEN];
	uint32_t val[TTT_SHA256_STATE_WORDS];
	size_t used = (size_t)(cc->count & BLOCK_MASK);
	size_t nlast;

	/* Padding: 0x80, zeros, the bit length. It spills into a second block
	 * when the marker and the length do not fit after the data. */
	nlast = used + 1 + LENGTH_LEN <= TTT_SHA256_BLOCK_LEN ?
	    TTT_SHA256_BLOCK_LEN : 2 * TTT_SHA256_BLOCK_LEN;
	memcpy(last, cc->buf, used);
	last[used] = PAD_MARKER;
	memset(last + used + 1, 0, nlast - LENGTH_LEN - used - 1);
	enc64be(last + nlast - LENGTH_LEN, cc->count << 3);

	memcpy(val, cc->val, sizeof(val));
	compress(val, last, nlast / TTT_SHA256_BLOCK_LEN);
	enc_state(dst, val);
}

/* BearSSL's format: a..h big-endian; the byte count is the return value. */
static uint64_t
ni_state(const br_hash_class *const *vt, void *dst)
{
	const struct ttt_sha256_ni_context *cc = const_ctx_of(vt);

	enc_state(dst, cc->val);
	return cc->count;
}

/* As BearSSL: meaningful only for a count on a block boundary (HMAC's case). */
static void
ni_set_state(const br_hash_class **vt, const void *stb, uint64_t count)
{
	struct ttt_sha256_ni_context *cc = ctx_of(vt);
	const unsigned char *p = stb;

	for (size_t i = 0; i < TTT_SHA256_STATE_WORDS; i++)
		cc->val[i] = dec32be(p + 4 * i);
	cc->count = count;
}

const br_hash_class ttt_sha256_ni_vtable = {
	sizeof(struct ttt_sha256_ni_context),
	BR_HASHDESC_ID(br_sha256_ID)
	    | BR_HASHDESC_OUT(br_sha256_SIZE)
	    | BR_HASHDESC_STATE(TTT_SHA256_STATE_LEN)
	    | BR_HASHDESC_LBLEN(BLOCK_LOG2)
	    | BR_HASHDESC_MD_PADDING
	    | BR_HASHDESC_MD_PADDING_BE,
	ni_init,
	ni_update,
	ni_out,
	ni_state,
	ni_set_state,
};

const br_hash_class *
ttt_sha256_select(int want_ni)
{
	if (!want_ni)
		return &br_sha256_vtable;
	return ttt_cpu_has_sha_ni() ? &ttt_sha256_ni_vtable : NULL;
}

const br_hash_class *
ttt_sha256_best(void)
{
	const br_hash_class *ni = ttt_sha256_select(1);

	return ni != NULL ? ni : &br_sha256_vtable;
}

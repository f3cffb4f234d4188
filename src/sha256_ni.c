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
 * Only the functions marked TTT_SHA_TARGET contain SHA/SSSE3/SSE4.1
 * instructions, so the rest of the daemon still runs on CPUs without them.
 * The round helpers live in sha256_ni_rounds.h, shared with sha256_ni_x2.c.
 */
#include <stddef.h>
#include <string.h>

#include "sha256_ni.h"
#include "sha256_ni_rounds.h"

#if TTT_SHA_NI_X86
#include <cpuid.h>
#endif

#define LENGTH_LEN      TTT_SHA256_LENGTH_LEN
#define PAD_MARKER      0x80	/* the single 1 bit that starts the padding */
#define BLOCK_MASK      ((uint64_t)TTT_SHA256_BLOCK_LEN - 1)
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

/* FIPS 180-4, 4.2.2; sha256_ni_rounds.h reads it for both compression functions. */
const uint32_t ttt_sha256_k[TTT_SHA256_WORDS_PER_GROUP * TTT_SHA256_ROUND_GROUPS] = {
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
 * Compress nblocks consecutive 64-byte blocks into val (a..h). The chaining
 * value stays in the ABEF/CDGH registers across blocks; the shuffles to and
 * from the a..h order are paid once per call.
 */
TTT_SHA_TARGET void
ttt_sha256_ni_compress(uint32_t val[TTT_SHA256_STATE_WORDS], const unsigned char *data,
    size_t nblocks)
{
	struct ttt_sha256_ni_regs r = ttt_sha256_ni_load(val);

	for (; nblocks > 0; nblocks--, data += TTT_SHA256_BLOCK_LEN) {
		const struct ttt_sha256_ni_regs in = r;
		__m128i w0, w1, w2, w3;

		w0 = ttt_sha256_ni_words(data);
		w1 = ttt_sha256_ni_words(data + 16);
		w2 = ttt_sha256_ni_words(data + 32);
		w3 = ttt_sha256_ni_words(data + 48);
		ttt_sha256_ni_rounds4(&r, w0, 0);
		ttt_sha256_ni_rounds4(&r, w1, 1);
		ttt_sha256_ni_rounds4(&r, w2, 2);
		ttt_sha256_ni_rounds4(&r, w3, 3);
		/* The schedule only ever looks back 16 words: four registers,
		 * each overwritten once its words are no longer needed. */
		for (size_t g = 4; g < TTT_SHA256_ROUND_GROUPS; g += 4) {
			w0 = ttt_sha256_ni_schedule(w0, w1, w2, w3);
			ttt_sha256_ni_rounds4(&r, w0, g);
			w1 = ttt_sha256_ni_schedule(w1, w2, w3, w0);
			ttt_sha256_ni_rounds4(&r, w1, g + 1);
			w2 = ttt_sha256_ni_schedule(w2, w3, w0, w1);
			ttt_sha256_ni_rounds4(&r, w2, g + 2);
			w3 = ttt_sha256_ni_schedule(w3, w0, w1, w2);
			ttt_sha256_ni_rounds4(&r, w3, g + 3);
		}
		ttt_sha256_ni_feed_forward(&r, in);
	}
	ttt_sha256_ni_store(val, r);
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
void
ttt_sha256_ni_compress(uint32_t val[TTT_SHA256_STATE_WORDS], const unsigned char *data,
    size_t nblocks)
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

void
ttt_sha256_pad_length(unsigned char dst[TTT_SHA256_LENGTH_LEN], uint64_t bytes)
{
	enc32be(dst, (uint32_t)(bytes >> 29));
	enc32be(dst + 4, (uint32_t)(bytes << 3));
}

void
ttt_sha256_state_enc(unsigned char dst[TTT_SHA256_STATE_LEN],
    const uint32_t val[TTT_SHA256_STATE_WORDS])
{
	for (size_t i = 0; i < TTT_SHA256_STATE_WORDS; i++)
		enc32be(dst + 4 * i, val[i]);
}

void
ttt_sha256_state_dec(uint32_t val[TTT_SHA256_STATE_WORDS],
    const unsigned char src[TTT_SHA256_STATE_LEN])
{
	for (size_t i = 0; i < TTT_SHA256_STATE_WORDS; i++)
		val[i] = dec32be(src + 4 * i);
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
		ttt_sha256_ni_compress(cc->val, cc->buf, 1);
	}
	nblocks = len / TTT_SHA256_BLOCK_LEN;
	if (nblocks != 0) {
		ttt_sha256_ni_compress(cc->val, p, nblocks);
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
	ttt_sha256_pad_length(last + nlast - LENGTH_LEN, cc->count);

	memcpy(val, cc->val, sizeof(val));
	ttt_sha256_ni_compress(val, last, nlast / TTT_SHA256_BLOCK_LEN);
	ttt_sha256_state_enc(dst, val);
}

/* BearSSL's format: a..h big-endian; the byte count is the return value. */
static uint64_t
ni_state(const br_hash_class *const *vt, void *dst)
{
	const struct ttt_sha256_ni_context *cc = const_ctx_of(vt);

	ttt_sha256_state_enc(dst, cc->val);
	return cc->count;
}

/* As BearSSL: meaningful only for a count on a block boundary (HMAC's case). */
static void
ni_set_state(const br_hash_class **vt, const void *stb, uint64_t count)
{
	struct ttt_sha256_ni_context *cc = ctx_of(vt);

	ttt_sha256_state_dec(cc->val, stb);
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

/*
 * Tests for src/sha256_ni_x2.c and src/hmac_x2.c: two SHA-256 streams at
 * once, and HMAC-SHA256 of two messages at once, against published vectors
 * (FIPS 180-4 examples, RFC 4231: sha256_vectors.h) and against BearSSL's
 * portable br_sha256 / br_hmac on random inputs: every message length
 * 0..2100, each paired with one of another length, at unaligned addresses.
 *
 * Tests that need the SHA extensions skip, never pass, on a CPU without
 * them (or with TTT_TEST_NO_SHA_NI=1); the HMAC tests also run under a key
 * processed for the portable class, which takes the one-at-a-time path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vectors.h"
#include "sha256_vectors.h"

#include <stdlib.h>
#include <string.h>

#include <bearssl_hash.h>
#include <bearssl_hmac.h>

#include "hmac_x2.h"
#include "sha256_ni.h"
#include "sha256_ni_x2.h"

#define DIGEST_LEN      br_sha256_SIZE
#define BLOCK           TTT_SHA256_BLOCK_LEN
#define PAIR_MAX_LEN    2100	/* every length 0..this, each with a partner */
#define PAD_MAX         (2 * BLOCK)	/* padding spills into a second block at most */
#define MISALIGN_MAX    16
#define KEY_MAX         200	/* over a block: such keys are hashed first */
#define MILLION         1000000
#define COMPRESS_TRIALS 200
#define COMPRESS_BLOCKS 5	/* 1..this blocks a call */
#define PRNG_SEED       UINT64_C(0x7474745f73783221)	/* fixed: failures reproduce */
#define NIST_N          (sizeof(nist) / sizeof(nist[0]))
#define RFC_N           (sizeof(rfc4231) / sizeof(rfc4231[0]))

static const br_hash_class *
ni_or_skip(void)
{
	const br_hash_class *h = ni_disabled_by_env() ? NULL : ttt_sha256_select(1);

	if (h == NULL)
		skip();
	return h;
}

/* The class an HMAC test processes its keys for: SHA-NI, or portable. */
static const br_hash_class *
class_or_skip(void **state)
{
	return *(const int *)*state ? ni_or_skip() : &br_sha256_vtable;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* FIPS 180-4 padding, written here, not taken from the code under test. */
static size_t
pad(const uint8_t *m, size_t len, uint8_t *out)
{
	size_t n = (len + 1 + 8 + BLOCK - 1) / BLOCK * BLOCK;
	uint64_t bits = (uint64_t)len * 8;

	memcpy(out, m, len);
	memset(out + len, 0, n - len);
	out[len] = 0x80;
	put_be32(out + n - 8, (uint32_t)(bits >> 32));
	put_be32(out + n - 4, (uint32_t)bits);
	return n / BLOCK;
}

static const uint32_t iv[TTT_SHA256_STATE_WORDS] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static void
digest_of(const uint32_t st[TTT_SHA256_STATE_WORDS], uint8_t out[DIGEST_LEN])
{
	for (int i = 0; i < TTT_SHA256_STATE_WORDS; i++)
		put_be32(out + 4 * i, st[i]);
}

/* ---- the compression function: published digests ------------------------ */

/* SHA-256 of two padded messages: the common blocks two at a time. */
static void
sha256_two(const uint8_t *p0, size_t n0, const uint8_t *p1, size_t n1,
    uint8_t d0[DIGEST_LEN], uint8_t d1[DIGEST_LEN])
{
	uint32_t s0[TTT_SHA256_STATE_WORDS], s1[TTT_SHA256_STATE_WORDS];
	size_t n = n0 < n1 ? n0 : n1;

	memcpy(s0, iv, sizeof(iv));
	memcpy(s1, iv, sizeof(iv));
	ttt_sha256_ni_x2_compress(s0, s1, p0, p1, n);
	ttt_sha256_ni_compress(s0, p0 + n * BLOCK, n0 - n);
	ttt_sha256_ni_compress(s1, p1 + n * BLOCK, n1 - n);
	digest_of(s0, d0);
	digest_of(s1, d1);
}

static void
test_nist_pairs(void **state)
{
	uint8_t p0[4 * BLOCK], p1[4 * BLOCK];
	uint8_t want0[DIGEST_LEN], want1[DIGEST_LEN], got0[DIGEST_LEN], got1[DIGEST_LEN];

	(void)state;
	ni_or_skip();
	/* Every ordered pair: each vector in either lane, with each partner. */
	for (size_t i = 0; i < NIST_N; i++) {
		for (size_t j = 0; j < NIST_N; j++) {
			size_t n0 = pad((const uint8_t *)nist[i].msg, strlen(nist[i].msg), p0);
			size_t n1 = pad((const uint8_t *)nist[j].msg, strlen(nist[j].msg), p1);

			assert_int_equal(tv_hex_decode(nist[i].digest, 64, want0, DIGEST_LEN), DIGEST_LEN);
			assert_int_equal(tv_hex_decode(nist[j].digest, 64, want1, DIGEST_LEN), DIGEST_LEN);
			sha256_two(p0, n0, p1, n1, got0, got1);
			assert_memory_equal(got0, want0, DIGEST_LEN);
			assert_memory_equal(got1, want1, DIGEST_LEN);
		}
	}
}

/* A million 'a' in both lanes: 15,626 blocks through one call. */
static void
test_million_a(void **state)
{
	size_t n = (MILLION + 1 + 8 + BLOCK - 1) / BLOCK;
	uint8_t *a = malloc(n * BLOCK), *b = malloc(n * BLOCK), *ma = malloc(MILLION);
	uint8_t want[DIGEST_LEN], got0[DIGEST_LEN], got1[DIGEST_LEN];

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(ma);
	if (ni_disabled_by_env() || ttt_sha256_select(1) == NULL) {
		free(a);
		free(b);
		free(ma);
		skip();
	}
	memset(ma, 'a', MILLION);
	assert_int_equal(pad(ma, MILLION, a), n);
	memcpy(b, a, n * BLOCK);
	sha256_two(a, n, b, n, got0, got1);
	assert_int_equal(tv_hex_decode(million_a_digest, 64, want, DIGEST_LEN), DIGEST_LEN);
	assert_memory_equal(got0, want, DIGEST_LEN);
	assert_memory_equal(got1, want, DIGEST_LEN);
	free(a);
	free(b);
	free(ma);
}

/* Portable SHA-256 from state st (BearSSL's encoding) over n whole blocks. */
static void
portable_compress(uint32_t st[TTT_SHA256_STATE_WORDS], const uint8_t *p, size_t n)
{
	br_sha256_context c;
	uint8_t enc[TTT_SHA256_STATE_LEN];

	digest_of(st, enc);
	br_sha256_init(&c);
	br_sha256_set_state(&c, enc, BLOCK);
	br_sha256_update(&c, p, n * BLOCK);
	(void)br_sha256_state(&c, enc);
	for (int i = 0; i < TTT_SHA256_STATE_WORDS; i++)
		st[i] = be32(enc + 4 * i);
}

/* Random states and blocks: each lane as the portable code leaves it. */
static void
test_compress_random(void **state)
{
	uint8_t buf[2][MISALIGN_MAX + COMPRESS_BLOCKS * BLOCK];
	uint64_t rng = PRNG_SEED;

	(void)state;
	ni_or_skip();
	for (int t = 0; t < COMPRESS_TRIALS; t++) {
		uint32_t s[2][TTT_SHA256_STATE_WORDS], want[2][TTT_SHA256_STATE_WORDS];
		size_t n = 1 + prng_below(&rng, COMPRESS_BLOCKS);
		uint8_t *d[2];

		for (int l = 0; l < 2; l++) {
			d[l] = buf[l] + prng_below(&rng, MISALIGN_MAX);
			prng_fill(&rng, d[l], n * BLOCK);
			prng_fill(&rng, (uint8_t *)s[l], sizeof(s[l]));
			memcpy(want[l], s[l], sizeof(s[l]));
			portable_compress(want[l], d[l], n);
		}
		ttt_sha256_ni_x2_compress(s[0], s[1], d[0], d[1], n);
		assert_memory_equal(s[0], want[0], sizeof(s[0]));
		assert_memory_equal(s[1], want[1], sizeof(s[1]));
	}
}

/* ---- HMAC of two messages ----------------------------------------------- */

static void
hmac_portable(const uint8_t *key, size_t klen, const uint8_t *m, size_t len,
    uint8_t out[DIGEST_LEN])
{
	br_hmac_key_context kc;
	br_hmac_context c;

	br_hmac_key_init(&kc, &br_sha256_vtable, key, klen);
	br_hmac_init(&c, &kc, 0);
	br_hmac_update(&c, m, len);
	br_hmac_out(&c, out);
}

/* An RFC 4231 case's key and data, decoded. */
static void
rfc_case(size_t i, uint8_t *key, size_t *klen, const uint8_t **data, size_t *dlen,
    uint8_t *scratch)
{
	long n = tv_hex_decode(rfc4231[i].key_hex, strlen(rfc4231[i].key_hex), key, KEY_MAX);

	assert_true(n > 0);
	*klen = (size_t)n;
	if (rfc4231[i].data_text != NULL) {
		*data = (const uint8_t *)rfc4231[i].data_text;
		*dlen = strlen(rfc4231[i].data_text);
		return;
	}
	n = tv_hex_decode(rfc4231[i].data_hex, strlen(rfc4231[i].data_hex), scratch, KEY_MAX);
	assert_true(n > 0);
	*data = scratch;
	*dlen = (size_t)n;
}

/* Case i's data in lane 0 gives the RFC's MAC; any case's data in lane 1,
 * under case i's key, gives what the portable code gives. Both orders. */
static void
test_hmac_rfc4231_pairs(void **state)
{
	const br_hash_class *h = class_or_skip(state);

	for (size_t i = 0; i < RFC_N; i++) {
		uint8_t key[KEY_MAX], s0[KEY_MAX], s1[KEY_MAX], k1[KEY_MAX], want[DIGEST_LEN];
		const uint8_t *d0, *d1;
		size_t klen, k1len, l0, l1;
		br_hmac_key_context kc;
		long mlen = tv_hex_decode(rfc4231[i].mac_hex, strlen(rfc4231[i].mac_hex), want,
		    sizeof(want));

		assert_true(mlen > 0);
		rfc_case(i, key, &klen, &d0, &l0, s0);
		br_hmac_key_init(&kc, h, key, klen);
		for (size_t j = 0; j < RFC_N; j++) {
			uint8_t a[DIGEST_LEN], b[DIGEST_LEN], other[DIGEST_LEN];

			rfc_case(j, k1, &k1len, &d1, &l1, s1);
			hmac_portable(key, klen, d1, l1, other);
			ttt_hmac_x2(&kc, d0, l0, d1, l1, a, b);
			if (memcmp(a, want, (size_t)mlen) != 0 || memcmp(b, other, DIGEST_LEN) != 0)
				fail_msg("RFC 4231 case %zu with case %zu's data: MAC differs", i + 1, j + 1);
			ttt_hmac_x2(&kc, d1, l1, d0, l0, b, a);
			if (memcmp(a, want, (size_t)mlen) != 0 || memcmp(b, other, DIGEST_LEN) != 0)
				fail_msg("case %zu's data with RFC 4231 case %zu: MAC differs", j + 1, i + 1);
		}
	}
}

/* A partner for a message of len bytes: another length, often the same
 * number of blocks, sometimes a block or many more or fewer. */
static size_t
partner_len(uint64_t *rng, size_t len)
{
	size_t other;

	switch (prng_below(rng, 4)) {
	case 0:
		other = len / BLOCK * BLOCK + prng_below(rng, BLOCK);
		break;
	case 1:
		other = len + 1 + prng_below(rng, 2 * BLOCK);
		break;
	case 2:
		other = len > BLOCK ? len - 1 - prng_below(rng, BLOCK) : prng_below(rng, BLOCK);
		break;
	default:
		other = prng_below(rng, PAIR_MAX_LEN + 1);
		break;
	}
	return other > PAIR_MAX_LEN ? PAIR_MAX_LEN : other;
}

/* Every length 0..2100 with a partner, keys of every size up to 200 bytes. */
static void
test_hmac_random_pairs(void **state)
{
	const br_hash_class *h = class_or_skip(state);
	static uint8_t buf[2][MISALIGN_MAX + PAIR_MAX_LEN];
	uint64_t rng = PRNG_SEED;

	for (size_t len = 0; len <= PAIR_MAX_LEN; len++) {
		size_t l1 = partner_len(&rng, len), klen = 1 + prng_below(&rng, KEY_MAX);
		uint8_t key[KEY_MAX], want[2][DIGEST_LEN], got[2][DIGEST_LEN];
		uint8_t *m0 = buf[0] + prng_below(&rng, MISALIGN_MAX);
		uint8_t *m1 = buf[1] + prng_below(&rng, MISALIGN_MAX);
		br_hmac_key_context kc;

		prng_fill(&rng, key, klen);
		prng_fill(&rng, m0, len);
		prng_fill(&rng, m1, l1);
		hmac_portable(key, klen, m0, len, want[0]);
		hmac_portable(key, klen, m1, l1, want[1]);
		br_hmac_key_init(&kc, h, key, klen);
		ttt_hmac_x2(&kc, m0, len, m1, l1, got[0], got[1]);
		if (memcmp(got[0], want[0], DIGEST_LEN) != 0 ||
		    memcmp(got[1], want[1], DIGEST_LEN) != 0)
			fail_msg("lengths %zu and %zu, a %zu-byte key: MAC differs", len, l1, klen);
	}
}

/* The same message in both lanes, and empty messages (NULL, BearSSL's way). */
static void
test_hmac_edges(void **state)
{
	const br_hash_class *h = class_or_skip(state);
	uint8_t key[] = "key", m[3 * BLOCK], want[DIGEST_LEN], empty[DIGEST_LEN];
	uint8_t a[DIGEST_LEN], b[DIGEST_LEN];
	br_hmac_key_context kc;

	for (size_t i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)i;
	br_hmac_key_init(&kc, h, key, sizeof(key) - 1);
	hmac_portable(key, sizeof(key) - 1, m, sizeof(m), want);
	hmac_portable(key, sizeof(key) - 1, NULL, 0, empty);
	ttt_hmac_x2(&kc, m, sizeof(m), m, sizeof(m), a, b);
	assert_memory_equal(a, want, DIGEST_LEN);
	assert_memory_equal(b, want, DIGEST_LEN);
	ttt_hmac_x2(&kc, NULL, 0, m, sizeof(m), a, b);
	assert_memory_equal(a, empty, DIGEST_LEN);
	assert_memory_equal(b, want, DIGEST_LEN);
	ttt_hmac_x2(&kc, NULL, 0, NULL, 0, a, b);
	assert_memory_equal(a, empty, DIGEST_LEN);
	assert_memory_equal(b, empty, DIGEST_LEN);
}

static int use_ni = 1, use_portable = 0;

#define PER_CLASS(fn, label) \
	{ label "/sha-ni", fn, NULL, NULL, &use_ni }, \
	{ label "/portable", fn, NULL, NULL, &use_portable }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nist_pairs),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_compress_random),
		PER_CLASS(test_hmac_rfc4231_pairs, "hmac_rfc4231_pairs"),
		PER_CLASS(test_hmac_random_pairs, "hmac_random_pairs"),
		PER_CLASS(test_hmac_edges, "hmac_edges"),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

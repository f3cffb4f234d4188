/*
 * Tests for src/sha256_ni.c: the SHA-NI class against published vectors and
 * against BearSSL's portable SHA-256, through the raw hash API, through
 * br_hmac (RFC 4231), and through the frame codec (tests/vectors/frames.txt).
 *
 * Every test that needs the SHA extensions reports itself as skipped, never
 * as passed, on a CPU without them. TTT_TEST_NO_SHA_NI=1 in the environment
 * makes them skip on a CPU that has them, to check exactly that.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vectors.h"
#include "sha256_vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl_hash.h>
#include <bearssl_hmac.h>

#include "frame.h"
#include "sha256_ni.h"
#include "wire.h"

#define DIGEST_LEN       br_sha256_SIZE
#define RANDOM_MAX_LEN   300	/* every input length 0..this */
#define RANDOM_SPLITS    3	/* cut points per input */
#define RANDOM_TRIALS    4	/* split patterns per length */
#define RANDOM_TAIL_MAX  70	/* bytes fed after a first out(), over a block */
#define MISALIGN_MAX     16	/* data offsets tried, so loads are unaligned */
#define MILLION          1000000
#define MILLION_CHUNK    1000
#define PRNG_SEED        UINT64_C(0x7474745f73686132)	/* fixed: failures reproduce */
#define MAX_KEY_LEN      256
#define VECTOR_FIELDS    6	/* name|key|now|datagram|expect|frame */
#define FRAMES_FILE      TTT_SRCDIR "/tests/vectors/frames.txt"

/* Which implementation a test runs against; its initial state. */
struct impl {
	const char *name;
	int want_ni;
};

static struct impl impl_portable = { "portable", 0 };
static struct impl impl_ni = { "sha-ni", 1 };

/* The class for this test, or a cmocka skip when it needs absent SHA-NI. */
static const br_hash_class *
hash_or_skip(void **state)
{
	const struct impl *im = *state;
	const br_hash_class *h;

	if (im->want_ni && ni_disabled_by_env())
		skip();
	h = ttt_sha256_select(im->want_ni);
	if (h == NULL)
		skip();
	return h;
}

static const br_hash_class *
ni_or_skip(void)
{
	void *st = &impl_ni;

	return hash_or_skip(&st);
}

#define hex_decode tv_hex_decode

static void
hex_to(const char *hex, uint8_t *out, size_t len)
{
	assert_int_equal(hex_decode(hex, strlen(hex), out, len), (long)len);
}

#define b64_decode tv_b64_decode

static void
hash_buf(const br_hash_class *h, const void *data, size_t len, uint8_t out[DIGEST_LEN])
{
	br_hash_compat_context hc;

	h->init(&hc.vtable);
	h->update(&hc.vtable, data, len);
	h->out(&hc.vtable, out);
}

/* ---- selection ---------------------------------------------------------- */

/* The kernel's view of the CPU: 1/0, or -1 if /proc/cpuinfo is unreadable. */
static int
cpuinfo_has_flag(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char *line = NULL;
	size_t cap = 0;
	int found = -1;

	if (f == NULL)
		return -1;
	while (getline(&line, &cap, f) != -1) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "flags", 5) != 0 || colon == NULL)
			continue;
		found = 0;
		for (char *tok = strtok(colon + 1, " \n"); tok != NULL;
		    tok = strtok(NULL, " \n"))
			if (strcmp(tok, flag) == 0)
				found = 1;
		break;
	}
	free(line);
	fclose(f);
	return found;
}

static void
test_select(void **state)
{
	int has = ttt_cpu_has_sha_ni();
	int sha = cpuinfo_has_flag("sha_ni"), s41 = cpuinfo_has_flag("sse4_1"),
	    s3 = cpuinfo_has_flag("ssse3");

	(void)state;
	/* CPUID and the kernel must agree (when the kernel tells us). */
	if (sha >= 0 && s41 >= 0 && s3 >= 0)
		assert_int_equal(has, sha && s41 && s3);
	print_message("SHA-NI: %s\n", has ? "present" : "absent");

	assert_ptr_equal(ttt_sha256_select(0), &br_sha256_vtable);
	if (has) {
		assert_ptr_equal(ttt_sha256_select(1), &ttt_sha256_ni_vtable);
		assert_ptr_equal(ttt_sha256_best(), &ttt_sha256_ni_vtable);
	} else {
		assert_null(ttt_sha256_select(1));
		assert_ptr_equal(ttt_sha256_best(), &br_sha256_vtable);
	}

	/* A drop-in for br_sha256_vtable, as br_hmac sees it. */
	assert_int_equal(ttt_sha256_ni_vtable.desc, br_sha256_vtable.desc);
	assert_true(ttt_sha256_ni_vtable.context_size <= sizeof(br_hash_compat_context));
}

/* ---- NIST vectors (sha256_vectors.h) ----------------------------------- */

static void
test_nist(void **state)
{
	const br_hash_class *h = hash_or_skip(state);
	uint8_t want[DIGEST_LEN], got[DIGEST_LEN];
	uint8_t chunk[MILLION_CHUNK];
	br_hash_compat_context hc;

	for (size_t i = 0; i < sizeof(nist) / sizeof(nist[0]); i++) {
		hex_to(nist[i].digest, want, sizeof(want));
		hash_buf(h, nist[i].msg, strlen(nist[i].msg), got);
		assert_memory_equal(got, want, DIGEST_LEN);
	}

	memset(chunk, 'a', sizeof(chunk));
	h->init(&hc.vtable);
	for (size_t n = 0; n < MILLION; n += sizeof(chunk))
		h->update(&hc.vtable, chunk, sizeof(chunk));
	h->out(&hc.vtable, got);
	hex_to(million_a_digest, want, sizeof(want));
	assert_memory_equal(got, want, DIGEST_LEN);
}

/* ---- random lengths and splits against the portable code ----------------- */

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

static void
test_random_vs_portable(void **state)
{
	const br_hash_class *ni = ni_or_skip();
	uint8_t buf[MISALIGN_MAX + RANDOM_MAX_LEN + RANDOM_TAIL_MAX];
	uint8_t want[DIGEST_LEN], got[DIGEST_LEN];
	uint64_t rng = PRNG_SEED;

	(void)state;
	for (size_t len = 0; len <= RANDOM_MAX_LEN; len++) {
		for (int trial = 0; trial < RANDOM_TRIALS; trial++) {
			size_t off = prng_below(&rng, MISALIGN_MAX);
			size_t tail = prng_below(&rng, RANDOM_TAIL_MAX + 1);
			size_t cut[RANDOM_SPLITS + 2];
			uint8_t *msg = buf + off;
			br_hash_compat_context hc;

			prng_fill(&rng, msg, len + tail);
			cut[0] = 0;
			for (int i = 1; i <= RANDOM_SPLITS; i++)
				cut[i] = prng_below(&rng, len + 1);
			cut[RANDOM_SPLITS + 1] = len;
			qsort(cut + 1, RANDOM_SPLITS, sizeof(cut[0]), cmp_size);

			ni->init(&hc.vtable);
			for (int i = 0; i <= RANDOM_SPLITS; i++)
				ni->update(&hc.vtable, msg + cut[i], cut[i + 1] - cut[i]);
			ni->out(&hc.vtable, got);
			hash_buf(&br_sha256_vtable, msg, len, want);
			if (memcmp(got, want, DIGEST_LEN) != 0)
				fail_msg("len %zu trial %d: digest differs", len, trial);

			/* out() must leave the context as it was: keep going. */
			ni->update(&hc.vtable, msg + len, tail);
			ni->out(&hc.vtable, got);
			hash_buf(&br_sha256_vtable, msg, len + tail, want);
			if (memcmp(got, want, DIGEST_LEN) != 0)
				fail_msg("len %zu+%zu trial %d: digest after out() differs",
				    len, tail, trial);
		}
	}
}

/* ---- state() / set_state() ---------------------------------------------- */

#define STATE_MSG_LEN (3 * TTT_SHA256_BLOCK_LEN + 17)

static void
test_state_roundtrip(void **state)
{
	const br_hash_class *h = hash_or_skip(state);
	uint8_t msg[STATE_MSG_LEN], want[DIGEST_LEN], got[DIGEST_LEN];
	uint8_t st[TTT_SHA256_STATE_LEN], st_block[TTT_SHA256_STATE_LEN];
	br_hash_compat_context a, b;
	uint64_t rng = PRNG_SEED;
	uint8_t iv[TTT_SHA256_STATE_LEN];

	prng_fill(&rng, msg, sizeof(msg));
	hash_buf(&br_sha256_vtable, msg, sizeof(msg), want);

	/* A fresh context's state is the IV, count 0. */
	h->init(&a.vtable);
	assert_int_equal(h->state(&a.vtable, iv), 0);
	hex_to("6a09e667bb67ae853c6ef372a54ff53a510e527f9b05688c1f83d9ab5be0cd19",
	    st, sizeof(st));
	assert_memory_equal(iv, st, sizeof(st));

	/* Save at every block boundary, restore into a new context, finish. */
	for (size_t at = 0; at <= sizeof(msg); at += TTT_SHA256_BLOCK_LEN) {
		h->init(&a.vtable);
		h->update(&a.vtable, msg, at);
		assert_int_equal(h->state(&a.vtable, st), at);
		h->init(&b.vtable);
		h->set_state(&b.vtable, st, at);
		h->update(&b.vtable, msg + at, sizeof(msg) - at);
		h->out(&b.vtable, got);
		assert_memory_equal(got, want, DIGEST_LEN);
	}

	/* Between boundaries: the count so far, the value after the last whole block. */
	h->init(&a.vtable);
	h->update(&a.vtable, msg, TTT_SHA256_BLOCK_LEN);
	h->state(&a.vtable, st_block);
	h->update(&a.vtable, msg + TTT_SHA256_BLOCK_LEN, 17);
	assert_int_equal(h->state(&a.vtable, st), TTT_SHA256_BLOCK_LEN + 17);
	assert_memory_equal(st, st_block, sizeof(st));
}

/* The two classes' saved states are interchangeable byte for byte. */
static void
test_state_cross(void **state)
{
	const br_hash_class *ni = ni_or_skip();
	const br_hash_class *pt = &br_sha256_vtable;
	uint8_t msg[STATE_MSG_LEN], want[DIGEST_LEN], got[DIGEST_LEN];
	uint8_t st_ni[TTT_SHA256_STATE_LEN], st_pt[TTT_SHA256_STATE_LEN];
	br_hash_compat_context a, b;
	uint64_t rng = PRNG_SEED ^ 1;

	(void)state;
	prng_fill(&rng, msg, sizeof(msg));
	hash_buf(pt, msg, sizeof(msg), want);
	for (size_t at = 0; at <= sizeof(msg); at++) {
		size_t boundary = at - at % TTT_SHA256_BLOCK_LEN;

		ni->init(&a.vtable);
		ni->update(&a.vtable, msg, at);
		pt->init(&b.vtable);
		pt->update(&b.vtable, msg, at);
		assert_int_equal(ni->state(&a.vtable, st_ni), pt->state(&b.vtable, st_pt));
		assert_memory_equal(st_ni, st_pt, sizeof(st_ni));
		if (at != boundary)
			continue;

		/* Portable's state continued by NI, and the other way round. */
		ni->init(&a.vtable);
		ni->set_state(&a.vtable, st_pt, at);
		ni->update(&a.vtable, msg + at, sizeof(msg) - at);
		ni->out(&a.vtable, got);
		assert_memory_equal(got, want, DIGEST_LEN);
		pt->init(&b.vtable);
		pt->set_state(&b.vtable, st_ni, at);
		pt->update(&b.vtable, msg + at, sizeof(msg) - at);
		pt->out(&b.vtable, got);
		assert_memory_equal(got, want, DIGEST_LEN);
	}
}

/* ---- RFC 4231 HMAC-SHA256 (sha256_vectors.h) ---------------------------- */

static void
test_hmac_rfc4231(void **state)
{
	const br_hash_class *h = hash_or_skip(state);

	for (size_t i = 0; i < sizeof(rfc4231) / sizeof(rfc4231[0]); i++) {
		uint8_t key[MAX_KEY_LEN], data[MAX_KEY_LEN];
		uint8_t want[DIGEST_LEN], got[DIGEST_LEN];
		const char *kh = rfc4231[i].key_hex, *mh = rfc4231[i].mac_hex;
		long klen = hex_decode(kh, strlen(kh), key, sizeof(key));
		long mlen = hex_decode(mh, strlen(mh), want, sizeof(want));
		const uint8_t *dp;
		size_t dlen;
		br_hmac_key_context kc;
		br_hmac_context ctx;

		assert_true(klen > 0 && mlen > 0);
		if (rfc4231[i].data_text != NULL) {
			dp = (const uint8_t *)rfc4231[i].data_text;
			dlen = strlen(rfc4231[i].data_text);
		} else {
			const char *dh = rfc4231[i].data_hex;
			long n = hex_decode(dh, strlen(dh), data, sizeof(data));

			assert_true(n > 0);
			dp = data;
			dlen = (size_t)n;
		}

		br_hmac_key_init(&kc, h, key, (size_t)klen);
		br_hmac_init(&ctx, &kc, (size_t)mlen);
		br_hmac_update(&ctx, dp, dlen);
		assert_int_equal(br_hmac_out(&ctx, got), mlen);
		if (memcmp(got, want, (size_t)mlen) != 0)
			fail_msg("RFC 4231 test case %zu: MAC differs", i + 1);
	}
}

/* ---- the frame codec's wire vectors -------------------------------------- */

/* Split line at '|' into exactly VECTOR_FIELDS fields (empty ones allowed). */
static int
split_fields(char *line, char *field[VECTOR_FIELDS])
{
	int n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	for (char *p = line;; p++) {
		char *bar = strchr(p, '|');

		if (n == VECTOR_FIELDS)
			return -1;
		field[n++] = p;
		if (bar == NULL)
			break;
		*bar = '\0';
		p = bar;
	}
	return n == VECTOR_FIELDS ? 0 : -1;
}

static void
check_vector(const br_hash_class *h, char *field[VECTOR_FIELDS], uint8_t *dgram,
    uint8_t *expect_frame, uint8_t *reenc)
{
	const char *name = field[0], *expect = field[4];
	const struct ttt_frame_limits lim = {
		.window_ns = TTT_DEFAULT_WINDOW_NS,
		.max_frame = TTT_DEFAULT_MAX_FRAME,
	};
	uint8_t key[MAX_KEY_LEN];
	long klen, dlen, flen;
	struct ttt_mac_key k;
	struct ttt_frame_view v;
	enum ttt_frame_status st;
	char *end;
	long long now;

	klen = b64_decode(field[1], strlen(field[1]), key, sizeof(key));
	now = strtoll(field[2], &end, 10);
	dlen = hex_decode(field[3], strlen(field[3]), dgram, TTT_RECV_BUF);
	flen = hex_decode(field[5], strlen(field[5]), expect_frame, TTT_RECV_BUF);
	if (klen <= 0 || *end != '\0' || dlen < 0 || flen < 0)
		fail_msg("%s: malformed vector", name);

	ttt_mac_key_init(&k, h, key, (size_t)klen);
	st = ttt_frame_decode(&k, (int64_t)now, &lim, dgram, (size_t)dlen, &v);
	if (strcmp(ttt_frame_status_name(st), expect) != 0)
		fail_msg("%s: decoded as %s, expected %s", name,
		    ttt_frame_status_name(st), expect);
	if (st == TTT_FRAME_OK) {
		if (v.len != (size_t)flen || memcmp(v.frame, expect_frame, v.len) != 0)
			fail_msg("%s: decoded frame differs", name);
		/* Encoding what was decoded must give back the same datagram. */
		if (ttt_frame_encode(&k, v.ts, v.frame, v.len, reenc, TTT_RECV_BUF)
		    != (size_t)dlen || memcmp(reenc, dgram, (size_t)dlen) != 0)
			fail_msg("%s: re-encoded datagram differs", name);
	}
	ttt_mac_key_wipe(&k);
}

static void
test_frame_vectors(void **state)
{
	const br_hash_class *h = hash_or_skip(state);
	uint8_t *dgram = malloc(TTT_RECV_BUF), *frame = malloc(TTT_RECV_BUF);
	uint8_t *reenc = malloc(TTT_RECV_BUF);
	FILE *f = fopen(FRAMES_FILE, "r");
	char *line = NULL;
	size_t cap = 0;
	int nvec = 0;

	assert_non_null(dgram);
	assert_non_null(frame);
	assert_non_null(reenc);
	if (f == NULL)
		fail_msg("cannot open %s", FRAMES_FILE);
	while (getline(&line, &cap, f) != -1) {
		char *field[VECTOR_FIELDS] = { NULL };

		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (split_fields(line, field) != 0) {
			fail_msg("%s: line with the wrong number of fields", FRAMES_FILE);
			break;
		}
		check_vector(h, field, dgram, frame, reenc);
		nvec++;
	}
	free(line);
	fclose(f);
	free(reenc);
	free(frame);
	free(dgram);
	assert_true(nvec > 0);
	print_message("%d frame vectors\n", nvec);
}

#define PER_IMPL(fn, label) \
	{ label "/portable", fn, NULL, NULL, &impl_portable }, \
	{ label "/sha-ni", fn, NULL, NULL, &impl_ni }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select),
		PER_IMPL(test_nist, "nist_vectors"),
		PER_IMPL(test_state_roundtrip, "state_roundtrip"),
		PER_IMPL(test_hmac_rfc4231, "hmac_rfc4231"),
		PER_IMPL(test_frame_vectors, "frame_vectors"),
		{ "random_lengths_vs_portable/sha-ni", test_random_vs_portable, NULL, NULL, NULL },
		{ "state_cross/sha-ni", test_state_cross, NULL, NULL, NULL },
	};

	return cmocka_run_group_tests_name("sha256", tests, NULL, NULL);
}

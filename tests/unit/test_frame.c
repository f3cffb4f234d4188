/*
 * Unit tests for the frame codec (src/frame.c).
 *
 * Expected results never come from the code under test: they come from the
 * vector file, from RFC 4231, from the wire format's arithmetic, or from a
 * datagram assembled here with BearSSL's HMAC directly (pinned by RFC 4231).
 * Buffers handed to the codec are heap blocks of the exact length, so an
 * out-of-bounds read or write shows up under AddressSanitizer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vectors.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl_hmac.h>

#include "frame.h"
#include "sha256_ni.h"
#include "wire.h"

#define VECTORS_PATH     TTT_SRCDIR "/tests/vectors/frames.txt"
#define VEC_FIELDS       6	/* name | key | now | datagram | expect | frame */
#define VEC_KEY_MAX      1024
#define TEST_KEY_LEN     32
#define TEST_FRAME_LEN   98	/* the vectors' favourite length */
#define BITS_PER_BYTE    8
#define RFC4231_CASES    7
#define RFC4231_TRUNC    16	/* case 5 is truncated to 128 bits */
#define SMALL_MAX_FRAME  100
/* The receiver clock of the vector file, handy as an ordinary "now". */
#define SOME_NOW         INT64_C(1764000000123456789)
#define BYTE_VALUES      256
#define MAX_HASHES       3

static const int64_t win3s = TTT_DEFAULT_WINDOW_NS;

/* ---------------------------------------------------------------- helpers */

static const uint8_t test_key[TEST_KEY_LEN] = {
	0x8f, 0x1e, 0x22, 0x93, 0x04, 0x5d, 0xa6, 0x37, 0xc8, 0x79, 0x0a, 0xbb, 0x4c, 0xfd, 0x6e, 0x01,
	0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87, 0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f,
};

static void
fill_frame(uint8_t *p, size_t len, unsigned salt)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 131u + salt * 17u + 7u);
}

static void
be64_put(uint8_t *p, int64_t v)
{
	uint64_t u = (uint64_t)v;

	for (size_t i = 0; i < TTT_TS_LEN; i++)
		p[i] = (uint8_t)(u >> (BITS_PER_BYTE * (TTT_TS_LEN - 1 - i)));
}

/*
 * A datagram assembled without ttt_frame_encode: BearSSL's HMAC-SHA256 over
 * ts || frame, in front. Any frame length, so over-long datagrams can carry a
 * valid MAC. Returns a heap block of exactly the datagram's length.
 */
static uint8_t *
build(const uint8_t *key, size_t keylen, int64_t ts, size_t flen, unsigned salt,
    size_t *outlen)
{
	br_hmac_key_context kc;
	br_hmac_context hc;
	size_t len = TTT_HDR_LEN + flen;
	uint8_t *d = malloc(len);

	assert_non_null(d);
	be64_put(d + TTT_MAC_LEN, ts);
	fill_frame(d + TTT_HDR_LEN, flen, salt);
	br_hmac_key_init(&kc, &br_sha256_vtable, key, keylen);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, d + TTT_MAC_LEN, TTT_TS_LEN + flen);
	assert_int_equal(br_hmac_out(&hc, d), TTT_MAC_LEN);
	*outlen = len;
	return d;
}

static void
test_key_setup(struct ttt_mac_key *k)
{
	ttt_mac_key_init(k, NULL, test_key, sizeof(test_key));
}

/*
 * Every SHA-256 the codec may be keyed with: NULL (the default), BearSSL's
 * portable class, and the SHA-NI class the worker picks where the CPU has it.
 */
static size_t
hash_classes(const br_hash_class *out[MAX_HASHES], const char *names[MAX_HASHES])
{
	size_t n = 0;
	const br_hash_class *ni = ttt_sha256_select(1);

	names[n] = "default";
	out[n++] = NULL;
	names[n] = "portable";
	out[n++] = &br_sha256_vtable;
	if (ni != NULL) {
		names[n] = "sha-ni";
		out[n++] = ni;
	}
	assert_ptr_equal(ttt_sha256_best(), ni != NULL ? ni : &br_sha256_vtable);
	return n;
}

static enum ttt_frame_status
decode_at(int64_t ts, int64_t now, int64_t window, size_t flen, size_t max_frame)
{
	struct ttt_mac_key k;
	struct ttt_frame_limits lim = { window, max_frame };
	struct ttt_frame_view v;
	enum ttt_frame_status st;
	size_t len;
	uint8_t *d = build(test_key, sizeof(test_key), ts, flen, 1, &len);

	test_key_setup(&k);
	memset(&v, 0, sizeof(v));
	st = ttt_frame_decode(&k, now, &lim, d, len, &v);
	if (st == TTT_FRAME_OK) {
		assert_ptr_equal(v.frame, d + TTT_HDR_LEN);
		assert_int_equal(v.len, flen);
		assert_int_equal(v.ts, ts);
	}
	free(d);
	return st;
}

/* The shared decoders, in this file's convention: SIZE_MAX on error. */
static size_t
hex_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
	long r = tv_hex_decode(s, n, out, cap);

	return r < 0 ? SIZE_MAX : (size_t)r;
}

static size_t
b64_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
	long r = n == 0 ? -1 : tv_b64_decode(s, n, out, cap);

	return r < 0 ? SIZE_MAX : (size_t)r;
}

/* ------------------------------------------------------------ the vectors */

struct vec_tally {
	size_t lines, run, per_status[TTT_FRAME_NSTATUS];
};

static enum ttt_frame_status
status_from_name(const char *name)
{
	/* The names are the vector file's vocabulary, spelt out here on purpose. */
	static const char *const names[TTT_FRAME_NSTATUS] = {
		"ok", "short", "long", "badmac", "stale", "future",
	};

	for (int i = 0; i < TTT_FRAME_NSTATUS; i++)
		if (strcmp(names[i], name) == 0)
			return (enum ttt_frame_status)i;
	fail_msg("unknown expect \"%s\" in %s", name, VECTORS_PATH);
	return TTT_FRAME_NSTATUS;
}

static void
run_vector(char *line, const br_hash_class *hash, struct vec_tally *t)
{
	char *field[VEC_FIELDS], *p = line, *bar;
	size_t nf = 0, keylen, dlen, flen;
	uint8_t key[VEC_KEY_MAX], *dgram, *frame, *re;
	struct ttt_mac_key k;
	struct ttt_frame_limits lim = { TTT_DEFAULT_WINDOW_NS, TTT_DEFAULT_MAX_FRAME };
	struct ttt_frame_view v;
	enum ttt_frame_status want, got;
	intmax_t now;
	char *end;

	while (nf < VEC_FIELDS - 1 && (bar = strchr(p, '|')) != NULL) {
		*bar = '\0';
		field[nf++] = p;
		p = bar + 1;
	}
	field[nf++] = p;
	if (nf != VEC_FIELDS || strchr(p, '|') != NULL)
		fail_msg("vector line %zu: want %d '|'-separated fields", t->lines, VEC_FIELDS);

	keylen = b64_decode(field[1], strlen(field[1]), key, sizeof(key));
	if (keylen == SIZE_MAX)
		fail_msg("vector %s: bad base64 key", field[0]);

	errno = 0;
	now = strtoimax(field[2], &end, 10);
	if (errno != 0 || end == field[2] || *end != '\0')
		fail_msg("vector %s: bad now \"%s\"", field[0], field[2]);

	/* Exactly the datagram's length, so reading past it trips ASan. */
	dgram = malloc(strlen(field[3]) / 2 + 1);
	frame = malloc(strlen(field[5]) / 2 + 1);
	assert_non_null(dgram);
	assert_non_null(frame);
	dlen = hex_decode(field[3], strlen(field[3]), dgram, strlen(field[3]) / 2);
	flen = hex_decode(field[5], strlen(field[5]), frame, strlen(field[5]) / 2);
	if (dlen == SIZE_MAX || flen == SIZE_MAX)
		fail_msg("vector %s: bad hex", field[0]);
	if (dlen > 0) {
		/* Move into a block of exactly dlen bytes. */
		uint8_t *exact = malloc(dlen);

		assert_non_null(exact);
		memcpy(exact, dgram, dlen);
		free(dgram);
		dgram = exact;
	}

	want = status_from_name(field[4]);
	ttt_mac_key_init(&k, hash, key, keylen);
	memset(&v, 0, sizeof(v));
	got = ttt_frame_decode(&k, (int64_t)now, &lim, dgram, dlen, &v);
	if (got != want)
		fail_msg("vector %s: got %s, want %s", field[0], ttt_frame_status_name(got),
		    field[4]);
	assert_string_equal(ttt_frame_status_name(got), field[4]);

	if (want == TTT_FRAME_OK) {
		/* A view into the datagram, not a copy. */
		assert_ptr_equal(v.frame, dgram + TTT_HDR_LEN);
		assert_int_equal(v.len, flen);
		assert_int_equal(v.len, dlen - TTT_HDR_LEN);
		assert_memory_equal(v.frame, frame, flen);
		assert_int_equal(v.ts, ttt_frame_peek_ts(dgram));

		/* The sender's side reproduces the datagram byte for byte. */
		re = malloc(dlen);
		assert_non_null(re);
		assert_int_equal(ttt_frame_encode(&k, v.ts, frame, flen, re, dlen), dlen);
		assert_memory_equal(re, dgram, dlen);
		free(re);
	} else if (flen != 0) {
		fail_msg("vector %s: a refused vector carries no frame", field[0]);
	}

	ttt_mac_key_wipe(&k);
	free(dgram);
	free(frame);
	t->per_status[want]++;
	t->run++;
}

static void
run_vectors_file(const br_hash_class *hash, const char *hash_name)
{
	FILE *f = fopen(VECTORS_PATH, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct vec_tally t;

	memset(&t, 0, sizeof(t));
	if (f == NULL)
		fail_msg("%s: %s", VECTORS_PATH, strerror(errno));
	while ((n = getline(&line, &cap, f)) != -1) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		t.lines++;
		run_vector(line, hash, &t);
	}
	assert_false(ferror(f));
	free(line);
	fclose(f);

	assert_true(t.lines > 0);
	assert_int_equal(t.run, t.lines);
	/* The file must exercise every verdict, or it is not the file we think. */
	for (int i = 0; i < TTT_FRAME_NSTATUS; i++)
		if (t.per_status[i] == 0)
			fail_msg("no vector expects %s", ttt_frame_status_name((enum ttt_frame_status)i));
	print_message("ran %zu vectors with the %s SHA-256\n", t.run, hash_name);
}

static void
test_vectors_file(void **state)
{
	const br_hash_class *hashes[MAX_HASHES];
	const char *names[MAX_HASHES];
	size_t nh = hash_classes(hashes, names), ran = 0;

	(void)state;
	for (size_t h = 0; h < nh; h++) {
		run_vectors_file(hashes[h], names[h]);
		ran++;
	}
	assert_int_equal(ran, nh);
	assert_true(nh >= 2);
}

/* ------------------------------------------------------------- RFC 4231 */

struct rfc4231_case {
	const char *key_hex;	/* NULL: key_byte repeated key_len times */
	uint8_t key_byte;
	size_t key_len;
	const char *data;	/* NULL: data_byte repeated data_len times */
	uint8_t data_byte;
	size_t data_len;
	const char *mac_hex;
};

static const struct rfc4231_case rfc4231[RFC4231_CASES] = {
	{ NULL, 0x0b, 20, "Hi There", 0, 0,
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ "4a656665", 0, 0, "what do ya want for nothing?", 0, 0,
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ NULL, 0xaa, 20, NULL, 0xdd, 50,
	  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819", 0, 0, NULL, 0xcd, 50,
	  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
	{ NULL, 0x0c, 20, "Test With Truncation", 0, 0,
	  "a3b6167473100ee06e0c796c2955552b" },
	{ NULL, 0xaa, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 0, 0,
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ NULL, 0xaa, 131,
	  "This is a test using a larger than block-size key and a larger than "
	  "block-size data. The key needs to be hashed before being used by the "
	  "HMAC algorithm.", 0, 0,
	  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
};

static void
test_rfc4231_hmac(void **state)
{
	const br_hash_class *hashes[MAX_HASHES];
	const char *names[MAX_HASHES];
	size_t nh = hash_classes(hashes, names), ran = 0;

	(void)state;
	for (size_t h = 0; h < nh; h++) {
		for (size_t c = 0; c < RFC4231_CASES; c++) {
			const struct rfc4231_case *tc = &rfc4231[c];
			uint8_t key[BYTE_VALUES], data[BYTE_VALUES];
			uint8_t want[TTT_MAC_LEN], got[TTT_MAC_LEN];
			size_t keylen, datalen, maclen;
			struct ttt_mac_key k;
			br_hmac_context hc;

			if (tc->key_hex != NULL) {
				keylen = hex_decode(tc->key_hex, strlen(tc->key_hex), key, sizeof(key));
			} else {
				keylen = tc->key_len;
				memset(key, tc->key_byte, keylen);
			}
			if (tc->data != NULL) {
				datalen = strlen(tc->data);
				memcpy(data, tc->data, datalen);
			} else {
				datalen = tc->data_len;
				memset(data, tc->data_byte, datalen);
			}
			maclen = hex_decode(tc->mac_hex, strlen(tc->mac_hex), want, sizeof(want));
			assert_true(keylen != SIZE_MAX && maclen != SIZE_MAX);
			assert_true(maclen == TTT_MAC_LEN || maclen == RFC4231_TRUNC);

			ttt_mac_key_init(&k, hashes[h], key, keylen);
			/* The full output, as the codec asks for it... */
			br_hmac_init(&hc, &k.kc, 0);
			br_hmac_update(&hc, data, datalen);
			assert_int_equal(br_hmac_out(&hc, got), TTT_MAC_LEN);
			if (memcmp(got, want, maclen) != 0)
				fail_msg("RFC 4231 case %zu, %s SHA-256: HMAC mismatch", c + 1, names[h]);
			/* ...and the truncated length BearSSL offers, fed byte by byte. */
			memset(got, 0, sizeof(got));
			br_hmac_init(&hc, &k.kc, maclen);
			for (size_t i = 0; i < datalen; i++)
				br_hmac_update(&hc, data + i, 1);
			assert_int_equal(br_hmac_out(&hc, got), maclen);
			assert_memory_equal(got, want, maclen);

			ttt_mac_key_wipe(&k);
			ran++;
		}
	}
	assert_int_equal(ran, nh * RFC4231_CASES);
}

static void
test_key_wipe(void **state)
{
	struct ttt_mac_key k;
	static const uint8_t zero[sizeof(struct ttt_mac_key)];

	(void)state;
	test_key_setup(&k);
	assert_true(memcmp(&k, zero, sizeof(k)) != 0);
	ttt_mac_key_wipe(&k);
	assert_memory_equal(&k, zero, sizeof(k));
}

/* -------------------------------------------------------- length limits */

static void
test_short_boundary(void **state)
{
	struct ttt_mac_key k;
	struct ttt_frame_limits lim = { TTT_DEFAULT_WINDOW_NS, TTT_DEFAULT_MAX_FRAME };
	struct ttt_frame_view v;
	size_t full, ran = 0;
	/* A valid datagram of the minimum size; every prefix of it is short. */
	uint8_t *d = build(test_key, sizeof(test_key), SOME_NOW, TTT_MIN_FRAME, 2, &full);

	(void)state;
	assert_int_equal(full, TTT_MIN_DATAGRAM);
	assert_int_equal(TTT_MIN_DATAGRAM, 41);
	test_key_setup(&k);
	for (size_t len = 0; len < TTT_MIN_DATAGRAM; len++) {
		uint8_t *p = malloc(len > 0 ? len : 1);

		assert_non_null(p);
		memcpy(p, d, len);
		assert_int_equal(ttt_frame_decode(&k, SOME_NOW, &lim, p, len, &v), TTT_FRAME_SHORT);
		free(p);
		ran++;
	}
	assert_int_equal(ran, TTT_MIN_DATAGRAM);
	free(d);

	/* 40 bytes whose MAC is right for an empty frame: still short. */
	d = build(test_key, sizeof(test_key), SOME_NOW, 0, 2, &full);
	assert_int_equal(full, TTT_HDR_LEN);
	assert_int_equal(ttt_frame_decode(&k, SOME_NOW, &lim, d, full, &v), TTT_FRAME_SHORT);
	free(d);

	/* 41 is enough. */
	assert_int_equal(decode_at(SOME_NOW, SOME_NOW, win3s, TTT_MIN_FRAME, TTT_DEFAULT_MAX_FRAME),
	    TTT_FRAME_OK);
}

static void
test_long_boundary(void **state)
{
	static const size_t max_frames[] = {
		TTT_MIN_FRAME, 2, 60, SMALL_MAX_FRAME, TTT_DEFAULT_MAX_FRAME,
		TTT_FRAME_MAX(TTT_MIN_MTU), TTT_MAX_FRAME,
	};
	size_t ran = 0;

	(void)state;
	assert_int_equal(TTT_DEFAULT_MAX_FRAME, 1432);
	for (size_t i = 0; i < sizeof(max_frames) / sizeof(max_frames[0]); i++) {
		size_t m = max_frames[i];

		/* Valid MACs throughout, so only the length can be at fault. */
		assert_int_equal(decode_at(SOME_NOW, SOME_NOW, win3s, m, m), TTT_FRAME_OK);
		assert_int_equal(decode_at(SOME_NOW, SOME_NOW, win3s, m + 1, m), TTT_FRAME_LONG);
		if (m > TTT_MIN_FRAME)
			assert_int_equal(decode_at(SOME_NOW, SOME_NOW, win3s, m - 1, m), TTT_FRAME_OK);
		ran++;
	}
	assert_int_equal(ran, sizeof(max_frames) / sizeof(max_frames[0]));

	/* The largest thing a receive buffer can hold is long at every limit. */
	assert_int_equal(decode_at(SOME_NOW, SOME_NOW, win3s, TTT_RECV_BUF - TTT_HDR_LEN,
	    TTT_MAX_FRAME), TTT_FRAME_LONG);
	/* Long is judged before the MAC: a forged over-long datagram is "long". */
	{
		struct ttt_mac_key k;
		struct ttt_frame_limits lim = { win3s, TTT_DEFAULT_MAX_FRAME };
		struct ttt_frame_view v;
		size_t len;
		uint8_t *d = build(test_key, sizeof(test_key), SOME_NOW,
		    TTT_DEFAULT_MAX_FRAME + 1, 3, &len);

		test_key_setup(&k);
		d[0] ^= 1;
		assert_int_equal(ttt_frame_decode(&k, SOME_NOW, &lim, d, len, &v), TTT_FRAME_LONG);
		free(d);
	}
}

/* ------------------------------------------------------------ the window */

/* The verdict the wire format demands for ts - now == d (d never overflows here). */
static enum ttt_frame_status
window_verdict(int64_t d, int64_t window)
{
	if (d < -window)
		return TTT_FRAME_STALE;
	if (d > window)
		return TTT_FRAME_FUTURE;
	return TTT_FRAME_OK;
}

static void
test_window_boundaries(void **state)
{
	static const int64_t windows[] = { TTT_DEFAULT_WINDOW_NS, 0, 1, TTT_NSEC_PER_SEC, 7 };
	static const int64_t nows[] = { SOME_NOW, 0, -1, INT64_C(-5000000000), 1 };
	size_t ran = 0, nw = sizeof(windows) / sizeof(windows[0]);
	size_t nn = sizeof(nows) / sizeof(nows[0]);

	(void)state;
	for (size_t w = 0; w < nw; w++) {
		int64_t W = windows[w];
		const int64_t deltas[] = { -W - 2, -W - 1, -W, -W + 1, 0, W - 1, W, W + 1, W + 2 };

		for (size_t n = 0; n < nn; n++) {
			for (size_t i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
				enum ttt_frame_status want = window_verdict(deltas[i], W);
				enum ttt_frame_status got = decode_at(nows[n] + deltas[i], nows[n], W,
				    TEST_FRAME_LEN, TTT_DEFAULT_MAX_FRAME);

				if (got != want)
					fail_msg("window %" PRId64 " now %" PRId64 " delta %" PRId64
					    ": got %s want %s", W, nows[n], deltas[i],
					    ttt_frame_status_name(got), ttt_frame_status_name(want));
				ran++;
			}
		}
	}
	assert_int_equal(ran, nw * nn * 9);

	/* Window 0 spelt out: only the very nanosecond is accepted. */
	assert_int_equal(decode_at(SOME_NOW, SOME_NOW, 0, 1, TTT_DEFAULT_MAX_FRAME), TTT_FRAME_OK);
	assert_int_equal(decode_at(SOME_NOW - 1, SOME_NOW, 0, 1, TTT_DEFAULT_MAX_FRAME),
	    TTT_FRAME_STALE);
	assert_int_equal(decode_at(SOME_NOW + 1, SOME_NOW, 0, 1, TTT_DEFAULT_MAX_FRAME),
	    TTT_FRAME_FUTURE);
}

struct extreme_case {
	int64_t ts, now, window;
	enum ttt_frame_status want;
};

/* Differences up to 2^64 - 1: a signed subtraction would overflow (UBSan). */
static const struct extreme_case extremes[] = {
	{ INT64_MIN, INT64_MIN, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_OK },
	{ INT64_MIN, INT64_MAX, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_STALE },
	{ INT64_MIN, 0, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_STALE },
	{ INT64_MAX, INT64_MIN, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_FUTURE },
	{ INT64_MAX, INT64_MAX, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_OK },
	{ INT64_MAX, 0, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_FUTURE },
	{ 0, INT64_MIN, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_FUTURE },
	{ 0, INT64_MAX, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_STALE },
	{ 0, 0, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_OK },
	{ -1, 0, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_OK },
	/* The window's edges at the ends of the range. */
	{ INT64_MIN, INT64_MIN + TTT_DEFAULT_WINDOW_NS, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_OK },
	{ INT64_MIN, INT64_MIN + TTT_DEFAULT_WINDOW_NS + 1, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_STALE },
	{ INT64_MIN + TTT_DEFAULT_WINDOW_NS, INT64_MIN, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_OK },
	{ INT64_MIN + TTT_DEFAULT_WINDOW_NS + 1, INT64_MIN, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_FUTURE },
	{ INT64_MAX, INT64_MAX - TTT_DEFAULT_WINDOW_NS, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_OK },
	{ INT64_MAX, INT64_MAX - TTT_DEFAULT_WINDOW_NS - 1, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_FUTURE },
	{ INT64_MAX - TTT_DEFAULT_WINDOW_NS, INT64_MAX, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_OK },
	{ INT64_MAX - TTT_DEFAULT_WINDOW_NS - 1, INT64_MAX, TTT_DEFAULT_WINDOW_NS, TTT_FRAME_STALE },
	/* The widest window: a difference of exactly INT64_MAX is inside, 2^63 is not. */
	{ INT64_MIN, -1, INT64_MAX, TTT_FRAME_OK },
	{ INT64_MIN, 0, INT64_MAX, TTT_FRAME_STALE },
	{ INT64_MIN, INT64_MAX, INT64_MAX, TTT_FRAME_STALE },
	{ INT64_MAX, 0, INT64_MAX, TTT_FRAME_OK },
	{ INT64_MAX, -1, INT64_MAX, TTT_FRAME_FUTURE },
	{ INT64_MAX, INT64_MIN, INT64_MAX, TTT_FRAME_FUTURE },
	{ -1, INT64_MIN, INT64_MAX, TTT_FRAME_OK },
	{ 0, INT64_MIN, INT64_MAX, TTT_FRAME_FUTURE },
	{ 0, INT64_MAX, INT64_MAX, TTT_FRAME_OK },
	{ -1, INT64_MAX, INT64_MAX, TTT_FRAME_STALE },
	/* Window 0 at the ends. */
	{ INT64_MIN, INT64_MIN, 0, TTT_FRAME_OK },
	{ INT64_MAX, INT64_MAX, 0, TTT_FRAME_OK },
	{ INT64_MIN + 1, INT64_MIN, 0, TTT_FRAME_FUTURE },
	{ INT64_MAX - 1, INT64_MAX, 0, TTT_FRAME_STALE },
	{ INT64_MIN, INT64_MIN + 1, 0, TTT_FRAME_STALE },
	{ INT64_MAX, INT64_MAX - 1, 0, TTT_FRAME_FUTURE },
};

static void
test_extreme_timestamps(void **state)
{
	size_t ran = 0, n = sizeof(extremes) / sizeof(extremes[0]);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const struct extreme_case *c = &extremes[i];
		enum ttt_frame_status got = decode_at(c->ts, c->now, c->window, TEST_FRAME_LEN,
		    TTT_DEFAULT_MAX_FRAME);

		if (got != c->want)
			fail_msg("case %zu: ts %" PRId64 " now %" PRId64 " window %" PRId64
			    ": got %s want %s", i, c->ts, c->now, c->window,
			    ttt_frame_status_name(got), ttt_frame_status_name(c->want));
		ran++;
	}
	assert_int_equal(ran, n);
}

/* -------------------------------------------------------- authentication */

static void
test_every_bit_flip_is_badmac(void **state)
{
	struct ttt_mac_key k;
	struct ttt_frame_limits lim = { win3s, TTT_DEFAULT_MAX_FRAME };
	struct ttt_frame_view v;
	size_t len, ran = 0, per_region[3] = { 0, 0, 0 };
	uint8_t *d = build(test_key, sizeof(test_key), SOME_NOW, TEST_FRAME_LEN, 4, &len);

	(void)state;
	test_key_setup(&k);
	assert_int_equal(ttt_frame_decode(&k, SOME_NOW, &lim, d, len, &v), TTT_FRAME_OK);
	for (size_t bit = 0; bit < len * BITS_PER_BYTE; bit++) {
		size_t byte = bit / BITS_PER_BYTE;
		uint8_t mask = (uint8_t)(1u << (bit % BITS_PER_BYTE));
		/*
		 * Flipping a timestamp bit may also move the timestamp outside the
		 * window: still badmac, since only authentic frames are judged on age.
		 */
		d[byte] ^= mask;
		if (ttt_frame_decode(&k, SOME_NOW, &lim, d, len, &v) != TTT_FRAME_BADMAC)
			fail_msg("bit %zu (byte %zu) flipped: not badmac", bit, byte);
		d[byte] ^= mask;
		per_region[byte < TTT_MAC_LEN ? 0 : byte < TTT_HDR_LEN ? 1 : 2]++;
		ran++;
	}
	assert_int_equal(ran, len * BITS_PER_BYTE);
	assert_int_equal(per_region[0], TTT_MAC_LEN * BITS_PER_BYTE);
	assert_int_equal(per_region[1], TTT_TS_LEN * BITS_PER_BYTE);
	assert_int_equal(per_region[2], TEST_FRAME_LEN * BITS_PER_BYTE);
	/* Restored: authentic again. */
	assert_int_equal(ttt_frame_decode(&k, SOME_NOW, &lim, d, len, &v), TTT_FRAME_OK);
	free(d);
}

static void
test_wrong_key_is_badmac(void **state)
{
	struct ttt_mac_key k;
	struct ttt_frame_limits lim = { win3s, TTT_DEFAULT_MAX_FRAME };
	struct ttt_frame_view v;
	uint8_t other[TEST_KEY_LEN];
	size_t len, ran = 0;
	uint8_t *d = build(test_key, sizeof(test_key), SOME_NOW, TEST_FRAME_LEN, 5, &len);

	(void)state;
	for (size_t bit = 0; bit < sizeof(other) * BITS_PER_BYTE; bit++) {
		memcpy(other, test_key, sizeof(other));
		other[bit / BITS_PER_BYTE] ^= (uint8_t)(1u << (bit % BITS_PER_BYTE));
		ttt_mac_key_init(&k, NULL, other, sizeof(other));
		assert_int_equal(ttt_frame_decode(&k, SOME_NOW, &lim, d, len, &v), TTT_FRAME_BADMAC);
		ran++;
	}
	assert_int_equal(ran, sizeof(other) * BITS_PER_BYTE);
	/* A prefix of the right key is another key. */
	ttt_mac_key_init(&k, NULL, test_key, sizeof(test_key) - 1);
	assert_int_equal(ttt_frame_decode(&k, SOME_NOW, &lim, d, len, &v), TTT_FRAME_BADMAC);
	/* And the right one still works. */
	test_key_setup(&k);
	assert_int_equal(ttt_frame_decode(&k, SOME_NOW, &lim, d, len, &v), TTT_FRAME_OK);
	free(d);
}

/* A forged datagram is "badmac" whatever its age: stale and future count genuine frames only. */
static void
test_forged_out_of_window_is_badmac(void **state)
{
	static const int64_t offsets[] = {
		-TTT_DEFAULT_WINDOW_NS - 1, TTT_DEFAULT_WINDOW_NS + 1, INT64_C(-3600000000000),
	};
	struct ttt_mac_key k;
	struct ttt_frame_limits lim = { win3s, TTT_DEFAULT_MAX_FRAME };
	struct ttt_frame_view v;
	size_t ran = 0;

	(void)state;
	test_key_setup(&k);
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		size_t len;
		uint8_t *d = build(test_key, sizeof(test_key), SOME_NOW + offsets[i], 10, 6, &len);

		assert_int_not_equal(ttt_frame_decode(&k, SOME_NOW, &lim, d, len, &v), TTT_FRAME_OK);
		d[len - 1] ^= 0x80;
		assert_int_equal(ttt_frame_decode(&k, SOME_NOW, &lim, d, len, &v), TTT_FRAME_BADMAC);
		free(d);
		ran++;
	}
	assert_int_equal(ran, sizeof(offsets) / sizeof(offsets[0]));
}

/* ---------------------------------------------------------------- encode */

static void
test_encode_matches_independent_build(void **state)
{
	static const int64_t stamps[] = {
		INT64_MIN, -1, 0, 1, SOME_NOW, INT64_C(0x0102030405060708), INT64_MAX,
	};
	static const size_t lens[] = {
		TTT_MIN_FRAME, TTT_ETH_HLEN, TEST_FRAME_LEN, 55, 56, 64, 119, 120,
		TTT_DEFAULT_MAX_FRAME, TTT_MAX_FRAME,
	};
	const br_hash_class *hashes[MAX_HASHES];
	const char *names[MAX_HASHES];
	size_t nh = hash_classes(hashes, names), ran = 0;
	size_t ns = sizeof(stamps) / sizeof(stamps[0]), nl = sizeof(lens) / sizeof(lens[0]);

	(void)state;
	for (size_t h = 0; h < nh; h++) {
		struct ttt_mac_key k;

		ttt_mac_key_init(&k, hashes[h], test_key, sizeof(test_key));
		for (size_t s = 0; s < ns; s++) {
			for (size_t l = 0; l < nl; l++) {
				size_t want_len;
				uint8_t *want = build(test_key, sizeof(test_key), stamps[s], lens[l], 7,
				    &want_len);
				uint8_t *out = malloc(want_len);

				assert_non_null(out);
				/* Exactly enough room is enough. */
				memset(out, 0x5a, want_len);
				assert_int_equal(ttt_frame_encode(&k, stamps[s], want + TTT_HDR_LEN,
				    lens[l], out, want_len), TTT_HDR_LEN + lens[l]);
				if (memcmp(out, want, want_len) != 0)
					fail_msg("ts %" PRId64 " len %zu, %s SHA-256: datagram differs",
					    stamps[s], lens[l], names[h]);
				assert_int_equal(ttt_frame_peek_ts(out), stamps[s]);

				/* In place: the frame already sits at out + TTT_HDR_LEN. */
				memset(out, 0xc3, TTT_HDR_LEN);
				memcpy(out + TTT_HDR_LEN, want + TTT_HDR_LEN, lens[l]);
				assert_int_equal(ttt_frame_encode(&k, stamps[s], out + TTT_HDR_LEN,
				    lens[l], out, want_len), want_len);
				assert_memory_equal(out, want, want_len);
				free(out);
				free(want);
				ran++;
			}
		}
		ttt_mac_key_wipe(&k);
	}
	assert_int_equal(ran, nh * ns * nl);
}

static void
test_encode_refusals(void **state)
{
	struct ttt_mac_key k;
	uint8_t frame[TTT_MAX_FRAME + 1];
	uint8_t *out;
	size_t ran = 0;

	(void)state;
	test_key_setup(&k);
	fill_frame(frame, sizeof(frame), 8);
	out = malloc(TTT_RECV_BUF);
	assert_non_null(out);

	/* v1.4 never sends an empty frame. */
	assert_int_equal(ttt_frame_encode(&k, SOME_NOW, frame, 0, out, TTT_RECV_BUF), 0);
	ran++;
	/* Nothing larger than jumbo, even with room for it. */
	assert_int_equal(ttt_frame_encode(&k, SOME_NOW, frame, TTT_MAX_FRAME + 1, out,
	    TTT_RECV_BUF), 0);
	ran++;
	/* A length that would wrap TTT_HDR_LEN + len. */
	assert_int_equal(ttt_frame_encode(&k, SOME_NOW, frame, SIZE_MAX - TTT_HDR_LEN + 1, out,
	    TTT_RECV_BUF), 0);
	ran++;
	assert_int_equal(ttt_frame_encode(&k, SOME_NOW, frame, SIZE_MAX, out, SIZE_MAX), 0);
	ran++;
	/* The largest frame with exactly its room. */
	assert_int_equal(ttt_frame_encode(&k, SOME_NOW, frame, TTT_MAX_FRAME, out,
	    TTT_MAX_DATAGRAM), TTT_MAX_DATAGRAM);
	ran++;
	free(out);

	/* One byte short of room, for several lengths; the block is exactly cap long. */
	{
		static const size_t lens[] = { 1, 2, TEST_FRAME_LEN, TTT_DEFAULT_MAX_FRAME, TTT_MAX_FRAME };

		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			size_t cap = TTT_HDR_LEN + lens[i] - 1;

			out = malloc(cap);
			assert_non_null(out);
			assert_int_equal(ttt_frame_encode(&k, SOME_NOW, frame, lens[i], out, cap), 0);
			free(out);
			ran++;
		}
	}
	/* No room at all. */
	assert_int_equal(ttt_frame_encode(&k, SOME_NOW, frame, 1, NULL, 0), 0);
	ran++;
	assert_int_equal(ran, 11);
}

/* ---------------------------------------------------- small pure helpers */

static void
test_ct_equal(void **state)
{
	uint8_t a[TTT_MAC_LEN], b[TTT_MAC_LEN];
	size_t ran = 0;

	(void)state;
	fill_frame(a, sizeof(a), 9);
	memcpy(b, a, sizeof(b));
	assert_int_equal(ttt_ct_equal(a, b, sizeof(a)), 1);
	assert_int_equal(ttt_ct_equal(a, a, sizeof(a)), 1);
	assert_int_equal(ttt_ct_equal(a, b, 0), 1);
	/* Every possible difference, in the first, a middle and the last byte. */
	for (unsigned x = 1; x < BYTE_VALUES; x++) {
		static const size_t where[] = { 0, TTT_MAC_LEN / 2, TTT_MAC_LEN - 1 };

		for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
			memcpy(b, a, sizeof(b));
			b[where[w]] ^= (uint8_t)x;
			assert_int_equal(ttt_ct_equal(a, b, sizeof(a)), 0);
			assert_int_equal(ttt_ct_equal(b, a, sizeof(a)), 0);
			ran++;
		}
	}
	assert_int_equal(ran, (BYTE_VALUES - 1) * 3);
	/* A difference past n does not count. */
	memcpy(b, a, sizeof(b));
	b[TTT_MAC_LEN - 1] ^= 1;
	assert_int_equal(ttt_ct_equal(a, b, TTT_MAC_LEN - 1), 1);
	/* All bytes different. */
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)~a[i];
	assert_int_equal(ttt_ct_equal(a, b, sizeof(a)), 0);
}

static void
test_status_names(void **state)
{
	static const struct {
		enum ttt_frame_status st;
		const char *name;
	} want[] = {
		{ TTT_FRAME_OK, "ok" }, { TTT_FRAME_SHORT, "short" }, { TTT_FRAME_LONG, "long" },
		{ TTT_FRAME_BADMAC, "badmac" }, { TTT_FRAME_STALE, "stale" },
		{ TTT_FRAME_FUTURE, "future" },
	};
	static const unsigned bad[] = { TTT_FRAME_NSTATUS, TTT_FRAME_NSTATUS + 1, 0x7fffffffu,
		0xffffffffu };
	size_t n = sizeof(want) / sizeof(want[0]);

	(void)state;
	assert_int_equal(n, TTT_FRAME_NSTATUS);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(ttt_frame_status_name(want[i].st), want[i].name);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *s = ttt_frame_status_name((enum ttt_frame_status)bad[i]);

		assert_non_null(s);
		for (size_t j = 0; j < n; j++)
			assert_string_not_equal(s, want[j].name);
		assert_string_equal(s, "unknown");
	}
}

static void
test_peek_ts(void **state)
{
	static const struct {
		uint8_t be[TTT_TS_LEN];
		int64_t v;
	} cases[] = {
		{ { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 }, INT64_C(0x0102030405060708) },
		{ { 0x80, 0, 0, 0, 0, 0, 0, 0 }, INT64_MIN },
		{ { 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, INT64_MAX },
		{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, -1 },
		{ { 0, 0, 0, 0, 0, 0, 0, 0 }, 0 },
		{ { 0x18, 0x7a, 0xfc, 0xa7, 0x6f, 0x25, 0xc9, 0x2d }, INT64_C(0x187afca76f25c92d) },
	};
	uint8_t d[TTT_HDR_LEN];
	size_t n = sizeof(cases) / sizeof(cases[0]), ran = 0;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		memset(d, 0xee, sizeof(d));
		memcpy(d + TTT_MAC_LEN, cases[i].be, TTT_TS_LEN);
		assert_int_equal(ttt_frame_peek_ts(d), cases[i].v);
		ran++;
	}
	assert_int_equal(ran, n);
}

/* A negative window is no window: anything but "now" itself is refused. */
static void
test_negative_window_is_none(void **state)
{
	static const uint8_t key[16] = { 1, 2, 3 };
	static const uint8_t frame[14] = { 0xff };
	struct ttt_frame_limits lim = { .window_ns = -5, .max_frame = TTT_DEFAULT_MAX_FRAME };
	const int64_t now = INT64_C(1764000000000000000);
	uint8_t d[TTT_HDR_LEN + sizeof(frame)];
	struct ttt_frame_view v;
	struct ttt_mac_key k;

	(void)state;
	ttt_mac_key_init(&k, NULL, key, sizeof(key));
	assert_int_equal(ttt_frame_encode(&k, now, frame, sizeof(frame), d, sizeof(d)), sizeof(d));
	assert_int_equal(ttt_frame_decode(&k, now, &lim, d, sizeof(d), &v), TTT_FRAME_OK);
	assert_int_equal(ttt_frame_decode(&k, now + 1, &lim, d, sizeof(d), &v), TTT_FRAME_STALE);
	assert_int_equal(ttt_frame_decode(&k, now - 1, &lim, d, sizeof(d), &v), TTT_FRAME_FUTURE);
	lim.window_ns = INT64_MIN;
	assert_int_equal(ttt_frame_decode(&k, now + TTT_NSEC_PER_SEC, &lim, d, sizeof(d), &v),
	    TTT_FRAME_STALE);
}

/* ------------------------------------------------- two frames at a time */

/* Lengths either side of every edge: none, the minimum, the padding's spill
 * into a second block (55/56 bytes of ts || frame), the default and jumbo
 * maxima and one past them. */
static const size_t pair_lens[] = {
	0, 1, 2, 47, 48, 49, 100, 111, 112, 1400, TTT_DEFAULT_MAX_FRAME, TTT_MAX_FRAME,
	TTT_MAX_FRAME + 1,
};
#define PAIR_LENS (sizeof(pair_lens) / sizeof(pair_lens[0]))

/* ttt_frame_encode_pair is two ttt_frame_encode calls, byte for byte and
 * length for length, under every SHA-256 class and every pair of lengths
 * (one refused leaves the other encoded alone). */
static void
test_encode_pair_is_two_encodes(void **state)
{
	const br_hash_class *h[MAX_HASHES];
	const char *names[MAX_HASHES];
	size_t nh = hash_classes(h, names), cap = TTT_HDR_LEN + TTT_MAX_FRAME;
	const int64_t ts[2] = { SOME_NOW, SOME_NOW + 1 };

	(void)state;
	for (size_t m = 0; m < nh; m++) {
		struct ttt_mac_key k;

		ttt_mac_key_init(&k, h[m], test_key, sizeof(test_key));
		for (size_t a = 0; a < PAIR_LENS; a++) {
			for (size_t b = 0; b < PAIR_LENS; b++) {
				const size_t len[2] = { pair_lens[a], pair_lens[b] };
				uint8_t *pair[2], *alone[2];
				size_t dlen[2], dalone;

				for (int i = 0; i < 2; i++) {
					pair[i] = calloc(1, cap);
					alone[i] = calloc(1, cap);
					assert_true(pair[i] != NULL && alone[i] != NULL);
					fill_frame(pair[i] + TTT_HDR_LEN, len[i] <= TTT_MAX_FRAME ?
					    len[i] : TTT_MAX_FRAME, (unsigned)(a + b + (size_t)i));
					memcpy(alone[i], pair[i], cap);
				}
				ttt_frame_encode_pair(&k, ts, pair, len, cap, dlen);
				for (int i = 0; i < 2; i++) {
					dalone = ttt_frame_encode(&k, ts[i], alone[i] + TTT_HDR_LEN,
					    len[i], alone[i], cap);
					if (dlen[i] != dalone || memcmp(pair[i], alone[i], cap) != 0)
						fail_msg("%s: lengths %zu and %zu: frame %d differs",
						    names[m], len[0], len[1], i);
					free(pair[i]);
					free(alone[i]);
				}
			}
		}
		ttt_mac_key_wipe(&k);
	}
}

/* A MAC computed ahead gives the decoder's own verdict, at every length
 * and limit; the partner's MAC, or any other, is refused as badmac. */
static void
test_decode_pre(void **state)
{
	const br_hash_class *h[MAX_HASHES];
	const char *names[MAX_HASHES];
	size_t nh = hash_classes(h, names);
	const struct ttt_frame_limits lim = { win3s, SMALL_MAX_FRAME };

	(void)state;
	for (size_t m = 0; m < nh; m++) {
		struct ttt_mac_key k;

		ttt_mac_key_init(&k, h[m], test_key, sizeof(test_key));
		for (size_t a = 1; a < PAIR_LENS; a++) {
			size_t len[2], flen = pair_lens[a];
			uint8_t *d[2], mac0[TTT_MAC_LEN], mac1[TTT_MAC_LEN];
			struct ttt_frame_view v0, v1;
			enum ttt_frame_status want;

			d[0] = build(test_key, sizeof(test_key), SOME_NOW, flen, 3, &len[0]);
			d[1] = build(test_key, sizeof(test_key), SOME_NOW, SMALL_MAX_FRAME, 4, &len[1]);
			want = ttt_frame_decode(&k, SOME_NOW, &lim, d[0], len[0], &v1);
			assert_int_equal(ttt_frame_wants_mac(&lim, len[0]),
			    want != TTT_FRAME_SHORT && want != TTT_FRAME_LONG);
			ttt_frame_mac_pair(&k, (const uint8_t *const *)d, len, mac0, mac1);
			if (ttt_frame_decode_pre(&k, mac0, SOME_NOW, &lim, d[0], len[0], &v0) != want)
				fail_msg("%s: a %zu-byte frame: not the decoder's verdict", names[m], flen);
			if (want == TTT_FRAME_OK) {
				assert_memory_equal(&v0, &v1, sizeof(v0));
				assert_int_equal(ttt_frame_decode_pre(&k, mac1, SOME_NOW, &lim, d[0],
				    len[0], &v0), TTT_FRAME_BADMAC);
			}
			assert_int_equal(ttt_frame_decode_pre(&k, mac1, SOME_NOW, &lim, d[1], len[1],
			    &v0), TTT_FRAME_OK);
			free(d[0]);
			free(d[1]);
		}
		ttt_mac_key_wipe(&k);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_file),
		cmocka_unit_test(test_rfc4231_hmac),
		cmocka_unit_test(test_key_wipe),
		cmocka_unit_test(test_short_boundary),
		cmocka_unit_test(test_long_boundary),
		cmocka_unit_test(test_window_boundaries),
		cmocka_unit_test(test_extreme_timestamps),
		cmocka_unit_test(test_every_bit_flip_is_badmac),
		cmocka_unit_test(test_wrong_key_is_badmac),
		cmocka_unit_test(test_forged_out_of_window_is_badmac),
		cmocka_unit_test(test_encode_matches_independent_build),
		cmocka_unit_test(test_encode_refusals),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_peek_ts),
		cmocka_unit_test(test_negative_window_is_none),
		cmocka_unit_test(test_encode_pair_is_two_encodes),
		cmocka_unit_test(test_decode_pre),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

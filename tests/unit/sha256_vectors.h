/*
 * Published SHA-256 and HMAC-SHA256 vectors (FIPS 180-4 examples, RFC 4231),
 * shared by test_sha256.c (one stream) and test_sha256_x2.c (two streams),
 * with the few helpers both draw random inputs and skips with.
 */
#ifndef TTT_TEST_SHA256_VECTORS_H
#define TTT_TEST_SHA256_VECTORS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* TTT_TEST_NO_SHA_NI=1 in the environment: SHA-NI tests skip, to check they do. */
static inline int
ni_disabled_by_env(void)
{
	const char *v = getenv("TTT_TEST_NO_SHA_NI");

	return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

/* splitmix64: small, seedable, good enough to pick lengths and bytes. */
static inline uint64_t
prng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static inline size_t
prng_below(uint64_t *s, size_t n)
{
	return (size_t)(prng_next(s) % n);
}

static inline void
prng_fill(uint64_t *s, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)prng_next(s);
}

static const struct {
	const char *msg;
	const char *digest;
} nist[] = {
	{ "abc",
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "",
	  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
};

static const char million_a_digest[] =
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

#define AA16 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define AA131 AA16 AA16 AA16 AA16 AA16 AA16 AA16 AA16 "aaaaaa"

static const struct {
	const char *key_hex;
	const char *data_text;	/* the data as ASCII, or NULL ... */
	const char *data_hex;	/* ... as hex */
	const char *mac_hex;	/* truncated where the RFC truncates */
} rfc4231[] = {
	/* 1 */
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", NULL,
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	/* 2: a key shorter than the output */
	{ "4a656665", "what do ya want for nothing?", NULL,
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	/* 3: combined key and data longer than a block */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL,
	  "dddddddddddddddddddddddddddddddddddddddddddddddddd"
	  "dddddddddddddddddddddddddddddddddddddddddddddddddd",
	  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	/* 4 */
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819", NULL,
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
	  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
	/* 5: output truncated to 128 bits */
	{ "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "Test With Truncation", NULL,
	  "a3b6167473100ee06e0c796c2955552b" },
	/* 6: a key longer than a block is hashed first */
	{ AA131, "Test Using Larger Than Block-Size Key - Hash Key First", NULL,
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	/* 7: and data longer than a block */
	{ AA131, "This is a test using a larger than block-size key and a larger "
	  "than block-size data. The key needs to be hashed before being used "
	  "by the HMAC algorithm.", NULL,
	  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
};

#endif

/*
 * Differential: HMAC-SHA256 of two messages at once (hmac_x2.h) against the
 * same two one at a time on SHA-NI and against BearSSL's portable HMAC; and
 * the codec's pair paths (ttt_frame_encode_pair, ttt_frame_mac_pair with
 * ttt_frame_decode_pre) against its one-at-a-time ones.
 *
 * Input: flags (1 byte), key length (1), first message length (2), then the
 * key bytes, then the messages: the first len0 bytes (at most what is
 * left), the second the rest.
 *   flags bits 0-3  the second message starts this many bytes into its
 *                   buffer (unaligned loads); each buffer is exactly as long
 *                   as its message, so ASan sees a byte read past either
 *   flags bit 4     process the key for BearSSL's portable class instead
 *                   (the one-at-a-time fallback of ttt_hmac_x2)
 *   flags bit 5     swap the two messages
 * The key is 0..255 bytes, so keys over SHA-256's block are hashed first.
 * Where the CPU has no SHA-NI, every key is portable.
 *
 * abort() on any difference, so libFuzzer records the input.
 */
#include "fuzz_common.h"
#include "hmac_x2.h"
#include "sha256_ni.h"

#define MISALIGN_MASK 0x0f
#define FLAG_PORTABLE 0x10
#define FLAG_SWAP     0x20
#define FRAME_TS      INT64_C(1764000000000000000)

/* A copy of n bytes at offset off of a block exactly off + n long. */
static uint8_t *
exact_copy(const uint8_t *p, size_t n, size_t off, uint8_t **block)
{
	*block = malloc(off + n > 0 ? off + n : 1);
	FUZZ_CHECK(*block != NULL);
	if (n > 0)
		memcpy(*block + off, p, n);
	return *block + off;
}

/* The codec: two frames encoded as a pair equal each encoded alone, and
 * each decodes against its MAC computed ahead as it decodes alone. */
static void
check_frames(const struct ttt_mac_key *k, const uint8_t *m[2], const size_t len[2])
{
	const struct ttt_frame_limits lim = { TTT_DEFAULT_WINDOW_NS, TTT_MAX_FRAME };
	const int64_t ts[2] = { FRAME_TS, FRAME_TS + 1 };
	uint8_t *pair[2], *alone[2], mac0[TTT_MAC_LEN], mac1[TTT_MAC_LEN];
	size_t cap = TTT_HDR_LEN + (len[0] > len[1] ? len[0] : len[1]);
	size_t dlen[2], dalone[2];
	struct ttt_frame_view v0, v1;

	for (int i = 0; i < 2; i++) {
		pair[i] = calloc(1, cap);
		alone[i] = calloc(1, cap);
		FUZZ_CHECK(pair[i] != NULL && alone[i] != NULL);
		if (len[i] > 0 && len[i] <= cap - TTT_HDR_LEN) {
			memcpy(pair[i] + TTT_HDR_LEN, m[i], len[i]);
			memcpy(alone[i] + TTT_HDR_LEN, m[i], len[i]);
		}
		dalone[i] = ttt_frame_encode(k, ts[i], alone[i] + TTT_HDR_LEN, len[i], alone[i], cap);
	}
	ttt_frame_encode_pair(k, ts, pair, len, cap, dlen);
	for (int i = 0; i < 2; i++) {
		FUZZ_CHECK(dlen[i] == dalone[i]);
		FUZZ_CHECK(memcmp(pair[i], alone[i], dlen[i]) == 0);
	}
	if (dlen[0] != 0 && dlen[1] != 0) {
		ttt_frame_mac_pair(k, (const uint8_t *const *)pair, dlen, mac0, mac1);
		FUZZ_CHECK(ttt_frame_decode_pre(k, mac0, FRAME_TS, &lim, pair[0], dlen[0], &v0) ==
		    ttt_frame_decode(k, FRAME_TS, &lim, pair[0], dlen[0], &v1));
		FUZZ_CHECK(ttt_frame_decode_pre(k, mac1, FRAME_TS, &lim, pair[1], dlen[1], &v0) ==
		    TTT_FRAME_OK);
		/* A MAC computed for another datagram never passes for this one. */
		if (memcmp(mac0, mac1, TTT_MAC_LEN) != 0)
			FUZZ_CHECK(ttt_frame_decode_pre(k, mac1, FRAME_TS, &lim, pair[0], dlen[0],
			    &v0) == TTT_FRAME_BADMAC);
	}
	for (int i = 0; i < 2; i++) {
		free(pair[i]);
		free(alone[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t flags = fuzz_u8(&in), keylen = fuzz_u8(&in);
	size_t len0 = fuzz_u16(&in), len[2];
	const br_hash_class *ni = ttt_sha256_select(1);
	const uint8_t *key, *m[2];
	uint8_t *block[2], x0[TTT_MAC_LEN], x1[TTT_MAC_LEN], ref[TTT_MAC_LEN];
	br_hmac_key_context kc, portable;
	struct ttt_mac_key mk;

	if (keylen > in.n)
		keylen = (uint8_t)in.n;
	key = in.p;
	in.p += keylen;
	in.n -= keylen;
	if (len0 > in.n)
		len0 = in.n;
	len[0] = len0;
	len[1] = in.n - len0;
	m[0] = exact_copy(in.p, len[0], 0, &block[0]);
	m[1] = exact_copy(in.p + len0, len[1], flags & MISALIGN_MASK, &block[1]);
	if (flags & FLAG_SWAP) {
		const uint8_t *t = m[0];
		size_t tl = len[0];

		m[0] = m[1];
		m[1] = t;
		len[0] = len[1];
		len[1] = tl;
	}

	if (ni == NULL || (flags & FLAG_PORTABLE))
		ni = &br_sha256_vtable;
	br_hmac_key_init(&kc, ni, key, keylen);
	br_hmac_key_init(&portable, &br_sha256_vtable, key, keylen);
	ttt_hmac_x2(&kc, m[0], len[0], m[1], len[1], x0, x1);
	fuzz_ref_mac(&kc, m[0], len[0], ref);		/* one at a time, same class */
	FUZZ_CHECK(memcmp(x0, ref, TTT_MAC_LEN) == 0);
	fuzz_ref_mac(&portable, m[0], len[0], ref);	/* portable */
	FUZZ_CHECK(memcmp(x0, ref, TTT_MAC_LEN) == 0);
	fuzz_ref_mac(&kc, m[1], len[1], ref);
	FUZZ_CHECK(memcmp(x1, ref, TTT_MAC_LEN) == 0);
	fuzz_ref_mac(&portable, m[1], len[1], ref);
	FUZZ_CHECK(memcmp(x1, ref, TTT_MAC_LEN) == 0);

	ttt_mac_key_init(&mk, ni, key, keylen);
	check_frames(&mk, m, len);
	ttt_mac_key_wipe(&mk);
	free(block[0]);
	free(block[1]);
	return 0;
}

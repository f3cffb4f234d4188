/*
 * decode(encode(frame)) == frame for any frame and any timestamp inside the
 * window, and any single-bit change, truncation or extension of the encoded
 * datagram is refused.
 *
 * Input: flags (1 byte), clock (8), timestamp ingredient (8), bit position
 * (2), cut length (1), key length (1), then the key bytes, then the frame.
 *   flags bits 0-1  window: 3 s, 0, 1 ns, INT64_MAX
 *   flags bit 2     max_frame: 1432 (the default MTU), or TTT_MAX_FRAME
 *   flags bit 3     clock: the vectors' clock plus a small offset, or raw
 *   flags bit 4     key: the vectors' key, or key-length bytes of the input
 *                   (0..128, so keys over SHA-256's 64-byte block are hashed)
 *   flags bit 5     encode with the fastest SHA-256 (SHA-NI where the CPU
 *                   has it, as the daemon does), else BearSSL's portable one
 *   flags bit 6     the same choice for decoding
 *   flags bit 7     also encode in place (the frame already at
 *                   out + TTT_HDR_LEN, as the worker reads tap frames) and
 *                   require the same datagram
 * The MAC is always checked against BearSSL's portable HMAC as well, so the
 * SHA-NI code is differentially tested over every length the fuzzer tries.
 *
 * abort() on any violation, so libFuzzer records the input.
 */
#include "fuzz_common.h"
#include "sha256_ni.h"

static const int64_t windows[4] = { TTT_DEFAULT_WINDOW_NS, 0, 1, INT64_MAX };

/* The datagram, altered, in an exact-size buffer of its own. */
static enum ttt_frame_status
decode_copy(const struct ttt_mac_key *k, int64_t now, const struct ttt_frame_limits *lim,
    const uint8_t *d, size_t n, size_t newlen, int flipbit, uint8_t extra)
{
	struct ttt_frame_view v;
	enum ttt_frame_status st;
	uint8_t *c = malloc(newlen > 0 ? newlen : 1);

	FUZZ_CHECK(c != NULL);
	memcpy(c, d, newlen < n ? newlen : n);
	if (newlen > n)
		memset(c + n, extra, newlen - n);
	if (flipbit >= 0)
		c[flipbit / 8] ^= (uint8_t)(1u << (flipbit % 8));
	st = ttt_frame_decode(k, now, lim, c, newlen, &v);
	free(c);
	return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct ttt_frame_limits lim;
	struct ttt_frame_view v;
	struct ttt_mac_key key, dkey;
	br_hmac_key_context ref_kc;
	enum ttt_frame_status st;
	uint8_t flags, cut, keylen, mac[TTT_MAC_LEN], *d;
	const uint8_t *keybytes, *frame;
	uint64_t now_raw, ts_ingr;
	uint16_t bitpos;
	int64_t now, ts;
	size_t flen, n, want_len, newlen;
	__int128 lo, hi, span;

	flags = fuzz_u8(&in);
	now_raw = fuzz_u64(&in);
	ts_ingr = fuzz_u64(&in);
	bitpos = fuzz_u16(&in);
	cut = fuzz_u8(&in);
	keylen = fuzz_u8(&in);

	if (flags & 0x10) {
		keylen = (uint8_t)(keylen % 129);
		if (keylen > in.n)
			keylen = (uint8_t)in.n;
		keybytes = in.p;
		in.p += keylen;
		in.n -= keylen;
	} else {
		keylen = sizeof(fuzz_vector_key);
		keybytes = fuzz_vector_key;
	}
	frame = in.p;
	flen = in.n;

	lim.window_ns = windows[flags & 3u];
	lim.max_frame = (flags & 4) ? TTT_MAX_FRAME : TTT_DEFAULT_MAX_FRAME;
	if (flags & 8)
		now = fuzz_i64(now_raw);
	else
		now = FUZZ_VECTOR_NOW + (int32_t)(uint32_t)now_raw;

	/* Any timestamp in [now - window, now + window], kept in int64 range. */
	lo = (__int128)now - lim.window_ns;
	hi = (__int128)now + lim.window_ns;
	if (lo < INT64_MIN)
		lo = INT64_MIN;
	if (hi > INT64_MAX)
		hi = INT64_MAX;
	span = hi - lo + 1;
	ts = (int64_t)(lo + (__int128)ts_ingr % span);

	ttt_mac_key_init(&key, (flags & 0x20) ? ttt_sha256_best() : NULL, keybytes, keylen);
	ttt_mac_key_init(&dkey, (flags & 0x40) ? ttt_sha256_best() : NULL, keybytes, keylen);
	br_hmac_key_init(&ref_kc, &br_sha256_vtable, keybytes, keylen);

	/* Frames the codec cannot carry are refused by encode, writing nothing. */
	want_len = TTT_HDR_LEN + flen;
	d = malloc(want_len);
	FUZZ_CHECK(d != NULL);
	if (flen < TTT_MIN_FRAME || flen > TTT_MAX_FRAME) {
		FUZZ_CHECK(ttt_frame_encode(&key, ts, frame, flen, d, want_len) == 0);
		goto out;
	}
	/* One byte short of room: refused, and ASan checks nothing is written
	 * past the (exact-size) buffer. */
	FUZZ_CHECK(ttt_frame_encode(&key, ts, frame, flen, d, want_len - 1) == 0);

	n = ttt_frame_encode(&key, ts, frame, flen, d, want_len);
	FUZZ_CHECK(n == want_len);
	/* The encoding is the wire format, byte for byte. */
	FUZZ_CHECK(fuzz_get_be64(d + TTT_MAC_LEN) == ts);
	FUZZ_CHECK(memcmp(d + TTT_HDR_LEN, frame, flen) == 0);
	fuzz_ref_mac(&ref_kc, d + TTT_MAC_LEN, n - TTT_MAC_LEN, mac);
	FUZZ_CHECK(memcmp(mac, d, TTT_MAC_LEN) == 0);
	if (flags & 0x80) {
		uint8_t *inplace = malloc(want_len);

		FUZZ_CHECK(inplace != NULL);
		memcpy(inplace + TTT_HDR_LEN, frame, flen);
		FUZZ_CHECK(ttt_frame_encode(&key, ts, inplace + TTT_HDR_LEN, flen,
		    inplace, want_len) == n);
		FUZZ_CHECK(memcmp(inplace, d, n) == 0);
		free(inplace);
	}

	memset(&v, 0, sizeof(v));
	st = ttt_frame_decode(&dkey, now, &lim, d, n, &v);
	if (flen > lim.max_frame) {
		/* Encodable, but over this receiver's MTU. */
		FUZZ_CHECK(st == TTT_FRAME_LONG);
		goto out;
	}
	if (st != TTT_FRAME_OK) {
		fprintf(stderr, "round trip refused as %s: flen %zu now %lld ts %lld "
		    "window %lld\n", ttt_frame_status_name(st), flen, (long long)now,
		    (long long)ts, (long long)lim.window_ns);
		abort();
	}
	fuzz_check_ok_view(&v, now, &lim, d, n);
	FUZZ_CHECK(v.ts == ts);
	FUZZ_CHECK(memcmp(v.frame, frame, flen) == 0);

	/* Any one bit flipped, in the MAC, the timestamp or the frame: the
	 * length is unchanged, so the only possible refusal is the MAC. */
	st = decode_copy(&dkey, now, &lim, d, n, n, (int)(bitpos % (n * 8)), 0);
	FUZZ_CHECK(st == TTT_FRAME_BADMAC);

	/* Cut short by 1..256 bytes: short, or a MAC that no longer verifies. */
	newlen = n > (size_t)cut + 1 ? n - cut - 1 : 0;
	st = decode_copy(&dkey, now, &lim, d, n, newlen, -1, 0);
	FUZZ_CHECK(st == (newlen < TTT_MIN_DATAGRAM ? TTT_FRAME_SHORT : TTT_FRAME_BADMAC));

	/* One byte appended: too long for the receiver, or a bad MAC. */
	st = decode_copy(&dkey, now, &lim, d, n, n + 1, -1, cut);
	FUZZ_CHECK(st == (flen + 1 > lim.max_frame ? TTT_FRAME_LONG : TTT_FRAME_BADMAC));

	/* The right datagram under a different key. HMAC pads a short key with
	 * zeros, so K and K || 00 are the same key: change a bit instead. */
	{
		struct ttt_mac_key other;
		uint8_t kb[129] = { 0x01 };
		size_t olen = 1;

		if (keylen > 0) {
			memcpy(kb, keybytes, keylen);
			kb[bitpos % keylen] ^= 0x01;
			olen = keylen;
		}
		ttt_mac_key_init(&other, (flags & 0x40) ? ttt_sha256_best() : NULL, kb, olen);
		FUZZ_CHECK(ttt_frame_decode(&other, now, &lim, d, n, &v) == TTT_FRAME_BADMAC);
		ttt_mac_key_wipe(&other);
	}
out:
	ttt_mac_key_wipe(&key);
	ttt_mac_key_wipe(&dkey);
	free(d);
	return 0;
}

/*
 * Frame codec: encode an Ethernet frame into a v1.4 datagram and authenticate,
 * check and decode one. Pure: the key, the clock and the limits are arguments;
 * no allocation, no global state, nothing printed.
 */
#ifndef TTT_FRAME_H
#define TTT_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <bearssl_hmac.h>

#include "wire.h"

/* Exactly one reason a datagram is refused. */
enum ttt_frame_status {
	TTT_FRAME_OK = 0,
	TTT_FRAME_SHORT,	/* fewer than TTT_MIN_DATAGRAM bytes */
	TTT_FRAME_LONG,		/* frame longer than the configured maximum */
	TTT_FRAME_BADMAC,	/* the MAC does not verify under the key */
	TTT_FRAME_STALE,	/* authentic, but older than the window */
	TTT_FRAME_FUTURE,	/* authentic, but newer than the window */
	TTT_FRAME_NSTATUS
};

/* A processed HMAC key: the hash of key^ipad and key^opad, computed once. */
struct ttt_mac_key {
	br_hmac_key_context kc;
};

/* What a datagram carried: a view into the caller's buffer, never a copy. */
struct ttt_frame_view {
	const uint8_t *frame;
	size_t len;
	int64_t ts;
};

/* Receiver limits; window_ns >= 0, max_frame in [TTT_MIN_FRAME, TTT_MAX_FRAME]. */
struct ttt_frame_limits {
	int64_t window_ns;
	size_t max_frame;
};

const char *ttt_frame_status_name(enum ttt_frame_status st);

/*
 * Process a raw key once. hash is the SHA-256 implementation to use
 * (NULL: BearSSL's portable br_sha256_vtable).
 */
void ttt_mac_key_init(struct ttt_mac_key *k, const br_hash_class *hash, const void *key, size_t len);
void ttt_mac_key_wipe(struct ttt_mac_key *k);

/*
 * Write MAC | ts | frame into out; frame may already sit at out + TTT_HDR_LEN
 * (encoding in place). Returns the datagram length, or 0 when
 * len is outside [TTT_MIN_FRAME, TTT_MAX_FRAME] or cap is too small.
 */
size_t ttt_frame_encode(const struct ttt_mac_key *k, int64_t ts, const uint8_t *frame,
    size_t len, uint8_t *out, size_t cap);

/*
 * Two in-place encodings at once: exactly what ttt_frame_encode(k, ts[i],
 * out[i] + TTT_HDR_LEN, len[i], out[i], cap) would do for i = 0 then 1,
 * with dlen[i] its result, but the two MACs computed side by side
 * (hmac_x2.h) when both frames can be encoded. out[0] and out[1] must not
 * overlap.
 */
void ttt_frame_encode_pair(const struct ttt_mac_key *k, const int64_t ts[2], uint8_t *const out[2],
    const size_t len[2], size_t cap, size_t dlen[2]);

/*
 * Authenticate and check one datagram against the receiver's clock now.
 * On TTT_FRAME_OK, *v points into dgram. The MAC is compared in constant time.
 */
enum ttt_frame_status ttt_frame_decode(const struct ttt_mac_key *k, int64_t now,
    const struct ttt_frame_limits *lim, const uint8_t *dgram, size_t len,
    struct ttt_frame_view *v);

/*
 * 1 if ttt_frame_decode computes the MAC of a datagram of len bytes under
 * these limits (it is neither SHORT nor LONG): only then is computing it
 * ahead (ttt_frame_mac_pair) work the decoder would have done anyway.
 */
int ttt_frame_wants_mac(const struct ttt_frame_limits *lim, size_t len);

/*
 * The MACs that two datagrams must carry under k, computed side by side,
 * for ttt_frame_decode_pre: mac0 and mac1 cover dgram[0]'s and dgram[1]'s timestamp and frame.
 * Each len[i] >= TTT_HDR_LEN. The results are as secret as a valid MAC of
 * the datagram: wipe them once compared.
 */
void ttt_frame_mac_pair(const struct ttt_mac_key *k, const uint8_t *const dgram[2],
    const size_t len[2], uint8_t mac0[TTT_MAC_LEN], uint8_t mac1[TTT_MAC_LEN]);

/*
 * ttt_frame_decode, with the MAC computed ahead: premac, when not NULL, is
 * the MAC of this datagram under k (ttt_frame_mac_pair) and is compared in
 * place of computing it; every check, and its order, stays the same.
 */
enum ttt_frame_status ttt_frame_decode_pre(const struct ttt_mac_key *k, const uint8_t *premac,
    int64_t now, const struct ttt_frame_limits *lim, const uint8_t *dgram, size_t len,
    struct ttt_frame_view *v);

/* The timestamp a datagram carries, without authenticating it (for logs). */
int64_t ttt_frame_peek_ts(const uint8_t *dgram);

/* Constant-time equality of two buffers of length n: 1 if equal. */
int ttt_ct_equal(const uint8_t *a, const uint8_t *b, size_t n);

#endif

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
 * Authenticate and check one datagram against the receiver's clock now.
 * On TTT_FRAME_OK, *v points into dgram. The MAC is compared in constant time.
 */
enum ttt_frame_status ttt_frame_decode(const struct ttt_mac_key *k, int64_t now,
    const struct ttt_frame_limits *lim, const uint8_t *dgram, size_t len,
    struct ttt_frame_view *v);

/* The timestamp a datagram carries, without authenticating it (for logs). */
int64_t ttt_frame_peek_ts(const uint8_t *dgram);

/* Constant-time equality of two buffers of length n: 1 if equal. */
int ttt_ct_equal(const uint8_t *a, const uint8_t *b, size_t n);

#endif

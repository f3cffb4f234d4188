/*
 * Frame codec for the v1.4 wire format (see wire.h).
 */
#include <string.h>

#include "frame.h"
#include "hmac_x2.h"

static const char *const status_names[TTT_FRAME_NSTATUS] = {
	[TTT_FRAME_OK] = "ok",
	[TTT_FRAME_SHORT] = "short",
	[TTT_FRAME_LONG] = "long",
	[TTT_FRAME_BADMAC] = "badmac",
	[TTT_FRAME_STALE] = "stale",
	[TTT_FRAME_FUTURE] = "future",
};

const char *
ttt_frame_status_name(enum ttt_frame_status st)
{
	if ((unsigned)st >= TTT_FRAME_NSTATUS)
		return "unknown";
	return status_names[st];
}

void
ttt_mac_key_init(struct ttt_mac_key *k, const br_hash_class *hash, const void *key, size_t len)
{
	br_hmac_key_init(&k->kc, hash != NULL ? hash : &br_sha256_vtable, key, len);
}

void
ttt_mac_key_wipe(struct ttt_mac_key *k)
{
	explicit_bzero(k, sizeof(*k));
}

int
ttt_ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t diff = 0;

	/* Constant time: a timing oracle on the first differing byte would let an
	 * attacker on the underlay forge a MAC byte by byte. */
	for (size_t i = 0; i < n; i++)
		diff |= (uint8_t)(a[i] ^ b[i]);
	return ((unsigned)diff - 1u) >> 8 & 1u;
}

static void
put_be64(uint8_t *p, int64_t v)
{
	uint64_t u = (uint64_t)v;

	for (int i = TTT_TS_LEN - 1; i >= 0; i--) {
		p[i] = (uint8_t)u;
		u >>= 8;
	}
}

static int64_t
get_be64(const uint8_t *p)
{
	uint64_t u = 0;

	for (int i = 0; i < TTT_TS_LEN; i++)
		u = u << 8 | p[i];
	return (int64_t)u;
}

int64_t
ttt_frame_peek_ts(const uint8_t *dgram)
{
	return get_be64(dgram + TTT_MAC_LEN);
}

/* HMAC over timestamp || frame, which sit contiguously after the MAC. */
static void
compute_mac(const struct ttt_mac_key *k, const uint8_t *ts_and_frame, size_t len,
    uint8_t mac[TTT_MAC_LEN])
{
	br_hmac_context hc;

	br_hmac_init(&hc, &k->kc, 0);
	br_hmac_update(&hc, ts_and_frame, len);
	br_hmac_out(&hc, mac);
}

static int
encodable(size_t len, size_t cap)
{
	return len >= TTT_MIN_FRAME && len <= TTT_MAX_FRAME && cap >= TTT_HDR_LEN + len;
}

/* The datagram fits the limits, so the decoder authenticates it. */
int
ttt_frame_wants_mac(const struct ttt_frame_limits *lim, size_t len)
{
	return len >= TTT_MIN_DATAGRAM && len - TTT_HDR_LEN <= lim->max_frame;
}

void
ttt_frame_mac_pair(const struct ttt_mac_key *k, const uint8_t *const dgram[2],
    const size_t len[2], uint8_t mac0[TTT_MAC_LEN], uint8_t mac1[TTT_MAC_LEN])
{
	ttt_hmac_x2(&k->kc, dgram[0] + TTT_MAC_LEN, len[0] - TTT_MAC_LEN,
	    dgram[1] + TTT_MAC_LEN, len[1] - TTT_MAC_LEN, mac0, mac1);
}

size_t
ttt_frame_encode(const struct ttt_mac_key *k, int64_t ts, const uint8_t *frame,
    size_t len, uint8_t *out, size_t cap)
{
	if (!encodable(len, cap))
		return 0;
	put_be64(out + TTT_MAC_LEN, ts);
	/* The worker reads tap frames straight to out + TTT_HDR_LEN: no copy then. */
	if (frame != out + TTT_HDR_LEN)
		memmove(out + TTT_HDR_LEN, frame, len);
	compute_mac(k, out + TTT_MAC_LEN, TTT_TS_LEN + len, out);
	return TTT_HDR_LEN + len;
}

void
ttt_frame_encode_pair(const struct ttt_mac_key *k, const int64_t ts[2], uint8_t *const out[2],
    const size_t len[2], size_t cap, size_t dlen[2])
{
	/* One that cannot be encoded leaves the other to be encoded alone. */
	if (!encodable(len[0], cap) || !encodable(len[1], cap)) {
		for (int i = 0; i < 2; i++)
			dlen[i] = ttt_frame_encode(k, ts[i], out[i] + TTT_HDR_LEN, len[i], out[i], cap);
		return;
	}
	for (int i = 0; i < 2; i++) {
		put_be64(out[i] + TTT_MAC_LEN, ts[i]);
		dlen[i] = TTT_HDR_LEN + len[i];
	}
	ttt_hmac_x2(&k->kc, out[0] + TTT_MAC_LEN, TTT_TS_LEN + len[0],
	    out[1] + TTT_MAC_LEN, TTT_TS_LEN + len[1], out[0], out[1]);
}

/*
 * |now - ts| > window, without overflow for any pair of int64 values: the
 * difference of two int64 values always fits in a uint64.
 */
static int
older_than(int64_t ts, int64_t now, uint64_t window)
{
	return ts < now && (uint64_t)now - (uint64_t)ts > window;
}

static int
newer_than(int64_t ts, int64_t now, uint64_t window)
{
	return ts > now && (uint64_t)ts - (uint64_t)now > window;
}

enum ttt_frame_status
ttt_frame_decode(const struct ttt_mac_key *k, int64_t now,
    const struct ttt_frame_limits *lim, const uint8_t *dgram, size_t len,
    struct ttt_frame_view *v)
{
	return ttt_frame_decode_pre(k, NULL, now, lim, dgram, len, v);
}

enum ttt_frame_status
ttt_frame_decode_pre(const struct ttt_mac_key *k, const uint8_t *premac, int64_t now,
    const struct ttt_frame_limits *lim, const uint8_t *dgram, size_t len,
    struct ttt_frame_view *v)
{
	uint8_t mac[TTT_MAC_LEN];
	uint64_t window;
	size_t flen;
	int64_t ts;
	int ok;

	if (len < TTT_MIN_DATAGRAM)
		return TTT_FRAME_SHORT;
	flen = len - TTT_HDR_LEN;
	if (flen > lim->max_frame)
		return TTT_FRAME_LONG;

	/*
	 * Authenticate before judging the timestamp: a forged datagram costs one
	 * HMAC whatever order we choose, and this way "stale" and "future" only
	 * ever count genuine frames, which is what an operator chasing clock
	 * skew or a replay needs to see.
	 */
	if (premac != NULL)
		memcpy(mac, premac, sizeof(mac));
	else
		compute_mac(k, dgram + TTT_MAC_LEN, TTT_TS_LEN + flen, mac);
	ok = ttt_ct_equal(mac, dgram, TTT_MAC_LEN);
	explicit_bzero(mac, sizeof(mac));
	if (!ok)
		return TTT_FRAME_BADMAC;

	ts = get_be64(dgram + TTT_MAC_LEN);
	/* A negative window would wrap to a huge one: take it as none at all. */
	window = lim->window_ns > 0 ? (uint64_t)lim->window_ns : 0;
	if (older_than(ts, now, window))
		return TTT_FRAME_STALE;
	/* Refuse future timestamps: a frame stamped ahead would stay replayable
	 * for as long as it is ahead, and v1.4 accepts it. */
	if (newer_than(ts, now, window))
		return TTT_FRAME_FUTURE;

	v->frame = dgram + TTT_HDR_LEN;
	v->len = flen;
	v->ts = ts;
	return TTT_FRAME_OK;
}

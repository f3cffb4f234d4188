/*
 * Shared helpers for the libFuzzer harnesses: an input reader that never
 * fails (missing bytes read as zero, so every input is meaningful), a
 * check macro that aborts with a message, and a reference HMAC and frame
 * decoder built directly on BearSSL, independent of src/frame.c, to act as
 * the oracle the codec is compared against.
 */
#ifndef TTT_FUZZ_COMMON_H
#define TTT_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl_hmac.h>

#include "wire.h"
#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant broke: say which, then abort() so libFuzzer keeps the input. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant violated: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* The key and the receiver clock of tests/vectors/frames.txt, so the seed
 * datagrams taken from the vectors authenticate and pass the window. */
static const uint8_t fuzz_vector_key[32] = {
	0xfb, 0xde, 0x1a, 0x13, 0xa1, 0x5a, 0x7a, 0x51,
	0x78, 0x0a, 0x01, 0x17, 0xe0, 0xb3, 0x5f, 0x36,
	0xa3, 0xb3, 0x54, 0x88, 0xa8, 0xc9, 0x2e, 0x8e,
	0xef, 0xc3, 0x51, 0xf1, 0x99, 0xdf, 0x59, 0x35,
};
#define FUZZ_VECTOR_NOW INT64_C(1764000000123456789)

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t
fuzz_u8(struct fuzz_in *in)
{
	uint8_t b = 0;

	if (in->n > 0) {
		b = in->p[0];
		in->p++;
		in->n--;
	}
	return b;
}

static inline uint16_t
fuzz_u16(struct fuzz_in *in)
{
	uint16_t hi = fuzz_u8(in);

	return (uint16_t)(hi << 8 | fuzz_u8(in));
}

static inline uint64_t
fuzz_u64(struct fuzz_in *in)
{
	uint64_t u = 0;

	for (int i = 0; i < 8; i++)
		u = u << 8 | fuzz_u8(in);
	return u;
}

/* Two's-complement conversion, spelled out so it is defined behaviour. */
static inline int64_t
fuzz_i64(uint64_t u)
{
	if (u <= (uint64_t)INT64_MAX)
		return (int64_t)u;
	return -(int64_t)(~u) - 1;
}

/* a + b wrapping around, as the hardware would, without signed overflow. */
static inline int64_t
fuzz_add_wrap(int64_t a, int64_t b)
{
	return fuzz_i64((uint64_t)a + (uint64_t)b);
}

/* Clamp a 128-bit intermediate into int64 range. */
static inline int64_t
fuzz_clamp64(__int128 v)
{
	if (v > INT64_MAX)
		return INT64_MAX;
	if (v < INT64_MIN)
		return INT64_MIN;
	return (int64_t)v;
}

static inline void
fuzz_put_be64(uint8_t *p, int64_t v)
{
	uint64_t u = (uint64_t)v;

	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)u;
		u >>= 8;
	}
}

static inline int64_t
fuzz_get_be64(const uint8_t *p)
{
	uint64_t u = 0;

	for (int i = 0; i < 8; i++)
		u = u << 8 | p[i];
	return fuzz_i64(u);
}

/* HMAC-SHA256 straight from BearSSL, with none of src/frame.c involved. */
static inline void
fuzz_ref_mac(const br_hmac_key_context *kc, const uint8_t *msg, size_t len,
    uint8_t out[TTT_MAC_LEN])
{
	br_hmac_context hc;

	br_hmac_init(&hc, kc, 0);
	br_hmac_update(&hc, msg, len);
	br_hmac_out(&hc, out);
}

/* frame.h asks for window_ns >= 0; the codec takes a negative one as 0. */
static inline int64_t
fuzz_eff_window(const struct ttt_frame_limits *lim)
{
	return lim->window_ns > 0 ? lim->window_ns : 0;
}

/*
 * What ttt_frame_decode must answer, from frame.h and the v1.4 wire format:
 * length checks first (short, then long, both before any HMAC work), then
 * the MAC, then the timestamp (stale and future only ever for authentic
 * datagrams). The age is computed in 128 bits, so no int64 edge can fool it.
 */
static inline enum ttt_frame_status
fuzz_ref_decode(const br_hmac_key_context *kc, int64_t now,
    const struct ttt_frame_limits *lim, const uint8_t *d, size_t n)
{
	uint8_t mac[TTT_MAC_LEN];
	__int128 age;

	if (n < TTT_MIN_DATAGRAM)
		return TTT_FRAME_SHORT;
	if (n - TTT_HDR_LEN > lim->max_frame)
		return TTT_FRAME_LONG;
	fuzz_ref_mac(kc, d + TTT_MAC_LEN, n - TTT_MAC_LEN, mac);
	if (memcmp(mac, d, TTT_MAC_LEN) != 0)
		return TTT_FRAME_BADMAC;
	age = (__int128)now - (__int128)fuzz_get_be64(d + TTT_MAC_LEN);
	if (age > fuzz_eff_window(lim))
		return TTT_FRAME_STALE;
	if (-age > fuzz_eff_window(lim))
		return TTT_FRAME_FUTURE;
	return TTT_FRAME_OK;
}

/* The checks every OK verdict must satisfy, whatever produced the input. */
static inline void
fuzz_check_ok_view(const struct ttt_frame_view *v, int64_t now,
    const struct ttt_frame_limits *lim, const uint8_t *d, size_t n)
{
	__int128 age;

	FUZZ_CHECK(n >= TTT_MIN_DATAGRAM);
	FUZZ_CHECK(v->frame == d + TTT_HDR_LEN);
	FUZZ_CHECK(v->len == n - TTT_HDR_LEN);
	FUZZ_CHECK(v->len >= TTT_MIN_FRAME && v->len <= lim->max_frame);
	FUZZ_CHECK(v->frame >= d && v->frame + v->len <= d + n);
	FUZZ_CHECK(v->ts == fuzz_get_be64(d + TTT_MAC_LEN));
	age = (__int128)now - (__int128)v->ts;
	FUZZ_CHECK(age <= fuzz_eff_window(lim) && -age <= fuzz_eff_window(lim));
}

#endif

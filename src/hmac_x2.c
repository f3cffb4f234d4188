/*
 * HMAC-SHA256 of two messages at once (see hmac_x2.h).
 *
 * HMAC(K, m) = H(K^opad || H(K^ipad || m)). BearSSL's processed key holds
 * the SHA-256 state after the one block K^ipad (ksi) and after K^opad (kso),
 * so each message costs its own blocks plus padding, then one outer block.
 * Each message is a lane: its whole blocks, read where they lie, then its
 * last bytes with the padding in a buffer of the lane's own. Two lanes run
 * side by side while both have blocks; the longer one finishes alone.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hmac_x2.h"
#include "sha256_ni.h"
#include "sha256_ni_x2.h"

#define LENGTH_LEN   TTT_SHA256_LENGTH_LEN
#define PAD_MARKER   0x80	/* the single 1 bit that starts the padding */
#define LANE_SEGS    2		/* the message's whole blocks, then its padded tail */

_Static_assert(TTT_HMAC_X2_LEN == br_sha256_SIZE, "HMAC-SHA256 gives a SHA-256 digest");
_Static_assert(sizeof(((br_hmac_key_context *)0)->ksi) >= TTT_SHA256_STATE_LEN,
    "the processed key holds a SHA-256 state");

struct lane {
	uint32_t st[TTT_SHA256_STATE_WORDS];
	const unsigned char *seg[LANE_SEGS];	/* where the blocks still to compress lie */
	size_t nseg[LANE_SEGS];			/* ... and how many of them */
	unsigned cur;				/* the segment being compressed */
	unsigned char tail[2 * TTT_SHA256_BLOCK_LEN];
};

/*
 * A lane for message m of len bytes, hashed after one block (the padded
 * key) whose state is state_be, in BearSSL's state() encoding.
 */
static void
lane_start(struct lane *l, const unsigned char *state_be, const unsigned char *m, size_t len)
{
	size_t nfull = len / TTT_SHA256_BLOCK_LEN, rest = len % TTT_SHA256_BLOCK_LEN;
	size_t ntail = rest + 1 + LENGTH_LEN <= TTT_SHA256_BLOCK_LEN ? 1 : 2;
	unsigned char *end = l->tail + ntail * TTT_SHA256_BLOCK_LEN;

	ttt_sha256_state_dec(l->st, state_be);
	l->seg[0] = m;
	l->nseg[0] = nfull;
	/* m is NULL for an empty message (BearSSL's contract): never read it then. */
	if (rest != 0)
		memcpy(l->tail, m + nfull * TTT_SHA256_BLOCK_LEN, rest);
	l->tail[rest] = PAD_MARKER;
	memset(l->tail + rest + 1, 0, (size_t)(end - l->tail) - rest - 1 - LENGTH_LEN);
	/* The padded key's block came first. */
	ttt_sha256_pad_length(end - LENGTH_LEN, (uint64_t)len + TTT_SHA256_BLOCK_LEN);
	l->seg[1] = l->tail;
	l->nseg[1] = ntail;
	l->cur = 0;
}

/* Blocks that lie one after the other at the lane's next block; 0 when done. */
static size_t
lane_ready(struct lane *l)
{
	while (l->cur < LANE_SEGS && l->nseg[l->cur] == 0)
		l->cur++;
	return l->cur < LANE_SEGS ? l->nseg[l->cur] : 0;
}

static const unsigned char *
lane_take(struct lane *l, size_t n)
{
	const unsigned char *p = l->seg[l->cur];

	l->seg[l->cur] += n * TTT_SHA256_BLOCK_LEN;
	l->nseg[l->cur] -= n;
	return p;
}

/* Both lanes to the end: side by side while both have blocks, then alone. */
static void
lanes_run(struct lane *a, struct lane *b)
{
	size_t na, nb;

	while ((na = lane_ready(a)) != 0 && (nb = lane_ready(b)) != 0) {
		size_t n = na < nb ? na : nb;
		const unsigned char *pa = lane_take(a, n);

		ttt_sha256_ni_x2_compress(a->st, b->st, pa, lane_take(b, n), n);
	}
	while ((na = lane_ready(a)) != 0)
		ttt_sha256_ni_compress(a->st, lane_take(a, na), na);
	while ((nb = lane_ready(b)) != 0)
		ttt_sha256_ni_compress(b->st, lane_take(b, nb), nb);
}

/* The SHA-NI path: inner hashes side by side, then the two outer blocks. */
static void
hmac_x2_ni(const br_hmac_key_context *kc, const unsigned char *m0, size_t len0,
    const unsigned char *m1, size_t len1, uint8_t out0[TTT_HMAC_X2_LEN],
    uint8_t out1[TTT_HMAC_X2_LEN])
{
	struct lane l[2];
	unsigned char inner[2][TTT_HMAC_X2_LEN];

	lane_start(&l[0], kc->ksi, m0, len0);
	lane_start(&l[1], kc->ksi, m1, len1);
	lanes_run(&l[0], &l[1]);
	ttt_sha256_state_enc(inner[0], l[0].st);
	ttt_sha256_state_enc(inner[1], l[1].st);
	lane_start(&l[0], kc->kso, inner[0], sizeof(inner[0]));
	lane_start(&l[1], kc->kso, inner[1], sizeof(inner[1]));
	lanes_run(&l[0], &l[1]);
	ttt_sha256_state_enc(out0, l[0].st);
	ttt_sha256_state_enc(out1, l[1].st);
	/* States one block past the padded key stand in for the key itself. */
	explicit_bzero(l, sizeof(l));
	explicit_bzero(inner, sizeof(inner));
}

static void
hmac_one(const br_hmac_key_context *kc, const void *m, size_t len, uint8_t out[TTT_HMAC_X2_LEN])
{
	br_hmac_context hc;

	br_hmac_init(&hc, kc, 0);
	br_hmac_update(&hc, m, len);
	br_hmac_out(&hc, out);
}

void
ttt_hmac_x2(const br_hmac_key_context *kc, const void *m0, size_t len0,
    const void *m1, size_t len1, uint8_t out0[TTT_HMAC_X2_LEN],
    uint8_t out1[TTT_HMAC_X2_LEN])
{
	/* Only the SHA-NI class has a two-stream compression function. */
	if (br_hmac_key_get_digest(kc) == &ttt_sha256_ni_vtable) {
		hmac_x2_ni(kc, m0, len0, m1, len1, out0, out1);
		return;
	}
	hmac_one(kc, m0, len0, out0);
	hmac_one(kc, m1, len1, out1);
}

/*
 * Datagrams that authenticate: the harness builds MAC | ts | frame itself,
 * with a correct HMAC-SHA256 under the key, so everything past the MAC check
 * (stale, future, ok, and long frames with a good MAC) is reached instead of
 * dying at "badmac" as random bytes do.
 *
 * Input: flags (1 byte), a raw clock (8), a timestamp ingredient (8), a limit
 * ingredient (8), a MAC bit position (2), then the frame (the rest).
 *   flags bits 0-1  window: 3 s, 0, INT64_MAX, or any int64 from the limit
 *                   ingredient (a negative one must act as 0)
 *   flags bits 2-3  max_frame: 1432, TTT_MAX_FRAME, 1, or from the ingredient
 *   flags bits 4-5  timestamp: now +/- window + small offset (the edges),
 *                   now + raw int64, raw int64, now + int32 * 2
 *   flags bit 6     flip one MAC bit: must then be refused as badmac
 *   flags bit 7     clock: the vectors' clock, or the raw 8 bytes
 *
 * The verdict must be exactly what the wire format implies: short or long
 * from the length, never badmac with a correct MAC, always badmac with a
 * flipped one, and stale / future / ok from |now - ts| against the window.
 */
#include "fuzz_common.h"

static struct ttt_mac_key key;
static br_hmac_key_context ref_kc;
static int ready;

static void
setup(void)
{
	ttt_mac_key_init(&key, NULL, fuzz_vector_key, sizeof(fuzz_vector_key));
	br_hmac_key_init(&ref_kc, &br_sha256_vtable, fuzz_vector_key,
	    sizeof(fuzz_vector_key));
	ready = 1;
}

static int64_t
pick_window(unsigned sel, uint64_t ingr)
{
	switch (sel) {
	case 0: return TTT_DEFAULT_WINDOW_NS;
	case 1: return 0;
	case 2: return INT64_MAX;
	default: return fuzz_i64(ingr);	/* negative too: outside the contract */
	}
}

static size_t
pick_max_frame(unsigned sel, uint64_t ingr)
{
	switch (sel) {
	case 0: return TTT_DEFAULT_MAX_FRAME;
	case 1: return TTT_MAX_FRAME;
	case 2: return TTT_MIN_FRAME;
	default: return TTT_MIN_FRAME + (size_t)((ingr >> 32) % TTT_MAX_FRAME);
	}
}

static int64_t
pick_ts(unsigned sel, int64_t now, int64_t window, uint64_t ingr)
{
	__int128 edge;

	switch (sel) {
	case 0:
		/* Right at the edges of the window, or at now itself. */
		edge = (__int128)now + (__int128)((int)(ingr >> 8 & 3) - 1) * window;
		return fuzz_clamp64(edge + (int8_t)(uint8_t)ingr);
	case 1:
		return fuzz_add_wrap(now, fuzz_i64(ingr));
	case 2:
		return fuzz_i64(ingr);
	default:
		return fuzz_clamp64((__int128)now +
		    (__int128)(int32_t)(uint32_t)ingr * 2);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct ttt_frame_limits lim;
	struct ttt_frame_view v;
	enum ttt_frame_status st, want;
	uint8_t flags, *d;
	uint64_t now_raw, ts_ingr, lim_ingr;
	uint16_t macbit;
	int64_t now, ts;
	size_t flen, n;
	int flip;
	__int128 age;

	if (!ready)
		setup();
	flags = fuzz_u8(&in);
	now_raw = fuzz_u64(&in);
	ts_ingr = fuzz_u64(&in);
	lim_ingr = fuzz_u64(&in);
	macbit = fuzz_u16(&in);
	flen = in.n;

	now = (flags & 0x80) ? fuzz_i64(now_raw) : FUZZ_VECTOR_NOW;
	lim.window_ns = pick_window(flags & 3u, lim_ingr);
	lim.max_frame = pick_max_frame(flags >> 2 & 3u, lim_ingr);
	ts = pick_ts(flags >> 4 & 3u, now, lim.window_ns, ts_ingr);
	flip = (flags & 0x40) != 0;

	/* Exact size, so ASan catches a read past the end. */
	n = TTT_HDR_LEN + flen;
	d = malloc(n);
	FUZZ_CHECK(d != NULL);
	fuzz_put_be64(d + TTT_MAC_LEN, ts);
	if (flen > 0)
		memcpy(d + TTT_HDR_LEN, in.p, flen);
	fuzz_ref_mac(&ref_kc, d + TTT_MAC_LEN, TTT_TS_LEN + flen, d);
	if (flip)
		d[macbit / 8 % TTT_MAC_LEN] ^= (uint8_t)(1u << (macbit % 8));

	age = (__int128)now - ts;
	if (flen < TTT_MIN_FRAME)
		want = TTT_FRAME_SHORT;
	else if (flen > lim.max_frame)
		want = TTT_FRAME_LONG;
	else if (flip)
		want = TTT_FRAME_BADMAC;
	else if (age > fuzz_eff_window(&lim))
		want = TTT_FRAME_STALE;
	else if (-age > fuzz_eff_window(&lim))
		want = TTT_FRAME_FUTURE;
	else
		want = TTT_FRAME_OK;

	memset(&v, 0, sizeof(v));
	st = ttt_frame_decode(&key, now, &lim, d, n, &v);
	if (st != want) {
		fprintf(stderr, "decode says %s, expected %s: flen %zu max_frame %zu "
		    "now %lld ts %lld window %lld mac %s\n",
		    ttt_frame_status_name(st), ttt_frame_status_name(want), flen,
		    lim.max_frame, (long long)now, (long long)ts,
		    (long long)lim.window_ns, flip ? "flipped" : "correct");
		abort();
	}
	if (st == TTT_FRAME_OK) {
		fuzz_check_ok_view(&v, now, &lim, d, n);
		FUZZ_CHECK(v.ts == ts);
		FUZZ_CHECK(memcmp(v.frame, in.p, flen) == 0);
	}
	free(d);
	return 0;
}

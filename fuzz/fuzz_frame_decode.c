/*
 * Arbitrary datagrams, exactly as they would arrive from the underlay, into
 * ttt_frame_decode under the key and clock of tests/vectors/frames.txt.
 *
 * Each input is decoded twice: under the daemon's default limits (window
 * 3 s, frame at most 1432 bytes) and under the widest ones (jumbo frames,
 * window 0), and each verdict is compared with the reference decoder in
 * fuzz_common.h. libFuzzer hands us an exact-size heap copy, so ASan sees
 * any read past the datagram.
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

static void
decode_and_compare(const struct ttt_frame_limits *lim, const uint8_t *d, size_t n)
{
	struct ttt_frame_view v;
	enum ttt_frame_status st, want;

	memset(&v, 0, sizeof(v));
	st = ttt_frame_decode(&key, FUZZ_VECTOR_NOW, lim, d, n, &v);
	FUZZ_CHECK((unsigned)st < TTT_FRAME_NSTATUS);
	FUZZ_CHECK(ttt_frame_status_name(st) != NULL);
	want = fuzz_ref_decode(&ref_kc, FUZZ_VECTOR_NOW, lim, d, n);
	if (st != want) {
		fprintf(stderr, "decode says %s, reference says %s (len %zu)\n",
		    ttt_frame_status_name(st), ttt_frame_status_name(want), n);
		abort();
	}
	if (st == TTT_FRAME_OK)
		fuzz_check_ok_view(&v, FUZZ_VECTOR_NOW, lim, d, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ttt_frame_limits deflim = {
		.window_ns = TTT_DEFAULT_WINDOW_NS,
		.max_frame = TTT_DEFAULT_MAX_FRAME,
	};
	static const struct ttt_frame_limits widelim = {
		.window_ns = 0,
		.max_frame = TTT_MAX_FRAME,
	};

	if (!ready)
		setup();
	decode_and_compare(&deflim, data, size);
	decode_and_compare(&widelim, data, size);
	if (size >= TTT_HDR_LEN)
		FUZZ_CHECK(ttt_frame_peek_ts(data) == fuzz_get_be64(data + TTT_MAC_LEN));
	return 0;
}

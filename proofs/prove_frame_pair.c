/*
 * EVA driver: the codec's two-at-a-time paths. ttt_frame_encode_pair of two
 * frames in place, as the sender calls it (each slot holds its frame after
 * the header room, one capacity for both), and the receiver's: two
 * datagrams' MACs computed ahead (ttt_frame_mac_pair, only for lengths
 * ttt_frame_wants_mac accepts), then the first decoded against its MAC
 * (ttt_frame_decode_pre). Any lengths, any bytes, any key, clock and limits.
 * The first of each pair gets exact lengths (prove.h); the second is any
 * length at the start of its buffer, checked against the buffer's capacity
 * (both split, the analysis would take the product of the two splits).
 *
 * prove-sources: src/frame.c
 * prove-options: -eva-precision 3
 * (precision 3 unrolls put_be64's loop, so each header byte is known written)
 */
#include "__fc_builtin.h"
#include "frame.h"
#include "prove.h"

#define SLOT (TTT_HDR_LEN + TTT_MAX_FRAME + 1)

/* Any length in [min, cap] at the start of buf, any bytes. */
static const uint8_t *
any_input_coarse(uint8_t *buf, size_t min, size_t cap, size_t *len)
{
	*len = Frama_C_size_t_interval(min, cap);
	Frama_C_make_unknown((char *)buf, cap);
	return buf;
}

static void
encode_pair(const struct ttt_mac_key *k)
{
	uint8_t slot0[SLOT], slot1[SLOT];
	int64_t ts[2] = { any_i64(), any_i64() };
	uint8_t *out[2];
	size_t len[2], dlen[2];
	size_t cap = Frama_C_size_t_interval(0, SLOT);

	out[0] = (uint8_t *)any_input(slot0 + TTT_HDR_LEN, SLOT - TTT_HDR_LEN, &len[0]) -
	    TTT_HDR_LEN;
	out[1] = (uint8_t *)any_input_coarse(slot1 + TTT_HDR_LEN, 0, SLOT - TTT_HDR_LEN, &len[1]) -
	    TTT_HDR_LEN;
	ttt_frame_encode_pair(k, ts, out, len, cap, dlen);
}

static void
decode_pre(const struct ttt_mac_key *k)
{
	uint8_t buf0[TTT_RECV_BUF], buf1[TTT_RECV_BUF], mac0[TTT_MAC_LEN], mac1[TTT_MAC_LEN];
	struct ttt_frame_limits lim;
	struct ttt_frame_view v;
	const uint8_t *d[2];
	size_t len[2];

	lim.window_ns = any_i64();
	lim.max_frame = Frama_C_size_t_interval(TTT_MIN_FRAME, TTT_MAX_FRAME);
	d[0] = any_input(buf0, sizeof(buf0), &len[0]);
	/* EVA does not carry ttt_frame_wants_mac's verdict on a length it
	 * holds as an interval back to it: the second starts where the check
	 * lets it (the first shows the check does its job, length by length). */
	d[1] = any_input_coarse(buf1, TTT_MIN_DATAGRAM, sizeof(buf1), &len[1]);
	if (!ttt_frame_wants_mac(&lim, len[0]) || !ttt_frame_wants_mac(&lim, len[1]))
		return;
	ttt_frame_mac_pair(k, d, len, mac0, mac1);
	(void)ttt_frame_decode_pre(k, mac0, any_i64(), &lim, d[0], len[0], &v);
}

int
main(void)
{
	struct ttt_mac_key k;

	Frama_C_make_unknown((char *)&k, sizeof(k));
	encode_pair(&k);
	decode_pre(&k);
	Frama_C_show_each_reached();
	return 0;
}

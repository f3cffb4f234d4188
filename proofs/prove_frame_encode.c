/*
 * EVA driver: ttt_frame_encode of any frame under any key and timestamp,
 * the two ways the worker calls it: in place (the tap frame already sits
 * at out + TTT_HDR_LEN, the datagram buffer exactly as long as the
 * datagram) and from a separate buffer into one of any capacity.
 *
 * prove-sources: src/frame.c
 * prove-options: -eva-precision 3
 * (precision 3 unrolls put_be64's loop, so each header byte is known written)
 */
#include "__fc_builtin.h"
#include "frame.h"
#include "prove.h"

int
main(void)
{
	uint8_t outbuf[TTT_MAX_DATAGRAM + 1];
	uint8_t framebuf[TTT_MAX_FRAME + 1];
	struct ttt_mac_key k;
	int64_t ts = any_i64();
	const uint8_t *frame;
	uint8_t *out;
	size_t len, cap;
	int in_place = Frama_C_nondet(0, 1);

	Frama_C_make_unknown((char *)&k, sizeof(k));
	/* Two cases, analysed apart: joined, their buffers would blur. */
	//@ split in_place;
	if (in_place) {
		/* In place: header room, then the frame, and nothing after it. */
		frame = any_input(outbuf + TTT_HDR_LEN, sizeof(outbuf) - TTT_HDR_LEN, &len);
		out = (uint8_t *)frame - TTT_HDR_LEN;
		cap = TTT_HDR_LEN + len;
	} else {
		/* Apart: any frame, into any capacity of the output buffer. The
		 * buffer holds old bytes, as the worker's reused slots do: for a
		 * length not known exactly, EVA cannot tell which bytes memmove
		 * wrote, and the in-place case above checks that the MAC reads
		 * only what encode wrote. */
		frame = any_input(framebuf, sizeof(framebuf), &len);
		out = outbuf;
		Frama_C_make_unknown((char *)outbuf, sizeof(outbuf));
		cap = Frama_C_size_t_interval(0, sizeof(outbuf));
	}
	(void)ttt_frame_encode(&k, ts, frame, len, out, cap);
	Frama_C_show_each_reached();
	return 0;
}

/*
 * EVA driver: the tap's super-frames, cut (tso.c, and the header parsing
 * and checksums of pkt.c it calls). ttt_tso_prepare on any read the
 * worker hands it (send.c: up to TTT_VNET_LEN + TTT_SUPER_MAX bytes, a
 * longer read refused before; any vnet header field values, any frame
 * bytes), for any max_frame of frame.h's range (the worker's, from any MTU
 * the configuration allows, is within it); then ttt_tso_frame on any
 * frame k below the count it gave, and on any k at or past it, into a slot
 * of max_frame bytes.
 *
 * prove-sources: src/tso.c src/pkt.c
 * prove-options: -cpp-extra-args=-idirafter/usr/include/x86_64-linux-gnu,-idirafter/usr/include
 * prove-options: -eva-auto-loop-unroll 8
 * (tso.h includes <linux/virtio_net.h>, which Frama-C's libc does not
 * have: the system's kernel headers come after it, so only what it lacks
 * is taken from them. The VLAN tag loop of ttt_pkt_parse_tcp runs at most
 * twice: unrolled, the IP header's offset stays one of 14, 18, 22 instead
 * of widening.)
 */
#include "__fc_builtin.h"
#include "tso.h"
#include "prove.h"

int
main(void)
{
	uint8_t buf[TTT_VNET_LEN + TTT_SUPER_MAX];
	uint8_t out[TTT_MAX_FRAME];
	struct ttt_tso t;
	size_t len, max_frame = Frama_C_size_t_interval(TTT_MIN_FRAME, TTT_MAX_FRAME);
	/* The worker's buffer is not const: prepare completes a checksum in place. */
	uint8_t *r = (uint8_t *)any_input(buf, sizeof(buf), &len);

	/* A slot of the worker's: memory written before (the datapath's
	 * arrays, zeroed or holding an earlier frame), so reading a byte
	 * ttt_tso_frame did not write is no memory error; what the frames
	 * hold is the unit tests' (test_tso.c against tests/model/tso_model.h). */
	Frama_C_make_unknown((char *)out, sizeof(out));
	if (ttt_tso_prepare(&t, r, len, max_frame) == TTT_TSO_OK) {
		unsigned k = Frama_C_unsigned_int_interval(0, t.count - 1);

		(void)ttt_tso_frame(&t, k, out, max_frame);
		(void)ttt_tso_frame(&t, Frama_C_unsigned_int_interval(t.count, UINT32_MAX),
		    out, max_frame);
	}
	Frama_C_show_each_reached();
	return 0;
}

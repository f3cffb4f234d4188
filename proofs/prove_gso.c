/*
 * EVA driver: the offload grouping and cutting (gso.c).
 *
 * ttt_gso_group: any batch of up to TTT_BATCH datagram lengths (each
 * 0..UINT16_MAX, as the header requires), under any limits the sender can
 * reach (it starts from TTT_BATCH, UINT16_MAX, TTT_GSO_MAX_BYTES and only
 * lowers them), into an array of exactly n messages.
 * ttt_gro_piece: any received message length, any segment size the kernel
 * can report, any offset inside the message (or 0 in an empty one).
 * ttt_gro_cut: any message flags.
 *
 * prove-sources: src/gso.c
 * prove-options: -eva-domains octagon
 * prove-wp: ttt_gso_group joins ttt_gro_piece cut
 * (the octagon domain relates i + count to n; WP proves nmsg < n, which
 * gso.c asserts from its loop invariant, and that cut() below calls
 * ttt_gro_piece within its precondition)
 */
#include <limits.h>

#include "__fc_builtin.h"
#include "gso.h"
#include "prove.h"

#define BATCH 32	/* TTT_BATCH (datapath.h, which drags in the worker) */
#define RX_MAX 65535	/* the largest message a UDP socket hands over */

static void
group(void)
{
	size_t lenbuf[BATCH];
	struct ttt_gso_msg outbuf[BATCH];
	struct ttt_gso_limits lim;
	unsigned n = Frama_C_unsigned_int_interval(0, BATCH);
	const size_t *len;
	struct ttt_gso_msg *out;

	//@ loop unroll BATCH;
	for (unsigned i = 0; i < BATCH; i++)
		lenbuf[i] = Frama_C_size_t_interval(0, UINT16_MAX);
	/* Exactly n lengths and n messages: each array ends where the
	 * function must stop, so a step past either is an invalid access. */
	//@ split n;
	len = lenbuf + BATCH - n;
	out = outbuf + BATCH - n;
	lim.max_segs = Frama_C_unsigned_int_interval(1, BATCH);
	lim.max_seg = Frama_C_size_t_interval(0, UINT16_MAX);
	lim.max_bytes = Frama_C_size_t_interval(0, TTT_GSO_MAX_BYTES);
	(void)ttt_gso_group(len, n, &lim, out);
}

static void
cut(void)
{
	size_t len = Frama_C_size_t_interval(0, RX_MAX);
	size_t seg = Frama_C_size_t_interval(0, RX_MAX);
	size_t off = len == 0 ? 0 : Frama_C_size_t_interval(0, len - 1);

	(void)ttt_gro_piece(len, seg, off);
	(void)ttt_gro_cut(Frama_C_interval(INT_MIN, INT_MAX));
}

int
main(void)
{
	group();
	cut();
	Frama_C_show_each_reached();
	return 0;
}

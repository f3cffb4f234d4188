/*
 * UDP segmentation offload as pure code (see gso.h).
 */
#include <sys/socket.h>

#include "gso.h"

/*
 * Whether a datagram of next bytes may join a message of count datagrams,
 * bytes long, cut every seg bytes. The kernel cuts every seg bytes, so only
 * the last may be shorter; an empty one would vanish in the cut.
 */
/*@ requires \valid_read(lim);
    assigns \nothing;
*/
static int
joins(const struct ttt_gso_limits *lim, size_t seg, unsigned count, size_t bytes, size_t next)
{
	return seg <= lim->max_seg && count < lim->max_segs &&
	    next > 0 && next <= seg && bytes + next <= lim->max_bytes;
}

unsigned
ttt_gso_group(const size_t *len, unsigned n, const struct ttt_gso_limits *lim,
    struct ttt_gso_msg *out)
{
	unsigned nmsg = 0, i = 0;

	/* Each message takes at least one datagram, so messages never outrun
	 * datagrams: nmsg <= i, the fact that keeps out[nmsg] inside out[n]. */
	/*@ loop invariant 0 <= nmsg <= i <= n;
	    loop assigns i, nmsg, out[0 .. n - 1];
	    loop variant n - i;
	*/
	while (i < n) {
		size_t seg = len[i], bytes = len[i];
		unsigned count = 1;

		/* Equal lengths extend the run; a shorter one closes it. */
		/*@ loop invariant 1 <= count <= n - i;
		    loop assigns count, bytes;
		    loop variant n - i - count;
		*/
		while (i + count < n && joins(lim, seg, count, bytes, len[i + count])) {
			bytes += len[i + count];
			if (len[i + count++] < seg)
				break;
		}
		/* The value analysis cannot relate nmsg to n by itself; WP proves
		 * this from the loop invariant (make prove runs both). */
		//@ assert nmsg < n;
		out[nmsg].first = i;
		out[nmsg].count = count;
		out[nmsg].seg = (uint16_t)seg;
		nmsg++;
		i += count;
	}
	return nmsg;
}

size_t
ttt_gro_piece(size_t len, size_t seg, size_t off)
{
	size_t left = len - off;

	return seg == 0 || seg > left ? left : seg;
}

int
ttt_gro_cut(int msg_flags)
{
	return (msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
}

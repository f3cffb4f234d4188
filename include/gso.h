/*
 * UDP segmentation offload, both ways, as pure code (no system calls).
 *
 * Sending, UDP_SEGMENT lets one message carry several datagrams of one size
 * (the last may be shorter): the kernel walks its UDP/IP stack and the
 * underlay device once for all of them. Receiving, UDP_GRO lets the kernel
 * hand over a sender's run of datagrams as one message with that size. The
 * datagrams on the wire are the same as if each went alone.
 */
#ifndef TTT_GSO_H
#define TTT_GSO_H

#include <stddef.h>
#include <stdint.h>

/*
 * The ACSL contracts below (comments opening with an at sign, which the
 * compiler skips) are what make prove's WP run proves of gso.c, and what
 * its EVA run checks every call against: see proofs/README.
 */

/* Linux's UDP_MAX_SEGMENTS has been at least 64 since UDP_SEGMENT exists. */
#define TTT_GSO_MAX_SEGS  64
/* The largest UDP payload of one message: an IPv4 datagram's 65535 bytes
 * less the IPv4 and UDP headers. */
#define TTT_GSO_MAX_BYTES (65535 - 20 - 8)
/* Every IPv6 path carries 1280-byte packets, so a UDP payload of up to
 * 1280 - 40 - 8 bytes never needs fragments: a kernel that refuses to
 * segment datagrams this small cannot segment at all. */
#define TTT_GSO_SURE_SEG  (1280 - 40 - 8)

struct ttt_gso_limits {
	unsigned max_segs;	/* datagrams a message; 1: no segmentation */
	size_t max_seg;		/* only datagrams up to this long are grouped */
	size_t max_bytes;	/* bytes a message */
};

/* One message: datagrams first .. first + count - 1 of the batch. When
 * count > 1, every one of them is seg bytes long but the last, which may be
 * shorter; when count == 1, seg is its length and no offload is asked for. */
struct ttt_gso_msg {
	unsigned first;
	unsigned count;
	uint16_t seg;
};

/*
 * Split the n datagrams of len[] (each 0..UINT16_MAX bytes), in order, into
 * as few messages as the limits allow, greedily: a message is a run of
 * equal lengths, optionally closed by one shorter datagram. An empty
 * datagram is a message of its own (segmenting would lose it); one longer
 * than max_seg starts a message of its own. Writes at most n messages to out; returns
 * how many.
 */
/*@ requires \valid_read(len + (0 .. n - 1)) && \valid_read(lim);
    requires \valid(out + (0 .. n - 1));
    assigns out[0 .. n - 1];
    ensures \result <= n;
*/
unsigned ttt_gso_group(const size_t *len, unsigned n, const struct ttt_gso_limits *lim,
    struct ttt_gso_msg *out);

/*
 * A received message of len bytes that the kernel coalesced with segment
 * size seg (0: not coalesced): the datagram starting at offset off < len is
 * ttt_gro_piece(len, seg, off) bytes long, and the next starts right after.
 * An empty message is one empty datagram: ttt_gro_piece(0, seg, 0) is 0.
 */
/*@ requires off < len || off == 0;
    assigns \nothing;
    ensures off < len ==> 0 < \result <= len - off;
    ensures len == 0 ==> \result == 0;
*/
size_t ttt_gro_piece(size_t len, size_t seg, size_t off);

/*
 * Whether a received message must be refused whole, unread: the kernel cut
 * its data (MSG_TRUNC: its length is unknown) or its control data
 * (MSG_CTRUNC: a lost UDP_GRO would make a coalesced run look like one
 * long datagram, and it is no longer known where the datagrams start).
 */
int ttt_gro_cut(int msg_flags);

#endif

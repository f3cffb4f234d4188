/*
 * Consecutive TCP segments, or UDP datagrams, from the peer, coalesced
 * into one super-frame for one write to the tap, as pure code: the
 * receive-side mirror of tso.h, as Linux's GRO does for a NIC.
 *
 * Frames reach it only after the verdict authenticated them (verdict.h),
 * but whatever the peer's side put in them is still hostile: each frame is
 * parsed with pkt.h's bounds. A frame joins the run held when it is the
 * next segment of the same flow, sent the same way:
 *   - a candidate: Ethernet (untagged) + IPv4 (not a fragment) or IPv6 (no extension
 *     header) + TCP; the IP length field says exactly the frame's length;
 *     a valid IPv4 header checksum and TCP checksum (the kernel will not
 *     check them again: the run goes up with a partial checksum); ACK set,
 *     none of SYN, RST, URG, FIN, CWR; a payload;
 *   - the same Ethernet header, IP header (but length, identification and
 *     checksum), ports, acknowledgement, window and TCP options; the same
 *     flags, but PSH;
 *   - the next sequence number, the next IPv4 identification;
 *   - a payload no longer than the first's; and nothing joins after a
 *     shorter one or one with PSH (as the kernel's GSO cuts them);
 *   - the run stays within the IP length fields and the buffer.
 * A UDP datagram joins a run (only where the tap takes UDP super-frames:
 * the kernel accepted USO, tap.h) by the same rules, with UDP's own:
 *   - a candidate: Ethernet (untagged) + IPv4 (not a fragment) or IPv6
 *     (no extension header) + UDP; the IP and UDP length fields say
 *     exactly the frame's length; a valid IPv4 header checksum and a UDP
 *     checksum present (not 0) and valid; a payload;
 *   - the same Ethernet header, IP header (but length, identification and
 *     checksum) and ports; the next IPv4 identification;
 *   - a payload no longer than the first's, and nothing after a shorter
 *     one (as the kernel's __udp_gso_segment cuts them);
 *   - at most TTT_USO_SEGS_MAX datagrams.
 * Anything else is written alone, unchanged: coalescing is never needed
 * for a frame to arrive. A run written again through ttt_tso_frame gives
 * back the frames that made it (tests/model/tso_model.h).
 */
#ifndef TTT_COALESCE_H
#define TTT_COALESCE_H

#include <stddef.h>
#include <stdint.h>

#include "pkt.h"
#include "tso.h"

/* A buffer for a run: the vnet header and the longest super-frame. */
#define TTT_COALESCE_BUF (TTT_VNET_LEN + TTT_SUPER_MAX)
/* Datagrams in a UDP run: Linux's UDP_MAX_SEGMENTS as USO came with it
 * (6.2; later kernels take more): virtio_net_hdr_to_skb refuses a
 * super-frame of more, and the write would lose them all. */
#define TTT_USO_SEGS_MAX 64

/* The run held; buf is the caller's, TTT_COALESCE_BUF bytes. */
struct ttt_coalesce {
	uint8_t *buf;		/* the vnet header, then the run's frame */
	size_t len;		/* the run's frame length; 0: nothing held */
	unsigned count;		/* frames in the run */
	struct ttt_pkt pkt;	/* the first frame's headers */
	size_t seg;		/* the first frame's payload */
	uint32_t next_seq;	/* TCP only */
	uint16_t next_id;
	int closed;		/* the last was shorter, or had PSH: nothing joins */
	int udp;		/* 1: the tap takes UDP runs (USO) */
};

/* udp: whether UDP datagrams may be coalesced too (the tap's USO). */
void ttt_coalesce_init(struct ttt_coalesce *g, uint8_t *buf, int udp);

/* Whether frame f (len bytes) may be coalesced at all by g; fills p.
 * Returns 0 if so, -1 if it is to be written alone. */
int ttt_coalesce_candidate(const struct ttt_coalesce *g, const uint8_t *f, size_t len,
    struct ttt_pkt *p);

/* Append candidate f (p from ttt_coalesce_candidate) to the run held, if it
 * follows it; returns 1 if it did, 0 if the run must be written first. */
int ttt_coalesce_append(struct ttt_coalesce *g, const uint8_t *f, size_t len, const struct ttt_pkt *p);

/* Start a run with candidate f; nothing may be held. */
void ttt_coalesce_start(struct ttt_coalesce *g, const uint8_t *f, size_t len, const struct ttt_pkt *p);

/*
 * End the run held: finish its headers and its vnet header (one frame:
 * unchanged, DATA_VALID; more: TCPV4, TCPV6 or UDP_L4 with gso_size the
 * first's payload, NEEDS_CSUM with the pseudo-header's sum in the TCP or
 * UDP checksum field; a UDP run's UDP length the whole run's) and return
 * how many bytes of g->buf to write; 0 if nothing was
 * held. Nothing is held afterwards.
 */
size_t ttt_coalesce_finish(struct ttt_coalesce *g);

#endif

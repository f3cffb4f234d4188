/*
 * The tap's super-frames, cut into ordinary frames, as pure code.
 *
 * With IFF_VNET_HDR and TUNSETOFFLOAD (tap.h), every read from the tap
 * starts with a struct virtio_net_hdr, and the kernel may hand over one
 * TCP super-frame of up to 64 KiB (gso_type TCPV4 or TCPV6), or with USO
 * one UDP super-frame (UDP_L4: an application's UDP_SEGMENT send), its
 * checksum left for us to finish (VIRTIO_NET_HDR_F_NEEDS_CSUM). The peer, a v1.4 one
 * too, must see what the kernel would have sent: frames of at most
 * max_frame bytes, each with its own IP and TCP headers and checksums. So
 * each segment k gets the super-frame's headers with: IPv4 total length,
 * identification + k and header checksum, or the IPv6 payload length; the
 * sequence number + k * gso_size; FIN and PSH on the last segment only, CWR
 * on the first only (as Linux's tcp_gso_segment); and a TCP checksum
 * computed over the segment from scratch. A UDP segment k gets the IP
 * fields the same way, its own UDP length and a UDP checksum computed from
 * scratch (0xffff for a sum of 0, as __udp_gso_segment). A frame that is not a
 * super-frame but has NEEDS_CSUM gets its checksum completed.
 *
 * Everything is read from what the kernel wrote, before it is
 * authenticated, and treated as hostile: the header's hdr_len is not
 * trusted (the headers themselves say where the payload starts), csum_start
 * and csum_offset are bounded, gso_size 0 is refused, and so is any
 * gso_type other than TCPV4 and TCPV6 (with or without the ECN bit) and
 * UDP_L4 (without it, as the kernel's virtio_net_hdr_to_skb). The
 * vnet header is in the host's byte order: the legacy virtio layout that
 * tun uses unless told otherwise (TUNSETVNETLE/BE, never called).
 */
#ifndef TTT_TSO_H
#define TTT_TSO_H

#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_net.h>

#include "pkt.h"

#define TTT_VNET_LEN sizeof(struct virtio_net_hdr)	/* 10; TUNSETVNETHDRSZ */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5	/* Linux 4.18's uapi value; some headers lack it */
#endif
/* The longest super-frame: an IPv6 header and the largest payload length
 * behind an Ethernet header and its tags (IPv4's limit is 20 bytes less). */
#define TTT_SUPER_MAX (TTT_ETH_HLEN + TTT_VLAN_TAGS_MAX * TTT_VLAN_HLEN + TTT_IPV6_HLEN + \
	TTT_IP_LEN_MAX)
/* A read buffer: the vnet header, the longest super-frame, and one byte
 * more to see a longer read, never cut. */
#define TTT_TSO_READ_BUF (TTT_VNET_LEN + TTT_SUPER_MAX + 1)

enum ttt_tso_status {
	TTT_TSO_OK = 0,
	TTT_TSO_BAD = -1,	/* a vnet header or headers we cannot honour */
	TTT_TSO_LONG = -2,	/* a frame, or a segment, over max_frame */
};

/* One read from the tap, understood: count frames to send, frame k made by
 * ttt_tso_frame. */
struct ttt_tso {
	uint8_t *frame;		/* after the vnet header, in the caller's buffer */
	size_t len;		/* the frame's (or super-frame's) length */
	struct ttt_pkt pkt;	/* a super-frame's headers (gso only) */
	size_t seg;		/* payload bytes a segment (gso only) */
	unsigned count;		/* frames it makes: 1 unless gso */
	int gso;		/* 1: a TCP or UDP super-frame to cut (pkt.proto says which) */
};

/*
 * Understand buf (len bytes: the vnet header, then the frame) for frames
 * of at most max_frame bytes. A frame that is not a super-frame is
 * completed in place (NEEDS_CSUM) and passed through whole. Returns
 * TTT_TSO_OK and fills t, or why the read is to be dropped.
 */
enum ttt_tso_status ttt_tso_prepare(struct ttt_tso *t, uint8_t *buf, size_t len,
    size_t max_frame);

/*
 * Write frame k (0 .. t->count - 1) into out (cap bytes, at least
 * max_frame) and return its length; 0 if it does not fit (never happens
 * for a t prepared with that max_frame). For a frame that is not a
 * super-frame, k 0 is that frame, copied.
 */
size_t ttt_tso_frame(const struct ttt_tso *t, unsigned k, uint8_t *out, size_t cap);

#endif

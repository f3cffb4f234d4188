/*
 * Runs of TCP segments or UDP datagrams from the peer, coalesced (see
 * coalesce.h).
 */
#include <string.h>

#include "coalesce.h"

/* Flags a coalesced run may carry: the kernel's GSO would not rebuild the
 * others on every segment (tso.h), or they end a run by themselves. */
#define FLAGS_REFUSED (TTT_TCP_SYN | TTT_TCP_RST | TTT_TCP_URG | TTT_TCP_FIN | TTT_TCP_CWR)

void
ttt_coalesce_init(struct ttt_coalesce *g, uint8_t *buf, int udp)
{
	memset(g, 0, sizeof(*g));
	g->buf = buf;
	g->udp = udp;
}

/* The IP length field says exactly len, and an IPv4 header sums right. */
static int
ip_consistent(const uint8_t *f, size_t len, const struct ttt_pkt *p)
{
	const uint8_t *ip = f + TTT_ETH_HLEN;

	if (p->v6)
		return ttt_get16(ip + TTT_IPV6_OFF_LEN) == len - TTT_ETH_HLEN - TTT_IPV6_HLEN;
	return ttt_get16(ip + TTT_IPV4_OFF_LEN) == len - TTT_ETH_HLEN &&
	    ttt_csum_fold(ttt_csum_span(0, f, TTT_ETH_HLEN, p->l4)) == 0xffff;
}

/* TCP: ACK and none of the flags a run may not carry. UDP: the length
 * field says exactly the datagram, and a checksum is there to check (0,
 * "none", could not come back from a run: the kernel fills every
 * segment's). */
static int
l4_fits(const uint8_t *f, size_t len, const struct ttt_pkt *p)
{
	uint8_t flags;

	if (p->proto == TTT_IPPROTO_UDP)
		return ttt_get16(f + p->l4 + TTT_UDP_OFF_LEN) == len - p->l4 &&
		    (f[p->l4 + TTT_UDP_OFF_CSUM] | f[p->l4 + TTT_UDP_OFF_CSUM + 1]) != 0;
	/* Always so once parsed as TCP; stated where the flags are read, for
	 * an analysis that joins TCP and UDP frames (make prove). */
	if (p->l4 + TTT_TCP_HLEN > len)
		return 0;
	flags = f[p->l4 + TTT_TCP_OFF_FLAGS];
	return (flags & TTT_TCP_ACK) && !(flags & FLAGS_REFUSED);
}

int
ttt_coalesce_candidate(const struct ttt_coalesce *g, const uint8_t *f, size_t len,
    struct ttt_pkt *p)
{
	/* A tagged frame goes alone: the runs written are as the kernel's
	 * own GSO frames are, untagged (the tag is an accelerated field). */
	if (len > TTT_SUPER_MAX || ttt_pkt_parse_l4(f, len, p) != 0 || p->l3 != TTT_ETH_HLEN ||
	    p->payload >= len)
		return -1;
	/* UDP runs only where the kernel said it takes them (tap.h: USO);
	 * one it does not know would be refused, and the frames lost. */
	if ((p->proto == TTT_IPPROTO_UDP && !g->udp) || !l4_fits(f, len, p))
		return -1;
	/* Checked last: the one pass over the payload. */
	if (!ip_consistent(f, len, p) || !ttt_pkt_csum_ok(f, len, p))
		return -1;
	return 0;
}

/* f's Ethernet and IP headers are the run's, but for what each segment
 * has of its own. */
static int
same_ip(const uint8_t *h, const uint8_t *f, const struct ttt_pkt *p)
{
	const size_t ip = TTT_ETH_HLEN;

	if (p->v6)
		return ttt_same_span(h, f, 0, ip + TTT_IPV6_OFF_LEN) &&
		    ttt_same_span(h, f, ip + TTT_IPV6_OFF_NEXT, p->l4);
	return ttt_same_span(h, f, 0, ip + TTT_IPV4_OFF_LEN) &&
	    ttt_same_span(h, f, ip + TTT_IPV4_OFF_FRAG, ip + TTT_IPV4_OFF_CSUM) &&
	    ttt_same_span(h, f, ip + TTT_IPV4_OFF_ADDR, p->l4);
}

/* f's TCP header is the run's, but for the sequence number, PSH and the
 * checksum. */
static int
same_tcp(const uint8_t *h, const uint8_t *f, const struct ttt_pkt *p)
{
	size_t t = p->l4;

	return ttt_same_span(h, f, t, t + TTT_TCP_OFF_SEQ) &&
	    ttt_same_span(h, f, t + TTT_TCP_OFF_SEQ + 4, t + TTT_TCP_OFF_FLAGS) &&
	    ((h[t + TTT_TCP_OFF_FLAGS] ^ f[t + TTT_TCP_OFF_FLAGS]) & ~TTT_TCP_PSH) == 0 &&
	    ttt_same_span(h, f, t + TTT_TCP_OFF_FLAGS + 1, t + TTT_TCP_OFF_CSUM) &&
	    ttt_same_span(h, f, t + TTT_TCP_OFF_CSUM + 2, p->payload);
}

/* The run's frame would still fit its IP length field and the buffer,
 * and a UDP run the kernel's count of segments. */
static int
room_for(const struct ttt_coalesce *g, size_t piece)
{
	size_t total = g->len + piece;
	size_t ip_len = total - TTT_ETH_HLEN - (g->pkt.v6 ? TTT_IPV6_HLEN : 0);

	if (g->pkt.proto == TTT_IPPROTO_UDP && g->count >= TTT_USO_SEGS_MAX)
		return 0;
	return ip_len <= TTT_IP_LEN_MAX && total <= TTT_SUPER_MAX;
}

/* f is the run's next segment: TCP's next sequence number, and for IPv4
 * the next identification (the kernel's GSO numbers the segments so). */
static int
follows(const struct ttt_coalesce *g, const uint8_t *f, const struct ttt_pkt *p)
{
	if (p->proto == TTT_IPPROTO_TCP && ttt_get32(f + p->l4 + TTT_TCP_OFF_SEQ) != g->next_seq)
		return 0;
	return p->v6 || ttt_get16(f + TTT_ETH_HLEN + TTT_IPV4_OFF_ID) == g->next_id;
}

/* f's TCP header is the run's (same_tcp), or its UDP ports are: the
 * length and checksum are each datagram's own. */
static int
same_l4(const uint8_t *h, const uint8_t *f, size_t len, const struct ttt_pkt *p)
{
	/* Always so once parsed as UDP: stated for make prove, as in l4_fits. */
	if (p->proto == TTT_IPPROTO_UDP)
		return p->l4 + TTT_UDP_HLEN <= len &&
		    ttt_same_span(h, f, p->l4, p->l4 + TTT_UDP_OFF_LEN);
	return same_tcp(h, f, p);
}

int
ttt_coalesce_append(struct ttt_coalesce *g, const uint8_t *f, size_t len, const struct ttt_pkt *p)
{
	uint8_t *h = g->buf + TTT_VNET_LEN;
	size_t piece = len - p->payload;

	if (g->count == 0 || g->closed || p->proto != g->pkt.proto || p->l4 != g->pkt.l4 ||
	    p->payload != g->pkt.payload || piece > g->seg || !room_for(g, piece))
		return 0;
	if (!follows(g, f, p) || !same_ip(h, f, p) || !same_l4(h, f, len, p))
		return 0;
	/* Both ends meet together: room_for checked the run's. */
	(void)ttt_copy_span(h, g->len, TTT_SUPER_MAX, f, p->payload, len);
	g->len += piece;
	g->count++;
	g->next_seq += (uint32_t)piece;
	g->next_id++;
	/* Only the last segment may be shorter or carry PSH: the run takes
	 * the PSH and ends. */
	if (p->proto == TTT_IPPROTO_TCP && (f[p->l4 + TTT_TCP_OFF_FLAGS] & TTT_TCP_PSH)) {
		h[p->l4 + TTT_TCP_OFF_FLAGS] |= TTT_TCP_PSH;
		g->closed = 1;
	}
	if (piece < g->seg)
		g->closed = 1;
	return 1;
}

void
ttt_coalesce_start(struct ttt_coalesce *g, const uint8_t *f, size_t len, const struct ttt_pkt *p)
{
	memcpy(g->buf + TTT_VNET_LEN, f, len);
	g->len = len;
	g->count = 1;
	g->pkt = *p;
	g->seg = len - p->payload;
	g->next_id = (uint16_t)(ttt_get16(f + TTT_ETH_HLEN + TTT_IPV4_OFF_ID) + 1);
	g->next_seq = 0;
	g->closed = 0;
	/* The bound always holds for a TCP candidate: stated for make prove. */
	if (p->proto == TTT_IPPROTO_TCP && p->l4 + TTT_TCP_HLEN <= len) {
		g->next_seq = ttt_get32(f + p->l4 + TTT_TCP_OFF_SEQ) + (uint32_t)g->seg;
		g->closed = (f[p->l4 + TTT_TCP_OFF_FLAGS] & TTT_TCP_PSH) != 0;
	}
}

/* A run's transport header: a UDP run's length is the whole; the checksum
 * field holds the pseudo-header's sum (NEEDS_CSUM: the rest is the
 * kernel's, as for a frame its own stack made); the vnet header says how
 * to cut it. */
static void
finish_l4(struct ttt_coalesce *g, struct virtio_net_hdr *vh)
{
	uint8_t *f = g->buf + TTT_VNET_LEN, *th = f + g->pkt.l4;
	size_t l4len = g->len - g->pkt.l4;
	size_t at = g->pkt.proto == TTT_IPPROTO_UDP ? TTT_UDP_OFF_CSUM : TTT_TCP_OFF_CSUM;
	uint16_t c;

	if (g->pkt.proto == TTT_IPPROTO_UDP) {
		ttt_put16(th + TTT_UDP_OFF_LEN, (uint16_t)l4len);
		vh->gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
	} else {
		vh->gso_type = g->pkt.v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	}
	c = ttt_csum_fold(ttt_csum_pseudo(f, &g->pkt, l4len));
	memcpy(th + at, &c, 2);
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->hdr_len = (uint16_t)g->pkt.payload;
	vh->gso_size = (uint16_t)g->seg;
	vh->csum_start = (uint16_t)g->pkt.l4;
	vh->csum_offset = (uint16_t)at;
}

/* A run of several: one super-frame the kernel will cut or take whole. */
static void
finish_run(struct ttt_coalesce *g, struct virtio_net_hdr *vh)
{
	uint8_t *f = g->buf + TTT_VNET_LEN;

	if (g->pkt.v6) {
		ttt_put16(f + TTT_ETH_HLEN + TTT_IPV6_OFF_LEN,
		    (uint16_t)(g->len - TTT_ETH_HLEN - TTT_IPV6_HLEN));
	} else {
		ttt_put16(f + TTT_ETH_HLEN + TTT_IPV4_OFF_LEN, (uint16_t)(g->len - TTT_ETH_HLEN));
		ttt_pkt_ipv4_csum_set(f, &g->pkt);
	}
	finish_l4(g, vh);
}

size_t
ttt_coalesce_finish(struct ttt_coalesce *g)
{
	struct virtio_net_hdr vh;
	size_t n = g->len;

	if (g->count == 0)
		return 0;
	memset(&vh, 0, sizeof(vh));
	if (g->count > 1)
		finish_run(g, &vh);
	else
		vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;	/* checked by ttt_coalesce_candidate */
	memcpy(g->buf, &vh, TTT_VNET_LEN);
	g->len = 0;
	g->count = 0;
	g->closed = 0;
	return TTT_VNET_LEN + n;
}

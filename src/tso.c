/*
 * Super-frames from the tap, cut into frames (see tso.h).
 */
#include <string.h>

#include "tso.h"

#define GSO_ECN VIRTIO_NET_HDR_GSO_ECN

/*
 * A frame that is not a super-frame but whose checksum the kernel left to
 * us: the sum from csum_start to the end, seeded with what the field holds
 * (the pseudo-header's sum), complemented into the field. Offsets bounded
 * first: the field lies within the frame, after csum_start.
 */
static enum ttt_tso_status
complete_csum(uint8_t *f, size_t len, const struct virtio_net_hdr *h)
{
	size_t start = h->csum_start, at = start + (size_t)h->csum_offset;
	uint16_t c;

	if (start >= len || at + 2 > len)
		return TTT_TSO_BAD;
	c = (uint16_t)~ttt_csum_fold(ttt_csum_span(0, f, start, len));
	/* 0 in a UDP checksum means "none": the kernel sends 0xffff then. */
	if (c == 0)
		c = 0xffff;
	memcpy(f + at, &c, 2);
	return TTT_TSO_OK;
}

/* Whether the super-frame's own headers are what gso_type says: TCP over
 * the IP version it names, or UDP over either (UDP_L4 names none). */
static int
parse_as(struct ttt_tso *t, unsigned gso_type)
{
	unsigned type = gso_type & (unsigned)~GSO_ECN;

	/* ECN is TCP's: the kernel refuses it on UDP_L4 too. */
	if (gso_type == VIRTIO_NET_HDR_GSO_UDP_L4)
		return ttt_pkt_parse_udp(t->frame, t->len, &t->pkt) == 0;
	if (type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6)
		return 0;
	return ttt_pkt_parse_tcp(t->frame, t->len, &t->pkt) == 0 &&
	    t->pkt.v6 == (type == VIRTIO_NET_HDR_GSO_TCPV6);
}

/* A TCP or UDP super-frame: its own headers say where everything is. */
static enum ttt_tso_status
prepare_gso(struct ttt_tso *t, const struct virtio_net_hdr *h, size_t max_frame)
{
	size_t payload;

	if (h->gso_size == 0 || !parse_as(t, h->gso_type))
		return TTT_TSO_BAD;
	t->seg = h->gso_size;
	payload = t->len - t->pkt.payload;
	if (t->pkt.payload + (payload < t->seg ? payload : t->seg) > max_frame)
		return TTT_TSO_LONG;
	t->count = payload == 0 ? 1 : (unsigned)((payload + t->seg - 1) / t->seg);
	t->gso = 1;
	return TTT_TSO_OK;
}

enum ttt_tso_status
ttt_tso_prepare(struct ttt_tso *t, uint8_t *buf, size_t len, size_t max_frame)
{
	struct virtio_net_hdr h;

	memset(t, 0, sizeof(*t));
	if (len < TTT_VNET_LEN + TTT_MIN_FRAME)
		return TTT_TSO_BAD;
	memcpy(&h, buf, TTT_VNET_LEN);
	t->frame = buf + TTT_VNET_LEN;
	t->len = len - TTT_VNET_LEN;
	t->count = 1;
	if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return prepare_gso(t, &h, max_frame);
	if (t->len > max_frame)
		return TTT_TSO_LONG;
	if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return complete_csum(t->frame, t->len, &h);
	return TTT_TSO_OK;
}

/* Segment k's IP header: its length, and for IPv4 its id and checksum. */
static void
fix_ip(const struct ttt_tso *t, unsigned k, uint8_t *out, size_t len)
{
	uint8_t *ip = out + t->pkt.l3;

	if (t->pkt.v6) {
		ttt_put16(ip + TTT_IPV6_OFF_LEN, (uint16_t)(len - t->pkt.l3 - TTT_IPV6_HLEN));
		return;
	}
	ttt_put16(ip + TTT_IPV4_OFF_LEN, (uint16_t)(len - t->pkt.l3));
	/* Identification wraps, as the kernel's does. */
	ttt_put16(ip + TTT_IPV4_OFF_ID, (uint16_t)(ttt_get16(ip + TTT_IPV4_OFF_ID) + k));
	ttt_pkt_ipv4_csum_set(out, &t->pkt);
}

/* The checksum at offset at of segment out's TCP or UDP header, from
 * scratch. */
static void
set_l4_csum(const struct ttt_tso *t, uint8_t *out, size_t len, size_t at)
{
	uint8_t *th = out + t->pkt.l4;
	uint16_t c;

	th[at] = 0;
	th[at + 1] = 0;
	c = (uint16_t)~ttt_csum_fold(ttt_csum_span(ttt_csum_pseudo(out, &t->pkt, len - t->pkt.l4),
	    out, t->pkt.l4, len));
	/* 0 in a UDP checksum means "none": the kernel sends 0xffff then. */
	if (c == 0 && t->pkt.proto == TTT_IPPROTO_UDP)
		c = 0xffff;
	memcpy(th + at, &c, 2);
}

/* Segment k's TCP header: sequence number, flags, then the checksum; or
 * its UDP header: length, then the checksum. */
static void
fix_l4(const struct ttt_tso *t, unsigned k, uint8_t *out, size_t len)
{
	uint8_t *th = out + t->pkt.l4;

	if (t->pkt.proto == TTT_IPPROTO_UDP) {
		ttt_put16(th + TTT_UDP_OFF_LEN, (uint16_t)(len - t->pkt.l4));
		set_l4_csum(t, out, len, TTT_UDP_OFF_CSUM);
		return;
	}
	ttt_put32(th + TTT_TCP_OFF_SEQ, ttt_get32(th + TTT_TCP_OFF_SEQ) + (uint32_t)(k * t->seg));
	if (k + 1 < t->count)
		th[TTT_TCP_OFF_FLAGS] &= (uint8_t)~(TTT_TCP_FIN | TTT_TCP_PSH);
	if (k > 0)
		th[TTT_TCP_OFF_FLAGS] &= (uint8_t)~TTT_TCP_CWR;
	set_l4_csum(t, out, len, TTT_TCP_OFF_CSUM);
}

size_t
ttt_tso_frame(const struct ttt_tso *t, unsigned k, uint8_t *out, size_t cap)
{
	size_t hdr = t->pkt.payload, off, piece, len;

	if (!t->gso) {
		if (k != 0 || t->len > cap)
			return 0;
		memcpy(out, t->frame, t->len);
		return t->len;
	}
	if (k >= t->count)
		return 0;
	off = hdr + (size_t)k * t->seg;
	/* Never past the end for k below the count (prepare_gso's division);
	 * checked here so no read depends on that. */
	if (off > t->len)
		return 0;
	piece = t->len - off < t->seg ? t->len - off : t->seg;
	len = hdr + piece;
	if (len > cap)
		return 0;
	memcpy(out, t->frame, hdr);
	/* Both ends meet together (the segment fits, checked above). */
	(void)ttt_copy_span(out, hdr, len, t->frame, off, t->len);
	fix_ip(t, k, out, len);
	fix_l4(t, k, out, len);
	return len;
}

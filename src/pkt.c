/*
 * TCP and UDP frame headers and the Internet checksum, as pure code (see
 * pkt.h).
 */
#include <string.h>

#include "pkt.h"

#define TTT_COPY_CHUNK 16	/* ttt_copy_span's step: one SSE2 load and store */
#define ANY_L4 0		/* parse's want: TCP or UDP */

/* Whether the IP header's protocol is one the caller wants. */
static int
wanted(uint8_t proto, uint8_t want)
{
	return want == ANY_L4 ? proto == TTT_IPPROTO_TCP || proto == TTT_IPPROTO_UDP :
	    proto == want;
}

static int
parse_ipv4(const uint8_t *f, size_t len, uint8_t want, struct ttt_pkt *out)
{
	const uint8_t *ip = f + out->l3;
	size_t ihl;

	if (len < out->l3 + TTT_IPV4_HLEN || ip[0] >> 4 != 4)
		return -1;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	/* A fragment's TCP or UDP header, if any, is not where it seems. */
	if (ihl < TTT_IPV4_HLEN || (ttt_get16(ip + TTT_IPV4_OFF_FRAG) & 0x3fff) != 0 ||
	    !wanted(ip[TTT_IPV4_OFF_PROTO], want))
		return -1;
	out->l4 = out->l3 + ihl;
	out->v6 = 0;
	out->proto = ip[TTT_IPV4_OFF_PROTO];
	return 0;
}

static int
parse_ipv6(const uint8_t *f, size_t len, uint8_t want, struct ttt_pkt *out)
{
	const uint8_t *ip = f + out->l3;

	/* Extension headers would need a walk of their own: not TCP or UDP
	 * to us. */
	if (len < out->l3 + TTT_IPV6_HLEN || ip[0] >> 4 != 6 ||
	    !wanted(ip[TTT_IPV6_OFF_NEXT], want))
		return -1;
	out->l4 = out->l3 + TTT_IPV6_HLEN;
	out->v6 = 1;
	out->proto = ip[TTT_IPV6_OFF_NEXT];
	return 0;
}

/* The TCP header's end: its data offset, bounded by the frame. */
static int
parse_tcp(const uint8_t *f, size_t len, struct ttt_pkt *out)
{
	size_t doff, end;

	/* IHL up to 60 and a 20-byte TCP header: both within the frame. */
	if (out->l4 + TTT_TCP_HLEN > len)
		return -1;
	doff = (size_t)(f[out->l4 + TTT_TCP_OFF_DOFF] >> 4) * 4;
	/* The end computed, compared, then stored: an analysis bounds the
	 * value itself (make prove), not only its two terms; and a frame
	 * refused leaves no payload offset behind. */
	end = out->l4 + doff;
	if (doff < TTT_TCP_HLEN || end > len)
		return -1;
	out->payload = end;
	return 0;
}

/* Ethernet and its tags, IP, then the TCP or UDP header (want). */
static int
parse(const uint8_t *f, size_t len, uint8_t want, struct ttt_pkt *out)
{
	uint16_t type;

	/* Every field written, refused or not: a caller's state never holds
	 * one a failed parse left unwritten (make prove joins the paths). */
	out->l4 = out->payload = 0;
	out->v6 = 0;
	out->proto = 0;
	out->l3 = TTT_ETH_HLEN;
	if (len < TTT_ETH_HLEN)
		return -1;
	type = ttt_get16(f + out->l3 - 2);
	for (unsigned tags = 0; tags < TTT_VLAN_TAGS_MAX &&
	    (type == TTT_ETHERTYPE_VLAN || type == TTT_ETHERTYPE_QINQ); tags++) {
		if (len < out->l3 + TTT_VLAN_HLEN)
			return -1;
		out->l3 += TTT_VLAN_HLEN;
		type = ttt_get16(f + out->l3 - 2);
	}
	if (type == TTT_ETHERTYPE_IPV4 ? parse_ipv4(f, len, want, out) :
	    type == TTT_ETHERTYPE_IPV6 ? parse_ipv6(f, len, want, out) : -1)
		return -1;
	if (out->proto == TTT_IPPROTO_TCP)
		return parse_tcp(f, len, out);
	/* UDP: a fixed header, within the frame. */
	if (out->l4 + TTT_UDP_HLEN > len)
		return -1;
	out->payload = out->l4 + TTT_UDP_HLEN;
	return 0;
}

int
ttt_pkt_parse_tcp(const uint8_t *f, size_t len, struct ttt_pkt *out)
{
	return parse(f, len, TTT_IPPROTO_TCP, out);
}

int
ttt_pkt_parse_udp(const uint8_t *f, size_t len, struct ttt_pkt *out)
{
	return parse(f, len, TTT_IPPROTO_UDP, out);
}

int
ttt_pkt_parse_l4(const uint8_t *f, size_t len, struct ttt_pkt *out)
{
	return parse(f, len, ANY_L4, out);
}

uint64_t
ttt_csum_span(uint64_t sum, const uint8_t *f, size_t from, size_t to)
{
	uint32_t w;
	uint16_t h;
	size_t i = from;

	/* Indexes from f, each compared with to: every read is bounded by the
	 * span's end on its own (what make prove checks), with no relation
	 * between a moving pointer and a shrinking length to track.
	 * 32-bit words into 64 bits: no carry is lost before 2^32 words. */
	for (; to >= 4 && i <= to - 4; i += 4) {
		memcpy(&w, f + i, 4);
		sum += w;
	}
	if (i < to && to - i >= 2) {
		memcpy(&h, f + i, 2);
		sum += h;
		i += 2;
	}
	/* The odd byte is the high half of a word padded with zero, in
	 * memory order: the same bytes a two-byte load would see. */
	if (i < to) {
		uint8_t last[2] = { f[i], 0 };

		memcpy(&h, last, 2);
		sum += h;
	}
	return sum;
}

uint64_t
ttt_csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	return ttt_csum_span(sum, p, 0, len);
}

size_t
ttt_copy_span(uint8_t *dst, size_t at, size_t dst_end, const uint8_t *src, size_t from,
    size_t to)
{
	size_t i = at, j = from;

	/* Sixteen bytes at a time (one load, one store), then bytes: each
	 * index tested against its own last start, no sum to wrap whatever
	 * at and from are; a memcpy's one length would tie the two offsets
	 * together for make prove. */
	if (dst_end >= TTT_COPY_CHUNK && to >= TTT_COPY_CHUNK) {
		size_t last_i = dst_end - TTT_COPY_CHUNK, last_j = to - TTT_COPY_CHUNK;

		for (; i <= last_i && j <= last_j; i += TTT_COPY_CHUNK, j += TTT_COPY_CHUNK)
			memcpy(dst + i, src + j, TTT_COPY_CHUNK);
	}
	for (; i < dst_end && j < to; i++, j++)
		dst[i] = src[j];
	return j - from;
}

int
ttt_same_span(const uint8_t *a, const uint8_t *b, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

uint16_t
ttt_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint64_t
ttt_csum_pseudo(const uint8_t *f, const struct ttt_pkt *p, size_t l4len)
{
	const uint8_t *ip = f + p->l3;
	/* Protocol and length as two big-endian words (l4len < 2^32). */
	uint8_t tail[8] = { 0, 0, (uint8_t)(l4len >> 24), (uint8_t)(l4len >> 16),
		0, p->proto, (uint8_t)(l4len >> 8), (uint8_t)l4len };

	if (p->v6)
		return ttt_csum_add(ttt_csum_add(0, ip + TTT_IPV6_OFF_ADDR, 32), tail, 8);
	return ttt_csum_add(ttt_csum_add(0, ip + TTT_IPV4_OFF_ADDR, 8), tail, 8);
}

int
ttt_pkt_csum_ok(const uint8_t *f, size_t len, const struct ttt_pkt *p)
{
	uint64_t sum = ttt_csum_span(ttt_csum_pseudo(f, p, len - p->l4), f, p->l4, len);

	return ttt_csum_fold(sum) == 0xffff;
}

void
ttt_pkt_ipv4_csum_set(uint8_t *f, const struct ttt_pkt *p)
{
	uint8_t *ip = f + p->l3;
	uint16_t c;

	ip[TTT_IPV4_OFF_CSUM] = 0;
	ip[TTT_IPV4_OFF_CSUM + 1] = 0;
	c = (uint16_t)~ttt_csum_fold(ttt_csum_span(0, f, p->l3, p->l4));
	memcpy(ip + TTT_IPV4_OFF_CSUM, &c, 2);
}

/*
 * Ethernet frames carrying TCP or UDP, read as pure code: the headers a
 * frame claims (Ethernet, IPv4 or IPv6, TCP or UDP), each offset checked
 * against the frame's length before a byte is read, and the Internet
 * checksum.
 *
 * Shared by the segmenter (tso.h), which reads frames the kernel wrote
 * before they are authenticated, and the coalescer (coalesce.h), which reads
 * frames a peer sent once they are: either may be hostile, so nothing
 * here trusts a length field without a bound.
 *
 * Checksums are kept in memory order (as Linux's __wsum): a sum read from
 * and stored to the packet with memcpy, never byte-swapped, whatever the
 * host's byte order (RFC 1071, "byte order independence").
 */
#ifndef TTT_PKT_H
#define TTT_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define TTT_ETHERTYPE_IPV4 0x0800
#define TTT_ETHERTYPE_IPV6 0x86dd
#define TTT_ETHERTYPE_VLAN 0x8100	/* 802.1Q */
#define TTT_ETHERTYPE_QINQ 0x88a8	/* 802.1ad */
#define TTT_VLAN_HLEN      4
#define TTT_VLAN_TAGS_MAX  2		/* QinQ: an outer and an inner tag */
#define TTT_IPPROTO_TCP    6
#define TTT_IPPROTO_UDP    17
#define TTT_UDP_HLEN       8
#define TTT_TCP_HLEN       20	/* without options */
#define TTT_TCP_HLEN_MAX   60	/* data offset 15 */
#define TTT_IPV4_HLEN_MAX  60	/* IHL 15 */
#define TTT_IP_LEN_MAX     65535	/* IPv4 total length, IPv6 payload length */

/* TCP flags (byte 13 of the header) */
#define TTT_TCP_FIN 0x01
#define TTT_TCP_SYN 0x02
#define TTT_TCP_RST 0x04
#define TTT_TCP_PSH 0x08
#define TTT_TCP_ACK 0x10
#define TTT_TCP_URG 0x20
#define TTT_TCP_ECE 0x40
#define TTT_TCP_CWR 0x80

/* Offsets inside the headers. */
#define TTT_IPV4_OFF_LEN   2
#define TTT_IPV4_OFF_ID    4
#define TTT_IPV4_OFF_FRAG  6
#define TTT_IPV4_OFF_PROTO 9
#define TTT_IPV4_OFF_CSUM  10
#define TTT_IPV4_OFF_ADDR  12	/* source, then destination: 4 bytes each */
#define TTT_IPV6_OFF_LEN   4
#define TTT_IPV6_OFF_NEXT  6
#define TTT_IPV6_OFF_ADDR  8	/* source, then destination: 16 bytes each */
#define TTT_TCP_OFF_SEQ    4
#define TTT_TCP_OFF_DOFF   12
#define TTT_TCP_OFF_FLAGS  13
#define TTT_TCP_OFF_CSUM   16
#define TTT_UDP_OFF_LEN    4
#define TTT_UDP_OFF_CSUM   6

/* Where a TCP or UDP frame's headers lie: all offsets from the frame's start. */
struct ttt_pkt {
	size_t l3;		/* the IP header: after the Ethernet header and its tags */
	size_t l4;		/* the TCP or UDP header */
	size_t payload;		/* the first byte after it */
	int v6;			/* 0: IPv4, 1: IPv6 */
	uint8_t proto;		/* TTT_IPPROTO_TCP or TTT_IPPROTO_UDP */
};

/*
 * Read frame f of len bytes as Ethernet (up to two VLAN tags: a VLAN on
 * the tap gets its offloads too), then IPv4 (any IHL
 * from 5, not a fragment) or IPv6 (next header TCP: no extension header),
 * then TCP (data offset from 5). Every header must lie within len; the IP
 * length fields are not read (the caller decides what they must say).
 * Returns 0 and fills out, or -1: not such a frame.
 */
int ttt_pkt_parse_tcp(const uint8_t *f, size_t len, struct ttt_pkt *out);

/* The same for UDP: the header's 8 bytes within len (its length field
 * is not read either). */
int ttt_pkt_parse_udp(const uint8_t *f, size_t len, struct ttt_pkt *out);

/* Either: TCP or UDP, as the IP header says (out->proto). */
int ttt_pkt_parse_l4(const uint8_t *f, size_t len, struct ttt_pkt *out);

/* The one's-complement sum of len bytes, added to sum; not folded. */
uint64_t ttt_csum_add(uint64_t sum, const uint8_t *p, size_t len);

/* The same over bytes [from, to) of f (from <= to), as if f + from were
 * the start of a word: a span inside a frame, each read bounded by to. */
uint64_t ttt_csum_span(uint64_t sum, const uint8_t *f, size_t from, size_t to);

/*
 * Spans of frames, by index: each access bounded by its own span's end,
 * however the two spans' offsets relate (what make prove checks). Copy
 * src's bytes [from, to) into dst from at, stopping at dst_end too, and
 * return how many were copied; or say whether bytes [from, to) of a and
 * b are equal.
 */
size_t ttt_copy_span(uint8_t *dst, size_t at, size_t dst_end, const uint8_t *src, size_t from,
    size_t to);
int ttt_same_span(const uint8_t *a, const uint8_t *b, size_t from, size_t to);

/* Fold a sum to 16 bits (not complemented), in memory order. */
uint16_t ttt_csum_fold(uint64_t sum);

/* The sum of the pseudo-header for f's TCP segment or UDP datagram
 * (p->proto) of l4len bytes. */
uint64_t ttt_csum_pseudo(const uint8_t *f, const struct ttt_pkt *p, size_t l4len);

/* Whether f's TCP segment or UDP datagram (from p->l4 to len) carries a
 * valid checksum (a UDP checksum of 0, "none", is not valid here). */
int ttt_pkt_csum_ok(const uint8_t *f, size_t len, const struct ttt_pkt *p);

/* Recompute f's IPv4 header checksum (p->v6 must be 0). */
void ttt_pkt_ipv4_csum_set(uint8_t *f, const struct ttt_pkt *p);

/* Big-endian fields, read and written with memcpy-free byte arithmetic. */
static inline uint16_t
ttt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
ttt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
ttt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
ttt_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif

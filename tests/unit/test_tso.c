/*
 * The tap's offloads as pure code: pkt.c (headers, checksum), tso.c (the
 * segmenter) and coalesce.c (the coalescer), against tests/model/tso_model.h
 * (the fuzz harnesses drive the same model): hostile headers refused,
 * super-frames cut as the kernel's GSO cuts them, streams coalesced into
 * maximal runs that cut back into the frames that made them, and every
 * single difference between two segments keeping them apart.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include "pkt.h"

#define MAX_FRAME   1432		/* v1.4's MTU 1418 + 14 */
#define MSS4        (MAX_FRAME - 14 - 20 - 32)	/* IPv4, timestamps option */
#define MSS6        (MAX_FRAME - 14 - 40 - 20)	/* IPv6, no option */
#define STREAM_MAX  64		/* frames a test stream holds */
#define RANDOM_RUNS 2000u

#include "offload_fixture.h"

static const struct tm_flow flow4 = { 0, 0, 20, 32, 64, 0, 12345, 502, 0x01, 0, 0 };
static const struct tm_flow flow6 = { 1, 0, 40, 20, 63, 0x28, 777, 65535, 0, 0, 0 };

/* Put a vnet header in front of a frame built at big + TTT_VNET_LEN. */
static size_t
vnet(uint8_t flags, uint8_t type, uint16_t gso_size, uint16_t cstart, uint16_t coff, size_t flen)
{
	struct virtio_net_hdr h = { flags, type, 0, gso_size, cstart, coff };

	memcpy(big, &h, TTT_VNET_LEN);
	return TTT_VNET_LEN + flen;
}

/* A super-frame of the flow with plen payload bytes, flags, as a read. */
static size_t
super(const struct tm_flow *fl, uint32_t seq, uint16_t id, uint8_t flags, size_t plen,
    uint16_t gso_size)
{
	static uint8_t payload[TTT_IP_LEN_MAX];
	size_t flen;

	fill(payload, plen);
	flen = tm_frame(big + TTT_VNET_LEN, fl, seq, id, flags, payload, plen);
	return vnet(VIRTIO_NET_HDR_F_NEEDS_CSUM,
	    fl->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4, gso_size,
	    (uint16_t)(14 + (fl->vlan ? 4 : 0) + (fl->v6 ? 40 : fl->ihl)), 16, flen);
}

/* Cut the read into seg[], checking each frame against the model. */
static unsigned
split(size_t len, size_t max_frame)
{
	static uint8_t copy[TTT_TSO_READ_BUF];
	struct ttt_tso t;
	struct ttt_pkt p;

	memcpy(copy, big, len);
	assert_int_equal(ttt_tso_prepare(&t, big, len, max_frame), TTT_TSO_OK);
	assert_true(t.count <= STREAM_MAX);
	assert_int_equal(ttt_pkt_parse_tcp(copy + TTT_VNET_LEN, len - TTT_VNET_LEN, &p), 0);
	for (unsigned k = 0; k < t.count; k++) {
		const char *why;

		seglen[k] = ttt_tso_frame(&t, k, seg[k], sizeof(seg[k]));
		why = tm_check_segment(copy + TTT_VNET_LEN, len - TTT_VNET_LEN, p.payload, p.l4,
		    p.v6, t.seg, k, t.count, seg[k], seglen[k], max_frame);
		if (why != NULL)
			fail_msg("%s", why);
	}
	return t.count;
}

/* Offer frames 0..n-1 to a coalescer as receive.c does, on a tap that
 * takes UDP runs too; returns how many writes. */
static unsigned
coalesce(unsigned n)
{
	return coalesce_stream(n, 1);
}

/* ------------------------------------------------------------ pkt.c */

static void
test_checksum_matches_rfc1071(void **state)
{
	uint8_t buf[300];

	(void)state;
	for (unsigned r = 0; r < 10000; r++) {
		size_t n = rnd() % sizeof(buf);
		uint16_t c;

		fill(buf, n);
		c = ttt_csum_fold(ttt_csum_add(0, buf, n));
		assert_int_equal(ttt_get16((uint8_t *)&c), tm_sum(buf, n, 0));
	}
}

/* A span's sum is the sum of the bytes [from, to) alone, at any offset. */
static void
test_checksum_span(void **state)
{
	uint8_t buf[300];

	(void)state;
	for (unsigned r = 0; r < 10000; r++) {
		size_t to = rnd() % sizeof(buf), from = to ? rnd() % (to + 1) : 0;
		uint16_t c;

		fill(buf, sizeof(buf));
		c = ttt_csum_fold(ttt_csum_span(0, buf, from, to));
		assert_int_equal(ttt_get16((uint8_t *)&c), tm_sum(buf + from, to - from, 0));
	}
}

/* A copy stops at whichever end comes first, and never writes past dst_end
 * nor reads past to; the comparison sees any one byte differing. */
static void
test_copy_and_compare_spans(void **state)
{
	uint8_t src[64], dst[64];

	(void)state;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i + 1);
	memset(dst, 0, sizeof(dst));
	assert_int_equal(ttt_copy_span(dst, 10, 20, src, 5, 40), 10);	/* dst's end first */
	assert_int_equal(dst[9], 0);
	assert_memory_equal(dst + 10, src + 5, 10);
	assert_int_equal(dst[20], 0);
	memset(dst, 0, sizeof(dst));
	assert_int_equal(ttt_copy_span(dst, 0, 64, src, 60, 64), 4);	/* src's end first */
	assert_memory_equal(dst, src + 60, 4);
	assert_int_equal(dst[4], 0);
	assert_int_equal(ttt_copy_span(dst, 0, 64, src, 64, 64), 0);
	/* Longer than the copy's 16-byte step, ending inside it. */
	memset(dst, 0, sizeof(dst));
	assert_int_equal(ttt_copy_span(dst, 3, 64, src, 0, 37), 37);	/* src's end */
	assert_int_equal(dst[2], 0);
	assert_memory_equal(dst + 3, src, 37);
	assert_int_equal(dst[40], 0);
	memset(dst, 0, sizeof(dst));
	assert_int_equal(ttt_copy_span(dst, 1, 35, src, 2, 64), 34);	/* dst's end */
	assert_memory_equal(dst + 1, src + 2, 34);
	assert_int_equal(dst[35], 0);
	memcpy(dst, src, sizeof(src));
	assert_true(ttt_same_span(dst, src, 0, sizeof(src)));
	assert_true(ttt_same_span(dst, src, 7, 7));
	for (size_t i = 0; i < sizeof(src); i++) {
		dst[i] ^= 0x80;
		assert_false(ttt_same_span(dst, src, 0, sizeof(src)));
		assert_true(ttt_same_span(dst, src, 0, i));
		assert_true(ttt_same_span(dst, src, i + 1, sizeof(src)));
		dst[i] ^= 0x80;
	}
}

static void
test_parse_refuses_hostile_headers(void **state)
{
	uint8_t f[200];
	struct ttt_pkt p;
	size_t len = tm_frame(f, &flow4, 1, 1, TTT_TCP_ACK, (const uint8_t *)"x", 1);

	(void)state;
	assert_int_equal(ttt_pkt_parse_tcp(f, len, &p), 0);
	assert_int_equal(p.l4, 34);
	assert_int_equal(p.payload, 66);
	/* Every cut inside the headers is refused. */
	for (size_t l = 0; l < 66; l++)
		assert_int_equal(ttt_pkt_parse_tcp(f, l, &p), -1);
	f[14] = 0x44;		/* IHL 4 */
	assert_int_equal(ttt_pkt_parse_tcp(f, len, &p), -1);
	f[14] = 0x4f;		/* IHL 15: TCP header past the frame */
	assert_int_equal(ttt_pkt_parse_tcp(f, len, &p), -1);
	f[14] = 0x45;
	f[14 + 6] = 0x20;	/* more fragments */
	assert_int_equal(ttt_pkt_parse_tcp(f, len, &p), -1);
	f[14 + 6] = 0x40;
	f[14 + 9] = 17;		/* UDP */
	assert_int_equal(ttt_pkt_parse_tcp(f, len, &p), -1);
	f[14 + 9] = 6;
	f[34 + 12] = 0x40;	/* data offset 4 */
	assert_int_equal(ttt_pkt_parse_tcp(f, len, &p), -1);
	f[34 + 12] = 0xf0;	/* data offset 15: past the frame */
	assert_int_equal(ttt_pkt_parse_tcp(f, len, &p), -1);
	f[34 + 12] = 0x80;
	f[12] = 0x81;		/* a VLAN tag, then no IP type */
	assert_int_equal(ttt_pkt_parse_tcp(f, len, &p), -1);
	f[12] = 0x08;
	assert_int_equal(ttt_pkt_parse_tcp(f, len, &p), 0);
}

/* ------------------------------------------------------------ tso.c */

static void
test_prepare_refuses_what_it_cannot_honour(void **state)
{
	struct ttt_tso t;
	size_t len;

	(void)state;
	assert_int_equal(ttt_tso_prepare(&t, big, TTT_VNET_LEN, MAX_FRAME), TTT_TSO_BAD);
	len = super(&flow4, 1, 1, TTT_TCP_ACK, 5000, MSS4);
	big[4] = big[5] = 0;	/* gso_size 0 */
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_BAD);
	len = super(&flow4, 1, 1, TTT_TCP_ACK, 5000, MSS4);
	big[1] = VIRTIO_NET_HDR_GSO_UDP;
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_BAD);
	big[1] = VIRTIO_NET_HDR_GSO_TCPV6;	/* an IPv4 frame */
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_BAD);
	big[1] = 0x7f;
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_BAD);
	/* Segments over the maximum frame. */
	len = super(&flow4, 1, 1, TTT_TCP_ACK, 5000, MSS4 + 1);
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_LONG);
	/* Not TCP under a TCP gso_type. */
	len = super(&flow4, 1, 1, TTT_TCP_ACK, 5000, MSS4);
	big[TTT_VNET_LEN + 14 + 9] = 17;
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_BAD);
	/* No gso: too long, or a checksum field outside the frame. */
	len = vnet(0, 0, 0, 0, 0, MAX_FRAME + 1);
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_LONG);
	len = vnet(VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 100, 0, 100);
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_BAD);
	len = vnet(VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 90, 9, 100);
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_BAD);
	len = vnet(VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 0xffff, 0xffff, 100);
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_BAD);
	len = vnet(VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 90, 8, 100);
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_OK);
}

static void
test_split_as_the_kernel(void **state)
{
	(void)state;
	/* Full segments and a short last one; PSH and FIN last, CWR first. */
	assert_int_equal(split(super(&flow4, 0xfffff000u, 0xfffe, TTT_TCP_ACK | TTT_TCP_PSH |
	    TTT_TCP_FIN | TTT_TCP_CWR, 10 * MSS4 + 7, MSS4), MAX_FRAME), 11);
	/* seq and id wrapped: */
	assert_int_equal(ttt_get16(seg[3] + 14 + 4), 1);
	assert_int_equal(seg[0][34 + 13], TTT_TCP_ACK | TTT_TCP_CWR);
	assert_int_equal(seg[10][34 + 13], TTT_TCP_ACK | TTT_TCP_PSH | TTT_TCP_FIN);
	/* An exact multiple, IPv6, the largest payload. */
	assert_int_equal(split(super(&flow6, 5, 0, TTT_TCP_ACK, 48 * MSS6, MSS6), MAX_FRAME), 48);
	assert_int_equal(split(super(&flow6, 5, 0, TTT_TCP_ACK, 64000, 1000), 1100), 64);
	/* No payload, and a payload within one segment. */
	assert_int_equal(split(super(&flow4, 5, 9, TTT_TCP_ACK, 0, MSS4), MAX_FRAME), 1);
	assert_int_equal(split(super(&flow4, 5, 9, TTT_TCP_ACK, 9, MSS4), MAX_FRAME), 1);
	/* A VLAN on the tap: its super-frames are cut too; each goes alone
	 * to the tap at the other end. */
	{
		struct tm_flow v = flow6;

		v.vlan = 1;
		assert_int_equal(split(super(&v, 5, 9, TTT_TCP_ACK, 3 * (MSS6 - 4), MSS6 - 4),
		    MAX_FRAME), 3);
		assert_int_equal(coalesce(3), 3);
	}
	/* IPv4 options, gso_size 1. */
	{
		struct tm_flow o = flow4;

		o.ihl = 60, o.doff = 60;
		assert_int_equal(split(super(&o, 5, 9, TTT_TCP_ACK, 40, 1), MAX_FRAME), 40);
	}
}

static void
test_needs_csum_completed(void **state)
{
	uint8_t *f = big + TTT_VNET_LEN;
	size_t flen = tm_frame(f, &flow4, 1, 1, TTT_TCP_ACK, (const uint8_t *)"abc", 3);
	struct ttt_tso t;
	uint16_t partial;

	(void)state;
	/* As the kernel leaves it: the pseudo-header's sum in the field. */
	partial = (uint16_t)tm_pseudo(f, 0, flen - 34);
	partial = (uint16_t)((partial & 0xffff) + (tm_pseudo(f, 0, flen - 34) >> 16));
	ttt_put16(f + 34 + 16, partial);
	assert_false(tm_tcp_ok(f, flen, 34, 0));
	assert_int_equal(ttt_tso_prepare(&t, big, vnet(VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 34, 16,
	    flen), MAX_FRAME), TTT_TSO_OK);
	assert_int_equal(t.count, 1);
	assert_true(tm_tcp_ok(f, flen, 34, 0));
	assert_int_equal(ttt_tso_frame(&t, 0, out, sizeof(out)), flen);
	assert_memory_equal(out, f, flen);
	assert_int_equal(ttt_tso_frame(&t, 1, out, sizeof(out)), 0);
}

/* ------------------------------------------------------------ coalesce.c */

static void
test_stream_coalesces_and_cuts_back(void **state)
{
	(void)state;
	/* A super-frame's segments: one write, which cuts back into them. */
	assert_int_equal(coalesce(split(super(&flow4, 7, 100, TTT_TCP_ACK | TTT_TCP_PSH,
	    20 * MSS4 + 100, MSS4), MAX_FRAME)), 1);
	assert_int_equal(coalesce(split(super(&flow6, 7, 0, TTT_TCP_ACK, 64000, 1000), 1100)), 1);
	/* One frame alone: written unchanged. */
	assert_int_equal(coalesce(split(super(&flow4, 7, 100, TTT_TCP_ACK, 10, MSS4),
	    MAX_FRAME)), 1);
}

/* Two segments of a flow, the second changed by one field: two writes. */
static void
test_any_difference_keeps_segments_apart(void **state)
{
	static const struct {
		size_t off;	/* in the second frame; TCP/IP offsets for IPv4, ihl 20 */
		uint8_t xor;
	} change[] = {
		{ 0, 1 }, { 11, 1 }, { 14 + 1, 4 }, { 14 + 4 + 1, 1 }, { 14 + 6, 0x40 },
		{ 14 + 8, 1 }, { 14 + 12, 1 }, { 14 + 19, 1 }, { 34 + 1, 1 }, { 34 + 3, 1 },
		{ 34 + 7, 1 }, { 34 + 11, 1 }, { 34 + 13, TTT_TCP_ECE }, { 34 + 13, TTT_TCP_URG },
		{ 34 + 15, 1 }, { 34 + 19, 1 }, { 34 + 20, 1 }, { 34 + 31, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(change) / sizeof(change[0]); i++) {
		struct ttt_pkt p;

		assert_int_equal(split(super(&flow4, 7, 100, TTT_TCP_ACK, 2 * MSS4, MSS4),
		    MAX_FRAME), 2);
		seg[1][change[i].off] ^= change[i].xor;
		/* Keep it a candidate: checksums made again. */
		(void)ttt_pkt_parse_tcp(seg[1], seglen[1], &p);
		ttt_pkt_ipv4_csum_set(seg[1], &p);
		seg[1][34 + 16] = seg[1][34 + 17] = 0;
		ttt_put16(seg[1] + 34 + 16, (uint16_t)~tm_sum(seg[1] + 34, seglen[1] - 34,
		    tm_pseudo(seg[1], 0, seglen[1] - 34)));
		if (coalesce(2) != 2)
			fail_msg("change %zu (byte %zu ^ 0x%02x) coalesced", i, change[i].off,
			    change[i].xor);
	}
}

static void
test_what_ends_a_run(void **state)
{
	(void)state;
	/* A PSH in the middle: the run ends with it. */
	assert_int_equal(split(super(&flow4, 7, 100, TTT_TCP_ACK, 4 * MSS4, MSS4), MAX_FRAME), 4);
	seg[1][34 + 13] |= TTT_TCP_PSH;
	seg[1][34 + 16] = seg[1][34 + 17] = 0;
	ttt_put16(seg[1] + 34 + 16, (uint16_t)~tm_sum(seg[1] + 34, seglen[1] - 34,
	    tm_pseudo(seg[1], 0, seglen[1] - 34)));
	assert_int_equal(coalesce(4), 2);
	/* A bad checksum: that frame alone, the kernel's to drop. */
	assert_int_equal(split(super(&flow4, 7, 100, TTT_TCP_ACK, 4 * MSS4, MSS4), MAX_FRAME), 4);
	seg[2][100] ^= 1;
	assert_int_equal(coalesce(4), 3);
	/* SYN, FIN, RST, CWR: alone. */
	assert_int_equal(split(super(&flow4, 7, 100, TTT_TCP_ACK | TTT_TCP_FIN, 3 * MSS4, MSS4),
	    MAX_FRAME), 3);
	assert_int_equal(coalesce(3), 2);
	assert_int_equal(split(super(&flow4, 7, 100, TTT_TCP_ACK | TTT_TCP_CWR, 3 * MSS4, MSS4),
	    MAX_FRAME), 3);
	assert_int_equal(coalesce(3), 2);
	/* Out of order: each run is consecutive. */
	assert_int_equal(split(super(&flow4, 7, 100, TTT_TCP_ACK, 4 * MSS4, MSS4), MAX_FRAME), 4);
	memcpy(out, seg[1], seglen[1]);
	memcpy(seg[1], seg[2], seglen[2]);
	memcpy(seg[2], out, seglen[1]);
	assert_int_equal(coalesce(4), 4);
	/* A shorter segment in the middle: the run ends with it (the kernel
	 * would cut the rest elsewhere). */
	{
		static uint8_t pay[MSS4];
		uint32_t seq = 7;
		const size_t plen[] = { MSS4, MSS4 / 2, MSS4, MSS4 };

		for (unsigned k = 0; k < 4; k++) {
			seglen[k] = tm_frame(seg[k], &flow4, seq, (uint16_t)(100 + k), TTT_TCP_ACK,
			    pay, plen[k]);
			seq += (uint32_t)plen[k];
		}
		assert_int_equal(coalesce(4), 2);
	}
	/* An IPv4 length one short of the frame, its header checksum made
	 * again: alone. */
	assert_int_equal(split(super(&flow4, 7, 100, TTT_TCP_ACK, 4 * MSS4, MSS4), MAX_FRAME), 4);
	{
		struct ttt_pkt p;

		ttt_put16(seg[1] + 14 + 2, (uint16_t)(seglen[1] - 15));
		(void)ttt_pkt_parse_tcp(seg[1], seglen[1], &p);
		ttt_pkt_ipv4_csum_set(seg[1], &p);
		assert_int_equal(coalesce(4), 3);
	}
	/* Ethernet padding: the IP length says less than the frame. */
	assert_int_equal(split(super(&flow4, 7, 100, TTT_TCP_ACK, 4 * MSS4, MSS4), MAX_FRAME), 4);
	seg[3][seglen[3]++] = 0;
	assert_int_equal(coalesce(4), 2);
}

static void
test_run_stays_within_ip_length(void **state)
{
	struct tm_flow f = flow4;
	unsigned n;

	(void)state;
	/* 63 segments of 1040 bytes: more than an IPv4 total length holds
	 * (62 do: 40 + 62 * 1040 = 64520). */
	f.doff = 20;
	n = split(super(&f, 1, 1, TTT_TCP_ACK, 63 * 1040, 1040), 1100);
	assert_int_equal(n, 63);
	assert_int_equal(coalesce(n), 2);
}

static void
test_random_streams_round_trip(void **state)
{
	(void)state;
	for (unsigned r = 0; r < RANDOM_RUNS; r++) {
		struct tm_flow f = rnd() & 1 ? flow6 : flow4;
		size_t mss, plen;
		unsigned n, flips;

		f.vlan = (rnd() & 7) == 0;
		f.ihl = 20 + 4 * (rnd() % 11);
		f.doff = 20 + 4 * (rnd() % 11);
		mss = 1 + rnd() % (MAX_FRAME - 18 - 60 - 60);
		plen = rnd() % (mss * (STREAM_MAX - 1) + 1);
		if (plen > TTT_IP_LEN_MAX - 120)	/* both headers at their longest */
			plen = TTT_IP_LEN_MAX - 120;
		n = split(super(&f, rnd(), (uint16_t)rnd(), (uint8_t)(TTT_TCP_ACK |
		    (rnd() & TTT_TCP_PSH)), plen, (uint16_t)mss), MAX_FRAME);
		/* A few random byte flips: whatever runs form must cut back. */
		flips = rnd() % 3;
		for (unsigned k = 0; k < flips; k++) {
			unsigned i = rnd() % n;

			seg[i][rnd() % seglen[i]] ^= (uint8_t)(1u << (rnd() % 8));
		}
		(void)coalesce(n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum_matches_rfc1071),
		cmocka_unit_test(test_checksum_span),
		cmocka_unit_test(test_copy_and_compare_spans),
		cmocka_unit_test(test_parse_refuses_hostile_headers),
		cmocka_unit_test(test_prepare_refuses_what_it_cannot_honour),
		cmocka_unit_test(test_split_as_the_kernel),
		cmocka_unit_test(test_needs_csum_completed),
		cmocka_unit_test(test_stream_coalesces_and_cuts_back),
		cmocka_unit_test(test_any_difference_keeps_segments_apart),
		cmocka_unit_test(test_what_ends_a_run),
		cmocka_unit_test(test_run_stays_within_ip_length),
		cmocka_unit_test(test_random_streams_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

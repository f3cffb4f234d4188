/*
 * UDP segmentation offload as pure code: pkt.c's UDP headers, tso.c
 * cutting a UDP_L4 super-frame from the tap, and coalesce.c merging a UDP
 * flow's datagrams into one for the tap, against tests/model/tso_model.h
 * (the fuzz harnesses drive the same model): datagrams cut as the kernel's
 * __udp_gso_segment cuts them, streams merged into maximal runs that cut
 * back into the datagrams that made them, never more than the kernel
 * takes, never where the tap does not take them, and every single
 * difference between two datagrams keeping them apart.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include "pkt.h"

#define MAX_FRAME   1432		/* v1.4's MTU 1418 + 14 */
#define SEG_SMALL   64		/* the benchmark's datagram */
#define STREAM_MAX  200		/* datagrams a test stream holds */
#define RANDOM_RUNS 2000u

#include "offload_fixture.h"

/* v6, vlan, ihl, doff, ttl, tos, ack, window, opt_fill, udp, sport_add */
static const struct tm_flow udp4 = { 0, 0, 20, 20, 64, 0, 0, 0, 0, 1, 0 };
static const struct tm_flow udp6 = { 1, 0, 40, 20, 63, 0x28, 0, 0, 0, 1, 0 };
static const struct tm_flow tcp4 = { 0, 0, 20, 20, 64, 0, 1, 500, 0, 0, 0 };

static size_t
l4_of(const struct tm_flow *fl)
{
	return 14 + (fl->vlan ? 4 : 0) + (fl->v6 ? 40 : fl->ihl);
}

/* A UDP super-frame of the flow with plen payload bytes, as the kernel
 * hands it over: UDP_L4, NEEDS_CSUM over the UDP header. */
static size_t
super_udp(const struct tm_flow *fl, uint16_t id, size_t plen, uint16_t gso_size)
{
	static uint8_t payload[TTT_IP_LEN_MAX];
	struct virtio_net_hdr h = { VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_UDP_L4, 0,
		gso_size, (uint16_t)l4_of(fl), TTT_UDP_OFF_CSUM };

	fill(payload, plen);
	memcpy(big, &h, TTT_VNET_LEN);
	return TTT_VNET_LEN + tm_frame(big + TTT_VNET_LEN, fl, 0, id, 0, payload, plen);
}

/* Cut the read into seg[], checking each datagram against the model. */
static unsigned
split(size_t len)
{
	static uint8_t copy[TTT_TSO_READ_BUF];
	struct ttt_tso t;

	memcpy(copy, big, len);
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_OK);
	assert_true(t.count <= STREAM_MAX);
	assert_int_equal(t.pkt.proto, TTT_IPPROTO_UDP);
	for (unsigned k = 0; k < t.count; k++) {
		const char *why;

		seglen[k] = ttt_tso_frame(&t, k, seg[k], sizeof(seg[k]));
		why = tm_check_segment(copy + TTT_VNET_LEN, len - TTT_VNET_LEN, t.pkt.payload,
		    t.pkt.l4, t.pkt.v6, t.seg, k, t.count, seg[k], seglen[k], MAX_FRAME);
		if (why != NULL)
			fail_msg("%s", why);
	}
	return t.count;
}

/* A stream of n datagrams of the flow, plen[k] bytes each (NULL: all
 * plen0), consecutive IPv4 ids from id. */
static void
stream(const struct tm_flow *fl, unsigned n, uint16_t id, const size_t *plen, size_t plen0)
{
	uint8_t pay[MAX_FRAME];

	for (unsigned k = 0; k < n; k++) {
		size_t pl = plen ? plen[k] : plen0;

		for (size_t i = 0; i < pl; i++)
			pay[i] = (uint8_t)(k * 31 + i);
		seglen[k] = tm_frame(seg[k], fl, 0, (uint16_t)(id + k), 0, pay, pl);
	}
}


/* Datagram k's UDP checksum made again (after a change), kept present. */
static void
resum(unsigned k, int v6)
{
	size_t l4 = v6 ? 54 : 34;

	seg[k][l4 + 6] = seg[k][l4 + 7] = 0;
	{
		uint16_t c = (uint16_t)~tm_sum(seg[k] + l4, seglen[k] - l4,
		    tm_pseudo(seg[k], v6, seglen[k] - l4));

		ttt_put16(seg[k] + l4 + 6, c ? c : 0xffff);
	}
}

/* ------------------------------------------------------------ pkt.c */

static void
test_parse_udp(void **state)
{
	struct ttt_pkt p;
	size_t len;

	(void)state;
	stream(&udp4, 1, 1, NULL, 5);
	len = seglen[0];
	assert_int_equal(ttt_pkt_parse_udp(seg[0], len, &p), 0);
	assert_int_equal(p.l4, 34);
	assert_int_equal(p.payload, 42);
	assert_int_equal(p.proto, TTT_IPPROTO_UDP);
	assert_int_equal(ttt_pkt_parse_l4(seg[0], len, &p), 0);
	assert_int_equal(p.proto, TTT_IPPROTO_UDP);
	assert_int_equal(ttt_pkt_parse_tcp(seg[0], len, &p), -1);
	/* Every cut inside the headers is refused. */
	for (size_t l = 0; l < 42; l++) {
		assert_int_equal(ttt_pkt_parse_udp(seg[0], l, &p), -1);
		assert_int_equal(ttt_pkt_parse_l4(seg[0], l, &p), -1);
	}
	seg[0][14 + 6] = 0x20;	/* more fragments */
	assert_int_equal(ttt_pkt_parse_l4(seg[0], len, &p), -1);
	seg[0][14 + 6] = 0x40;
	seg[0][14 + 9] = 1;	/* ICMP */
	assert_int_equal(ttt_pkt_parse_l4(seg[0], len, &p), -1);
	stream(&udp6, 1, 1, NULL, 5);
	assert_int_equal(ttt_pkt_parse_l4(seg[0], seglen[0], &p), 0);
	assert_int_equal(p.l4, 54);
	assert_int_equal(p.v6, 1);
	seg[0][14 + 6] = 0;	/* a hop-by-hop header first */
	assert_int_equal(ttt_pkt_parse_l4(seg[0], seglen[0], &p), -1);
}

/* ------------------------------------------------------------ tso.c */

static void
test_split_udp_as_the_kernel(void **state)
{
	(void)state;
	/* Full datagrams and a short last one; ids wrap. */
	assert_int_equal(split(super_udp(&udp4, 0xfffe, 10 * 1000 + 7, 1000)), 11);
	assert_int_equal(ttt_get16(seg[3] + 14 + 4), 1);
	assert_int_equal(ttt_get16(seg[10] + 34 + 4), 8 + 7);
	/* IPv6, an exact multiple; the small datagrams of the benchmark. */
	assert_int_equal(split(super_udp(&udp6, 0, 48 * 1000, 1000)), 48);
	assert_int_equal(split(super_udp(&udp4, 7, 64 * SEG_SMALL, SEG_SMALL)), 64);
	/* Within one segment. */
	assert_int_equal(split(super_udp(&udp4, 7, 9, SEG_SMALL)), 1);
}

static void
test_prepare_refuses_udp_it_cannot_honour(void **state)
{
	struct ttt_tso t;
	size_t len;

	(void)state;
	/* ECN is TCP's: the kernel refuses it on UDP_L4. */
	len = super_udp(&udp4, 1, 5000, 1000);
	big[1] |= VIRTIO_NET_HDR_GSO_ECN;
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_BAD);
	/* TCP under UDP_L4, UDP under TCPV4. */
	len = super_udp(&udp4, 1, 5000, 1000);
	big[TTT_VNET_LEN + 14 + 9] = TTT_IPPROTO_TCP;
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_BAD);
	len = super_udp(&udp4, 1, 5000, 1000);
	big[1] = VIRTIO_NET_HDR_GSO_TCPV4;
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_BAD);
	/* Segments over the maximum frame; gso_size 0. */
	len = super_udp(&udp4, 1, 5000, MAX_FRAME - 42 + 1);
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_LONG);
	len = super_udp(&udp4, 1, 5000, 1000);
	big[4] = big[5] = 0;
	assert_int_equal(ttt_tso_prepare(&t, big, len, MAX_FRAME), TTT_TSO_BAD);
}

/* A datagram whose sum is 0 goes out with 0xffff, never 0 ("none"): the
 * first datagram's last two bytes chosen to make its sum so. */
static void
test_split_udp_checksum_never_zero(void **state)
{
	size_t len = super_udp(&udp4, 1, 2 * 16, 16), at = TTT_VNET_LEN + 42 + 14;
	uint16_t s;

	(void)state;
	big[at] = big[at + 1] = 0;
	assert_int_equal(split(len), 2);
	seg[0][34 + 6] = seg[0][34 + 7] = 0;
	s = tm_sum(seg[0] + 34, seglen[0] - 34, tm_pseudo(seg[0], 0, seglen[0] - 34));
	ttt_put16(big + at, (uint16_t)(0xffff - s));
	assert_int_equal(split(len), 2);
	assert_int_equal(tm_sum(seg[0] + 34, seglen[0] - 34,
	    tm_pseudo(seg[0], 0, seglen[0] - 34)), 0xffff);
	assert_int_equal(ttt_get16(seg[0] + 34 + 6), 0xffff);
}

/* ------------------------------------------------------------ coalesce.c */

static void
test_udp_stream_coalesces_and_cuts_back(void **state)
{
	struct virtio_net_hdr h;
	size_t w;

	(void)state;
	assert_int_equal(coalesce_stream(split(super_udp(&udp4, 100, 20 * 1000 + 100, 1000)), 1), 1);
	assert_int_equal(coalesce_stream(split(super_udp(&udp6, 0, 40 * 1000, 1000)), 1), 1);
	assert_int_equal(coalesce_stream(split(super_udp(&udp4, 9, 64 * SEG_SMALL, SEG_SMALL)), 1), 1);
	/* The run's vnet header and headers, as the kernel expects them. */
	assert_int_equal(coalesce_stream(split(super_udp(&udp4, 9, 10 * SEG_SMALL, SEG_SMALL)), 1), 1);
	w = TTT_VNET_LEN + 34 + 8 + 10 * SEG_SMALL;
	memcpy(&h, runbuf, TTT_VNET_LEN);
	assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_UDP_L4);
	assert_int_equal(h.gso_size, SEG_SMALL);
	assert_int_equal(h.hdr_len, 42);
	assert_int_equal(h.csum_start, 34);
	assert_int_equal(h.csum_offset, TTT_UDP_OFF_CSUM);
	assert_int_equal(ttt_get16(runbuf + TTT_VNET_LEN + 34 + 4), w - TTT_VNET_LEN - 34);
	assert_int_equal(ttt_get16(runbuf + TTT_VNET_LEN + 14 + 2), w - TTT_VNET_LEN - 14);
	/* CHECKSUM_PARTIAL: the pseudo-header's sum, not complemented. */
	{
		static const uint8_t zero[2];

		assert_int_equal(ttt_get16(runbuf + TTT_VNET_LEN + 34 + 6),
		    tm_sum(zero, 2, tm_pseudo(runbuf + TTT_VNET_LEN, 0, w - TTT_VNET_LEN - 34)));
	}
}

/* The tap without USO: each datagram alone, unchanged. */
static void
test_no_udp_runs_without_uso(void **state)
{
	(void)state;
	assert_int_equal(coalesce_stream(split(super_udp(&udp4, 100, 20 * SEG_SMALL, SEG_SMALL)), 0), 20);
	/* TCP still merges there. */
	{
		uint8_t pay[100] = { 0 };

		for (unsigned k = 0; k < 4; k++)
			seglen[k] = tm_frame(seg[k], &tcp4, 1 + 100 * k, (uint16_t)k, TTT_TCP_ACK,
			    pay, 100);
		assert_int_equal(coalesce_stream(4, 0), 1);
	}
}

/* No more datagrams a run than the kernel takes. */
static void
test_udp_run_count_capped(void **state)
{
	(void)state;
	stream(&udp4, 150, 7, NULL, SEG_SMALL);
	assert_int_equal(coalesce_stream(150, 1), 3);	/* 64 + 64 + 22 */
	stream(&udp4, TTT_USO_SEGS_MAX + 1, 7, NULL, SEG_SMALL);
	assert_int_equal(coalesce_stream(TTT_USO_SEGS_MAX + 1, 1), 2);
	stream(&udp4, TTT_USO_SEGS_MAX, 7, NULL, SEG_SMALL);
	assert_int_equal(coalesce_stream(TTT_USO_SEGS_MAX, 1), 1);
}

/* Two datagrams of a flow, the second changed by one field: two writes. */
static void
test_any_difference_keeps_datagrams_apart(void **state)
{
	static const struct {
		size_t off;	/* in the second datagram; IPv4, ihl 20 */
		uint8_t xor;
	} change[] = {
		{ 0, 1 }, { 11, 1 }, { 14 + 1, 4 }, { 14 + 4 + 1, 1 }, { 14 + 6, 0x40 },
		{ 14 + 8, 1 }, { 14 + 12, 1 }, { 14 + 19, 1 }, { 34 + 0, 1 }, { 34 + 3, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(change) / sizeof(change[0]); i++) {
		struct ttt_pkt p;

		stream(&udp4, 2, 100, NULL, SEG_SMALL);
		seg[1][change[i].off] ^= change[i].xor;
		/* Keep it a candidate: checksums made again. */
		(void)ttt_pkt_parse_udp(seg[1], seglen[1], &p);
		ttt_pkt_ipv4_csum_set(seg[1], &p);
		resum(1, 0);
		if (coalesce_stream(2, 1) != 2)
			fail_msg("change %zu (byte %zu ^ 0x%02x) coalesced", i, change[i].off,
			    change[i].xor);
	}
}

static void
test_what_ends_a_udp_run(void **state)
{
	const size_t plen[] = { 100, 100, 50, 100, 100 };

	(void)state;
	/* A shorter datagram ends its run. */
	stream(&udp4, 5, 1, plen, 0);
	assert_int_equal(coalesce_stream(5, 1), 2);
	/* A longer one cannot join. */
	{
		const size_t up[] = { 50, 100 };

		stream(&udp4, 2, 1, up, 0);
		assert_int_equal(coalesce_stream(2, 1), 2);
	}
	/* A bad checksum: that datagram alone, the kernel's to drop. */
	stream(&udp4, 4, 1, NULL, 100);
	seg[2][60] ^= 1;
	assert_int_equal(coalesce_stream(4, 1), 3);
	/* No checksum (0, IPv4's "none"): alone, as it came; even where the
	 * sum happens to be right (a run would come back with 0xffff). */
	stream(&udp4, 4, 1, NULL, 100);
	seg[1][34 + 6] = seg[1][34 + 7] = 0;
	assert_int_equal(coalesce_stream(4, 1), 3);
	seg[1][140] = seg[1][141] = 0;
	ttt_put16(seg[1] + 140, (uint16_t)(0xffff - tm_sum(seg[1] + 34, seglen[1] - 34,
	    tm_pseudo(seg[1], 0, seglen[1] - 34))));
	assert_int_equal(tm_sum(seg[1] + 34, seglen[1] - 34, tm_pseudo(seg[1], 0, seglen[1] - 34)),
	    0xffff);
	assert_int_equal(coalesce_stream(4, 1), 3);
	/* A UDP length that is not the datagram's: alone. */
	stream(&udp4, 4, 1, NULL, 100);
	ttt_put16(seg[1] + 34 + 4, 100);
	resum(1, 0);
	assert_int_equal(coalesce_stream(4, 1), 3);
	/* An identification out of step; out of order. */
	stream(&udp4, 4, 1, NULL, 100);
	ttt_put16(seg[2] + 14 + 4, 9);
	{
		struct ttt_pkt p;

		(void)ttt_pkt_parse_udp(seg[2], seglen[2], &p);
		ttt_pkt_ipv4_csum_set(seg[2], &p);
	}
	resum(2, 0);
	assert_int_equal(coalesce_stream(4, 1), 3);
	stream(&udp4, 4, 1, NULL, 100);
	memcpy(out, seg[1], seglen[1]);
	memcpy(seg[1], seg[2], seglen[2]);
	memcpy(seg[2], out, seglen[1]);
	assert_int_equal(coalesce_stream(4, 1), 4);
	/* An empty datagram, and a TCP segment between two UDP runs. */
	stream(&udp4, 4, 1, NULL, 100);
	seglen[1] = tm_frame(seg[1], &udp4, 0, 2, 0, seg[3], 0);
	assert_int_equal(coalesce_stream(4, 1), 3);
	stream(&udp4, 4, 1, NULL, 100);
	seglen[2] = tm_frame(seg[2], &tcp4, 1, 3, TTT_TCP_ACK, seg[3] + 42, 100);
	assert_int_equal(coalesce_stream(4, 1), 3);
	/* Ethernet padding: the IP length says less than the frame. */
	stream(&udp4, 4, 1, NULL, 100);
	seg[3][seglen[3]++] = 0;
	assert_int_equal(coalesce_stream(4, 1), 2);
}

static void
test_random_udp_streams_round_trip(void **state)
{
	(void)state;
	for (unsigned r = 0; r < RANDOM_RUNS; r++) {
		struct tm_flow f = rnd() & 1 ? udp6 : udp4;
		size_t mss, plen;
		unsigned n, flips;

		f.vlan = (rnd() & 7) == 0;
		f.ihl = 20 + 4 * (rnd() % 11);
		mss = 1 + rnd() % (MAX_FRAME - 18 - 60 - 8);
		plen = rnd() % (mss * (STREAM_MAX - 1) + 1);
		if (plen > TTT_IP_LEN_MAX - 68)	/* the headers at their longest */
			plen = TTT_IP_LEN_MAX - 68;
		n = split(super_udp(&f, (uint16_t)rnd(), plen, (uint16_t)mss));
		flips = rnd() % 3;
		for (unsigned k = 0; k < flips; k++) {
			unsigned i = rnd() % n;

			seg[i][rnd() % seglen[i]] ^= (uint8_t)(1u << (rnd() % 8));
		}
		(void)coalesce_stream(n, (int)(rnd() & 1));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_udp),
		cmocka_unit_test(test_split_udp_as_the_kernel),
		cmocka_unit_test(test_prepare_refuses_udp_it_cannot_honour),
		cmocka_unit_test(test_split_udp_checksum_never_zero),
		cmocka_unit_test(test_udp_stream_coalesces_and_cuts_back),
		cmocka_unit_test(test_no_udp_runs_without_uso),
		cmocka_unit_test(test_udp_run_count_capped),
		cmocka_unit_test(test_any_difference_keeps_datagrams_apart),
		cmocka_unit_test(test_what_ends_a_udp_run),
		cmocka_unit_test(test_random_udp_streams_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

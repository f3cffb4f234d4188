/*
 * The segmenter's and the coalescer's rules (tso.h, coalesce.h), stated
 * independently of their code, for the unit tests and the fuzz harnesses
 * alike (one model, four drivers):
 *   - split: a super-frame of payload P and gso_size S makes ceil(P / S)
 *     frames (one when P is 0), frame k carrying bytes k*S .. of P behind
 *     the super-frame's headers, changed only where the kernel's GSO
 *     changes them: IP length, IPv4 id + k and header checksum; for TCP
 *     sequence number + k*S, FIN and PSH only on the last, CWR only on the
 *     first; for UDP the UDP length; a TCP or UDP checksum valid for the
 *     frame; each at most max_frame long;
 *   - coalesce, round trip: a run written to the tap and cut again by the
 *     segmenter gives back the frames that made it, byte for byte but for
 *     checksum fields, which must both be valid (0x0000 and 0xffff are the
 *     same sum): a run of several holds no frame whose checksums were wrong,
 *     since the kernel does not check a run's again;
 *   - coalesce, UDP: a run of UDP datagrams only where the coalescer was
 *     told the tap takes them, and of at most TTT_USO_SEGS_MAX;
 *   - coalesce, maximality: a stream of a flow's segments, in order, all
 *     candidates, goes as one write per run the rules allow.
 * The checksum here is the plain RFC 1071 loop over big-endian words, not
 * pkt.c's.
 *
 * tm_* functions return NULL, or why the frames break the rule (in a static
 * buffer: one caller at a time).
 */
#ifndef TTT_TSO_MODEL_H
#define TTT_TSO_MODEL_H

#include <stdio.h>
#include <string.h>

#include "coalesce.h"
#include "pkt.h"
#include "tso.h"

#define TM_WHY 256

/* RFC 1071, word by word in network order: the sum, folded, not complemented. */
static inline uint16_t
tm_sum(const uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t s = seed;

	for (size_t i = 0; i < len; i += 2) {
		s += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
		s = (s & 0xffff) + (s >> 16);
	}
	return (uint16_t)s;
}

/* Where frame f's IP header starts: after 14 bytes and up to two VLAN tags. */
static inline size_t
tm_l3(const uint8_t *f)
{
	size_t l3 = 14;

	for (int t = 0; t < 2 && ((f[l3 - 2] == 0x81 && f[l3 - 1] == 0x00) ||
	    (f[l3 - 2] == 0x88 && f[l3 - 1] == 0xa8)); t++)
		l3 += 4;
	return l3;
}

/* The protocol frame f's IP header names (f's IP version: v6). */
static inline uint8_t
tm_proto(const uint8_t *f, int v6)
{
	return f[tm_l3(f) + (v6 ? 6 : 9)];
}

/* Whether frame f carries UDP: 17 in its IP header. */
static inline int
tm_is_udp(const uint8_t *f, int v6)
{
	return tm_proto(f, v6) == 17;
}

/* The TCP or UDP pseudo-header's sum for frame f. */
static inline uint32_t
tm_pseudo(const uint8_t *f, int v6, size_t l4len)
{
	size_t l3 = tm_l3(f);
	uint32_t s = v6 ? tm_sum(f + l3 + 8, 32, 0) : tm_sum(f + l3 + 12, 8, 0);

	return s + tm_proto(f, v6) + (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
}

/* f's TCP or UDP checksum is valid (for UDP, present: not 0). */
static inline int
tm_tcp_ok(const uint8_t *f, size_t len, size_t l4, int v6)
{
	if (tm_is_udp(f, v6) && f[l4 + 6] == 0 && f[l4 + 7] == 0)
		return 0;
	return tm_sum(f + l4, len - l4, tm_pseudo(f, v6, len - l4)) == 0xffff;
}

/* The offset of f's TCP or UDP checksum field in its header. */
static inline size_t
tm_csum_off(const uint8_t *f, int v6)
{
	return tm_is_udp(f, v6) ? 6 : 16;
}

/* A TCP flow's fixed fields, to build frames with. */
struct tm_flow {
	int v6;
	int vlan;		/* 1: one 802.1Q tag */
	size_t ihl;		/* IPv4 header length, 20..60 */
	size_t doff;		/* TCP header length, 20..60 */
	uint8_t ttl, tos;
	uint32_t ack;
	uint16_t window;
	uint8_t opt_fill;	/* the byte the TCP and IP options are made of */
	int udp;		/* 1: UDP (doff, ack, window, seq and flags unused) */
	uint16_t sport_add;	/* the source port: 40000 + this */
};

/* The UDP header of a frame tm_frame made, its checksum last (0xffff for
 * a sum of 0: 0 is "none"). */
static inline void
tm_udp(uint8_t *f, size_t l4, size_t len, int v6, uint16_t sport)
{
	uint8_t *uh = f + l4;
	uint16_t c;

	ttt_put16(uh, sport), ttt_put16(uh + 2, 5201);
	ttt_put16(uh + 4, (uint16_t)(len - l4));
	uh[6] = uh[7] = 0;
	c = (uint16_t)~tm_sum(uh, len - l4, tm_pseudo(f, v6, len - l4));
	ttt_put16(uh + 6, c ? c : 0xffff);
}

/*
 * Frame of the flow with the given fields and payload into f (room enough:
 * the caller's), checksums valid. Returns its length.
 */
static inline size_t
tm_frame(uint8_t *f, const struct tm_flow *fl, uint32_t seq, uint16_t id, uint8_t flags,
    const uint8_t *payload, size_t plen)
{
	size_t l3 = 14 + (fl->vlan ? 4 : 0), l4 = l3 + (fl->v6 ? 40 : fl->ihl);
	size_t hl = fl->udp ? 8 : fl->doff, len = l4 + hl + plen;
	uint8_t *ip = f + l3, *th = f + l4;
	uint16_t c;

	memset(f, 0, l4 + hl);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	if (fl->vlan)
		f[12] = 0x81, f[13] = 0x00, f[14] = 0x00, f[15] = 0x2a;
	if (fl->v6) {
		f[l3 - 2] = 0x86, f[l3 - 1] = 0xdd;
		ip[0] = 0x60 | (fl->tos >> 4), ip[1] = (uint8_t)(fl->tos << 4);
		ttt_put16(ip + 4, (uint16_t)(len - l4));
		ip[6] = fl->udp ? 17 : 6, ip[7] = fl->ttl;
		memcpy(ip + 8, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(ip + 24, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	} else {
		f[l3 - 2] = 0x08, f[l3 - 1] = 0x00;
		ip[0] = (uint8_t)(0x40 | fl->ihl / 4), ip[1] = fl->tos;
		ttt_put16(ip + 2, (uint16_t)(len - l3));
		ttt_put16(ip + 4, id);
		ip[6] = 0x40;	/* DF */
		ip[8] = fl->ttl, ip[9] = fl->udp ? 17 : 6;
		memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
		memset(ip + 20, fl->opt_fill, fl->ihl - 20);
		c = (uint16_t)~tm_sum(ip, fl->ihl, 0);
		ttt_put16(ip + 10, c);
	}
	if (fl->udp) {
		memcpy(th + 8, payload, plen);
		tm_udp(f, l4, len, fl->v6, (uint16_t)(40000 + fl->sport_add));
		return len;
	}
	ttt_put16(th, (uint16_t)(40000 + fl->sport_add)), ttt_put16(th + 2, 5201);
	ttt_put32(th + 4, seq), ttt_put32(th + 8, fl->ack);
	th[12] = (uint8_t)(fl->doff / 4 << 4), th[13] = flags;
	ttt_put16(th + 14, fl->window);
	memset(th + 20, fl->opt_fill, fl->doff - 20);
	memcpy(th + fl->doff, payload, plen);
	c = (uint16_t)~tm_sum(th, len - l4, tm_pseudo(f, fl->v6, len - l4));
	ttt_put16(th + 16, c);
	return len;
}

/*
 * Frames a and b are the same but for the checksum fields, and b's
 * checksums are valid (a's, the reference, may be the kernel's partial).
 */
static inline const char *
tm_same_frame(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, size_t l4, int v6)
{
	size_t l3 = tm_l3(a), ipc = v6 ? 0 : l3 + 10, l4c = l4 + tm_csum_off(a, v6);

	if (alen != blen)
		return "lengths differ";
	for (size_t i = 0; i < alen; i++) {
		if ((ipc && (i == ipc || i == ipc + 1)) || i == l4c || i == l4c + 1)
			continue;
		if (a[i] != b[i]) {
			static char why[TM_WHY / 2];	/* room in tm_check_run's */

			(void)snprintf(why, sizeof(why), "byte %zu: 0x%02x, want 0x%02x", i, b[i], a[i]);
			return why;
		}
	}
	if (!v6 && tm_sum(b + l3, l4 - l3, 0) != 0xffff)
		return "IPv4 header checksum invalid";
	if (!tm_tcp_ok(b, blen, l4, v6))
		return "TCP or UDP checksum invalid";
	return NULL;
}

/*
 * Frame k of n cut from super-frame s (slen bytes, headers hdr bytes, l4
 * the TCP or UDP header, gso_size seg) follows the split rule.
 */
static inline const char *
tm_check_segment(const uint8_t *s, size_t slen, size_t hdr, size_t l4, int v6, size_t seg,
    unsigned k, unsigned n, const uint8_t *f, size_t flen, size_t max_frame)
{
	static char why[TM_WHY];
	static uint8_t ref[TTT_SUPER_MAX];	/* the frame the rule predicts */
	size_t off = hdr + (size_t)k * seg, piece = slen - off < seg ? slen - off : seg;
	int udp = tm_is_udp(s, v6);
	uint8_t flags = udp ? 0 : s[l4 + 13];
	const char *bad;
	size_t l3 = tm_l3(s);

	if (flen != hdr + piece || flen > max_frame) {
		(void)snprintf(why, sizeof(why), "frame %u of %u: %zu bytes, want %zu (max %zu)",
		    k, n, flen, hdr + piece, max_frame);
		return why;
	}
	if (k + 1 < n)
		flags &= (uint8_t)~(TTT_TCP_FIN | TTT_TCP_PSH);
	if (k > 0)
		flags &= (uint8_t)~TTT_TCP_CWR;
	memcpy(ref, s, hdr);
	memcpy(ref + hdr, s + off, piece);
	if (v6) {
		ttt_put16(ref + l3 + 4, (uint16_t)(flen - l3 - 40));
	} else {
		ttt_put16(ref + l3 + 2, (uint16_t)(flen - l3));
		ttt_put16(ref + l3 + 4, (uint16_t)(ttt_get16(s + l3 + 4) + k));
	}
	if (udp) {
		ttt_put16(ref + l4 + 4, (uint16_t)(flen - l4));
	} else {
		ttt_put32(ref + l4 + 4, ttt_get32(s + l4 + 4) + (uint32_t)(k * seg));
		ref[l4 + 13] = flags;
	}
	bad = tm_same_frame(ref, flen, f, flen, l4, v6);
	if (bad != NULL) {
		(void)snprintf(why, sizeof(why), "frame %u of %u: %.200s", k, n, bad);
		return why;
	}
	return NULL;
}

/*
 * A run the coalescer wrote (w, wlen bytes: vnet header and frame) is the n
 * frames fr[0..n-1] that went into it: cut again as the kernel would (the
 * segmenter, itself checked against tm_check_segment), each comes back.
 * A run of UDP datagrams only if udp (the tap's USO), of at most
 * TTT_USO_SEGS_MAX. out: room for one frame of max_frame bytes.
 */
static inline const char *
tm_check_run(uint8_t *w, size_t wlen, const uint8_t *const *fr, const size_t *len, unsigned n,
    int udp, uint8_t *out, size_t max_frame)
{
	static char why[TM_WHY];
	struct ttt_tso t;
	struct ttt_pkt p;

	if (ttt_tso_prepare(&t, w, wlen, max_frame) != TTT_TSO_OK)
		return "the run is not a frame the segmenter takes";
	if (t.count != n) {
		(void)snprintf(why, sizeof(why), "the run cuts into %u frames, %u went in", t.count, n);
		return why;
	}
	if (n == 1)
		return t.len == len[0] && memcmp(t.frame, fr[0], len[0]) == 0 ? NULL :
		    "a frame written alone changed";
	if (ttt_pkt_parse_l4(fr[0], len[0], &p) != 0)
		return "a run of frames that are not TCP or UDP";
	if (p.proto == TTT_IPPROTO_UDP && (!udp || n > TTT_USO_SEGS_MAX))
		return udp ? "a UDP run of more datagrams than the kernel takes" :
		    "a UDP run where the tap takes none";
	for (unsigned k = 0; k < n; k++) {
		size_t got = ttt_tso_frame(&t, k, out, max_frame);
		const char *bad = tm_same_frame(fr[k], len[k], out, got, p.l4, p.v6);

		/* The frame as it came: its own checksums valid. */
		if (bad == NULL)
			bad = tm_same_frame(fr[k], len[k], fr[k], len[k], p.l4, p.v6);
		if (bad != NULL) {
			(void)snprintf(why, sizeof(why), "frame %u of the run: %s", k, bad);
			return why;
		}
	}
	return NULL;
}


/*
 * Offer frames fr[0..n-1] to a coalescer as receive.c does (append, else
 * write the run held, then start a new one or write the frame alone), each
 * run written checked with tm_check_run. udp: the tap takes UDP runs.
 * runbuf: TTT_COALESCE_BUF bytes; out: room for a frame of out_cap bytes.
 * *writes gets how many writes.
 */
static inline const char *
tm_coalesce(const uint8_t *const *fr, const size_t *len, unsigned n, int udp, uint8_t *runbuf,
    uint8_t *out, size_t out_cap, unsigned *writes)
{
	static char why[TM_WHY];
	struct ttt_coalesce g;
	unsigned first = 0;

	*writes = 0;
	ttt_coalesce_init(&g, runbuf, udp);
	for (unsigned i = 0; i <= n; i++) {
		struct ttt_pkt p;
		int cand = i < n && ttt_coalesce_candidate(&g, fr[i], len[i], &p) == 0;
		size_t w;

		if (cand && ttt_coalesce_append(&g, fr[i], len[i], &p))
			continue;
		if ((w = ttt_coalesce_finish(&g)) != 0) {
			const char *bad = tm_check_run(runbuf, w, fr + first, len + first, i - first,
			    udp, out, out_cap);

			if (bad != NULL) {
				(void)snprintf(why, sizeof(why), "run of frames %u..%u: %.200s", first,
				    i - 1, bad);
				return why;
			}
			++*writes;
		}
		first = i;
		if (cand) {
			ttt_coalesce_start(&g, fr[i], len[i], &p);
		} else if (i < n) {
			++*writes;	/* alone, unchanged */
			first = i + 1;
		}
	}
	return NULL;
}

#endif

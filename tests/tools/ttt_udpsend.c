/*
 * ttt_udpsend: re-send the UDP payloads of a pcap file, unchanged, from a
 * chosen local address and port to a chosen destination. The end-to-end
 * replay test captures a tunnel's datagrams with tcpdump and plays them back
 * at a peer with this, from the real sender's address or from elsewhere.
 *
 *   ttt_udpsend [-s] [-p DPORT] [-n MAX] [-g USEC] <pcap file> <local addr> <dest addr>
 *
 *   -s        split a payload into the tinytaptunnel datagrams it holds: a
 *             capture on the sender's side sees a UDP_SEGMENT message whole,
 *             before the kernel cuts it into datagrams of one size (the
 *             first's, which its Ethernet frame's IP or ARP header gives)
 *   -p DPORT  only payloads of datagrams sent to this UDP port
 *   -n MAX    at most MAX datagrams
 *   -g USEC   pause between datagrams (default 0)
 *
 * Addresses as the daemon takes them: ":9001", "192.0.2.1:9001",
 * "[2001:db8::1]:9001". Prints "sent N skipped M" on standard output; exits 0
 * when every selected payload was sent, 1 on a send error, 2 on bad input.
 *
 * The pcap format is parsed here, by hand, with every length checked against
 * what is left of the record: classic pcap (microsecond or nanosecond magic,
 * either byte order); link types Ethernet (with 802.1Q tags), Linux cooked
 * (SLL, SLL2) and raw IP; IPv4 (unfragmented) and IPv6 (UDP as the first next
 * header). A truncated record is skipped, never sent partially.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "addr.h"
#include "udp.h"

#define PCAP_GLOBAL_LEN   24
#define PCAP_RECORD_LEN   16
#define PCAP_SNAP_MAX     262144u

#define LINK_ETHERNET     1
#define LINK_RAW          101
#define LINK_SLL          113
#define LINK_SLL2         276
#define LINK_IPV4         228
#define LINK_IPV6         229

#define ETH_HLEN          14
#define SLL_HLEN          16
#define SLL2_HLEN         20
#define ETYPE_IPV4        0x0800
#define ETYPE_IPV6        0x86dd
#define ETYPE_VLAN        0x8100
#define ETYPE_QINQ        0x88a8
#define IPV6_HLEN         40
#define UDP_HLEN          8
#define PROTO_UDP         17

struct pcap {
	FILE *f;
	int swap;
	uint32_t link;
};

static uint32_t
get32(const uint8_t *p, int swap)
{
	uint32_t le = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
	uint32_t be = (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[0] << 24;

	return swap ? be : le;
}

static unsigned
be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Reads the global header; 0, or -1 with a message. */
static int
pcap_open(struct pcap *pc, const char *path)
{
	uint8_t h[PCAP_GLOBAL_LEN];
	uint32_t magic;

	pc->f = fopen(path, "rb");
	if (pc->f == NULL) {
		fprintf(stderr, "ttt_udpsend: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fread(h, 1, sizeof(h), pc->f) != sizeof(h)) {
		fprintf(stderr, "ttt_udpsend: %s: no pcap global header\n", path);
		return -1;
	}
	/* Little-endian read of the magic: a file written little-endian reads back
	 * as itself, a big-endian one byte-swapped. */
	magic = get32(h, 0);
	if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du)
		pc->swap = 0;
	else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u)
		pc->swap = 1;
	else {
		fprintf(stderr, "ttt_udpsend: %s: not a classic pcap file (magic %08x)\n",
		    path, (unsigned)magic);
		return -1;
	}
	pc->link = get32(h + 20, pc->swap) & 0x0fffffffu;
	return 0;
}

/* One record into buf; returns its captured length, 0 at the end, -1 on error.
 * *whole: the record holds the packet in full. */
static long
pcap_next(struct pcap *pc, uint8_t *buf, size_t cap, int *whole)
{
	uint8_t h[PCAP_RECORD_LEN];
	uint32_t incl, orig;
	size_t n = fread(h, 1, sizeof(h), pc->f);

	if (n == 0 && feof(pc->f))
		return 0;
	if (n != sizeof(h)) {
		fprintf(stderr, "ttt_udpsend: truncated record header\n");
		return -1;
	}
	incl = get32(h + 8, pc->swap);
	orig = get32(h + 12, pc->swap);
	if (incl > PCAP_SNAP_MAX || incl > cap) {
		fprintf(stderr, "ttt_udpsend: record of %u bytes is too large\n", (unsigned)incl);
		return -1;
	}
	if (fread(buf, 1, incl, pc->f) != incl) {
		/* tcpdump killed mid-write: the last record may be cut short. */
		fprintf(stderr, "ttt_udpsend: last record truncated, ignored\n");
		return 0;
	}
	*whole = incl > 0 && orig == incl;
	return incl > 0 ? (long)incl : 1;	/* an empty record: skipped, not the end */
}

/* Offset and ethertype of the network header; -1 when the link is not understood. */
static long
network_header(uint32_t link, const uint8_t *p, size_t len, unsigned *etype)
{
	size_t off;

	switch (link) {
	case LINK_ETHERNET:
		if (len < ETH_HLEN)
			return -1;
		off = ETH_HLEN;
		*etype = be16(p + 12);
		while ((*etype == ETYPE_VLAN || *etype == ETYPE_QINQ) && len >= off + 4) {
			*etype = be16(p + off + 2);
			off += 4;
		}
		return (long)off;
	case LINK_SLL:
		if (len < SLL_HLEN)
			return -1;
		*etype = be16(p + 14);
		return SLL_HLEN;
	case LINK_SLL2:
		if (len < SLL2_HLEN)
			return -1;
		*etype = be16(p);
		return SLL2_HLEN;
	case LINK_RAW:
		if (len < 1)
			return -1;
		*etype = (p[0] >> 4) == 6 ? ETYPE_IPV6 : ETYPE_IPV4;
		return 0;
	case LINK_IPV4:
		*etype = ETYPE_IPV4;
		return 0;
	case LINK_IPV6:
		*etype = ETYPE_IPV6;
		return 0;
	default:
		return -1;
	}
}

/*
 * The UDP payload of one captured packet: 0 with *pl, *pllen and *dport set,
 * or -1 when it is not a whole, unfragmented UDP datagram.
 */
static int
udp_payload(uint32_t link, const uint8_t *p, size_t len, const uint8_t **pl,
    size_t *pllen, unsigned *dport)
{
	unsigned etype = 0, ulen;
	long noff = network_header(link, p, len, &etype);
	size_t off, iplen, end;

	if (noff < 0)
		return -1;
	off = (size_t)noff;
	if (etype == ETYPE_IPV4) {
		size_t ihl;

		if (len < off + 20 || (p[off] >> 4) != 4)
			return -1;
		ihl = (size_t)(p[off] & 0x0f) * 4;
		iplen = be16(p + off + 2);
		/* A fragment (MF set or an offset) is not a whole datagram. */
		if (ihl < 20 || p[off + 9] != PROTO_UDP || (be16(p + off + 6) & 0x3fff) != 0)
			return -1;
		if (iplen < ihl + UDP_HLEN || len < off + iplen)
			return -1;
		end = off + iplen;
		off += ihl;
	} else if (etype == ETYPE_IPV6) {
		if (len < off + IPV6_HLEN || (p[off] >> 4) != 6 || p[off + 6] != PROTO_UDP)
			return -1;
		iplen = be16(p + off + 4);
		if (iplen < UDP_HLEN || len < off + IPV6_HLEN + iplen)
			return -1;
		end = off + IPV6_HLEN + iplen;
		off += IPV6_HLEN;
	} else {
		return -1;
	}
	ulen = be16(p + off + 4);
	if (ulen < UDP_HLEN || off + ulen > end)
		return -1;
	*dport = be16(p + off + 2);
	*pl = p + off + UDP_HLEN;
	*pllen = ulen - UDP_HLEN;
	return 0;
}

#define TTT_HDR           40	/* MAC and timestamp before the frame */
#define ETYPE_ARP         0x0806
#define ARP_LEN           28

/* The length of the first tinytaptunnel datagram in a payload, from its
 * frame's own headers; 0 when they do not say. */
static size_t
first_datagram(const uint8_t *pl, size_t len)
{
	const uint8_t *f = pl + TTT_HDR;
	size_t l3;

	if (len < TTT_HDR + ETH_HLEN + 4)
		return 0;
	switch (be16(f + 12)) {
	case ETYPE_IPV4:
		l3 = be16(f + ETH_HLEN + 2);
		break;
	case ETYPE_IPV6:
		l3 = len >= TTT_HDR + ETH_HLEN + IPV6_HLEN ? IPV6_HLEN + be16(f + ETH_HLEN + 4) : 0;
		break;
	case ETYPE_ARP:
		l3 = ARP_LEN;
		break;
	default:
		return 0;
	}
	return l3 == 0 ? 0 : TTT_HDR + ETH_HLEN + l3;
}

static int
send_one(int fd, const struct ttt_addr *dest, const uint8_t *p, size_t len)
{
	if (sendto(fd, p, len, 0, (const struct sockaddr *)&dest->ss, dest->len) !=
	    (ssize_t)len) {
		fprintf(stderr, "ttt_udpsend: sendto: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int
parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

static void
pause_us(unsigned long us)
{
	struct timespec ts = { .tv_sec = (time_t)(us / 1000000), .tv_nsec = (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ttt_udpsend [-s] [-p DPORT] [-n MAX] [-g USEC] <pcap file> "
	    "<local addr> <dest addr>\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static uint8_t rec[PCAP_SNAP_MAX];
	struct ttt_addr local, dest;
	struct pcap pc;
	unsigned long dport = 0, max = (unsigned long)-1, gap = 0;
	unsigned long sent = 0, skipped = 0;
	enum ttt_addr_status st;
	int opt, fd, gai = 0, rc = 0, split = 0;

	while ((opt = getopt(argc, argv, "sp:n:g:")) != -1) {
		switch (opt) {
		case 's':
			split = 1;
			break;
		case 'p':
			if (parse_ulong(optarg, 65535, &dport) != 0 || dport == 0)
				usage();
			break;
		case 'n':
			if (parse_ulong(optarg, 100000000, &max) != 0)
				usage();
			break;
		case 'g':
			if (parse_ulong(optarg, 10000000, &gap) != 0)
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 3)
		usage();
	if ((st = ttt_addr_resolve_local(argv[optind + 1], &local, &gai)) != TTT_ADDR_OK) {
		fprintf(stderr, "ttt_udpsend: local address '%s': %s\n", argv[optind + 1],
		    ttt_addr_strerror(st));
		return 2;
	}
	if ((st = ttt_addr_resolve_peer(argv[optind + 2], local.ss.ss_family, &dest, &gai)) !=
	    TTT_ADDR_OK) {
		fprintf(stderr, "ttt_udpsend: destination '%s': %s\n", argv[optind + 2],
		    ttt_addr_strerror(st));
		return 2;
	}
	if (pcap_open(&pc, argv[optind]) != 0)
		return 2;
	fd = ttt_udp_open(&local);
	if (fd < 0) {
		fprintf(stderr, "ttt_udpsend: bind %s: %s\n", argv[optind + 1], strerror(-fd));
		return 2;
	}
	while (sent < max) {
		const uint8_t *pl;
		size_t pllen;
		unsigned port;
		int whole = 0;
		long n = pcap_next(&pc, rec, sizeof(rec), &whole);

		if (n < 0) {
			rc = 2;
			break;
		}
		if (n == 0)
			break;
		if (!whole || udp_payload(pc.link, rec, (size_t)n, &pl, &pllen, &port) != 0) {
			skipped++;
			continue;
		}
		if (dport != 0 && port != dport) {
			skipped++;
			continue;
		}
		for (size_t off = 0, seg = split ? first_datagram(pl, pllen) : 0;
		    off < pllen && sent < max && rc == 0;) {
			size_t piece = seg == 0 || seg > pllen - off ? pllen - off : seg;

			if (send_one(fd, &dest, pl + off, piece) != 0) {
				rc = 1;
				break;
			}
			off += piece;
			sent++;
			if (gap > 0)
				pause_us(gap);
		}
		if (rc != 0)
			break;
	}
	printf("sent %lu skipped %lu\n", sent, skipped);
	if (fclose(pc.f) != 0 || close(fd) != 0)
		rc = rc != 0 ? rc : 1;
	return rc;
}

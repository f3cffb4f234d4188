/*
 * ttt_forge: build tunnel datagrams with the project's own codec, good ones
 * and bad ones, and send them at a peer. The end-to-end tests use it to check
 * what a receiver refuses (stale, future, forged, malformed) and that a flood
 * of such datagrams neither crashes it nor floods its log.
 *
 *   ttt_forge [options] <dest addr>
 *
 *   -k FILE   the key file (ttt_keyfile_load: mode 0600, as the daemon wants it)
 *   -m MODES  what to send (default valid); a comma-separated list is used in
 *             turn, one mode a datagram (mix = wrongkey,short,long,flip,junk):
 *               valid     an authentic frame under the key
 *               wrongkey  an authentic frame under a random key of our own
 *               short     0..40 random bytes (-l: exactly that many, 0..40):
 *                         shorter than a header and one byte
 *               long      an authentic frame, datagram of -l bytes (default
 *                         1473..4000: over the default maximum of 1472)
 *               flip      an authentic frame with one random bit flipped
 *               junk      41..1472 random bytes (-l: exactly that many)
 *               mix       wrongkey, short, long (1473..4000 bytes), flip, junk in turn
 *   -g N      hand the kernel N datagrams at a time, grouped into UDP_SEGMENT
 *             messages the way the daemon groups them (gso.h), so a receiver
 *             with UDP_GRO gets them coalesced (default 1: one at a time)
 *   -t MS     timestamp = now + MS milliseconds (may be negative; default 0)
 *   -T NS     timestamp = NS exactly (int64, UNIX nanoseconds); overrides -t.
 *             Every datagram then carries NS: with -n 2 the second is a replay
 *   -s ADDR   local address to send from (default ":0", any port)
 *   -n N      send N datagrams (default 1)
 *   -d MS     instead of -n: keep sending for MS milliseconds
 *   -r PPS    at most PPS datagrams a second (default 0: no limit with -n,
 *             20000 with -d, so a flood stays bounded)
 *   -l LEN    datagram length for short, junk and long
 *   -M TEXT   marker carried in the frame (default "ttt-forge")
 *   -e TYPE   ethertype of the frame, hex (default 88b5, IEEE local experimental)
 *
 * Valid frames are broadcast Ethernet frames from 02:00:00:00:7f:01 carrying
 * "MARKER seq=N". Timestamps (without -T) strictly increase, so no two
 * datagrams sent are alike. Prints "sent N" on standard output; exits 0 when
 * every datagram was sent, 1 on a send error, 2 on a bad command line or key.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <netinet/udp.h>

#include "addr.h"
#include "frame.h"
#include "gso.h"
#include "keyfile.h"
#include "udp.h"
#include "wire.h"

#define FORGE_LONG_MAX    4000	/* longest "long" datagram in mix mode */
#define FORGE_MIN_FRAME   60	/* an Ethernet frame without FCS, padded */
#define FORGE_FLOOD_PPS   20000
#define FORGE_BUF         (TTT_HDR_LEN + TTT_MAX_FRAME)
#define FORGE_MODES_MAX   16	/* modes in one -m list */

enum mode { M_VALID, M_WRONGKEY, M_SHORT, M_LONG, M_FLIP, M_JUNK, M_MIX };

static const char *const mode_names[] = {
	[M_VALID] = "valid", [M_WRONGKEY] = "wrongkey", [M_SHORT] = "short",
	[M_LONG] = "long", [M_FLIP] = "flip", [M_JUNK] = "junk", [M_MIX] = "mix",
};

static uint64_t rng_state;

/* xorshift64*: random enough for junk, cheap enough for a flood. */
static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(0x2545F4914F6CDD1D);
}

/* Uniform enough in [lo, hi]. */
static size_t
rng_between(size_t lo, size_t hi)
{
	return lo + (size_t)(rng() % (uint64_t)(hi - lo + 1));
}

static void
rng_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rng() >> 56);
}

static int64_t
realtime_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * TTT_NSEC_PER_SEC + ts.tv_nsec;
}

static int64_t
monotonic_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * TTT_NSEC_PER_SEC + ts.tv_nsec;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: ttt_forge [-k KEYFILE] [-m valid|wrongkey|short|long|flip|junk|mix[,...]]\n"
	    "                 [-t OFFSET_MS | -T TS_NS] [-s LOCAL] [-n N | -d MS] [-r PPS] [-g N]\n"
	    "                 [-l LEN] [-M MARKER] [-e ETHERTYPE] <dest addr>\n");
	exit(2);
}

static long long
parse_ll(const char *s, long long lo, long long hi, int base)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, base);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "ttt_forge: bad number '%s'\n", s);
		usage();
	}
	return v;
}

/* The frame carried: broadcast, from a locally administered address, marker + seq. */
static size_t
make_frame(uint8_t *f, size_t cap, size_t want, unsigned etype, const char *marker,
    unsigned long seq)
{
	static const uint8_t src[6] = { 0x02, 0x00, 0x00, 0x00, 0x7f, 0x01 };
	size_t len;
	int n;

	memset(f, 0, cap);
	memset(f, 0xff, 6);
	memcpy(f + 6, src, sizeof(src));
	f[12] = (uint8_t)(etype >> 8);
	f[13] = (uint8_t)etype;
	n = snprintf((char *)f + TTT_ETH_HLEN, cap - TTT_ETH_HLEN, "%s seq=%lu", marker, seq);
	len = TTT_ETH_HLEN + (n > 0 ? (size_t)n : 0);
	if (len < FORGE_MIN_FRAME)
		len = FORGE_MIN_FRAME;
	if (want > len)
		len = want;
	return len < cap ? len : cap;
}

struct forge {
	struct ttt_mac_key key, wrong;
	int64_t last_ts;	/* strictly increasing: no two datagrams alike */
	int have_last;
	int have_key;
	int abs_ts;
	int64_t ts_abs, offset_ns;
	size_t long_len;	/* -l: the datagram length of short, junk and long */
	int fixed_len;
	unsigned etype;
	const char *marker;
};

static int64_t
next_ts(struct forge *fg)
{
	int64_t ts;

	if (fg->abs_ts)
		return fg->ts_abs;
	ts = realtime_ns() + fg->offset_ns;
	if (fg->have_last && ts <= fg->last_ts)
		ts = fg->last_ts + 1;
	fg->last_ts = ts;
	fg->have_last = 1;
	return ts;
}

/* Build datagram number seq of the given mode into out; returns its length. */
static size_t
build(struct forge *fg, enum mode m, unsigned long seq, uint8_t *out, size_t cap)
{
	static uint8_t frame[TTT_MAX_FRAME];
	size_t flen, len, bit;

	switch (m) {
	case M_VALID:
	case M_WRONGKEY:
		flen = make_frame(frame, sizeof(frame), 0, fg->etype, fg->marker, seq);
		return ttt_frame_encode(m == M_VALID ? &fg->key : &fg->wrong, next_ts(fg),
		    frame, flen, out, cap);
	case M_LONG:
		len = fg->long_len;
		if (!fg->fixed_len)
			len = rng_between(TTT_HDR_LEN + TTT_DEFAULT_MAX_FRAME + 1, FORGE_LONG_MAX);
		flen = make_frame(frame, sizeof(frame), len - TTT_HDR_LEN, fg->etype,
		    fg->marker, seq);
		return ttt_frame_encode(&fg->key, next_ts(fg), frame, flen, out, cap);
	case M_FLIP:
		flen = make_frame(frame, sizeof(frame), 0, fg->etype, fg->marker, seq);
		len = ttt_frame_encode(&fg->key, next_ts(fg), frame, flen, out, cap);
		if (len == 0)
			return 0;
		bit = rng_between(0, len * 8 - 1);
		out[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		return len;
	case M_SHORT:
		len = fg->fixed_len ? fg->long_len : rng_between(0, TTT_MIN_DATAGRAM - 1);
		rng_fill(out, len);
		return len;
	case M_JUNK:
		len = fg->fixed_len ? fg->long_len :
		    rng_between(TTT_MIN_DATAGRAM, TTT_HDR_LEN + TTT_DEFAULT_MAX_FRAME);
		rng_fill(out, len);
		return len;
	case M_MIX:
	default:
		break;
	}
	return 0;
}

static void
pace(int64_t start_ns, unsigned long sent, unsigned long pps)
{
	int64_t due, now;
	struct timespec ts;

	if (pps == 0)
		return;
	due = start_ns + (int64_t)((double)sent * 1e9 / (double)pps);
	now = monotonic_ns();
	if (due <= now)
		return;
	ts.tv_sec = (time_t)((due - now) / TTT_NSEC_PER_SEC);
	ts.tv_nsec = (long)((due - now) % TTT_NSEC_PER_SEC);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* -m: one mode or a comma-separated list of them; mix stands for its five. */
static size_t
parse_modes(const char *arg, enum mode *modes, size_t cap)
{
	static const enum mode mix[] = { M_WRONGKEY, M_SHORT, M_LONG, M_FLIP, M_JUNK };
	char buf[256], *save = NULL, *tok;
	size_t n = 0, i;

	if (strlen(arg) >= sizeof(buf))
		usage();
	memcpy(buf, arg, strlen(arg) + 1);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
			if (strcmp(tok, mode_names[i]) == 0)
				break;
		if (i == sizeof(mode_names) / sizeof(mode_names[0]))
			usage();
		if ((enum mode)i == M_MIX) {
			if (n + sizeof(mix) / sizeof(mix[0]) > cap)
				usage();
			for (size_t j = 0; j < sizeof(mix) / sizeof(mix[0]); j++)
				modes[n++] = mix[j];
		} else {
			if (n == cap)
				usage();
			modes[n++] = (enum mode)i;
		}
	}
	if (n == 0)
		usage();
	return n;
}

/* -l must fit every mode that takes it (a "short" datagram is short, a
 * "long" one long), and some mode must take it. Returns 0 when it does. */
static int
check_len(const struct forge *fg, const enum mode *modes, size_t n, const char **bad)
{
	int used = 0;

	for (size_t i = 0; i < n; i++) {
		enum mode m = modes[i];

		*bad = mode_names[m];
		if ((m == M_SHORT && fg->long_len >= TTT_MIN_DATAGRAM) ||
		    (m == M_LONG && fg->long_len <= TTT_HDR_LEN + FORGE_MIN_FRAME) ||
		    (m == M_JUNK && fg->long_len > FORGE_BUF))
			return -1;
		used |= m == M_SHORT || m == M_LONG || m == M_JUNK;
	}
	return used ? 0 : -1;
}

static int
needs_key(const enum mode *modes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (modes[i] == M_VALID || modes[i] == M_LONG || modes[i] == M_FLIP)
			return 1;
	return 0;
}

/*
 * Send datagrams 0..n-1 of dg, grouped into UDP_SEGMENT messages (count > 1)
 * as the daemon groups them. Returns how many were sent; stops at the first
 * error other than a full buffer (errno says which).
 */
static unsigned
send_group(int fd, const struct ttt_addr *dest, uint8_t (*dg)[FORGE_BUF], const size_t *len,
    unsigned n)
{
	static const struct ttt_gso_limits lim = {
		.max_segs = TTT_GSO_MAX_SEGS, .max_seg = UINT16_MAX, .max_bytes = TTT_GSO_MAX_BYTES,
	};
	struct ttt_gso_msg msg[TTT_GSO_MAX_SEGS];
	struct iovec iov[TTT_GSO_MAX_SEGS];
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl;
	unsigned nmsg = ttt_gso_group(len, n, &lim, msg), sent = 0;

	for (unsigned i = 0; i < n; i++) {
		iov[i].iov_base = dg[i];
		iov[i].iov_len = len[i];
	}
	for (unsigned k = 0; k < nmsg; k++) {
		struct msghdr h = {
			.msg_name = (void *)&dest->ss, .msg_namelen = dest->len,
			.msg_iov = &iov[msg[k].first], .msg_iovlen = msg[k].count,
		};

		if (msg[k].count > 1) {
			h.msg_control = ctl.buf;
			h.msg_controllen = sizeof(ctl.buf);
			ctl.align.cmsg_level = SOL_UDP;
			ctl.align.cmsg_type = UDP_SEGMENT;
			ctl.align.cmsg_len = CMSG_LEN(sizeof(uint16_t));
			memcpy(CMSG_DATA(&ctl.align), &msg[k].seg, sizeof(uint16_t));
		}
		while (sendmsg(fd, &h, 0) < 0) {
			/* A full socket buffer under a flood is not an error of the peer's. */
			if (errno != ENOBUFS && errno != EAGAIN)
				return sent;
		}
		sent += msg[k].count;
	}
	return sent;
}

int
main(int argc, char **argv)
{
	static uint8_t dg[TTT_GSO_MAX_SEGS][FORGE_BUF];
	size_t dlen[TTT_GSO_MAX_SEGS];
	enum mode modes[FORGE_MODES_MAX] = { M_VALID };
	size_t nmodes = 1;
	unsigned group = 1;
	const char *bad = "";
	static struct forge fg;
	uint8_t raw[TTT_KEY_MAX];
	const char *keypath = NULL, *local_spec = ":0";
	struct ttt_addr local, dest;
	enum ttt_addr_status ast;
	unsigned long count = 1, sent = 0, pps = 0;
	long long duration_ms = -1;
	int have_pps = 0, opt, fd, gai = 0, err = 0, rc = 0;
	int64_t start;
	size_t keylen = 0;

	fg.marker = "ttt-forge";
	fg.etype = 0x88b5;
	while ((opt = getopt(argc, argv, "k:m:t:T:s:n:d:r:l:M:e:g:")) != -1) {
		switch (opt) {
		case 'k':
			keypath = optarg;
			break;
		case 'm':
			nmodes = parse_modes(optarg, modes, FORGE_MODES_MAX);
			break;
		case 'g':
			group = (unsigned)parse_ll(optarg, 1, TTT_GSO_MAX_SEGS, 10);
			break;
		case 't':
			fg.offset_ns = parse_ll(optarg, -86400000000LL, 86400000000LL, 10) *
			    TTT_NSEC_PER_MSEC;
			break;
		case 'T':
			fg.ts_abs = parse_ll(optarg, LLONG_MIN, LLONG_MAX, 10);
			fg.abs_ts = 1;
			break;
		case 's':
			local_spec = optarg;
			break;
		case 'n':
			count = (unsigned long)parse_ll(optarg, 1, 100000000, 10);
			break;
		case 'd':
			duration_ms = parse_ll(optarg, 1, 600000, 10);
			break;
		case 'r':
			pps = (unsigned long)parse_ll(optarg, 0, 10000000, 10);
			have_pps = 1;
			break;
		case 'l':
			fg.long_len = (size_t)parse_ll(optarg, 0, FORGE_BUF, 10);
			fg.fixed_len = 1;
			break;
		case 'M':
			fg.marker = optarg;
			break;
		case 'e':
			fg.etype = (unsigned)parse_ll(optarg, 0x600, 0xffff, 16);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	if (fg.fixed_len && check_len(&fg, modes, nmodes, &bad) != 0) {
		fprintf(stderr, "ttt_forge: -l %zu does not fit mode %s\n", fg.long_len, bad);
		return 2;
	}
	if (duration_ms > 0 && !have_pps)
		pps = FORGE_FLOOD_PPS;

	if (keypath != NULL) {
		enum ttt_key_status ks = ttt_keyfile_load(keypath, raw, sizeof(raw), &keylen, &err);

		if (ks != TTT_KEY_OK) {
			fprintf(stderr, "ttt_forge: %s %s%s%s\n", keypath, ttt_key_strerror(ks),
			    ks == TTT_KEY_IO ? ": " : "", ks == TTT_KEY_IO ? strerror(err) : "");
			return 2;
		}
		ttt_mac_key_init(&fg.key, NULL, raw, keylen);
		explicit_bzero(raw, sizeof(raw));
		fg.have_key = 1;
	}
	if (!fg.have_key && needs_key(modes, nmodes)) {
		fprintf(stderr, "ttt_forge: modes valid, long, flip and mix need a key file (-k)\n");
		return 2;
	}
	/* The wrong key and the junk generator: fresh randomness every run. */
	if (getrandom(raw, TTT_KEY_GEN_LEN, 0) != TTT_KEY_GEN_LEN ||
	    getrandom(&rng_state, sizeof(rng_state), 0) != (ssize_t)sizeof(rng_state)) {
		fprintf(stderr, "ttt_forge: getrandom: %s\n", strerror(errno));
		return 2;
	}
	rng_state |= 1;	/* xorshift never leaves zero */
	ttt_mac_key_init(&fg.wrong, NULL, raw, TTT_KEY_GEN_LEN);
	explicit_bzero(raw, sizeof(raw));

	if ((ast = ttt_addr_resolve_local(local_spec, &local, &gai)) != TTT_ADDR_OK) {
		fprintf(stderr, "ttt_forge: local address '%s': %s\n", local_spec,
		    ttt_addr_strerror(ast));
		return 2;
	}
	if ((ast = ttt_addr_resolve_peer(argv[optind], local.ss.ss_family, &dest, &gai)) !=
	    TTT_ADDR_OK) {
		fprintf(stderr, "ttt_forge: destination '%s': %s\n", argv[optind],
		    ttt_addr_strerror(ast));
		return 2;
	}
	fd = ttt_udp_open(&local);
	if (fd < 0) {
		fprintf(stderr, "ttt_forge: bind %s: %s\n", local_spec, strerror(-fd));
		return 2;
	}

	start = monotonic_ns();
	for (;;) {
		unsigned n = group, done;

		if (duration_ms > 0) {
			if (monotonic_ns() - start >= duration_ms * TTT_NSEC_PER_MSEC)
				break;
		} else if (sent >= count) {
			break;
		} else if (count - sent < n) {
			n = (unsigned)(count - sent);
		}
		for (unsigned i = 0; i < n; i++) {
			enum mode m = modes[(sent + i) % nmodes];

			dlen[i] = build(&fg, m, sent + i, dg[i], sizeof(dg[i]));
			if (dlen[i] == 0 && m != M_SHORT) {
				fprintf(stderr, "ttt_forge: cannot encode a %s datagram\n", mode_names[m]);
				rc = 2;
				break;
			}
		}
		if (rc != 0)
			break;
		done = send_group(fd, &dest, dg, dlen, n);
		sent += done;
		if (done < n) {
			fprintf(stderr, "ttt_forge: sendmsg: %s\n", strerror(errno));
			rc = 1;
			break;
		}
		pace(start, sent, pps);
	}
	printf("sent %lu\n", sent);
	ttt_mac_key_wipe(&fg.key);
	ttt_mac_key_wipe(&fg.wrong);
	if (close(fd) != 0 && rc == 0)
		rc = 1;
	return rc;
}

/*
 * ttt_reorder: a UDP relay that reorders and duplicates, to stand in for a
 * network the kernel's netem would otherwise play (this kernel has none).
 * It runs in a namespace between two tunnel peers: A sends to the relay's
 * A-side address, the relay forwards to B from its B-side address, and
 * what B sends back goes to the address A last sent from.
 *
 *   ttt_reorder [-n N] [-p POS] [-m MS] [-d N] [-r POS] <a-side addr> <b-side addr> <b addr>
 *
 *   -n N    hold back one datagram in N (each direction; default 0: none)
 *   -p POS  release a held datagram once POS later ones went its way
 *           (default 1000), or
 *   -m MS   once it was held MS milliseconds (default 15), whichever first
 *   -d N    send one datagram in N twice, the copy right after it (or, for
 *           one held back, right away) (default 0)
 *   -r POS  count the datagrams released after more than POS later ones
 *           (default 256: the replay filter's ring)
 *
 * It reads each datagram's tinytaptunnel timestamp (wire.h) to say how far
 * a held one lagged the newest stamp sent its way when it went out, in the
 * sender's frame positions (reflect.h: the slot's low 16 bits count its
 * frames, so frames lost before the relay count too): late counts those
 * that lagged by more than the replay grid's depth (replay.h:
 * TTT_REPLAY_GRID_DEPTH positions), which a receiver may refuse;
 * deep-fresh, those released after more than -r positions that were not
 * late, which a receiver must accept.
 *
 * On SIGUSR1 and on exit (SIGTERM, SIGINT) it prints one line per
 * direction: "reorder: a2b in=... out=... held=... deep=... deep-fresh=...
 * maxpos=... dup=... late=... maxlag_us=... maxlag_pos=..." (out counts
 * every datagram sent, copies included; deep, those released after more
 * than -r positions; maxpos, the most positions any held datagram waited;
 * maxlag_us and maxlag_pos, the most it lagged in its sender's time and
 * frames). Exits 0 after a signal, 1 on a socket error, 2 on bad arguments.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "addr.h"
#include "replay.h"
#include "wire.h"

#define DGRAM_MAX   65536
#define HELD_MAX    4096	/* per direction: ~4 ms of 1 Mpps held back */
#define BATCH       64
/* Small buffers: a relay that falls behind drops, as a router would, rather
 * than queue for many milliseconds and age every datagram it then sends. */
#define RELAY_BUF   (512 * 1024)
#define NS_PER_MS   INT64_C(1000000)

struct held {
	int64_t due_ns;
	unsigned long pos;
	size_t len;
	uint8_t *buf;
};

struct dir {
	const char *name;
	int out_fd;
	struct ttt_addr to;
	int have_to;
	struct held held[HELD_MAX];
	size_t nheld;
	unsigned long in, out, nheld_total, deep, deep_fresh, maxpos, dup, late;
	int64_t top_ts, maxlag_ns;	/* newest stamp sent; most a held one lagged it */
	unsigned long maxlag_pos;	/* the same in its sender's frames */
};

struct policy {
	unsigned long hold_every, release_pos, dup_every, deep_pos;
	int64_t hold_ns;
	unsigned long late_pos;
};

static volatile sig_atomic_t want_report, want_stop;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_report = 1;
	else
		want_stop = 1;
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The tunnel's timestamp (wire.h), or INT64_MIN for a datagram too short. */
static int64_t
stamp_of(const uint8_t *buf, size_t len)
{
	uint64_t u = 0;

	if (len < TTT_HDR_LEN)
		return INT64_MIN;
	for (int i = 0; i < TTT_TS_LEN; i++)
		u = u << 8 | buf[TTT_MAC_LEN + i];
	return (int64_t)u;
}

/* 1 if sent; a full buffer drops the datagram, as a congested link would. */
static int
send_one(struct dir *d, const uint8_t *buf, size_t len)
{
	int64_t ts = stamp_of(buf, len);

	if (sendto(d->out_fd, buf, len, 0, (const struct sockaddr *)&d->to.ss, d->to.len) < 0)
		return 0;
	d->out++;
	if (ts > d->top_ts)
		d->top_ts = ts;
	return 1;
}

static void
release(struct dir *d, size_t i, const struct policy *p)
{
	struct held *h = &d->held[i];
	int64_t ts = stamp_of(h->buf, h->len), lag = 0;
	unsigned long lag_pos = 0;

	if (ts >= 0 && d->top_ts > ts) {
		lag = d->top_ts - ts;
		lag_pos = (unsigned long)((d->top_ts >> TTT_REPLAY_GRID_BITS) -
		    (ts >> TTT_REPLAY_GRID_BITS)) & TTT_REPLAY_SEQ_MASK;
	}
	(void)send_one(d, h->buf, h->len);
	if (h->pos > p->deep_pos)
		d->deep++;
	if (lag > d->maxlag_ns)
		d->maxlag_ns = lag;
	if (lag_pos > d->maxlag_pos)
		d->maxlag_pos = lag_pos;
	if (lag_pos > p->late_pos)
		d->late++;
	else if (h->pos > p->deep_pos)
		d->deep_fresh++;
	if (h->pos > d->maxpos)
		d->maxpos = h->pos;
	free(h->buf);
	d->held[i] = d->held[--d->nheld];
}

/* Release what waited long enough: due by now (a monotonic time), or in positions. */
static void
release_due(struct dir *d, const struct policy *p, int64_t now)
{
	for (size_t i = 0; i < d->nheld;) {
		if (d->held[i].due_ns <= now || d->held[i].pos >= p->release_pos)
			release(d, i, p);
		else
			i++;
	}
}

static void
relay(struct dir *d, const uint8_t *buf, size_t len, const struct policy *p)
{
	d->in++;
	if (!d->have_to)
		return;
	if (p->hold_every != 0 && d->in % p->hold_every == 0 && d->nheld < HELD_MAX) {
		struct held *h = &d->held[d->nheld];

		h->buf = malloc(len);
		if (h->buf != NULL) {
			memcpy(h->buf, buf, len);
			h->len = len;
			h->pos = 0;
			h->due_ns = now_ns() + p->hold_ns;
			d->nheld++;
			d->nheld_total++;
			/* The copy goes first; the held one is then the repeat. */
			if (p->dup_every != 0 && d->in % p->dup_every == 0 && send_one(d, buf, len))
				d->dup++;
			return;
		}
	}
	/* A copy counts as one only when the original went out too. */
	if (send_one(d, buf, len) && p->dup_every != 0 && d->in % p->dup_every == 0 &&
	    send_one(d, buf, len))
		d->dup++;
	for (size_t i = 0; i < d->nheld; i++)
		d->held[i].pos++;
	release_due(d, p, INT64_MIN);	/* by positions only */
}

static void
report(const struct dir *d)
{
	printf("reorder: %s in=%lu out=%lu held=%lu deep=%lu deep-fresh=%lu maxpos=%lu dup=%lu"
	    " late=%lu maxlag_us=%lld maxlag_pos=%lu\n", d->name, d->in, d->out, d->nheld_total,
	    d->deep, d->deep_fresh, d->maxpos, d->dup, d->late, (long long)(d->maxlag_ns / 1000),
	    d->maxlag_pos);
	fflush(stdout);
}

/* A bound UDP socket, no GRO: datagrams one by one. */
static int
open_socket(const struct ttt_addr *a)
{
	int fd = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), sz = RELAY_BUF;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read what waits on fd (a batch at most); for A's side, learn A's address. */
static int
drain(int fd, struct dir *d, struct ttt_addr *learn, const struct policy *p)
{
	static uint8_t buf[DGRAM_MAX];

	for (int i = 0; i < BATCH; i++) {
		struct ttt_addr from = { .len = sizeof(from.ss) };
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&from.ss, &from.len);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (learn != NULL)
			*learn = from;
		relay(d, buf, (size_t)n, p);
	}
	return 0;
}

static int
next_timeout_ms(const struct dir *d, int64_t now)
{
	int64_t first = INT64_MAX;

	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < d[k].nheld; i++)
			if (d[k].held[i].due_ns < first)
				first = d[k].held[i].due_ns;
	if (first == INT64_MAX)
		return 1000;
	return first <= now ? 0 : (int)((first - now + NS_PER_MS - 1) / NS_PER_MS);
}

static int
loop(int fd_a, int fd_b, struct dir *d, const struct policy *p)
{
	struct pollfd pfd[2] = { { .fd = fd_a, .events = POLLIN }, { .fd = fd_b, .events = POLLIN } };

	while (!want_stop) {
		int64_t now = now_ns();

		/* Held datagrams that fell due go out before anything read later. */
		release_due(&d[0], p, now);
		release_due(&d[1], p, now);
		if (want_report) {
			want_report = 0;
			report(&d[0]);
			report(&d[1]);
		}
		if (poll(pfd, 2, next_timeout_ms(d, now)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if ((pfd[0].revents & POLLIN) && drain(fd_a, &d[0], &d[1].to, p) < 0)
			return -1;
		if (pfd[0].revents & POLLIN)
			d[1].have_to = 1;
		if ((pfd[1].revents & POLLIN) && drain(fd_b, &d[1], NULL, p) < 0)
			return -1;
	}
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ttt_reorder [-n N] [-p POS] [-m MS] [-d N] [-r POS] "
	    "<a-side addr> <b-side addr> <b addr>\n");
	exit(2);
}

static unsigned long
number(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max || s[0] == '-')
		usage();
	return v;
}

static void
resolve(const char *spec, int peer, int family, struct ttt_addr *out)
{
	int gai = 0;
	enum ttt_addr_status st = peer ? ttt_addr_resolve_peer(spec, family, out, &gai) :
	    ttt_addr_resolve_local(spec, out, &gai);

	if (st != TTT_ADDR_OK) {
		fprintf(stderr, "ttt_reorder: address '%s': %s\n", spec, ttt_addr_strerror(st));
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	static struct dir d[2] = { { .name = "a2b" }, { .name = "b2a" } };
	struct policy p = { .release_pos = 1000, .deep_pos = 256, .hold_ns = 15 * NS_PER_MS,
	    .late_pos = TTT_REPLAY_GRID_DEPTH };
	struct ttt_addr a_side, b_side;
	struct sigaction sa;
	int opt, fd_a, fd_b, rc;

	while ((opt = getopt(argc, argv, "n:p:m:d:r:")) != -1) {
		switch (opt) {
		case 'n': p.hold_every = number(optarg, 1000000); break;
		case 'p': p.release_pos = number(optarg, 100000000); break;
		case 'm': p.hold_ns = (int64_t)number(optarg, 60000) * NS_PER_MS; break;
		case 'd': p.dup_every = number(optarg, 1000000); break;
		case 'r': p.deep_pos = number(optarg, 100000000); break;
		default: usage();
		}
	}
	if (argc - optind != 3)
		usage();
	resolve(argv[optind], 0, 0, &a_side);
	resolve(argv[optind + 1], 0, 0, &b_side);
	resolve(argv[optind + 2], 1, b_side.ss.ss_family, &d[0].to);
	d[0].have_to = 1;
	d[0].top_ts = d[1].top_ts = INT64_MIN;
	fd_a = open_socket(&a_side);
	fd_b = open_socket(&b_side);
	if (fd_a < 0 || fd_b < 0) {
		perror("ttt_reorder: socket");
		return 1;
	}
	d[0].out_fd = fd_b;
	d[1].out_fd = fd_a;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigaction(SIGUSR1, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	printf("reorder: relaying\n");
	fflush(stdout);
	rc = loop(fd_a, fd_b, d, &p);
	report(&d[0]);
	report(&d[1]);
	if (rc < 0) {
		perror("ttt_reorder");
		return 1;
	}
	return 0;
}

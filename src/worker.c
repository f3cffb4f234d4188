/*
 * The worker process (see worker.h).
 *
 * The two directions:
 *   tap -> encode -> sendmmsg to the peer (runs of datagrams as one message)
 *   recvmmsg -> cut coalesced messages -> source check -> decode -> replay
 *   filter -> tap
 * By default one thread carries both (--threads 1); with --threads 2 each
 * direction has its own. The main thread answers the parent. The sending
 * side is under a lock, since the receiving thread also sends the answers
 * the kernel makes to what it writes into the tap; the threads otherwise
 * share only the peer address (under a lock) and read-only state; the
 * counters are per direction.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <netinet/udp.h>

#include "frame.h"
#include "gso.h"
#include "ipc.h"
#include "keyring.h"
#include "log.h"
#include "privdrop.h"
#include "reflect.h"
#include "replay.h"
#include "seccomp_policy.h"
#include "sha256_ni.h"
#include "stats.h"
#include "worker.h"

#define MAIN_POLL_MS 1000
#define REFUSAL_LOG_PER_SEC 5	/* refused datagrams logged at most this often */
#define REFUSAL_LOG_BURST   20

struct counters {
	_Atomic uint64_t v[TTT_STAT_N];
} __attribute__((aligned(64)));

static struct worker {
	struct ttt_keyring keys;	/* rotation rules: keyring.h */
	int64_t grace_ns;
	struct ttt_frame_limits lim;
	struct ttt_reflect reflect;
	int tap, udp, ipc;
	int fixed_peer;
	int sock_family;

	pthread_mutex_t peer_lock;
	struct ttt_addr peer;
	int have_peer;

	/* Threads meet at ready once fully started (glibc registers rseq then),
	 * and wait at go until the seccomp filter covers them. */
	pthread_barrier_t ready, go;
	struct counters tx_count, rx_count;	/* tx_count under tx.lock; rx_count by the receiver */
} w = { .peer_lock = PTHREAD_MUTEX_INITIALIZER };

/*
 * Batch buffers: fixed at start-up, so the data path never allocates. Slot i
 * of a batch starts at i * slot_len, slot_len fitted to the configured
 * maximum frame, so a default-MTU tunnel touches 48 KiB a direction rather
 * than the whole jumbo-sized array (the worker's resident memory).
 */
#define SLOT_ALIGN 64	/* a cache line */
#define SLOT_FOR(max_frame) \
	((TTT_HDR_LEN + (max_frame) + 1 + SLOT_ALIGN - 1) / SLOT_ALIGN * SLOT_ALIGN)
/* +1: a datagram or tap frame longer than allowed is seen, never truncated. */
#define SLOT_MAX SLOT_FOR(TTT_MAX_FRAME)
static uint8_t tx_mem[TTT_BATCH * SLOT_MAX] __attribute__((aligned(SLOT_ALIGN)));
static size_t slot_len;
/* Only the words the configured window needs are ever touched. */
static _Atomic uint64_t reflect_words[TTT_REFLECT_WORDS_MAX];
static struct ttt_reflect_fp reflect_cache[TTT_REFLECT_CACHE];

static uint8_t *
tx_slot(unsigned i)
{
	return tx_mem + (size_t)i * slot_len;
}

static void
count(struct counters *c, enum ttt_stat s, uint64_t n)
{
	atomic_fetch_add_explicit(&c->v[s], n, memory_order_relaxed);
}

static int64_t
realtime_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * TTT_NSEC_PER_SEC + ts.tv_nsec;
}

static long long
monotonic_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The worker cannot reach stderr or syslog: its lines go to the parent. */
static void
log_to_parent(enum ttt_log_level lvl, const char *line)
{
	(void)ttt_ipc_send_log(w.ipc, lvl, line);
}

__attribute__((noreturn)) static void
die(const char *what, int err)
{
	log_err("%s: %s", what, strerror(err));
	_exit(1);
}

/* ---- tap -> UDP ---- */

static int
peer_snapshot(struct ttt_addr *out)
{
	int have;

	pthread_mutex_lock(&w.peer_lock);
	have = w.have_peer;
	if (have)
		*out = w.peer;
	pthread_mutex_unlock(&w.peer_lock);
	return have;
}

/* Read every frame that is ready, up to a batch; each lands after its header. */
static unsigned
read_tap_batch(size_t len[TTT_BATCH])
{
	unsigned n = 0;

	while (n < TTT_BATCH) {
		ssize_t r = read(w.tap, tx_slot(n) + TTT_HDR_LEN, w.lim.max_frame + 1);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				count(&w.tx_count, TTT_STAT_TX_TAP_ERR, 1);
			break;
		}
		if (r < TTT_MIN_FRAME)
			continue;
		/* Never truncate: a frame over the maximum is dropped and counted. */
		if ((size_t)r > w.lim.max_frame) {
			count(&w.tx_count, TTT_STAT_TX_LONG, 1);
			continue;
		}
		len[n++] = (size_t)r;
	}
	return n;
}

/*
 * The datagrams of one batch, as messages for sendmmsg: datagram i is
 * iov[i]; a message covers a run of them (gso.h), with a UDP_SEGMENT
 * control message when it holds more than one.
 */
struct tx_batch {
	struct mmsghdr mm[TTT_BATCH];
	struct iovec iov[TTT_BATCH];
	struct ttt_gso_msg msg[TTT_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl[TTT_BATCH];
	size_t dlen[TTT_BATCH];
	struct ttt_gso_limits gso;	/* what the kernel has not refused */
};

/* Lay out datagrams first..n-1 as messages; returns how many messages. */
static unsigned
build_messages(struct tx_batch *b, unsigned first, unsigned n, struct ttt_addr *peer)
{
	unsigned nmsg = ttt_gso_group(b->dlen + first, n - first, &b->gso, b->msg);

	for (unsigned k = 0; k < nmsg; k++) {
		struct msghdr *h = &b->mm[k].msg_hdr;

		b->msg[k].first += first;
		memset(h, 0, sizeof(*h));
		h->msg_name = &peer->ss;
		h->msg_namelen = peer->len;
		h->msg_iov = &b->iov[b->msg[k].first];
		h->msg_iovlen = b->msg[k].count;
		if (b->msg[k].count > 1) {
			struct cmsghdr *c = &b->ctl[k].align;

			h->msg_control = b->ctl[k].buf;
			h->msg_controllen = sizeof(b->ctl[k].buf);
			c->cmsg_level = SOL_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
			memcpy(CMSG_DATA(c), &b->msg[k].seg, sizeof(uint16_t));
		}
	}
	return nmsg;
}

/*
 * A segmented message was refused. EMSGSIZE (EINVAL before Linux 6.2): its
 * datagrams do not fit the route's MTU unfragmented, which only datagrams
 * sent alone may be; or, for datagrams any path carries, the kernel has no
 * UDP_SEGMENT. EIO: the route cannot offload checksums, so cannot segment.
 * Returns 0 when the error is not about segmentation.
 */
static int
refuse_gso(struct tx_batch *b, uint16_t seg, int err)
{
	if (err != EMSGSIZE && err != EINVAL && err != EIO)
		return 0;
	if (err != EIO && seg > TTT_GSO_SURE_SEG) {
		b->gso.max_seg = (size_t)seg - 1;
		log_info("the kernel refused to segment %u-byte datagrams (%s); "
		    "longer than %zu bytes, each goes alone from now on",
		    (unsigned)seg, strerror(err), b->gso.max_seg);
	} else {
		b->gso.max_segs = 1;
		log_info("the kernel refused UDP segmentation offload (%s); "
		    "every datagram goes alone from now on", strerror(err));
	}
	return 1;
}

/*
 * Send datagrams 0..n-1; returns how many were sent, the rest are counted
 * as socket errors. A message the kernel will not segment is sent again,
 * its datagrams alone, and the limits learn why (refuse_gso).
 */
static unsigned
send_batch(struct tx_batch *b, unsigned n, struct ttt_addr *peer)
{
	unsigned first, nmsg = build_messages(b, 0, n, peer), k = 0;

	while (k < nmsg) {
		int r = sendmmsg(w.udp, b->mm + k, nmsg - k, 0);

		if (r >= 0) {
			for (int j = 0; j < r; j++, k++)
				if (b->msg[k].count > 1)
					count(&w.tx_count, TTT_STAT_TX_SEGMENTED, b->msg[k].count);
			continue;
		}
		if (errno == EINTR)
			continue;
		first = b->msg[k].first;
		if (b->msg[k].count > 1 && refuse_gso(b, b->msg[k].seg, errno)) {
			nmsg = build_messages(b, first, n, peer);
			k = 0;
			continue;
		}
		/* Drop the rest of the batch: a lost frame is TCP's to resend,
		 * a stuck sender would stall the whole tunnel. */
		count(&w.tx_count, TTT_STAT_TX_SOCK_ERR, n - first);
		return first;
	}
	return n;
}

/*
 * The sending side, which any thread may run while holding lock: the one
 * the tap wakes, and the one that receives, right after writing into the
 * tap, since the kernel often answers a frame (an echo reply, a TCP ACK)
 * before that write returns; sending the answer at once saves waking the tx
 * thread for it. Under the lock, frames leave in the order the tap gave
 * them and stamps stay strictly increasing.
 */
static struct tx_state {
	pthread_mutex_t lock;
	struct tx_batch b;
	size_t len[TTT_BATCH];
	int64_t last_ts;
} tx = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.b.gso = { .max_segs = TTT_BATCH, .max_seg = UINT16_MAX, .max_bytes = TTT_GSO_MAX_BYTES },
	.last_ts = INT64_MIN,
};

/* Read what the tap has ready, a batch at most, and send it; returns how
 * many frames were read. Holds tx.lock. */
static unsigned
forward_tap_batch(void)
{
	const struct ttt_key *key;
	struct ttt_addr peer;
	int64_t now;
	unsigned n, sent;

	n = read_tap_batch(tx.len);
	if (n == 0)
		return 0;
	if (!peer_snapshot(&peer)) {
		count(&w.tx_count, TTT_STAT_TX_NOPEER, n);
		return n;
	}
	/* One clock read a batch; every stamp is still distinct, tagged and
	 * recorded (reflect.h). */
	now = realtime_ns();
	key = ttt_keyring_send_key(&w.keys, now);
	for (unsigned i = 0; i < n; i++) {
		int64_t ts = ttt_reflect_stamp(&w.reflect, &tx.last_ts, now);

		tx.b.dlen[i] = ttt_frame_encode(key, ts, tx_slot(i) + TTT_HDR_LEN,
		    tx.len[i], tx_slot(i), slot_len);
		ttt_reflect_record(&w.reflect, ts, tx_slot(i));
		tx.b.iov[i].iov_base = tx_slot(i);
		tx.b.iov[i].iov_len = tx.b.dlen[i];
	}
	sent = send_batch(&tx.b, n, &peer);
	count(&w.tx_count, TTT_STAT_TX_FRAMES, sent);
	for (unsigned i = 0; i < sent; i++)
		count(&w.tx_count, TTT_STAT_TX_BYTES, tx.len[i]);
	return n;
}

static void *
tx_thread(void *arg)
{
	(void)arg;
	(void)pthread_barrier_wait(&w.ready);
	(void)pthread_barrier_wait(&w.go);
	for (;;) {
		struct pollfd pfd = { .fd = w.tap, .events = POLLIN };

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			die("poll on the tap", errno);
		pthread_mutex_lock(&tx.lock);
		(void)forward_tap_batch();
		pthread_mutex_unlock(&tx.lock);
	}
	return NULL;
}

/* ---- UDP -> tap ---- */

static const enum ttt_stat refusal_stat[TTT_FRAME_NSTATUS] = {
	[TTT_FRAME_SHORT] = TTT_STAT_RX_SHORT,
	[TTT_FRAME_LONG] = TTT_STAT_RX_LONG,
	[TTT_FRAME_BADMAC] = TTT_STAT_RX_BADMAC,
	[TTT_FRAME_STALE] = TTT_STAT_RX_STALE,
	[TTT_FRAME_FUTURE] = TTT_STAT_RX_FUTURE,
};

static void
log_refusal(struct ttt_ratelimit *rl, const char *why, const struct ttt_addr *src)
{
	char a[TTT_ADDR_STR_MAX];

	if (ttt_log_level() < TTT_LOG_DEBUG || !ttt_ratelimit_allow(rl, monotonic_ms()))
		return;
	ttt_addr_format(src, a, sizeof(a));
	log_debug("refused a datagram from %s: %s", a, why);
}

struct rx_state {
	struct ttt_replay *replay;
	struct ttt_ratelimit rl;
	uint64_t rng;
	struct ttt_addr peer;	/* the receiving thread's copy of w.peer */
	int have_peer;
};

/*
 * Move the peer only on a frame that authenticated, is fresh, passed the
 * replay filter and is the newest seen: a replayed or delayed frame sent
 * from elsewhere can then never redirect the tunnel.
 */
static void
maybe_move_peer(struct rx_state *rx, const struct ttt_addr *src, enum ttt_replay_verdict v)
{
	struct ttt_ipc_peer p;
	char a[TTT_ADDR_STR_MAX];

	/* This thread alone moves the peer, so its own copy is current and
	 * the lock is taken only for a move, not for every frame. */
	if (w.fixed_peer || v != TTT_REPLAY_NEWEST ||
	    (rx->have_peer && ttt_addr_equal(&rx->peer, src)))
		return;
	rx->peer = *src;
	rx->have_peer = 1;
	pthread_mutex_lock(&w.peer_lock);
	w.peer = *src;
	w.have_peer = 1;
	pthread_mutex_unlock(&w.peer_lock);
	ttt_ipc_peer_from_addr(src, &p);
	(void)ttt_ipc_send(w.ipc, TTT_IPC_PEER, &p, sizeof(p));
	ttt_addr_format(src, a, sizeof(a));
	log_info("peer is now %s", a);
}

/* xorshift64: only picks a new timestamp tag, nothing secret. */
static uint32_t
next_random(struct rx_state *rx)
{
	rx->rng ^= rx->rng << 13;
	rx->rng ^= rx->rng >> 7;
	rx->rng ^= rx->rng << 17;
	return (uint32_t)(rx->rng >> 32);
}

/* Returns 1 when the frame went into the tap. */
static int
deliver(struct rx_state *rx, const struct ttt_addr *src,
    const uint8_t *dgram, size_t len, int truncated, int64_t now)
{
	struct ttt_frame_view v;
	enum ttt_frame_status st;
	enum ttt_replay_verdict rv;

	/* A fixed peer never speaks from elsewhere: refuse before any work. */
	if (w.fixed_peer && !ttt_addr_equal(src, &w.peer)) {
		count(&w.rx_count, TTT_STAT_RX_WRONG_PEER, 1);
		log_refusal(&rx->rl, "not the configured peer", src);
		return 0;
	}
	st = truncated ? TTT_FRAME_LONG :
	    ttt_keyring_decode(&w.keys, now, &w.lim, dgram, len, &v);
	if (st != TTT_FRAME_OK) {
		count(&w.rx_count, refusal_stat[st], 1);
		log_refusal(&rx->rl, ttt_frame_status_name(st), src);
		return 0;
	}
	/* Before the replay filter: a bounced datagram of ours was never
	 * received, so only the record of what we sent can recognise it. */
	if (ttt_reflect_check(&w.reflect, v.ts, dgram)) {
		count(&w.rx_count, TTT_STAT_RX_REFLECTED, 1);
		log_refusal(&rx->rl, "reflected (a datagram we sent)", src);
		return 0;
	}
	rv = ttt_replay_update(rx->replay, v.ts);
	if (!ttt_replay_accepted(rv)) {
		count(&w.rx_count, TTT_STAT_RX_REPLAY, 1);
		log_refusal(&rx->rl, "replay", src);
		return 0;
	}
	if (ttt_reflect_observe(&w.reflect, v.ts, next_random(rx)))
		log_info("the peer stamps with our timestamp tag; drew a new one");
	maybe_move_peer(rx, src, rv);
	if (write(w.tap, v.frame, v.len) != (ssize_t)v.len) {
		count(&w.rx_count, TTT_STAT_RX_TAP_ERR, 1);
		return 0;
	}
	count(&w.rx_count, TTT_STAT_RX_FRAMES, 1);
	count(&w.rx_count, TTT_STAT_RX_BYTES, v.len);
	return 1;
}

/*
 * Received messages: with UDP_GRO the kernel may hand over several datagrams
 * of one sender as one message, each seg bytes long but the last (a
 * cmsg says seg). A message can then be as long as any UDP datagram, and a
 * buffer shorter than it would lose the rest, so every buffer holds one.
 * Four of them: up to 4 x 64 datagrams a call when they come coalesced,
 * 4 a call when not, and 256 KiB of the worker's 4 MiB budget.
 */
#define RX_MSGS  4
#define RX_BUF   (1 << 16)	/* more than the largest UDP payload, 65507 */
static uint8_t rx_mem[RX_MSGS * RX_BUF] __attribute__((aligned(SLOT_ALIGN)));

/* The segment size the kernel reports for a coalesced message, else 0. */
static size_t
gro_segment(struct msghdr *h)
{
	struct cmsghdr *c;
	int seg;

	for (c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(seg))) {
			memcpy(&seg, CMSG_DATA(c), sizeof(seg));
			return seg > 0 ? (size_t)seg : 0;
		}
	}
	return 0;
}

/* The receive batch: built once; the kernel rewrites lengths and flags. */
static struct rx_batch {
	struct mmsghdr mm[RX_MSGS];
	struct iovec iov[RX_MSGS];
	struct ttt_addr src[RX_MSGS];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl[RX_MSGS];
} rxb;

static void
rx_batch_init(void)
{
	for (unsigned i = 0; i < RX_MSGS; i++) {
		rxb.iov[i].iov_base = rx_mem + (size_t)i * RX_BUF;
		rxb.iov[i].iov_len = RX_BUF;
		memset(&rxb.mm[i], 0, sizeof(rxb.mm[i]));
		rxb.mm[i].msg_hdr.msg_name = &rxb.src[i].ss;
		rxb.mm[i].msg_hdr.msg_iov = &rxb.iov[i];
		rxb.mm[i].msg_hdr.msg_iovlen = 1;
		rxb.mm[i].msg_hdr.msg_control = rxb.ctl[i].buf;
	}
}

/* Deliver every datagram of received message i; returns 1 if any went
 * into the tap. */
static int
deliver_message(struct rx_state *rx, unsigned i, int64_t now)
{
	const struct mmsghdr *m = &rxb.mm[i];
	const uint8_t *p = rxb.iov[i].iov_base;
	size_t len = m->msg_len, seg = gro_segment(&rxb.mm[i].msg_hdr), off = 0, piece;
	int wrote = 0;

	rxb.src[i].len = m->msg_hdr.msg_namelen;
	if (m->msg_hdr.msg_flags & MSG_TRUNC)
		return deliver(rx, &rxb.src[i], p, len, 1, now);
	if (seg != 0 && seg < len)
		count(&w.rx_count, TTT_STAT_RX_COALESCED, (len + seg - 1) / seg);
	/* At least once: an empty datagram is refused and counted. */
	do {
		piece = ttt_gro_piece(len, seg, off);
		wrote |= deliver(rx, &rxb.src[i], p + off, piece, 0, now);
		off += piece;
	} while (off < len);
	return wrote;
}

/* Receive a batch (flags: MSG_WAITFORONE to wait for the first) and deliver
 * it; returns 1 if any frame went into the tap. */
static int
receive_batch(struct rx_state *rx, int flags)
{
	int n, wrote = 0;
	int64_t now;

	/* The kernel shrinks these to what it wrote. */
	for (unsigned i = 0; i < RX_MSGS; i++) {
		rxb.mm[i].msg_hdr.msg_namelen = sizeof(rxb.src[i].ss);
		rxb.mm[i].msg_hdr.msg_controllen = sizeof(rxb.ctl[i].buf);
	}
	n = recvmmsg(w.udp, rxb.mm, RX_MSGS, flags, NULL);
	if (n < 0) {
		if (errno != EINTR && errno != EAGAIN)
			count(&w.rx_count, TTT_STAT_RX_SOCK_ERR, 1);
		return 0;
	}
	/* Received before now: judging freshness against now is exact up to
	 * the time the batch took to arrive, microseconds. */
	now = realtime_ns();
	for (int i = 0; i < n; i++)
		wrote |= deliver_message(rx, (unsigned)i, now);
	return wrote;
}

static void *
rx_thread(void *arg)
{
	struct rx_state *rx = arg;

	(void)pthread_barrier_wait(&w.ready);
	(void)pthread_barrier_wait(&w.go);
	for (;;) {
		/* The answers the kernel made to what we wrote: send them now,
		 * unless the tap's thread is already sending. */
		if (receive_batch(rx, MSG_WAITFORONE) && pthread_mutex_trylock(&tx.lock) == 0) {
			(void)forward_tap_batch();
			pthread_mutex_unlock(&tx.lock);
		}
	}
	return NULL;
}

/*
 * Both directions in one thread (--threads 1): a round trip then wakes one
 * thread a hop, as socat does, where with a thread a direction the answer
 * arrives at a thread that slept elsewhere (measured: ~25 us more a round
 * trip on a 2-core VM, the cost of waking an idle CPU).
 */
static void *
both_thread(void *arg)
{
	struct rx_state *rx = arg;

	(void)pthread_barrier_wait(&w.ready);
	(void)pthread_barrier_wait(&w.go);
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = w.udp, .events = POLLIN }, { .fd = w.tap, .events = POLLIN },
		};
		int wrote = 0;

		if (poll(pfd, 2, -1) < 0) {
			if (errno != EINTR)
				die("poll", errno);
			continue;
		}
		if (pfd[0].revents)
			wrote = receive_batch(rx, MSG_DONTWAIT);
		/* As many tap batches as receive messages at most, while the tap
		 * has a full batch ready: a turn serves both directions alike. */
		if (wrote || pfd[1].revents) {
			pthread_mutex_lock(&tx.lock);
			for (unsigned k = 0; k < RX_MSGS && forward_tap_batch() == TTT_BATCH; k++)
				;
			pthread_mutex_unlock(&tx.lock);
		}
	}
	return NULL;
}

/* ---- set-up ---- */

struct received {
	struct ttt_config cfg;
	struct ttt_ipc_seen seen;	/* the order rules: ttt_ipc_permit */
	int have_key;
};

/* The first key is the key; any later one is a rotation (keyring.h). */
static void
take_key(const uint8_t *key, size_t len, int first)
{
	if (first) {
		ttt_keyring_init(&w.keys, ttt_sha256_best(), w.grace_ns, key, len);
		return;
	}
	if (ttt_keyring_add(&w.keys, key, len, realtime_ns()) == TTT_KEYRING_QUEUED)
		log_info("new key queued until the current grace period ends");
	else
		log_info("new key loaded; both keys accepted and the old one sent with until "
		    "the peer shows it has the new one, for at most %lld ms",
		    (long long)(w.grace_ns / TTT_NSEC_PER_MSEC));
}

static void
apply_pending_key(void)
{
	if (ttt_keyring_tick(&w.keys, realtime_ns()) == TTT_KEYRING_LOADED)
		log_info("queued key loaded; both keys accepted for at most %lld ms",
		    (long long)(w.grace_ns / TTT_NSEC_PER_MSEC));
}

/* Receive the configuration, then a key (in that order: ttt_ipc_permit),
 * nothing else. The descriptors came through the exec, at fixed numbers;
 * none may come this way. */
static void
receive_setup(struct received *r)
{
	static struct ttt_ipc_msg m;
	uint8_t buf[TTT_IPC_MSG_MAX];

	while (!r->have_key) {
		long n = ttt_ipc_recv(w.ipc, buf, sizeof(buf), NULL, 0, NULL);

		if (n <= 0)
			die("receiving the set-up from the parent", n == 0 ? EPIPE : (int)-n);
		if (ttt_ipc_parse(TTT_IPC_TO_WORKER, buf, (size_t)n, &m) != 0)
			die("the parent's set-up message", EBADMSG);
		if (ttt_ipc_permit(&r->seen, m.type) != 0)
			die("the parent's set-up message", EPROTO);
		if (m.type == TTT_IPC_CONFIG) {
			r->cfg = m.u.config;
			w.grace_ns = r->cfg.rekey_grace_ms * TTT_NSEC_PER_MSEC;
		} else if (m.type == TTT_IPC_KEY) {
			/* A second key (mid-rotation) arrives later, as a rotation. */
			take_key(m.u.key.bytes, m.u.key.len, 1);
			r->have_key = 1;
		} else {
			die("the parent's set-up message", EPROTO);
		}
		explicit_bzero(buf, sizeof(buf));
		explicit_bzero(&m, sizeof(m));
	}
}

static void
apply_setup(const struct received *r)
{
	w.tap = TTT_WORKER_TAP_FD;
	w.udp = TTT_WORKER_UDP_FD;
	w.lim.window_ns = r->cfg.window_ms * TTT_NSEC_PER_MSEC;
	w.lim.max_frame = (size_t)TTT_FRAME_MAX(r->cfg.mtu);
	w.sock_family = (int)r->cfg.run.sock_family;
	w.fixed_peer = (r->cfg.run.flags & TTT_CONFIG_FIXED_PEER) != 0;
	if (r->cfg.run.flags & TTT_CONFIG_HAVE_PEER) {
		if (ttt_ipc_peer_to_addr(&r->cfg.run.peer, &w.peer) != 0)
			die("the parent's peer address", EINVAL);
		w.have_peer = 1;
	}
	/* Header, the largest frame, and one byte to see a longer one. */
	slot_len = SLOT_FOR(w.lim.max_frame);
	ttt_log_init("worker", ttt_config_log_level(&r->cfg), 0);
	ttt_log_set_sink(log_to_parent);
}

#ifdef TTT_TEST_HOOKS
/*
 * Test builds only: attempt something the sandbox forbids, so a test can
 * watch the kernel kill the worker. Each of these must end in SIGSYS.
 */
static void
test_forbidden_syscall(uint8_t which)
{
	static char *const argv[] = { "/bin/true", NULL };
	int r = -1;

	log_warn("test hook: attempting forbidden syscall %u", which);
	switch (which) {
	case TTT_TEST_OPEN:
		r = open("/etc/passwd", O_RDONLY);
		break;
	case TTT_TEST_SOCKET:
		r = socket(AF_INET, SOCK_DGRAM, 0);
		break;
	case TTT_TEST_EXECVE:
		r = execve(argv[0], argv, NULL);
		break;
	case TTT_TEST_PTRACE:
		r = (int)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		break;
	case TTT_TEST_SETUID:
		r = setresuid(0, 0, 0);
		break;
	case TTT_TEST_PARENT_TYPE: {
		struct ttt_ipc_config forged = { .window_ns = 0 };

		(void)ttt_ipc_send(w.ipc, TTT_IPC_CONFIG, &forged, sizeof(forged));
		return;
	}
	case TTT_TEST_BAD_LENGTH: {
		/* A log record whose header claims more than it carries. */
		uint8_t rec[] = { TTT_IPC_LOG, 0, 200, 0, TTT_LOG_ERR, 'x' };
		struct iovec iov = { .iov_base = rec, .iov_len = sizeof(rec) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

		(void)sendmsg(w.ipc, &mh, MSG_NOSIGNAL);
		return;
	}
	case TTT_TEST_PASS_FD:
		(void)ttt_ipc_send_fds(w.ipc, TTT_IPC_READY, &w.tap, 1);
		return;
	default:
		break;
	}
	/* Reaching here means the sandbox let it through: say so loudly. */
	log_err("test hook: syscall %u was NOT stopped (returned %d)", which, r);
}
#endif

static void
answer_parent(void)
{
	static struct ttt_ipc_msg m;
	uint8_t buf[TTT_IPC_MSG_MAX];
	struct ttt_stats st;
	long n = ttt_ipc_recv(w.ipc, buf, sizeof(buf), NULL, 0, NULL);

	/* The parent is gone or confused: a worker alone has no reason to live. */
	if (n == 0)
		_exit(0);
	if (n < 0 || ttt_ipc_parse(TTT_IPC_TO_WORKER, buf, (size_t)n, &m) != 0)
		die("a message from the parent", n < 0 ? (int)-n : EBADMSG);
	explicit_bzero(buf, sizeof(buf));
	if (m.type == TTT_IPC_KEY) {
		take_key(m.u.key.bytes, m.u.key.len, 0);
		explicit_bzero(&m, sizeof(m));
		return;
	}
#ifdef TTT_TEST_HOOKS
	if (m.type == TTT_IPC_TEST_SYSCALL) {
		test_forbidden_syscall(m.u.test_syscall);
		return;
	}
#endif
	if (m.type != TTT_IPC_STATS_REQ)
		die("a message from the parent", EPROTO);
	for (unsigned i = 0; i < TTT_STAT_N; i++)
		st.v[i] = atomic_load_explicit(&w.tx_count.v[i], memory_order_relaxed) +
		    atomic_load_explicit(&w.rx_count.v[i], memory_order_relaxed);
	(void)ttt_ipc_send(w.ipc, TTT_IPC_STATS, &st, sizeof(st));
}

/* Started by hand, a worker would find no parent's descriptors there. */
static int
inherited_fds_ok(void)
{
	struct stat st;

	if (fstat(TTT_WORKER_IPC_FD, &st) != 0 || !S_ISSOCK(st.st_mode) ||
	    fstat(TTT_WORKER_TAP_FD, &st) != 0 || !S_ISCHR(st.st_mode) ||
	    fstat(TTT_WORKER_UDP_FD, &st) != 0 || !S_ISSOCK(st.st_mode))
		return -EBADF;
	return 0;
}

int
ttt_worker_main(void)
{
	static struct ttt_replay replay;
	static struct rx_state rx = { .replay = &replay };
	static struct received r;
	struct ttt_worker_fds fds;
	struct ttt_drop drop;
	pthread_t tx_tid, rx_tid;
	uint64_t seed;
	const char *step = "";
	unsigned nthreads;
	int rc;

	if (inherited_fds_ok() != 0)
		return -EBADF;
	w.ipc = TTT_WORKER_IPC_FD;
	ttt_log_set_name("worker");
	ttt_log_set_sink(log_to_parent);
	receive_setup(&r);
	apply_setup(&r);
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed) ||
	    getrandom(&rx.rng, sizeof(rx.rng), 0) != (ssize_t)sizeof(rx.rng))
		die("getrandom", errno);
	rx.rng |= 1;	/* xorshift must not start at zero */
	ttt_replay_init(&replay, seed);
	/* A new worker knows nothing its predecessor (or a previous daemon)
	 * received or sent: refuse everything stamped before it started. */
	ttt_replay_set_floor(&replay, r.cfg.run.floor_ns);
	ttt_reflect_init(&w.reflect, reflect_words, reflect_cache, w.lim.window_ns,
	    (unsigned)(seed >> 40));
	/* The peer the parent handed over (a respawn): not a move. */
	rx.peer = w.peer;
	rx.have_peer = w.have_peer;

	drop = (struct ttt_drop){ .uid = r.cfg.run.uid, .gid = r.cfg.run.gid,
	    .chroot_dir = r.cfg.chroot_dir, .max_fd = TTT_WORKER_MAX_FD };
	rc = ttt_privdrop_worker(&drop, &step);
	if (rc != 0)
		die(step, -rc);

	/* Start the threads while clone() is still allowed; the filter then
	 * covers them too (TSYNC) and clone() is never allowed again. */
	ttt_ratelimit_init(&rx.rl, REFUSAL_LOG_PER_SEC, REFUSAL_LOG_BURST);
	rx_batch_init();
	/* The main thread and the forwarding threads meet at the barriers. */
	nthreads = (unsigned)r.cfg.threads;
	if (pthread_barrier_init(&w.ready, NULL, nthreads + 1) != 0 ||
	    pthread_barrier_init(&w.go, NULL, nthreads + 1) != 0)
		die("pthread_barrier_init", EAGAIN);
	if (nthreads == 1) {
		if ((rc = pthread_create(&tx_tid, NULL, both_thread, &rx)) != 0)
			die("starting the forwarding thread", rc);
	} else {
		if ((rc = pthread_create(&tx_tid, NULL, tx_thread, NULL)) != 0)
			die("starting the tap reader", rc);
		if ((rc = pthread_create(&rx_tid, NULL, rx_thread, &rx)) != 0)
			die("starting the socket reader", rc);
	}
	(void)pthread_barrier_wait(&w.ready);
	if ((rc = ttt_privdrop_no_procs()) != 0)
		die("rlimit nproc", -rc);
	fds.tap = w.tap;
	fds.udp = w.udp;
	fds.ipc = w.ipc;
	if ((rc = ttt_seccomp_worker(&fds)) != 0)
		die("installing the seccomp filter", -rc);
	(void)ttt_ipc_send(w.ipc, TTT_IPC_READY, NULL, 0);
	(void)pthread_barrier_wait(&w.go);

	for (;;) {
		struct pollfd pfd = { .fd = w.ipc, .events = POLLIN };

		if (poll(&pfd, 1, MAIN_POLL_MS) < 0 && errno != EINTR)
			die("poll on the parent channel", errno);
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
			answer_parent();
		apply_pending_key();
	}
}

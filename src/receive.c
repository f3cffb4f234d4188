/*
 * The receiving side: recvmmsg -> cut coalesced messages -> the verdict
 * (verdict.h) for each datagram alone -> tap. One thread a queue runs it;
 * the verdict's state is shared by the queues, under the judge's lock.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/udp.h>

#include "clock.h"
#include "datapath.h"
#include "ipc.h"
#include "log.h"

/* The caller holds the judge's lock (its rate limit is shared). */
static void
log_refusal(struct ttt_judge *j, enum ttt_verdict v, const struct ttt_addr *src)
{
	char a[TTT_ADDR_STR_MAX];

	if (ttt_log_level() < TTT_LOG_DEBUG || !ttt_ratelimit_allow(&j->rl, ttt_mono_ms()))
		return;
	ttt_addr_format(src, a, sizeof(a));
	log_debug("refused a datagram from %s: %s", a, ttt_verdict_name(v));
}

/* The peer's clock went off or came back (skew.h: one line every 10 s at most). */
static void
log_skew(enum ttt_skew_event e, int64_t off_ns, int64_t window_ns)
{
	double off = (double)(off_ns < 0 ? -off_ns : off_ns) / 1e9;

	if (e == TTT_SKEW_OFF)
		log_warn("the peer's clock is %.1f s %s ours (the window is %.1f s): "
		    "%s; set both clocks by NTP", off, off_ns < 0 ? "behind" : "ahead of",
		    (double)window_ns / 1e9, off * 1e9 > (double)window_ns ?
		    "its frames are refused as stale or future" :
		    "a little more and its frames are refused");
	else if (e == TTT_SKEW_BACK)
		log_info("the peer's clock is back in step with ours (%.1f s apart)", off);
}

/* The verdict moved the peer: the sender and the parent learn it. */
static void
publish_peer(struct ttt_datapath *dp, const struct ttt_addr *src)
{
	struct ttt_ipc_peer p;
	char a[TTT_ADDR_STR_MAX];

	pthread_mutex_lock(&dp->peer.lock);
	dp->peer.addr = *src;
	dp->peer.have = 1;
	pthread_mutex_unlock(&dp->peer.lock);
	ttt_ipc_peer_from_addr(src, &p);
	(void)ttt_ipc_send(dp->ipc, TTT_IPC_PEER, &p, sizeof(p));
	ttt_addr_format(src, a, sizeof(a));
	log_info("peer is now %s", a);
}

/* A frame written alone gets its vnet header in the datagram's header. */
_Static_assert(TTT_HDR_LEN >= TTT_VNET_LEN, "room for a vnet header before the frame");

/* Write n bytes to the tap: frames frames, bytes of them, merged if more
 * than one; returns 1 if they went in. */
static int
write_tap(struct ttt_queue *q, const uint8_t *p, size_t n, unsigned frames, size_t bytes)
{
	struct ttt_receiver *rx = &q->rx;

	if (write(q->tap, p, n) != (ssize_t)n) {
		ttt_count(&rx->count, TTT_STAT_RX_TAP_ERR, 1);
		return 0;
	}
	ttt_count(&rx->count, TTT_STAT_RX_FRAMES, frames);
	ttt_count(&rx->count, TTT_STAT_RX_BYTES, bytes);
	if (frames > 1)
		ttt_count(&rx->count, TTT_STAT_RX_MERGED, frames);
	return 1;
}

/* Write the run held (coalesce.h), if any; returns 1 if it went into the tap. */
static int
flush_run(struct ttt_queue *q)
{
	struct ttt_coalesce *g = &q->rx.coalesce;
	unsigned frames = g->count;
	/* Each frame but the first brought its payload only. */
	size_t bytes = frames ? g->len + (frames - 1) * g->pkt.payload : 0;
	int udp = g->pkt.proto == TTT_IPPROTO_UDP;
	size_t n = ttt_coalesce_finish(g);

	if (n == 0 || !write_tap(q, g->buf, n, frames, bytes))
		return 0;
	if (frames > 1 && udp)
		ttt_count(&q->rx.count, TTT_STAT_RX_MERGED_UDP, frames);
	return 1;
}

/*
 * An authenticated frame f for the tap. Without a vnet header: written.
 * With one: joined to the run held, or the run written and a new one
 * started, or written alone behind a vnet header of zeros (no offload)
 * that takes the place of the timestamp, already checked.
 */
static int
to_tap(struct ttt_queue *q, uint8_t *f, size_t len)
{
	struct ttt_coalesce *g = &q->rx.coalesce;
	struct ttt_pkt p;
	int cand, wrote;

	if (!q->dp->vnet)
		return write_tap(q, f, len, 1, len);
	cand = ttt_coalesce_candidate(g, f, len, &p) == 0;
	if (cand && ttt_coalesce_append(g, f, len, &p))
		return 0;
	wrote = flush_run(q);
	if (cand) {
		ttt_coalesce_start(g, f, len, &p);
		return wrote;
	}
	memset(f - TTT_VNET_LEN, 0, TTT_VNET_LEN);
	return write_tap(q, f - TTT_VNET_LEN, TTT_VNET_LEN + len, 1, len) | wrote;
}

/*
 * Judge one datagram under the judge every queue shares (the replay filter
 * exact whichever socket it reached) and act on the verdict; 1 if accepted.
 * Everything a verdict changes, and the stamps page, change under the lock.
 */
static int
judge(struct ttt_queue *q, const struct ttt_keyring_premac *pre, const struct ttt_addr *src,
    uint8_t *dgram, size_t len, int truncated, const struct ttt_now *now,
    struct ttt_rx_effects *fx, enum ttt_verdict *v)
{
	struct ttt_datapath *dp = q->dp;
	struct ttt_judge *j = &dp->judge;
	enum ttt_stat stat;

	pthread_mutex_lock(&j->lock);
	*v = ttt_verdict_judge_pre(&j->st, pre, src, dgram, len, truncated, now, fx);
	stat = ttt_verdict_stat(*v);
	if (fx->skew != TTT_SKEW_NONE)
		log_skew(fx->skew, fx->skew_ns, dp->lim.window_ns);
	if (*v != TTT_VERDICT_DELIVER && *v != TTT_VERDICT_KEEPALIVE) {
		if (stat < TTT_STAT_N)
			ttt_count(&q->rx.count, stat, 1);
		log_refusal(j, *v, src);
		pthread_mutex_unlock(&j->lock);
		return 0;
	}
	/* Accepted: published before it can be delivered or move the peer, so
	 * that no later worker takes it again (stamps.h). */
	ttt_stamps_raise(&dp->stamps->rx, fx->frame.ts);
	if (fx->tag_changed)
		log_info("the peer stamps with our timestamp tag; drew a new one");
	if (fx->peer_moved)
		publish_peer(dp, src);
	pthread_mutex_unlock(&j->lock);
	return 1;
}

/* Judge one datagram and act on the verdict; returns 1 when a frame went
 * into the tap (a frame held in a run goes in later, ttt_receive_batch). */
static int
deliver(struct ttt_queue *q, const struct ttt_keyring_premac *pre,
    const struct ttt_addr *src, uint8_t *dgram, size_t len, int truncated,
    const struct ttt_now *now)
{
	struct ttt_receiver *rx = &q->rx;
	struct ttt_rx_effects fx;
	enum ttt_verdict v;

	if (!judge(q, pre, src, dgram, len, truncated, now, &fx, &v))
		return 0;
	/* Authenticated, new, and the peer's sign of life: counted and its time
	 * kept, but never written (a keepalive is for the path, not the LAN). */
	if (v == TTT_VERDICT_KEEPALIVE) {
		ttt_count(&rx->count, TTT_STAT_RX_KEEPALIVE, 1);
		atomic_store_explicit(&rx->count.last_ns, now->mono_ns, memory_order_relaxed);
		return 0;
	}
	atomic_store_explicit(&rx->count.last_ns, now->mono_ns, memory_order_relaxed);
	/* The frame lies in our own buffer, behind the datagram's header. */
	return to_tap(q, dgram + (fx.frame.frame - dgram), fx.frame.len);
}

/*
 * Two datagrams of one message, dgram (len0 bytes) and the one right after
 * it (len1), when the verdict would authenticate both: their MACs are
 * computed side by side, then each is judged and delivered in turn exactly
 * as alone. Returns 1 if it took them (*wrote gains what they wrote), 0 to
 * leave the first to be judged alone.
 */
static int
deliver_pair(struct ttt_queue *q, const struct ttt_addr *src, uint8_t *dgram,
    size_t len0, size_t len1, const struct ttt_now *now, int *wrote)
{
	struct ttt_judge *j = &q->dp->judge;
	struct ttt_keyring_premac pre[2];
	const uint8_t *d[2] = { dgram, dgram + len0 };
	const size_t len[2] = { len0, len1 };
	int wants;

	pthread_mutex_lock(&j->lock);
	wants = ttt_verdict_wants_mac(&j->st, src, len0) && ttt_verdict_wants_mac(&j->st, src, len1);
	pthread_mutex_unlock(&j->lock);
	if (!wants)
		return 0;
	/* Outside the lock: the MACs are the costly part, and the verdict
	 * uses them only if the key is still the one they were made with. */
	pre[0].key = pre[1].key = ttt_keyring_recv_key(&q->dp->keys);
	ttt_frame_mac_pair(pre[0].key, d, len, pre[0].mac, pre[1].mac);
	*wrote |= deliver(q, &pre[0], src, dgram, len0, 0, now);
	*wrote |= deliver(q, &pre[1], src, dgram + len0, len1, 0, now);
	/* The MAC a datagram should carry is what a forger lacks: wiped, as
	 * the decoder wipes its own. */
	explicit_bzero(pre, sizeof(pre));
	return 1;
}

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

/* Deliver every datagram of received message i; returns 1 if any went
 * into the tap. */
static int
deliver_message(struct ttt_queue *q, unsigned i, const struct ttt_now *now)
{
	struct ttt_rx_batch *b = &q->rx.b;
	const struct mmsghdr *m = &b->mm[i];
	uint8_t *p = b->iov[i].iov_base;
	size_t len = m->msg_len, seg = gro_segment(&b->mm[i].msg_hdr), off = 0, piece, next;
	int wrote = 0;

	b->src[i].len = m->msg_hdr.msg_namelen;
	if (ttt_gro_cut(m->msg_hdr.msg_flags))
		return deliver(q, NULL, &b->src[i], p, len, 1, now);
	q->rx.turn_dgrams += seg != 0 && seg < len ? (unsigned)((len + seg - 1) / seg) : 1;
	if (seg != 0 && seg < len)
		ttt_count(&q->rx.count, TTT_STAT_RX_COALESCED, (len + seg - 1) / seg);
	/* At least once: an empty datagram is refused and counted. */
	do {
		piece = ttt_gro_piece(len, seg, off);
		/* Two at a time where the message has two left; else alone. */
		next = off + piece < len ? ttt_gro_piece(len, seg, off + piece) : 0;
		if (next != 0 && deliver_pair(q, &b->src[i], p + off, piece, next, now, &wrote)) {
			off += piece + next;
			continue;
		}
		wrote |= deliver(q, NULL, &b->src[i], p + off, piece, 0, now);
		off += piece;
	} while (off < len);
	return wrote;
}

/* A fixed peer the parent moved (ttt_datapath_set_peer): the verdict
 * accepts the new address only, from this batch on. */
static void
follow_peer(struct ttt_datapath *dp)
{
	struct ttt_judge *j = &dp->judge;
	uint32_t gen = atomic_load_explicit(&dp->peer.gen, memory_order_acquire);

	pthread_mutex_lock(&j->lock);
	if (gen != j->peer_gen) {
		pthread_mutex_lock(&dp->peer.lock);
		j->st.peer = dp->peer.addr;
		j->st.have_peer = dp->peer.have;
		j->peer_gen = atomic_load_explicit(&dp->peer.gen, memory_order_relaxed);
		pthread_mutex_unlock(&dp->peer.lock);
	}
	pthread_mutex_unlock(&j->lock);
}

int
ttt_receive_batch(struct ttt_queue *q, int flags)
{
	struct ttt_rx_batch *b = &q->rx.b;
	struct ttt_now now;
	int n, wrote = 0;

	/* The kernel shrinks these to what it wrote. */
	for (unsigned i = 0; i < TTT_RX_MSGS; i++) {
		b->mm[i].msg_hdr.msg_namelen = sizeof(b->src[i].ss);
		b->mm[i].msg_hdr.msg_controllen = sizeof(b->ctl[i].buf);
	}
	q->rx.turn_dgrams = 0;
	n = recvmmsg(q->udp, b->mm, TTT_RX_MSGS, flags, NULL);
	if (n < 0) {
		if (errno != EINTR && errno != EAGAIN)
			ttt_count(&q->rx.count, TTT_STAT_RX_SOCK_ERR, 1);
		return 0;
	}
	/* Received before now: judging freshness against now is exact up to
	 * the time the batch took to arrive, microseconds. */
	now = ttt_now();
	follow_peer(q->dp);
	for (int i = 0; i < n; i++)
		wrote |= deliver_message(q, (unsigned)i, &now);
	/* Nothing is held past the batch: the next may be long in coming. */
	return flush_run(q) | wrote;
}

void
ttt_receive_init(struct ttt_queue *q)
{
	struct ttt_rx_batch *b = &q->rx.b;

	for (unsigned i = 0; i < TTT_RX_MSGS; i++) {
		b->iov[i].iov_base = q->rx.mem + (size_t)i * TTT_RX_BUF;
		b->iov[i].iov_len = TTT_RX_BUF;
		memset(&b->mm[i], 0, sizeof(b->mm[i]));
		b->mm[i].msg_hdr.msg_name = &b->src[i].ss;
		b->mm[i].msg_hdr.msg_iov = &b->iov[i];
		b->mm[i].msg_hdr.msg_iovlen = 1;
		b->mm[i].msg_hdr.msg_control = b->ctl[i].buf;
	}
}

/*
 * The sending side: tap -> stamp and authenticate -> sendmmsg to the peer,
 * runs of datagrams as one message (see datapath.h for who may call it).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/udp.h>

#include "clock.h"
#include "datapath.h"
#include "frame.h"
#include "keepalive.h"
#include "log.h"

static uint8_t *
tx_slot(struct ttt_sender *tx, unsigned i)
{
	return tx->mem + (size_t)i * tx->slot_len;
}

static int
peer_snapshot(struct ttt_peer *peer, struct ttt_addr *out)
{
	int have;

	pthread_mutex_lock(&peer->lock);
	have = peer->have;
	if (have)
		*out = peer->addr;
	pthread_mutex_unlock(&peer->lock);
	return have;
}

/* Read every frame that is ready, up to a batch; each lands after its header. */
static unsigned
read_tap_batch(struct ttt_queue *q)
{
	struct ttt_datapath *dp = q->dp;
	struct ttt_sender *tx = &q->tx;
	unsigned n = 0;

	while (n < TTT_BATCH) {
		ssize_t r = read(q->tap, tx_slot(tx, n) + TTT_HDR_LEN, dp->lim.max_frame + 1);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				ttt_count(&tx->count, TTT_STAT_TX_TAP_ERR, 1);
			break;
		}
		if (r < TTT_MIN_FRAME)
			continue;
		/* Never truncate: a frame over the maximum is dropped and counted. */
		if ((size_t)r > dp->lim.max_frame) {
			ttt_count(&tx->count, TTT_STAT_TX_LONG, 1);
			continue;
		}
		tx->len[n++] = (size_t)r;
	}
	return n;
}

/*
 * One read from a tap with a vnet header, understood (tso.h) into tx->cur;
 * returns 1 if it gave frames, 0 once the tap has nothing more. A read that
 * cannot be honoured is dropped, counted, and the next one read.
 */
static int
read_super(struct ttt_queue *q)
{
	struct ttt_sender *tx = &q->tx;

	for (;;) {
		ssize_t r = read(q->tap, tx->super, sizeof(tx->super));
		enum ttt_tso_status st;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				ttt_count(&tx->count, TTT_STAT_TX_TAP_ERR, 1);
			return 0;
		}
		/* The buffer is a byte longer than any super-frame: never cut. */
		st = (size_t)r > TTT_VNET_LEN + TTT_SUPER_MAX ? TTT_TSO_LONG :
		    ttt_tso_prepare(&tx->cur, tx->super, (size_t)r, q->dp->lim.max_frame);
		tx->next = 0;
		if (st == TTT_TSO_OK) {
			if (tx->cur.gso)
				ttt_count(&tx->count, TTT_STAT_TX_SPLIT, 1);
			return 1;
		}
		tx->cur.count = 0;
		ttt_count(&tx->count, st == TTT_TSO_LONG ? TTT_STAT_TX_LONG :
		    TTT_STAT_TX_BAD_OFFLOAD, 1);
	}
}

/* The vnet header's batch: frames cut from the reads, each into its slot
 * after its header; a super-frame longer than the batch goes on in the next. */
static unsigned
read_tap_offload(struct ttt_queue *q)
{
	struct ttt_sender *tx = &q->tx;
	unsigned n = 0;

	while (n < TTT_BATCH) {
		if (tx->next < tx->cur.count) {
			size_t len = ttt_tso_frame(&tx->cur, tx->next++, tx_slot(tx, n) + TTT_HDR_LEN,
			    q->dp->lim.max_frame);

			if (len >= TTT_MIN_FRAME)
				tx->len[n++] = len;
			continue;
		}
		if (!read_super(q))
			break;
	}
	return n;
}

/* Lay out datagrams first..n-1 as messages; returns how many messages. */
static unsigned
build_messages(struct ttt_tx_batch *b, unsigned first, unsigned n, struct ttt_addr *peer)
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
refuse_gso(struct ttt_tx_batch *b, uint16_t seg, int err)
{
	if (err != EMSGSIZE && err != EINVAL && err != EIO)
		return 0;
	if (err != EIO && seg > TTT_GSO_SURE_SEG) {
		b->gso.max_seg = (size_t)seg - 1;
		log_info("the kernel refused to segment %u-byte datagrams (%s); "
		    "longer than %zu bytes, each goes alone from now on",
		    (unsigned)seg, strerror(err), b->gso.max_seg);
		/* Only EMSGSIZE says the route's MTU is the reason, and then a
		 * datagram this long is fragmented; once a size: max_seg only falls. */
		if (err == EMSGSIZE)
			log_warn("%u-byte datagrams no longer cross the route to the peer "
			    "whole: they are fragmented, and a lost fragment loses the frame "
			    "(a smaller --mtu avoids it)", (unsigned)seg);
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
send_batch(struct ttt_queue *q, unsigned n, struct ttt_addr *peer)
{
	struct ttt_tx_batch *b = &q->tx.b;
	unsigned first, nmsg = build_messages(b, 0, n, peer), k = 0;

	while (k < nmsg) {
		int r = sendmmsg(q->udp, b->mm + k, nmsg - k, 0);

		if (r >= 0) {
			for (int j = 0; j < r; j++, k++)
				if (b->msg[k].count > 1)
					ttt_count(&q->tx.count, TTT_STAT_TX_SEGMENTED,
					    b->msg[k].count);
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
		ttt_count(&q->tx.count, TTT_STAT_TX_SOCK_ERR, n - first);
		return first;
	}
	return n;
}

/*
 * Authenticate and record frames i .. i+k-1 (k is 1 or 2), stamped ts[0..k-1],
 * in place: the MACs side by side for two (hmac_x2.h), then the records in
 * order. Nothing leaves before the whole batch is recorded.
 */
static void
encode_some(struct ttt_queue *q, const struct ttt_mac_key *key, const int64_t *ts,
    unsigned i, unsigned k)
{
	struct ttt_sender *tx = &q->tx;
	uint8_t *slot[2] = { tx_slot(tx, i), tx_slot(tx, i + k - 1) };

	if (k == 2)
		ttt_frame_encode_pair(key, ts, slot, tx->len + i, tx->slot_len, tx->b.dlen + i);
	else
		tx->b.dlen[i] = ttt_frame_encode(key, ts[0], slot[0] + TTT_HDR_LEN, tx->len[i],
		    slot[0], tx->slot_len);
	for (unsigned j = 0; j < k; j++) {
		/* One atomic store into the stamp's own slot: no lock needed. */
		ttt_reflect_record(&q->dp->reflect, ts[j], slot[j]);
		tx->b.iov[i + j].iov_base = slot[j];
		tx->b.iov[i + j].iov_len = tx->b.dlen[i + j];
	}
}

/*
 * Stamp frames 0..n-1 under the stamp order every queue shares, then
 * authenticate and record them outside it, two at a time. Under the lock,
 * only what must be serial: the stamps strictly increase across queues,
 * each is marked ours (reflect.h) as it is given, and the stamps page is
 * raised before any of them can leave (the caller sends after this
 * returns). The MACs, most of the cost, run in parallel on every queue;
 * the key is the keyring's to keep valid for its readers (keyring.h).
 */
static void
encode_batch(struct ttt_queue *q, unsigned n)
{
	struct ttt_datapath *dp = q->dp;
	int64_t ts[TTT_BATCH], now;
	const struct ttt_mac_key *key;
	unsigned long restarts;
	int stepped;

	pthread_mutex_lock(&dp->send.lock);
	/* One read of each clock a batch, under the lock: a queue's clock
	 * reading never lags another's stamps; every stamp is still distinct,
	 * tagged and recorded (reflect.h). */
	now = ttt_wall_ns();
	key = ttt_keyring_send_key(&dp->keys, ttt_mono_ns());
	restarts = dp->reflect.restarts;
	for (unsigned i = 0; i < n; i++)
		ts[i] = ttt_reflect_stamp(&dp->reflect, &dp->send.last_ts, now);
	/* Before any of them leaves: a later worker refuses them if they come
	 * back, though its reflection record never saw them (stamps.h). */
	ttt_stamps_raise(&dp->stamps->tx, dp->send.last_ts);
	stepped = dp->reflect.restarts != restarts;
	pthread_mutex_unlock(&dp->send.lock);
	for (unsigned i = 0; i < n; i += 2)
		encode_some(q, key, ts + i, i, n - i >= 2 ? 2 : 1);
	/* Once a step back, and at most 1023 times (a tag each): no rate limit. */
	if (stepped)
		log_warn("our clock stepped back over a window behind our last timestamp: "
		    "timestamps restart at the clock under a new tag");
}

static unsigned
send_tap_batch(struct ttt_queue *q)
{
	struct ttt_datapath *dp = q->dp;
	struct ttt_sender *tx = &q->tx;
	struct ttt_addr peer;
	unsigned n, sent;

	n = dp->vnet ? read_tap_offload(q) : read_tap_batch(q);
	if (n == 0)
		return 0;
	if (!peer_snapshot(&dp->peer, &peer)) {
		ttt_count(&tx->count, TTT_STAT_TX_NOPEER, n);
		return n;
	}
	encode_batch(q, n);
	sent = send_batch(q, n, &peer);
	ttt_count(&tx->count, TTT_STAT_TX_FRAMES, sent);
	if (sent > 0)
		atomic_store_explicit(&tx->count.last_ns, ttt_mono_ns(), memory_order_relaxed);
	for (unsigned i = 0; i < sent; i++)
		ttt_count(&tx->count, TTT_STAT_TX_BYTES, tx->len[i]);
	return n;
}

unsigned
ttt_send_tap_batch(struct ttt_queue *q)
{
	unsigned n;

	/* The rest of a super-frame is sent now: the tap will not wake the
	 * caller for what was already read. */
	do
		n = send_tap_batch(q);
	while (q->tx.next < q->tx.cur.count);
	return n;
}

/*
 * The keepalive goes through queue 0's slot 0 and the same stamp, encode,
 * record and send as a tap frame, under the same locks: stamps stay strictly increasing
 * and the reflection record exact, and the worker's filter sees the same
 * sendmmsg on the same socket. Counted apart: frames and bytes stay what
 * the tap gave.
 */
int
ttt_send_keepalive(struct ttt_queue *q)
{
	struct ttt_addr peer;

	if (!peer_snapshot(&q->dp->peer, &peer))
		return 0;
	memcpy(tx_slot(&q->tx, 0) + TTT_HDR_LEN, ttt_keepalive_frame, TTT_KEEPALIVE_LEN);
	q->tx.len[0] = TTT_KEEPALIVE_LEN;
	encode_batch(q, 1);
	if (send_batch(q, 1, &peer) != 1)
		return 0;
	ttt_count(&q->tx.count, TTT_STAT_TX_KEEPALIVE, 1);
	atomic_store_explicit(&q->tx.count.last_ns, ttt_mono_ns(), memory_order_relaxed);
	return 1;
}

/*
 * The worker's data path as one object: everything forwarding touches (the
 * descriptors, the keys, the replay and reflection records, the peer, the
 * batch buffers and the counters) lives in one struct ttt_datapath that the
 * worker owns and passes explicitly, as WireGuard's wg_device and wg_peer.
 * A second queue or peer becomes one more object, not a hunt for statics.
 *
 * Who touches what (threads: datapath.c):
 *   q[k]    queue k (--queues): its tap queue and socket, its own send and
 *           receive buffers and counters. q[k].tx.lock: whichever thread
 *           sends on the queue (its own; queue 0's also the keepalive)
 *   send    shared by every queue, under send.lock and only for stamping
 *           a batch: stamps strictly increase across queues, each marked
 *           ours as it is given; the MACs and records follow outside it,
 *           before anything leaves
 *   judge   shared by every queue, under judge.lock: the verdict's state
 *           (replay filter, skew, the peer), one judge for all, so the
 *           replay filter stays exact whichever socket a datagram reached
 *   peer    the sender's copy of the peer, written by the receiver under
 *           peer.lock when the peer moves
 *   keys, reflect   shared, with the rules their headers state
 *   counters        relaxed atomics a direction a queue; the main thread sums them
 * Buffers are fixed at start-up: the data path never allocates; a queue
 * past --queues is never touched, so costs no resident memory.
 */
#ifndef TTT_DATAPATH_H
#define TTT_DATAPATH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "coalesce.h"
#include "config.h"
#include "gso.h"
#include "keyring.h"
#include "log.h"
#include "reflect.h"
#include "replay.h"
#include "stamps.h"
#include "stats.h"
#include "tso.h"
#include "verdict.h"
#include "wire.h"

#define TTT_BATCH 32	/* tap frames read, stamped and sent in one turn */

/*
 * Send slots: slot i of a batch starts at i * slot_len, slot_len fitted to
 * the configured maximum frame, so a default-MTU tunnel touches 48 KiB
 * rather than the whole jumbo-sized array (the worker's resident memory).
 * +1: a tap frame longer than allowed is seen, never truncated.
 */
#define TTT_SLOT_ALIGN 64	/* a cache line */
#define TTT_SLOT_FOR(max_frame) \
	((TTT_HDR_LEN + (max_frame) + 1 + TTT_SLOT_ALIGN - 1) / TTT_SLOT_ALIGN * TTT_SLOT_ALIGN)
#define TTT_SLOT_MAX TTT_SLOT_FOR(TTT_MAX_FRAME)

/*
 * Receive messages: with UDP_GRO the kernel may hand over several datagrams
 * of one sender as one message, as long as any UDP datagram, and a buffer
 * shorter than that would lose the rest, so every buffer holds one. Four:
 * up to 4 x 64 datagrams a call when they come coalesced, 4 when not, and
 * 256 KiB of the worker's 4 MiB budget.
 */
#define TTT_RX_MSGS 4
#define TTT_RX_BUF  (1 << 16)	/* more than the largest UDP payload, 65507 */

#define TTT_REFUSAL_LOG_PER_SEC 5	/* refused datagrams logged at most this often */
#define TTT_REFUSAL_LOG_BURST   20

struct ttt_counters {
	_Atomic uint64_t v[TTT_STAT_N];
	/* monotonic: the last datagram sent (tx), or authenticated frame
	 * delivered (rx); keepalives too, both ways: --keepalive counts from it */
	_Atomic int64_t last_ns;
} __attribute__((aligned(64)));

/* The datagrams of one send batch, as messages for sendmmsg: datagram i is
 * iov[i]; a message covers a run of them (gso.h), with a UDP_SEGMENT
 * control message when it holds more than one. */
struct ttt_tx_batch {
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

/* A queue's sending side: its buffers, under lock. */
struct ttt_sender {
	pthread_mutex_t lock;
	struct ttt_tx_batch b;
	size_t len[TTT_BATCH];		/* frame lengths read from the tap */
	size_t slot_len;
	struct ttt_counters count;
	/* With a vnet header (dp->vnet): the last read from the tap, and the
	 * frames of it still to send, which a full batch leaves to the next. */
	struct ttt_tso cur;
	unsigned next;			/* cur's next frame; cur.count: none left */
	uint8_t mem[TTT_BATCH * TTT_SLOT_MAX] __attribute__((aligned(TTT_SLOT_ALIGN)));
	uint8_t super[TTT_TSO_READ_BUF] __attribute__((aligned(TTT_SLOT_ALIGN)));
};

/* The receive batch: built once; the kernel rewrites lengths and flags. */
struct ttt_rx_batch {
	struct mmsghdr mm[TTT_RX_MSGS];
	struct iovec iov[TTT_RX_MSGS];
	struct ttt_addr src[TTT_RX_MSGS];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl[TTT_RX_MSGS];
};

/* A queue's receiving side: its buffers, its thread's alone. */
struct ttt_receiver {
	struct ttt_rx_batch b;
	struct ttt_counters count;
	unsigned turn_dgrams;		/* datagrams the last ttt_receive_batch took */
	struct ttt_coalesce coalesce;	/* with a vnet header: the run held for the tap */
	uint8_t mem[TTT_RX_MSGS * TTT_RX_BUF] __attribute__((aligned(TTT_SLOT_ALIGN)));
	uint8_t coalesce_buf[TTT_COALESCE_BUF] __attribute__((aligned(TTT_SLOT_ALIGN)));
};

/* The stamp order every queue shares: held only to stamp a batch and
 * raise the stamps page (send.c), never across a MAC or a system call. */
struct ttt_send_order {
	pthread_mutex_t lock;
	int64_t last_ts;		/* the last stamp given: the next is later */
};

/* The verdict's state every queue shares (verdict.h), under lock. */
struct ttt_judge {
	pthread_mutex_t lock;
	struct ttt_rx_state st;
	struct ttt_replay replay;
	struct ttt_ratelimit rl;	/* refusals in the log */
	uint32_t peer_gen;		/* the peer.gen st.peer was copied at */
};

struct ttt_datapath;

/* One queue: a tap queue, a socket, and a thread's buffers (--queues). */
struct ttt_queue {
	int tap, udp;
	struct ttt_datapath *dp;
	struct ttt_sender tx;
	struct ttt_receiver rx;
};

/* The peer as the sender sees it. gen counts the parent's moves of a fixed
 * peer (ttt_datapath_set_peer), so the receiver notices one with a load. */
struct ttt_peer {
	pthread_mutex_t lock;
	struct ttt_addr addr;
	int have;
	_Atomic uint32_t gen;
};

struct ttt_datapath {
	int ipc;
	unsigned nqueues;		/* 1..TTT_QUEUES_MAX; q[0] is the tap and socket at 4, 5 */
	int vnet;			/* the tap's frames carry a vnet header (tap.h) */
	int uso;			/* and the tap takes UDP super-frames (coalesce.h) */
	int sched_ours;			/* the parent chose SCHED_BATCH (schedpol.h) */
	/* Shared with the parent: each stamp raised before its frame is
	 * delivered or sent, so the next worker's floor covers it (stamps.h). */
	struct ttt_stamps *stamps;
	struct ttt_frame_limits lim;
	struct ttt_keyring keys;
	struct ttt_reflect reflect;
	struct ttt_peer peer;
	struct ttt_send_order send;
	struct ttt_judge judge;
	struct ttt_queue q[TTT_QUEUES_MAX];
	/* The threads meet at ready once fully started (glibc registers rseq
	 * then), and wait at go until the seccomp filter covers them. */
	pthread_barrier_t ready, go;
	/* Only the words the configured window needs are ever touched. */
	_Atomic uint64_t reflect_words[TTT_REFLECT_WORDS_MAX];
	uint64_t reflect_dirty[TTT_REFLECT_DIRTY_MAX];
	struct ttt_reflect_fp reflect_cache[TTT_REFLECT_CACHE];
};

/*
 * Set up both sides once nqueues, each queue's tap and udp, vnet, uso, ipc,
 * lim, keys, peer and judge.st.fixed_peer are in place. seed: random bits for the replay hash and the tag (0), and
 * for drawing a new tag (1). floor_ns: refuse every frame stamped at or
 * before it (a new worker knows nothing its predecessor received or sent).
 */
void ttt_datapath_init(struct ttt_datapath *dp, const uint64_t seed[2], int64_t floor_ns);

/*
 * Start the forwarding threads while clone() is still allowed: one carrying
 * both directions (nthreads 1), or one a direction (2) for one queue; with
 * dp->nqueues > 1 (nthreads 1 only), one carrying both a queue. Returns once every
 * thread is running, 0 or -errno; they wait until ttt_datapath_go, so the
 * caller can confine them first.
 */
int ttt_datapath_start(struct ttt_datapath *dp, unsigned nthreads);
void ttt_datapath_go(struct ttt_datapath *dp);

/* send.c: read what queue q's tap has ready, a batch at most, and send it.
 * Returns how many frames were read. The caller holds q->tx.lock. */
unsigned ttt_send_tap_batch(struct ttt_queue *q);

/* send.c: send the keepalive frame (keepalive.h) to the peer, stamped and
 * recorded like any frame; nothing when no peer is known. Returns 1 if it
 * was sent. The caller holds q->tx.lock. */
int ttt_send_keepalive(struct ttt_queue *q);

/* receive.c: build queue q's receive batch once. */
void ttt_receive_init(struct ttt_queue *q);

/* receive.c: receive a batch on queue q's socket (flags: MSG_WAITFORONE to
 * wait for the first, MSG_DONTWAIT not to), judge it under the shared judge
 * and deliver it to q's tap; returns 1 if a frame reached the tap. */
int ttt_receive_batch(struct ttt_queue *q, int flags);

/*
 * The main thread: the parent moved the fixed peer (its name resolves
 * elsewhere). The sender uses a at once; the receiver accepts only a from
 * its next batch on.
 */
void ttt_datapath_set_peer(struct ttt_datapath *dp, const struct ttt_addr *a);

/* Add n to a counter; relaxed, since only totals are ever read. */
static inline void
ttt_count(struct ttt_counters *c, enum ttt_stat s, uint64_t n)
{
	atomic_fetch_add_explicit(&c->v[s], n, memory_order_relaxed);
}

/* Both directions' counters, summed over the queues. */
void ttt_datapath_stats(const struct ttt_datapath *dp, struct ttt_worker_report *out);

/* The monotonic time of the last datagram any queue sent (0: none). */
int64_t ttt_datapath_last_tx(const struct ttt_datapath *dp);

#endif

/*
 * The data path object and its threads (see datapath.h).
 *
 * By default one thread carries both directions (--threads 1): a round trip
 * then wakes one thread a hop, as socat does, where with a thread a
 * direction the answer arrives at a thread that slept elsewhere (measured:
 * ~25 us more a round trip on a 2-core VM, the cost of waking an idle CPU).
 * Whichever thread receives also sends, right after writing into the tap,
 * since the kernel often answers a frame (an echo reply, a TCP ACK) before
 * that write returns; sending the answer at once saves a wake-up.
 *
 * With --queues N, N such threads, one a queue (datapath.h: struct
 * ttt_queue), meeting only at the stamp order and the judge.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "datapath.h"
#include "clock.h"
#include "log.h"
#include "schedpol.h"

/* A queue's own buffers; queues past dp->nqueues are never touched. */
static void
queue_init(struct ttt_datapath *dp, struct ttt_queue *q)
{
	q->dp = dp;
	pthread_mutex_init(&q->tx.lock, NULL);
	q->tx.b.gso.max_segs = TTT_BATCH;
	q->tx.b.gso.max_seg = UINT16_MAX;
	q->tx.b.gso.max_bytes = TTT_GSO_MAX_BYTES;
	/* Header, the largest frame, and one byte to see a longer one. */
	q->tx.slot_len = TTT_SLOT_FOR(dp->lim.max_frame);
	q->tx.next = q->tx.cur.count = 0;
	ttt_coalesce_init(&q->rx.coalesce, q->rx.coalesce_buf, dp->uso);
	ttt_receive_init(q);
}

void
ttt_datapath_init(struct ttt_datapath *dp, const uint64_t seed[2], int64_t floor_ns)
{
	struct ttt_judge *j = &dp->judge;

	pthread_mutex_init(&dp->peer.lock, NULL);
	pthread_mutex_init(&dp->send.lock, NULL);
	pthread_mutex_init(&j->lock, NULL);
	dp->send.last_ts = INT64_MIN;
	for (unsigned k = 0; k < dp->nqueues; k++)
		queue_init(dp, &dp->q[k]);
	ttt_reflect_init(&dp->reflect, dp->reflect_words, dp->reflect_dirty, dp->reflect_cache,
	    dp->lim.window_ns, (unsigned)(seed[0] >> 40));

	ttt_replay_init(&j->replay, seed[0]);
	ttt_replay_set_floor(&j->replay, floor_ns);
	j->st.keys = &dp->keys;
	j->st.reflect = &dp->reflect;
	j->st.replay = &j->replay;
	j->st.lim = dp->lim;
	/* The peer the parent handed over (a respawn): not a move. */
	j->st.peer = dp->peer.addr;
	j->st.have_peer = dp->peer.have;
	j->st.rng = seed[1] | 1;	/* xorshift must not start at zero */
	ttt_skew_init(&j->st.skew, dp->lim.window_ns);
	ttt_ratelimit_init(&j->rl, TTT_REFUSAL_LOG_PER_SEC, TTT_REFUSAL_LOG_BURST);
}

void
ttt_datapath_set_peer(struct ttt_datapath *dp, const struct ttt_addr *a)
{
	pthread_mutex_lock(&dp->peer.lock);
	dp->peer.addr = *a;
	dp->peer.have = 1;
	atomic_fetch_add_explicit(&dp->peer.gen, 1, memory_order_release);
	pthread_mutex_unlock(&dp->peer.lock);
}

static int64_t
latest(int64_t a, const struct ttt_counters *c)
{
	int64_t b = atomic_load_explicit(&c->last_ns, memory_order_relaxed);

	return b > a ? b : a;
}

int64_t
ttt_datapath_last_tx(const struct ttt_datapath *dp)
{
	int64_t t = 0;

	for (unsigned k = 0; k < dp->nqueues; k++)
		t = latest(t, &dp->q[k].tx.count);
	return t;
}

void
ttt_datapath_stats(const struct ttt_datapath *dp, struct ttt_worker_report *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned k = 0; k < dp->nqueues; k++) {
		const struct ttt_queue *q = &dp->q[k];

		for (unsigned i = 0; i < TTT_STAT_N; i++)
			out->counters.v[i] +=
			    atomic_load_explicit(&q->tx.count.v[i], memory_order_relaxed) +
			    atomic_load_explicit(&q->rx.count.v[i], memory_order_relaxed);
		out->last_rx_ns = latest(out->last_rx_ns, &q->rx.count);
	}
	out->last_tx_ns = ttt_datapath_last_tx(dp);
	out->key_confirmed = atomic_load_explicit(&dp->keys.peer_has_new, memory_order_relaxed) ?
	    1 : 0;
}

__attribute__((noreturn)) static void
die(const char *what, int err)
{
	log_err("%s: %s", what, strerror(err));
	_exit(1);
}

/* sp: the thread's policy, read before the filter forbids reading it. */
static void
wait_start(struct ttt_datapath *dp, struct ttt_schedpol *sp)
{
	ttt_schedpol_init(sp, sched_getscheduler(0), dp->sched_ours);
	(void)pthread_barrier_wait(&dp->ready);
	(void)pthread_barrier_wait(&dp->go);
}

/* After a turn: batch while sparse, other while busy (schedpol.h). */
static void
adapt(struct ttt_schedpol *sp, int busy)
{
	int to;

	if (!sp->adaptive || (to = ttt_schedpol_turn(sp, busy, ttt_mono_ns())) < 0)
		return;
	/* Refused (it never should be): keep the policy it has, and stop trying. */
	if (ttt_schedpol_switch(to) != 0)
		sp->adaptive = 0;
}

/* A poll's timeout: no limit, unless a thread switched to SCHED_OTHER by a
 * burst must wake to switch back, not keep it for the next frame. */
static int
poll_ms(const struct ttt_schedpol *sp)
{
	return sp->adaptive && sp->policy == SCHED_OTHER ?
	    ttt_schedpol_wait_ms(sp, ttt_mono_ns()) : -1;
}

/* A turn took this many datagrams from the socket: busy (schedpol.h). */
static int
rx_busy(const struct ttt_queue *q)
{
	return q->rx.turn_dgrams >= TTT_BATCH;
}

/* --threads 2: the tap's thread (queue 0, the only one). */
static void *
tx_thread(void *arg)
{
	struct ttt_queue *q = arg;
	struct ttt_schedpol sp;

	wait_start(q->dp, &sp);
	for (;;) {
		struct pollfd pfd = { .fd = q->tap, .events = POLLIN };
		unsigned n = 0;
		int ready = poll(&pfd, 1, poll_ms(&sp));

		if (ready < 0 && errno != EINTR)
			die("poll on the tap", errno);
		if (ready > 0) {
			pthread_mutex_lock(&q->tx.lock);
			n = ttt_send_tap_batch(q);
			pthread_mutex_unlock(&q->tx.lock);
		}
		adapt(&sp, n == TTT_BATCH);
	}
	return NULL;
}

/* --threads 2: the socket's thread. */
static void *
rx_thread(void *arg)
{
	struct ttt_queue *q = arg;
	struct ttt_schedpol sp;

	wait_start(q->dp, &sp);
	for (;;) {
		/* The answers the kernel made to what we wrote: send them now,
		 * unless the tap's thread is already sending. */
		if (ttt_receive_batch(q, MSG_WAITFORONE) &&
		    pthread_mutex_trylock(&q->tx.lock) == 0) {
			(void)ttt_send_tap_batch(q);
			pthread_mutex_unlock(&q->tx.lock);
		}
		adapt(&sp, rx_busy(q));
	}
	return NULL;
}

/* --threads 1: both directions of one queue (each queue has one). */
static void *
both_thread(void *arg)
{
	struct ttt_queue *q = arg;
	struct ttt_schedpol sp;

	wait_start(q->dp, &sp);
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = q->udp, .events = POLLIN }, { .fd = q->tap, .events = POLLIN },
		};
		int wrote = 0, busy = 0;
		unsigned k = 0;

		if (poll(pfd, 2, poll_ms(&sp)) < 0) {
			if (errno != EINTR)
				die("poll", errno);
			continue;
		}
		if (pfd[0].revents) {
			wrote = ttt_receive_batch(q, MSG_DONTWAIT);
			busy = rx_busy(q);
		}
		/* As many tap batches as receive messages at most, while the tap
		 * has a full batch ready: a turn serves both directions alike. */
		if (wrote || pfd[1].revents) {
			pthread_mutex_lock(&q->tx.lock);
			while (k < TTT_RX_MSGS && ttt_send_tap_batch(q) == TTT_BATCH)
				k++;
			pthread_mutex_unlock(&q->tx.lock);
		}
		adapt(&sp, busy || k > 0);
	}
	return NULL;
}

int
ttt_datapath_start(struct ttt_datapath *dp, unsigned nthreads)
{
	/* --threads 2 splits queue 0's directions; else a thread a queue. */
	unsigned n = nthreads == 2 ? 2 : dp->nqueues;
	pthread_t tid;
	int rc;

	if ((nthreads != 1 && nthreads != 2) || dp->nqueues < 1 ||
	    dp->nqueues > TTT_QUEUES_MAX || (nthreads == 2 && dp->nqueues != 1))
		return -EINVAL;
	/* The caller meets the threads at both barriers too. */
	if (pthread_barrier_init(&dp->ready, NULL, n + 1) != 0 ||
	    pthread_barrier_init(&dp->go, NULL, n + 1) != 0)
		return -EAGAIN;
	for (unsigned i = 0; i < n; i++) {
		void *(*body)(void *) = nthreads == 1 ? both_thread : i == 0 ? tx_thread : rx_thread;

		if ((rc = pthread_create(&tid, NULL, body, nthreads == 1 ? &dp->q[i] : &dp->q[0])) != 0)
			return -rc;
	}
	(void)pthread_barrier_wait(&dp->ready);
	return 0;
}

void
ttt_datapath_go(struct ttt_datapath *dp)
{
	(void)pthread_barrier_wait(&dp->go);
}

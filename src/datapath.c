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

void
ttt_datapath_init(struct ttt_datapath *dp, const uint64_t seed[2], int64_t floor_ns)
{
	struct ttt_receiver *rx = &dp->rx;

	pthread_mutex_init(&dp->peer.lock, NULL);
	pthread_mutex_init(&dp->tx.lock, NULL);
	dp->tx.b.gso.max_segs = TTT_BATCH;
	dp->tx.b.gso.max_seg = UINT16_MAX;
	dp->tx.b.gso.max_bytes = TTT_GSO_MAX_BYTES;
	dp->tx.last_ts = INT64_MIN;
	/* Header, the largest frame, and one byte to see a longer one. */
	dp->tx.slot_len = TTT_SLOT_FOR(dp->lim.max_frame);
	dp->tx.next = dp->tx.cur.count = 0;
	ttt_coalesce_init(&rx->coalesce, rx->coalesce_buf, dp->uso);
	ttt_reflect_init(&dp->reflect, dp->reflect_words, dp->reflect_dirty, dp->reflect_cache,
	    dp->lim.window_ns, (unsigned)(seed[0] >> 40));

	ttt_replay_init(&rx->replay, seed[0]);
	ttt_replay_set_floor(&rx->replay, floor_ns);
	rx->st.keys = &dp->keys;
	rx->st.reflect = &dp->reflect;
	rx->st.replay = &rx->replay;
	rx->st.lim = dp->lim;
	/* The peer the parent handed over (a respawn): not a move. */
	rx->st.peer = dp->peer.addr;
	rx->st.have_peer = dp->peer.have;
	rx->st.rng = seed[1] | 1;	/* xorshift must not start at zero */
	ttt_skew_init(&rx->st.skew, dp->lim.window_ns);
	ttt_ratelimit_init(&rx->rl, TTT_REFUSAL_LOG_PER_SEC, TTT_REFUSAL_LOG_BURST);
	ttt_receive_init(dp);
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

void
ttt_datapath_stats(const struct ttt_datapath *dp, struct ttt_worker_report *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < TTT_STAT_N; i++)
		out->counters.v[i] = atomic_load_explicit(&dp->tx.count.v[i], memory_order_relaxed) +
		    atomic_load_explicit(&dp->rx.count.v[i], memory_order_relaxed);
	out->last_rx_ns = atomic_load_explicit(&dp->rx.count.last_ns, memory_order_relaxed);
	out->last_tx_ns = atomic_load_explicit(&dp->tx.count.last_ns, memory_order_relaxed);
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
	ttt_schedpol_init(sp, sched_getscheduler(0));
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

/* A turn took this many datagrams from the socket: busy (schedpol.h). */
static int
rx_busy(const struct ttt_datapath *dp)
{
	return dp->rx.turn_dgrams >= TTT_BATCH;
}

/* --threads 2: the tap's thread. */
static void *
tx_thread(void *arg)
{
	struct ttt_datapath *dp = arg;
	struct ttt_schedpol sp;

	wait_start(dp, &sp);
	for (;;) {
		struct pollfd pfd = { .fd = dp->tap, .events = POLLIN };
		unsigned n;

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			die("poll on the tap", errno);
		pthread_mutex_lock(&dp->tx.lock);
		n = ttt_send_tap_batch(dp);
		pthread_mutex_unlock(&dp->tx.lock);
		adapt(&sp, n == TTT_BATCH);
	}
	return NULL;
}

/* --threads 2: the socket's thread. */
static void *
rx_thread(void *arg)
{
	struct ttt_datapath *dp = arg;
	struct ttt_schedpol sp;

	wait_start(dp, &sp);
	for (;;) {
		/* The answers the kernel made to what we wrote: send them now,
		 * unless the tap's thread is already sending. */
		if (ttt_receive_batch(dp, MSG_WAITFORONE) &&
		    pthread_mutex_trylock(&dp->tx.lock) == 0) {
			(void)ttt_send_tap_batch(dp);
			pthread_mutex_unlock(&dp->tx.lock);
		}
		adapt(&sp, rx_busy(dp));
	}
	return NULL;
}

/* --threads 1: both directions. */
static void *
both_thread(void *arg)
{
	struct ttt_datapath *dp = arg;
	struct ttt_schedpol sp;

	wait_start(dp, &sp);
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = dp->udp, .events = POLLIN }, { .fd = dp->tap, .events = POLLIN },
		};
		int wrote = 0, busy = 0;
		unsigned k = 0;

		if (poll(pfd, 2, -1) < 0) {
			if (errno != EINTR)
				die("poll", errno);
			continue;
		}
		if (pfd[0].revents) {
			wrote = ttt_receive_batch(dp, MSG_DONTWAIT);
			busy = rx_busy(dp);
		}
		/* As many tap batches as receive messages at most, while the tap
		 * has a full batch ready: a turn serves both directions alike. */
		if (wrote || pfd[1].revents) {
			pthread_mutex_lock(&dp->tx.lock);
			while (k < TTT_RX_MSGS && ttt_send_tap_batch(dp) == TTT_BATCH)
				k++;
			pthread_mutex_unlock(&dp->tx.lock);
		}
		adapt(&sp, busy || k > 0);
	}
	return NULL;
}

int
ttt_datapath_start(struct ttt_datapath *dp, unsigned nthreads)
{
	static void *(*const two[])(void *) = { tx_thread, rx_thread };
	static void *(*const one[])(void *) = { both_thread };
	void *(*const *body)(void *) = nthreads == 2 ? two : one;
	pthread_t tid;
	int rc;

	if (nthreads != 1 && nthreads != 2)
		return -EINVAL;
	/* The caller meets the threads at both barriers too. */
	if (pthread_barrier_init(&dp->ready, NULL, nthreads + 1) != 0 ||
	    pthread_barrier_init(&dp->go, NULL, nthreads + 1) != 0)
		return -EAGAIN;
	for (unsigned i = 0; i < nthreads; i++)
		if ((rc = pthread_create(&tid, NULL, body[i], dp)) != 0)
			return -rc;
	(void)pthread_barrier_wait(&dp->ready);
	return 0;
}

void
ttt_datapath_go(struct ttt_datapath *dp)
{
	(void)pthread_barrier_wait(&dp->go);
}

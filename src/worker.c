/*
 * The worker process (see worker.h): start-up, demotion, and the main
 * thread's service of the parent and of the worker's timers. The data path
 * lives in datapath.c (threads), send.c, receive.c and verdict.c.
 *
 * Start-up, in order:
 *   0. check the descriptors the parent placed before the exec (worker.h)
 *   1. receive the configuration, then the key
 *   2. build the data path object (datapath.h)
 *   3. drop privileges (privdrop.c)
 *   4. start the forwarding threads while clone() is still allowed
 *   5. forbid new tasks, install the seccomp filter on every thread
 *   6. tell the parent READY, release the threads
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "clock.h"
#include "config.h"
#include "datapath.h"
#include "ipc.h"
#include "keepalive.h"
#include "keyring.h"
#include "log.h"
#include "privdrop.h"
#include "seccomp_policy.h"
#include "sha256_ni.h"
#include "stamps.h"
#include "timers.h"
#include "worker.h"
#ifdef TTT_TEST_HOOKS
#include "testhooks.h"
#endif

struct worker {
	struct ttt_datapath dp;
	struct ttt_timers timers;
	int64_t grace_ns;
	int64_t floor_ns;
	int64_t keepalive_ns;	/* --keepalive; 0: off */
	unsigned nthreads;
	uint32_t sock_family;	/* a new peer address must be of it */
	int peer_by_name;	/* the parent may move the fixed peer (SET_PEER) */
};

/* What the parent's set-up has delivered so far. */
struct received {
	struct ttt_config cfg;
	struct ttt_ipc_seen seen;	/* the order rules: ttt_ipc_permit */
	int keys;			/* 1, or 2 when started mid-rotation */
};

/* Started mid-rotation (cfg.run.rekey_left_ms), the parent sends the old
 * key, then the new one: both are part of the set-up. */
static int
setup_keys(const struct received *r)
{
	return r->cfg.run.rekey_left_ms > 0 ? 2 : 1;
}

/* The worker cannot reach stderr or syslog: its lines go to the parent. */
static void
log_to_parent(enum ttt_log_level lvl, const char *line)
{
	(void)ttt_ipc_send_log(TTT_WORKER_IPC_FD, lvl, line);
}

__attribute__((noreturn)) static void
die(const char *what, int err)
{
	log_err("%s: %s", what, strerror(err));
	_exit(1);
}

/* The first key is the key; any later one is a rotation (keyring.h). */
static void
take_key(struct worker *w, const uint8_t *key, size_t len, int first)
{
	if (first) {
		ttt_keyring_init(&w->dp.keys, ttt_sha256_best(), w->grace_ns, key, len);
		return;
	}
	if (ttt_keyring_add(&w->dp.keys, key, len, ttt_mono_ns()) == TTT_KEYRING_QUEUED) {
		ttt_timers_arm(&w->timers, TTT_TIMER_KEY_PENDING,
		    ttt_keyring_pending_at(&w->dp.keys));
		log_info("new key queued until the current grace period ends");
	} else {
		log_info("new key loaded; both keys accepted and the old one sent with until "
		    "the peer shows it has the new one, for at most %lld ms",
		    (long long)(w->grace_ns / TTT_NSEC_PER_MSEC));
	}
}

/*
 * Send a keepalive if nothing was sent for --keepalive, and look again
 * --keepalive after the last send. Decided under the send lock, so a tap
 * frame sent meanwhile postpones it, and stamped there like any frame.
 * No peer yet: nothing is sent, and the timer looks again later.
 */
static void
keepalive_due(struct worker *w)
{
	struct ttt_datapath *dp = &w->dp;
	int64_t next;

	/* Through queue 0, whatever queue sent last. */
	pthread_mutex_lock(&dp->q[0].tx.lock);
	if (ttt_keepalive_due(ttt_mono_ns(), ttt_datapath_last_tx(dp), w->keepalive_ns, &next))
		(void)ttt_send_keepalive(&dp->q[0]);
	pthread_mutex_unlock(&dp->q[0].tx.lock);
	ttt_timers_arm(&w->timers, TTT_TIMER_KEEPALIVE, next);
}

static void
run_timer(struct worker *w, enum ttt_timer id)
{
	switch (id) {
	case TTT_TIMER_KEY_PENDING:
		if (ttt_keyring_tick(&w->dp.keys, ttt_mono_ns()) == TTT_KEYRING_LOADED)
			log_info("queued key loaded; both keys accepted for at most %lld ms",
			    (long long)(w->grace_ns / TTT_NSEC_PER_MSEC));
		else	/* not yet: the deadline is the keyring's to say */
			ttt_timers_arm(&w->timers, id, ttt_keyring_pending_at(&w->dp.keys));
		break;
	case TTT_TIMER_KEEPALIVE:
		keepalive_due(w);
		break;
	default:
		break;	/* the parent's timers are never armed here */
	}
}

/* Take one set-up message; dies on anything out of turn. */
static void
take_setup(struct worker *w, struct received *r, const struct ttt_ipc_msg *m)
{
	if (ttt_ipc_permit(&r->seen, m->type) != 0)
		die("the parent's set-up message", EPROTO);
	if (m->type == TTT_IPC_CONFIG) {
		r->cfg = m->u.config;
		w->grace_ns = r->cfg.rekey_grace_ms * TTT_NSEC_PER_MSEC;
	} else if (m->type == TTT_IPC_KEY && r->keys == 0) {
		take_key(w, m->u.key.bytes, m->u.key.len, 1);
		r->keys = 1;
	} else if (m->type == TTT_IPC_KEY) {
		/* The rotation the predecessor was in: only what is left of its
		 * grace, or a respawn would lengthen the old key's life. */
		(void)ttt_keyring_resume(&w->dp.keys, m->u.key.bytes, m->u.key.len, ttt_mono_ns(),
		    r->cfg.run.rekey_left_ms * TTT_NSEC_PER_MSEC);
		log_info("started mid-rotation: the old key accepted for at most %lld ms more",
		    (long long)r->cfg.run.rekey_left_ms);
		r->keys = 2;
	} else {
		die("the parent's set-up message", EPROTO);
	}
}

/* Receive the configuration, then a key or two (in that order:
 * ttt_ipc_permit), nothing else. The descriptors came through the exec, at fixed numbers;
 * none may come this way. */
static void
receive_setup(struct worker *w, struct received *r)
{
	static struct ttt_ipc_msg m;
	uint8_t buf[TTT_IPC_MSG_MAX];

	while (r->keys == 0 || r->keys < setup_keys(r)) {
		long n = ttt_ipc_recv(TTT_WORKER_IPC_FD, buf, sizeof(buf), NULL, 0, NULL);

		if (n <= 0)
			die("receiving the set-up from the parent", n == 0 ? EPIPE : (int)-n);
		if (ttt_ipc_parse(TTT_IPC_TO_WORKER, buf, (size_t)n, &m) != 0)
			die("the parent's set-up message", EBADMSG);
		take_setup(w, r, &m);
		explicit_bzero(buf, sizeof(buf));
		explicit_bzero(&m, sizeof(m));
	}
}

/*
 * The queues the configuration names (ttt_config_check bounded them), at
 * the numbers worker.h fixes; each extra one must be what the parent
 * passes, a character device and a socket, or the worker ends: it would
 * otherwise read and write whatever sits there.
 */
static void
take_queues(struct ttt_datapath *dp, unsigned n)
{
	struct stat st;

	dp->nqueues = n;
	for (unsigned k = 0; k < n; k++) {
		dp->q[k].tap = TTT_WORKER_QUEUE_TAP_FD(k);
		dp->q[k].udp = TTT_WORKER_QUEUE_UDP_FD(k);
		if (fstat(dp->q[k].tap, &st) != 0 || !S_ISCHR(st.st_mode) ||
		    fstat(dp->q[k].udp, &st) != 0 || !S_ISSOCK(st.st_mode))
			die("the parent's tap queues and sockets", EBADF);
	}
}

static void
apply_setup(struct worker *w, const struct received *r)
{
	struct ttt_datapath *dp = &w->dp;

	dp->ipc = TTT_WORKER_IPC_FD;
	take_queues(dp, (unsigned)r->cfg.queues);
	dp->lim.window_ns = r->cfg.window_ms * TTT_NSEC_PER_MSEC;
	/* Below v1.4's MTU, still take its largest frames: a v1.4 peer sends
	 * them whatever our MTU, and the tap writes a frame over its MTU. */
	dp->lim.max_frame = (size_t)TTT_FRAME_MAX(r->cfg.mtu);
	if (dp->lim.max_frame < TTT_DEFAULT_MAX_FRAME)
		dp->lim.max_frame = TTT_DEFAULT_MAX_FRAME;
	dp->judge.st.fixed_peer = (r->cfg.run.flags & TTT_CONFIG_FIXED_PEER) != 0;
	dp->vnet = (r->cfg.run.flags & TTT_CONFIG_TAP_VNET) != 0;
	/* UDP runs need both: without the header nothing is a run. */
	dp->uso = dp->vnet && (r->cfg.run.flags & TTT_CONFIG_TAP_USO) != 0;
	dp->sched_ours = (r->cfg.run.flags & TTT_CONFIG_SCHED_OURS) != 0;
	/* Once a worker: the totals say how many ran without what was asked. */
	if (r->cfg.run.flags & TTT_CONFIG_TAP_REFUSED)
		ttt_count(&dp->q[0].tx.count, TTT_STAT_TX_OFFLOAD_OFF, 1);
	if (r->cfg.run.flags & TTT_CONFIG_HAVE_PEER) {
		if (ttt_ipc_peer_to_addr(&r->cfg.run.peer, &dp->peer.addr) != 0)
			die("the parent's peer address", EINVAL);
		dp->peer.have = 1;
	}
	w->floor_ns = r->cfg.run.floor_ns;
	/* Before the drop: the page where this worker's last stamps outlive it. */
	if (ttt_stamps_map(TTT_WORKER_STAMPS_FD, &dp->stamps) != 0)
		die("mapping the stamps page", EBADF);
	w->sock_family = r->cfg.run.sock_family;
	w->peer_by_name = dp->judge.st.fixed_peer && ttt_config_resolves_peer(&r->cfg);
	w->nthreads = (unsigned)r->cfg.threads;
	w->keepalive_ns = r->cfg.keepalive * TTT_NSEC_PER_SEC;
	ttt_log_init("worker", ttt_config_log_level(&r->cfg), 0);
	ttt_log_set_sink(log_to_parent);
	if (r->cfg.run.flags & TTT_CONFIG_TAP_REFUSED)
		log_info("the kernel refused some of the tap's offloads: %s",
		    !dp->vnet ? "a plain tap" : (r->cfg.run.flags & TTT_CONFIG_TAP_TSO) ?
		    "no UDP segmentation offload (Linux 6.2)" :
		    "no TCP or UDP segmentation offload");
}

/*
 * The parent found the fixed peer's name at another address. Taken only
 * where the configuration says the peer is a name the parent re-resolves,
 * and only in the socket's family: anything else is a confused parent.
 */
static void
move_peer(struct worker *w, const struct ttt_ipc_peer *peer)
{
	struct ttt_addr a;
	char str[TTT_ADDR_STR_MAX];

	if (!w->peer_by_name || peer->family != w->sock_family ||
	    ttt_ipc_peer_to_addr(peer, &a) != 0)
		die("a peer address from the parent", EPROTO);
	ttt_datapath_set_peer(&w->dp, &a);
	ttt_addr_format(&a, str, sizeof(str));
	log_debug("sending to and accepting only %s now", str);
}

static void
answer_parent(struct worker *w)
{
	static struct ttt_ipc_msg m;
	uint8_t buf[TTT_IPC_MSG_MAX];
	struct ttt_worker_report st;
	long n = ttt_ipc_recv(w->dp.ipc, buf, sizeof(buf), NULL, 0, NULL);

	/* The parent is gone or confused: a worker alone has no reason to live. */
	if (n == 0)
		_exit(0);
	if (n < 0 || ttt_ipc_parse(TTT_IPC_TO_WORKER, buf, (size_t)n, &m) != 0)
		die("a message from the parent", n < 0 ? (int)-n : EBADMSG);
	explicit_bzero(buf, sizeof(buf));
	if (m.type == TTT_IPC_KEY) {
		take_key(w, m.u.key.bytes, m.u.key.len, 0);
		explicit_bzero(&m, sizeof(m));
		return;
	}
	if (m.type == TTT_IPC_SET_PEER) {
		move_peer(w, &m.u.peer);
		return;
	}
#ifdef TTT_TEST_HOOKS
	if (m.type == TTT_IPC_TEST_SYSCALL) {
		ttt_testhook_worker(&w->dp, m.u.test_syscall);
		return;
	}
#endif
	if (m.type != TTT_IPC_STATS_REQ)
		die("a message from the parent", EPROTO);
	ttt_datapath_stats(&w->dp, &st);
	(void)ttt_ipc_send(w->dp.ipc, TTT_IPC_STATS, &st, sizeof(st));
}

/* Steps 2-6 of start-up (see the top of this file). */
static void
demote_and_start(struct worker *w, const struct ttt_config *cfg)
{
	struct ttt_datapath *dp = &w->dp;
	struct ttt_worker_fds fds = { .nqueues = dp->nqueues, .ipc = dp->ipc };
	struct ttt_drop drop = {
		.uid = cfg->run.uid, .gid = cfg->run.gid, .chroot_dir = cfg->chroot_dir,
		.max_fd = TTT_WORKER_MAX_FD_FOR(dp->nqueues),
	};
	uint64_t seed[2];
	const char *step = "";
	int rc;

	for (unsigned k = 0; k < dp->nqueues; k++) {
		fds.tap[k] = dp->q[k].tap;
		fds.udp[k] = dp->q[k].udp;
	}
	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		die("getrandom", errno);
	ttt_datapath_init(dp, seed, w->floor_ns);
	if ((rc = ttt_privdrop_worker(&drop, &step)) != 0)
		die(step, -rc);
	/* The filter then covers the threads too (TSYNC), and clone() is
	 * never allowed again. */
	if ((rc = ttt_datapath_start(dp, w->nthreads)) != 0)
		die("starting the forwarding threads", -rc);
	if ((rc = ttt_privdrop_no_procs()) != 0)
		die("rlimit nproc", -rc);
	if ((rc = ttt_seccomp_worker(&fds)) != 0)
		die("installing the seccomp filter", -rc);
	(void)ttt_ipc_send(dp->ipc, TTT_IPC_READY, NULL, 0);
	ttt_datapath_go(dp);
}

/* Started by hand, a worker would find no parent's descriptors there. */
static int
inherited_fds_ok(void)
{
	struct stat st;

	if (fstat(TTT_WORKER_IPC_FD, &st) != 0 || !S_ISSOCK(st.st_mode) ||
	    fstat(TTT_WORKER_TAP_FD, &st) != 0 || !S_ISCHR(st.st_mode) ||
	    fstat(TTT_WORKER_UDP_FD, &st) != 0 || !S_ISSOCK(st.st_mode) ||
	    fstat(TTT_WORKER_STAMPS_FD, &st) != 0 || !S_ISREG(st.st_mode))
		return -EBADF;
	return 0;
}

int
ttt_worker_main(void)
{
	static struct worker w;
	static struct received r;

	if (inherited_fds_ok() != 0)
		return -EBADF;
	ttt_log_set_name("worker");
	ttt_log_set_sink(log_to_parent);
	ttt_timers_init(&w.timers);
	receive_setup(&w, &r);
	apply_setup(&w, &r);
	demote_and_start(&w, &r.cfg);
	if (w.keepalive_ns > 0)
		ttt_timers_arm(&w.timers, TTT_TIMER_KEEPALIVE, ttt_mono_ns() + w.keepalive_ns);
	for (;;) {
		struct pollfd pfd = { .fd = w.dp.ipc, .events = POLLIN };
		enum ttt_timer id;

		if (poll(&pfd, 1, ttt_timers_poll_ms(&w.timers, ttt_mono_ns())) < 0 &&
		    errno != EINTR)
			die("poll on the parent channel", errno);
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
			answer_parent(&w);
		while ((id = ttt_timers_take(&w.timers, ttt_mono_ns())) != TTT_TIMER_N)
			run_timer(&w, id);
	}
}

/*
 * The supervising parent (see parent.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "channel.h"
#include "clock.h"
#include "keyfile.h"
#include "log.h"
#include "parent.h"
#include "parent_sandbox.h"
#include "resolve.h"
#include "respawn.h"
#include "status.h"
#include "timers.h"
#include "worker_exec.h"
#ifdef TTT_TEST_HOOKS
#include "testhooks.h"
#endif

enum { POLL_SIG, POLL_WORKER, POLL_LOOKUP, POLL_N };

struct supervisor {
	struct ttt_parent *p;
	int sigfd;
	pid_t pid;		/* the worker, or 0 */
	struct ttt_channel chan;	/* its channel (fd -1 when none); never blocks us */
	struct ttt_timers timers;	/* respawn, stats poll and answer, stats log: timers.h */
	struct ttt_resolver res;	/* --peer-timeout: resolve.h */
	long long started_ms;		/* monotonic */
	struct ttt_backoff backoff;	/* respawn.h */
	/*
	 * Counters outlive workers: the totals of the workers that ended, plus
	 * the current one's latest snapshot (polled every second), so a crash
	 * does not erase the record of what came before it.
	 */
	struct ttt_stats ended, current;
	struct ttt_status_track track;	/* for the status files (status.h) */
	int status_err;
	unsigned test_syscall;		/* test builds: the next forbidden syscall */
	struct ttt_ratelimit rl;
	int stopping;
	int dropped;			/* we killed the current worker for breaking a rule */
};

/* ---- starting a worker ---- */

static int
send_setup(struct ttt_parent *p, struct ttt_channel *chan)
{
	/* The predecessor is reaped: refuse all it may have delivered (replay)
	 * or sent (reflection), as its last stamps say (respawn.h). */
	int64_t left = ttt_respawn_prepare(&p->cfg, p->stamps, p->old_keylen > 0,
	    p->old_key_until_ms, ttt_mono_ms(), ttt_wall_ns());
	int rc;

	rc = ttt_channel_send(chan, TTT_IPC_CONFIG, &p->cfg, sizeof(p->cfg));
	/* Mid-rotation, the old key first: the worker takes the second key as
	 * a rotation and honours the first for what is left of the grace. */
	if (rc == 0 && left > 0)
		rc = ttt_channel_send(chan, TTT_IPC_KEY, p->old_key, p->old_keylen);
	if (rc == 0)
		rc = ttt_channel_send(chan, TTT_IPC_KEY, p->key, p->keylen);
	return rc;
}

static int
spawn(struct supervisor *s)
{
	int sv[2], rc;
	pid_t pid;

	if ((rc = ttt_channel_pair(&sv[0], &sv[1])) != 0)
		return rc;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		(void)close(sv[0]);
		(void)close(sv[1]);
		return rc;
	}
	if (pid == 0) {
		(void)close(sv[0]);
		ttt_worker_exec(s->p, sv[1]);
	}
	(void)close(sv[1]);
	s->pid = pid;
	s->dropped = 0;
	/* The pidfd: our only way to signal it. */
	if ((rc = ttt_pidfd_pin(pid, TTT_PARENT_PIDFD_FD)) != 0)
		log_err("pidfd of worker %ld: %s", (long)pid, strerror(-rc));
	ttt_channel_init(&s->chan, sv[0]);
	s->started_ms = ttt_mono_ms();
	ttt_status_worker_started(&s->track, ttt_wall_ns());
	/* An empty send buffer takes these few records: no -EAGAIN here. */
	rc = send_setup(s->p, &s->chan);
	if (rc != 0) {
		log_err("sending the set-up to worker %ld: %s", (long)pid, strerror(-rc));
		(void)ttt_pidfd_signal(TTT_PARENT_PIDFD_FD, SIGKILL);
	}
	log_debug("started worker %ld", (long)pid);
	return 0;
}

static void
schedule_respawn(struct supervisor *s)
{
	long long t = ttt_mono_ms();
	int64_t wait = ttt_backoff_next(&s->backoff, t - s->started_ms);

	ttt_timers_arm(&s->timers, TTT_TIMER_RESPAWN, (t + wait) * TTT_NSEC_PER_MSEC);
	log_info("starting a new worker in %lld ms", (long long)wait);
}

/* ---- messages from the worker: hostile input ---- */

static void
drop_worker(struct supervisor *s, const char *why)
{
	log_warn("worker %ld %s; stopping it", (long)s->pid, why);
	s->dropped = 1;
	(void)ttt_pidfd_signal(TTT_PARENT_PIDFD_FD, SIGKILL);
	ttt_channel_close(&s->chan);
	ttt_timers_disarm(&s->timers, TTT_TIMER_STATS_ANSWER);
}

static void
record_peer(struct supervisor *s, const struct ttt_ipc_peer *peer)
{
	struct ttt_addr a;
	char str[TTT_ADDR_STR_MAX];

	/* The worker may only tell us where the peer is, within the rules. */
	if ((s->p->cfg.run.flags & TTT_CONFIG_FIXED_PEER) || peer->family != s->p->cfg.run.sock_family ||
	    ttt_ipc_peer_to_addr(peer, &a) != 0) {
		drop_worker(s, "reported a peer it may not have");
		return;
	}
	s->p->cfg.run.peer = *peer;
	s->p->cfg.run.flags |= TTT_CONFIG_HAVE_PEER;
	ttt_addr_format(&a, str, sizeof(str));
	if (ttt_ratelimit_allow(&s->rl, ttt_mono_ms()))	/* worker-caused, as its LOG lines */
		log_debug("worker reports the peer at %s", str);
}

static void
handle_message(struct supervisor *s, const struct ttt_ipc_msg *m)
{
	char line[TTT_LOG_LINE_MAX];
	int to_log;

	switch (m->type) {
	case TTT_IPC_READY:
		log_info("worker %ld is sandboxed and forwarding on %s", (long)s->pid,
		    s->p->ifname);
		break;
	case TTT_IPC_LOG:
		if (ttt_ratelimit_allow(&s->rl, ttt_mono_ms()))
			ttt_log(m->u.log.level, "worker: %s", m->u.log.text);
		break;
	case TTT_IPC_PEER:
		record_peer(s, &m->u.peer);
		break;
	case TTT_IPC_STATS:
		if ((to_log = ttt_channel_answered(&s->chan)) < 0) {
			drop_worker(s, "sent counters nobody asked for");
			break;
		}
		ttt_timers_disarm(&s->timers, TTT_TIMER_STATS_ANSWER);
		if (!ttt_status_report_sane(&m->u.stats, (int64_t)s->started_ms * TTT_NSEC_PER_MSEC,
		    ttt_mono_ns())) {
			drop_worker(s, "reported a time outside its life");
			break;
		}
		s->current = m->u.stats.counters;
		ttt_status_take_report(&s->track, &m->u.stats);
		if (to_log) {
			struct ttt_stats total = s->ended;

			ttt_stats_add(&total, &s->current);
			(void)ttt_stats_format(&total, line, sizeof(line));
			log_info("counters: %s", line);
		}
		break;
	default:
		/* ttt_ipc_parse admits no other type from a worker. */
		drop_worker(s, "sent a message of an unexpected type");
		break;
	}
}

static void
read_worker(struct supervisor *s)
{
	static struct ttt_ipc_msg m;
	const char *why = "";
	int rc = ttt_channel_read(&s->chan, &m, &why);

	if (rc == 0) {
		/* It is exiting; SIGCHLD says how. */
		ttt_channel_close(&s->chan);
		ttt_timers_disarm(&s->timers, TTT_TIMER_STATS_ANSWER);
	} else if (rc == -EPROTO) {
		drop_worker(s, why);
	} else if (rc > 0) {
		handle_message(s, &m);
	}
}

/* Records read from a worker that ended, at most: it can say no more. */
#define TTT_LAST_WORDS_MAX 64

/*
 * A worker's last records (the log line saying why it ends) may still wait
 * in the channel when SIGCHLD is read first: read them before the channel
 * closes, so nothing it said is lost. Checked like any other record; a bad
 * one ends the reading, the worker being gone already.
 */
static void
read_last_words(struct supervisor *s)
{
	static struct ttt_ipc_msg m;
	const char *why = "";

	for (unsigned i = 0; i < TTT_LAST_WORDS_MAX && s->chan.fd >= 0; i++) {
		if (ttt_channel_read(&s->chan, &m, &why) <= 0)
			return;
		handle_message(s, &m);
	}
}

/* ---- signals ---- */

static void
reap(struct supervisor *s)
{
	char why[128];
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != s->pid) {
			ttt_resolver_reaped(&s->res, pid);
			continue;
		}
		read_last_words(s);
		ttt_parent_describe_status(status, why, sizeof(why));
		(void)snprintf(s->track.st.last_exit, sizeof(s->track.st.last_exit), "%s", why);
		if (s->stopping)
			log_debug("worker %ld %s", (long)pid, why);
		else
			log_warn("worker %ld %s", (long)pid, why);
		s->pid = 0;
		if (!ttt_respawn_keep_peer(status, s->dropped, s->p->cfg.run.flags))
			s->p->cfg.run.flags &= ~TTT_CONFIG_HAVE_PEER;
		ttt_channel_close(&s->chan);
		ttt_timers_disarm(&s->timers, TTT_TIMER_STATS_ANSWER);
		ttt_stats_add(&s->ended, &s->current);
		memset(&s->current, 0, sizeof(s->current));
		if (!s->stopping)
			schedule_respawn(s);
	}
}

/*
 * Send the worker a record without waiting. A full queue means it stopped
 * reading: it is dropped (and replaced), so it cannot stall us. Other
 * errors mean it is going (SIGCHLD follows). Returns 0 once sent.
 */
static int
send_worker(struct supervisor *s, enum ttt_ipc_type type, const void *payload, size_t len)
{
	int rc;

	if (s->chan.fd < 0)
		return -EBADF;
	rc = ttt_channel_send(&s->chan, type, payload, len);
	if (rc == -EAGAIN)
		drop_worker(s, "stopped reading its channel");
	else if (rc != 0)	/* EPIPE, ECONNRESET: it is exiting, as SIGCHLD will say */
		log_debug("sending to worker %ld: %s", (long)s->pid, strerror(-rc));
	return rc;
}

/* Ask the worker for its counters; log them (with the ended workers') when
 * they arrive if to_log. One request at a time: while one is outstanding,
 * its answer serves this asker too, and its deadline stands. */
static void
request_stats(struct supervisor *s, int to_log)
{
	if (s->chan.fd < 0 || !ttt_channel_ask(&s->chan, to_log))
		return;
	if (send_worker(s, TTT_IPC_STATS_REQ, NULL, 0) != 0)
		return;
	ttt_channel_asked(&s->chan);
	ttt_timers_arm(&s->timers, TTT_TIMER_STATS_ANSWER,
	    ttt_mono_ns() + TTT_STATS_ANSWER_MS * TTT_NSEC_PER_MSEC);
}

/*
 * SIGHUP: re-read the key file. A bad file changes nothing: the tunnel keeps
 * running on the key it has, and the operator learns why from the log.
 */
static void
reload_key(struct supervisor *s)
{
	struct ttt_parent *p = s->p;
	uint8_t key[TTT_KEY_MAX];
	size_t len = 0;
	int err = 0;
	enum ttt_key_status st = ttt_keyfile_load(p->cfg.keyfile, key, sizeof(key), &len, &err);

	if (st != TTT_KEY_OK) {
		log_err("SIGHUP: key file %s %s%s%s; keeping the current key", p->cfg.keyfile,
		    ttt_key_strerror(st), st == TTT_KEY_IO ? ": " : "",
		    st == TTT_KEY_IO ? strerror(err) : "");
		explicit_bzero(key, sizeof(key));
		return;
	}
	if (len == p->keylen && memcmp(key, p->key, len) == 0) {
		log_info("SIGHUP: key file %s unchanged", p->cfg.keyfile);
		explicit_bzero(key, sizeof(key));
		return;
	}
	memcpy(p->old_key, p->key, p->keylen);
	p->old_keylen = p->keylen;
	p->old_key_until_ms = ttt_mono_ms() + p->cfg.rekey_grace_ms;
	memcpy(p->key, key, len);
	p->keylen = len;
	explicit_bzero(key, sizeof(key));
	ttt_status_new_key(&s->track);
	log_info("SIGHUP: new key from %s; the old one stays valid for at most %lld ms",
	    p->cfg.keyfile, (long long)p->cfg.rekey_grace_ms);
	/* Not a request (nothing answers it), but never waited on either. */
	(void)send_worker(s, TTT_IPC_KEY, p->key, p->keylen);
}

/* Returns 1 when asked to stop. */
static int
read_signal(struct supervisor *s)
{
	struct signalfd_siginfo si;
	ssize_t n = read(s->sigfd, &si, sizeof(si));

	if (n != (ssize_t)sizeof(si))
		return 0;
	switch (si.ssi_signo) {
	case SIGTERM:
	case SIGINT:
		log_info("%s: stopping", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
		return 1;
	case SIGCHLD:
		reap(s);
		break;
	case SIGUSR1:
		request_stats(s, 1);
		break;
	case SIGHUP:
		reload_key(s);
		break;
#ifdef TTT_TEST_HOOKS
	case SIGUSR2:
		ttt_testhook_parent(s->chan.fd, s->pid, &s->test_syscall);
		break;
#endif
	default:
		break;
	}
	return 0;
}

static void
stop_worker(struct supervisor *s)
{
	long long deadline = ttt_mono_ms() + TTT_STOP_GRACE_MS;
	struct pollfd pfd = { .fd = s->sigfd, .events = POLLIN };

	s->stopping = 1;
	if (s->pid <= 0)
		return;
	(void)ttt_pidfd_signal(TTT_PARENT_PIDFD_FD, SIGTERM);
	while (s->pid > 0 && ttt_mono_ms() < deadline) {
		if (poll(&pfd, 1, (int)(deadline - ttt_mono_ms())) > 0)
			(void)read_signal(s);
	}
	if (s->pid > 0) {
		int status;

		(void)ttt_pidfd_signal(TTT_PARENT_PIDFD_FD, SIGKILL);
		(void)waitpid(s->pid, &status, 0);
		s->pid = 0;
	}
}

static int
open_signals(void)
{
	sigset_t set;

	(void)sigemptyset(&set);
	(void)sigaddset(&set, SIGTERM);
	(void)sigaddset(&set, SIGINT);
	(void)sigaddset(&set, SIGCHLD);
	(void)sigaddset(&set, SIGUSR1);
	(void)sigaddset(&set, SIGHUP);
#ifdef TTT_TEST_HOOKS
	(void)sigaddset(&set, SIGUSR2);
#endif
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/* ---- the status files (status.h) ---- */

/* Both files; a failure is logged when it starts or changes, not each second. */
static int
write_status(struct supervisor *s)
{
	static char buf[TTT_STATUS_BUF_MAX];
	const struct ttt_parent *p = s->p;
	const char *path = p->cfg.status_file;
	struct ttt_status_key key = { p->old_keylen > 0, p->old_key_until_ms };
	int rc;

	ttt_status_fill(&s->track, &p->cfg, p->ifname, &key, s->pid, &s->ended, &s->current,
	    ttt_mono_ns(), ttt_wall_ns());
	rc = ttt_status_write_json(path, &s->track.st, buf, sizeof(buf));
	if (rc == 0) {
		path = p->cfg.metrics_file;
		rc = ttt_status_write_prom(path, &s->track.st, buf, sizeof(buf));
	}
	if (rc != 0 && rc != s->status_err)
		log_err("writing %s: %s", path, strerror(-rc));
	s->status_err = rc;
	return rc;
}

static void
on_timer(struct supervisor *s, enum ttt_timer id)
{
	int64_t now = ttt_mono_ns();
	int rc;

	switch (id) {
	case TTT_TIMER_RESPAWN:
		if (s->pid == 0 && (rc = spawn(s)) != 0) {
			log_err("starting a worker: %s", strerror(-rc));
			schedule_respawn(s);
		}
		break;
	case TTT_TIMER_STATS_LOG:
		request_stats(s, 1);
		ttt_timers_arm(&s->timers, id,
		    now + (int64_t)s->p->cfg.stats_interval * TTT_NSEC_PER_SEC);
		break;
	case TTT_TIMER_STATS_POLL:
		request_stats(s, 0);
		ttt_timers_arm(&s->timers, id, now + TTT_STATS_POLL_MS * TTT_NSEC_PER_MSEC);
		break;
	case TTT_TIMER_STATS_ANSWER:
		/* Alive but deaf or mute: it holds the tunnel and answers nobody. */
		if (s->pid > 0 && s->chan.fd >= 0 && s->chan.asked)
			drop_worker(s, "stopped answering");
		break;
	case TTT_TIMER_STATUS_WRITE:
		(void)write_status(s);
		ttt_timers_arm(&s->timers, id, now + TTT_STATUS_WRITE_MS * TTT_NSEC_PER_MSEC);
		break;
	case TTT_TIMER_PEER_WATCH:
		ttt_resolver_tick(&s->res, s->p, &s->timers, s->track.last_rx_ns, now);
		break;
	default:
		break;	/* the worker's timers are never armed here */
	}
}

/* The timers at start-up (timers.h): a worker now, counters every second,
 * and logged every --stats-interval seconds when asked. */
static void
arm_timers(struct supervisor *s)
{
	int64_t now = ttt_mono_ns();

	ttt_timers_init(&s->timers);
	ttt_timers_arm(&s->timers, TTT_TIMER_RESPAWN, now);
	ttt_timers_arm(&s->timers, TTT_TIMER_STATS_POLL,
	    now + TTT_STATS_POLL_MS * TTT_NSEC_PER_MSEC);
	if (s->p->cfg.stats_interval > 0)
		ttt_timers_arm(&s->timers, TTT_TIMER_STATS_LOG,
		    now + (int64_t)s->p->cfg.stats_interval * TTT_NSEC_PER_SEC);
	/* Half a period after each poll: each write carries that poll's answer. */
	if (s->p->cfg.status_file[0] != '\0' || s->p->cfg.metrics_file[0] != '\0')
		ttt_timers_arm(&s->timers, TTT_TIMER_STATUS_WRITE,
		    now + (TTT_STATS_POLL_MS + TTT_STATUS_WRITE_MS / 2) * TTT_NSEC_PER_MSEC);
	ttt_resolver_init(&s->res, &s->p->cfg, &s->timers, now);
}

int
ttt_parent_run(struct ttt_parent *p)
{
	struct supervisor s = {
		.p = p, .chan = { .fd = -1 },
	};
	int rc;

	ttt_ratelimit_init(&s.rl, TTT_WORKER_LOG_PER_SEC, TTT_WORKER_LOG_BURST);
	s.sigfd = open_signals();
	if (s.sigfd < 0) {
		log_err("signalfd: %s", strerror(-s.sigfd));
		return EX_OSERR;
	}
	ttt_status_track_init(&s.track, ttt_mono_ns());
	ttt_respawn_first(&p->cfg, p->stamps, ttt_wall_ns());
	log_info("refusing frames stamped before start + %lld ms", (long long)p->cfg.window_ms);
	/* A path we cannot write is a set-up error, reported now, not each second. */
	if ((rc = write_status(&s)) != 0) {
		(void)close(s.sigfd);
		return EX_CANTCREAT;
	}
	arm_timers(&s);
	for (;;) {
		enum ttt_timer id;
		struct pollfd pfd[POLL_N] = {
			[POLL_SIG] = { .fd = s.sigfd, .events = POLLIN },
			[POLL_WORKER] = { .fd = s.chan.fd, .events = POLLIN },
			[POLL_LOOKUP] = { .fd = s.res.fd, .events = POLLIN },
		};

		if (poll(pfd, POLL_N, ttt_timers_poll_ms(&s.timers, ttt_mono_ns())) < 0 &&
		    errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			break;
		}
		if ((pfd[POLL_SIG].revents & POLLIN) && read_signal(&s))
			break;
		if (s.chan.fd >= 0 && (pfd[POLL_WORKER].revents & (POLLIN | POLLHUP | POLLERR)))
			read_worker(&s);
		if (pfd[POLL_LOOKUP].revents != 0 && ttt_resolver_read(&s.res, p))
			(void)send_worker(&s, TTT_IPC_SET_PEER, &p->cfg.run.peer, sizeof(p->cfg.run.peer));
		while ((id = ttt_timers_take(&s.timers, ttt_mono_ns())) != TTT_TIMER_N)
			on_timer(&s, id);
	}
	stop_worker(&s);
	ttt_resolver_stop(&s.res);
	(void)close(s.sigfd);
	/* Figures of a stopped daemon would mislead whoever reads them. */
	if (p->cfg.status_file[0] != '\0')
		(void)unlink(p->cfg.status_file);
	if (p->cfg.metrics_file[0] != '\0')
		(void)unlink(p->cfg.metrics_file);
	return 0;
}

/*
 * Resolving a silent peer's name again (see resolve.h).
 */
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <signal.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "channel.h"
#include "clock.h"
#include "ipc.h"
#include "log.h"
#include "parent_sandbox.h"
#include "resolve.h"

/* The child's end of the channel, once everything else is closed. */
#define LOOKUP_CHILD_FD 3

/* ---- the decision ---- */

void
ttt_peer_watch_init(struct ttt_peer_watch *w, int64_t timeout_ns, int64_t now_ns)
{
	memset(w, 0, sizeof(*w));
	w->timeout_ns = timeout_ns;
	w->heard_ns = now_ns;	/* a peer never heard from is silent from our start */
}

enum ttt_watch_act
ttt_peer_watch_tick(struct ttt_peer_watch *w, int64_t last_rx_ns, int64_t now_ns)
{
	if (last_rx_ns > w->heard_ns) {
		w->heard_ns = last_rx_ns;
		if (!w->silent)
			return TTT_WATCH_NONE;
		w->silent = 0;
		return TTT_WATCH_BACK;
	}
	if (!w->silent) {
		if (now_ns - w->heard_ns < w->timeout_ns)
			return TTT_WATCH_NONE;
		w->silent = 1;
		w->next_ns = now_ns + w->timeout_ns;
		return TTT_WATCH_SILENT;
	}
	/* Every timeout, not in a loop: a name that stays put costs one
	 * look-up a period, whatever the tick rate. */
	if (now_ns < w->next_ns)
		return TTT_WATCH_NONE;
	w->next_ns = now_ns + w->timeout_ns;
	return TTT_WATCH_LOOKUP;
}

enum ttt_lookup_verdict
ttt_lookup_judge(const struct ttt_config *cfg, const struct ttt_lookup_result *res,
    struct ttt_ipc_peer *out)
{
	struct ttt_addr a, cur;

	if (res->status < 0 || res->status >= TTT_ADDR_NSTATUS)
		return TTT_LOOKUP_BAD;
	if (res->status != TTT_ADDR_OK)
		return TTT_LOOKUP_FAILED;
	/* The socket can send to nothing else; an IPv4 address has no scope. */
	if (res->peer.family != cfg->run.sock_family ||
	    (res->peer.family == AF_INET && res->peer.scope_id != 0) ||
	    ttt_ipc_peer_to_addr(&res->peer, &a) != 0)
		return TTT_LOOKUP_BAD;
	if ((cfg->run.flags & TTT_CONFIG_HAVE_PEER) &&
	    ttt_ipc_peer_to_addr(&cfg->run.peer, &cur) == 0 && ttt_addr_equal(&a, &cur))
		return TTT_LOOKUP_SAME;
	ttt_ipc_peer_from_addr(&a, out);
	return TTT_LOOKUP_MOVED;
}

/* ---- the look-up child ---- */

/*
 * getaddrinfo parses what a name server sent: run it with nothing worth
 * taking. The keys are wiped from this copy of the parent's memory, every
 * descriptor but the answer's is closed, and the child becomes the
 * worker's user (never root: main.c checks) with no capabilities left.
 */
static int
shed(struct ttt_parent *p, int fd)
{
	uid_t uid = p->cfg.run.uid;
	gid_t gid = p->cfg.run.gid;

	explicit_bzero(p->key, sizeof(p->key));
	explicit_bzero(p->old_key, sizeof(p->old_key));
	if (dup2(fd, LOOKUP_CHILD_FD) < 0 || close_range(LOOKUP_CHILD_FD + 1, ~0U, 0) != 0)
		return -1;
	if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0)
		return -1;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

__attribute__((noreturn)) static void
lookup_child(struct ttt_parent *p, int fd)
{
	struct ttt_lookup_result res;
	struct ttt_addr a;
	int gai = 0;

	memset(&res, 0, sizeof(res));
	if (shed(p, fd) != 0)
		_exit(EX_OSERR);
	res.status = ttt_addr_resolve_peer(p->cfg.peer, (int)p->cfg.run.sock_family, &a, &gai);
	res.gai = gai;
	if (res.status == TTT_ADDR_OK)
		ttt_ipc_peer_from_addr(&a, &res.peer);
	if (write(LOOKUP_CHILD_FD, &res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(EX_IOERR);
	_exit(0);
}

static void
start_lookup(struct ttt_resolver *r, struct ttt_parent *p, int64_t now_ns)
{
	int ours, theirs, rc;
	pid_t pid;

	/* One at a time: a slow name server gets no second child. */
	if (r->pid > 0 || r->fd >= 0)
		return;
	if ((rc = ttt_channel_pair(&ours, &theirs)) != 0) {
		log_err("looking up %s: %s", p->cfg.peer, strerror(-rc));
		return;
	}
	pid = fork();
	if (pid == 0) {
		(void)close(ours);
		lookup_child(p, theirs);
	}
	(void)close(theirs);
	if (pid < 0) {
		log_err("looking up %s: fork: %s", p->cfg.peer, strerror(errno));
		(void)close(ours);
		return;
	}
	r->pid = pid;
	/* The pidfd: our only way to stop it. */
	if ((rc = ttt_pidfd_pin(pid, TTT_LOOKUP_PIDFD_FD)) != 0)
		log_err("pidfd of look-up %ld: %s", (long)pid, strerror(-rc));
	r->fd = ours;
	r->deadline_ns = now_ns + (int64_t)TTT_LOOKUP_MAX_MS * TTT_NSEC_PER_MSEC;
	log_debug("looking up %s again (process %ld)", p->cfg.peer, (long)pid);
}

/* ---- the parent's side ---- */

void
ttt_resolver_init(struct ttt_resolver *r, const struct ttt_config *cfg, struct ttt_timers *t,
    int64_t now_ns)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->on = ttt_config_resolves_peer(cfg);
	if (!r->on) {
		if (cfg->peer_timeout > 0)
			log_warn("--peer-timeout does nothing here: %s", cfg->peer[0] == '\0' ?
			    "the peer is learnt from traffic" : "the peer is an address, not a name");
		return;
	}
	/* The first worker takes no frame for a window (respawn.h): the peer
	 * can be heard from then on, so its silence counts from then. */
	ttt_peer_watch_init(&r->watch, cfg->peer_timeout * TTT_NSEC_PER_SEC,
	    now_ns + cfg->window_ms * TTT_NSEC_PER_MSEC);
	/* Half a period after each stats poll (parent.h): each tick judges
	 * that poll's answer, not the one before. */
	ttt_timers_arm(t, TTT_TIMER_PEER_WATCH,
	    now_ns + (TTT_STATS_POLL_MS + TTT_PEER_WATCH_MS / 2) * TTT_NSEC_PER_MSEC);
}

void
ttt_resolver_tick(struct ttt_resolver *r, struct ttt_parent *p, struct ttt_timers *t,
    int64_t last_rx_ns, int64_t now_ns)
{
	long long quiet_s = (now_ns - r->watch.heard_ns) / TTT_NSEC_PER_SEC;

	if (!r->on)
		return;
	ttt_timers_arm(t, TTT_TIMER_PEER_WATCH, now_ns + TTT_PEER_WATCH_MS * TTT_NSEC_PER_MSEC);
	/* Its answer, if any, still comes through r->fd; then end of file. */
	if (r->pid > 0 && now_ns >= r->deadline_ns) {
		log_warn("looking up %s took over %d s; stopped it", p->cfg.peer,
		    TTT_LOOKUP_MAX_MS / 1000);
		(void)ttt_pidfd_signal(TTT_LOOKUP_PIDFD_FD, SIGKILL);
		r->deadline_ns = INT64_MAX;
	}
	switch (ttt_peer_watch_tick(&r->watch, last_rx_ns, now_ns)) {
	case TTT_WATCH_SILENT:
		log_warn("peer %s silent for %lld s; resolving its name again every %lld s "
		    "until it answers", p->cfg.peer, quiet_s, (long long)p->cfg.peer_timeout);
		start_lookup(r, p, now_ns);
		break;
	case TTT_WATCH_LOOKUP:
		start_lookup(r, p, now_ns);
		break;
	case TTT_WATCH_BACK:
		log_info("peer %s back", p->cfg.peer);
		break;
	default:
		break;
	}
}

/* Say what a look-up gave; 1 when p->cfg.run.peer changed. */
static int
take_answer(struct ttt_resolver *r, struct ttt_parent *p, const struct ttt_lookup_result *res)
{
	struct ttt_ipc_peer moved;
	struct ttt_addr a;
	char from[TTT_ADDR_STR_MAX] = "none", to[TTT_ADDR_STR_MAX];
	enum ttt_lookup_verdict v = ttt_lookup_judge(&p->cfg, res, &moved);

	if (v == TTT_LOOKUP_FAILED || v == TTT_LOOKUP_BAD) {
		/* Once until a look-up works again: a dead name server is one line. */
		if (!r->failed)
			log_warn("looking up %s again: %s%s%s; keeping the address it had",
			    p->cfg.peer, v == TTT_LOOKUP_BAD ? "an impossible answer" :
			    ttt_addr_strerror((enum ttt_addr_status)res->status),
			    res->status == TTT_ADDR_RESOLVE ? ": " : "",
			    res->status == TTT_ADDR_RESOLVE ? gai_strerror(res->gai) : "");
		r->failed = 1;
		return 0;
	}
	r->failed = 0;
	if (v == TTT_LOOKUP_SAME)
		return 0;
	if ((p->cfg.run.flags & TTT_CONFIG_HAVE_PEER) &&
	    ttt_ipc_peer_to_addr(&p->cfg.run.peer, &a) == 0)
		ttt_addr_format(&a, from, sizeof(from));
	p->cfg.run.peer = moved;
	p->cfg.run.flags |= TTT_CONFIG_HAVE_PEER;
	(void)ttt_ipc_peer_to_addr(&moved, &a);
	ttt_addr_format(&a, to, sizeof(to));
	log_info("peer %s moved from %s to %s", p->cfg.peer, from, to);
	return 1;
}

int
ttt_resolver_read(struct ttt_resolver *r, struct ttt_parent *p)
{
	struct ttt_lookup_result res;
	ssize_t n;

	if (r->fd < 0)
		return 0;
	/* One record or nothing: the child writes it whole, then exits. */
	n = read(r->fd, &res, sizeof(res));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	(void)close(r->fd);
	r->fd = -1;
	if (n != (ssize_t)sizeof(res)) {
		/* It died or was stopped: a failure like any, said once. */
		if (!r->failed)
			log_warn("looking up %s again: no answer", p->cfg.peer);
		r->failed = 1;
		return 0;
	}
	return take_answer(r, p, &res);
}

void
ttt_resolver_reaped(struct ttt_resolver *r, pid_t pid)
{
	if (pid > 0 && pid == r->pid)
		r->pid = 0;
}

void
ttt_resolver_stop(struct ttt_resolver *r)
{
	if (r->pid > 0)
		(void)ttt_pidfd_signal(TTT_LOOKUP_PIDFD_FD, SIGKILL);
	r->pid = 0;
	if (r->fd >= 0)
		(void)close(r->fd);
	r->fd = -1;
}

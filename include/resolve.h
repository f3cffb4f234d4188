/*
 * --peer-timeout: a peer given by host name that has sent nothing
 * authenticated for that many seconds has its name resolved again, and
 * again every as many seconds while it stays silent; a new address goes to
 * the worker (TTT_IPC_SET_PEER), which then sends to and accepts only it.
 *
 * The parent decides and the parent looks up; the worker never touches
 * DNS. Silence is the parent's own view: the newest "last authenticated
 * frame" any worker reported (the stats poll, each second), or the
 * parent's start. The decision is pure (ttt_peer_watch_tick); the look-up
 * runs in a short-lived child, forked from the parent, that drops to the
 * worker's user with no capabilities and wipes its copy of the keys
 * before calling getaddrinfo, answers with one fixed-size record on a
 * socketpair and exits. The parent never waits for it: it polls the other
 * end with its signals and its worker, and kills a child that takes longer
 * than TTT_LOOKUP_MAX_MS. At most one look-up runs at a time.
 *
 * The child inherits the parent's sandbox: its seccomp filter must let
 * getaddrinfo through when ttt_config_resolves_peer (config.h) is true.
 *
 * Logged once each: "peer ... silent for N s", "peer ... back", and every
 * change of the peer's address.
 */
#ifndef TTT_RESOLVE_H
#define TTT_RESOLVE_H

#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "config.h"
#include "parent.h"
#include "timers.h"

/* glibc's resolver gives up after 5 s a server and try, two tries: 30 s
 * covers three servers; a look-up still running then is stopped. */
#define TTT_LOOKUP_MAX_MS   30000
#define TTT_PEER_WATCH_MS   1000	/* as often as the stats poll learns anything */

/* ---- the decision: pure ---- */

enum ttt_watch_act {
	TTT_WATCH_NONE = 0,
	TTT_WATCH_SILENT,	/* silent for the timeout just now: say so, look up */
	TTT_WATCH_LOOKUP,	/* still silent, another timeout passed: look up again */
	TTT_WATCH_BACK,		/* a frame arrived after a silence: say so */
};

struct ttt_peer_watch {
	int64_t timeout_ns;	/* --peer-timeout */
	int64_t heard_ns;	/* monotonic: the newest authenticated frame, or the start */
	int64_t next_ns;	/* while silent: the next look-up */
	int silent;
};

void ttt_peer_watch_init(struct ttt_peer_watch *w, int64_t timeout_ns, int64_t now_ns);

/*
 * last_rx_ns: the newest authenticated frame any worker reported (0: none
 * yet). Pure: the clock is an argument. Each silence gives one SILENT, then
 * a LOOKUP every timeout while it lasts, then one BACK.
 */
enum ttt_watch_act ttt_peer_watch_tick(struct ttt_peer_watch *w, int64_t last_rx_ns,
    int64_t now_ns);

/* What the look-up child sends back: one record, this size exactly. */
struct ttt_lookup_result {
	int32_t status;		/* enum ttt_addr_status */
	int32_t gai;		/* getaddrinfo's code with TTT_ADDR_RESOLVE */
	struct ttt_ipc_peer peer;	/* with TTT_ADDR_OK */
};

enum ttt_lookup_verdict {
	TTT_LOOKUP_SAME = 0,	/* the name still resolves to the current peer */
	TTT_LOOKUP_MOVED,	/* to *out, a valid address of the socket's family */
	TTT_LOOKUP_FAILED,	/* the look-up failed: keep the current peer */
	TTT_LOOKUP_BAD,		/* the child said something impossible: ignored */
};

/*
 * Judge a child's answer against the configuration: its status a known
 * one, an address of the socket's family that converts to a socket
 * address. The child parsed what the network sent, so its word is checked
 * like a worker's. Pure.
 */
enum ttt_lookup_verdict ttt_lookup_judge(const struct ttt_config *cfg,
    const struct ttt_lookup_result *res, struct ttt_ipc_peer *out);

/* ---- the process side: the parent's ---- */

struct ttt_resolver {
	int on;			/* ttt_config_resolves_peer */
	struct ttt_peer_watch watch;
	pid_t pid;		/* the look-up child, or 0 */
	int fd;			/* our end of its channel, or -1: poll it */
	int64_t deadline_ns;	/* the child is killed after this */
	int failed;		/* the last look-up failed (logged once until one works) */
};

/* Off unless ttt_config_resolves_peer; else arms TTT_TIMER_PEER_WATCH. */
void ttt_resolver_init(struct ttt_resolver *r, const struct ttt_config *cfg,
    struct ttt_timers *t, int64_t now_ns);

/* TTT_TIMER_PEER_WATCH: judge the silence, start a look-up when due, stop
 * an overdue one; re-arms the timer. */
void ttt_resolver_tick(struct ttt_resolver *r, struct ttt_parent *p, struct ttt_timers *t,
    int64_t last_rx_ns, int64_t now_ns);

/*
 * r->fd is readable: take the child's answer. Returns 1 when the peer moved:
 * p->cfg.run.peer holds the new address (so later workers start with it),
 * logged, for the caller to send to the worker.
 */
int ttt_resolver_read(struct ttt_resolver *r, struct ttt_parent *p);

/* A child the parent reaped: if it is ours, it is gone. */
void ttt_resolver_reaped(struct ttt_resolver *r, pid_t pid);

/* At exit: stop a running look-up. */
void ttt_resolver_stop(struct ttt_resolver *r);

#endif

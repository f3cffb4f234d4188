/*
 * Seccomp policies, as tables: one line a syscall, with the reason it is
 * there. Default action for both: kill the whole process (SIGSYS), so a
 * compromised process cannot probe the filter and carry on.
 */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/futex.h>
#include <sys/socket.h>
#include <seccomp.h>

#include "parent_sandbox.h"
#include "seccomp_policy.h"
#include "worker.h"

struct rule {
	int nr;
	const char *why;
};

#define ALLOW(name, why) { SCMP_SYS(name), why }
#define NRULES(t) (sizeof(t) / sizeof((t)[0]))

/* Worker: syscalls allowed on any argument. Pointers cannot be checked. */
static const struct rule worker_any[] = {
	/* waiting */
	ALLOW(poll, "wait for the tap or the parent"),
	ALLOW(ppoll, "glibc may implement poll() with it"),
	/* time */
	ALLOW(clock_gettime, "freshness; the vDSO falls back to it on some clocks"),
	/* leaving */
	ALLOW(exit, "a thread ends"),
	ALLOW(exit_group, "the worker ends"),
	ALLOW(restart_syscall, "an interrupted wait resumes"),
};

/* Worker: syscalls allowed on one descriptor each (argument 0). */
struct fd_rule {
	int nr;
	int which;	/* 0 tap, 1 udp, 2 ipc */
	const char *why;
};
enum { FD_TAP, FD_UDP, FD_IPC };
#define ON_FD(name, which, why) { SCMP_SYS(name), which, why }

static const struct fd_rule worker_fd[] = {
	ON_FD(read, FD_TAP, "frames from the tap"),
	ON_FD(write, FD_TAP, "frames to the tap"),
	ON_FD(recvmmsg, FD_UDP, "datagrams from the underlay, in batches"),
	ON_FD(sendmmsg, FD_UDP, "datagrams to the peer, in batches"),
	ON_FD(recvmsg, FD_IPC, "requests and keys from the parent"),
	ON_FD(sendmsg, FD_IPC, "logs, counters and the peer's address to the parent"),
};

/* The descriptor of queue k a rule names; the channel has no queue. */
static int
fd_of(const struct ttt_worker_fds *fds, int which, unsigned k)
{
	return which == FD_TAP ? fds->tap[k] : which == FD_UDP ? fds->udp[k] : fds->ipc;
}

/* One rule a queue for a tap or socket call; the channel's once. Nothing
 * else widens with --queues: the same calls, on the extra queues' own
 * descriptors only. */
static int
add_worker_fd_rules(scmp_filter_ctx ctx, const struct ttt_worker_fds *fds)
{
	int rc = 0;

	if (fds->nqueues < 1 || fds->nqueues > TTT_QUEUES_MAX)
		return -EINVAL;
	for (size_t i = 0; rc == 0 && i < NRULES(worker_fd); i++) {
		unsigned n = worker_fd[i].which == FD_IPC ? 1 : fds->nqueues;

		for (unsigned k = 0; rc == 0 && k < n; k++) {
			struct scmp_arg_cmp on_fd = {
				.arg = 0, .op = SCMP_CMP_EQ,
				.datum_a = (scmp_datum_t)fd_of(fds, worker_fd[i].which, k),
				.datum_b = 0,
			};

			rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, worker_fd[i].nr, 1,
			    &on_fd);
		}
	}
	return rc;
}

/*
 * Worker: futex only for what glibc's mutexes and barriers do, wait and wake
 * (private or not, either clock); not the PI, requeue and wake-op
 * operations, long the kernel's richest attack surface from a sandbox.
 */
static const int worker_futex_ops[] = {
	FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET,
};

/* The operation without its flags. The kernel reads it as an int: the
 * upper 32 bits of the argument are no part of it. */
#define FUTEX_OP_MASK \
	(UINT32_C(0xffffffff) & ~(uint32_t)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))

static int
add_worker_futex(scmp_filter_ctx ctx)
{
	for (size_t i = 0; i < NRULES(worker_futex_ops); i++) {
		struct scmp_arg_cmp op = {
			.arg = 1, .op = SCMP_CMP_MASKED_EQ,
			.datum_a = FUTEX_OP_MASK, .datum_b = (scmp_datum_t)worker_futex_ops[i],
		};
		int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(futex), 1, &op);

		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
add_rules(scmp_filter_ctx ctx, const struct rule *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, r[i].nr, 0);

		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * The worker's data-path calls. The worker's filter checks their
 * descriptor, so the kernel's cache of always-allowed calls cannot skip
 * the filters for them: each frame runs both programs, the parent's
 * (inherited) and the worker's. Placed first in each (a priority; the
 * rules are unchanged), they are found after a few comparisons instead of
 * a walk down the list: 200 BPF instructions a round trip instead of 500.
 */
static const int hot_calls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(recvmmsg), SCMP_SYS(sendmmsg),
};

static int
prefer_hot_calls(scmp_filter_ctx ctx)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < NRULES(hot_calls); i++)
		rc = seccomp_syscall_priority(ctx, hot_calls[i], (uint8_t)(UINT8_MAX - i));
	return rc;
}

/*
 * A forwarding thread switches itself between SCHED_BATCH (sparse traffic:
 * a wake-up must not preempt its sender) and SCHED_OTHER (busy: it must
 * keep up), schedpol.h. In both filters, the parent's being inherited.
 * Only those two policies, only on the calling thread (pid 0): no
 * real-time policy, no priority, no other task.
 */
static const int own_policies[] = { SCHED_OTHER, SCHED_BATCH };

static int
allow_own_policy(scmp_filter_ctx ctx)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < NRULES(own_policies); i++) {
		struct scmp_arg_cmp own[] = {
			{ .arg = 0, .op = SCMP_CMP_EQ, .datum_a = 0, .datum_b = 0 },
			{ .arg = 1, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)own_policies[i],
			    .datum_b = 0 },
		};

		rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sched_setscheduler),
		    2, own);
	}
	return rc;
}

int
ttt_seccomp_worker(const struct ttt_worker_fds *fds)
{
	scmp_filter_ctx ctx;
	int rc;

	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL)
		return -ENOMEM;
	/* Every thread, including the forwarding threads already started. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	/* Another architecture's numbers (x32, i386) end the process, not a thread. */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc == 0)
		rc = add_rules(ctx, worker_any, NRULES(worker_any));
	if (rc == 0)
		rc = add_worker_futex(ctx);
	if (rc == 0)
		rc = allow_own_policy(ctx);
	if (rc == 0)
		rc = add_worker_fd_rules(ctx, fds);
	if (rc == 0)
		rc = prefer_hot_calls(ctx);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}

/*
 * Parent: supervising, and everything a worker does, since a worker, forked
 * and re-executed, inherits this filter (it survives exec) and stacks its
 * own on top (the narrower one wins). Plain execve is not here: only
 * execveat of the worker's image, below ttt_seccomp_parent's table. The list
 * is what strace -f showed the parent and its workers using after the
 * filter (start, SIGHUP, SIGUSR1, status files, kill -9 and respawn,
 * SIGTERM; syslog in test_syslog.sh); the few kept unseen say why.
 */
static const struct rule parent_any[] = {
	/* supervising */
	ALLOW(poll, "wait for signals and worker messages"),
	ALLOW(ppoll, "unseen (glibc polls with poll); the worker's table has it"),
	ALLOW(read, "signalfd, the key file on SIGHUP"),
	ALLOW(write, "log lines to stderr"),
	ALLOW(writev, "unseen in the trace; glibc's stdio may write a line in two parts"),
	ALLOW(recvmsg, "worker messages"),
	ALLOW(sendmsg, "key, configuration and descriptors to a new worker"),
	ALLOW(sendto, "syslog (the socket itself is limited below)"),
	ALLOW(connect, "syslog reconnects to /dev/log (the socket is limited below)"),
	ALLOW(clone, "fork a new worker"),
	ALLOW(clone3, "the worker starts its threads"),
	ALLOW(wait4, "reap a worker and learn why it died"),
	ALLOW(close, "descriptors of a dead worker"),
	ALLOW(close_range, "a new worker closes what it must not hold"),
	ALLOW(dup2, "a new worker puts its descriptors at fixed numbers"),
	ALLOW(dup3, "glibc may implement dup2() with it"),
	ALLOW(fcntl, "descriptor flags; a new worker copies its descriptors out of the way"),
	ALLOW(newfstatat, "check the key file's mode; strftime's tzset checks /etc/localtime"),
	ALLOW(lseek, "without Landlock, tzset reads /etc/localtime through stdio"),
	ALLOW(geteuid, "check the key file's owner"),
	ALLOW(unlink, "remove the pid file at exit; a stale status temporary file"),
	ALLOW(rename, "replace the status and metrics files atomically"),
	ALLOW(fchmod, "the status and metrics files are 0644 whatever the umask"),
	ALLOW(getrandom, "a new worker's replay seed"),
	ALLOW(getpid, "log lines"),
	ALLOW(gettid, "glibc"),
	ALLOW(rt_sigaction, "signal handling"),
	ALLOW(rt_sigprocmask, "signals are read through a signalfd"),
	ALLOW(rt_sigreturn, "unseen: no handler runs (a signalfd reads them); harmless"),
	ALLOW(signalfd4, "signals as readable events"),
	ALLOW(clock_gettime, "time stamps, back-off"),
	ALLOW(pidfd_open, "a new worker's pidfd, the one process we signal"),
	ALLOW(restart_syscall, "unseen: an interrupted wait resumes"),
	ALLOW(exit_group, "exit"),
	ALLOW(exit, "unseen: a worker's thread ends"),
	/* memory */
	ALLOW(brk, "malloc in libseccomp and libcap-ng"),
	ALLOW(mmap, "malloc; thread stacks"),
	ALLOW(munmap, "free"),
	ALLOW(mprotect, "thread stack guard pages; ld.so: RELRO"),
	ALLOW(madvise, "unseen: glibc's free may return memory"),
	ALLOW(futex, "locks in glibc"),
	ALLOW(set_robust_list, "a new thread"),
	ALLOW(rseq, "a new thread"),
	/* a new worker's static image starting (no ld.so, no library), found
	 * with strace -f */
	ALLOW(arch_prctl, "libc start-up: set the thread pointer (ARCH_SET_FS)"),
	ALLOW(set_tid_address, "libc start-up: the main thread's clear-tid address"),
	ALLOW(readlink, "static libc start-up: /proc/self/exe, for dlopen's $ORIGIN"),
	/* what a new worker does to drop its privileges (privdrop.c) */
	ALLOW(chroot, "worker: into the empty directory"),
	ALLOW(chdir, "worker: to the new root"),
	ALLOW(capget, "worker: read capabilities"),
	ALLOW(capset, "worker: clear capabilities"),
	ALLOW(prctl, "worker: bounding set, no_new_privs, dumpable, pdeathsig"),
	ALLOW(setgroups, "worker: no supplementary groups"),
	ALLOW(setresgid, "worker: its group"),
	ALLOW(setresuid, "worker: its user"),
	ALLOW(getresuid, "worker: check the drop"),
	ALLOW(getresgid, "worker: check the drop"),
	ALLOW(getgroups, "worker: check the drop"),
	ALLOW(prlimit64, "worker: resource limits (glibc's setrlimit)"),
	ALLOW(seccomp, "worker: its own, narrower filter"),
	/* filters stack: the worker's data path must pass this one too */
	ALLOW(recvmmsg, "worker: datagrams from the underlay"),
	ALLOW(sendmmsg, "worker: datagrams to the peer"),
};

/*
 * With --peer-timeout and a peer name only (ttt_config_resolves_peer, via
 * ttt_parent_needs_resolver): what getaddrinfo does in the look-up child
 * (resolve.c), which inherits this filter. Found with strace -f on a
 * look-up through /etc/hosts and one through a name server (glibc 2.36+).
 * Without it, uname is refused (EPERM) rather than fatal, so a look-up
 * fails instead of killing the parent.
 */
static const struct rule parent_resolver[] = {
	ALLOW(bind, "getaddrinfo: a netlink socket lists our addresses, to sort results"),
	ALLOW(getsockname, "getaddrinfo: the source address towards each result, to sort"),
	ALLOW(setsockopt, "the resolver: IP_RECVERR on its socket"),
	ALLOW(recvfrom, "the resolver: a name server's answer"),
	ALLOW(uname, "the resolver: the host's name, for the search list"),
};

/* ---- the parent's arguments: sockets, signals, opens ---- */

#define REFUSE SCMP_ACT_ERRNO(EPERM)
/* One comparison, every field named (clang: SCMP_A0 leaves datum_b out). */
#define ARG(n, o, a, b) \
	((struct scmp_arg_cmp){ .arg = (n), .op = (o), .datum_a = (a), .datum_b = (b) })
#define SOCK_FLAGS ((scmp_datum_t)(SOCK_CLOEXEC | SOCK_NONBLOCK))
/* Open flags that write or create: Landlock's business when it is there. */
#define OPEN_WRITES ((scmp_datum_t)(O_WRONLY | O_RDWR | O_CREAT | O_TRUNC))

/*
 * socket(family, type): what the parent may still open, by use. Every other
 * pair of these families and types is refused with EPERM (glibc's nscd
 * client then falls back to plain lookups); any other family or type kills.
 */
static int
socket_allowed(const struct ttt_parent_policy *pol, int family, int type)
{
	if (family == AF_UNIX && type == SOCK_DGRAM)
		return pol->syslog;	/* /dev/log; systemd's and D-Bus's sockets are streams */
	if ((family == AF_INET || family == AF_INET6) &&
	    (type == SOCK_DGRAM || type == SOCK_STREAM))
		return pol->needs_resolver;	/* DNS, over UDP and, for long answers, TCP */
	if (family == AF_NETLINK && type == SOCK_RAW)
		return pol->needs_resolver;	/* getaddrinfo's AI_ADDRCONFIG asks the kernel */
	return 0;
}

static int
parent_sockets(scmp_filter_ctx ctx, const struct ttt_parent_policy *pol)
{
	static const int families[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET };
	int rc = 0;

	for (size_t f = 0; rc == 0 && f < NRULES(families); f++) {
		for (size_t t = 0; rc == 0 && t < NRULES(types); t++) {
			struct scmp_arg_cmp c[] = {
				ARG(0, SCMP_CMP_EQ, (scmp_datum_t)families[f], 0),
				ARG(1, SCMP_CMP_MASKED_EQ, ~SOCK_FLAGS, (scmp_datum_t)types[t]),
			};

			uint32_t act = socket_allowed(pol, families[f], types[t]) ?
			    SCMP_ACT_ALLOW : REFUSE;

			rc = seccomp_rule_add_array(ctx, act, SCMP_SYS(socket), 2, c);
		}
	}
	/* A channel to each new worker: an already connected pair, nothing else. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 1,
		    ARG(0, SCMP_CMP_EQ, AF_UNIX, 0));
	return rc;
}

/* Signals reach the worker and the look-up child only, through their
 * pidfds at the reserved numbers (consecutive: the rest is below or above). */
static int
parent_signals(scmp_filter_ctx ctx)
{
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(pidfd_send_signal), 1,
	    ARG(0, SCMP_CMP_EQ, TTT_PARENT_PIDFD_FD, 0));

	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(pidfd_send_signal), 1,
		    ARG(0, SCMP_CMP_EQ, TTT_LOOKUP_PIDFD_FD, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, REFUSE, SCMP_SYS(pidfd_send_signal), 1,
		    ARG(0, SCMP_CMP_LT, TTT_PARENT_PIDFD_FD, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, REFUSE, SCMP_SYS(pidfd_send_signal), 1,
		    ARG(0, SCMP_CMP_GT, TTT_LOOKUP_PIDFD_FD, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, REFUSE, SCMP_SYS(kill), 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, REFUSE, SCMP_SYS(tkill), 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, REFUSE, SCMP_SYS(tgkill), 0);
	return rc;
}

/*
 * openat: under Landlock, any (the ruleset decides). Without it, reading
 * stays allowed (the key file on SIGHUP, the resolver's files, tzset's
 * /etc/localtime); writing and creating only where the parent writes files
 * of its own.
 */
static int
parent_opens(scmp_filter_ctx ctx, const struct ttt_parent_policy *pol)
{
	static const scmp_datum_t writes[] = { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC };
	int rc;

	if (pol->landlock_abi > 0 || pol->writes_files)
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 0);
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
	    ARG(2, SCMP_CMP_MASKED_EQ, OPEN_WRITES, 0));
	for (size_t i = 0; rc == 0 && i < NRULES(writes); i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 1,
		    ARG(2, SCMP_CMP_MASKED_EQ, writes[i], writes[i]));
	return rc;
}

int
ttt_seccomp_parent(const struct ttt_parent_policy *pol)
{
	scmp_filter_ctx ctx;
	int rc;

	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL)
		return -ENOMEM;
	/* Another architecture's numbers (x32, i386) end the process, not a thread. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc == 0)
		rc = add_rules(ctx, parent_any, NRULES(parent_any));
	if (rc == 0)
		rc = pol->needs_resolver ?
		    add_rules(ctx, parent_resolver, NRULES(parent_resolver)) :
		    seccomp_rule_add(ctx, REFUSE, SCMP_SYS(uname), 0);
	if (rc == 0)
		rc = parent_sockets(ctx, pol);
	if (rc == 0)
		rc = parent_signals(ctx);
	if (rc == 0)
		rc = parent_opens(ctx, pol);
	if (rc == 0)
		rc = allow_own_policy(ctx);
	/* A new worker's forwarding thread reads its own policy, before the
	 * worker's filter (which does not allow it) is installed. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sched_getscheduler), 1,
		    (struct scmp_arg_cmp){ .arg = 0, .op = SCMP_CMP_EQ, .datum_a = 0, .datum_b = 0 });
	/* A new worker is the worker's image, by the descriptor opened and
	 * checked at start and moved to its fixed number: no path, so no other
	 * program. */
	if (rc == 0) {
		struct scmp_arg_cmp worker_image[] = {
			{ .arg = 0, .op = SCMP_CMP_EQ, .datum_a = TTT_WORKER_EXEC_FD },
			{ .arg = 4, .op = SCMP_CMP_EQ, .datum_a = AT_EMPTY_PATH },
		};

		rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(execveat), 2, worker_image);
	}
	if (rc == 0)
		rc = prefer_hot_calls(ctx);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}

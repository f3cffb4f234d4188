/*
 * Seccomp policies, as tables: one line a syscall, with the reason it is
 * there. Default action for both: kill the whole process (SIGSYS), so a
 * compromised process cannot probe the filter and carry on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/futex.h>
#include <sys/socket.h>
#include <seccomp.h>

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

static int
fd_of(const struct ttt_worker_fds *fds, int which)
{
	return which == FD_TAP ? fds->tap : which == FD_UDP ? fds->udp : fds->ipc;
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
	if (rc == 0)
		rc = add_rules(ctx, worker_any, NRULES(worker_any));
	if (rc == 0)
		rc = add_worker_futex(ctx);
	for (size_t i = 0; rc == 0 && i < NRULES(worker_fd); i++) {
		struct scmp_arg_cmp on_fd = {
			.arg = 0, .op = SCMP_CMP_EQ,
			.datum_a = (scmp_datum_t)fd_of(fds, worker_fd[i].which), .datum_b = 0,
		};

		rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, worker_fd[i].nr, 1, &on_fd);
	}
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}

/*
 * Parent: supervising, and everything a worker does, since a worker, forked
 * and re-executed, inherits this filter (it survives exec) and stacks its
 * own on top (the narrower one wins). Plain execve is not here: only
 * execveat of our own binary, below ttt_seccomp_parent's table.
 */
static const struct rule parent_any[] = {
	/* supervising */
	ALLOW(poll, "wait for signals and worker messages"),
	ALLOW(ppoll, "glibc may implement poll() with it"),
	ALLOW(read, "signalfd, the key file on SIGHUP"),
	ALLOW(write, "log lines to stderr"),
	ALLOW(writev, "glibc's stdio may write lines in two parts"),
	ALLOW(recvmsg, "worker messages"),
	ALLOW(sendmsg, "key, configuration and descriptors to a new worker"),
	ALLOW(sendto, "syslog"),
	ALLOW(connect, "syslog reconnects to /dev/log"),
	ALLOW(socketpair, "a channel to each new worker"),
	ALLOW(clone, "fork a new worker"),
	ALLOW(clone3, "the worker starts its threads"),
	ALLOW(wait4, "reap a worker and learn why it died"),
	ALLOW(kill, "stop the worker on SIGTERM"),
	ALLOW(close, "descriptors of a dead worker"),
	ALLOW(close_range, "a new worker closes what it must not hold"),
	ALLOW(dup2, "a new worker puts its descriptors at fixed numbers"),
	ALLOW(dup3, "glibc may implement dup2() with it"),
	ALLOW(fcntl, "descriptor flags; a new worker copies its descriptors out of the way"),
	ALLOW(openat, "re-read the key file on SIGHUP; /dev/null; ld.so: the libraries"),
	ALLOW(newfstatat, "check the key file's mode"),
	ALLOW(fstat, "check the key file's mode"),
	ALLOW(geteuid, "check the key file's owner"),
	ALLOW(lseek, "stdio"),
	ALLOW(unlink, "remove the pid file at exit; a stale status temporary file"),
	ALLOW(rename, "replace the status and metrics files atomically"),
	ALLOW(fchmod, "the status and metrics files are 0644 whatever the umask"),
	ALLOW(getrandom, "a new worker's replay seed"),
	ALLOW(getpid, "log lines"),
	ALLOW(gettid, "glibc"),
	ALLOW(rt_sigaction, "signal handling"),
	ALLOW(rt_sigprocmask, "signals are read through a signalfd"),
	ALLOW(rt_sigreturn, "return from a signal handler"),
	ALLOW(signalfd4, "signals as readable events"),
	ALLOW(clock_gettime, "time stamps, back-off"),
	ALLOW(clock_nanosleep, "back-off"),
	ALLOW(nanosleep, "back-off"),
	ALLOW(restart_syscall, "an interrupted wait resumes"),
	ALLOW(exit_group, "exit"),
	ALLOW(exit, "a thread ends"),
	/* memory */
	ALLOW(brk, "malloc in libseccomp and libcap-ng"),
	ALLOW(mmap, "malloc; thread stacks"),
	ALLOW(munmap, "free"),
	ALLOW(mprotect, "thread stack guard pages; ld.so: RELRO"),
	ALLOW(madvise, "free"),
	ALLOW(futex, "locks in glibc"),
	ALLOW(set_robust_list, "a new thread"),
	ALLOW(rseq, "a new thread"),
	/* a new worker's image starting (ld.so, libc, libcap-ng), found with strace -f */
	ALLOW(access, "ld.so: is there an /etc/ld.so.preload"),
	ALLOW(pread64, "ld.so: read the shared libraries' ELF headers"),
	ALLOW(arch_prctl, "libc start-up: set the thread pointer (ARCH_SET_FS)"),
	ALLOW(set_tid_address, "libc start-up: the main thread's clear-tid address"),
	ALLOW(fstatfs, "libcap-ng start-up: check /proc/sys/kernel/cap_last_cap is procfs"),
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
	ALLOW(setrlimit, "worker: resource limits"),
	ALLOW(prlimit64, "glibc implements setrlimit() with it"),
	ALLOW(seccomp, "worker: its own, narrower filter"),
	/* filters stack: the worker's data path must pass this one too */
	ALLOW(recvmmsg, "worker: datagrams from the underlay"),
	ALLOW(sendmmsg, "worker: datagrams to the peer"),
};

/*
 * With --peer-timeout and a peer name only (ttt_config_resolves_peer): what
 * getaddrinfo does in the look-up child (resolve.c), which inherits this
 * filter. Found with strace -f on a look-up through /etc/hosts and one
 * through a name server (glibc 2.36+).
 */
static const struct rule parent_resolver[] = {
	ALLOW(bind, "getaddrinfo: a netlink socket lists our addresses, to sort results"),
	ALLOW(getsockname, "getaddrinfo: the source address towards each result, to sort"),
	ALLOW(setsockopt, "the resolver: IP_RECVERR on its socket"),
	ALLOW(recvfrom, "the resolver: a name server's answer"),
	ALLOW(uname, "the resolver: the host's name, for the search list"),
};

/* A socket of each of these families: syslog's (AF_UNIX) always; the
 * resolver's only when it runs, else no other family is ever opened again. */
static int
allow_sockets(scmp_filter_ctx ctx, int resolver)
{
	static const int family[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < (resolver ? NRULES(family) : 1); i++) {
		struct scmp_arg_cmp is = {
			.arg = 0, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)family[i], .datum_b = 0,
		};

		rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, &is);
	}
	return rc;
}

int
ttt_seccomp_parent(int resolver)
{
	scmp_filter_ctx ctx;
	int rc;

	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL)
		return -ENOMEM;
	rc = add_rules(ctx, parent_any, NRULES(parent_any));
	if (rc == 0 && resolver)
		rc = add_rules(ctx, parent_resolver, NRULES(parent_resolver));
	if (rc == 0)
		rc = allow_sockets(ctx, resolver);
	/* A new worker re-executes our own binary, by the descriptor opened at
	 * start and moved to its fixed number: no path, so no other program. */
	if (rc == 0) {
		struct scmp_arg_cmp own_binary[] = {
			{ .arg = 0, .op = SCMP_CMP_EQ, .datum_a = TTT_WORKER_EXEC_FD },
			{ .arg = 4, .op = SCMP_CMP_EQ, .datum_a = AT_EMPTY_PATH },
		};

		rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(execveat), 2, own_binary);
	}
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}

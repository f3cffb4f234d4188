/*
 * What a compromised parent can still do (SECURITY.md, "The parent"): the
 * parent's start-up hygiene, its Landlock ruleset, and the one way it
 * signals a worker. The parent's seccomp filter is in seccomp_policy.h.
 */
#ifndef TTT_PARENT_SANDBOX_H
#define TTT_PARENT_SANDBOX_H

#include <sys/types.h>

#include "config.h"
#include "worker.h"

/*
 * The current worker's pidfd sits at this number, reserved at start, so
 * the seccomp filter can allow pidfd_send_signal on it alone. Above the
 * worker's fixed numbers: a new worker's place_fds never lands on it.
 */
#define TTT_PARENT_PIDFD_FD (TTT_WORKER_EXEC_FD + 1)
/* The look-up child's (resolve.h), likewise. */
#define TTT_LOOKUP_PIDFD_FD (TTT_PARENT_PIDFD_FD + 1)

/* What the parent still needs once confined; the filter and the ruleset
 * grant exactly that. */
struct ttt_parent_policy {
	int syslog;		/* -d or --syslog: a datagram socket to /dev/log */
	int needs_resolver;	/* the parent re-resolves the peer's name (--peer-timeout) */
	int writes_files;	/* --status-file, --metrics-file or --pidfile */
	int landlock_abi;	/* 0: Landlock unavailable, seccomp alone */
};

/*
 * First thing in the daemon, before anything is opened: close every
 * inherited descriptor above 2, reserve the two pidfds' numbers, and keep the
 * key out of core files (not dumpable, RLIMIT_CORE 0). Returns 0 or -errno.
 */
int ttt_parent_early(void);

/*
 * Whether the peer's host name is resolved again after start (--peer-timeout
 * with a name, resolve.h), in a look-up child that inherits the parent's
 * sandbox: only then may it read the resolver's files and open Internet
 * sockets.
 */
int ttt_parent_needs_resolver(const struct ttt_config *cfg);

/*
 * The parent keeps only what running a worker needs: CAP_SETUID,
 * CAP_SETGID and CAP_SYS_CHROOT to start one, CAP_SETPCAP to empty its
 * bounding set, CAP_KILL to stop one that runs as another user.
 * Returns 0 or -1.
 */
int ttt_privdrop_parent(void);

/*
 * Confine the parent for good, after its capabilities are dropped:
 * no_new_privs, then Landlock (when the kernel has it: pol->landlock_abi
 * says which ABI, 0 for none), then the seccomp filter. exe is the
 * worker's image, opened at start (worker_image.h): the one file it may
 * execute. Returns 0 or -errno.
 */
int ttt_parent_confine(const struct ttt_config *cfg, int exe, struct ttt_parent_policy *pol);

/* A child's pidfd at slot (TTT_PARENT_PIDFD_FD for a new worker,
 * TTT_LOOKUP_PIDFD_FD for a look-up child). Returns 0 or -errno. */
int ttt_pidfd_pin(pid_t pid, int slot);

/* Signal the child whose pidfd is at slot: the only signal the filter
 * lets through. Returns 0 or -errno. */
int ttt_pidfd_signal(int slot, int sig);

#endif

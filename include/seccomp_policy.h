/*
 * The seccomp allowlists of the worker and of the parent.
 */
#ifndef TTT_SECCOMP_POLICY_H
#define TTT_SECCOMP_POLICY_H

#include "config.h"	/* TTT_QUEUES_MAX */

/* The worker's descriptors: a tap and a socket a queue, and the channel. */
struct ttt_worker_fds {
	int tap[TTT_QUEUES_MAX], udp[TTT_QUEUES_MAX];
	unsigned nqueues;	/* 1..TTT_QUEUES_MAX */
	int ipc;
};

/*
 * Confine every thread of the worker (TSYNC) to the forwarding loop's
 * syscalls, each allowed only on its own descriptor (a tap call on each
 * queue's tap, a socket call on each queue's socket). Anything else kills
 * the whole worker with SIGSYS. Returns 0 or -errno.
 */
int ttt_seccomp_worker(const struct ttt_worker_fds *fds);

struct ttt_parent_policy;	/* parent_sandbox.h */

/*
 * Confine the parent to supervising: relaying logs, respawning a worker
 * (whose set-up syscalls it therefore allows), re-reading the key; and,
 * with pol->needs_resolver, getaddrinfo for the look-up child (resolve.h),
 * which inherits the filter. A socket only of the kinds pol needs, a signal only to the worker's
 * pidfd (others: EPERM); without Landlock, no open for writing unless pol
 * writes files (EACCES). Anything else outside the table kills it.
 */
int ttt_seccomp_parent(const struct ttt_parent_policy *pol);

#endif

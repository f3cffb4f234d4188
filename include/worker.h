/*
 * The worker: unprivileged, confined, and the only process that touches
 * frames. Forked by the parent; receives its descriptors, key and
 * configuration over the socketpair, drops everything, then forwards
 * (datapath.h).
 */
#ifndef TTT_WORKER_H
#define TTT_WORKER_H

#include <sys/types.h>

#define TTT_WORKER_IPC_FD 3	/* the channel to the parent, after fork */

struct ttt_worker_setup {
	uid_t uid;
	gid_t gid;
	const char *chroot_dir;
};

/* Runs in the forked child, with the channel at TTT_WORKER_IPC_FD. Never returns. */
__attribute__((noreturn)) void ttt_worker_main(const struct ttt_worker_setup *s);

#endif

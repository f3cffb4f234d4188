/*
 * The worker: unprivileged, confined, and the only process that touches
 * frames. Each one is a fresh image: the parent forks, puts the descriptors
 * below at fixed numbers, and executes the worker's own static program
 * (worker_image.h, worker_main.c) with TTT_WORKER_ARG, so every worker gets
 * its own address-space layout. The key and configuration then arrive over
 * the channel; the worker drops everything and forwards (datapath.h).
 */
#ifndef TTT_WORKER_H
#define TTT_WORKER_H

#include "config.h"	/* TTT_QUEUES_MAX */

#define TTT_WORKER_ARG    "--worker-internal"	/* hidden: not in --help */

/*
 * Descriptors across the exec, at fixed numbers: the worker's seccomp rules
 * key on them. 0..2 are /dev/null.
 */
#define TTT_WORKER_IPC_FD  3	/* the channel to the parent */
#define TTT_WORKER_TAP_FD  4	/* the tap */
#define TTT_WORKER_UDP_FD  5	/* the bound UDP socket */
#define TTT_WORKER_MAX_FD  TTT_WORKER_UDP_FD	/* the highest one queue keeps */
/* The stamps page (stamps.h): mapped, then closed, before the drop. */
#define TTT_WORKER_STAMPS_FD (TTT_WORKER_MAX_FD + 1)
/*
 * --queues N: queue 0 is the tap and socket above; queue k >= 1 (a further
 * descriptor of the same multi-queue tap, and a socket of the same
 * SO_REUSEPORT group) sits after the stamps page, a tap and a socket each.
 * The numbers of queues past N stay closed.
 */
#define TTT_WORKER_QUEUE_TAP_FD(k) ((k) == 0 ? TTT_WORKER_TAP_FD : \
	TTT_WORKER_STAMPS_FD + 1 + 2 * ((k) - 1))
#define TTT_WORKER_QUEUE_UDP_FD(k) ((k) == 0 ? TTT_WORKER_UDP_FD : \
	TTT_WORKER_STAMPS_FD + 2 + 2 * ((k) - 1))
/* The highest the worker keeps with n queues: its RLIMIT_NOFILE. */
#define TTT_WORKER_MAX_FD_FOR(n) TTT_WORKER_QUEUE_UDP_FD((n) - 1)
/* The worker's image, close-on-exec: gone once execveat has used it. The
 * parent's seccomp filter allows execveat on this number only. */
#define TTT_WORKER_EXEC_FD (TTT_WORKER_MAX_FD_FOR(TTT_QUEUES_MAX) + 1)

/*
 * The entry point of a worker (worker_main.c's main() with TTT_WORKER_ARG).
 * Returns -EBADF only when the descriptors above are not what the parent
 * passes (someone ran it by hand); otherwise it never returns.
 */
int ttt_worker_main(void);

#endif

/*
 * Starting a worker, in the child the parent forked: its descriptors put
 * at the numbers worker.h fixes (a tap and a socket a queue), nothing else
 * kept, then the worker's own image executed (worker_image.h).
 */
#ifndef TTT_WORKER_EXEC_H
#define TTT_WORKER_EXEC_H

#include "parent.h"

/* Descriptors placed besides 0..2 and the image: the channel, the stamps
 * page, and a tap and a socket a queue. */
#define TTT_WORKER_PLACED_MAX (2 + 2 * TTT_QUEUES_MAX)

/*
 * Where each descriptor goes (pure): src[i] of p (chan: the channel) to
 * target[i]. Returns how many, or 0 when p->nqueues is out of bounds.
 */
unsigned ttt_worker_fd_plan(const struct ttt_parent *p, int chan,
    int src[TTT_WORKER_PLACED_MAX], int target[TTT_WORKER_PLACED_MAX]);

/* In the child: place the descriptors and execute the image; only returns
 * by _exit(EX_OSERR). */
__attribute__((noreturn)) void ttt_worker_exec(const struct ttt_parent *p, int chan);

#endif

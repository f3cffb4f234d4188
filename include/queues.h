/*
 * --queues N in the parent: the tap's queues 1..N-1 (the first opened by
 * main.c with IFF_MULTI_QUEUE), the sockets 1..N-1 of the first's
 * SO_REUSEPORT group, and the steering program (steer.h) on the group.
 * Each worker gets them all at the numbers worker.h fixes.
 */
#ifndef TTT_QUEUES_H
#define TTT_QUEUES_H

#include "parent.h"

/*
 * With p->nqueues, p->tap[0], p->udp[0], p->ifname and p->cfg.run.flags
 * (the offloads the first queue got) in place: open the rest. Returns 0,
 * or -errno with *what saying which step, and every queue past 0 closed.
 */
int ttt_queues_open(struct ttt_parent *p, const char **what);

/* Close every queue's tap descriptor and socket (the tap interface goes
 * with its last). */
void ttt_queues_close(struct ttt_parent *p);

#endif

/*
 * The forwarding thread's scheduling policy: SCHED_BATCH while traffic is
 * sparse, SCHED_OTHER while it is heavy, unless told otherwise.
 *
 * Why batch: a frame wakes the worker from the task that sent it (ping, a
 * TCP sender, the kernel's softirq on the same CPU). Under SCHED_OTHER the
 * worker preempts that task at once; the sender then stays runnable on its
 * CPU, so the next wake-up of the round trip (the peer's worker, the
 * answer) goes to the other CPU, idle, whose wake-up costs 20-40 us on a
 * VM. Under SCHED_BATCH a wake-up never preempts: the sender finishes and
 * sleeps, and the worker runs next on the same CPU. A task of ours still
 * yields at once to a SCHED_OTHER task it wakes (the answer's reader).
 * Why not always: a thread that must keep up with a full tap or socket
 * should not wait for the tick to run, so a busy turn switches it to
 * SCHED_OTHER, and 100 ms without one switches it back: a thread asleep
 * wakes for it (its poll's timeout), so the first frame after a burst is
 * met under batch again. With --threads 2, the socket's thread, asleep in
 * recvmmsg, switches back at its next turn instead.
 *
 * The parent sets SCHED_BATCH before its seccomp filter; every worker
 * inherits it through fork and exec, every thread through pthread_create.
 * The filters let a thread set SCHED_OTHER or SCHED_BATCH on itself, and
 * nothing else. A policy the administrator chose (chrt,
 * CPUSchedulingPolicy=), SCHED_BATCH included, is kept and never switched.
 */
#ifndef TTT_SCHEDPOL_H
#define TTT_SCHEDPOL_H

#include <stdint.h>

/* A thread is switched back to batch after this long without a busy turn. */
#define TTT_SCHEDPOL_IDLE_NS (100 * 1000 * 1000)

struct ttt_schedpol {
	int adaptive;		/* started under SCHED_BATCH: ours to switch */
	int policy;		/* the thread's policy now */
	int64_t busy_ns;	/* when it last had a busy turn */
};

/* Parent, before its filter. batch 0 (--no-sched-batch): nothing changes.
 * Returns 1 if the process now runs SCHED_BATCH, 0 if it keeps its
 * policy, or -errno. */
int ttt_schedpol_set(int batch);

/* A forwarding thread, at its start: policy is its own (sched_getscheduler);
 * ours, whether the parent chose it (ttt_schedpol_set returned 1). */
void ttt_schedpol_init(struct ttt_schedpol *s, int policy, int ours);

/* After a turn, busy or not, at now_ns: the policy to switch to, or -1 to
 * stay. Pure; s records the switch as made. */
int ttt_schedpol_turn(struct ttt_schedpol *s, int busy, int64_t now_ns);

/* How long the thread may sleep at now_ns before a turn with nothing to do
 * is due to switch it back to batch: ms, rounded up; -1 (no limit) when
 * nothing is to be switched back. Pure. */
int ttt_schedpol_wait_ms(const struct ttt_schedpol *s, int64_t now_ns);

/* Switch the calling thread to policy (SCHED_OTHER or SCHED_BATCH): 0 or -errno. */
int ttt_schedpol_switch(int policy);

#endif

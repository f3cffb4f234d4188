/*
 * The daemon's scheduling policy: SCHED_BATCH unless told otherwise.
 *
 * Why: a frame wakes the worker from the task that sent it (ping, a TCP
 * sender, the kernel's softirq on the same CPU). Under SCHED_OTHER the
 * worker preempts that task at once; the sender then stays runnable on its
 * CPU, so the worker's own next wake-up (the peer's answer) is sent to the
 * other CPU, idle, whose wake-up costs 20-40 us on a VM. Under SCHED_BATCH
 * the worker never preempts a task on waking: the sender finishes and
 * sleeps, and the worker runs next on the same CPU. A task of ours still
 * yields at once to a SCHED_OTHER task it wakes (the answer's reader).
 *
 * Set in the parent before its seccomp filter, which forbids it; every
 * worker inherits it through fork and exec, every thread through
 * pthread_create. A policy the administrator chose (chrt,
 * CPUSchedulingPolicy=), anything but SCHED_OTHER, is kept.
 */
#ifndef TTT_SCHEDPOL_H
#define TTT_SCHEDPOL_H

/* batch 0 (--no-sched-batch): nothing changes. Returns 1 if the process
 * now runs SCHED_BATCH, 0 if it keeps its policy, or -errno. */
int ttt_schedpol_set(int batch);

#endif

/*
 * Test-only hooks, linked into tinytaptunnel-testhooks and never into the
 * daemon: they make a worker misbehave on request, so the e2e tests can
 * watch the sandbox and the parent stop it.
 */
#ifndef TTT_TESTHOOKS_H
#define TTT_TESTHOOKS_H

#include <stdint.h>
#include <sys/types.h>

#include "datapath.h"

/* Attempt what TTT_IPC_TEST_SYSCALL names (enum ttt_test_syscall in ipc.h):
 * a forbidden syscall must end in SIGSYS; a forged message in the parent
 * stopping the worker. */
void ttt_testhook_worker(struct ttt_datapath *dp, uint8_t which);

/* The parent, on SIGUSR2: with TTT_TEST_PARENT set, attempt its misdeeds
 * itself (testhooks.c: parent_misdeeds) and log what was refused; else ask
 * worker pid (channel ipc, or -1) to attempt
 * the misdeed TTT_TEST_SYSCALL names (1..9), else the next in turn after
 * *count. */
void ttt_testhook_parent(int ipc, pid_t pid, unsigned *count);

#endif

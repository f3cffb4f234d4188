/*
 * Test-only hooks, linked into tinytaptunnel-testhooks and never into the
 * daemon: they make a worker misbehave on request, so the e2e tests can
 * watch the sandbox and the parent stop it.
 */
#ifndef TTT_TESTHOOKS_H
#define TTT_TESTHOOKS_H

#include <stdint.h>

#include "datapath.h"

/* Attempt what TTT_IPC_TEST_SYSCALL names (enum ttt_test_syscall in ipc.h):
 * a forbidden syscall must end in SIGSYS; a forged message in the parent
 * stopping the worker. */
void ttt_testhook_worker(struct ttt_datapath *dp, uint8_t which);

#endif

/*
 * Starting a worker (see worker_exec.h), moved out of parent.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sysexits.h>
#include <unistd.h>
#ifdef TTT_TEST_HOOKS
#include <stdlib.h>
#include <string.h>
#endif

#include "worker_exec.h"

#ifdef TTT_TEST_HOOKS
/*
 * Test builds only: TTT_TEST_QUEUE_FD=tap (or udp) puts the stamps page, a
 * regular file, where queue 1's tap (or socket) belongs, so test_queues.sh
 * can watch the worker refuse it (worker.c, take_queues). src: the plan.
 */
static void
misplace_queue_fd(const struct ttt_parent *p, int *src)
{
	const char *which = getenv("TTT_TEST_QUEUE_FD");

	if (which == NULL || p->nqueues < 2)
		return;
	/* The plan: channel, stamps, then each queue's tap and socket. */
	src[2 + 2 + (strcmp(which, "udp") == 0)] = p->stamps_fd;
}
#endif

unsigned
ttt_worker_fd_plan(const struct ttt_parent *p, int chan,
    int src[TTT_WORKER_PLACED_MAX], int target[TTT_WORKER_PLACED_MAX])
{
	unsigned n = 0;

	if (p->nqueues < 1 || p->nqueues > TTT_QUEUES_MAX)
		return 0;
	src[n] = chan;
	target[n++] = TTT_WORKER_IPC_FD;
	src[n] = p->stamps_fd;
	target[n++] = TTT_WORKER_STAMPS_FD;
	for (unsigned k = 0; k < p->nqueues; k++) {
		src[n] = p->tap[k];
		target[n++] = TTT_WORKER_QUEUE_TAP_FD(k);
		src[n] = p->udp[k];
		target[n++] = TTT_WORKER_QUEUE_UDP_FD(k);
	}
#ifdef TTT_TEST_HOOKS
	misplace_queue_fd(p, src);
#endif
	return n;
}

/*
 * In the child: /dev/null at 0..2, then the plan's descriptors and the
 * worker image at the numbers worker.h fixes, nothing else: the numbers of
 * queues past p->nqueues are closed, so no other descriptor of the parent's
 * sits where a worker would look for a queue. Each source is first copied
 * above every target, so one already sitting at another's target is not
 * clobbered, and each copy lands on its target by dup2 from a different
 * number, which clears close-on-exec (dup2(fd, fd) would not).
 */
static int
place_fds(const struct ttt_parent *p, int chan)
{
	int src[TTT_WORKER_PLACED_MAX], target[TTT_WORKER_PLACED_MAX];
	int tmp[TTT_WORKER_PLACED_MAX], null, exe;
	unsigned n = ttt_worker_fd_plan(p, chan, src, target);

	if (n == 0 || p->devnull < 0 || p->exe < 0 ||
	    (null = fcntl(p->devnull, F_DUPFD_CLOEXEC, TTT_WORKER_EXEC_FD + 1)) < 0 ||
	    (exe = fcntl(p->exe, F_DUPFD_CLOEXEC, TTT_WORKER_EXEC_FD + 1)) < 0)
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (src[i] < 0 || (tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, TTT_WORKER_EXEC_FD + 1)) < 0)
			return -1;
	if (dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
	    dup2(null, STDERR_FILENO) < 0)
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (dup2(tmp[i], target[i]) < 0)
			return -1;
	if (p->nqueues < TTT_QUEUES_MAX &&
	    close_range((unsigned)TTT_WORKER_QUEUE_TAP_FD(p->nqueues), TTT_WORKER_EXEC_FD - 1, 0) != 0)
		return -1;
	/* execveat needs it; the new image must not inherit it. */
	if (dup3(exe, TTT_WORKER_EXEC_FD, O_CLOEXEC) < 0)
		return -1;
	return close_range(TTT_WORKER_EXEC_FD + 1, ~0U, 0);
}

/*
 * In the child: execute the worker image (worker_image.h). A fresh image gets
 * its own address-space layout (as sshd-session and ntpd's children do),
 * and none of the parent's memory survives it, so the keys (p->key,
 * p->old_key, and any secret added later) need no wipe list here. The
 * environment stays behind: no LD_* variable reaches the worker.
 */
void
ttt_worker_exec(const struct ttt_parent *p, int chan)
{
	static char *const argv[] = { "tinytaptunnel", TTT_WORKER_ARG, NULL };
	static char *const envp[] = { NULL };
	sigset_t none;

	/* Signals meant for the daemon (systemctl kill, pkill) must not end the
	 * worker: only the parent answers them. SIGTERM still stops it. Ignored
	 * dispositions and the mask survive the exec. */
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGUSR1, SIG_IGN);
	(void)signal(SIGUSR2, SIG_IGN);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (place_fds(p, chan) != 0)
		_exit(EX_OSERR);
	(void)execveat(TTT_WORKER_EXEC_FD, "", argv, envp, AT_EMPTY_PATH);
	_exit(EX_OSERR);
}

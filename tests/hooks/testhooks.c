/*
 * Test-only hooks (see testhooks.h).
 */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "ipc.h"
#include "log.h"
#include "parent_sandbox.h"
#include "testhooks.h"
#include "worker.h"

/*
 * A hung or hostile worker: its main thread never returns to the channel,
 * so it neither reads the parent's records nor answers them. It sleeps in
 * poll() on nothing (allowed by its filter), not in a busy loop; the
 * forwarding threads carry on. The parent must kill it.
 */
__attribute__((noreturn)) static void
stop_reading(void)
{
	enum { NAP_MS = 60000 };

	for (;;)
		(void)poll(NULL, 0, NAP_MS);
}

/* Playing a compromised worker: things the parent must refuse. */
static void
forge_message(struct ttt_datapath *dp, uint8_t which)
{
	if (which == TTT_TEST_PARENT_TYPE) {
		/* Any payload does: the parent refuses the type before reading one. */
		static const uint8_t forged[8];

		(void)ttt_ipc_send(dp->ipc, TTT_IPC_CONFIG, forged, sizeof(forged));
	} else if (which == TTT_TEST_BAD_LENGTH) {
		/* A log record whose header claims more than it carries. */
		uint8_t rec[] = { TTT_IPC_LOG, 0, 200, 0, TTT_LOG_ERR, 'x' };
		struct iovec iov = { .iov_base = rec, .iov_len = sizeof(rec) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

		(void)sendmsg(dp->ipc, &mh, MSG_NOSIGNAL);
	} else if (which == TTT_TEST_PASS_FD) {
		(void)ttt_ipc_send_fds(dp->ipc, TTT_IPC_READY, &dp->q[0].tap, 1);
	} else if (which == TTT_TEST_STOP_READING) {
		stop_reading();
	} else if (which == TTT_TEST_PEER_FLOOD) {
		/* The peer it has, over and over: each record is legal, so only
		 * the parent's rate limit stands between them and its log. */
		struct ttt_ipc_peer p;

		pthread_mutex_lock(&dp->peer.lock);
		ttt_ipc_peer_from_addr(&dp->peer.addr, &p);
		pthread_mutex_unlock(&dp->peer.lock);
		for (int i = 0; i < TTT_TEST_PEER_FLOOD_N; i++)
			(void)ttt_ipc_send(dp->ipc, TTT_IPC_PEER, &p, sizeof(p));
		/* Out of turn: the parent's refusal marks the flood's end. */
		(void)ttt_ipc_send(dp->ipc, TTT_IPC_READY, NULL, 0);
	}
}

void
ttt_testhook_worker(struct ttt_datapath *dp, uint8_t which)
{
	static char *const argv[] = { "/bin/true", NULL };
	int r = -1;

	log_warn("test hook: attempting forbidden syscall %u", which);
	switch (which) {
	case TTT_TEST_OPEN:
		r = open("/etc/passwd", O_RDONLY);
		break;
	case TTT_TEST_SOCKET:
		r = socket(AF_INET, SOCK_DGRAM, 0);
		break;
	case TTT_TEST_EXECVE:
		r = execve(argv[0], argv, NULL);
		break;
	case TTT_TEST_PTRACE:
		r = (int)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		break;
	case TTT_TEST_SETUID:
		r = setresuid(0, 0, 0);
		break;
	case TTT_TEST_QUEUE_FDS:
		/* An empty write: the tap refuses it, the filter lets it by. */
		r = (int)write(dp->q[dp->nqueues - 1].tap, "", 0);
		log_warn("test hook: queue %u's tap took a write (returned %d)", dp->nqueues - 1, r);
		r = (int)write(TTT_WORKER_QUEUE_TAP_FD(dp->nqueues), "", 0);
		break;
	case TTT_TEST_SCHED_FIFO: {
		const struct sched_param none = { .sched_priority = 0 }, rt = { .sched_priority = 1 };

		r = sched_setscheduler(0, SCHED_BATCH, &none);
		log_warn("test hook: SCHED_BATCH on itself returned %d", r);
		r = sched_setscheduler(0, SCHED_FIFO, &rt);
		break;
	}
	case TTT_TEST_FUTEX_PI: {
		/* An uncontended PI lock would simply succeed, were it allowed. */
		static uint32_t word;

		r = (int)syscall(SYS_futex, &word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
		break;
	}
	default:
		forge_message(dp, which);
		return;
	}
	/* Reaching here means the sandbox let it through: say so loudly. */
	log_err("test hook: syscall %u was NOT stopped (returned %d)", which, r);
}

/*
 * Test-only hooks (see testhooks.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
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
		(void)ttt_ipc_send_fds(dp->ipc, TTT_IPC_READY, &dp->tap, 1);
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

/* A Unix socket of type, connected to path: 0, or -errno where refused. */
static int
parent_connect(int type, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return -errno;
	(void)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (connect(fd, (const struct sockaddr *)&sun, sizeof(sun)) != 0)
		rc = -errno;
	(void)close(fd);
	return rc;
}

/* SIGTERM to pid through a pidfd, at the number the filter allows if pinned. */
static int
parent_pidfd_kill(const char *arg, int pinned)
{
	int fd = (int)syscall(SYS_pidfd_open, atoi(arg), 0), rc = 0;

	if (fd < 0)
		return -errno;
	if (pinned && dup3(fd, TTT_PARENT_PIDFD_FD, O_CLOEXEC) < 0)
		rc = -errno;
	if (rc == 0 && syscall(SYS_pidfd_send_signal, pinned ? TTT_PARENT_PIDFD_FD : fd,
	    SIGTERM, NULL, 0) != 0)
		rc = -errno;
	(void)close(fd);
	return rc;
}

/* x32's getpid: the x86-64 calling convention, another ABI's number. */
#define X32_GETPID (0x40000000L + 39)

static void *
other_abi_call(void *result)
{
	*(long *)result = syscall(X32_GETPID);
	return NULL;
}

/* A syscall of another ABI, from a second thread: the filter must end the
 * whole process (SIGSYS), not only the thread that made it. */
static int
parent_other_abi(void)
{
	pthread_t t;
	long result = 0;

	if (pthread_create(&t, NULL, other_abi_call, &result) != 0)
		return -EAGAIN;
	(void)pthread_join(t, NULL);
	return 0;	/* still here: the process survived it */
}

/* Resolve name as getaddrinfo does: files, then DNS. 0, or -1 (*why). */
static int
parent_resolve(const char *name, const char **why)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM }, *res;
	int rc = getaddrinfo(name, NULL, &hints, &res);

	if (rc != 0) {
		*why = gai_strerror(rc);
		return -1;
	}
	freeaddrinfo(res);
	return 0;
}

static int
parent_misdeed(const char *op, const char *arg)
{
	int fd;

	if (strcmp(op, "open") == 0 || strcmp(op, "create") == 0) {
		fd = strcmp(op, "open") == 0 ? open(arg, O_RDONLY | O_CLOEXEC) :
		    open(arg, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		(void)close(fd);
		return 0;
	}
	if (strcmp(op, "stream") == 0 || strcmp(op, "dgram") == 0)
		return parent_connect(op[0] == 's' ? SOCK_STREAM : SOCK_DGRAM, arg);
	if (strcmp(op, "kill") == 0)
		return kill(atoi(arg), SIGTERM) == 0 ? 0 : -errno;
	if (strcmp(op, "abi") == 0)
		return parent_other_abi();
	if (strcmp(op, "pidfd") == 0 || strcmp(op, "pinned") == 0)
		return parent_pidfd_kill(arg, strcmp(op, "pinned") == 0);
	return -EINVAL;
}

/*
 * Playing a compromised parent: each OP=ARG of TTT_TEST_PARENT (open,
 * create, stream, dgram: a path; kill, pidfd, pinned: a pid; resolve: a
 * host name; abi=x32: a syscall of another ABI from a thread), attempted
 * and logged, so the test reads what the sandbox refused.
 */
static void
parent_misdeeds(const char *list)
{
	char buf[1024], *save = NULL;

	(void)snprintf(buf, sizeof(buf), "%s", list);
	for (char *tok = strtok_r(buf, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		char *arg = strchr(tok, '=');
		int rc;

		if (arg == NULL)
			continue;
		*arg++ = '\0';
		if (strcmp(tok, "resolve") == 0) {
			const char *why = "";

			if (parent_resolve(arg, &why) == 0)
				log_err("test hook: parent resolve %s: NOT refused", arg);
			else
				log_warn("test hook: parent resolve %s: refused (%s)", arg, why);
			continue;
		}
		rc = parent_misdeed(tok, arg);
		if (rc == 0)
			log_err("test hook: parent %s %s: NOT refused", tok, arg);
		else
			log_warn("test hook: parent %s %s: refused (%s)", tok, arg, strerror(-rc));
	}
}

void
ttt_testhook_parent(int ipc, pid_t pid, unsigned *count)
{
	const char *env = getenv("TTT_TEST_SYSCALL");
	const char *misdeeds = getenv("TTT_TEST_PARENT");

	if (misdeeds != NULL) {
		parent_misdeeds(misdeeds);
		return;
	}
	uint8_t which = (uint8_t)(TTT_TEST_OPEN + *count % (TTT_TEST_NSYSCALLS - 1));
	char *end;
	long n = env != NULL ? strtol(env, &end, 10) : 0;

	if (env != NULL && end != env && *end == '\0' && n >= TTT_TEST_OPEN && n < TTT_TEST_NSYSCALLS)
		which = (uint8_t)n;
	(*count)++;
	log_warn("test hook: asking worker %ld to attempt forbidden syscall %u", (long)pid,
	    which);
	if (ipc >= 0)
		(void)ttt_ipc_send_nowait(ipc, TTT_IPC_TEST_SYSCALL, &which, sizeof(which));
}

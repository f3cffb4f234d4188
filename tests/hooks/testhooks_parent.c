/*
 * Test-only hooks of the parent (see testhooks.h): in a file of their own,
 * so the static test worker links none of them (getaddrinfo among them
 * cannot link statically without a warning).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "ipc.h"
#include "log.h"
#include "parent_sandbox.h"
#include "testhooks.h"

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

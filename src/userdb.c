/*
 * The user lookup in a child (see userdb.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "userdb.h"

/* What the child writes: one record, shorter than PIPE_BUF, so one write. */
struct answer {
	int found;
	uid_t uid;
	gid_t gid;
};

__attribute__((noreturn)) static void
child(int fd, const char *name)
{
	struct answer a;
	const struct passwd *pw = getpwnam(name);

	memset(&a, 0, sizeof(a));
	if (pw != NULL) {
		a.found = 1;
		a.uid = pw->pw_uid;
		a.gid = pw->pw_gid;
	}
	/* _exit: nothing of the parent's (stdio buffers, atexit) runs twice. */
	_exit(write(fd, &a, sizeof(a)) == (ssize_t)sizeof(a) ? 0 : 1);
}

/* Reap pid; 0 if it exited with status 0. */
static int
reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* Fork the child and read its record; *n is what the read returned. */
static int
ask(const char *name, struct answer *a, ssize_t *n)
{
	int fds[2], rc;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		(void)close(fds[0]);
		(void)close(fds[1]);
		return rc;
	}
	if (pid == 0)
		child(fds[1], name);
	(void)close(fds[1]);
	do
		*n = read(fds[0], a, sizeof(*a));
	while (*n < 0 && errno == EINTR);
	(void)close(fds[0]);
	/* Reaped whatever it said: no zombie is left behind. */
	return reap(pid);
}

int
ttt_user_lookup(const char *name, struct ttt_user *out)
{
	/* An inherited SIGCHLD ignored would reap the child before we learn
	 * how it ended: the default for the lookup's length. */
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old;
	struct answer a;
	ssize_t n = 0;
	int rc;

	if (sigaction(SIGCHLD, &dfl, &old) != 0)
		return -errno;
	rc = ask(name, &a, &n);
	(void)sigaction(SIGCHLD, &old, NULL);
	/* A short record or a child that failed is no answer, never a user. */
	if (rc != 0 || n != (ssize_t)sizeof(a) || (a.found != 0 && a.found != 1))
		return rc != 0 ? rc : -EIO;
	if (!a.found)
		return 0;
	out->uid = a.uid;
	out->gid = a.gid;
	return 1;
}

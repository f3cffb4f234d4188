/*
 * The --pidfile, created or taken over under an exclusive lock (see pidfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "pidfile.h"

/* Room for any pid and its newline. */
#define PID_TEXT_MAX 32

/* The pid a running holder wrote, for the error message: 0 if unreadable. */
static long
read_holder(int fd)
{
	char buf[PID_TEXT_MAX];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *end;
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	return end != buf && pid > 0 ? pid : 0;
}

/* Only a regular file of ours, linked once: not a FIFO that would block the
 * write, nor a hard link to some other file that truncating would destroy. */
static int
check_ours(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != geteuid())
		return -EPERM;
	return 0;
}

static int
write_pid(int fd, pid_t pid)
{
	char buf[PID_TEXT_MAX];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)pid);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EOVERFLOW;
	if (ftruncate(fd, 0) != 0)
		return -errno;
	if (pwrite(fd, buf, (size_t)n, 0) != n)
		return errno ? -errno : -EIO;
	return 0;
}

int
ttt_pidfile_acquire(const char *path, pid_t pid, long *holder)
{
	/* No O_TRUNC: nothing is cut before the lock and the checks say it is
	 * ours. O_NONBLOCK: a planted FIFO cannot hold up the start. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY,
	    TTT_PIDFILE_MODE);
	int rc;

	*holder = 0;
	if (fd < 0)
		return -errno;
	if ((rc = check_ours(fd)) == 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
		rc = -errno;
		if (rc == -EWOULDBLOCK)
			*holder = read_holder(fd);
	}
	if (rc == 0)
		rc = write_pid(fd, pid);
	if (rc != 0) {
		(void)close(fd);
		return rc;
	}
	return fd;
}

void
ttt_pidfile_release(const char *path, int fd)
{
	if (fd < 0)
		return;
	(void)unlink(path);
	(void)close(fd);
}

/*
 * The daemon's standard descriptors and detaching (see detach.h), moved out
 * of main.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "detach.h"

/*
 * Started with descriptor 0, 1 or 2 closed, the key file, the tap or the
 * socket would take that number, and log lines written to stderr would go
 * into the tap (as frames) or the socket; daemonize's dup2 would replace
 * them. So each closed one gets /dev/null before anything else is opened.
 */
int
ttt_sanitise_stdfd(void)
{
	int fd;

	do {
		fd = open("/dev/null", O_RDWR);	/* not close-on-exec: standard streams */
		if (fd < 0)
			return -errno;	/* with no stderr, necessarily, to say it on */
	} while (fd <= STDERR_FILENO);
	(void)close(fd);	/* the first number above 2: not needed */
	return 0;
}

/* Detach after everything is open, so set-up errors reach the terminal. */
int
ttt_daemonize(void)
{
	pid_t pid = fork();
	int null;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -errno;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return -errno;
	if (dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
	    dup2(null, STDERR_FILENO) < 0)
		return -errno;
	(void)close(null);
	return 0;
}

/*
 * The --pidfile: one running instance per file, and a file nobody else can
 * have prepared for us.
 *
 * Its promise: the file is opened without following a symbolic link, never
 * truncated before it is known to be a regular file of ours with one link,
 * and locked (flock, exclusive) for as long as the daemon runs. A file that
 * another live instance holds locked is refused; a stale one, left by a
 * daemon that died, holds no lock and is taken over and rewritten. Release
 * unlinks it while the lock is still held, so a waiting instance never
 * finds our pid there after we are gone.
 */
#ifndef TTT_PIDFILE_H
#define TTT_PIDFILE_H

#include <sys/types.h>

#define TTT_PIDFILE_MODE 0644

/*
 * Lock path and write pid into it. Returns the open descriptor (keep it: it
 * holds the lock), or -EWOULDBLOCK when a running instance holds it (*holder
 * then reads its pid, 0 if unreadable), -ELOOP for a symbolic link,
 * -EPERM for a file that is not a regular file of ours with a single link,
 * or another -errno.
 */
int ttt_pidfile_acquire(const char *path, pid_t pid, long *holder);

/* Unlink path, then close fd (dropping the lock). fd < 0: nothing. */
void ttt_pidfile_release(const char *path, int fd);

#endif

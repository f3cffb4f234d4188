/*
 * The worker's image (worker.h): a program of its own, tinytaptunnel-worker,
 * linked statically. The parent opens it once, at start, as root, and every
 * worker is that descriptor re-executed (parent.c), whatever later happens
 * to the file's path.
 *
 * Promise: the descriptor returned is a regular, executable file owned by
 * root that neither its group nor others may write, so that nobody but root
 * authored the code every worker runs; otherwise the daemon does not start.
 */
#ifndef TTT_WORKER_IMAGE_H
#define TTT_WORKER_IMAGE_H

#include <stddef.h>

/* Long enough for a directory from /proc/self/exe and the path above. */
#define TTT_WORKER_IMAGE_NAME_MAX 4096

/*
 * path is fixed when the daemon is built (TTT_WORKER_PATH, from the
 * Makefile), never taken from its environment or command line: a relative
 * path is taken from the directory of the daemon's own binary, as the
 * kernel names it (the build tree), an absolute one as it is (installs).
 * Opens path (close-on-exec, the last component never a link) and checks
 * it. Returns the descriptor, or -ENOENT (missing), -EPERM (not root's, or
 * writable by its group or others), -EACCES (not executable by its owner),
 * -ENOEXEC (not a regular file), -ENAMETOOLONG or another -errno. name
 * (size bytes) receives the path that was opened, for messages.
 */
int ttt_worker_image_open(const char *path, char *name, size_t size);

#endif

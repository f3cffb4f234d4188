/*
 * Finding and checking the worker's image (see worker_image.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "worker_image.h"

#define SELF_EXE "/proc/self/exe"

/*
 * The directory of our own binary, as the kernel names it: not argv[0] nor
 * PATH, which whoever starts us chooses. So the build tree's daemon runs
 * the build tree's worker wherever the tree lies or is copied to.
 */
static int
own_dir(char *dir, size_t size)
{
	ssize_t n = readlink(SELF_EXE, dir, size - 1);
	char *slash;

	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return -ENOENT;
	slash[slash == dir ? 1 : 0] = '\0';
	return 0;
}

/* The file's owner, mode and kind: what every worker will run. */
static int
check_image(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	/* Checked on the descriptor that is executed, not on a path, so no
	 * rename between check and exec can change what runs: only root can
	 * have written this file's content. */
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return -EPERM;
	if ((st.st_mode & S_IXUSR) == 0)
		return -EACCES;
	return 0;
}

int
ttt_worker_image_open(const char *path, char *name, size_t size)
{
	char dir[PATH_MAX];
	int fd, rc, n;

	if (path[0] == '/') {
		n = snprintf(name, size, "%s", path);
	} else {
		if ((rc = own_dir(dir, sizeof(dir))) != 0)
			return rc;
		n = snprintf(name, size, "%s/%s", dir, path);
	}
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	/* A link as the last component is refused: the check below is then
	 * on the file the path names, not on where a link points today. */
	fd = open(name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ELOOP ? -ENOEXEC : -errno;
	if ((rc = check_image(fd)) != 0) {
		(void)close(fd);
		return rc;
	}
	return fd;
}

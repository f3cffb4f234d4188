/*
 * The stamps page shared by the parent and a worker (see stamps.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>

#include "stamps.h"

#define STAMPS_SIZE 4096	/* one page; the struct is far smaller */

_Static_assert(sizeof(struct ttt_stamps) <= STAMPS_SIZE, "the stamps fit one page");

int
ttt_stamps_create(struct ttt_stamps **out)
{
	int fd = memfd_create("tinytaptunnel-stamps", MFD_CLOEXEC | MFD_ALLOW_SEALING), rc;
	void *p;

	if (fd < 0)
		return -errno;
	/* Sealed at its size: a worker that could shrink it would make our
	 * reads fault (SIGBUS) and end the supervisor. */
	if (ftruncate(fd, STAMPS_SIZE) != 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
		goto fail;
	p = mmap(NULL, STAMPS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	*out = p;
	ttt_stamps_reset(*out, INT64_MIN);
	return fd;
fail:
	rc = -errno;
	(void)close(fd);
	return rc;
}

int
ttt_stamps_map(int fd, struct ttt_stamps **out)
{
	void *p = mmap(NULL, STAMPS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int rc = p == MAP_FAILED ? -errno : 0;

	(void)close(fd);
	if (rc == 0)
		*out = p;
	return rc;
}

void
ttt_stamps_reset(struct ttt_stamps *s, int64_t v)
{
	atomic_store_explicit(&s->rx, v, memory_order_relaxed);
	atomic_store_explicit(&s->tx, v, memory_order_relaxed);
}

int64_t
ttt_stamps_newest(const struct ttt_stamps *s)
{
	int64_t rx = atomic_load_explicit(&s->rx, memory_order_acquire);
	int64_t tx = atomic_load_explicit(&s->tx, memory_order_acquire);

	return rx > tx ? rx : tx;
}

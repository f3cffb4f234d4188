/*
 * The --pidfile (src/pidfile.c): written and locked; a second holder
 * refused, with the first's pid; a stale file taken over; a symbolic link,
 * a hard link and a FIFO refused untouched; released by unlinking.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "pidfile.h"

/* A FIFO opened for writing without a reader would hang the test. */
#define WATCHDOG_SECS 5
#define TEXT_MAX 64

/* Room for the temporary directory's name and one file name in it. */
#define DIR_MAX 512

struct dir {
	char path[DIR_MAX];
	char pid[DIR_MAX + 16];		/* path/ttt.pid */
	char other[DIR_MAX + 16];	/* path/other */
};

static int
setup(void **state)
{
	static struct dir d;

	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	int n = snprintf(d.path, sizeof(d.path), "%s/ttt-pidfile.XXXXXX", tmp);

	if (n < 0 || (size_t)n >= sizeof(d.path) || mkdtemp(d.path) == NULL)
		return -1;
	(void)snprintf(d.pid, sizeof(d.pid), "%s/ttt.pid", d.path);
	(void)snprintf(d.other, sizeof(d.other), "%s/other", d.path);
	*state = &d;
	return 0;
}

static int
teardown(void **state)
{
	struct dir *d = *state;

	(void)unlink(d->pid);
	(void)unlink(d->other);
	return rmdir(d->path);
}

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
get(const char *path, char *out, size_t cap)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, out, cap - 1);
	assert_true(n >= 0);
	out[n] = '\0';
	assert_int_equal(close(fd), 0);
}

static void
test_locked_while_held(void **state)
{
	struct dir *d = *state;
	char text[TEXT_MAX];
	long holder = -1;
	int fd = ttt_pidfile_acquire(d->pid, 4242, &holder);

	assert_true(fd >= 0);
	get(d->pid, text, sizeof(text));
	assert_string_equal(text, "4242\n");
	/* A second instance: its own open file, refused, told who holds it. */
	assert_int_equal(ttt_pidfile_acquire(d->pid, 4343, &holder), -EWOULDBLOCK);
	assert_int_equal(holder, 4242);
	get(d->pid, text, sizeof(text));
	assert_string_equal(text, "4242\n");
	ttt_pidfile_release(d->pid, fd);
	assert_int_equal(access(d->pid, F_OK), -1);
	/* Released: the next one takes it. */
	fd = ttt_pidfile_acquire(d->pid, 4343, &holder);
	assert_true(fd >= 0);
	ttt_pidfile_release(d->pid, fd);
	/* A stale one, longer than what replaces it: rewritten whole. */
	put(d->pid, "99999999\n");
	fd = ttt_pidfile_acquire(d->pid, 77, &holder);
	assert_true(fd >= 0);
	get(d->pid, text, sizeof(text));
	assert_string_equal(text, "77\n");
	ttt_pidfile_release(d->pid, fd);
}

static void
test_planted_refused(void **state)
{
	struct dir *d = *state;
	char text[TEXT_MAX];
	long holder = -1;

	put(d->other, "precious\n");
	assert_int_equal(symlink(d->other, d->pid), 0);
	assert_int_equal(ttt_pidfile_acquire(d->pid, 1, &holder), -ELOOP);
	assert_int_equal(unlink(d->pid), 0);
	assert_int_equal(link(d->other, d->pid), 0);
	assert_int_equal(ttt_pidfile_acquire(d->pid, 1, &holder), -EPERM);
	assert_int_equal(unlink(d->pid), 0);
	get(d->other, text, sizeof(text));
	assert_string_equal(text, "precious\n");
	assert_int_equal(mkfifo(d->pid, 0600), 0);
	(void)alarm(WATCHDOG_SECS);
	assert_int_equal(ttt_pidfile_acquire(d->pid, 1, &holder), -EPERM);
	(void)alarm(0);
	assert_int_equal(unlink(d->pid), 0);
}

static void
test_release_without_file(void **state)
{
	struct dir *d = *state;

	/* Nothing acquired: nothing unlinked, not even a file of that name. */
	put(d->pid, "5\n");
	ttt_pidfile_release(d->pid, -1);
	assert_int_equal(access(d->pid, F_OK), 0);
	assert_int_equal(unlink(d->pid), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_locked_while_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_planted_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_without_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

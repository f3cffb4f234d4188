/*
 * The stamps page (src/stamps.c): what a worker writes through its own
 * mapping, the parent reads through its; a stamp only rises; and the page is
 * sealed, so a worker cannot shrink it under the parent (whose reads would
 * then fault).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "stamps.h"

static void
test_shared_and_rising(void **state)
{
	struct ttt_stamps *parent, *worker;
	int fd = ttt_stamps_create(&parent), wfd;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ttt_stamps_newest(parent), INT64_MIN);
	ttt_stamps_reset(parent, 1000);
	wfd = dup(fd);
	assert_true(wfd >= 0);
	assert_int_equal(ttt_stamps_map(wfd, &worker), 0);
	assert_int_equal(close(wfd), -1);	/* the worker's copy is closed */
	assert_int_equal(ttt_stamps_newest(worker), 1000);
	ttt_stamps_raise(&worker->rx, 1500);
	ttt_stamps_raise(&worker->rx, 1200);	/* never lowers */
	assert_int_equal(ttt_stamps_newest(parent), 1500);
	ttt_stamps_raise(&worker->tx, 1700);
	assert_int_equal(ttt_stamps_newest(parent), 1700);
	ttt_stamps_raise(&worker->rx, 1800);
	assert_int_equal(ttt_stamps_newest(parent), 1800);
	(void)close(fd);
}

static void
test_sealed(void **state)
{
	struct ttt_stamps *parent;
	int fd = ttt_stamps_create(&parent);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 0), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(ftruncate(fd, 1 << 20), -1);
	assert_int_equal(errno, EPERM);
	(void)close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_and_rising),
		cmocka_unit_test(test_sealed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

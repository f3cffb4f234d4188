/*
 * The parent's end of the channel to a worker (src/channel.c): at most one
 * STATS_REQ outstanding, a log request folded into it, an unasked answer
 * refused; sends and receives that never wait, while the worker's end
 * stays blocking; the worker's records checked for order; an empty record
 * told from end of file.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "channel.h"

/* Far more four-byte records than any default SO_SNDBUF holds (~278). */
#define FILL_LIMIT 100000

static void
test_one_request_at_a_time(void **state)
{
	struct ttt_channel c;

	(void)state;
	ttt_channel_init(&c, -1);
	assert_int_equal(ttt_channel_ask(&c, 0), 1);
	ttt_channel_asked(&c);
	/* The next poll finds it outstanding: nothing more is sent. */
	assert_int_equal(ttt_channel_ask(&c, 0), 0);
	assert_int_equal(ttt_channel_ask(&c, 0), 0);
	assert_int_equal(ttt_channel_answered(&c), 0);
	/* Answered: the next poll may ask again. */
	assert_int_equal(ttt_channel_ask(&c, 0), 1);
}

static void
test_log_request_rides_on_the_outstanding_one(void **state)
{
	struct ttt_channel c;

	(void)state;
	ttt_channel_init(&c, -1);
	assert_int_equal(ttt_channel_ask(&c, 0), 1);
	ttt_channel_asked(&c);
	/* SIGUSR1 while the poll's request is out: its answer is logged. */
	assert_int_equal(ttt_channel_ask(&c, 1), 0);
	assert_int_equal(ttt_channel_answered(&c), 1);
	/* Logged once, not again for the next poll's answer. */
	assert_int_equal(ttt_channel_ask(&c, 0), 1);
	ttt_channel_asked(&c);
	assert_int_equal(ttt_channel_answered(&c), 0);
	/* A log request with nothing outstanding sends one. */
	assert_int_equal(ttt_channel_ask(&c, 1), 1);
	ttt_channel_asked(&c);
	assert_int_equal(ttt_channel_answered(&c), 1);
}

static void
test_unasked_answer_is_refused(void **state)
{
	struct ttt_channel c;

	(void)state;
	ttt_channel_init(&c, -1);
	assert_int_equal(ttt_channel_answered(&c), -EPROTO);
	ttt_channel_asked(&c);
	assert_int_equal(ttt_channel_answered(&c), 0);
	/* One answer a request: a second is unasked. */
	assert_int_equal(ttt_channel_answered(&c), -EPROTO);
}

static void
test_close_forgets_the_request(void **state)
{
	struct ttt_channel c;
	int pe, ce;

	(void)state;
	assert_int_equal(ttt_channel_pair(&pe, &ce), 0);
	ttt_channel_init(&c, pe);
	assert_int_equal(ttt_channel_ask(&c, 1), 1);
	ttt_channel_asked(&c);
	ttt_channel_close(&c);
	assert_int_equal(c.fd, -1);
	assert_int_equal(ttt_channel_answered(&c), -EPROTO);
	assert_int_equal(ttt_channel_send(&c, TTT_IPC_STATS_REQ, NULL, 0), -EBADF);
	assert_int_equal(close(ce), 0);
}

/* A worker that never reads: the parent's sends fail with -EAGAIN, never
 * block, and the worker's end is still a blocking one. */
static void
test_send_never_waits(void **state)
{
	struct ttt_channel c;
	int pe, ce, rc = 0, n;

	(void)state;
	assert_int_equal(ttt_channel_pair(&pe, &ce), 0);
	ttt_channel_init(&c, pe);
	assert_false(fcntl(ce, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(pe, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(ce, F_GETFD) & FD_CLOEXEC);
	for (n = 0; n < FILL_LIMIT && rc == 0; n++)
		rc = ttt_channel_send(&c, TTT_IPC_STATS_REQ, NULL, 0);
	assert_int_equal(rc, -EAGAIN);
	assert_true(n > 1);
	ttt_channel_close(&c);
	assert_int_equal(close(ce), 0);
}

/* Write a raw record as the worker would. */
static void
worker_sends(int ce, enum ttt_ipc_type type, const void *payload, size_t len)
{
	assert_int_equal(ttt_ipc_send(ce, type, payload, len), 0);
}

static void
test_read_checks_order_and_never_waits(void **state)
{
	static struct ttt_ipc_msg m;
	struct ttt_channel c;
	const char *why = NULL;
	int pe, ce;

	(void)state;
	assert_int_equal(ttt_channel_pair(&pe, &ce), 0);
	ttt_channel_init(&c, pe);
	/* Nothing queued: no wait. */
	assert_int_equal(ttt_channel_read(&c, &m, &why), -EAGAIN);
	worker_sends(ce, TTT_IPC_READY, NULL, 0);
	assert_int_equal(ttt_channel_read(&c, &m, &why), 1);
	assert_int_equal(m.type, TTT_IPC_READY);
	/* READY is once only. */
	worker_sends(ce, TTT_IPC_READY, NULL, 0);
	assert_int_equal(ttt_channel_read(&c, &m, &why), -EPROTO);
	assert_string_equal(why, "sent a message out of turn");
	/* A parent's type. */
	worker_sends(ce, TTT_IPC_STATS_REQ, NULL, 0);
	assert_int_equal(ttt_channel_read(&c, &m, &why), -EPROTO);
	assert_string_equal(why, "sent a message only the parent sends");
	/* A zero-length record reads like end of file, but the worker is still
	 * there: it is to be dropped, not left running unsupervised. */
	assert_int_equal(send(ce, "", 0, MSG_NOSIGNAL), 0);
	assert_int_equal(ttt_channel_read(&c, &m, &why), -EPROTO);
	assert_string_equal(why, "sent an empty message");
	/* The worker's end closed: now a zero-length read is the end. */
	assert_int_equal(send(ce, "", 0, MSG_NOSIGNAL), 0);
	assert_int_equal(close(ce), 0);
	assert_int_equal(ttt_channel_read(&c, &m, &why), 0);
	ttt_channel_close(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_request_at_a_time),
		cmocka_unit_test(test_log_request_rides_on_the_outstanding_one),
		cmocka_unit_test(test_unasked_answer_is_refused),
		cmocka_unit_test(test_close_forgets_the_request),
		cmocka_unit_test(test_send_never_waits),
		cmocka_unit_test(test_read_checks_order_and_never_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

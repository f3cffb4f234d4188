/*
 * The parent's decisions between two workers (src/respawn.c), on made-up
 * lifetimes and clocks:
 *   - a crash loop is backed off 1, 2, 4 ... up to 30 s;
 *   - a worker killed every 20 s costs the tunnel its start-up only: the
 *     waits add up to well under a tenth of the time (issue 13, item 6);
 *   - the next worker's floor covers every stamp its predecessor published,
 *     however far ahead of our clock the peer stamps (audit M2), and a
 *     lying worker can push it at most a window ahead;
 *   - a rotation's grace is not restarted by a respawn (audit L6);
 *   - a peer reported by a worker the parent dropped, or that died of
 *     SIGSYS, is not handed on (audit L3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "respawn.h"

#define S INT64_C(1000)	/* ms */

static void
test_crash_loop_backs_off(void **state)
{
	static const int64_t want[] = { 1, 2, 4, 8, 16, 30, 30, 30 };
	struct ttt_backoff b;

	(void)state;
	ttt_backoff_init(&b);
	/* Each worker dies 100 ms after it started. */
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(ttt_backoff_next(&b, 100), want[i] * S);
}

/* A kill every 20 s of wall time, for 5 minutes: the worker lives what the
 * wait before it left of those 20 s. Without a fresh start after a healthy
 * run, the waits grow 1, 2, 4, 8, 16 s and eat a third of the time. */
static void
test_fault_every_20s_costs_little(void **state)
{
	struct ttt_backoff b;
	int64_t wait = 0, waited = 0;

	(void)state;
	ttt_backoff_init(&b);
	for (int k = 0; k < 15; k++) {
		wait = ttt_backoff_next(&b, 20 * S - wait);
		waited += wait;
	}
	/* 90 % up: 30 s of 300 at most, a start-up (under 1 s) each included. */
	assert_true(waited + 15 * S <= 30 * S);
}

/* After a long loop, health must be shown for half the wait it reached. */
static void
test_proof_of_health_grows_with_the_wait(void **state)
{
	struct ttt_backoff b;

	(void)state;
	ttt_backoff_init(&b);
	for (int k = 0; k < 6; k++)
		(void)ttt_backoff_next(&b, 0);
	assert_int_equal(ttt_backoff_next(&b, 0), 30 * S);
	/* 10 s is not proof after a 30 s wait: the loop goes on... */
	assert_int_equal(ttt_backoff_next(&b, 10 * S), 30 * S);
	/* ...15 s is, and the next worker starts at once. */
	assert_int_equal(ttt_backoff_next(&b, 15 * S), 0);
	/* A quick death after that starts the back-off again from 1 s. */
	assert_int_equal(ttt_backoff_next(&b, 100), 1 * S);
	assert_int_equal(ttt_backoff_next(&b, 100), 2 * S);
}

/* A worker that always lives the healthy minimum is always replaced at
 * once: at most one start every TTT_BACKOFF_HEALTHY_MS, never a tight loop. */
static void
test_healthy_minimum(void **state)
{
	struct ttt_backoff b;

	(void)state;
	ttt_backoff_init(&b);
	for (int k = 0; k < 10; k++)
		assert_int_equal(ttt_backoff_next(&b, TTT_BACKOFF_HEALTHY_MS), 0);
	assert_int_equal(ttt_backoff_next(&b, TTT_BACKOFF_HEALTHY_MS - 1), 1 * S);
}

#define SEC INT64_C(1000000000)
#define T0 (INT64_C(1800000000) * SEC)
#define WINDOW (3 * SEC)

/* The audit's case: the peer stamps 2 s ahead of us; the old worker took
 * a frame stamped T0 + 2 s and died; the new one starts 1 s later. */
static void
test_floor_covers_a_peer_ahead(void **state)
{
	int64_t first = ttt_respawn_first_floor(T0 - 60 * SEC, WINDOW);
	int64_t published = T0 + 2 * SEC;
	int64_t floor = ttt_respawn_floor(first, published, T0 + 1 * SEC, WINDOW);

	(void)state;
	assert_true(floor >= published);	/* the frame is refused as too old */
	/* Whatever the offset inside the window: the worker took at most
	 * now + window, and the floor never cuts below what it published. */
	for (int64_t lead = -WINDOW; lead <= WINDOW; lead += SEC / 4)
		assert_int_equal(ttt_respawn_floor(first, T0 + lead, T0 + SEC / 10, WINDOW), T0 + lead);
}

static void
test_floor_never_falls(void **state)
{
	(void)state;
	/* A worker that died before publishing anything: the old floor. */
	assert_int_equal(ttt_respawn_floor(T0 + 3 * SEC, INT64_MIN, T0 + SEC, WINDOW),
	    T0 + 3 * SEC);
	/* One that wrote less than the truth cannot lower it either. */
	assert_int_equal(ttt_respawn_floor(T0, T0 - 3600 * SEC, T0 + SEC, WINDOW), T0);
}

/* A lying worker may publish anything: at most a window of refusals. */
static void
test_floor_capped_at_a_window(void **state)
{
	(void)state;
	assert_int_equal(ttt_respawn_floor(T0, INT64_MAX, T0 + SEC, WINDOW), T0 + SEC + WINDOW);
	assert_int_equal(ttt_respawn_floor(T0, T0 + 3600 * SEC, T0 + SEC, WINDOW),
	    T0 + SEC + WINDOW);
	assert_int_equal(ttt_respawn_floor(0, INT64_MAX, INT64_MAX - 1, WINDOW), INT64_MAX);
}

/* A daemon's first worker: nothing is known of what ran before. */
static void
test_first_floor_is_a_window_ahead(void **state)
{
	(void)state;
	assert_int_equal(ttt_respawn_first_floor(T0, WINDOW), T0 + WINDOW);
	assert_int_equal(ttt_respawn_first_floor(INT64_MAX - 1, WINDOW), INT64_MAX);
}

static void
test_grace_left(void **state)
{
	(void)state;
	/* 2.5 s into a 30 s grace: 27.5 s left, not 30 again. */
	assert_int_equal(ttt_respawn_grace_left_ms(1, 130000, 102500), 27500);
	assert_int_equal(ttt_respawn_grace_left_ms(1, 130000, 130000), 0);
	assert_int_equal(ttt_respawn_grace_left_ms(1, 130000, 140000), 0);
	assert_int_equal(ttt_respawn_grace_left_ms(0, 130000, 102500), 0);
}

static void
test_keep_peer(void **state)
{
	(void)state;
	const uint32_t learnt = TTT_CONFIG_HAVE_PEER;
	const uint32_t fixed = TTT_CONFIG_FIXED_PEER | TTT_CONFIG_HAVE_PEER;

	assert_true(ttt_respawn_keep_peer(W_EXITCODE(0, SIGKILL), 0, learnt));	/* from outside */
	assert_true(ttt_respawn_keep_peer(W_EXITCODE(0, SIGSEGV), 0, learnt));
	assert_true(ttt_respawn_keep_peer(W_EXITCODE(1, 0), 0, learnt));
	assert_false(ttt_respawn_keep_peer(W_EXITCODE(0, SIGKILL), 1, learnt));	/* we dropped it */
	assert_false(ttt_respawn_keep_peer(W_EXITCODE(0, SIGSYS), 0, learnt));	/* outside its policy */
	/* The command line's peer is never the worker's to lose. */
	assert_true(ttt_respawn_keep_peer(W_EXITCODE(0, SIGSYS), 1, fixed));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_loop_backs_off),
		cmocka_unit_test(test_fault_every_20s_costs_little),
		cmocka_unit_test(test_proof_of_health_grows_with_the_wait),
		cmocka_unit_test(test_healthy_minimum),
		cmocka_unit_test(test_floor_covers_a_peer_ahead),
		cmocka_unit_test(test_floor_never_falls),
		cmocka_unit_test(test_floor_capped_at_a_window),
		cmocka_unit_test(test_first_floor_is_a_window_ahead),
		cmocka_unit_test(test_grace_left),
		cmocka_unit_test(test_keep_peer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

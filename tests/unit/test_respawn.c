/*
 * The parent's decisions between two workers (src/respawn.c), on made-up
 * lifetimes and clocks:
 *   - a crash loop is backed off 1, 2, 4 ... up to 30 s;
 *   - a worker killed every 20 s costs the tunnel its start-up only: the
 *     waits add up to well under a tenth of the time (issue 13, item 6).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_loop_backs_off),
		cmocka_unit_test(test_fault_every_20s_costs_little),
		cmocka_unit_test(test_proof_of_health_grows_with_the_wait),
		cmocka_unit_test(test_healthy_minimum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

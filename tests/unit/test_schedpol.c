/*
 * The forwarding thread's policy decision (src/schedpol.c): batch while
 * traffic is sparse, other from the first busy turn, batch again only
 * after TTT_SCHEDPOL_IDLE_NS without one; never a switch for a thread the
 * administrator put under another policy. On an injected clock.
 */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "schedpol.h"

static const int64_t T0 = INT64_C(1000000000000);
#define IDLE TTT_SCHEDPOL_IDLE_NS

/* Started under SCHED_BATCH: the first busy turn switches to other, and
 * further busy turns switch nothing. */
static void
test_busy_switches_to_other(void **state)
{
	struct ttt_schedpol s;

	(void)state;
	ttt_schedpol_init(&s, SCHED_BATCH, 1);
	assert_int_equal(ttt_schedpol_turn(&s, 0, T0), -1);
	assert_int_equal(ttt_schedpol_turn(&s, 1, T0 + 1), SCHED_OTHER);
	assert_int_equal(s.policy, SCHED_OTHER);
	assert_int_equal(ttt_schedpol_turn(&s, 1, T0 + 2), -1);
}

/* Back to batch only once a whole idle period passed since the last busy
 * turn; a busy turn in between starts the period again. */
static void
test_idle_switches_back(void **state)
{
	struct ttt_schedpol s;

	(void)state;
	ttt_schedpol_init(&s, SCHED_BATCH, 1);
	assert_int_equal(ttt_schedpol_turn(&s, 1, T0), SCHED_OTHER);
	assert_int_equal(ttt_schedpol_turn(&s, 0, T0 + IDLE - 1), -1);
	assert_int_equal(ttt_schedpol_turn(&s, 1, T0 + IDLE - 1), -1);
	assert_int_equal(ttt_schedpol_turn(&s, 0, T0 + 2 * IDLE - 2), -1);
	assert_int_equal(ttt_schedpol_turn(&s, 0, T0 + 2 * IDLE - 1), SCHED_BATCH);
	assert_int_equal(s.policy, SCHED_BATCH);
	assert_int_equal(ttt_schedpol_turn(&s, 0, T0 + 3 * IDLE), -1);
	assert_int_equal(ttt_schedpol_turn(&s, 1, T0 + 3 * IDLE), SCHED_OTHER);
}

/* Under SCHED_OTHER (--no-sched-batch), real-time or idle: never switched. */
static void
test_other_policies_kept(void **state)
{
	static const int kept[] = { SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_IDLE };
	struct ttt_schedpol s;

	(void)state;
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		ttt_schedpol_init(&s, kept[i], 1);
		assert_int_equal(ttt_schedpol_turn(&s, 1, T0), -1);
		assert_int_equal(ttt_schedpol_turn(&s, 0, T0 + 2 * IDLE), -1);
		assert_int_equal(s.policy, kept[i]);
	}
}

/* Asleep under SCHED_OTHER, a thread wakes when the idle period ends, to
 * switch back; under batch, or not ours, it sleeps without a limit. */
static void
test_wait_until_switch_back(void **state)
{
	struct ttt_schedpol s;

	(void)state;
	ttt_schedpol_init(&s, SCHED_BATCH, 1);
	assert_int_equal(ttt_schedpol_wait_ms(&s, T0), -1);
	assert_int_equal(ttt_schedpol_turn(&s, 1, T0), SCHED_OTHER);
	assert_int_equal(ttt_schedpol_wait_ms(&s, T0), IDLE / 1000000);
	/* Rounded up: 1 ns left is still a millisecond to wait. */
	assert_int_equal(ttt_schedpol_wait_ms(&s, T0 + IDLE - 1), 1);
	assert_int_equal(ttt_schedpol_wait_ms(&s, T0 + IDLE), 0);
	assert_int_equal(ttt_schedpol_wait_ms(&s, T0 + 5 * IDLE), 0);
	/* A clock behind the last busy turn never asks for more than a period. */
	assert_int_equal(ttt_schedpol_wait_ms(&s, T0 - 5 * IDLE), IDLE / 1000000);
	assert_int_equal(ttt_schedpol_turn(&s, 0, T0 + IDLE), SCHED_BATCH);
	assert_int_equal(ttt_schedpol_wait_ms(&s, T0 + IDLE), -1);
	ttt_schedpol_init(&s, SCHED_OTHER, 1);
	assert_int_equal(ttt_schedpol_wait_ms(&s, T0), -1);
}

/* SCHED_BATCH the administrator chose (chrt -b), not the parent: kept. */
static void
test_batch_not_ours_kept(void **state)
{
	struct ttt_schedpol s;

	(void)state;
	ttt_schedpol_init(&s, SCHED_BATCH, 0);
	assert_int_equal(ttt_schedpol_turn(&s, 1, T0), -1);
	assert_int_equal(ttt_schedpol_turn(&s, 0, T0 + 2 * IDLE), -1);
	assert_int_equal(s.policy, SCHED_BATCH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_busy_switches_to_other),
		cmocka_unit_test(test_idle_switches_back),
		cmocka_unit_test(test_other_policies_kept),
		cmocka_unit_test(test_batch_not_ours_kept),
		cmocka_unit_test(test_wait_until_switch_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

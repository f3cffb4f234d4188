/*
 * The timer list (src/timers.c): deadlines on an injected monotonic clock,
 * the earliest first, never early, and poll()'s timeout rounded up.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "timers.h"
#include "wire.h"

#define MS TTT_NSEC_PER_MSEC
static const int64_t T0 = INT64_C(5000) * TTT_NSEC_PER_SEC;

static void
test_none_armed(void **state)
{
	struct ttt_timers t;

	(void)state;
	ttt_timers_init(&t);
	assert_int_equal(ttt_timers_poll_ms(&t, T0), -1);
	assert_int_equal(ttt_timers_take(&t, INT64_MAX - 1), TTT_TIMER_N);
	for (int i = 0; i < TTT_TIMER_N; i++)
		assert_false(ttt_timers_armed(&t, (enum ttt_timer)i));
}

/* Never early: 1 ns short of a deadline is one whole millisecond to wait. */
static void
test_poll_rounds_up(void **state)
{
	struct ttt_timers t;

	(void)state;
	ttt_timers_init(&t);
	ttt_timers_arm(&t, TTT_TIMER_STATS_POLL, T0 + 1000 * MS);
	assert_int_equal(ttt_timers_poll_ms(&t, T0), 1000);
	assert_int_equal(ttt_timers_poll_ms(&t, T0 + 1), 1000);
	assert_int_equal(ttt_timers_poll_ms(&t, T0 + 1000 * MS - 1), 1);
	assert_int_equal(ttt_timers_poll_ms(&t, T0 + 1000 * MS), 0);
	assert_int_equal(ttt_timers_take(&t, T0 + 1000 * MS - 1), TTT_TIMER_N);
	assert_int_equal(ttt_timers_take(&t, T0 + 1000 * MS), TTT_TIMER_STATS_POLL);
	assert_false(ttt_timers_armed(&t, TTT_TIMER_STATS_POLL));
	assert_int_equal(ttt_timers_take(&t, T0 + 1000 * MS), TTT_TIMER_N);
}

/* Several due: the earliest first, each once; re-arming replaces. */
static void
test_earliest_first(void **state)
{
	struct ttt_timers t;

	(void)state;
	ttt_timers_init(&t);
	ttt_timers_arm(&t, TTT_TIMER_STATS_LOG, T0 + 30 * MS);
	ttt_timers_arm(&t, TTT_TIMER_RESPAWN, T0 + 10 * MS);
	ttt_timers_arm(&t, TTT_TIMER_KEY_PENDING, T0 + 20 * MS);
	ttt_timers_arm(&t, TTT_TIMER_STATS_POLL, T0 + 50 * MS);
	ttt_timers_arm(&t, TTT_TIMER_STATS_POLL, T0 + 40 * MS);
	assert_int_equal(ttt_timers_poll_ms(&t, T0), 10);
	assert_int_equal(ttt_timers_take(&t, T0 + 45 * MS), TTT_TIMER_RESPAWN);
	assert_int_equal(ttt_timers_take(&t, T0 + 45 * MS), TTT_TIMER_KEY_PENDING);
	assert_int_equal(ttt_timers_take(&t, T0 + 45 * MS), TTT_TIMER_STATS_LOG);
	assert_int_equal(ttt_timers_take(&t, T0 + 45 * MS), TTT_TIMER_STATS_POLL);
	assert_int_equal(ttt_timers_take(&t, T0 + 45 * MS), TTT_TIMER_N);
	ttt_timers_arm(&t, TTT_TIMER_RESPAWN, T0);
	ttt_timers_disarm(&t, TTT_TIMER_RESPAWN);
	assert_int_equal(ttt_timers_poll_ms(&t, T0), -1);
}

/* Far deadlines and extreme clocks neither overflow nor spin. */
static void
test_extremes(void **state)
{
	struct ttt_timers t;

	(void)state;
	ttt_timers_init(&t);
	ttt_timers_arm(&t, TTT_TIMER_RESPAWN, INT64_MAX - 1);
	assert_int_equal(ttt_timers_poll_ms(&t, INT64_MIN), INT_MAX);
	assert_int_equal(ttt_timers_poll_ms(&t, 0), INT_MAX);
	ttt_timers_arm(&t, TTT_TIMER_RESPAWN, INT64_MIN);
	assert_int_equal(ttt_timers_poll_ms(&t, INT64_MIN), 0);
	assert_int_equal(ttt_timers_take(&t, INT64_MIN), TTT_TIMER_RESPAWN);
	ttt_timers_arm(&t, TTT_TIMER_N, T0);	/* out of range: ignored */
	assert_int_equal(ttt_timers_poll_ms(&t, T0), -1);
	assert_false(ttt_timers_armed(&t, TTT_TIMER_N));
}

static void
test_names(void **state)
{
	(void)state;
	for (int i = 0; i < TTT_TIMER_N; i++)
		assert_string_not_equal(ttt_timer_name((enum ttt_timer)i), "unknown");
	assert_string_equal(ttt_timer_name(TTT_TIMER_N), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none_armed),
		cmocka_unit_test(test_poll_rounds_up),
		cmocka_unit_test(test_earliest_first),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Logging (src/log.c): the token bucket that keeps a flood of refused
 * datagrams, or a compromised worker, from flooding the log, driven by a
 * clock of our own; and the marking of a line cut to TTT_LOG_LINE_MAX.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "log.h"

/* The worker's limit for refused datagrams (REFUSAL_LOG_* in worker.c). */
#define PER_SEC 5
#define BURST   20

/* How many of n calls at now_ms are allowed. */
static unsigned
allowed(struct ttt_ratelimit *rl, long long now_ms, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		k += (unsigned)ttt_ratelimit_allow(rl, now_ms);
	return k;
}

static void
test_burst_then_rate(void **state)
{
	struct ttt_ratelimit rl;

	(void)state;
	ttt_ratelimit_init(&rl, PER_SEC, BURST);
	/* The first call may come at any time: the bucket starts full. */
	assert_int_equal(allowed(&rl, 123456, BURST + 7), BURST);
	assert_int_equal(rl.suppressed, 7);
	/* One token a 1000 / PER_SEC ms: not a millisecond before. */
	assert_int_equal(allowed(&rl, 123456 + 199, 3), 0);
	assert_int_equal(allowed(&rl, 123456 + 200, 3), 1);
	assert_int_equal(allowed(&rl, 123456 + 399, 1), 0);
	assert_int_equal(allowed(&rl, 123456 + 400, 1), 1);
	assert_int_equal(rl.suppressed, 7 + 3 + 2 + 1);
}

/* A steady flood, one call a millisecond for 10 s, gets the burst plus
 * PER_SEC a second: fractions of a token carry over between calls. */
static void
test_refill_over_time(void **state)
{
	struct ttt_ratelimit rl;
	unsigned k = 0;

	(void)state;
	ttt_ratelimit_init(&rl, PER_SEC, BURST);
	for (long long t = 0; t <= 10000; t++)
		k += (unsigned)ttt_ratelimit_allow(&rl, t);
	assert_int_equal(k, BURST + 10 * PER_SEC);
	assert_int_equal(rl.suppressed, 10001 - k);
}

/* A clock that steps back must not mint tokens, neither then nor when it
 * comes forward again over time already paid for. */
static void
test_no_refill_when_time_goes_back(void **state)
{
	struct ttt_ratelimit rl;

	(void)state;
	ttt_ratelimit_init(&rl, PER_SEC, BURST);
	assert_int_equal(allowed(&rl, 50000, BURST), BURST);
	assert_int_equal(allowed(&rl, 1000, 5), 0);
	assert_int_equal(allowed(&rl, 0, 5), 0);
	assert_int_equal(allowed(&rl, 49000, 5), 0);
	assert_int_equal(allowed(&rl, 50000, 5), 0);
	assert_int_equal(allowed(&rl, 50199, 1), 0);
	assert_int_equal(allowed(&rl, 50200, 2), 1);
	assert_int_equal(rl.suppressed, 5 * 4 + 1 + 1);
}

/* Idle for an hour, the bucket holds the burst and no more. */
static void
test_capped_at_burst_after_idle(void **state)
{
	struct ttt_ratelimit rl;

	(void)state;
	ttt_ratelimit_init(&rl, PER_SEC, BURST);
	assert_int_equal(allowed(&rl, 1000, BURST + 1), BURST);
	assert_int_equal(allowed(&rl, 1000 + 3600 * 1000LL, 10 * BURST), BURST);
	/* Half-used, then idle again: full, not more than full. */
	assert_int_equal(allowed(&rl, 2 * 3600 * 1000LL, BURST / 2), BURST / 2);
	assert_int_equal(allowed(&rl, 3 * 3600 * 1000LL, 10 * BURST), BURST);
}

static void
test_zero_rate_is_burst_only(void **state)
{
	struct ttt_ratelimit rl;

	(void)state;
	ttt_ratelimit_init(&rl, 0, 3);
	assert_int_equal(allowed(&rl, 0, 5), 3);
	assert_int_equal(allowed(&rl, 86400 * 1000LL, 5), 0);
	assert_int_equal(rl.suppressed, 7);
}

/* ---- lines, captured through the sink the worker uses ---- */

static char got[2 * TTT_LOG_LINE_MAX];
static enum ttt_log_level got_lvl;
static int got_n;

static void
capture(enum ttt_log_level lvl, const char *line)
{
	size_t len = strlen(line);

	assert_true(len < sizeof(got));
	memcpy(got, line, len + 1);
	got_lvl = lvl;
	got_n++;
}

static int
setup_sink(void **state)
{
	(void)state;
	ttt_log_init("test", TTT_LOG_INFO, 0);
	ttt_log_set_sink(capture);
	got_n = 0;
	got[0] = '\0';
	return 0;
}

static int
teardown_sink(void **state)
{
	(void)state;
	ttt_log_set_sink(NULL);
	return 0;
}

static void
test_line_delivered_whole(void **state)
{
	(void)state;
	log_warn("worker %d %s", 7, "ended");
	assert_int_equal(got_n, 1);
	assert_int_equal(got_lvl, TTT_LOG_WARN);
	assert_string_equal(got, "worker 7 ended");
	/* Below the level set: not formatted, not delivered. */
	log_debug("not now");
	assert_int_equal(got_n, 1);
	assert_int_equal(ttt_log_level(), TTT_LOG_INFO);
}

/* text of len bytes: "0123456789012..." */
static void
make_text(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		s[i] = (char)('0' + i % 10);
	s[len] = '\0';
}

static void
test_longest_line_is_not_cut(void **state)
{
	char text[TTT_LOG_LINE_MAX];

	(void)state;
	make_text(text, TTT_LOG_LINE_MAX - 1);
	log_info("%s", text);
	assert_int_equal(got_n, 1);
	assert_string_equal(got, text);
}

/* One byte more, or many more: the line is cut to fit and ends in "...",
 * so nobody takes a cut line for the whole message. */
static void
test_cut_line_is_marked(void **state)
{
	static const size_t lens[] = { TTT_LOG_LINE_MAX, TTT_LOG_LINE_MAX + 1,
	    3 * TTT_LOG_LINE_MAX };
	char text[3 * TTT_LOG_LINE_MAX + 1];

	(void)state;
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		make_text(text, lens[k]);
		log_info("%s", text);
		assert_int_equal(got_n, (int)k + 1);
		assert_int_equal(strlen(got), TTT_LOG_LINE_MAX - 1);
		assert_memory_equal(got, text, TTT_LOG_LINE_MAX - 4);
		assert_string_equal(got + TTT_LOG_LINE_MAX - 4, "...");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_refill_over_time),
		cmocka_unit_test(test_no_refill_when_time_goes_back),
		cmocka_unit_test(test_capped_at_burst_after_idle),
		cmocka_unit_test(test_zero_rate_is_burst_only),
		cmocka_unit_test_setup_teardown(test_line_delivered_whole, setup_sink, teardown_sink),
		cmocka_unit_test_setup_teardown(test_longest_line_is_not_cut, setup_sink, teardown_sink),
		cmocka_unit_test_setup_teardown(test_cut_line_is_marked, setup_sink, teardown_sink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

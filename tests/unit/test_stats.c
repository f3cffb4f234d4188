/*
 * The counters (src/stats.c): the parent adds up what a possibly
 * compromised worker reports, so the sum must saturate, never wrap; every
 * counter has a name; and the one-line report is exact and never overruns
 * its buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stats.h"

/* The report for counters 1, 2, ..., TTT_STAT_N in order. */
static const char report_1_to_n[] =
    "tx frames=1 bytes=2 no-peer=3 long=4 tap-errors=5 socket-errors=6 segmented=7"
    " keepalives=8 split=9 bad-offload=10 offload-refused=11 rx frames=12 bytes=13"
    " short=14 long=15 badmac=16 stale=17 future=18 replay=19 reflected=20 wrong-peer=21"
    " tap-errors=22 socket-errors=23 coalesced=24 keepalives=25 merged=26 merged-udp=27";

static void
fill_1_to_n(struct ttt_stats *st)
{
	for (unsigned i = 0; i < TTT_STAT_N; i++)
		st->v[i] = i + 1;
}

static void
test_add_sums_each_counter(void **state)
{
	struct ttt_stats to, from;

	(void)state;
	fill_1_to_n(&to);
	fill_1_to_n(&from);
	ttt_stats_add(&to, &from);
	for (unsigned i = 0; i < TTT_STAT_N; i++)
		assert_int_equal(to.v[i], 2 * (i + 1));
	/* Adding nothing changes nothing. */
	memset(&from, 0, sizeof(from));
	ttt_stats_add(&to, &from);
	for (unsigned i = 0; i < TTT_STAT_N; i++)
		assert_int_equal(to.v[i], 2 * (i + 1));
}

/* A worker reporting huge numbers must pin a total at UINT64_MAX, not wrap
 * it to a small value that would hide an attack. */
static void
test_add_saturates(void **state)
{
	static const struct {
		uint64_t to, from, want;
	} cases[] = {
		{ UINT64_MAX - 10, 10, UINT64_MAX },		/* exactly the maximum */
		{ UINT64_MAX - 10, 9, UINT64_MAX - 1 },		/* one below */
		{ UINT64_MAX - 10, 11, UINT64_MAX },		/* one over: saturates */
		{ UINT64_MAX, 1, UINT64_MAX },
		{ 1, UINT64_MAX, UINT64_MAX },
		{ UINT64_MAX, UINT64_MAX, UINT64_MAX },
		{ 0, UINT64_MAX, UINT64_MAX },
		{ UINT64_MAX, 0, UINT64_MAX },
	};
	struct ttt_stats to, from;

	(void)state;
	/* Each case on each counter alone: no counter is left out, and none
	 * spills into its neighbours. */
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (unsigned i = 0; i < TTT_STAT_N; i++) {
			memset(&to, 0, sizeof(to));
			memset(&from, 0, sizeof(from));
			to.v[i] = cases[c].to;
			from.v[i] = cases[c].from;
			ttt_stats_add(&to, &from);
			for (unsigned j = 0; j < TTT_STAT_N; j++)
				assert_int_equal(to.v[j], j == i ? cases[c].want : 0);
		}
	}
	/* Once saturated, a total stays there however often it is added to. */
	for (unsigned i = 0; i < TTT_STAT_N; i++) {
		to.v[i] = UINT64_MAX / 2 + 1;
		from.v[i] = UINT64_MAX / 2 + 1;
	}
	for (int k = 0; k < 3; k++) {
		ttt_stats_add(&to, &from);
		for (unsigned i = 0; i < TTT_STAT_N; i++)
			assert_int_equal(to.v[i], UINT64_MAX);
	}
}

static void
test_every_stat_has_a_name(void **state)
{
	(void)state;
	for (unsigned i = 0; i < TTT_STAT_N; i++) {
		const char *n = ttt_stat_name((enum ttt_stat)i);

		assert_non_null(n);
		assert_true(n[0] != '\0');
		assert_string_not_equal(n, "unknown");
		/* It goes into "name=value" on a line of words. */
		assert_null(strpbrk(n, " =\n"));
		/* Within one direction, names are unique. */
		for (unsigned j = 0; j < i; j++) {
			int same_dir = (i < TTT_STAT_RX_FRAMES) == (j < TTT_STAT_RX_FRAMES);

			if (same_dir)
				assert_string_not_equal(n, ttt_stat_name((enum ttt_stat)j));
		}
	}
	assert_string_equal(ttt_stat_name(TTT_STAT_RX_WRONG_PEER), "wrong-peer");
	assert_string_equal(ttt_stat_name(TTT_STAT_TX_NOPEER), "no-peer");
	/* Outside the range, a name rather than a wild read. */
	assert_string_equal(ttt_stat_name(TTT_STAT_N), "unknown");
	assert_string_equal(ttt_stat_name((enum ttt_stat)(TTT_STAT_N + 1000)), "unknown");
	assert_string_equal(ttt_stat_name((enum ttt_stat)-1), "unknown");
}

static void
test_format_exact(void **state)
{
	struct ttt_stats st;
	char buf[1024];
	size_t n;

	(void)state;
	fill_1_to_n(&st);
	n = ttt_stats_format(&st, buf, sizeof(buf));
	assert_string_equal(buf, report_1_to_n);
	assert_int_equal(n, strlen(report_1_to_n));

	memset(&st, 0, sizeof(st));
	st.v[TTT_STAT_TX_FRAMES] = UINT64_MAX;
	st.v[TTT_STAT_RX_COALESCED] = UINT64_MAX;
	n = ttt_stats_format(&st, buf, sizeof(buf));
	assert_string_equal(buf,
	    "tx frames=18446744073709551615 bytes=0 no-peer=0 long=0 tap-errors=0"
	    " socket-errors=0 segmented=0 keepalives=0 split=0 bad-offload=0 offload-refused=0"
	    " rx frames=0 bytes=0 short=0 long=0 badmac=0 stale=0 future=0 replay=0"
	    " reflected=0 wrong-peer=0 tap-errors=0 socket-errors=0"
	    " coalesced=18446744073709551615 keepalives=0 merged=0 merged-udp=0");
	assert_int_equal(n, strlen(buf));
}

/* Every buffer size from 1 to the full length and past it: the result is a
 * NUL-terminated prefix of the full line, its length is returned, and not a
 * byte past cap is written. */
static void
test_format_truncates_safely(void **state)
{
	enum { GUARD = 32 };
	static const size_t full = sizeof(report_1_to_n) - 1;
	struct ttt_stats st;
	char buf[sizeof(report_1_to_n) + 8 + GUARD];

	(void)state;
	fill_1_to_n(&st);
	for (size_t cap = 1; cap <= full + 8; cap++) {
		size_t n, want = cap - 1 < full ? cap - 1 : full;

		memset(buf, 0x5a, sizeof(buf));
		n = ttt_stats_format(&st, buf, cap);
		assert_int_equal(n, want);
		assert_int_equal(buf[n], '\0');
		assert_int_equal(strlen(buf), n);
		assert_memory_equal(buf, report_1_to_n, n);
		for (size_t i = cap; i < cap + GUARD; i++)
			assert_int_equal((unsigned char)buf[i], 0x5a);
	}
}

static void
test_format_cap_zero_writes_nothing(void **state)
{
	struct ttt_stats st;
	char buf[8];

	(void)state;
	fill_1_to_n(&st);
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(ttt_stats_format(&st, buf, 0), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal((unsigned char)buf[i], 0x5a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_sums_each_counter),
		cmocka_unit_test(test_add_saturates),
		cmocka_unit_test(test_every_stat_has_a_name),
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_format_truncates_safely),
		cmocka_unit_test(test_format_cap_zero_writes_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

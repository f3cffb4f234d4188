/*
 * UDP segmentation offload as pure code (src/gso.c), against the grouping
 * rule of tests/model/gso_model.h (the fuzz harness drives the same model):
 * hand-written cases with their exact messages, ttt_gro_piece alone, and
 * 100k random batches.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "gso.h"
#include "../model/gso_model.h"

#define MAX_N        (2 * TTT_GSO_MAX_SEGS + 8)	/* the largest batch a test builds */
#define GUARD        4		/* out[] entries past n that must stay untouched */
#define RANDOM_RUNS  100000u
#define RANDOM_MAX_N 32u
/* A full IPv4 datagram on a 1500-byte Ethernet MTU, and on a 9000-byte one. */
#define DGRAM_ETH    (1500 - 20 - 8)
#define DGRAM_JUMBO  (9000 - 20 - 8)
/* A pattern no real message has: shows which out[] entries were written. */
#define POISON_FIRST 0xdeadbeefu

struct want {
	unsigned first, count;
	uint16_t seg;
};

static const struct ttt_gso_limits lim_default = {
	.max_segs = TTT_GSO_MAX_SEGS, .max_seg = UINT16_MAX, .max_bytes = TTT_GSO_MAX_BYTES,
};

/* ------------------------------------------------------------- the rule */

/* Fail the test with the model's reason when the grouping breaks the rule. */
static void
check_grouping(const size_t *len, unsigned n, const struct ttt_gso_limits *lim,
    const struct ttt_gso_msg *out, unsigned nmsg)
{
	const char *why = gso_model_check(len, n, lim, out, nmsg);

	if (why != NULL)
		fail_msg("%s", why);
}

/* Group, check the rule, and check nothing was written past out[n - 1]. */
static unsigned
group(const size_t *len, unsigned n, const struct ttt_gso_limits *lim,
    struct ttt_gso_msg out[MAX_N + GUARD])
{
	unsigned nmsg;

	assert_true(n <= MAX_N);
	for (unsigned k = 0; k < MAX_N + GUARD; k++)
		out[k] = (struct ttt_gso_msg){ .first = POISON_FIRST };
	nmsg = ttt_gso_group(len, n, lim, out);
	for (unsigned k = n; k < MAX_N + GUARD; k++)
		if (out[k].first != POISON_FIRST)
			fail_msg("out[%u] written, past the %u datagrams", k, n);
	check_grouping(len, n, lim, out, nmsg);
	return nmsg;
}

static void
expect_group(const size_t *len, unsigned n, const struct ttt_gso_limits *lim,
    const struct want *want, unsigned nwant)
{
	struct ttt_gso_msg out[MAX_N + GUARD];
	unsigned nmsg = group(len, n, lim, out);

	for (unsigned k = 0; k < nmsg && k < nwant; k++)
		if (out[k].first != want[k].first || out[k].count != want[k].count ||
		    out[k].seg != want[k].seg)
			fail_msg("message %u: got %u..+%u seg %u, want %u..+%u seg %u", k, out[k].first,
			    out[k].count, (unsigned)out[k].seg, want[k].first, want[k].count,
			    (unsigned)want[k].seg);
	assert_int_equal(nmsg, nwant);
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define EXPECT(len, lim, ...) do {						\
	static const struct want w_[] = { __VA_ARGS__ };			\
	expect_group(len, NELEM(len), lim, w_, NELEM(w_));			\
} while (0)

/* ----------------------------------------------------- hand-written cases */

static void
test_equal_lengths_one_message(void **state)
{
	static const size_t len[] = { 1400, 1400, 1400, 1400, 1400 };
	static const size_t max[] = { UINT16_MAX, UINT16_MAX };
	const struct ttt_gso_limits huge = {
		.max_segs = TTT_GSO_MAX_SEGS, .max_seg = UINT16_MAX, .max_bytes = SIZE_MAX,
	};

	(void)state;
	EXPECT(len, &lim_default, { 0, 5, 1400 });
	/* The largest datagrams group too when the byte limit allows it. */
	EXPECT(max, &huge, { 0, 2, UINT16_MAX });
}

static void
test_shorter_closes_the_run(void **state)
{
	static const size_t len[] = { 1400, 1400, 1400, 600, 1400, 1400 };
	/* After the shorter one, even an equal one starts anew. */
	static const size_t two_short[] = { 1400, 600, 600 };
	/* A one-datagram run may be closed too. */
	static const size_t pair[] = { 1400, 1, 1400 };

	(void)state;
	EXPECT(len, &lim_default, { 0, 4, 1400 }, { 4, 2, 1400 });
	EXPECT(two_short, &lim_default, { 0, 2, 1400 }, { 2, 1, 600 });
	EXPECT(pair, &lim_default, { 0, 2, 1400 }, { 2, 1, 1400 });
}

static void
test_longer_starts_anew(void **state)
{
	static const size_t len[] = { 600, 600, 1400, 1400 };
	static const size_t up[] = { 1, 2, 3 };

	(void)state;
	/* The kernel cuts every seg bytes: nothing can be longer than the first. */
	EXPECT(len, &lim_default, { 0, 2, 600 }, { 2, 2, 1400 });
	EXPECT(up, &lim_default, { 0, 1, 1 }, { 1, 1, 2 }, { 2, 1, 3 });
}

static void
test_empty_datagram_alone(void **state)
{
	static const size_t mid[] = { 1400, 1400, 0, 1400 };
	static const size_t two[] = { 0, 0 };
	static const size_t after[] = { 0, 1400, 1400 };
	static const size_t tiny[] = { 1, 1, 0 };

	(void)state;
	/* Not even as the shorter closer of a run: cut into seg-sized pieces,
	 * a message ending in an empty datagram is one datagram short. */
	EXPECT(mid, &lim_default, { 0, 2, 1400 }, { 2, 1, 0 }, { 3, 1, 1400 });
	EXPECT(two, &lim_default, { 0, 1, 0 }, { 1, 1, 0 });
	EXPECT(after, &lim_default, { 0, 1, 0 }, { 1, 2, 1400 });
	EXPECT(tiny, &lim_default, { 0, 2, 1 }, { 2, 1, 0 });
}

static void
test_one_seg_a_message(void **state)
{
	static const size_t len[] = { 1400, 1400, 600, 600 };
	const struct ttt_gso_limits one = {
		.max_segs = 1, .max_seg = UINT16_MAX, .max_bytes = TTT_GSO_MAX_BYTES,
	};

	(void)state;
	/* What a kernel that refused UDP_SEGMENT gets. */
	EXPECT(len, &one, { 0, 1, 1400 }, { 1, 1, 1400 }, { 2, 1, 600 }, { 3, 1, 600 });
}

static void
test_max_segs_splits_a_run(void **state)
{
	static const size_t eight[] = { 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000 };
	/* The shorter one would close the run, but the run is full already. */
	static const size_t closer[] = { 1000, 1000, 1000, 500 };
	const struct ttt_gso_limits three = {
		.max_segs = 3, .max_seg = UINT16_MAX, .max_bytes = TTT_GSO_MAX_BYTES,
	};
	const struct ttt_gso_limits huge = {
		.max_segs = TTT_GSO_MAX_SEGS, .max_seg = UINT16_MAX, .max_bytes = SIZE_MAX,
	};
	size_t many[2 * TTT_GSO_MAX_SEGS + 1];

	(void)state;
	EXPECT(eight, &three, { 0, 3, 1000 }, { 3, 3, 1000 }, { 6, 2, 1000 });
	EXPECT(closer, &three, { 0, 3, 1000 }, { 3, 1, 500 });
	for (size_t i = 0; i < NELEM(many); i++)
		many[i] = 100;
	EXPECT(many, &huge, { 0, TTT_GSO_MAX_SEGS, 100 },
	    { TTT_GSO_MAX_SEGS, TTT_GSO_MAX_SEGS, 100 }, { 2 * TTT_GSO_MAX_SEGS, 1, 100 });
}

static void
test_max_bytes_splits_a_run(void **state)
{
	static const size_t five[] = { 1000, 1000, 1000, 1000, 1000 };
	static const size_t three[] = { 1000, 1000, 1000 };
	static const size_t closer[] = { 1000, 1000, 600 };
	const struct ttt_gso_limits b3000 = {
		.max_segs = TTT_GSO_MAX_SEGS, .max_seg = UINT16_MAX, .max_bytes = 3000,
	};
	const struct ttt_gso_limits b2999 = { .max_segs = TTT_GSO_MAX_SEGS,
		.max_seg = UINT16_MAX, .max_bytes = 2999 };
	const struct ttt_gso_limits b2599 = { .max_segs = TTT_GSO_MAX_SEGS,
		.max_seg = UINT16_MAX, .max_bytes = 2599 };
	const struct ttt_gso_limits b2600 = { .max_segs = TTT_GSO_MAX_SEGS,
		.max_seg = UINT16_MAX, .max_bytes = 2600 };
	size_t eth[2 * TTT_GSO_MAX_SEGS];
	const unsigned fit = TTT_GSO_MAX_BYTES / DGRAM_ETH;

	(void)state;
	EXPECT(five, &b3000, { 0, 3, 1000 }, { 3, 2, 1000 });
	/* Exactly max_bytes fits; one byte less does not. */
	EXPECT(three, &b3000, { 0, 3, 1000 });
	EXPECT(three, &b2999, { 0, 2, 1000 }, { 2, 1, 1000 });
	EXPECT(closer, &b2600, { 0, 3, 1000 });
	EXPECT(closer, &b2599, { 0, 2, 1000 }, { 2, 1, 600 });

	/* Full Ethernet datagrams: the 64 KiB limit bites before the 64 segments. */
	for (size_t i = 0; i < NELEM(eth); i++)
		eth[i] = DGRAM_ETH;
	assert_true(fit < TTT_GSO_MAX_SEGS && 2 * fit < NELEM(eth) &&
	    NELEM(eth) - 2 * fit < fit);
	{
		const struct want w[] = {
			{ 0, fit, DGRAM_ETH }, { fit, fit, DGRAM_ETH },
			{ 2 * fit, (unsigned)NELEM(eth) - 2 * fit, DGRAM_ETH },
		};

		expect_group(eth, NELEM(eth), &lim_default, w, NELEM(w));
	}
	/* And one datagram above the limit still goes, alone. */
	{
		static const size_t max[] = { UINT16_MAX, UINT16_MAX, 100, 100 };

		EXPECT(max, &lim_default, { 0, 1, UINT16_MAX }, { 1, 1, UINT16_MAX },
		    { 2, 2, 100 });
	}
}

static void
test_max_seg_ceiling(void **state)
{
	static const size_t len[] = {
		1400, 1400, 1000, 1000, 1000, TTT_GSO_SURE_SEG, TTT_GSO_SURE_SEG,
		TTT_GSO_SURE_SEG + 1, TTT_GSO_SURE_SEG + 1,
	};
	/* A datagram too long to group cannot take a shorter one either. */
	static const size_t closer[] = { 1400, 1000, 1000 };
	const struct ttt_gso_limits sure = {
		.max_segs = TTT_GSO_MAX_SEGS, .max_seg = TTT_GSO_SURE_SEG,
		.max_bytes = TTT_GSO_MAX_BYTES,
	};
	const struct ttt_gso_limits none = {
		.max_segs = TTT_GSO_MAX_SEGS, .max_seg = 0, .max_bytes = TTT_GSO_MAX_BYTES,
	};

	(void)state;
	EXPECT(len, &sure, { 0, 1, 1400 }, { 1, 1, 1400 }, { 2, 3, 1000 },
	    { 5, 2, TTT_GSO_SURE_SEG }, { 7, 1, TTT_GSO_SURE_SEG + 1 },
	    { 8, 1, TTT_GSO_SURE_SEG + 1 });
	EXPECT(closer, &sure, { 0, 1, 1400 }, { 1, 2, 1000 });
	EXPECT(closer, &none, { 0, 1, 1400 }, { 1, 1, 1000 }, { 2, 1, 1000 });
}

static void
test_empty_and_single(void **state)
{
	static const size_t one[] = { 1 };
	static const size_t max[] = { UINT16_MAX };
	static const size_t eth[] = { DGRAM_ETH };
	const struct ttt_gso_limits tiny = {
		.max_segs = TTT_GSO_MAX_SEGS, .max_seg = 0, .max_bytes = 1,
	};
	struct ttt_gso_msg out[MAX_N + GUARD];

	(void)state;
	/* group() also checks that nothing at all is written. */
	assert_int_equal(group(one, 0, &lim_default, out), 0);
	EXPECT(one, &lim_default, { 0, 1, 1 });
	EXPECT(max, &lim_default, { 0, 1, UINT16_MAX });
	EXPECT(eth, &lim_default, { 0, 1, DGRAM_ETH });
	/* Whatever the limits, a datagram goes. */
	EXPECT(max, &tiny, { 0, 1, UINT16_MAX });
}

/* --------------------------------------------------- ttt_gro_piece alone */

static void
test_gro_piece(void **state)
{
	(void)state;
	/* Not coalesced: the rest of the message is one datagram. */
	assert_int_equal(ttt_gro_piece(1000, 0, 0), 1000);
	assert_int_equal(ttt_gro_piece(1000, 0, 999), 1);
	assert_int_equal(ttt_gro_piece(TTT_GSO_MAX_BYTES, 0, 0), TTT_GSO_MAX_BYTES);
	/* A segment size larger than what is left: the rest. */
	assert_int_equal(ttt_gro_piece(500, 1400, 0), 500);
	assert_int_equal(ttt_gro_piece(2900, 1400, 2800), 100);
	assert_int_equal(ttt_gro_piece(1400, 1400, 0), 1400);
	/* An exact multiple: every piece full. */
	assert_int_equal(ttt_gro_piece(3 * 1400, 1400, 0), 1400);
	assert_int_equal(ttt_gro_piece(3 * 1400, 1400, 1400), 1400);
	assert_int_equal(ttt_gro_piece(3 * 1400, 1400, 2 * 1400), 1400);
	/* The last piece shorter. */
	assert_int_equal(ttt_gro_piece(2 * 1400 + 600, 1400, 1400), 1400);
	assert_int_equal(ttt_gro_piece(2 * 1400 + 600, 1400, 2 * 1400), 600);
	assert_int_equal(ttt_gro_piece(2 * 1400 + 1, 1400, 2 * 1400), 1);
	/* An empty message is one empty datagram, coalesced or not. */
	assert_int_equal(ttt_gro_piece(0, 0, 0), 0);
	assert_int_equal(ttt_gro_piece(0, 1400, 0), 0);
	/* One-byte segments. */
	assert_int_equal(ttt_gro_piece(3, 1, 0), 1);
	assert_int_equal(ttt_gro_piece(3, 1, 2), 1);
}

/* Walking a whole message: pieces are seg long, the last the remainder. */
static void
test_gro_walk(void **state)
{
	static const size_t segs[] = { 1, 7, TTT_GSO_SURE_SEG, DGRAM_ETH, DGRAM_JUMBO,
		TTT_GSO_MAX_BYTES - 1, TTT_GSO_MAX_BYTES, UINT16_MAX };
	const size_t total = TTT_GSO_MAX_BYTES;

	(void)state;
	for (size_t s = 0; s < NELEM(segs); s++) {
		size_t off = 0, pieces = 0, want_pieces = (total + segs[s] - 1) / segs[s];

		while (off < total) {
			size_t p = ttt_gro_piece(total, segs[s], off);
			size_t want = total - off < segs[s] ? total - off : segs[s];

			if (p != want)
				fail_msg("seg %zu: piece at %zu is %zu, want %zu", segs[s], off, p, want);
			off += p;
			pieces++;
		}
		assert_int_equal(off, total);
		assert_int_equal(pieces, want_pieces);
	}
}

/* ----------------------------------------------------- random batches */

/* xorshift64: fixed seed, same run everywhere. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* 1 .. hi */
static size_t
rnd_1to(uint64_t *s, size_t hi)
{
	return 1 + (size_t)(rnd(s) % hi);
}

/* Any length a datagram may have, 0 included. */
static size_t
rnd_len(uint64_t *s)
{
	return (size_t)(rnd(s) % (UINT16_MAX + 1));
}

static const size_t palette[] = {
	0, 1, 2, TTT_GSO_SURE_SEG - 1, TTT_GSO_SURE_SEG, TTT_GSO_SURE_SEG + 1, DGRAM_ETH,
	DGRAM_JUMBO, UINT16_MAX - 1, UINT16_MAX,
};

/* Mostly the same length again, so runs are common; now and then shorter
 * (closing a run, or now and then empty), a well-known length, or anything. */
static size_t
next_len(uint64_t *s, size_t prev)
{
	/* Real batches hold no empty datagrams; a run of them is dull. */
	if (prev == 0)
		return rnd(s) % 2 ? palette[rnd(s) % NELEM(palette)] : rnd_len(s);
	switch (rnd(s) % 8) {
	case 0:
		return (size_t)(rnd(s) % prev);
	case 1:
		return palette[rnd(s) % NELEM(palette)];
	case 2:
		return rnd_len(s);
	default:
		return prev;
	}
}

static void
random_limits(uint64_t *s, struct ttt_gso_limits *lim)
{
	switch (rnd(s) % 4) {
	case 0: lim->max_segs = (unsigned)rnd_1to(s, 2); break;
	case 1: lim->max_segs = TTT_GSO_MAX_SEGS; break;
	default: lim->max_segs = (unsigned)rnd_1to(s, TTT_GSO_MAX_SEGS); break;
	}
	switch (rnd(s) % 8) {
	case 0: lim->max_seg = 0; break;
	case 1: case 2: lim->max_seg = TTT_GSO_SURE_SEG; break;
	case 3: case 4: lim->max_seg = UINT16_MAX; break;
	default: lim->max_seg = rnd_len(s); break;
	}
	switch (rnd(s) % 4) {
	case 0: lim->max_bytes = TTT_GSO_MAX_BYTES; break;
	case 1: lim->max_bytes = SIZE_MAX; break;
	case 2: lim->max_bytes = rnd_1to(s, 4 * DGRAM_JUMBO); break;
	default: lim->max_bytes = rnd_1to(s, (size_t)TTT_GSO_MAX_SEGS * UINT16_MAX); break;
	}
}

/* Why a message (not the batch's last) ended: each must come up, or the
 * batches are not exercising the rule. */
enum end { END_SEGS, END_BYTES, END_SHORTER, END_LONGER, END_CEILING, END_EMPTY, END_COUNT };

static enum end
why_ended(const size_t *len, const struct ttt_gso_msg *m, const struct ttt_gso_limits *lim)
{
	size_t next = len[m->first + m->count];

	if (m->count == lim->max_segs)
		return END_SEGS;
	if (m->seg > lim->max_seg)
		return END_CEILING;
	if (m->seg == 0 || next == 0)
		return END_EMPTY;
	if (len[m->first + m->count - 1] < m->seg)
		return END_SHORTER;
	if (next > m->seg)
		return END_LONGER;
	return END_BYTES;
}

static void
test_random_batches(void **state)
{
	uint64_t s = UINT64_C(0x9E3779B97F4A7C15);
	size_t ends[END_COUNT] = { 0 }, grouped = 0, msgs = 0, dgrams = 0;

	(void)state;
	for (unsigned run = 0; run < RANDOM_RUNS; run++) {
		struct ttt_gso_limits lim;
		struct ttt_gso_msg out[MAX_N + GUARD];
		size_t len[RANDOM_MAX_N];
		unsigned n = (unsigned)rnd_1to(&s, RANDOM_MAX_N), nmsg;

		random_limits(&s, &lim);
		len[0] = rnd(&s) % 2 ? palette[rnd(&s) % NELEM(palette)] : rnd_len(&s);
		for (unsigned i = 1; i < n; i++)
			len[i] = next_len(&s, len[i - 1]);
		nmsg = group(len, n, &lim, out);
		for (unsigned k = 0; k + 1 < nmsg; k++)
			ends[why_ended(len, &out[k], &lim)]++;
		for (unsigned k = 0; k < nmsg; k++)
			grouped += out[k].count > 1;
		msgs += nmsg;
		dgrams += n;
	}
	print_message("%zu datagrams in %zu messages, %zu of several; ends: %zu segs, %zu bytes,"
	    " %zu shorter, %zu longer, %zu ceiling, %zu empty\n", dgrams, msgs, grouped,
	    ends[END_SEGS], ends[END_BYTES], ends[END_SHORTER], ends[END_LONGER], ends[END_CEILING],
	    ends[END_EMPTY]);
	assert_true(grouped > RANDOM_RUNS / 4);
	for (int e = 0; e < END_COUNT; e++)
		assert_true(ends[e] > RANDOM_RUNS / 100);
}

/* A message the kernel cut, data or control, is refused whole. */
static void
test_gro_cut(void **state)
{
	(void)state;
	assert_false(ttt_gro_cut(0));
	assert_true(ttt_gro_cut(MSG_TRUNC));
	/* Its UDP_GRO may be what was lost: the run's cuts are unknown. */
	assert_true(ttt_gro_cut(MSG_CTRUNC));
	assert_false(ttt_gro_cut(MSG_DONTWAIT));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_lengths_one_message),
		cmocka_unit_test(test_shorter_closes_the_run),
		cmocka_unit_test(test_longer_starts_anew),
		cmocka_unit_test(test_empty_datagram_alone),
		cmocka_unit_test(test_one_seg_a_message),
		cmocka_unit_test(test_max_segs_splits_a_run),
		cmocka_unit_test(test_max_bytes_splits_a_run),
		cmocka_unit_test(test_max_seg_ceiling),
		cmocka_unit_test(test_empty_and_single),
		cmocka_unit_test(test_gro_piece),
		cmocka_unit_test(test_gro_walk),
		cmocka_unit_test(test_random_batches),
		cmocka_unit_test(test_gro_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

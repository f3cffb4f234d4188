/*
 * The reflection record (src/reflect.c): our own timestamps are recognised
 * exactly, a v1.4 peer's never are, and the stamps stay strictly increasing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/mman.h>
#include <unistd.h>

#include "reflect.h"
#include "frame.h"
#include "wire.h"

static _Atomic uint64_t words[TTT_REFLECT_WORDS_MAX];
static uint64_t dirty[TTT_REFLECT_DIRTY_MAX];
static struct ttt_reflect_fp cache[TTT_REFLECT_CACHE];
static const int64_t T0 = INT64_C(1764000000123456789);
#define TAG 0x2a5u

static struct ttt_reflect *
fresh(int64_t window_ns, unsigned tag)
{
	static struct ttt_reflect r;

	assert_true(ttt_reflect_words(window_ns) <= TTT_REFLECT_WORDS_MAX);
	for (size_t i = 0; i < TTT_REFLECT_WORDS_MAX; i++)
		words[i] = 0;
	memset(dirty, 0, sizeof(dirty));
	memset(cache, 0, sizeof(cache));
	ttt_reflect_init(&r, words, dirty, cache, window_ns, tag);
	return &r;
}

/* Our "MAC" for a timestamp in these tests: any fixed function will do. */
static void
our_mac(int64_t ts, uint8_t mac[TTT_MAC_LEN])
{
	uint64_t h = (uint64_t)ts * UINT64_C(0x9E3779B97F4A7C15);

	for (int i = 0; i < TTT_MAC_LEN; i++)
		mac[i] = (uint8_t)(h >> (8 * (i % 8))) ^ (uint8_t)i;
}

/* Stamp, "encode", record: what the sender does for each frame. */
static int64_t
send_one(struct ttt_reflect *r, int64_t *last, int64_t now)
{
	uint8_t mac[TTT_MAC_LEN];
	int64_t ts = ttt_reflect_stamp(r, last, now);

	our_mac(ts, mac);
	ttt_reflect_record(r, ts, mac);
	return ts;
}

static int
is_ours(const struct ttt_reflect *r, int64_t ts)
{
	uint8_t mac[TTT_MAC_LEN];

	our_mac(ts, mac);
	return ttt_reflect_check(r, ts, mac);
}

/* The frame number a stamp carries (reflect.h). */
static int64_t
seq_of(int64_t ts)
{
	return (ts >> TTT_TAG_BITS) & TTT_STAMP_SEQ_MASK;
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Every stamp carries the tag, lies in now's ~67 ms unit (or, after its
 * frame counter wrapped, the next), strictly increases, counts one frame
 * on, and is then recognised as ours. */
static void
test_stamps_tagged_increasing_recognised(void **state)
{
	struct ttt_reflect *r = fresh(TTT_DEFAULT_WINDOW_NS, TAG);
	int64_t last = INT64_MIN, now = T0, prev = INT64_MIN;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		int64_t ts;

		uint8_t other[TTT_MAC_LEN];

		now += (int64_t)(next_rand() % 3000);	/* a clock that sometimes stalls */
		ts = send_one(r, &last, now);
		assert_true(ts >> TTT_STAMP_UNIT_BITS == now >> TTT_STAMP_UNIT_BITS ||
		    ts >> TTT_STAMP_UNIT_BITS == (now >> TTT_STAMP_UNIT_BITS) + 1);
		assert_true(ts > now - TTT_STAMP_UNIT_NS && ts < now + 2 * TTT_STAMP_UNIT_NS);
		assert_true(ts > prev);
		if (prev != INT64_MIN)
			assert_int_equal(seq_of(ts), (seq_of(prev) + 1) & TTT_STAMP_SEQ_MASK);
		assert_int_equal(ts & TTT_TAG_MASK, TAG);
		assert_true(is_ours(r, ts));
		/* Same timestamp, other content: not ours. */
		our_mac(ts, other);
		other[3] ^= 1;
		assert_false(ttt_reflect_check(r, ts, other));
		prev = ts;
	}
}

/*
 * The frame counter wraps after 2^16 stamps: the next one moves to the next
 * unit, so no unit holds a slot twice, even on a stalled clock (the stamps
 * then run ahead of it, a unit every 2^16 frames, as at ~976k frames/s).
 * A slow sender stays in the unit of now.
 */
static void
test_counter_wrap_bumps_unit(void **state)
{
	struct ttt_reflect *r = fresh(TTT_DEFAULT_WINDOW_NS, TAG);
	int64_t last = INT64_MIN, prev = send_one(r, &last, T0), ts = 0;
	unsigned wraps = 0;

	(void)state;
	for (int i = 0; i < 3 * 65536; i++) {
		ts = send_one(r, &last, T0);
		assert_true(ts > prev);
		assert_int_equal(seq_of(ts), (seq_of(prev) + 1) & TTT_STAMP_SEQ_MASK);
		if (seq_of(ts) == 0) {
			assert_int_equal(ts >> TTT_STAMP_UNIT_BITS, (prev >> TTT_STAMP_UNIT_BITS) + 1);
			wraps++;
		} else {
			assert_int_equal(ts >> TTT_STAMP_UNIT_BITS, prev >> TTT_STAMP_UNIT_BITS);
		}
		prev = ts;
	}
	assert_int_equal(wraps, 3);
	/* One frame a second: back in the unit of now, the counter one on. */
	for (int i = 1; i <= 5; i++) {
		int64_t now = T0 + 10 * TTT_NSEC_PER_SEC + i * TTT_NSEC_PER_SEC;

		ts = send_one(r, &last, now);
		assert_int_equal(ts >> TTT_STAMP_UNIT_BITS, now >> TTT_STAMP_UNIT_BITS);
		assert_int_equal(seq_of(ts), (seq_of(prev) + 1) & TTT_STAMP_SEQ_MASK);
		assert_true(is_ours(r, ts));
		prev = ts;
	}
}

/* A clock stuck at one value still gives distinct stamps, a slot apart. */
static void
test_stalled_clock(void **state)
{
	struct ttt_reflect *r = fresh(TTT_DEFAULT_WINDOW_NS, TAG);
	int64_t last = INT64_MIN;
	int64_t a = send_one(r, &last, T0);
	int64_t b = send_one(r, &last, T0);
	int64_t c = send_one(r, &last, T0 - TTT_NSEC_PER_SEC);	/* steps back */

	(void)state;
	assert_int_equal(b - a, TTT_TAG_GRID);
	assert_int_equal(c - b, TTT_TAG_GRID);
}

/*
 * The proof: a long stream of v1.4-style timestamps (the peer's own
 * clock, nanosecond resolution, no tag, its own MACs) interleaved with our
 * own sending in nearly every slot: not one of the peer's frames is refused,
 * though many of them carry our tag and some carry exactly a timestamp we
 * sent (the stream is built to hit that case; the MAC tells them apart).
 */
static void
test_v14_stream_never_refused(void **state)
{
	struct ttt_reflect *r = fresh(TTT_DEFAULT_WINDOW_NS, TAG);
	int64_t last = INT64_MIN, now = T0, peer = T0 + 12345;
	unsigned refused = 0, ours_recognised = 0, with_our_tag = 0, same_ns = 0;
	const int n = 2000000;

	(void)state;
	for (int i = 0; i < n; i++) {
		uint8_t mac[TTT_MAC_LEN];
		int64_t ts;

		now += 1030 + (int64_t)(next_rand() % 200);	/* ~0.9 of the slots */
		ts = send_one(r, &last, now);
		ours_recognised += (unsigned)is_ours(r, ts);
		/* The peer's clock runs within a few microseconds of ours. */
		peer = now - 5000 + (int64_t)(next_rand() % 10000);
		for (int k = 0; k < TTT_MAC_LEN; k++)
			mac[k] = (uint8_t)next_rand();
		with_our_tag += (peer & TTT_TAG_MASK) == TAG;
		same_ns += (unsigned)is_ours(r, peer);
		refused += (unsigned)ttt_reflect_check(r, peer, mac);
		(void)ttt_reflect_observe(r, peer, (uint32_t)next_rand());
	}
	assert_int_equal(refused, 0);
	assert_int_equal(ours_recognised, n);
	/* The stream did exercise both checks. */
	assert_true(with_our_tag > (unsigned)n / 2048);
	assert_true(same_ns > 0);
}

/* Past the MAC cache, a timestamp of ours is refused whatever its MAC: a
 * reflection must never pass (the documented cost for a v1.4 frame). */
static void
test_beyond_cache_refused(void **state)
{
	struct ttt_reflect *r = fresh(TTT_DEFAULT_WINDOW_NS, TAG);
	int64_t last = INT64_MIN, first, now = T0;
	uint8_t other[TTT_MAC_LEN];

	(void)state;
	first = send_one(r, &last, now);
	for (unsigned i = 0; i < TTT_REFLECT_CACHE + 1; i++)
		(void)send_one(r, &last, now += TTT_TAG_GRID);
	our_mac(first, other);
	other[0] ^= 0x80;
	assert_true(ttt_reflect_check(r, first, other));
	assert_true(is_ours(r, first));
}

/* Bounced back from any age inside the window: still ours. Past what the
 * ring holds: still claimed (audit M3): the caller asks only about fresh
 * stamps, and one that old is fresh only if our clock stepped back. */
static void
test_old_stamps_in_window(void **state)
{
	struct ttt_reflect *r = fresh(TTT_DEFAULT_WINDOW_NS, TAG);
	int64_t last = INT64_MIN;
	int64_t first = send_one(r, &last, T0);
	int64_t mid;

	(void)state;
	mid = send_one(r, &last, T0 + TTT_DEFAULT_WINDOW_NS / 2);
	(void)send_one(r, &last, T0 + TTT_DEFAULT_WINDOW_NS);
	assert_true(is_ours(r, first));
	assert_true(is_ours(r, mid));
	/* A slot in between that we never used: not ours. */
	assert_false(is_ours(r, first + 7 * TTT_TAG_GRID));
	/* Long after, the ring has moved on, but the tag is still ours. */
	(void)send_one(r, &last, T0 + 20 * TTT_DEFAULT_WINDOW_NS);
	assert_true(is_ours(r, first));
	assert_false(is_ours(r, (first & ~TTT_TAG_MASK) | ((TAG + 1) & TTT_TAG_MASK)));
}

/* Our tag with a slot we never used, the future, negatives, extremes. */
static void
test_not_ours(void **state)
{
	struct ttt_reflect *r = fresh(TTT_DEFAULT_WINDOW_NS, TAG);
	int64_t last = INT64_MIN, ts;

	(void)state;
	assert_false(is_ours(r, (T0 & ~TTT_TAG_MASK) | TAG));	/* nothing sent yet */
	ts = send_one(r, &last, T0);
	assert_false(is_ours(r, ts + 1));
	assert_false(is_ours(r, ts - 1));
	assert_false(is_ours(r, ts + TTT_TAG_GRID));	/* a future slot */
	assert_false(is_ours(r, -1));
	assert_false(is_ours(r, INT64_MIN));
	assert_false(is_ours(r, INT64_MAX));
	assert_false(is_ours(r, 0));
}

/* At the end of time the stamps stop increasing rather than wrap. */
static void
test_saturates(void **state)
{
	struct ttt_reflect *r = fresh(TTT_DEFAULT_WINDOW_NS, TAG);
	int64_t last = INT64_MIN, a, b;

	(void)state;
	a = ttt_reflect_stamp(r, &last, INT64_MAX - 10);
	b = ttt_reflect_stamp(r, &last, INT64_MAX);
	assert_true(a <= b);
	assert_true(b >= 0);
	assert_int_equal(ttt_reflect_stamp(r, &last, -5) & TTT_TAG_MASK, b & TTT_TAG_MASK);
}

/* A peer on our tag makes us move after TTT_TAG_SAME_RUN frames in a row;
 * what we sent under the old tag is still recognised for a window. */
static void
test_shared_tag_moves(void **state)
{
	struct ttt_reflect *r = fresh(TTT_DEFAULT_WINDOW_NS, TAG);
	int64_t last = INT64_MIN, old, now = T0;
	int changed = 0;

	(void)state;
	old = send_one(r, &last, now);
	for (int i = 0; i < TTT_TAG_SAME_RUN - 1; i++)
		assert_false(ttt_reflect_observe(r, ((now + i * 5000) & ~TTT_TAG_MASK) | TAG, 7));
	/* A frame without our tag breaks the run. */
	assert_false(ttt_reflect_observe(r, ((now & ~TTT_TAG_MASK) | TAG) + 1, 7));
	for (int i = 0; i < TTT_TAG_SAME_RUN; i++)
		changed |= ttt_reflect_observe(r, ((now + i * 5000) & ~TTT_TAG_MASK) | TAG, 7);
	assert_true(changed);
	now += 1000000;
	{
		int64_t ts = send_one(r, &last, now);

		assert_int_not_equal(ts & TTT_TAG_MASK, TAG);
		assert_true(is_ours(r, ts));
	}
	assert_true(is_ours(r, old));
}

/*
 * After a tag change, a peer stamping with our old tag lands in slots where
 * we now stamp with the new one: the cache knows our stamp of that slot, so
 * the peer's is not taken for ours (fuzz_reflect found this refused).
 */
static void
test_old_tag_in_a_new_tag_slot(void **state)
{
	struct ttt_reflect *r = fresh(TTT_DEFAULT_WINDOW_NS, TAG);
	int64_t last = INT64_MIN, now = T0, ours, peer;
	uint8_t mac[TTT_MAC_LEN];
	int changed = 0;

	(void)state;
	(void)send_one(r, &last, now);
	for (int i = 0; i < TTT_TAG_SAME_RUN; i++)
		changed |= ttt_reflect_observe(r, ((now + i * 5000) & ~TTT_TAG_MASK) | TAG, 7);
	assert_true(changed);
	ours = send_one(r, &last, now + 100000);
	assert_int_not_equal(ours & TTT_TAG_MASK, TAG);
	peer = (ours & ~TTT_TAG_MASK) | TAG;	/* same slot, the old tag */
	our_mac(peer, mac);
	assert_false(ttt_reflect_check(r, peer, mac));
	assert_true(is_ours(r, ours));
	/* A second change waits while the old tag is still honoured. */
	changed = 0;
	for (int i = 0; i < 2 * TTT_TAG_SAME_RUN; i++)
		changed |= ttt_reflect_observe(r, ours, 7);
	assert_false(changed);
}

/*
 * Our clock set back by more than the window (and the margin): the stamps
 * restart at now under a tag never used, and what we sent before, ahead of
 * the clock now, is still ours (audit L4, M3). Set back by less: no restart.
 */
static void
test_restart_after_step_back(void **state)
{
	struct ttt_reflect *r = fresh(TTT_DEFAULT_WINDOW_NS, TAG);
	int64_t last = INT64_MIN, sent[64], back, ts;
	int64_t margin = (TTT_REFLECT_MARGIN_SLOTS + 2) * TTT_TAG_GRID;
	unsigned n = 0;

	(void)state;
	for (int i = 0; i < 32; i++)
		sent[n++] = send_one(r, &last, T0 + i * 100 * 1000000LL);
	/* Back by a window: still increasing, same tag. */
	back = sent[n - 1] - TTT_DEFAULT_WINDOW_NS;
	ts = sent[n++] = send_one(r, &last, back);
	assert_true(ts > sent[n - 2]);
	assert_int_equal(ts & TTT_TAG_MASK, TAG);
	assert_int_equal(r->restarts, 0);
	/* Back by a window and the margin: restart at now, a new tag. */
	back = ts - TTT_DEFAULT_WINDOW_NS - margin;
	ts = sent[n++] = send_one(r, &last, back);
	assert_int_equal(r->restarts, 1);
	assert_int_equal(ts >> TTT_TAG_BITS, back >> TTT_TAG_BITS);
	assert_int_not_equal(ts & TTT_TAG_MASK, TAG);
	for (int i = 0; i < 16; i++)
		sent[n++] = send_one(r, &last, back + i * 1000);
	for (unsigned i = 0; i < n; i++) {
		assert_true(is_ours(r, sent[i]));
		for (unsigned j = 0; j < i; j++)
			assert_true(sent[i] != sent[j]);
	}
	/* The retired tag beyond the highest slot we stamped: not ours. */
	assert_false(is_ours(r, ((sent[n - 18] >> TTT_TAG_BITS) + 5) << TTT_TAG_BITS | TAG));
	/* A tag we never used, anywhere: not ours. */
	assert_false(is_ours(r, (sent[0] & ~TTT_TAG_MASK) | ((TAG + 3) & TTT_TAG_MASK)));
}

/* A tag change never picks a tag a restart retired: its stamps could
 * repeat ours. */
static void
test_no_retired_tag_drawn(void **state)
{
	struct ttt_reflect *r = fresh(TTT_DEFAULT_WINDOW_NS, TAG);
	int64_t last = INT64_MIN, now = T0;
	unsigned cur;
	int changed = 0;

	(void)state;
	(void)send_one(r, &last, now);
	(void)send_one(r, &last, now - 10 * TTT_DEFAULT_WINDOW_NS);	/* retires TAG */
	assert_int_equal(r->restarts, 1);
	cur = atomic_load(&r->tag);
	for (int i = 0; i < TTT_TAG_SAME_RUN; i++)	/* rnd 0 would draw TAG again */
		changed |= ttt_reflect_observe(r, ((now + i * 5000) & ~TTT_TAG_MASK) | cur,
		    (uint32_t)((TAG - cur - 1) & TTT_TAG_MASK));
	assert_true(changed);
	assert_int_not_equal(atomic_load(&r->tag), TAG);
	assert_int_not_equal(atomic_load(&r->tag), cur);
}

/* The word of the bitmap that the first stamp at or after now marks. */
static size_t
word_of(int64_t now, size_t nwords)
{
	int64_t ts = (now & ~TTT_TAG_MASK) | TAG;

	if (ts < now)
		ts += TTT_TAG_GRID;
	return (size_t)((uint64_t)(ts >> TTT_TAG_BITS) & (nwords * 64 - 1)) / 64;
}

/* Clearing writes no word that is zero already: a bitmap page never marked
 * stays the kernel's zero page (the worker's memory). Every page but those
 * of the marked words is read-only here, so a write to one would fault. */
static void
test_clearing_leaves_zero_pages_alone(void **state)
{
	static struct ttt_reflect r;
	size_t nwords = ttt_reflect_words(TTT_DEFAULT_WINDOW_NS), page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = nwords * sizeof(uint64_t), per_page = page / sizeof(uint64_t);
	const int64_t when[] = { T0, T0 + INT64_C(1000000000), T0 + 20 * TTT_DEFAULT_WINDOW_NS };
	_Atomic uint64_t *w = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int64_t last = -1, ts[3];

	(void)state;
	assert_true(w != MAP_FAILED);
	for (int i = 0; i < 3; i++)
		assert_int_equal(mprotect((char *)w + word_of(when[i], nwords) / per_page * page,
		    page, PROT_READ | PROT_WRITE), 0);
	memset(dirty, 0, sizeof(dirty));
	memset(cache, 0, sizeof(cache));
	ttt_reflect_init(&r, w, dirty, cache, TTT_DEFAULT_WINDOW_NS, TAG);
	/* The first mark clears all, the second a second's worth of slots,
	 * the third all again (past the ring). */
	for (int i = 0; i < 3; i++) {
		ts[i] = send_one(&r, &last, when[i]);
		assert_true(is_ours(&r, ts[i]));
	}
	/* Older than the ring under a tag we used: still ours (audit M3). */
	assert_true(is_ours(&r, ts[0]));
	assert_int_equal(munmap((void *)w, len), 0);
}

/*
 * The cache keeps TTT_REFLECT_FP_LEN bytes of each MAC: at our very
 * nanosecond, a MAC that differs in them is a peer's frame, one that
 * agrees in them is taken for ours (a 2^-32 chance for a v1.4 frame, the
 * documented cost of 8-byte entries), whatever follows.
 */
static void
test_fingerprint_prefix(void **state)
{
	struct ttt_reflect *r = fresh(TTT_DEFAULT_WINDOW_NS, TAG);
	int64_t last = INT64_MIN, now = T0, ts = 0;
	uint8_t mac[TTT_MAC_LEN];

	(void)state;
	for (int i = 0; i < 100; i++)
		ts = send_one(r, &last, now += 3 * TTT_TAG_GRID);
	for (int b = 0; b < TTT_MAC_LEN; b++) {
		our_mac(ts, mac);
		mac[b] ^= 0x01;
		if (b < TTT_REFLECT_FP_LEN)
			assert_false(ttt_reflect_check(r, ts, mac));
		else
			assert_true(ttt_reflect_check(r, ts, mac));
	}
	assert_true(is_ours(r, ts));
}

/*
 * Clearing the slots the ring reuses reads only the words the last lap
 * marked: the sender does it before each frame leaves, and after an idle
 * second a word-by-word walk read 122 KiB first. Every page but those of
 * the marked words is inaccessible here, so a read of one would fault.
 */
static void
test_clearing_reads_only_marked_words(void **state)
{
	static struct ttt_reflect r;
	size_t nwords = ttt_reflect_words(TTT_DEFAULT_WINDOW_NS), page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = nwords * sizeof(uint64_t), per_page = page / sizeof(uint64_t);
	const int64_t S = INT64_C(1000000000);
	const int64_t when[] = { T0, T0 + S, T0 + 3 * S, T0 + 4 * S, T0 + 20 * TTT_DEFAULT_WINDOW_NS };
	enum { N = sizeof(when) / sizeof(when[0]) };
	_Atomic uint64_t *w = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct ttt_reflect *dry;
	int64_t last = -1, ts[N];

	(void)state;
	assert_true(w != MAP_FAILED);
	/* The same stamps on an ordinary bitmap first, to learn their words. */
	dry = fresh(TTT_DEFAULT_WINDOW_NS, TAG);
	for (int i = 0; i < N; i++)
		ts[i] = send_one(dry, &last, when[i]);
	for (int i = 0; i < N; i++) {
		size_t word = (size_t)((uint64_t)(ts[i] >> TTT_TAG_BITS) & (nwords * 64 - 1)) / 64;

		assert_int_equal(mprotect((char *)w + word / per_page * page, page,
		    PROT_READ | PROT_WRITE), 0);
	}
	memset(dirty, 0, sizeof(dirty));
	memset(cache, 0, sizeof(cache));
	ttt_reflect_init(&r, w, dirty, cache, TTT_DEFAULT_WINDOW_NS, TAG);
	/* Seconds apart (a second's slots cleared each time, the last lap's
	 * mark among them at 4 s), then past the ring (all of it cleared). */
	last = -1;
	for (int i = 0; i < N; i++) {
		assert_int_equal(send_one(&r, &last, when[i]), ts[i]);
		assert_true(is_ours(&r, ts[i]));
	}
	assert_int_equal(munmap((void *)w, len), 0);
}

/*
 * A mark of the last lap is gone when its slot comes round again: a stamp
 * of ours that would fall there now is not taken for one we sent. The ring
 * of the default window holds 2^22 slots (about 4.3 s).
 */
static void
test_last_lap_cleared(void **state)
{
	struct ttt_reflect *r = fresh(TTT_DEFAULT_WINDOW_NS, TAG);
	int64_t lap = (int64_t)ttt_reflect_words(TTT_DEFAULT_WINDOW_NS) * 64 * TTT_TAG_GRID;
	int64_t last = -1, ts0 = send_one(r, &last, T0);

	(void)state;
	(void)send_one(r, &last, T0 + lap / 2);
	/* Two stamp units past ts0's slot a lap on: the clearing covers it. */
	(void)send_one(r, &last, T0 + lap + 2 * TTT_STAMP_UNIT_NS);
	assert_true(last - lap > ts0);
	/* ts0's slot a lap on, under our tag, never stamped. */
	assert_false(is_ours(r, ts0 + lap));
}

/* The ring's size follows the window and stays within the static bound;
 * the MAC cache is 8 bytes an entry (512 KiB when busy). */
static void
test_sizes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct ttt_reflect_fp), 8);
	assert_int_equal(sizeof(cache), 512 * 1024);
	assert_true(ttt_reflect_words(TTT_DEFAULT_WINDOW_NS) * 8 <= 512 * 1024);
	assert_true(ttt_reflect_words(TTT_REFLECT_WINDOW_MAX_NS) <= TTT_REFLECT_WORDS_MAX);
	assert_true(ttt_reflect_words(1) >= 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamps_tagged_increasing_recognised),
		cmocka_unit_test(test_counter_wrap_bumps_unit),
		cmocka_unit_test(test_clearing_reads_only_marked_words),
		cmocka_unit_test(test_last_lap_cleared),
		cmocka_unit_test(test_stalled_clock),
		cmocka_unit_test(test_v14_stream_never_refused),
		cmocka_unit_test(test_beyond_cache_refused),
		cmocka_unit_test(test_old_stamps_in_window),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_saturates),
		cmocka_unit_test(test_shared_tag_moves),
		cmocka_unit_test(test_old_tag_in_a_new_tag_slot),
		cmocka_unit_test(test_restart_after_step_back),
		cmocka_unit_test(test_no_retired_tag_drawn),
		cmocka_unit_test(test_fingerprint_prefix),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_clearing_leaves_zero_pages_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

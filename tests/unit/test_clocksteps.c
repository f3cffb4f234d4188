/*
 * Wall-clock steps (audit M3, L4, L5, I7): two simulated peers exchange
 * frames through the real stamp, encode, record and verdict code
 * (reflect.c, frame.c, keyring.c, replay.c, skew.c, verdict.c), each on
 * its own injected wall clock (true time + an offset) and one monotonic
 * clock. One peer's wall clock steps by +-1.5, 10 or 60 s, holds, and is
 * corrected. Every tick an on-path attacker sends each receiver what it
 * recorded: our own datagrams back (reflections), and datagrams the
 * receiver already delivered (replays), chosen by stamp all over the
 * receiver's freshness window. Checked, on both sides (a v1.4 peer's
 * receiving side has none of these defences, and is not checked):
 *   - a datagram of ours that decodes fresh is refused as REFLECTED;
 *   - no datagram is delivered twice;
 *   - no sender ever repeats a stamp;
 *   - after the correction, genuine frames flow both ways within
 *     RECOVERY_NS (a v1.4 peer that stepped: within the step, I7);
 *   - each receiver warns at most once that the peer's clock is off, and
 *     exactly once (and once back in step) when the step is 10 s or more.
 * No real clock is read or stepped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "verdict.h"
#include "wire.h"

#define S  INT64_C(1000000000)
#define MS INT64_C(1000000)
#define WINDOW      TTT_DEFAULT_WINDOW_NS
#define TICK        (10 * MS)		/* each peer sends a frame a tick */
#define DELAY       (1 * MS)		/* one way */
#define STEP_AT     (6 * S)		/* after a window and the ring's span */
#define HOLD        (4 * S)		/* the step lasts this long */
#define RUN_AFTER   (14 * S)		/* simulated after the correction */
#define RECOVERY_NS (100 * MS)		/* genuine frames flow again within this */
#define TARGETS     4			/* attacker's picks a sender a tick */
#define MAX_REC     4096
#define FLEN        60

static const int64_t T0 = INT64_C(1800000000) * S;
static const uint8_t KEY[32] = "clock-steps-test-key-0123456789";

struct rec {
	uint8_t d[TTT_HDR_LEN + FLEN];
	size_t n;
	int64_t ts;
	unsigned seq;
};

struct peer {
	int raw;			/* a v1.4 peer: stamps with its raw clock */
	int64_t offset;			/* wall = true time + offset */
	struct ttt_keyring keys;
	struct ttt_reflect reflect;
	_Atomic uint64_t *words;
	uint64_t *dirty;
	struct ttt_reflect_fp *cache;
	struct ttt_replay replay;
	struct ttt_rx_state st;
	int64_t last_ts;
	struct rec rec[MAX_REC];	/* what it sent, in order */
	unsigned nrec;
	uint8_t delivered[MAX_REC];	/* of the other's, by seq */
	int64_t last_refused;		/* true time a genuine frame was last refused */
	unsigned warned_off, warned_back;
};

static struct peer peers[2];
static struct ttt_addr addr;
static uint64_t rng = 0x2545F4914F6CDD1Du;

/* The attacker's picks: any fixed sequence will do (Knuth's MMIX LCG). */
static uint64_t
next_rand(void)
{
	rng = rng * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return rng >> 16;
}

static void
peer_init(struct peer *p, int raw, unsigned tag, uint64_t seed)
{
	size_t nw = ttt_reflect_words(WINDOW);

	memset(p, 0, offsetof(struct peer, rec));
	p->nrec = 0;
	p->warned_off = p->warned_back = 0;
	memset(p->delivered, 0, sizeof(p->delivered));
	p->raw = raw;
	p->words = calloc(nw, sizeof(*p->words));
	p->dirty = calloc(nw / 64, sizeof(*p->dirty));
	p->cache = calloc(TTT_REFLECT_CACHE, sizeof(*p->cache));
	assert_non_null(p->words);
	assert_non_null(p->dirty);
	assert_non_null(p->cache);
	ttt_keyring_init(&p->keys, NULL, 30 * S, KEY, sizeof(KEY));
	ttt_reflect_init(&p->reflect, p->words, p->dirty, p->cache, WINDOW, tag);
	ttt_replay_init(&p->replay, seed);
	ttt_replay_set_floor(&p->replay, T0 - S);	/* spawned at T0 - 1 s */
	p->st.keys = &p->keys;
	p->st.reflect = &p->reflect;
	p->st.replay = &p->replay;
	p->st.lim.window_ns = WINDOW;
	p->st.lim.max_frame = TTT_DEFAULT_MAX_FRAME;
	p->st.peer = addr;
	p->st.have_peer = 1;
	p->st.fixed_peer = 1;
	p->st.rng = seed | 1;
	ttt_skew_init(&p->st.skew, WINDOW);
	p->last_ts = INT64_MIN;
	p->last_refused = INT64_MIN;
}

static void
peer_free(struct peer *p)
{
	free(p->words);
	free(p->dirty);
	free(p->cache);
}

static struct ttt_now
clocks(const struct peer *p, int64_t t)
{
	struct ttt_now n = { t + p->offset, t - T0 };

	return n;
}

/* What send.c does for one frame: stamp, encode, record. */
static struct rec *
send_frame(struct peer *p, int64_t t)
{
	struct ttt_now now = clocks(p, t);
	struct rec *r = &p->rec[p->nrec];
	uint8_t frame[FLEN];

	assert_true(p->nrec < MAX_REC);
	memset(frame, 0x5a, sizeof(frame));
	memcpy(frame + 14, &p->nrec, sizeof(p->nrec));	/* after the Ethernet header */
	r->ts = p->raw ? now.wall_ns : ttt_reflect_stamp(&p->reflect, &p->last_ts, now.wall_ns);
	r->n = ttt_frame_encode(ttt_keyring_send_key(&p->keys, now.mono_ns), r->ts, frame,
	    sizeof(frame), r->d, sizeof(r->d));
	assert_int_equal(r->n, sizeof(r->d));
	if (!p->raw)
		ttt_reflect_record(&p->reflect, r->ts, r->d);
	r->seq = p->nrec++;
	return r;
}

/* Receiver x judges a datagram of sender from at true time t. */
static enum ttt_verdict
judge(int x, int from, const struct rec *r, int64_t t)
{
	struct peer *p = &peers[x];
	struct ttt_now now = clocks(p, t);
	struct ttt_rx_effects fx;
	enum ttt_verdict v = ttt_verdict_judge(&p->st, &addr, r->d, r->n, 0, &now, &fx);

	if (fx.skew == TTT_SKEW_OFF)
		p->warned_off++;
	else if (fx.skew == TTT_SKEW_BACK)
		p->warned_back++;
	if (p->raw)
		return v;	/* v1.4 has no such defences: nothing to check */
	if (from == x) {
		/* Ours: refused as ours whenever it is fresh (M3). */
		if (v != TTT_VERDICT_STALE && v != TTT_VERDICT_FUTURE)
			assert_int_equal(v, TTT_VERDICT_REFLECTED);
		return v;
	}
	if (v == TTT_VERDICT_DELIVER) {
		assert_false(p->delivered[r->seq]);	/* never twice */
		p->delivered[r->seq] = 1;
	}
	return v;
}

/* The attacker sends x the datagram of from stamped at or after ts, in
 * each run of increasing stamps: its own back, or one x delivered. */
static void
attack_at(int x, int from, int64_t ts, int64_t t)
{
	const struct peer *p = &peers[from];
	unsigned i = 0;

	while (i < p->nrec) {
		unsigned lo = i, hi = i + 1, a, b;

		while (hi < p->nrec && p->rec[hi].ts > p->rec[hi - 1].ts)
			hi++;
		for (a = lo, b = hi; a < b;) {
			unsigned mid = a + (b - a) / 2;

			if (p->rec[mid].ts < ts)
				a = mid + 1;
			else
				b = mid;
		}
		if (a < hi && (from == x || peers[x].delivered[p->rec[a].seq]))
			(void)judge(x, from, &p->rec[a], t);
		i = hi;
	}
}

static void
attack(int x, int64_t t)
{
	int64_t now = clocks(&peers[x], t).wall_ns;

	for (int from = 0; from < 2; from++) {
		attack_at(x, from, now - WINDOW + MS, t);	/* the oldest still fresh */
		for (int k = 0; k < TARGETS; k++)
			attack_at(x, from, now - WINDOW + (int64_t)(next_rand() % (uint64_t)(2 * WINDOW)), t);
	}
}

static int
cmp_ts(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* No sender ever repeats a stamp. */
static void
assert_stamps_unique(const struct peer *p)
{
	static int64_t ts[MAX_REC];

	for (unsigned i = 0; i < p->nrec; i++)
		ts[i] = p->rec[i].ts;
	qsort(ts, p->nrec, sizeof(ts[0]), cmp_ts);
	for (unsigned i = 1; i < p->nrec; i++)
		assert_true(ts[i] != ts[i - 1]);
}

/*
 * Peer `who` (0 or 1) steps by `step` at STEP_AT, back at STEP_AT + HOLD.
 * raw: which peers are v1.4 (bit 0: peer 0, bit 1: peer 1).
 */
static void
run(int who, int64_t step, unsigned raw)
{
	int64_t t, fixed = T0 + STEP_AT + HOLD, bound = RECOVERY_NS;
	int64_t mag = step < 0 ? -step : step;

	memset(&addr, 0, sizeof(addr));
	addr.len = sizeof(struct sockaddr_in);
	addr.ss.ss_family = AF_INET;
	peer_init(&peers[0], raw & 1, 0x0a5, 11);
	peer_init(&peers[1], (raw >> 1) & 1, 0x35a, 22);
	/* I7: a v1.4 peer's stamps go back with its clock; the filter refuses
	 * them until they pass what it accepted, at most the step or a window. */
	if (peers[who].raw)
		bound += mag < WINDOW ? mag : WINDOW;
	for (t = T0; t < fixed + RUN_AFTER; t += TICK) {
		if (t == T0 + STEP_AT)
			peers[who].offset = step;
		if (t == fixed)
			peers[who].offset = 0;
		for (int x = 0; x < 2; x++) {
			struct rec *r = send_frame(&peers[1 - x], t);

			if (judge(x, 1 - x, r, t + DELAY) != TTT_VERDICT_DELIVER)
				peers[x].last_refused = t;
			if (!peers[x].raw)
				attack(x, t + DELAY);
		}
	}
	for (int x = 0; x < 2; x++) {
		struct peer *p = &peers[x];

		/* v1.4's receiving side is not ours to check, and its stamps
		 * repeat when its clock steps back. */
		if (p->raw)
			continue;
		assert_stamps_unique(p);
		/* Recovered by itself: nothing genuine refused since soon after. */
		if (p->last_refused >= fixed + bound)
			fail_msg("peer %d: step %lld ms by peer %d, raw %u: a genuine frame "
			    "refused %lld ms after the correction", x, (long long)(step / MS), who,
			    raw, (long long)((p->last_refused - fixed) / MS));
		assert_true(p->warned_off <= 1);
		assert_int_equal(p->warned_back, p->warned_off);
		if (mag >= 10 * S)
			assert_int_equal(p->warned_off, 1);
	}
	peer_free(&peers[0]);
	peer_free(&peers[1]);
}

static const int64_t steps[] = { 1500 * MS, -1500 * MS, 10 * S, -10 * S, 60 * S, -60 * S };

/* Either peer steps, by every step. */
static void
run_steps(unsigned raw)
{
	for (int who = 0; who < 2; who++)
		for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
			run(who, steps[i], raw);
}

/* Two tinytaptunnel peers. */
static void
test_steps_both_ours(void **state)
{
	(void)state;
	run_steps(0);
}

/* A v1.4 peer (raw clock, no tag) against ours: ours steps, then it does. */
static void
test_steps_with_v14_peer(void **state)
{
	(void)state;
	run_steps(2);
}

/* A forward step of an hour (an RTC in local time), corrected: the stamps
 * restart at once rather than an hour later (L4). */
static void
test_hour_ahead_corrected(void **state)
{
	(void)state;
	run(0, 3600 * S, 0);
	run(1, 3600 * S, 2);
}

/* The warning is an effect of the verdict, not a log line: one event for a
 * run of frames off, none for a lone delayed one, one when back. */
static void
test_skew_watch(void **state)
{
	struct ttt_skew w;
	int64_t off = 0, mono = 0;
	unsigned offs = 0, backs = 0;

	(void)state;
	ttt_skew_init(&w, WINDOW);
	for (int i = 0; i < 101; i++)
		assert_int_equal(ttt_skew_observe(&w, T0 + (i % 9 == 0 ? -2 * S : 0), T0, mono += MS,
		    &off), TTT_SKEW_NONE);
	for (int i = 0; i < 1000; i++) {
		enum ttt_skew_event e = ttt_skew_observe(&w, T0 + 2100 * MS + i, T0, mono += MS, &off);

		offs += e == TTT_SKEW_OFF;
		if (e == TTT_SKEW_OFF)
			assert_int_equal(off, 2100 * MS);
	}
	assert_int_equal(offs, 1);
	/* Back in step, but within 10 s of the warning: the line waits. */
	for (int i = 0; i < 100; i++)
		backs += ttt_skew_observe(&w, T0, T0, mono += MS, &off) == TTT_SKEW_BACK;
	assert_int_equal(backs, 0);
	mono += TTT_SKEW_GAP_NS;
	for (int i = 0; i < 100; i++)
		backs += ttt_skew_observe(&w, T0, T0, mono += MS, &off) == TTT_SKEW_BACK;
	assert_int_equal(backs, 1);
	/* Extremes do not overflow. */
	(void)ttt_skew_observe(&w, INT64_MAX, INT64_MIN, mono, &off);
	(void)ttt_skew_observe(&w, INT64_MIN, INT64_MAX, mono, &off);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skew_watch),
		cmocka_unit_test(test_steps_both_ours),
		cmocka_unit_test(test_steps_with_v14_peer),
		cmocka_unit_test(test_hour_ahead_corrected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

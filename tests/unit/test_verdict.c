/*
 * The receive verdict (src/verdict.c): the order of its checks, the rule
 * that only the newest frame moves the peer, the counter of every verdict,
 * and random runs against the model the fuzz harness uses too
 * (tests/model/verdict_model.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../model/verdict_model.h"

#define RUNS 400

static struct vm_world w;

/* A fresh, authentic frame from the peer, stamped at now + dts_ns. */
static struct vm_dgram *
peer_frame(int64_t dts_ns)
{
	static struct vm_dgram d;
	static const uint8_t frame[20] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	memset(&d, 0, sizeof(d));
	d.ts = w.now + dts_ns;
	if (((unsigned)d.ts & TTT_TAG_MASK) == w.tag)
		d.ts++;
	d.flen = sizeof(frame);
	d.len = ttt_frame_encode(&w.keys.keys[0], d.ts, frame, d.flen, d.b, sizeof(d.b));
	d.authentic = 1;
	return &d;
}

static enum ttt_verdict
judge(const struct vm_dgram *d, int src, int truncated, struct ttt_rx_effects *fx)
{
	struct ttt_now now = { w.now, w.now };

	return ttt_verdict_judge(&w.st, &w.addr[src], d->b, d->len, truncated, &now, fx);
}

/* Every verdict has a name and its own counter; DELIVER counts a frame
 * received and nothing else does. */
static void
test_verdict_table(void **state)
{
	int used[TTT_STAT_N] = { 0 };

	(void)state;
	assert_int_equal(ttt_verdict_stat(TTT_VERDICT_DELIVER), TTT_STAT_RX_FRAMES);
	for (int v = 0; v < TTT_VERDICT_N; v++) {
		enum ttt_stat s = ttt_verdict_stat((enum ttt_verdict)v);

		assert_string_not_equal(ttt_verdict_name((enum ttt_verdict)v), "unknown");
		assert_true(s < TTT_STAT_N);
		assert_true(s >= TTT_STAT_RX_FRAMES);	/* a receive counter */
		assert_true(s != TTT_STAT_RX_BYTES);
		assert_int_equal(used[s]++, 0);
	}
	assert_int_equal(ttt_verdict_stat(TTT_VERDICT_N), TTT_STAT_N);
	assert_string_equal(ttt_verdict_name(TTT_VERDICT_N), "unknown");
}

/* Every refusal of the decoder is a refusal here, counted under its name. */
static void
test_frame_status_table(void **state)
{
	(void)state;
	assert_int_equal(ttt_verdict_of_frame(TTT_FRAME_OK), TTT_VERDICT_DELIVER);
	for (int st = 1; st < TTT_FRAME_NSTATUS; st++) {
		enum ttt_verdict v = ttt_verdict_of_frame((enum ttt_frame_status)st);

		assert_int_not_equal(v, TTT_VERDICT_DELIVER);
		assert_string_equal(ttt_stat_name(ttt_verdict_stat(v)),
		    ttt_frame_status_name((enum ttt_frame_status)st));
	}
	assert_int_not_equal(ttt_verdict_of_frame(TTT_FRAME_NSTATUS), TTT_VERDICT_DELIVER);
	assert_int_not_equal(ttt_verdict_of_frame((enum ttt_frame_status)-1), TTT_VERDICT_DELIVER);
}

/* A fixed peer: elsewhere is refused before the MAC is looked at, and the
 * refusal teaches the replay filter nothing. */
static void
test_wrong_peer_first(void **state)
{
	struct ttt_rx_effects fx;
	struct vm_dgram *d;

	(void)state;
	vm_init(&w, 1, 0x1234);
	d = peer_frame(0);
	d->b[0] ^= 1;	/* a bad MAC: from the peer that is BADMAC */
	assert_int_equal(judge(d, 1, 0, &fx), TTT_VERDICT_WRONG_PEER);
	assert_int_equal(judge(d, 0, 0, &fx), TTT_VERDICT_BADMAC);
	d->b[0] ^= 1;
	assert_int_equal(judge(d, 2, 0, &fx), TTT_VERDICT_WRONG_PEER);
	assert_int_equal(judge(d, 0, 0, &fx), TTT_VERDICT_DELIVER);
	assert_false(fx.peer_moved);
	assert_int_equal(judge(d, 0, 0, &fx), TTT_VERDICT_REPLAY);
}

/* A datagram of ours is known by the reflection record and never reaches
 * the replay filter, which would otherwise remember its stamp. */
static void
test_reflection_before_replay(void **state)
{
	unsigned before;

	(void)state;
	vm_init(&w, 0, 0x5678);
	before = w.replay.count;
	assert_null(vm_ours_back(&w, 0, 30));
	assert_int_equal(w.replay.count, before);
	assert_false(w.st.have_peer);
}

/* Discovery: only the newest frame moves the peer; an older one that was
 * never seen is delivered from anywhere but moves nothing. */
static void
test_only_newest_moves(void **state)
{
	struct ttt_rx_effects fx;
	struct vm_dgram older;

	(void)state;
	vm_init(&w, 0, 0x9abc);
	older = *peer_frame(-10 * TTT_NSEC_PER_MSEC);
	assert_int_equal(judge(peer_frame(0), 0, 0, &fx), TTT_VERDICT_DELIVER);
	assert_true(fx.peer_moved);
	assert_true(ttt_addr_equal(&w.st.peer, &w.addr[0]));
	assert_int_equal(judge(&older, 2, 0, &fx), TTT_VERDICT_DELIVER);
	assert_false(fx.peer_moved);
	assert_true(ttt_addr_equal(&w.st.peer, &w.addr[0]));
	assert_int_equal(judge(peer_frame(TTT_NSEC_PER_MSEC), 2, 0, &fx), TTT_VERDICT_DELIVER);
	assert_true(fx.peer_moved);
	assert_true(ttt_addr_equal(&w.st.peer, &w.addr[2]));
	/* The newest again, from where the peer already is: no move. */
	assert_int_equal(judge(peer_frame(2 * TTT_NSEC_PER_MSEC), 2, 0, &fx),
	    TTT_VERDICT_DELIVER);
	assert_false(fx.peer_moved);
}

/* A refused datagram moves nothing, however new its stamp. */
static void
test_refusals_move_nothing(void **state)
{
	struct ttt_rx_effects fx;
	struct vm_dgram *d;

	(void)state;
	vm_init(&w, 0, 0xdef0);
	assert_int_equal(judge(peer_frame(0), 0, 0, &fx), TTT_VERDICT_DELIVER);
	d = peer_frame(TTT_NSEC_PER_MSEC);
	d->b[TTT_HDR_LEN] ^= 0x80;
	assert_int_equal(judge(d, 1, 0, &fx), TTT_VERDICT_BADMAC);
	assert_int_equal(judge(peer_frame(2 * VM_WINDOW_NS), 1, 0, &fx), TTT_VERDICT_FUTURE);
	assert_int_equal(judge(peer_frame(-2 * VM_WINDOW_NS), 1, 0, &fx), TTT_VERDICT_STALE);
	assert_int_equal(judge(peer_frame(TTT_NSEC_PER_MSEC), 1, 1, &fx), TTT_VERDICT_LONG);
	assert_true(ttt_addr_equal(&w.st.peer, &w.addr[0]));
	assert_false(fx.peer_moved);
}

/* Lengths: under a header and a byte, and a frame over the maximum. */
static void
test_lengths(void **state)
{
	struct ttt_rx_effects fx;
	struct vm_dgram *d;

	(void)state;
	vm_init(&w, 0, 0x1111);
	d = peer_frame(0);
	d->len = TTT_MIN_DATAGRAM - 1;
	assert_int_equal(judge(d, 0, 0, &fx), TTT_VERDICT_SHORT);
	assert_null(vm_peer_sends(&w, 0, 0, VM_FRAME_MAX, 0));	/* VM_FRAME_MAX + 1: too long */
	assert_int_equal(w.ndelivered, 0);
}

/* A keepalive is recognised only once authentic and new: forged it is
 * badmac, replayed it is replay; genuine it moves the peer like a frame
 * (how a peer behind NAT is learnt) but is KEEPALIVE, never DELIVER. A
 * frame one byte from it is an ordinary frame. */
static void
test_keepalive_after_authentication(void **state)
{
	struct ttt_rx_effects fx;
	struct vm_dgram ka;
	uint8_t near[TTT_KEEPALIVE_LEN];
	struct vm_dgram nd;

	(void)state;
	vm_init(&w, 0, 0x4b41);
	assert_null(vm_peer_sends(&w, 1, 0, 0, 0x80 | 1));	/* another key */
	assert_false(w.st.have_peer);
	assert_null(vm_peer_sends(&w, 1, 0, 0, 0x80 | 2));	/* a flipped bit */
	ka = *peer_frame(0);
	ka.len = ttt_frame_encode(&w.keys.keys[0], ka.ts, ttt_keepalive_frame,
	    TTT_KEEPALIVE_LEN, ka.b, sizeof(ka.b));
	assert_int_equal(judge(&ka, 1, 0, &fx), TTT_VERDICT_KEEPALIVE);
	assert_true(fx.peer_moved);
	assert_true(ttt_addr_equal(&w.st.peer, &w.addr[1]));
	assert_int_equal(fx.frame.len, TTT_KEEPALIVE_LEN);
	assert_int_equal(judge(&ka, 2, 0, &fx), TTT_VERDICT_REPLAY);
	assert_int_equal(ttt_verdict_stat(TTT_VERDICT_KEEPALIVE), TTT_STAT_RX_KEEPALIVE);

	memcpy(near, ttt_keepalive_frame, sizeof(near));
	near[sizeof(near) - 1] ^= 1;
	nd = *peer_frame(TTT_NSEC_PER_MSEC);
	nd.len = ttt_frame_encode(&w.keys.keys[0], nd.ts, near, sizeof(near), nd.b,
	    sizeof(nd.b));
	assert_int_equal(judge(&nd, 1, 0, &fx), TTT_VERDICT_DELIVER);
	assert_false(ttt_keepalive_is(near, sizeof(near)));
	assert_false(ttt_keepalive_is(ttt_keepalive_frame, TTT_KEEPALIVE_LEN - 1));
}

/* Random runs, fixed peer and discovery alike, against the model. */
static void
test_model_runs(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15u;

	(void)state;
	for (int run = 0; run < RUNS; run++) {
		vm_init(&w, run & 1, x);
		for (int step = 0; step < VM_STEPS_MAX; step++) {
			const char *why;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			why = vm_step(&w, (enum vm_op)(x % VM_NOPS), (uint8_t)(x >> 8),
			    (uint8_t)(x >> 16), (uint8_t)(x >> 24), (uint8_t)(x >> 32));
			if (why != NULL)
				fail_msg("run %d step %d: %s", run, step, why);
		}
	}
}

/*
 * MACs are computed ahead (receive.c, two at a time) only for datagrams the
 * verdict would authenticate: never for a fixed peer's wrong source, nor for
 * one too short or too long, so such a flood still costs no HMAC; and a
 * verdict given its MAC computed ahead is the verdict without it.
 */
static void
test_mac_ahead_only_when_authenticated(void **state)
{
	struct ttt_now now;
	struct ttt_rx_effects fx;
	struct ttt_keyring_premac pre;
	struct vm_dgram *d;
	const uint8_t *dd[2];
	size_t len[2];
	uint8_t other[TTT_MAC_LEN];

	(void)state;
	vm_init(&w, 1, 0x4242);
	now = (struct ttt_now){ w.now, w.now };
	d = peer_frame(0);
	assert_true(ttt_verdict_wants_mac(&w.st, &w.addr[0], d->len));
	assert_false(ttt_verdict_wants_mac(&w.st, &w.addr[1], d->len));
	assert_false(ttt_verdict_wants_mac(&w.st, &w.addr[0], TTT_MIN_DATAGRAM - 1));
	assert_true(ttt_verdict_wants_mac(&w.st, &w.addr[0], TTT_MIN_DATAGRAM));
	assert_true(ttt_verdict_wants_mac(&w.st, &w.addr[0], TTT_HDR_LEN + w.st.lim.max_frame));
	assert_false(ttt_verdict_wants_mac(&w.st, &w.addr[0],
	    TTT_HDR_LEN + w.st.lim.max_frame + 1));

	pre.key = ttt_keyring_recv_key(&w.keys);
	dd[0] = dd[1] = d->b;
	len[0] = len[1] = d->len;
	ttt_frame_mac_pair(pre.key, dd, len, pre.mac, other);
	assert_int_equal(ttt_verdict_judge_pre(&w.st, &pre, &w.addr[1], d->b, d->len, 0, &now,
	    &fx), TTT_VERDICT_WRONG_PEER);
	assert_int_equal(ttt_verdict_judge_pre(&w.st, &pre, &w.addr[0], d->b, d->len, 0, &now,
	    &fx), TTT_VERDICT_DELIVER);
	assert_int_equal(ttt_verdict_judge_pre(&w.st, &pre, &w.addr[0], d->b, d->len, 0, &now,
	    &fx), TTT_VERDICT_REPLAY);

	/* A learnt peer: any source is authenticated, so any source's MAC. */
	vm_init(&w, 0, 0x4243);
	assert_true(ttt_verdict_wants_mac(&w.st, &w.addr[2], d->len));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_table),
		cmocka_unit_test(test_frame_status_table),
		cmocka_unit_test(test_wrong_peer_first),
		cmocka_unit_test(test_reflection_before_replay),
		cmocka_unit_test(test_only_newest_moves),
		cmocka_unit_test(test_refusals_move_nothing),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_keepalive_after_authentication),
		cmocka_unit_test(test_model_runs),
		cmocka_unit_test(test_mac_ahead_only_when_authenticated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Key rotation (src/keyring.c): two peers rotated one after the other, in
 * either order, lose no frame; the old key ends with its grace period; a
 * key that arrives during a grace period waits for its end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "keyring.h"

#define SEC INT64_C(1000000000)
#define MS  INT64_C(1000000)
#define GRACE (30 * SEC)
static const int64_t T0 = INT64_C(1764000000000000000);
static const struct ttt_frame_limits LIM = { 3 * SEC, TTT_DEFAULT_MAX_FRAME };

static const uint8_t K0[TTT_KEY_MIN] = "key-zero-000000";
static const uint8_t K1[TTT_KEY_MIN] = "key-one--111111";
static const uint8_t K2[TTT_KEY_MIN] = "key-two--222222";

/* A datagram from the sender side of kr at now; its length. */
static size_t
send_from(const struct ttt_keyring *kr, int64_t now, uint8_t *d, size_t cap)
{
	static const uint8_t frame[60] = { 0xff, 0xff };

	return ttt_frame_encode(ttt_keyring_send_key(kr, now), now, frame, sizeof(frame), d, cap);
}

/* A frame under key k, stamped at wall, decoded at (wall, mono). */
static enum ttt_frame_status
under_at(const uint8_t *k, struct ttt_keyring *kr, int64_t wall, int64_t mono)
{
	struct ttt_mac_key key;
	struct ttt_frame_view v;
	uint8_t d[128], f[10] = { 1 };
	size_t n;

	ttt_mac_key_init(&key, NULL, k, TTT_KEY_MIN);
	n = ttt_frame_encode(&key, wall, f, sizeof(f), d, sizeof(d));
	return ttt_keyring_decode(kr, &(struct ttt_now){ wall, mono }, &LIM, d, n, &v);
}

/* Does a datagram made under key k decode at kr? */
static enum ttt_frame_status
under(const uint8_t *k, struct ttt_keyring *kr, int64_t now)
{
	return under_at(k, kr, now, now);
}

/* Does kr send under key k at now? Same frame, same datagram. */
static int
sends_under(const uint8_t *k, const struct ttt_keyring *kr, int64_t now)
{
	static const uint8_t f[10] = { 2 };
	struct ttt_mac_key key;
	uint8_t mine[64], theirs[64];
	size_t n;

	ttt_mac_key_init(&key, NULL, k, TTT_KEY_MIN);
	n = ttt_frame_encode(&key, now, f, sizeof(f), mine, sizeof(mine));
	assert_int_equal(ttt_frame_encode(ttt_keyring_send_key(kr, now), now, f, sizeof(f),
	    theirs, sizeof(theirs)), n);
	return memcmp(mine, theirs, n) == 0;
}

static void
test_one_key(void **state)
{
	static struct ttt_keyring kr;

	(void)state;
	ttt_keyring_init(&kr, NULL, GRACE, K0, sizeof(K0));
	assert_true(sends_under(K0, &kr, T0));
	assert_int_equal(under(K0, &kr, T0), TTT_FRAME_OK);
	assert_int_equal(under(K1, &kr, T0), TTT_FRAME_BADMAC);
	assert_int_equal(ttt_keyring_tick(&kr, T0), TTT_KEYRING_NONE);
}

/* After a rotation: both keys received, old one sent until confirmed. */
static void
test_rotation_confirmed(void **state)
{
	static struct ttt_keyring kr;

	(void)state;
	ttt_keyring_init(&kr, NULL, GRACE, K0, sizeof(K0));
	assert_int_equal(ttt_keyring_add(&kr, K1, sizeof(K1), T0), TTT_KEYRING_LOADED);
	assert_true(sends_under(K0, &kr, T0 + SEC));	/* the peer may not have K1 */
	assert_int_equal(under(K0, &kr, T0 + SEC), TTT_FRAME_OK);
	assert_int_equal(under(K1, &kr, T0 + SEC), TTT_FRAME_OK);	/* confirms K1 */
	assert_true(sends_under(K1, &kr, T0 + SEC));
	/* Accepted a switch-over margin past the grace period, then never. */
	assert_int_equal(under(K0, &kr, T0 + GRACE + TTT_KEYRING_SWITCH_NS - 1), TTT_FRAME_OK);
	assert_int_equal(under(K0, &kr, T0 + GRACE + TTT_KEYRING_SWITCH_NS), TTT_FRAME_BADMAC);
	assert_int_equal(under(K2, &kr, T0 + SEC), TTT_FRAME_BADMAC);
}

/* Only a fully valid frame confirms: a stale one under K1 does not. */
static void
test_stale_frame_does_not_confirm(void **state)
{
	static struct ttt_keyring kr;
	struct ttt_mac_key k1;
	struct ttt_frame_view v;
	uint8_t d[128], f[10] = { 1 };
	size_t n;

	(void)state;
	ttt_keyring_init(&kr, NULL, GRACE, K0, sizeof(K0));
	(void)ttt_keyring_add(&kr, K1, sizeof(K1), T0);
	ttt_mac_key_init(&k1, NULL, K1, sizeof(K1));
	n = ttt_frame_encode(&k1, T0 - 10 * SEC, f, sizeof(f), d, sizeof(d));
	assert_int_equal(ttt_keyring_decode(&kr, &(struct ttt_now){ T0, T0 }, &LIM, d, n, &v), TTT_FRAME_STALE);
	assert_true(sends_under(K0, &kr, T0));
}

/* The grace period runs on the monotonic clock: the wall clock stepping
 * forward or back by a minute neither ends it early nor stretches it. */
static void
test_grace_ignores_wall_steps(void **state)
{
	static struct ttt_keyring kr;
	const int64_t M0 = 1000 * SEC, end = M0 + GRACE + TTT_KEYRING_SWITCH_NS;

	(void)state;
	ttt_keyring_init(&kr, NULL, GRACE, K0, sizeof(K0));
	(void)ttt_keyring_add(&kr, K1, sizeof(K1), M0);
	assert_int_equal(under_at(K0, &kr, T0 + 60 * SEC, M0 + SEC), TTT_FRAME_OK);
	assert_int_equal(under_at(K0, &kr, T0 - 60 * SEC, end - 1), TTT_FRAME_OK);
	assert_int_equal(under_at(K0, &kr, T0 - 60 * SEC, end), TTT_FRAME_BADMAC);
	assert_true(sends_under(K0, &kr, M0 + GRACE - 1));
	assert_true(sends_under(K1, &kr, M0 + GRACE));
}

/* A worker started 2.5 s into a rotation resumes it: the old key ends when
 * it would have in the predecessor, not a whole grace later (audit L6). */
static void
test_resume_keeps_the_deadline(void **state)
{
	static struct ttt_keyring kr;
	const int64_t left = GRACE - 2500 * MS, end = T0 + left + TTT_KEYRING_SWITCH_NS;

	(void)state;
	ttt_keyring_init(&kr, NULL, GRACE, K0, sizeof(K0));
	assert_int_equal(ttt_keyring_resume(&kr, K1, sizeof(K1), T0, left), TTT_KEYRING_LOADED);
	assert_int_equal(under(K0, &kr, end - 1), TTT_FRAME_OK);
	assert_int_equal(under(K0, &kr, end), TTT_FRAME_BADMAC);
	assert_true(sends_under(K0, &kr, T0 + left - 1));
	assert_true(sends_under(K1, &kr, T0 + left));
	assert_int_equal(under(K1, &kr, end), TTT_FRAME_OK);
	/* Never more than a whole grace, whatever the parent says. */
	ttt_keyring_init(&kr, NULL, GRACE, K0, sizeof(K0));
	(void)ttt_keyring_resume(&kr, K1, sizeof(K1), T0, 10 * GRACE);
	assert_int_equal(under(K0, &kr, T0 + GRACE + TTT_KEYRING_SWITCH_NS), TTT_FRAME_BADMAC);
}

/* Unconfirmed, the new key is sent once the grace period is over. */
static void
test_rotation_unconfirmed(void **state)
{
	static struct ttt_keyring kr;

	(void)state;
	ttt_keyring_init(&kr, NULL, GRACE, K0, sizeof(K0));
	(void)ttt_keyring_add(&kr, K1, sizeof(K1), T0);
	assert_true(sends_under(K0, &kr, T0 + GRACE - 1));
	assert_true(sends_under(K1, &kr, T0 + GRACE));
}

/* A key during a grace period waits; tick loads it after, with its own. */
static void
test_queued_key(void **state)
{
	static struct ttt_keyring kr;

	(void)state;
	ttt_keyring_init(&kr, NULL, GRACE, K0, sizeof(K0));
	(void)ttt_keyring_add(&kr, K1, sizeof(K1), T0);
	assert_int_equal(ttt_keyring_add(&kr, K2, sizeof(K2), T0 + SEC), TTT_KEYRING_QUEUED);
	assert_int_equal(under(K2, &kr, T0 + SEC), TTT_FRAME_BADMAC);
	/* It waits until nobody can be reading the slot it will take. */
	const int64_t free_at = T0 + GRACE + TTT_KEYRING_SWITCH_NS;

	/* The worker arms its timer for exactly then (timers.h). */
	assert_int_equal(ttt_keyring_pending_at(&kr), free_at);
	assert_int_equal(ttt_keyring_tick(&kr, free_at - 1), TTT_KEYRING_NONE);
	assert_int_equal(ttt_keyring_tick(&kr, free_at), TTT_KEYRING_LOADED);
	assert_int_equal(under(K2, &kr, free_at), TTT_FRAME_OK);
	assert_int_equal(under(K1, &kr, free_at), TTT_FRAME_OK);	/* now the old one */
	assert_int_equal(under(K0, &kr, free_at), TTT_FRAME_BADMAC);
	assert_int_equal(ttt_keyring_pending_at(&kr), INT64_MAX);
	assert_int_equal(ttt_keyring_tick(&kr, T0 + 3 * GRACE), TTT_KEYRING_NONE);
	assert_int_equal(ttt_keyring_add(&kr, K1, TTT_KEY_MAX + 1, T0), TTT_KEYRING_NONE);
}

/*
 * Two peers exchange a frame each way every 10 ms for 120 s; A rotates 40 s
 * in, B first_gap later (negative: B first). Counts the frames lost.
 */
static unsigned
simulate(int64_t first_gap)
{
	static struct ttt_keyring a, b;
	struct ttt_frame_view v;
	uint8_t d[256];
	unsigned lost = 0;
	int64_t ta = T0 + 40 * SEC, tb = ta + first_gap;	/* both inside the run */

	ttt_keyring_init(&a, NULL, GRACE, K0, sizeof(K0));
	ttt_keyring_init(&b, NULL, GRACE, K0, sizeof(K0));
	assert_true(tb >= T0 && tb < T0 + 80 * SEC);
	for (int64_t now = T0; now < T0 + 120 * SEC; now += 10 * MS) {
		size_t n;

		if (now == ta)
			(void)ttt_keyring_add(&a, K1, sizeof(K1), now);
		if (now == tb)
			(void)ttt_keyring_add(&b, K1, sizeof(K1), now);
		n = send_from(&a, now, d, sizeof(d));
		lost += ttt_keyring_decode(&b, &(struct ttt_now){ now, now }, &LIM, d, n, &v) != TTT_FRAME_OK;
		n = send_from(&b, now, d, sizeof(d));
		lost += ttt_keyring_decode(&a, &(struct ttt_now){ now, now }, &LIM, d, n, &v) != TTT_FRAME_OK;
	}
	/* And both ended up on the new key alone. */
	assert_true(sends_under(K1, &a, T0 + 120 * SEC));
	assert_true(sends_under(K1, &b, T0 + 120 * SEC));
	return lost;
}

static void
test_two_peers_lose_nothing(void **state)
{
	(void)state;
	assert_int_equal(simulate(0), 0);
	assert_int_equal(simulate(2 * SEC), 0);		/* A first */
	assert_int_equal(simulate(-2 * SEC), 0);	/* B first */
	assert_int_equal(simulate(GRACE - 10 * MS), 0);	/* at the last moment */
	assert_int_equal(simulate(-(GRACE - 10 * MS)), 0);
	/* Later than the grace period: frames are lost, as they must be. */
	assert_true(simulate(GRACE + 2 * SEC) > 0);
}

/*
 * A MAC computed ahead counts only while its key is still the newest: one
 * computed under K0 before a rotation to K1 must not refuse a frame under
 * K1 (nor stop it confirming K1); under the newest key it is what the
 * decoder compares (a wrong one refuses a good frame).
 */
static void
test_premac_follows_the_newest_key(void **state)
{
	static struct ttt_keyring kr;
	struct ttt_keyring_premac pre;
	struct ttt_mac_key k1;
	struct ttt_frame_view v;
	uint8_t d[128], f[10] = { 3 }, other[TTT_MAC_LEN];
	const uint8_t *dd[2] = { d, d };
	size_t n, len[2];

	(void)state;
	ttt_keyring_init(&kr, NULL, GRACE, K0, sizeof(K0));
	ttt_mac_key_init(&k1, NULL, K1, sizeof(K1));
	n = ttt_frame_encode(&k1, T0, f, sizeof(f), d, sizeof(d));
	len[0] = len[1] = n;
	pre.key = ttt_keyring_recv_key(&kr);
	ttt_frame_mac_pair(pre.key, dd, len, pre.mac, other);
	assert_int_equal(ttt_keyring_decode_pre(&kr, &pre, &(struct ttt_now){ T0, T0 }, &LIM, d,
	    n, &v), TTT_FRAME_BADMAC);
	assert_int_equal(ttt_keyring_add(&kr, K1, sizeof(K1), T0), TTT_KEYRING_LOADED);
	assert_int_equal(ttt_keyring_decode_pre(&kr, &pre, &(struct ttt_now){ T0, T0 }, &LIM, d,
	    n, &v), TTT_FRAME_OK);
	assert_true(sends_under(K1, &kr, T0));

	pre.key = ttt_keyring_recv_key(&kr);
	memset(pre.mac, 0, sizeof(pre.mac));
	assert_int_equal(ttt_keyring_decode_pre(&kr, &pre, &(struct ttt_now){ T0, T0 }, &LIM, d,
	    n, &v), TTT_FRAME_BADMAC);
	assert_int_equal(ttt_keyring_decode_pre(&kr, NULL, &(struct ttt_now){ T0, T0 }, &LIM, d,
	    n, &v), TTT_FRAME_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_key),
		cmocka_unit_test(test_rotation_confirmed),
		cmocka_unit_test(test_stale_frame_does_not_confirm),
		cmocka_unit_test(test_rotation_unconfirmed),
		cmocka_unit_test(test_resume_keeps_the_deadline),
		cmocka_unit_test(test_queued_key),
		cmocka_unit_test(test_grace_ignores_wall_steps),
		cmocka_unit_test(test_two_peers_lose_nothing),
		cmocka_unit_test(test_premac_follows_the_newest_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

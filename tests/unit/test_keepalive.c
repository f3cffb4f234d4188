/*
 * The keepalive frame and its timer's decision (src/keepalive.c): a frame a
 * tap accepts and no bridge forwards, recognised exactly; and a keepalive
 * only after a quiet --keepalive, on an injected clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "keepalive.h"
#include "wire.h"

#define S TTT_NSEC_PER_SEC
static const int64_t T0 = INT64_C(1000) * S;

/* 60 bytes (a tap refuses under 14), to 01:80:C2:00:00:01, from a locally
 * administered unicast address, EtherType 0x88B5. */
static void
test_frame(void **state)
{
	static const uint8_t dst[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x01 };
	const uint8_t *f = ttt_keepalive_frame;

	(void)state;
	assert_true(TTT_KEEPALIVE_LEN >= TTT_ETH_HLEN);
	assert_int_equal(TTT_KEEPALIVE_LEN, 60);
	assert_memory_equal(f, dst, sizeof(dst));
	assert_int_equal(f[6] & 0x03, 0x02);	/* locally administered, not group */
	assert_int_equal(f[12] << 8 | f[13], 0x88b5);
	assert_true(ttt_keepalive_is(f, TTT_KEEPALIVE_LEN));
	assert_false(ttt_keepalive_is(f, TTT_KEEPALIVE_LEN + 1));
	assert_false(ttt_keepalive_is(f, TTT_ETH_HLEN));
}

/* Due only after interval of sending nothing; a send in between postpones
 * it to interval after that send; never sent: due when the timer fires. */
static void
test_due(void **state)
{
	int64_t next;

	(void)state;
	assert_true(ttt_keepalive_due(T0, 0, 25 * S, &next));
	assert_int_equal(next, T0 + 25 * S);
	assert_false(ttt_keepalive_due(T0, T0 - 24 * S, 25 * S, &next));
	assert_int_equal(next, T0 + S);
	assert_true(ttt_keepalive_due(T0, T0 - 25 * S, 25 * S, &next));
	assert_int_equal(next, T0 + 25 * S);
	assert_true(ttt_keepalive_due(T0, T0 - 90 * S, 25 * S, &next));
	assert_int_equal(next, T0 + 25 * S);
	assert_false(ttt_keepalive_due(T0, T0, S, &next));
	assert_int_equal(next, T0 + S);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_due),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

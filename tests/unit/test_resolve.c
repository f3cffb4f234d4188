/*
 * --peer-timeout's decisions (src/resolve.c), on an injected clock: when a
 * silent peer's name is looked up again, how often, what is logged once,
 * and which answers of the look-up child move the peer.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "resolve.h"
#include "wire.h"

#define S TTT_NSEC_PER_SEC
#define MS TTT_NSEC_PER_MSEC
static const int64_t T0 = INT64_C(5000) * S;

/* A timeout of 10 s, ticked every second as the parent does. */
static void
test_silence_then_back(void **state)
{
	struct ttt_peer_watch w;
	int64_t t;

	(void)state;
	ttt_peer_watch_init(&w, 10 * S, T0);
	/* Never heard, silent from the start: nothing for 10 s. */
	for (t = T0; t < T0 + 10 * S; t += S)
		assert_int_equal(ttt_peer_watch_tick(&w, 0, t), TTT_WATCH_NONE);
	/* Then said once and looked up... */
	assert_int_equal(ttt_peer_watch_tick(&w, 0, T0 + 10 * S), TTT_WATCH_SILENT);
	/* ...and again every 10 s, never in between. */
	for (t = T0 + 11 * S; t < T0 + 20 * S; t += S)
		assert_int_equal(ttt_peer_watch_tick(&w, 0, t), TTT_WATCH_NONE);
	assert_int_equal(ttt_peer_watch_tick(&w, 0, T0 + 20 * S), TTT_WATCH_LOOKUP);
	assert_int_equal(ttt_peer_watch_tick(&w, 0, T0 + 20 * S + 500 * MS), TTT_WATCH_NONE);
	assert_int_equal(ttt_peer_watch_tick(&w, 0, T0 + 30 * S), TTT_WATCH_LOOKUP);
	/* A frame: back, said once. */
	assert_int_equal(ttt_peer_watch_tick(&w, T0 + 30 * S + MS, T0 + 31 * S), TTT_WATCH_BACK);
	assert_int_equal(ttt_peer_watch_tick(&w, T0 + 30 * S + MS, T0 + 32 * S), TTT_WATCH_NONE);
	/* Silent again 10 s after that frame, not after the tick. */
	assert_int_equal(ttt_peer_watch_tick(&w, T0 + 30 * S + MS, T0 + 40 * S), TTT_WATCH_NONE);
	assert_int_equal(ttt_peer_watch_tick(&w, T0 + 30 * S + MS, T0 + 41 * S), TTT_WATCH_SILENT);
}

/* A peer that keeps talking is never looked up; an old report changes nothing. */
static void
test_talking_peer(void **state)
{
	struct ttt_peer_watch w;

	(void)state;
	ttt_peer_watch_init(&w, 2 * S, T0);
	for (int64_t t = T0 + S; t < T0 + 100 * S; t += S)
		assert_int_equal(ttt_peer_watch_tick(&w, t - 500 * MS, t), TTT_WATCH_NONE);
	/* A later worker reporting an older frame (the track keeps the newest
	 * anyway) does not make the peer newer. */
	assert_int_equal(ttt_peer_watch_tick(&w, T0, T0 + 101 * S), TTT_WATCH_SILENT);
}

static struct ttt_config
config_v4(void)
{
	struct ttt_config c;

	memset(&c, 0, sizeof(c));
	c.run.sock_family = AF_INET;
	c.run.flags = TTT_CONFIG_FIXED_PEER | TTT_CONFIG_HAVE_PEER;
	c.run.peer.family = AF_INET;
	c.run.peer.port = htons(9002);
	c.run.peer.addr[0] = 192;
	c.run.peer.addr[3] = 2;
	return c;
}

static void
test_lookup_judge(void **state)
{
	struct ttt_config c = config_v4();
	struct ttt_lookup_result r;
	struct ttt_ipc_peer out;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.peer = c.run.peer;
	assert_int_equal(ttt_lookup_judge(&c, &r, &out), TTT_LOOKUP_SAME);
	r.peer.addr[3] = 12;
	memset(&out, 0, sizeof(out));
	assert_int_equal(ttt_lookup_judge(&c, &r, &out), TTT_LOOKUP_MOVED);
	assert_memory_equal(&out, &r.peer, sizeof(out));
	/* Another port is another peer. */
	r.peer = c.run.peer;
	r.peer.port = htons(9003);
	assert_int_equal(ttt_lookup_judge(&c, &r, &out), TTT_LOOKUP_MOVED);
	/* A failed look-up keeps the peer. */
	r.status = TTT_ADDR_RESOLVE;
	r.gai = -2;
	assert_int_equal(ttt_lookup_judge(&c, &r, &out), TTT_LOOKUP_FAILED);
	r.status = TTT_ADDR_FAMILY;
	assert_int_equal(ttt_lookup_judge(&c, &r, &out), TTT_LOOKUP_FAILED);
	/* What the child cannot have meant: ignored. */
	r.status = TTT_ADDR_NSTATUS;
	assert_int_equal(ttt_lookup_judge(&c, &r, &out), TTT_LOOKUP_BAD);
	r.status = -1;
	assert_int_equal(ttt_lookup_judge(&c, &r, &out), TTT_LOOKUP_BAD);
	r.status = TTT_ADDR_OK;
	r.peer.family = AF_INET6;	/* the socket is IPv4 */
	assert_int_equal(ttt_lookup_judge(&c, &r, &out), TTT_LOOKUP_BAD);
	r.peer.family = AF_UNIX;
	assert_int_equal(ttt_lookup_judge(&c, &r, &out), TTT_LOOKUP_BAD);
	r.peer.family = AF_INET;
	r.peer.scope_id = 1;		/* IPv4 has no scope */
	assert_int_equal(ttt_lookup_judge(&c, &r, &out), TTT_LOOKUP_BAD);
	/* Without a current peer (never so with a name resolved at start, but
	 * the rule stands), any good answer is a move. */
	r.peer = c.run.peer;
	c.run.flags = 0;
	assert_int_equal(ttt_lookup_judge(&c, &r, &out), TTT_LOOKUP_MOVED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_silence_then_back),
		cmocka_unit_test(test_talking_peer),
		cmocka_unit_test(test_lookup_judge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

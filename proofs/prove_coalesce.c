/*
 * EVA driver: runs of the peer's TCP segments or UDP datagrams, coalesced
 * on a tap that takes UDP runs or not (either: EVA joins both) (coalesce.c,
 * and the header parsing and checksums of pkt.c it calls), as receive.c's
 * to_tap drives them: each authenticated frame is a candidate or not; a
 * candidate joins the run held or the run is finished and a new one
 * started with it; anything else finishes the run.
 *
 * The run is any state the public API reaches (as prove_replay.c's
 * filter): from init, any sequence of frames of any length up to
 * TTT_MAX_FRAME (the worker's largest, whatever the MTU) and any bytes,
 * EVA joining every state they reach. Those frames are analysed together
 * at the start of a buffer of TTT_MAX_FRAME written bytes (every access
 * checked against it); the last frame, then the finish, with prove.h's
 * exact input model (each small and each longest length on its own, at
 * the very end of an unwritten buffer).
 *
 * prove-sources: src/coalesce.c src/pkt.c
 * prove-options: -cpp-extra-args=-idirafter/usr/include/x86_64-linux-gnu,-idirafter/usr/include
 * prove-options: -eva-auto-loop-unroll 8 -eva-split-return full -eva-slevel-function parse:50,parse_tcp:20,ttt_pkt_parse_l4:50,parse_ipv4:20,parse_ipv6:20,l4_fits:20,ttt_coalesce_candidate:50,ttt_coalesce_append:50,step:50
 * (as prove_tso.c: <linux/virtio_net.h> from the system's kernel headers,
 * the VLAN tag loop unrolled. The parser fills struct ttt_pkt only on the
 * way to success, and the callers read it only then: the slevel keeps a
 * parse's failing paths apart from its succeeding ones inside these
 * functions, and the split on return values keeps them apart after, so
 * no field a failed parse left unwritten is read as if it had succeeded.
 * Without them: alarms on reads of p's unwritten fields, on paths where
 * the parse had failed.)
 */
#include "__fc_builtin.h"
#include "coalesce.h"
#include "prove.h"

static void
step(struct ttt_coalesce *g, const uint8_t *f, size_t len)
{
	struct ttt_pkt p;

	if (ttt_coalesce_candidate(g, f, len, &p) != 0) {
		(void)ttt_coalesce_finish(g);
		return;
	}
	if (!ttt_coalesce_append(g, f, len, &p)) {
		(void)ttt_coalesce_finish(g);
		ttt_coalesce_start(g, f, len, &p);
	}
}

int
main(void)
{
	uint8_t run[TTT_COALESCE_BUF];
	uint8_t any[TTT_MAX_FRAME], buf[TTT_MAX_FRAME];
	struct ttt_coalesce g;
	size_t len;
	const uint8_t *f;

	/* The datapath's run buffer: memory written before (zeroed, or an
	 * earlier run), so reading a byte no frame wrote is no memory error;
	 * what a run holds is the unit tests' (test_tso.c, the model). */
	Frama_C_make_unknown((char *)run, sizeof(run));
	ttt_coalesce_init(&g, run, Frama_C_nondet(0, 1));
	while (Frama_C_nondet(0, 1)) {
		Frama_C_make_unknown((char *)any, sizeof(any));
		step(&g, any, Frama_C_size_t_interval(0, sizeof(any)));
	}
	f = any_input(buf, sizeof(buf), &len);
	step(&g, f, len);
	(void)ttt_coalesce_finish(&g);
	Frama_C_show_each_reached();
	return 0;
}

/*
 * EVA driver: ttt_replay_update on any timestamp, from any state the
 * filter can reach. The state is built through the public API only (any
 * seed, then any sequence of floors and updates, of any length), so the
 * driver does not depend on how the filter stores what it remembers: EVA
 * joins every state such sequences reach into one that covers them all.
 *
 * prove-sources: src/replay.c
 * prove-wp: raise_floor ttt_replay_set_floor ttt_replay_update
 */
#include "__fc_builtin.h"
#include "replay.h"
#include "prove.h"

int
main(void)
{
	struct ttt_replay r;

	ttt_replay_init(&r, (uint64_t)any_i64());
	/* Widen the state's counters to the filter's depth, not to infinity:
	 * the positions of the ring are below TTT_REPLAY_DEPTH, and the run
	 * of one tag below TTT_REPLAY_TAG_RUN. */
	//@ widen_hints "all", TTT_REPLAY_TAG_RUN - 1, TTT_REPLAY_DEPTH - 1, TTT_REPLAY_DEPTH;
	while (Frama_C_nondet(0, 1)) {
		if (Frama_C_nondet(0, 1))
			ttt_replay_set_floor(&r, any_i64());
		else
			(void)ttt_replay_update(&r, any_i64());
	}
	(void)ttt_replay_update(&r, any_i64());
	Frama_C_show_each_reached();
	return 0;
}

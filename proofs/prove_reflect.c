/*
 * EVA driver: the reflection record. The sender's ttt_reflect_stamp and
 * ttt_reflect_record after any last stamp at any clock reading; the
 * receiver's ttt_reflect_check and ttt_reflect_observe on any timestamp
 * and MAC a datagram can carry. All from any record the two can have
 * left: every window the configuration allows, the worker's own bitmap and
 * cache (datapath.h sizes them statically for the largest window) holding
 * any bits and any entries, any last slot, any tag, any tags used and
 * retired (and up to any slot), any run.
 *
 * prove-sources: src/reflect.c
 * prove-options: -eva-slevel-function pow2_at_least:64
 * (each doubling of the ring size apart: joined, EVA loses its bound)
 */
#include "__fc_builtin.h"
#include "reflect.h"
#include "prove.h"

#define NSEC_PER_MSEC INT64_C(1000000)
#define WINDOW_MS_MAX (30 * 1000)	/* config.h's TTT_WINDOW_MS_MAX */

static _Atomic uint64_t words[TTT_REFLECT_WORDS_MAX];
static uint64_t dirty[TTT_REFLECT_DIRTY_MAX];
static struct ttt_reflect_fp cache[TTT_REFLECT_CACHE];

int
main(void)
{
	struct ttt_reflect r;
	uint8_t mac[32];
	int64_t window_ns = Frama_C_long_long_interval(1, WINDOW_MS_MAX) * NSEC_PER_MSEC;
	int64_t max_slot = INT64_MAX >> TTT_TAG_BITS;
	int64_t last, ts;

	ttt_reflect_init(&r, words, dirty, cache, window_ns,
	    Frama_C_unsigned_int_interval(0, UINT32_MAX));
	/* Whatever the sender and earlier receptions left. */
	Frama_C_make_unknown((char *)words, sizeof(words));
	Frama_C_make_unknown((char *)dirty, sizeof(dirty));
	Frama_C_make_unknown((char *)cache, sizeof(cache));
	r.last_slot = Frama_C_long_long_interval(-1, max_slot);
	r.tag = Frama_C_unsigned_int_interval(0, TTT_TAG_MASK);
	Frama_C_make_unknown((char *)r.used, sizeof(r.used));
	Frama_C_make_unknown((char *)r.retired, sizeof(r.retired));
	r.retired_until_slot = Frama_C_long_long_interval(-1, max_slot);
	r.prev_until_slot = Frama_C_long_long_interval(0,
	    max_slot + r.window_slots + TTT_REFLECT_MARGIN_SLOTS);
	r.have_prev = Frama_C_interval(0, 1);
	r.same_run = Frama_C_unsigned_int_interval(0, UINT32_MAX);
	Frama_C_make_unknown((char *)mac, sizeof(mac));

	/* The sender: a stamp after any last one, at any clock reading (a
	 * restart included), and the MAC it went out with. */
	last = any_i64();
	ts = ttt_reflect_stamp(&r, &last, any_i64());
	ttt_reflect_record(&r, ts, mac);
	/* The receiver, on any datagram. */
	(void)ttt_reflect_check(&r, any_i64(), mac);
	(void)ttt_reflect_observe(&r, any_i64(), Frama_C_unsigned_int_interval(0, UINT32_MAX));
	Frama_C_show_each_reached();
	return 0;
}

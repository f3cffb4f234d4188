/*
 * The reflection record (reflect.h) against a model of what was sent.
 *
 * The sender stamps with ttt_reflect_stamp and records each datagram's MAC;
 * the receiver asks ttt_reflect_check about datagrams, ours or not, and
 * feeds ttt_reflect_observe with accepted frames. Checked:
 *   - stamps: one a slot, our tag in the low bits; the first in the slot
 *     of max(now, 0); each later one's slot the frame number one on (mod
 *     2^16) in the ~67 ms unit of now, or of the last stamp when that is
 *     later (the next unit when the number wraps); at the very end of
 *     time, no more; strictly increasing and taken by the replay filter as
 *     the newest; except when our last stamp is
 *     over a window and the margin ahead of now: then, while a never-used
 *     tag is left, the stamps restart at now under such a tag, and every
 *     tag used before is retired;
 *   - no stamp ever equals an earlier one;
 *   - no reflection passes: every datagram we ever sent is recognised with
 *     its own MAC, whatever the clock did since (audit M3, I12: freshness
 *     is judged against now, which can step back past the ring);
 *   - a peer's frame at the same nanosecond as ours, while the MAC cache
 *     still holds ours, is not taken for a reflection;
 *   - a timestamp we never sent is taken for ours only when the record
 *     cannot know better: a retired tag up to the retirement's slot; a tag
 *     of this run older than the ring; a slot whose ring bit one of our
 *     stamps set (the same slot, or one a ring apart) while the MAC cache
 *     holds no stamp of that very slot;
 *   - observe changes the tag exactly on the TTT_TAG_SAME_RUN-th frame in a
 *     row carrying it, to a different, never-retired tag, unless the last
 *     change is less than a window old or no such tag is left.
 *
 * Input: selector (1: window in bits 0-1 and 3, raw clock in bit 2), maybe
 * window bytes, tag (2), clock (8 raw, or 2 as an offset), then operations:
 *   00aaaaaa  the clock moves a * 64 ns, then one stamp is sent
 *   01aaaaaa  the clock jumps: forward (a even) or back (a odd) by
 *             (next byte) << (a >> 1) ns, then one stamp is sent
 *   10aaaaaa  a datagram we sent (picked by the next 2 bytes) comes back:
 *             with its own MAC (a even) or another one (a odd)
 *   11aaaaaa  the receiver sees a foreign timestamp: our newest + next
 *             signed byte (a & 3 == 0), on our grid at our newest slot +
 *             next byte (1, fed to observe as an accepted frame), raw 8 bytes
 *             (2), raw 8 bytes fed to observe (3)
 */
#include "fuzz_common.h"
#include "reflect.h"
#include "replay.h"

#define MAX_SENT 4096

struct sent {
	int64_t ts;
	uint64_t fp;
};

static struct ttt_reflect r;
static struct ttt_reflect_fp *cache;
static struct ttt_replay replay;
static struct sent sent[MAX_SENT];
static size_t nsent;
/* Which of our timestamps each cache entry should still hold; entries of
 * an earlier input are told apart by their generation, which saves
 * clearing 1 MiB per input. */
static struct {
	int64_t ts;
	uint64_t gen;
} model_cache[TTT_REFLECT_CACHE];
static uint64_t gen;
static int64_t window_ns, window_slots, last_ts;
static unsigned same_run;
static int model_have_prev;
static int64_t model_prev_until;
/* Tags of this run, tags retired by a restart and up to which slot, the
 * highest slot marked. */
static uint8_t model_used[TTT_TAG_GRID], model_retired[TTT_TAG_GRID];
static int64_t model_retired_until, model_hw;

static uint64_t
mix(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static void
make_mac(uint64_t fp, uint8_t mac[TTT_MAC_LEN])
{
	memset(mac, 0xa5, TTT_MAC_LEN);
	memcpy(mac, &fp, sizeof(fp));
}

static unsigned
cur_tag(void)
{
	return atomic_load_explicit(&r.tag, memory_order_relaxed);
}

/* Stamps restart after a step back: no order to search by. */
static int
was_sent(int64_t ts)
{
	for (size_t i = 0; i < nsent; i++)
		if (sent[i].ts == ts)
			return 1;
	return 0;
}

static int
free_tag_left(unsigned except)
{
	for (unsigned t = 0; t < TTT_TAG_GRID; t++)
		if (t != except && !model_used[t] && !model_retired[t])
			return 1;
	return 0;
}

/* What a restart does to the model: every tag used is retired. */
static void
model_restart(unsigned fresh)
{
	for (unsigned t = 0; t < TTT_TAG_GRID; t++) {
		model_retired[t] |= model_used[t];
		model_used[t] = 0;
	}
	model_used[fresh] = 1;
	if (model_hw > model_retired_until)
		model_retired_until = model_hw;
	/* A new run: the peer's filter sees stamps go back, by design. */
	ttt_replay_init(&replay, 0);
}

static void
send_one(int64_t now)
{
	int64_t prev = last_ts, want, ts, slot, want_slot;
	unsigned tag = cur_tag();
	uint8_t mac[TTT_MAC_LEN];
	uint64_t fp;
	int restart = 0;

	if (nsent == MAX_SENT)
		return;
	want = now < 0 ? 0 : now;
	if (prev >= 0) {
		if ((prev >> TTT_TAG_BITS) >= (INT64_MAX >> TTT_TAG_BITS)) {
			/* The end of time (year 2262): no slot left, no new stamp. */
			FUZZ_CHECK(ttt_reflect_stamp(&r, &last_ts, now) == prev);
			return;
		}
		/* Over a window ahead of now: restart, while a tag is left. */
		restart = (prev >> TTT_TAG_BITS) - (want >> TTT_TAG_BITS) >
		    window_slots + TTT_REFLECT_MARGIN_SLOTS && free_tag_left(TTT_TAG_GRID);
	}
	want_slot = want >> TTT_TAG_BITS;
	if (prev >= 0 && !restart) {
		/* The frame number one on, in now's unit or the last stamp's. */
		int64_t q = ((prev >> TTT_TAG_BITS) + 1) & TTT_STAMP_SEQ_MASK;
		int64_t unit = (prev >> TTT_STAMP_UNIT_BITS) + (q == 0);

		if (unit < want >> TTT_STAMP_UNIT_BITS)
			unit = want >> TTT_STAMP_UNIT_BITS;
		want_slot = unit << TTT_STAMP_SEQ_BITS | q;
	}
	ts = ttt_reflect_stamp(&r, &last_ts, now);
	FUZZ_CHECK(last_ts == ts);
	FUZZ_CHECK(!was_sent(ts));
	if (restart) {
		FUZZ_CHECK(cur_tag() != tag && !model_used[cur_tag()] && !model_retired[cur_tag()]);
		model_restart(cur_tag());
		tag = cur_tag();
	} else {
		FUZZ_CHECK(ts > prev);
		FUZZ_CHECK(prev < 0 || (ts >> TTT_TAG_BITS) > (prev >> TTT_TAG_BITS));
		FUZZ_CHECK(cur_tag() == tag);
	}
	FUZZ_CHECK(ts >> TTT_TAG_BITS == want_slot);
	FUZZ_CHECK((unsigned)(ts & TTT_TAG_MASK) == tag);
	/* The receiver's replay filter takes each of our stamps as the newest. */
	FUZZ_CHECK(ttt_replay_update(&replay, ts) == TTT_REPLAY_NEWEST);

	fp = mix((uint64_t)ts ^ nsent);
	make_mac(fp, mac);
	ttt_reflect_record(&r, ts, mac);
	sent[nsent].ts = ts;
	sent[nsent].fp = fp;
	nsent++;
	slot = ts >> TTT_TAG_BITS;
	model_cache[(uint64_t)slot & (TTT_REFLECT_CACHE - 1)].ts = ts;
	model_cache[(uint64_t)slot & (TTT_REFLECT_CACHE - 1)].gen = gen;
	if (slot > model_hw)
		model_hw = slot;
}

/*
 * The record cannot tell ts from ours, and refuses it (reflect.h, by
 * design): its tag is retired and its slot at most the retirement's; or a
 * tag of this run and older than the ring; or one of our stamps set the
 * ring bit of its slot (that slot, or one a ring apart) and the MAC cache
 * holds no stamp of that very slot.
 */
/* Refused as ours without the MAC cache: a retired tag, or one of this
 * run older than the ring. */
static int
coarse(int64_t ts)
{
	int64_t slot = ts >> TTT_TAG_BITS;
	unsigned low = (unsigned)(ts & TTT_TAG_MASK);

	if (model_retired[low] && slot <= model_retired_until)
		return 1;
	return model_used[low] && slot <= model_hw && (uint64_t)(model_hw - slot) >= r.nslots;
}

static int
may_claim(int64_t ts)
{
	int64_t slot = ts >> TTT_TAG_BITS, cached;
	unsigned low = (unsigned)(ts & TTT_TAG_MASK);
	uint64_t ring = r.nslots;

	if (ts < 0)
		return 0;
	if (coarse(ts))
		return 1;
	if (!model_used[low] || slot > model_hw)
		return 0;
	cached = model_cache[(uint64_t)slot & (TTT_REFLECT_CACHE - 1)].gen == gen ?
	    model_cache[(uint64_t)slot & (TTT_REFLECT_CACHE - 1)].ts : 0;
	if (cached >= 0 && cached >> TTT_TAG_BITS == slot)
		return 0;
	for (size_t i = 0; i < nsent; i++)
		if ((uint64_t)(sent[i].ts >> TTT_TAG_BITS) % ring == (uint64_t)slot % ring)
			return 1;
	return 0;
}

static void
check_foreign(int64_t ts, uint64_t fp)
{
	uint8_t mac[TTT_MAC_LEN];
	int got;

	make_mac(fp, mac);
	got = ttt_reflect_check(&r, ts, mac);
	if (got && !was_sent(ts) && !may_claim(ts)) {
		fprintf(stderr, "reflect: ts %lld was never sent but is taken for ours "
		    "(tag %u, %zu sent, newest %lld)\n", (long long)ts, cur_tag(), nsent,
		    nsent > 0 ? (long long)sent[nsent - 1].ts : -1LL);
		abort();
	}
}

static void
observe(int64_t ts)
{
	unsigned tag = cur_tag();
	int want_change = 0, got;
	int64_t last = atomic_load_explicit(&r.last_slot, memory_order_relaxed);

	if (ts >= 0 && (unsigned)(ts & TTT_TAG_MASK) == tag) {
		if (++same_run == TTT_TAG_SAME_RUN) {
			int left = 0;

			same_run = 0;
			for (unsigned t = 0; t < TTT_TAG_GRID; t++)
				left |= t != tag && !model_retired[t];
			/* A change waits out the last one's window, and needs a
			 * tag no restart retired. */
			if (left && !(model_have_prev && last < model_prev_until)) {
				want_change = 1;
				model_have_prev = 1;
				model_prev_until = (last < 0 ? 0 : last) + window_slots +
				    TTT_REFLECT_MARGIN_SLOTS;
			}
		}
	} else {
		same_run = 0;
	}
	got = ttt_reflect_observe(&r, ts, (uint32_t)mix((uint64_t)ts));
	FUZZ_CHECK(got == want_change);
	if (got) {
		FUZZ_CHECK(cur_tag() != tag && cur_tag() <= TTT_TAG_MASK);
		FUZZ_CHECK(!model_retired[cur_tag()]);
		model_used[cur_tag()] = 1;
	} else
		FUZZ_CHECK(cur_tag() == tag);
}

static void
reflect_back(uint16_t pick, int other_mac)
{
	const struct sent *e;
	uint8_t mac[TTT_MAC_LEN];
	int64_t slot;
	int got;

	if (nsent == 0)
		return;
	e = &sent[nsent - 1 - pick % nsent];
	slot = e->ts >> TTT_TAG_BITS;
	if (!other_mac) {
		make_mac(e->fp, mac);
		got = ttt_reflect_check(&r, e->ts, mac);
		if (!got) {
			fprintf(stderr, "reflect: our datagram ts %lld (tag %lld, slot %lld) "
			    "came back and was not recognised; newest slot %lld, window %lld "
			    "slots, current tag %u\n", (long long)e->ts,
			    (long long)(e->ts & TTT_TAG_MASK), (long long)slot,
			    (long long)(sent[nsent - 1].ts >> TTT_TAG_BITS),
			    (long long)window_slots, cur_tag());
			abort();
		}
		return;
	}
	/* A peer's frame at our very nanosecond, different MAC: while the cache
	 * still holds ours, it must not be refused. */
	make_mac(~e->fp, mac);
	got = ttt_reflect_check(&r, e->ts, mac);
	if (model_cache[(uint64_t)slot & (TTT_REFLECT_CACHE - 1)].gen == gen &&
	    model_cache[(uint64_t)slot & (TTT_REFLECT_CACHE - 1)].ts == e->ts && !coarse(e->ts))
		FUZZ_CHECK(got == 0);
}

static int64_t
pick_window(uint8_t sel, struct fuzz_in *in)
{
	/* Small windows mostly: the ring (and its first clearing) is then
	 * 16 KiB instead of 512 KiB to 4 MiB, and the fuzzer runs ~20x faster. */
	switch (sel & 3) {
	case 0:
	case 1: return (int64_t)fuzz_u16(in) << (sel & 1 ? 8 : 0);
	case 2: return TTT_DEFAULT_WINDOW_NS;
	default: return (sel & 8) ? TTT_REFLECT_WINDOW_MAX_NS :
	    (int64_t)(fuzz_u64(in) % (uint64_t)(TTT_REFLECT_WINDOW_MAX_NS + 1));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	_Atomic uint64_t *words;
	uint64_t *dirty;
	size_t nwords;
	uint8_t sel = fuzz_u8(&in);
	unsigned tag;
	int64_t now;

	if (cache == NULL) {
		cache = malloc(TTT_REFLECT_CACHE * sizeof(*cache));
		FUZZ_CHECK(cache != NULL);
	}
	window_ns = pick_window(sel, &in);
	tag = fuzz_u16(&in);
	now = (sel & 4) ? fuzz_i64(fuzz_u64(&in)) : FUZZ_VECTOR_NOW + (int64_t)fuzz_u16(&in);

	/* reflect.h: the cache starts zeroed (and this input must not see the
	 * last one's entries). */
	memset(cache, 0, TTT_REFLECT_CACHE * sizeof(*cache));
	nwords = ttt_reflect_words(window_ns);
	FUZZ_CHECK(nwords > 0 && nwords <= (size_t)TTT_REFLECT_WORDS_MAX);
	/* Exact size: ASan sees any bit set past the ring. */
	words = calloc(nwords, sizeof(*words));
	dirty = calloc(nwords / 64, sizeof(*dirty));
	FUZZ_CHECK(words != NULL && dirty != NULL);
	ttt_reflect_init(&r, words, dirty, cache, window_ns, tag);
	FUZZ_CHECK(cur_tag() == (tag & TTT_TAG_MASK));
	ttt_replay_init(&replay, 0);
	window_slots = window_ns / TTT_TAG_GRID + 1;
	nsent = 0;
	same_run = 0;
	model_have_prev = 0;
	model_prev_until = 0;
	memset(model_used, 0, sizeof(model_used));
	memset(model_retired, 0, sizeof(model_retired));
	model_used[tag & TTT_TAG_MASK] = 1;
	model_retired_until = -1;
	model_hw = -1;
	last_ts = INT64_MIN;
	gen++;

	while (in.n > 0) {
		uint8_t op = fuzz_u8(&in), a = op & 0x3f;
		int64_t base = nsent > 0 ? sent[nsent - 1].ts : now;

		switch (op >> 6) {
		case 0:
			now = fuzz_add_wrap(now, 64 * (int64_t)a);
			send_one(now);
			break;
		case 1: {
			int64_t step = (int64_t)((uint64_t)fuzz_u8(&in) << (a >> 1));

			now = fuzz_add_wrap(now, (a & 1) ? -step : step);
			send_one(now);
			break;
		}
		case 2:
			reflect_back(fuzz_u16(&in), a & 1);
			break;
		default:
			switch (a & 3) {
			case 0:
				check_foreign(fuzz_add_wrap(base, (int8_t)fuzz_u8(&in)),
				    fuzz_u64(&in));
				break;
			case 1:
				observe(fuzz_add_wrap((base & ~TTT_TAG_MASK) | cur_tag(),
				    (int64_t)fuzz_u8(&in) << TTT_TAG_BITS));
				break;
			case 2:
				check_foreign(fuzz_i64(fuzz_u64(&in)), fuzz_u64(&in));
				break;
			default:
				observe(fuzz_i64(fuzz_u64(&in)));
				break;
			}
			break;
		}
	}
	free(words);
	free(dirty);
	return 0;
}

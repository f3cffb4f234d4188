/*
 * Exact record of our own timestamps (see reflect.h).
 */
#include <string.h>

#include "config.h"
#include "reflect.h"

#define WORD_BITS 64
/* Slots a word of the dirty summary covers: 64 words of 64. */
#define SPAN_SLOTS (WORD_BITS * WORD_BITS)
_Static_assert(TTT_REFLECT_MARGIN_SLOTS >= SPAN_SLOTS,
    "the ring, a power of two above the margin, holds whole spans");

/* A peer's stamp may sit up to two units off its clock: the narrowest
 * window must hold that and more, or genuine frames would be refused. */
_Static_assert((int64_t)TTT_WINDOW_MS_MIN * 1000000 >= 3 * TTT_STAMP_UNIT_NS,
    "the narrowest freshness window holds three stamp units");

static uint64_t
pow2_at_least(uint64_t n)
{
	uint64_t p = WORD_BITS;

	while (p < n)
		p <<= 1;
	return p;
}

static int
tag_in(const _Atomic uint64_t *set, unsigned tag)
{
	return (int)(atomic_load_explicit(&set[tag / 64], memory_order_acquire) >> (tag % 64) & 1);
}

static void
tag_add(_Atomic uint64_t *set, unsigned tag)
{
	atomic_fetch_or_explicit(&set[tag / 64], UINT64_C(1) << (tag % 64), memory_order_release);
}

/* A tag we may stamp with: never stamped with before, so no stamp of it can
 * equal one we sent. from: where to start looking. TTT_TAG_GRID: none left. */
static unsigned
unused_tag(const struct ttt_reflect *r, unsigned from)
{
	for (unsigned k = 0; k < TTT_TAG_GRID; k++) {
		unsigned t = (from + k) & TTT_TAG_MASK;

		if (!tag_in(r->used, t) && !tag_in(r->retired, t))
			return t;
	}
	return TTT_TAG_GRID;
}

static uint64_t
slots_for(int64_t window_ns)
{
	/* A reflected datagram passed the freshness check, so it is at most a
	 * window older than now; ours run at most a few batches ahead of now. */
	return pow2_at_least((uint64_t)(window_ns / TTT_TAG_GRID + 2 + TTT_REFLECT_MARGIN_SLOTS));
}

size_t
ttt_reflect_words(int64_t window_ns)
{
	return (size_t)(slots_for(window_ns) / WORD_BITS);
}

void
ttt_reflect_init(struct ttt_reflect *r, _Atomic uint64_t *words, uint64_t *dirty,
    struct ttt_reflect_fp *cache, int64_t window_ns, unsigned tag)
{
	memset(r, 0, sizeof(*r));
	r->bits = words;
	r->dirty = dirty;
	/* A zeroed cache is an empty one (timestamp 0 is never fresh), so the
	 * caller's zeroed static array costs no memory until it is used. */
	r->cache = cache;
	r->nslots = slots_for(window_ns);
	r->window_slots = window_ns / TTT_TAG_GRID + 1;
	atomic_store_explicit(&r->last_slot, -1, memory_order_relaxed);
	atomic_store_explicit(&r->tag, tag & TTT_TAG_MASK, memory_order_relaxed);
	atomic_store_explicit(&r->retired_until_slot, -1, memory_order_relaxed);
	tag_add(r->used, tag & TTT_TAG_MASK);
	/* xorshift must not start at zero. */
	r->tx_rng = ((uint64_t)(tag & TTT_TAG_MASK) << 32) ^ UINT64_C(0x9E3779B97F4A7C15);
}

static int
is_dirty(const struct ttt_reflect *r, uint64_t wi)
{
	return (int)(r->dirty[wi / WORD_BITS] >> (wi % WORD_BITS) & 1);
}

static void
set_bit(struct ttt_reflect *r, int64_t slot)
{
	uint64_t i = (uint64_t)slot & (r->nslots - 1), wi = i / WORD_BITS;
	_Atomic uint64_t *w = &r->bits[wi];

	atomic_store_explicit(w, atomic_load_explicit(w, memory_order_relaxed) |
	    UINT64_C(1) << (i % WORD_BITS), memory_order_relaxed);
	r->dirty[wi / WORD_BITS] |= UINT64_C(1) << (wi % WORD_BITS);
}

/*
 * Clear the bits of mask in word wi. A clean word is zero: never read, and
 * never written, since a page never written is the kernel's shared zero page
 * and costs the worker no memory (512 KiB for a 3 s window, all of it
 * written by the first mark otherwise). A word that ends zero is clean.
 */
static void
clear_bits(struct ttt_reflect *r, uint64_t wi, uint64_t mask)
{
	_Atomic uint64_t *w = &r->bits[wi];
	uint64_t v;

	if (!is_dirty(r, wi))
		return;
	v = atomic_load_explicit(w, memory_order_relaxed);
	if ((v & mask) != 0)
		atomic_store_explicit(w, v & ~mask, memory_order_relaxed);
	if ((v & ~mask) == 0)
		r->dirty[wi / WORD_BITS] &= ~(UINT64_C(1) << (wi % WORD_BITS));
}

static void
clear_all(struct ttt_reflect *r)
{
	for (uint64_t d = 0; d < r->nslots / SPAN_SLOTS; d++)
		for (uint64_t b = 0; r->dirty[d] != 0 && b < WORD_BITS; b++)
			clear_bits(r, d * WORD_BITS + b, UINT64_MAX);
}

/*
 * Clear slots [from, to), fewer than nslots of them. Only dirty words are
 * visited: the summary says how far the next one is, and a span of 64
 * words without one is passed at once (nslots is a multiple of SPAN_SLOTS,
 * so a span never wraps round the ring).
 */
static void
clear_range(struct ttt_reflect *r, int64_t from, int64_t to)
{
	uint64_t i = (uint64_t)from & (r->nslots - 1);
	int64_t left = to - from;

	while (left > 0) {
		uint64_t wi = i / WORD_BITS;
		unsigned b = (unsigned)(i % WORD_BITS);
		/* The span's dirty words from wi on, wi's at bit 0. */
		uint64_t ahead = r->dirty[wi / WORD_BITS] >> (wi % WORD_BITS);
		int64_t n = WORD_BITS - (int64_t)b;	/* to the end of word wi */

		if (ahead == 0) {
			n = SPAN_SLOTS - (int64_t)(i % SPAN_SLOTS);
		} else if ((ahead & 1) == 0) {
			/* The next dirty word is 1 + ctz(ahead >> 1) words on. */
			n += (int64_t)__builtin_ctzll(ahead >> 1) * WORD_BITS;
		} else {
			if (n > left)
				n = left;
			clear_bits(r, wi, UINT64_MAX >> (WORD_BITS - n) << b);
		}
		i = (i + (uint64_t)n) & (r->nslots - 1);
		left -= n;
	}
}

/* Forget the slots the ring is about to reuse, then mark slot. */
static void
mark(struct ttt_reflect *r, int64_t slot)
{
	int64_t last = atomic_load_explicit(&r->last_slot, memory_order_relaxed);

	if (last < 0 || (slot > last && (uint64_t)(slot - last) >= r->nslots))
		clear_all(r);
	else if (slot > last)
		clear_range(r, last + 1, slot);
	set_bit(r, slot);
	if (slot > last)
		atomic_store_explicit(&r->last_slot, slot, memory_order_release);
}

/*
 * Our stamps are over a window ahead of now: restart them at now under a
 * never-used tag. Every tag used so far is retired first, up to the highest
 * slot ever marked, so the receiver refuses their stamps before it can see
 * anything of the new tag (release, read with acquire in ttt_reflect_check).
 * Returns 0, changing nothing, when no tag is left.
 */
static int
restart(struct ttt_reflect *r)
{
	int64_t hw = atomic_load_explicit(&r->last_slot, memory_order_relaxed);
	unsigned fresh;

	r->tx_rng ^= r->tx_rng << 13;
	r->tx_rng ^= r->tx_rng >> 7;
	r->tx_rng ^= r->tx_rng << 17;
	fresh = unused_tag(r, (unsigned)(r->tx_rng >> 32));
	if (fresh == TTT_TAG_GRID)
		return 0;
	if (hw > atomic_load_explicit(&r->retired_until_slot, memory_order_relaxed))
		atomic_store_explicit(&r->retired_until_slot, hw, memory_order_release);
	for (unsigned w = 0; w < TTT_TAG_WORDS; w++)
		atomic_fetch_or_explicit(&r->retired[w],
		    atomic_load_explicit(&r->used[w], memory_order_relaxed), memory_order_release);
	for (unsigned w = 0; w < TTT_TAG_WORDS; w++)
		atomic_store_explicit(&r->used[w], 0, memory_order_release);
	tag_add(r->used, fresh);
	atomic_store_explicit(&r->tag, fresh, memory_order_release);
	r->restarts++;
	return 1;
}

/*
 * The slot after last_slot: the frame number one on (mod 2^16), in the
 * coarse unit of now or, when that would not be later, of last_slot. Adding
 * one does both at once: a wrapping number carries into the next unit, so
 * no unit holds a number twice. Both candidates are at most
 * INT64_MAX >> TTT_TAG_BITS: last_slot is below it, now_slot at most it,
 * and it has all of the number's bits set.
 */
static int64_t
next_slot(int64_t last_slot, int64_t now_slot)
{
	int64_t next = last_slot + 1;
	int64_t in_now = (now_slot & ~TTT_STAMP_SEQ_MASK) | (next & TTT_STAMP_SEQ_MASK);

	return next > in_now ? next : in_now;
}

int64_t
ttt_reflect_stamp(struct ttt_reflect *r, int64_t *last, int64_t now)
{
	int64_t tag = atomic_load_explicit(&r->tag, memory_order_relaxed);
	/* Before 1970: not a clock we serve. */
	int64_t now_slot = (now < 0 ? 0 : now) >> TTT_TAG_BITS, slot = now_slot, ts;

	/* One stamp a slot, even across a tag change: the record keeps one
	 * bit and one MAC a slot, and must know every stamp it holds. */
	if (*last >= 0) {
		/* One name for the last slot, so the end-of-time test below
		 * visibly bounds what follows (make prove sees it too). */
		int64_t last_slot = *last >> TTT_TAG_BITS;

		if (last_slot >= (INT64_MAX >> TTT_TAG_BITS))
			return *last;	/* the end of time: no slot left */
		/* Over a window (and the batches in flight) ahead: a peer in step
		 * with our clock refuses all of it as future. Restart at now. */
		if (last_slot - now_slot > r->window_slots + TTT_REFLECT_MARGIN_SLOTS &&
		    restart(r))
			tag = atomic_load_explicit(&r->tag, memory_order_relaxed);
		else
			slot = next_slot(last_slot, now_slot);
	}
	ts = slot << TTT_TAG_BITS | tag;
	mark(r, slot);
	*last = ts;
	return ts;
}

enum ring_answer { RING_NOT_MARKED, RING_MARKED, RING_BELOW };

/* What the ring knows of slot: marked, not marked (or after anything we
 * sent), or older than the ring holds. */
static enum ring_answer
ring_state(const struct ttt_reflect *r, int64_t slot)
{
	int64_t last = atomic_load_explicit(&r->last_slot, memory_order_acquire);
	uint64_t i, w;

	if (last < 0 || slot > last)
		return RING_NOT_MARKED;
	if ((uint64_t)(last - slot) >= r->nslots)
		return RING_BELOW;
	i = (uint64_t)slot & (r->nslots - 1);
	w = atomic_load_explicit(&r->bits[i / WORD_BITS], memory_order_relaxed);
	return (w >> (i % WORD_BITS) & 1) ? RING_MARKED : RING_NOT_MARKED;
}

static struct ttt_reflect_fp *
cache_entry(const struct ttt_reflect *r, int64_t ts)
{
	return &r->cache[(uint64_t)(ts >> TTT_TAG_BITS) & (TTT_REFLECT_CACHE - 1)];
}

/* An entry's fields (reflect.h): valid | lap | low bits | fingerprint. */
#define FP_BITS    (8 * TTT_REFLECT_FP_LEN)
#define LOW_SHIFT  FP_BITS
#define LAP_SHIFT  (LOW_SHIFT + TTT_TAG_BITS)
#define LAP_MASK   ((UINT64_C(1) << TTT_REFLECT_LAP_BITS) - 1)
#define ENTRY_VALID (UINT64_C(1) << (LAP_SHIFT + TTT_REFLECT_LAP_BITS))
#define FP_MASK    ((UINT64_C(1) << FP_BITS) - 1)

_Static_assert(LAP_SHIFT + TTT_REFLECT_LAP_BITS == 63, "an entry fills one word");
_Static_assert(TTT_REFLECT_WORDS_MAX * WORD_BITS + TTT_REFLECT_MARGIN_SLOTS <
    (INT64_C(1) << (TTT_REFLECT_LAP_BITS + TTT_REFLECT_CACHE_LOG2)),
    "within the ring, a lap modulo 2^TTT_REFLECT_LAP_BITS names one slot");

static uint64_t
fingerprint(const uint8_t *mac)
{
	uint32_t fp;

	memcpy(&fp, mac, sizeof(fp));
	return fp;
}

static uint64_t
slot_lap(int64_t ts)
{
	return ((uint64_t)(ts >> TTT_TAG_BITS) >> TTT_REFLECT_CACHE_LOG2) & LAP_MASK;
}

void
ttt_reflect_record(struct ttt_reflect *r, int64_t ts, const uint8_t *mac)
{
	uint64_t w = ENTRY_VALID | slot_lap(ts) << LAP_SHIFT |
	    (uint64_t)(ts & TTT_TAG_MASK) << LOW_SHIFT | fingerprint(mac);

	atomic_store_explicit(&cache_entry(r, ts)->word, w, memory_order_release);
}

enum cache_answer { CACHE_UNKNOWN, CACHE_SAME_TS, CACHE_OTHER_TS };

/*
 * What the cache knows of ts's slot: the very timestamp (and *fp, the MAC we
 * sent with it), another timestamp of the same slot (so ts is not ours: one
 * stamp a slot), or nothing (never written, or overwritten by a later lap).
 */
static enum cache_answer
cached(const struct ttt_reflect *r, int64_t ts, uint64_t *fp)
{
	uint64_t w = atomic_load_explicit(&cache_entry(r, ts)->word, memory_order_acquire);

	*fp = w & FP_MASK;
	if ((w & ENTRY_VALID) == 0 || (w >> LAP_SHIFT & LAP_MASK) != slot_lap(ts))
		return CACHE_UNKNOWN;
	if ((w >> LOW_SHIFT & (uint64_t)TTT_TAG_MASK) != (uint64_t)(ts & TTT_TAG_MASK))
		return CACHE_OTHER_TS;
	return CACHE_SAME_TS;
}

/* A tag of the current run (since the last restart): what the ring says. */
static int
ring_says_ours(const struct ttt_reflect *r, int64_t ts, const uint8_t *mac)
{
	uint64_t fp;

	switch (ring_state(r, ts >> TTT_TAG_BITS)) {
	case RING_NOT_MARKED:
		return 0;
	case RING_BELOW:
		/* Fresh, yet older than the ring: our clock stepped back after we
		 * sent it. A reflection must never pass: refuse. */
		return 1;
	default:
		break;
	}
	/* We stamped once in this slot. The very timestamp: ours only with our
	 * MAC (else a peer's frame of the same nanosecond). Another timestamp of
	 * the slot: not ours. Nothing known any more: refuse, to be safe. */
	switch (cached(r, ts, &fp)) {
	case CACHE_SAME_TS:
		return fp == fingerprint(mac);
	case CACHE_OTHER_TS:
		return 0;
	default:
		return 1;
	}
}

int
ttt_reflect_check(const struct ttt_reflect *r, int64_t ts, const uint8_t *mac)
{
	unsigned low;

	if (ts < 0)
		return 0;
	low = (unsigned)(ts & TTT_TAG_MASK);
	/* Every tag of this run, not only the current one: the tag moves when a
	 * peer shares it, and a stamp under the old one can be fresh again. */
	if (tag_in(r->used, low) && ring_says_ours(r, ts, mac))
		return 1;
	/* Last: a restart retires the old tags before it touches the ring, the
	 * cache or the tag, so whatever of it was seen above, this sees too. */
	atomic_thread_fence(memory_order_acquire);
	return tag_in(r->retired, low) &&
	    ts >> TTT_TAG_BITS <= atomic_load_explicit(&r->retired_until_slot, memory_order_acquire);
}

int
ttt_reflect_observe(struct ttt_reflect *r, int64_t ts, uint32_t rnd)
{
	unsigned tag = atomic_load_explicit(&r->tag, memory_order_relaxed), fresh;
	int64_t last;

	if (ts < 0 || (unsigned)(ts & TTT_TAG_MASK) != tag) {
		r->same_run = 0;
		return 0;
	}
	if (++r->same_run < TTT_TAG_SAME_RUN)
		return 0;
	last = atomic_load_explicit(&r->last_slot, memory_order_relaxed);
	/* A further change waits a window: each adds a tag the ring checks
	 * until the next restart, and a peer on our tags must not make us run
	 * through all of them. */
	if (r->have_prev && last < r->prev_until_slot) {
		r->same_run = 0;
		return 0;
	}
	/* The peer draws from the same tags as we do and drew ours: move away,
	 * to any tag but this one; it stays checked (ttt_reflect_check). */
	r->same_run = 0;
	fresh = (tag + 1 + rnd % (unsigned)TTT_TAG_MASK) & TTT_TAG_MASK;
	/* Never a retired tag: its stamps could repeat ones we sent. */
	while (tag_in(r->retired, fresh) || fresh == tag)
		if ((fresh = (fresh + 1) & TTT_TAG_MASK) == tag)
			return 0;
	r->prev_until_slot = (last < 0 ? 0 : last) + r->window_slots + TTT_REFLECT_MARGIN_SLOTS;
	r->have_prev = 1;
	/* In the set the check reads before the sender can stamp with it; a
	 * restart in between wins (the sender is then not stamping). */
	tag_add(r->used, fresh);
	(void)atomic_compare_exchange_strong_explicit(&r->tag, &tag, fresh,
	    memory_order_release, memory_order_relaxed);
	return 1;
}

/*
 * Reflection defence. Both directions share one key and the v1.4 format has
 * no direction field, so a datagram we send is, byte for byte, a valid
 * datagram for us: bounced back within the window, our own frame would be
 * delivered to our own tap, and the replay filter would not notice (that
 * timestamp was never received).
 *
 * So we remember exactly what we sent. Every timestamp we emit carries a
 * per-worker tag in its low TTT_TAG_BITS bits (v1.4 receivers only compare
 * timestamps with a 3 s window, so the low microsecond is free), which puts
 * our timestamps on a grid of 2^TTT_TAG_BITS ns slots with one timestamp a
 * slot (a slot is a frame number within a ~67 ms unit of time, see
 * TTT_STAMP_SEQ_BITS; its value, times 1024 ns, stays within that unit of
 * when we sent it). A bitmap with one bit a slot over the window is then an
 * exact record of what we sent: a datagram is reflected iff its low bits are our tag and
 * its slot's bit is set, which means it carries exactly a timestamp we sent.
 *
 * A v1.4 peer stamps with its raw clock, so one of its timestamps can equal
 * one of ours to the nanosecond (about one frame in 2^TTT_TAG_BITS when we
 * send in every slot). Such a frame is not ours: its MAC differs. So we also
 * keep, for the last TTT_REFLECT_CACHE frames (the cache is indexed by
 * slot mod 2^16, the frame number), the first bytes of the MAC we sent;
 * where the timestamp matches and the cache still holds it, only a
 * matching MAC is a reflection (and a v1.4 frame whose MAC agrees in those
 * TTT_REFLECT_FP_LEN bytes is taken for one: 2^-32). Where the cache no
 * longer holds it (we have sent 65,536 frames since) we refuse: a
 * reflection must never pass, and a v1.4 frame then needs both the same
 * nanosecond and a clock that far from ours to be lost.
 *
 * A tinytaptunnel peer that drew the same tag would collide with us in busy
 * slots; when TTT_TAG_SAME_RUN accepted frames in a row carry our tag (2^-80
 * for a v1.4 peer), we draw a new tag; the old one stays checked against the
 * ring (one stamp a slot keeps that exact), and a further change waits a
 * window.
 *
 * The wall clock can step. Freshness is judged against now, so after our
 * clock steps back by D a stamp we sent up to D + window before now is
 * fresh again: every tag we have stamped with is checked, not only the
 * current one, and a fresh stamp under one of them that is older than the
 * ring holds is refused as ours rather than forgotten (audit M3; a v1.4
 * peer then loses one frame in 1024, only while our clock is set back).
 *
 * A step back of more than a window leaves our next stamps over a window
 * ahead of now, where a peer in step with our clock refuses them all as
 * "future": a forward step, once corrected, would stall the tunnel for as
 * long as the step. So the sender restarts its stamps at now, under a tag
 * it has never used; every tag used before is retired and refused, without
 * the ring, up to the highest slot we ever stamped. No stamp ever repeats
 * one sent before, and none of them can come back unrecognised. A v1.4 peer
 * then loses the frames whose low bits happen to equal a retired tag, one
 * in 1024 a retired tag, until its stamps pass that slot.
 *
 * Threads: one sender at a time writes the bitmap, last_slot and, at a
 * restart, the tag and the retired set (the worker serialises whichever
 * thread sends with a lock); one receiver changes the tag when a peer
 * shares it. Both sides use atomics; a restart publishes the retired set
 * before anything else it changes (release), and the receiver reads it last
 * (acquire).
 */
#ifndef TTT_REFLECT_H
#define TTT_REFLECT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define TTT_TAG_BITS      10
#define TTT_TAG_GRID      (INT64_C(1) << TTT_TAG_BITS)	/* ns a slot: ~976k frames/s at most */
#define TTT_TAG_MASK      (TTT_TAG_GRID - 1)
#define TTT_TAG_SAME_RUN  8
/*
 * A stamp's slot (ts >> TTT_TAG_BITS) is T << 16 | q: q counts our frames
 * mod 2^16, one a stamp, and T is coarse time (now >> 26, ~67 ms units),
 * raised by one when q wraps. So a receiver of ours knows each frame's
 * position in our sequence (replay.h: one bit a position), our stamps still
 * strictly increase, no unit holds a slot twice, and every stamp lies in
 * the 67 ms unit of now (below ~976k frames/s; above that, T runs ahead by
 * a unit per 2^16 frames, as the slots of 1024 ns did). A v1.4 receiver
 * only compares stamps with its 3 s window: to it they are timestamps.
 */
#define TTT_STAMP_SEQ_BITS 16
#define TTT_STAMP_SEQ_MASK ((INT64_C(1) << TTT_STAMP_SEQ_BITS) - 1)
#define TTT_STAMP_UNIT_BITS (TTT_TAG_BITS + TTT_STAMP_SEQ_BITS)
#define TTT_STAMP_UNIT_NS  (INT64_C(1) << TTT_STAMP_UNIT_BITS)	/* ~67 ms */
#define TTT_REFLECT_CACHE_LOG2 16	/* the last 64 Ki frames' MAC prefixes: 512 KiB */
#define TTT_REFLECT_CACHE (1u << TTT_REFLECT_CACHE_LOG2)
#define TTT_REFLECT_FP_LEN 4	/* MAC bytes kept: a false match is 2^-32 */
/* Which lap of the cache an entry's slot is in, modulo 2^this: the ring
 * (at most 2^25 slots and the margin) is far shorter than 2^(21+16) slots,
 * so within it an entry's slot is never mistaken for another's. */
#define TTT_REFLECT_LAP_BITS 21
/* Slots beyond the window that the bitmap also covers: batches in flight. */
#define TTT_REFLECT_MARGIN_SLOTS (INT64_C(1) << 16)
#define TTT_TAG_WORDS (TTT_TAG_GRID / 64)	/* a bit a tag */

/*
 * What we sent in one slot, in one atomic word (8 bytes, so the busy
 * cache is 512 KiB): a valid bit, the slot's lap, the stamp's low
 * TTT_TAG_BITS and the first TTT_REFLECT_FP_LEN bytes of its MAC. Written
 * and read whole, so never seen half written.
 */
struct ttt_reflect_fp {
	_Atomic uint64_t word;
};

struct ttt_reflect {
	_Atomic uint64_t *bits;		/* nslots bits, nslots a power of two */
	/* Sender-only: a bit a word of bits, clear when that word is zero, so
	 * that clearing the slots the ring reuses visits only the words the
	 * last lap marked, not every word since the last stamp (after an idle
	 * second, a million slots: 122 KiB read before the frame could leave). */
	uint64_t *dirty;
	struct ttt_reflect_fp *cache;	/* TTT_REFLECT_CACHE entries */
	uint64_t nslots;
	_Atomic int64_t last_slot;	/* highest slot marked, -1: none yet */
	_Atomic unsigned tag;
	/* Tags stamped with since the last restart: checked against the ring. */
	_Atomic uint64_t used[TTT_TAG_WORDS];
	/* Tags stamped with before it: ours up to retired_until_slot. */
	_Atomic uint64_t retired[TTT_TAG_WORDS];
	_Atomic int64_t retired_until_slot;
	/* sender-only */
	uint64_t tx_rng;		/* picks a restart's tag, nothing secret */
	unsigned long restarts;		/* how many times the stamps restarted */
	/* receiver-only */
	int64_t prev_until_slot;	/* no further tag change while below this */
	int have_prev;
	unsigned same_run;
	int64_t window_slots;
};

/* The largest window the record is built for: 30 s, a 4 MiB bitmap. */
#define TTT_REFLECT_WINDOW_MAX_NS (INT64_C(30) * 1000000000)
#define TTT_REFLECT_WORDS_MAX     (INT64_C(1) << 19)
/* The summary of the largest bitmap: a bit a word, 64 KiB. */
#define TTT_REFLECT_DIRTY_MAX     (TTT_REFLECT_WORDS_MAX / 64)

/* Bitmap words needed for a window of window_ns (<= TTT_REFLECT_WINDOW_MAX_NS);
 * a multiple of 64. */
size_t ttt_reflect_words(int64_t window_ns);

/* words: ttt_reflect_words(window_ns) zeroed words; dirty: a 64th as many
 * zeroed words; cache: TTT_REFLECT_CACHE zeroed entries. */
void ttt_reflect_init(struct ttt_reflect *r, _Atomic uint64_t *words, uint64_t *dirty,
    struct ttt_reflect_fp *cache, int64_t window_ns, unsigned tag);

/*
 * Sender: the next timestamp, strictly after last (*last updated), its
 * slot the next frame number (TTT_STAMP_SEQ_BITS) in now's ~67 ms unit or
 * later, carrying our tag; its slot is marked before it is returned, so
 * the datagram cannot come back before we know it is ours. When last is
 * more than a window and TTT_REFLECT_MARGIN_SLOTS ahead of now (our clock
 * was set back), the stamps restart at now under a never-used tag
 * (r->restarts counts it), unless every tag has been used.
 */
int64_t ttt_reflect_stamp(struct ttt_reflect *r, int64_t *last, int64_t now);

/* Sender, after encoding and before sending: remember the datagram's MAC. */
void ttt_reflect_record(struct ttt_reflect *r, int64_t ts, const uint8_t *mac);

/* Receiver: 1 if the datagram with this timestamp and MAC may be one we
 * sent. The caller has found it fresh: the answer is exact in the ring, and
 * refuses what is ours by tag but beyond what the ring holds. */
int ttt_reflect_check(const struct ttt_reflect *r, int64_t ts, const uint8_t *mac);

/*
 * Receiver, for every accepted frame: watch for a peer that shares our tag.
 * rnd: a random number, used only when the tag must change. Returns 1 when
 * the tag changed.
 */
int ttt_reflect_observe(struct ttt_reflect *r, int64_t ts, uint32_t rnd);

#endif

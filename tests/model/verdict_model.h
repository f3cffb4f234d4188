/*
 * The receive verdict (verdict.h) against a reference model, for the unit
 * test and the fuzz harness alike (one model, two drivers).
 *
 * A world holds the real receive state and, beside it, what a reader of
 * the rules would predict from how each datagram was made:
 *   - from elsewhere than a fixed peer: WRONG_PEER, whatever it holds;
 *   - cut by the kernel: LONG; under a header and a byte: SHORT; a frame
 *     over the maximum: LONG;
 *   - made under another key, bit-flipped or cut short: BADMAC;
 *   - stamped outside the window around now: STALE or FUTURE;
 *   - one of ours (we stamped and sent it): REFLECTED;
 *   - at or below the floor, or delivered before: REPLAY;
 *   - else DELIVER, or KEEPALIVE if the frame is the keepalive frame
 *     (keepalive.h), with the same effects: the peer moves to the source
 *     iff the peer is not fixed, the stamp is above every stamp delivered
 *     so far, and the source is not the peer already.
 * The world is stepped by operations; each step compares verdict, frame and
 * peer with the prediction. A run stays under TTT_REPLAY_DEPTH deliveries,
 * so the replay filter forgets nothing and exactness is the rule.
 *
 * Peer stamps never carry our tag (a tinytaptunnel peer with our tag is
 * reflect.h's own business, tested there), so the tag never changes here.
 *
 * vm_step returns NULL, or why the real verdict broke the rule (a static
 * buffer: one caller at a time).
 */
#ifndef TTT_VERDICT_MODEL_H
#define TTT_VERDICT_MODEL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "keepalive.h"
#include "verdict.h"

#define VM_STEPS_MAX  200	/* below TTT_REPLAY_DEPTH: nothing forgotten */
#define VM_WIRE_MAX   32	/* datagrams kept for replays */
#define VM_FRAME_MAX  96	/* the receiver's maximum frame in the model */
_Static_assert(VM_FRAME_MAX >= TTT_KEEPALIVE_LEN, "the model carries keepalives");
#define VM_DGRAM_MAX  (TTT_HDR_LEN + VM_FRAME_MAX + 8)
#define VM_WINDOW_NS  (100 * TTT_NSEC_PER_MSEC)	/* small: a cheap reflection record */
#define VM_NSRC       3
#define VM_WHY        256
static const int64_t VM_T0 = INT64_C(1764000000000000000);

enum vm_op {
	VM_PEER,	/* the peer sends a frame */
	VM_OURS,	/* we send a frame, and it comes back */
	VM_REPLAY,	/* a datagram seen before, sent again */
	VM_TICK,	/* time passes */
	VM_NOPS
};

/* How a datagram was made: what the model judges by. */
struct vm_dgram {
	uint8_t b[VM_DGRAM_MAX];
	size_t len, flen;
	int64_t ts;
	int authentic;	/* under our key, whole and unchanged */
	int ours;
	int keepalive;	/* the frame is the keepalive frame */
};

struct vm_world {
	/* the real thing */
	struct ttt_keyring keys;
	struct ttt_reflect reflect;
	struct ttt_replay replay;
	struct ttt_rx_state st;
	struct ttt_mac_key wrong_key;
	int64_t last_sent;
	/* the model */
	int fixed;
	int peer;		/* index into addr[], -1: none */
	int64_t delivered[VM_STEPS_MAX];
	unsigned ndelivered;
	int64_t floor;
	int64_t now;
	unsigned tag;
	struct vm_dgram wire[VM_WIRE_MAX];
	unsigned nwire;
	struct ttt_addr addr[VM_NSRC];
	char why[VM_WHY];
};

static _Atomic uint64_t vm_words[TTT_REFLECT_WORDS_MAX];
static uint64_t vm_dirty[TTT_REFLECT_DIRTY_MAX];
static struct ttt_reflect_fp vm_cache[TTT_REFLECT_CACHE];
static const uint8_t vm_key[TTT_KEY_MIN] = "verdict-model-k";
static const uint8_t vm_other_key[TTT_KEY_MIN] = "another-key-000";

static inline void
vm_addr(struct ttt_addr *a, unsigned i)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;

	memset(a, 0, sizeof(*a));
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)(9000 + i));
	s4->sin_addr.s_addr = htonl(0xc0000201u + i);	/* 192.0.2.1 + i */
	a->len = sizeof(*s4);
}

/* fixed: the peer is addr[0] and never moves; else it is learnt. */
static inline void
vm_init(struct vm_world *w, int fixed, uint64_t seed)
{
	memset(w, 0, sizeof(*w));
	memset(vm_words, 0, ttt_reflect_words(VM_WINDOW_NS) * sizeof(vm_words[0]));
	memset(vm_dirty, 0, sizeof(vm_dirty));
	memset(vm_cache, 0, sizeof(vm_cache));
	for (unsigned i = 0; i < VM_NSRC; i++)
		vm_addr(&w->addr[i], i);
	ttt_keyring_init(&w->keys, NULL, 0, vm_key, sizeof(vm_key));
	ttt_mac_key_init(&w->wrong_key, NULL, vm_other_key, sizeof(vm_other_key));
	w->tag = (unsigned)(seed >> 40) & TTT_TAG_MASK;
	ttt_reflect_init(&w->reflect, vm_words, vm_dirty, vm_cache, VM_WINDOW_NS, w->tag);
	ttt_replay_init(&w->replay, seed);
	w->floor = VM_T0;
	ttt_replay_set_floor(&w->replay, w->floor);
	w->now = VM_T0 + VM_WINDOW_NS / 2;
	w->last_sent = INT64_MIN;
	w->st.keys = &w->keys;
	w->st.reflect = &w->reflect;
	w->st.replay = &w->replay;
	w->st.lim.window_ns = VM_WINDOW_NS;
	w->st.lim.max_frame = VM_FRAME_MAX;
	w->st.rng = seed | 1;
	w->fixed = fixed;
	w->peer = fixed ? 0 : -1;
	w->st.fixed_peer = fixed;
	if (fixed) {
		w->st.peer = w->addr[0];
		w->st.have_peer = 1;
	}
}

static inline int
vm_was_delivered(const struct vm_world *w, int64_t ts, int64_t *top)
{
	int seen = 0;

	*top = INT64_MIN;
	for (unsigned i = 0; i < w->ndelivered; i++) {
		seen |= w->delivered[i] == ts;
		if (w->delivered[i] > *top)
			*top = w->delivered[i];
	}
	return seen;
}

/* The rules above, in order. *moves: whether a delivery moves the peer. */
static inline enum ttt_verdict
vm_predict(const struct vm_world *w, const struct vm_dgram *d, int src, int truncated,
    int *moves)
{
	int64_t top;

	*moves = 0;
	if (w->fixed && src != w->peer)
		return TTT_VERDICT_WRONG_PEER;
	if (truncated)
		return TTT_VERDICT_LONG;
	if (d->len < TTT_MIN_DATAGRAM)
		return TTT_VERDICT_SHORT;
	if (d->len - TTT_HDR_LEN > VM_FRAME_MAX)
		return TTT_VERDICT_LONG;
	if (!d->authentic)
		return TTT_VERDICT_BADMAC;
	if (d->ts < w->now - VM_WINDOW_NS)
		return TTT_VERDICT_STALE;
	if (d->ts > w->now + VM_WINDOW_NS)
		return TTT_VERDICT_FUTURE;
	if (d->ours)
		return TTT_VERDICT_REFLECTED;
	if (d->ts <= w->floor || vm_was_delivered(w, d->ts, &top))
		return TTT_VERDICT_REPLAY;
	*moves = !w->fixed && d->ts > top && src != w->peer;
	return d->keepalive ? TTT_VERDICT_KEEPALIVE : TTT_VERDICT_DELIVER;
}

/* Judge d from addr[src] for real and by the model; NULL when they agree. */
static inline const char *
vm_receive(struct vm_world *w, const struct vm_dgram *d, int src, int truncated)
{
	struct ttt_now now = { w->now, w->now };
	struct ttt_rx_effects fx;
	int moves;
	enum ttt_verdict want = vm_predict(w, d, src, truncated, &moves);
	enum ttt_verdict got = ttt_verdict_judge(&w->st, &w->addr[src], d->b, d->len, truncated,
	    &now, &fx);

	if (got != want || fx.peer_moved != moves || fx.tag_changed) {
		(void)snprintf(w->why, sizeof(w->why), "ts %lld from %d (len %zu, trunc %d, "
		    "ours %d, authentic %d): verdict %s, model %s; moved %d, model %d; tag %d",
		    (long long)(d->ts - VM_T0), src, d->len, truncated, d->ours, d->authentic,
		    ttt_verdict_name(got), ttt_verdict_name(want), fx.peer_moved, moves,
		    fx.tag_changed);
		return w->why;
	}
	if (got != TTT_VERDICT_DELIVER && got != TTT_VERDICT_KEEPALIVE)
		return NULL;
	if (fx.frame.ts != d->ts || fx.frame.len != d->flen ||
	    fx.frame.frame != d->b + TTT_HDR_LEN)
		return "the delivered frame is not the datagram's frame";
	w->delivered[w->ndelivered++] = d->ts;
	if (moves)
		w->peer = src;
	if (w->peer >= 0 && !ttt_addr_equal(&w->st.peer, &w->addr[w->peer]))
		return "the state's peer is not the model's";
	return NULL;
}

static inline void
vm_keep(struct vm_world *w, const struct vm_dgram *d)
{
	w->wire[w->nwire % VM_WIRE_MAX] = *d;
	w->nwire++;
}

/*
 * The peer sends a frame of 1 + flen % VM_FRAME_MAX + a few bytes (so some
 * are too long), stamped dts_us microseconds from now; how: bit 0 another
 * key, bit 1 a flipped bit (bits 4-6: which), bit 2 cut short, bit 3 cut by
 * the kernel, bit 7 the keepalive frame instead (forged, flipped, cut or
 * replayed like any other).
 */
static inline const char *
vm_peer_sends(struct vm_world *w, int src, int32_t dts_us, unsigned flen, unsigned how)
{
	static struct vm_dgram d;
	uint8_t frame[VM_FRAME_MAX + 8];

	memset(&d, 0, sizeof(d));
	d.flen = 1 + flen % (VM_FRAME_MAX + 8);
	for (size_t i = 0; i < d.flen; i++)
		frame[i] = (uint8_t)(i * 7 + flen);
	if (how & 0x80) {
		d.flen = TTT_KEEPALIVE_LEN;
		memcpy(frame, ttt_keepalive_frame, TTT_KEEPALIVE_LEN);
		d.keepalive = 1;
	}
	d.ts = w->now + (int64_t)dts_us * 1000;
	/* Never our tag: see the top of this file. */
	if (((unsigned)d.ts & TTT_TAG_MASK) == w->tag)
		d.ts++;
	d.len = ttt_frame_encode((how & 1) ? &w->wrong_key : &w->keys.keys[0], d.ts, frame,
	    d.flen, d.b, sizeof(d.b));
	d.authentic = !(how & 1);
	if (how & 2) {
		d.b[(flen * 13) % d.len] ^= (uint8_t)(1u << (how >> 4 & 7));
		d.authentic = 0;
	}
	if (how & 4) {
		d.len = (flen * 5) % d.len;
		d.authentic = 0;
	}
	vm_keep(w, &d);
	return vm_receive(w, &d, src, (how & 8) != 0);
}

/* We send a frame now (as the sender does: stamp, encode, record), and it
 * comes back from addr[src]. */
static inline const char *
vm_ours_back(struct vm_world *w, int src, unsigned flen)
{
	static struct vm_dgram d;
	uint8_t frame[VM_FRAME_MAX];

	memset(&d, 0, sizeof(d));
	d.flen = 1 + flen % VM_FRAME_MAX;
	memset(frame, 0x5a, d.flen);
	d.ts = ttt_reflect_stamp(&w->reflect, &w->last_sent, w->now);
	d.len = ttt_frame_encode(&w->keys.keys[0], d.ts, frame, d.flen, d.b, sizeof(d.b));
	ttt_reflect_record(&w->reflect, d.ts, d.b);
	d.authentic = 1;
	d.ours = 1;
	vm_keep(w, &d);
	return vm_receive(w, &d, src, 0);
}

/* One operation from four argument bytes. */
static inline const char *
vm_step(struct vm_world *w, enum vm_op op, uint8_t a, uint8_t b, uint8_t c, uint8_t e)
{
	int src = a % VM_NSRC;
	/* -150 ms .. +150 ms around now: stale, fresh and future alike. */
	int32_t dts_us = (int32_t)(((int64_t)(b << 8 | c) - 32768) * 150000 / 32768);

	switch (op) {
	case VM_PEER:
		return vm_peer_sends(w, src, dts_us, c ^ e, e);
	case VM_OURS:
		return vm_ours_back(w, src, b);
	case VM_REPLAY:
		if (w->nwire == 0)
			return NULL;
		return vm_receive(w, &w->wire[(b << 8 | c) % (w->nwire < VM_WIRE_MAX ?
		    w->nwire : VM_WIRE_MAX)], src, 0);
	default:
		w->now += (int64_t)(b << 8 | c) * 1000;	/* up to 65 ms */
		return NULL;
	}
}

#endif

/*
 * The receive verdict: what becomes of one authenticated-or-not datagram.
 * One function of (state, datagram, now), so that a unit test and a fuzzer
 * can check every rule without a socket, a tap or a clock.
 *
 * The checks, in this order, each for a reason:
 *   1. source       a fixed peer never speaks from elsewhere: refused
 *                   before any HMAC work, so a flood from elsewhere is cheap
 *   2. decode       length, MAC (constant time), freshness on the wall
 *                   clock, under the key the rotation rules allow (keyring.h)
 *   3. reflection   before the replay filter: a datagram of ours bounced
 *                   back was never received, so only the record of what we
 *                   sent knows it (reflect.h)
 *   4. replay       delivered at most once, exactly (replay.h)
 *   5. effects      the tag watch (reflect.h); and only the newest frame
 *                   moves the peer, so a replayed or delayed frame sent from
 *                   elsewhere can never redirect the tunnel
 *   6. clock watch  every frame the MAC authenticates and that is not
 *                   ours or a replay, stale and future ones too, shows
 *                   the peer's clock (skew.h): the caller logs the event
 *   7. keepalive    only now, after 2-4, is the frame looked at: a
 *                   keepalive (keepalive.h) has every effect of a frame (it
 *                   is how a peer behind NAT is learnt and kept), but is
 *                   KEEPALIVE, not DELIVER, and never reaches the tap; a
 *                   forged or replayed one was refused above like any other
 * A refused datagram changes nothing but what its check must learn: the
 * replay filter and the peer are touched only by a frame that passed 1-3.
 *
 * Pure: no system call, no clock, no allocation, no logging. The keyring and
 * the reflection record are shared with the sender (their headers say how).
 */
#ifndef TTT_VERDICT_H
#define TTT_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "clock.h"
#include "frame.h"
#include "keyring.h"
#include "reflect.h"
#include "replay.h"
#include "skew.h"
#include "stats.h"

enum ttt_verdict {
	TTT_VERDICT_DELIVER = 0,
	TTT_VERDICT_WRONG_PEER,	/* not from the configured peer */
	TTT_VERDICT_SHORT,	/* shorter than a header and one byte */
	TTT_VERDICT_LONG,	/* frame over the maximum, or cut by the kernel */
	TTT_VERDICT_BADMAC,
	TTT_VERDICT_STALE,
	TTT_VERDICT_FUTURE,
	TTT_VERDICT_REFLECTED,	/* a datagram we sent */
	TTT_VERDICT_REPLAY,	/* delivered before, or too old to tell */
	TTT_VERDICT_KEEPALIVE,	/* authentic and new, but a keepalive: never to the tap */
	TTT_VERDICT_N
};

/* What the receiving side knows; the caller owns it and passes it in. */
struct ttt_rx_state {
	struct ttt_keyring *keys;	/* shared with the sender */
	struct ttt_reflect *reflect;	/* shared with the sender */
	struct ttt_replay *replay;	/* the receiver's own */
	struct ttt_frame_limits lim;
	struct ttt_addr peer;		/* configured, or the newest frame's source */
	int have_peer;
	int fixed_peer;			/* peer given on the command line: never moves */
	uint64_t rng;			/* xorshift64 state, non-zero: a new tag only */
	struct ttt_skew skew;		/* the peer's clock (ttt_skew_init; zeroed: off) */
};

/* What follows from a verdict, besides the state it updated. */
struct ttt_rx_effects {
	struct ttt_frame_view frame;	/* DELIVER, KEEPALIVE: the frame, inside the datagram */
	int peer_moved;			/* DELIVER, KEEPALIVE: state->peer is now the source */
	int tag_changed;		/* the peer stamps with our tag: a new one drawn */
	enum ttt_skew_event skew;	/* the peer's clock went off, or came back */
	int64_t skew_ns;		/* with it: the peer's clock minus ours */
};

/*
 * Judge one datagram from src, received at now. truncated: the kernel cut
 * it (MSG_TRUNC), so its length is unknown: refused as LONG unread.
 */
enum ttt_verdict ttt_verdict_judge(struct ttt_rx_state *s, const struct ttt_addr *src,
    const uint8_t *dgram, size_t len, int truncated, const struct ttt_now *now,
    struct ttt_rx_effects *fx);

/*
 * ttt_verdict_judge, with pre (or NULL) the datagram's MAC computed ahead
 * under the newest key (keyring.h): the same checks in the same order, the
 * same verdict and effects; only the MAC is not computed again.
 */
enum ttt_verdict ttt_verdict_judge_pre(struct ttt_rx_state *s,
    const struct ttt_keyring_premac *pre, const struct ttt_addr *src, const uint8_t *dgram,
    size_t len, int truncated, const struct ttt_now *now, struct ttt_rx_effects *fx);

/*
 * 1 if judging a whole (not truncated) datagram of len bytes from src
 * computes its MAC: it passes check 1 and its length is within the limits.
 * Only such datagrams have their MACs computed ahead, so a flood from a
 * wrong source or of wrong sizes still costs no HMAC.
 */
int ttt_verdict_wants_mac(const struct ttt_rx_state *s, const struct ttt_addr *src, size_t len);

/* A decoder status as a verdict: only TTT_FRAME_OK delivers, whatever the
 * table holds, so a status added without a verdict is refused, not delivered. */
enum ttt_verdict ttt_verdict_of_frame(enum ttt_frame_status st);

/* The counter a verdict adds to: TTT_STAT_RX_FRAMES for DELIVER, a refusal's
 * own otherwise; TTT_STAT_N (count nothing) for a verdict the table lacks. */
enum ttt_stat ttt_verdict_stat(enum ttt_verdict v);

/* A refusal's reason in a log line, e.g. "replay". */
const char *ttt_verdict_name(enum ttt_verdict v);

#endif

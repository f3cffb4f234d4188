/*
 * The receive verdict (see verdict.h).
 */
#include <string.h>

#include "keepalive.h"
#include "verdict.h"

/*
 * Every verdict has its counter. TTT_STAT_N marks a gap: an entry left out
 * must never fall back to 0 (TTT_STAT_TX_FRAMES) and be counted as a frame
 * sent; ttt_verdict_stat refuses it and test_verdict walks the table.
 */
static const struct {
	enum ttt_stat stat;
	const char *name;
} verdicts[TTT_VERDICT_N] = {
	[TTT_VERDICT_DELIVER] = { TTT_STAT_RX_FRAMES, "delivered" },
	[TTT_VERDICT_WRONG_PEER] = { TTT_STAT_RX_WRONG_PEER, "not the configured peer" },
	[TTT_VERDICT_SHORT] = { TTT_STAT_RX_SHORT, "short" },
	[TTT_VERDICT_LONG] = { TTT_STAT_RX_LONG, "long" },
	[TTT_VERDICT_BADMAC] = { TTT_STAT_RX_BADMAC, "badmac" },
	[TTT_VERDICT_STALE] = { TTT_STAT_RX_STALE, "stale" },
	[TTT_VERDICT_FUTURE] = { TTT_STAT_RX_FUTURE, "future" },
	[TTT_VERDICT_REFLECTED] = { TTT_STAT_RX_REFLECTED, "reflected (a datagram we sent)" },
	[TTT_VERDICT_REPLAY] = { TTT_STAT_RX_REPLAY, "replay" },
	[TTT_VERDICT_KEEPALIVE] = { TTT_STAT_RX_KEEPALIVE, "keepalive" },
};

/* The decoder's refusals, as verdicts. */
static const enum ttt_verdict frame_verdict[TTT_FRAME_NSTATUS] = {
	[TTT_FRAME_SHORT] = TTT_VERDICT_SHORT,
	[TTT_FRAME_LONG] = TTT_VERDICT_LONG,
	[TTT_FRAME_BADMAC] = TTT_VERDICT_BADMAC,
	[TTT_FRAME_STALE] = TTT_VERDICT_STALE,
	[TTT_FRAME_FUTURE] = TTT_VERDICT_FUTURE,
};

enum ttt_stat
ttt_verdict_stat(enum ttt_verdict v)
{
	if ((unsigned)v >= TTT_VERDICT_N || verdicts[v].name == NULL)
		return TTT_STAT_N;
	return verdicts[v].stat;
}

const char *
ttt_verdict_name(enum ttt_verdict v)
{
	if ((unsigned)v >= TTT_VERDICT_N || verdicts[v].name == NULL)
		return "unknown";
	return verdicts[v].name;
}

enum ttt_verdict
ttt_verdict_of_frame(enum ttt_frame_status st)
{
	enum ttt_verdict v;

	if (st == TTT_FRAME_OK)
		return TTT_VERDICT_DELIVER;
	v = (unsigned)st < TTT_FRAME_NSTATUS ? frame_verdict[st] : TTT_VERDICT_DELIVER;
	/* A status the table leaves out reads as 0, DELIVER: refuse it instead. */
	return v != TTT_VERDICT_DELIVER ? v : TTT_VERDICT_BADMAC;
}

/* xorshift64: only picks a new timestamp tag, nothing secret. */
static uint32_t
next_random(struct ttt_rx_state *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return (uint32_t)(s->rng >> 32);
}

static int
wrong_peer(const struct ttt_rx_state *s, const struct ttt_addr *src)
{
	return s->fixed_peer && !ttt_addr_equal(src, &s->peer);
}

int
ttt_verdict_wants_mac(const struct ttt_rx_state *s, const struct ttt_addr *src, size_t len)
{
	return !wrong_peer(s, src) && ttt_frame_wants_mac(&s->lim, len);
}

/* Checks 1-2: the source, then the datagram itself. */
static enum ttt_verdict
judge_datagram(struct ttt_rx_state *s, const struct ttt_keyring_premac *pre,
    const struct ttt_addr *src, const uint8_t *dgram, size_t len, int truncated,
    const struct ttt_now *now, struct ttt_frame_view *v)
{
	enum ttt_frame_status st;

	if (wrong_peer(s, src))
		return TTT_VERDICT_WRONG_PEER;
	if (truncated)
		return TTT_VERDICT_LONG;
	st = ttt_keyring_decode_pre(s->keys, pre, now, &s->lim, dgram, len, v);
	return ttt_verdict_of_frame(st);
}

/* Check 6: the peer's clock, from a frame the MAC authenticated. */
static void
watch_clock(struct ttt_rx_state *s, int64_t ts, const struct ttt_now *now,
    struct ttt_rx_effects *fx)
{
	fx->skew = ttt_skew_observe(&s->skew, ts, now->wall_ns, now->mono_ns, &fx->skew_ns);
}

enum ttt_verdict
ttt_verdict_judge(struct ttt_rx_state *s, const struct ttt_addr *src, const uint8_t *dgram,
    size_t len, int truncated, const struct ttt_now *now, struct ttt_rx_effects *fx)
{
	return ttt_verdict_judge_pre(s, NULL, src, dgram, len, truncated, now, fx);
}

enum ttt_verdict
ttt_verdict_judge_pre(struct ttt_rx_state *s, const struct ttt_keyring_premac *pre,
    const struct ttt_addr *src, const uint8_t *dgram, size_t len, int truncated,
    const struct ttt_now *now, struct ttt_rx_effects *fx)
{
	enum ttt_verdict vd;
	enum ttt_replay_verdict rv;

	memset(fx, 0, sizeof(*fx));
	vd = judge_datagram(s, pre, src, dgram, len, truncated, now, &fx->frame);
	/* Refused for its time only after the MAC: the peer's (unless it is
	 * ours, bounced back), and the very case the operator must hear of. */
	if ((vd == TTT_VERDICT_STALE || vd == TTT_VERDICT_FUTURE) &&
	    !ttt_reflect_check(s->reflect, ttt_frame_peek_ts(dgram), dgram))
		watch_clock(s, ttt_frame_peek_ts(dgram), now, fx);
	if (vd != TTT_VERDICT_DELIVER)
		return vd;
	if (ttt_reflect_check(s->reflect, fx->frame.ts, dgram))
		return TTT_VERDICT_REFLECTED;
	rv = ttt_replay_update(s->replay, fx->frame.ts);
	if (!ttt_replay_accepted(rv))
		return TTT_VERDICT_REPLAY;
	watch_clock(s, fx->frame.ts, now, fx);
	fx->tag_changed = ttt_reflect_observe(s->reflect, fx->frame.ts, next_random(s));
	/* Only the newest frame moves the peer (see the header). */
	if (!s->fixed_peer && rv == TTT_REPLAY_NEWEST &&
	    !(s->have_peer && ttt_addr_equal(&s->peer, src))) {
		s->peer = *src;
		s->have_peer = 1;
		fx->peer_moved = 1;
	}
	/* Last: a keepalive moves the peer like any frame, so a NAT'd peer's
	 * keepalives keep it reachable, but it is not for the tap. */
	if (ttt_keepalive_is(fx->frame.frame, fx->frame.len))
		return TTT_VERDICT_KEEPALIVE;
	return TTT_VERDICT_DELIVER;
}

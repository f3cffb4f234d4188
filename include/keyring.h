/*
 * The worker's keys across a rotation (SIGHUP), so that two peers rotated
 * one after the other, in either order, lose no frame:
 *   - the receiver tries the newest key and, until the grace period ends,
 *     the previous one;
 *   - the sender keeps using the previous key until a fully valid frame
 *     under the newest arrives (the peer has it too) or the grace period
 *     ends. Sending under a new key at once would lose every frame until
 *     the peer rotates as well;
 *   - the receiver honours the previous key TTT_KEYRING_SWITCH_NS longer
 *     than the sender uses it: when the first peer's grace period ends and
 *     it switches, the second is still sending under the old key until it
 *     sees a frame under the new one, a round trip later.
 * A key that arrives during a grace period waits for its end, so only two
 * keys are ever in use and a slot is rewritten only after two more
 * rotations: no thread reads a key while it is written.
 *
 * Every deadline here runs on the monotonic clock (clock.h): a wall clock
 * stepped back or forward must neither stretch nor cut a grace period.
 * Only the freshness check of a decoded frame reads the wall clock.
 *
 * Threads: one writer (the worker's main thread: add, tick), any number of
 * readers (send_key, decode). Pure otherwise: the clocks are arguments.
 */
#ifndef TTT_KEYRING_H
#define TTT_KEYRING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "frame.h"
#include "keyfile.h"

#define TTT_KEYRING_SLOTS 3
/* A round trip and a poll interval, many times over (capped at the grace). */
#define TTT_KEYRING_SWITCH_NS (INT64_C(2) * 1000000000)

struct ttt_keyring {
	struct ttt_mac_key keys[TTT_KEYRING_SLOTS];
	_Atomic unsigned cur, prev;
	_Atomic int peer_has_new;	/* a valid frame under keys[cur] has arrived */
	_Atomic int64_t grace_until_ns;	/* keys[prev] is sent until then... */
	_Atomic int64_t accept_until_ns;	/* ...and accepted until then */
	int64_t grace_ns, switch_ns;
	const br_hash_class *hash;
	/* writer only */
	int have_pending;
	size_t pending_len;
	uint8_t pending[TTT_KEY_MAX];
};

enum ttt_keyring_event {
	TTT_KEYRING_NONE = 0,
	TTT_KEYRING_LOADED,	/* a new key is in use, the old one honoured */
	TTT_KEYRING_QUEUED,	/* a grace period runs: the key waits for its end */
};

void ttt_keyring_init(struct ttt_keyring *kr, const br_hash_class *hash, int64_t grace_ns,
    const uint8_t *key, size_t len);

/* A new key at monotonic time mono (len <= TTT_KEY_MAX). */
enum ttt_keyring_event ttt_keyring_add(struct ttt_keyring *kr, const uint8_t *key,
    size_t len, int64_t mono);

/* A rotation a predecessor began (a worker started mid-rotation, on the
 * keys of ttt_keyring_init): load key now, with only grace_left_ns of the
 * grace (at most the whole), so a respawn never lengthens the old key's life. */
enum ttt_keyring_event ttt_keyring_resume(struct ttt_keyring *kr, const uint8_t *key,
    size_t len, int64_t mono, int64_t grace_left_ns);

/* Load a queued key once its wait is over. */
enum ttt_keyring_event ttt_keyring_tick(struct ttt_keyring *kr, int64_t mono);

/* When a queued key may load (monotonic), or INT64_MAX when none waits. */
int64_t ttt_keyring_pending_at(const struct ttt_keyring *kr);

/* The key to send under at monotonic time mono. */
const struct ttt_mac_key *ttt_keyring_send_key(const struct ttt_keyring *kr, int64_t mono);

/* The newest key: the first a datagram is decoded under, so the one a MAC
 * computed ahead (ttt_frame_mac_pair) is computed under. */
const struct ttt_mac_key *ttt_keyring_recv_key(const struct ttt_keyring *kr);

/* A datagram's MAC computed ahead, and the key it was computed under. */
struct ttt_keyring_premac {
	const struct ttt_mac_key *key;
	uint8_t mac[TTT_MAC_LEN];
};

/* ttt_frame_decode under the newest key, or during a grace period the
 * previous one; a valid frame under the newest confirms it. Freshness is
 * judged on now->wall_ns, the grace period on now->mono_ns. */
enum ttt_frame_status ttt_keyring_decode(struct ttt_keyring *kr, const struct ttt_now *now,
    const struct ttt_frame_limits *lim, const uint8_t *dgram, size_t len,
    struct ttt_frame_view *v);

/* ttt_keyring_decode with pre, when not NULL, this datagram's MAC computed
 * ahead: compared in place of computing it if pre->key is still the newest
 * key, ignored otherwise (a rotation in between). Verdicts are the same. */
enum ttt_frame_status ttt_keyring_decode_pre(struct ttt_keyring *kr,
    const struct ttt_keyring_premac *pre, const struct ttt_now *now,
    const struct ttt_frame_limits *lim, const uint8_t *dgram, size_t len,
    struct ttt_frame_view *v);

#endif

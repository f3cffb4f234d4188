/*
 * Keys across a rotation (see keyring.h).
 */
#include <string.h>

#include "keyring.h"

void
ttt_keyring_init(struct ttt_keyring *kr, const br_hash_class *hash, int64_t grace_ns,
    const uint8_t *key, size_t len)
{
	memset(kr, 0, sizeof(*kr));
	kr->hash = hash;
	kr->grace_ns = grace_ns;
	kr->switch_ns = grace_ns < TTT_KEYRING_SWITCH_NS ? grace_ns : TTT_KEYRING_SWITCH_NS;
	ttt_mac_key_init(&kr->keys[0], hash, key, len);
	/* No grace period yet: send and receive under keys[0] alone. */
	atomic_store_explicit(&kr->grace_until_ns, INT64_MIN, memory_order_release);
	atomic_store_explicit(&kr->accept_until_ns, INT64_MIN, memory_order_release);
}

static int64_t
add_sat(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* Still sending under the previous key (unless the peer has the new one). */
static int
in_grace(const struct ttt_keyring *kr, int64_t now)
{
	return now < atomic_load_explicit(&kr->grace_until_ns, memory_order_acquire);
}

/* Still accepting the previous key; its slot is in use until then. */
static int
accepting_prev(const struct ttt_keyring *kr, int64_t now)
{
	return now < atomic_load_explicit(&kr->accept_until_ns, memory_order_acquire);
}

static void
load_for(struct ttt_keyring *kr, const uint8_t *key, size_t len, int64_t now, int64_t grace)
{
	unsigned cur = atomic_load_explicit(&kr->cur, memory_order_relaxed);
	unsigned next = (cur + 1) % TTT_KEYRING_SLOTS;
	int64_t until = add_sat(now, grace);

	ttt_mac_key_init(&kr->keys[next], kr->hash, key, len);
	/* Everything a reader needs is in place before cur points at it. */
	atomic_store_explicit(&kr->prev, cur, memory_order_release);
	atomic_store_explicit(&kr->peer_has_new, 0, memory_order_release);
	atomic_store_explicit(&kr->grace_until_ns, until, memory_order_release);
	atomic_store_explicit(&kr->accept_until_ns, add_sat(until, kr->switch_ns),
	    memory_order_release);
	atomic_store_explicit(&kr->cur, next, memory_order_release);
}

static void
load(struct ttt_keyring *kr, const uint8_t *key, size_t len, int64_t now)
{
	load_for(kr, key, len, now, kr->grace_ns);
}

enum ttt_keyring_event
ttt_keyring_resume(struct ttt_keyring *kr, const uint8_t *key, size_t len, int64_t now,
    int64_t grace_left_ns)
{
	if (len > sizeof(kr->pending))
		return TTT_KEYRING_NONE;
	if (grace_left_ns > kr->grace_ns)
		grace_left_ns = kr->grace_ns;
	load_for(kr, key, len, now, grace_left_ns > 0 ? grace_left_ns : 0);
	return TTT_KEYRING_LOADED;
}

enum ttt_keyring_event
ttt_keyring_add(struct ttt_keyring *kr, const uint8_t *key, size_t len, int64_t now)
{
	if (len > sizeof(kr->pending))
		return TTT_KEYRING_NONE;
	if (accepting_prev(kr, now)) {
		memcpy(kr->pending, key, len);
		kr->pending_len = len;
		kr->have_pending = 1;
		return TTT_KEYRING_QUEUED;
	}
	load(kr, key, len, now);
	return TTT_KEYRING_LOADED;
}

enum ttt_keyring_event
ttt_keyring_tick(struct ttt_keyring *kr, int64_t now)
{
	if (!kr->have_pending || accepting_prev(kr, now))
		return TTT_KEYRING_NONE;
	load(kr, kr->pending, kr->pending_len, now);
	explicit_bzero(kr->pending, sizeof(kr->pending));
	kr->have_pending = 0;
	return TTT_KEYRING_LOADED;
}

int64_t
ttt_keyring_pending_at(const struct ttt_keyring *kr)
{
	if (!kr->have_pending)
		return INT64_MAX;
	return atomic_load_explicit(&kr->accept_until_ns, memory_order_relaxed);
}

const struct ttt_mac_key *
ttt_keyring_send_key(const struct ttt_keyring *kr, int64_t now)
{
	unsigned cur = atomic_load_explicit(&kr->cur, memory_order_acquire);

	if (atomic_load_explicit(&kr->peer_has_new, memory_order_relaxed) || !in_grace(kr, now))
		return &kr->keys[cur];
	return &kr->keys[atomic_load_explicit(&kr->prev, memory_order_relaxed)];
}

const struct ttt_mac_key *
ttt_keyring_recv_key(const struct ttt_keyring *kr)
{
	return &kr->keys[atomic_load_explicit(&kr->cur, memory_order_acquire)];
}

enum ttt_frame_status
ttt_keyring_decode(struct ttt_keyring *kr, const struct ttt_now *now,
    const struct ttt_frame_limits *lim, const uint8_t *dgram, size_t len,
    struct ttt_frame_view *v)
{
	return ttt_keyring_decode_pre(kr, NULL, now, lim, dgram, len, v);
}

enum ttt_frame_status
ttt_keyring_decode_pre(struct ttt_keyring *kr, const struct ttt_keyring_premac *pre,
    const struct ttt_now *now, const struct ttt_frame_limits *lim, const uint8_t *dgram,
    size_t len, struct ttt_frame_view *v)
{
	unsigned cur = atomic_load_explicit(&kr->cur, memory_order_acquire);
	const struct ttt_mac_key *k = &kr->keys[cur];
	/* A MAC computed under a key that is no longer the newest is no use:
	 * what this frame shows about the peer is judged under keys[cur]. */
	enum ttt_frame_status st = ttt_frame_decode_pre(k, pre != NULL && pre->key == k ?
	    pre->mac : NULL, now->wall_ns, lim, dgram, len, v);

	/* Only a frame fully valid under the new key shows the peer has it. */
	if (st == TTT_FRAME_OK && !atomic_load_explicit(&kr->peer_has_new, memory_order_relaxed))
		atomic_store_explicit(&kr->peer_has_new, 1, memory_order_relaxed);
	if (st == TTT_FRAME_BADMAC && accepting_prev(kr, now->mono_ns)) {
		unsigned prev = atomic_load_explicit(&kr->prev, memory_order_acquire);

		st = ttt_frame_decode(&kr->keys[prev], now->wall_ns, lim, dgram, len, v);
	}
	return st;
}

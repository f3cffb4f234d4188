/*
 * The keepalive frame (--keepalive): what the sender sends after a quiet
 * spell, so that NAT and stateful firewalls between the peers keep their
 * mapping, as WireGuard's PersistentKeepalive does. It travels as any frame
 * does (v1.4 wire format, stamped, authenticated, recorded for reflection),
 * so a receiver recognises it only after the verdict has authenticated it:
 * a forged one is badmac, a replayed one replay, like any other.
 *
 * The frame: one constant 60-byte Ethernet frame (the shortest a wire
 * carries, well over the 14 bytes a tap accepts, so a v1.4 peer's tap write
 * succeeds and it neither exits nor logs):
 *   destination 01:80:C2:00:00:01  IEEE 802.3 MAC Control, reserved; every
 *                 802.1D/Q bridge filters it, and a Linux bridge drops it
 *                 always (br_handle_frame; group_fwd_mask cannot enable it,
 *                 unlike ...:00, which a bridge without STP forwards, or
 *                 ...:0E, which group_fwd_mask can)
 *   source      02:74:74:74:00:00  locally administered, unicast ("ttt"):
 *                 never a real NIC's, and dropped before a bridge learns it
 *   EtherType   0x88B5             IEEE 802 local experimental: no protocol
 *                 handler, so a v1.4 peer's kernel drops it; and not 0x8808,
 *                 so it is no PAUSE frame
 *   payload     "tinytaptunnel keepalive", zero-padded to 46 bytes
 * A tap frame equal to it byte for byte would be taken for a keepalive and
 * not written; it is a link-local frame no bridge forwards, so nothing is
 * lost that any network would have carried.
 *
 * Pure: constants only.
 */
#ifndef TTT_KEEPALIVE_H
#define TTT_KEEPALIVE_H

#include <stddef.h>
#include <stdint.h>

#define TTT_KEEPALIVE_LEN       60	/* the Ethernet minimum without FCS */
#define TTT_KEEPALIVE_ETHERTYPE 0x88B5	/* IEEE 802 local experimental 1 */

/* The frame, TTT_KEEPALIVE_LEN bytes. */
extern const uint8_t ttt_keepalive_frame[TTT_KEEPALIVE_LEN];

/* 1 if the (authenticated) frame is the keepalive frame, else 0. */
int ttt_keepalive_is(const uint8_t *frame, size_t len);

/*
 * The keepalive timer fell due at now_ns (monotonic); the last datagram was
 * sent at last_ns (0: none yet). Returns 1 when nothing has been sent for
 * interval_ns, so a keepalive is due, else 0; either way *next_ns is when to
 * look again: interval_ns after the last datagram, the keepalive counting
 * as one. Pure, so it is tested on an injected clock.
 */
int ttt_keepalive_due(int64_t now_ns, int64_t last_ns, int64_t interval_ns, int64_t *next_ns);

#endif

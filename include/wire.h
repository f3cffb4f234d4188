/*
 * The v1.4 wire format, in one place, so the MTU arithmetic can be read at a glance:
 *
 *   UDP payload = HMAC-SHA256 (32) | big-endian int64 UNIX ns timestamp (8) | Ethernet frame
 *
 * The MAC covers timestamp || frame and is keyed with the preshared key.
 */
#ifndef TTT_WIRE_H
#define TTT_WIRE_H

#include <stdint.h>

#define TTT_MAC_LEN        32	/* HMAC-SHA256 output */
#define TTT_TS_LEN         8	/* big-endian int64, UNIX nanoseconds */
#define TTT_HDR_LEN        (TTT_MAC_LEN + TTT_TS_LEN)
#define TTT_MIN_FRAME      1	/* v1.4 never sends an empty frame */
#define TTT_MIN_DATAGRAM   (TTT_HDR_LEN + TTT_MIN_FRAME)

#define TTT_ETH_HLEN       14	/* destination, source, ethertype */
#define TTT_DEFAULT_MTU    1418	/* v1.4's tap MTU */
#define TTT_MIN_MTU        68	/* the smallest MTU IPv4 allows */
/* Jumbo frames at most; keeps every buffer a compile-time size. */
#define TTT_MAX_MTU        9000
#define TTT_FRAME_MAX(mtu) ((mtu) + TTT_ETH_HLEN)
#define TTT_DEFAULT_MAX_FRAME TTT_FRAME_MAX(TTT_DEFAULT_MTU)		/* 1432 */
#define TTT_MAX_FRAME      TTT_FRAME_MAX(TTT_MAX_MTU)
#define TTT_MAX_DATAGRAM   (TTT_HDR_LEN + TTT_MAX_FRAME)
/*
 * A receive buffer one byte larger than any datagram we accept, so an oversized
 * datagram is seen as too long (and refused) instead of being truncated to fit.
 */
#define TTT_RECV_BUF       (TTT_MAX_DATAGRAM + 1)

#define TTT_NSEC_PER_SEC   INT64_C(1000000000)
#define TTT_NSEC_PER_MSEC  INT64_C(1000000)
#define TTT_DEFAULT_WINDOW_NS (3 * TTT_NSEC_PER_SEC)	/* v1.4's 3.0 s */

#endif

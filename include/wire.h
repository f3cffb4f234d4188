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

/*
 * The underlay: a tap MTU fits a path when its largest frame, in a datagram,
 * in a UDP and an IP header, is no longer than the path's MTU, so that no
 * datagram is ever fragmented. On an Ethernet path of 1500 bytes:
 *   IPv4: 1500 - 20 - 8 - 40 - 14 = 1418 (v1.4's MTU)
 *   IPv6: 1500 - 40 - 8 - 40 - 14 = 1398
 */
#define TTT_UDP_HLEN       8
#define TTT_IPV4_HLEN      20	/* without options: we send none */
#define TTT_IPV6_HLEN      40	/* without extension headers */
#define TTT_ETHERNET_MTU   1500	/* what a path is presumed to carry beyond the first hop */
#define TTT_TUNNEL_OVERHEAD(ip_hlen) ((ip_hlen) + TTT_UDP_HLEN + TTT_HDR_LEN + TTT_ETH_HLEN)
#define TTT_MTU_FOR_PATH(path_mtu, ip_hlen) ((path_mtu) - TTT_TUNNEL_OVERHEAD(ip_hlen))
#define TTT_PACKET_FOR_MTU(mtu, ip_hlen) ((mtu) + TTT_TUNNEL_OVERHEAD(ip_hlen))
#define TTT_DEFAULT_MTU    TTT_MTU_FOR_PATH(TTT_ETHERNET_MTU, TTT_IPV4_HLEN)	/* 1418, v1.4's */
#define TTT_DEFAULT_MTU6   TTT_MTU_FOR_PATH(TTT_ETHERNET_MTU, TTT_IPV6_HLEN)	/* 1398 */
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

/*
 * The UDP socket: created and bound by the privileged parent only.
 */
#ifndef TTT_UDP_H
#define TTT_UDP_H

#include <stdint.h>

#include "addr.h"

/* Socket buffers sized for bursts: ~2 ms of 10 Gbit/s. */
#define TTT_SOCK_BUF (4 * 1024 * 1024)

/*
 * Create a datagram socket for local's family and bind it. An IPv6 wildcard
 * is dual-stack (IPV6_V6ONLY off). Returns the fd, or -errno.
 */
int ttt_udp_open(const struct ttt_addr *local);

/*
 * --queues: the same with SO_REUSEPORT when reuse, so that further sockets
 * (ttt_udp_open_same) can bind the same address; ttt_udp_open_same opens
 * one more bound where first is. ttt_udp_steer attaches the steering
 * program for n sockets (steer.h) to first's group: the kernel alone
 * would send the tunnel's one outer 4-tuple to one socket. Each returns
 * the fd or 0, or -errno.
 */
int ttt_udp_open_reuse(const struct ttt_addr *local, int reuse);
int ttt_udp_open_same(int first);
int ttt_udp_steer(int first, unsigned n);

/*
 * Whether datagrams to peer leave as IPv6: an IPv6 peer that is not
 * v4-mapped (a dual-stack socket sends to ::ffff:a.b.c.d as IPv4). With no
 * peer (NULL, learnt from traffic), the local socket's family decides: a
 * dual-stack socket may meet an IPv6 peer, so counts as IPv6. Pure.
 */
int ttt_udp_sends_v6(const struct ttt_addr *local, const struct ttt_addr *peer);

/*
 * The MTU of the route to peer, from a connected probe socket (IP_MTU or
 * IPV6_MTU; the probe sends nothing). Returns it, or -errno.
 */
int ttt_udp_route_mtu(const struct ttt_addr *peer);

/*
 * The default tap MTU: the largest whose datagrams fit route_mtu (0:
 * unknown) unfragmented, and never above the family's on an Ethernet path
 * (TTT_DEFAULT_MTU, TTT_DEFAULT_MTU6), since a larger first hop says nothing
 * of the rest of the path and a v1.4 peer refuses frames over 1432 bytes;
 * never below TTT_MIN_MTU. Pure.
 */
int64_t ttt_udp_default_mtu(int v6, int64_t route_mtu);

/* The largest IP packet a tap MTU makes, with the underlay's headers. Pure. */
int64_t ttt_udp_largest_packet(int v6, int64_t mtu);

#endif

/*
 * The UDP socket: created and bound by the privileged parent only.
 */
#ifndef TTT_UDP_H
#define TTT_UDP_H

#include "addr.h"

/* Socket buffers sized for bursts: ~2 ms of 10 Gbit/s. */
#define TTT_SOCK_BUF (4 * 1024 * 1024)

/*
 * Create a datagram socket for local's family and bind it. An IPv6 wildcard
 * is dual-stack (IPV6_V6ONLY off). Returns the fd, or -errno.
 */
int ttt_udp_open(const struct ttt_addr *local);

#endif

/*
 * Steering received datagrams across the sockets of --queues (a
 * SO_REUSEPORT group), by the inner frame's flow, so that one TCP flow
 * stays on one queue: no reordering inside a flow, and the receive
 * coalescer keeps seeing a flow's consecutive segments.
 *
 * Why a program at all: the kernel's own SO_REUSEPORT choice hashes the
 * outer 4-tuple, and a point-to-point tunnel has ONE outer 4-tuple (our
 * address and port, the peer's), so without a program every datagram
 * would land on the same socket and the other queues would receive
 * nothing. The sending side needs nothing: the kernel already spreads the
 * frames it hands the tap across the tap's queues by flow.
 *
 * The program (classic BPF, SO_ATTACH_REUSEPORT_CBPF) sees the UDP payload:
 * MAC 32 | timestamp 8 | Ethernet frame. It reads only unauthenticated
 * bytes to pick a queue, never to decide anything else: a forger can at
 * most choose which queue's thread refuses its datagram, and every queue
 * judges with the same shared replay filter and reflection record
 * (datapath.h). The hash: IPv4 or IPv6 source ^ destination address words,
 * ^ the TCP or UDP port word (not for an IPv4 fragment: it has no ports),
 * folded (h ^ h >> 16), mod n. Anything else (ARP, a short datagram, a
 * load past its end) goes to queue 0.
 */
#ifndef TTT_STEER_H
#define TTT_STEER_H

#include <stddef.h>
#include <linux/filter.h>

#define TTT_STEER_INSNS_MAX 64	/* the program is 50 instructions */

/*
 * Write the program for n sockets (2..TTT_QUEUES_MAX) into prog. Pure.
 * Returns its length, or 0 when n is out of bounds.
 */
unsigned ttt_steer_build(struct sock_filter prog[TTT_STEER_INSNS_MAX], unsigned n);

#endif

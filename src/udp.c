/*
 * UDP socket set-up (parent only).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include "steer.h"
#include "udp.h"
#include "wire.h"

static int
is_v6_wildcard(const struct ttt_addr *a)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;

	return a->ss.ss_family == AF_INET6 &&
	    memcmp(&s6->sin6_addr, &in6addr_any, sizeof(in6addr_any)) == 0;
}

/* Bigger buffers absorb bursts; root may exceed rmem_max, others get the cap. */
static void
size_buffers(int fd)
{
	int sz = TTT_SOCK_BUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

int
ttt_udp_open(const struct ttt_addr *local)
{
	return ttt_udp_open_reuse(local, 0);
}

int
ttt_udp_open_reuse(const struct ttt_addr *local, int reuse)
{
	int fd, err, off = 0, on = 1;

	fd = socket(local->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	/* One socket serves both families when bound to the IPv6 wildcard. */
	if (is_v6_wildcard(local) &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0)
		goto fail;
	/* --queues: only our own sockets join the group (the kernel requires
	 * the same user for every member), and only when asked. */
	if (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0)
		goto fail;
	size_buffers(fd);
	/* Let the kernel hand over a sender's run of datagrams as one message
	 * (the worker splits it); a kernel without UDP_GRO hands them singly. */
	(void)setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on));
	if (bind(fd, (const struct sockaddr *)&local->ss, local->len) < 0)
		goto fail;
	return fd;
fail:
	err = errno;
	(void)close(fd);
	return -err;
}

int
ttt_udp_open_same(int first)
{
	struct ttt_addr a;

	memset(&a, 0, sizeof(a));
	a.len = sizeof(a.ss);
	if (getsockname(first, (struct sockaddr *)&a.ss, &a.len) < 0)
		return -errno;
	return ttt_udp_open_reuse(&a, 1);
}

int
ttt_udp_steer(int fd, unsigned n)
{
	struct sock_filter insns[TTT_STEER_INSNS_MAX];
	struct sock_fprog prog = { .len = (unsigned short)ttt_steer_build(insns, n),
	    .filter = insns };

	if (prog.len == 0)
		return -EINVAL;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}

/*
 * Where datagrams to a v4-mapped address really go: an IPv4 socket address.
 * Built apart and copied in, since writing a sockaddr_in through a pointer
 * into the storage and reading ss_family back would alias two types.
 */
static void
unmap_v4(const struct ttt_addr *a, struct ttt_addr *out)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;

	*out = *a;
	if (a->ss.ss_family != AF_INET6)
		return;
	memcpy(&s6, &a->ss, sizeof(s6));
	if (!IN6_IS_ADDR_V4MAPPED(&s6.sin6_addr))
		return;
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	s4.sin_port = s6.sin6_port;
	memcpy(&s4.sin_addr, &s6.sin6_addr.s6_addr[12], sizeof(s4.sin_addr));
	memset(out, 0, sizeof(*out));
	memcpy(&out->ss, &s4, sizeof(s4));
	out->len = sizeof(s4);
}

int
ttt_udp_sends_v6(const struct ttt_addr *local, const struct ttt_addr *peer)
{
	struct ttt_addr real;

	if (peer == NULL)
		return local->ss.ss_family == AF_INET6;
	unmap_v4(peer, &real);
	return real.ss.ss_family == AF_INET6;
}

int
ttt_udp_route_mtu(const struct ttt_addr *peer)
{
	struct ttt_addr real;
	socklen_t len = sizeof(int);
	int fd, mtu = 0, err = 0, v6;

	unmap_v4(peer, &real);
	v6 = real.ss.ss_family == AF_INET6;
	fd = socket(real.ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	/* connect() picks the route and caches its MTU; nothing is sent. */
	if (connect(fd, (const struct sockaddr *)&real.ss, real.len) < 0 ||
	    getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MTU : IP_MTU, &mtu, &len) < 0)
		err = errno;
	(void)close(fd);
	return err != 0 ? -err : mtu > 0 ? mtu : -EINVAL;
}

int64_t
ttt_udp_default_mtu(int v6, int64_t route_mtu)
{
	int64_t mtu = v6 ? TTT_DEFAULT_MTU6 : TTT_DEFAULT_MTU;
	int64_t fits = TTT_MTU_FOR_PATH(route_mtu, v6 ? TTT_IPV6_HLEN : TTT_IPV4_HLEN);

	if (route_mtu > 0 && fits < mtu)
		mtu = fits;
	return mtu < TTT_MIN_MTU ? TTT_MIN_MTU : mtu;
}

int64_t
ttt_udp_largest_packet(int v6, int64_t mtu)
{
	return TTT_PACKET_FOR_MTU(mtu, v6 ? TTT_IPV6_HLEN : TTT_IPV4_HLEN);
}

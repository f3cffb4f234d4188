/*
 * UDP socket set-up (parent only).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include "udp.h"

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
	int fd, err, off = 0, on = 1;

	fd = socket(local->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	/* One socket serves both families when bound to the IPv6 wildcard. */
	if (is_v6_wildcard(local) &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0)
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

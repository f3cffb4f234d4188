/*
 * Resolving UDP endpoint addresses (see addr.h) with getaddrinfo: the
 * parent's, at start and in its look-up child (resolve.c), never the
 * worker's. A file of its own so that the worker's static image, which
 * links addr.c, links no getaddrinfo and so no NSS.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>

#include "addr.h"

/* ::ffff:, the first 12 bytes of a v4-mapped IPv6 address. */
static const uint8_t ttt_v4mapped_prefix[TTT_V4MAPPED_PREFIX] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static void
set_in(struct ttt_addr *out, const struct sockaddr_in *sin)
{
	memset(out, 0, sizeof(*out));
	memcpy(&out->ss, sin, sizeof(*sin));
	out->len = sizeof(*sin);
}

static void
set_in6(struct ttt_addr *out, const struct sockaddr_in6 *sin6)
{
	memset(out, 0, sizeof(*out));
	memcpy(&out->ss, sin6, sizeof(*sin6));
	out->len = sizeof(*sin6);
}

static void
set_any6(struct ttt_addr *out, uint16_t port)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_any;
	sin6.sin6_port = htons(port);
	set_in6(out, &sin6);
}

/* ::ffff:a.b.c.d, the form in which a dual-stack socket sends to IPv4. */
static void
set_v4mapped(struct ttt_addr *out, const struct sockaddr_in *sin)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = sin->sin_port;
	memcpy(sin6.sin6_addr.s6_addr, ttt_v4mapped_prefix, TTT_V4MAPPED_PREFIX);
	memcpy(sin6.sin6_addr.s6_addr + TTT_V4MAPPED_PREFIX, &sin->sin_addr,
	    TTT_IPV4_ADDR_LEN);
	set_in6(out, &sin6);
}

/*
 * Copy one getaddrinfo result, with the port, into out. Returns 0, or -1 for
 * a family or size this module does not handle.
 */
static int
take_result(const struct addrinfo *ai, uint16_t port, int map_v4,
    struct ttt_addr *out)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (ai->ai_family == AF_INET && ai->ai_addrlen == sizeof(sin)) {
		memcpy(&sin, ai->ai_addr, sizeof(sin));
		sin.sin_port = htons(port);
		if (map_v4)
			set_v4mapped(out, &sin);
		else
			set_in(out, &sin);
		return 0;
	}
	if (ai->ai_family == AF_INET6 && ai->ai_addrlen == sizeof(sin6)) {
		memcpy(&sin6, ai->ai_addr, sizeof(sin6));
		sin6.sin6_port = htons(port);
		set_in6(out, &sin6);
		return 0;
	}
	return -1;
}

/*
 * Ask for every family (AF_UNSPEC) and let the caller choose: that is how an
 * IPv6-only name is told apart from one that does not resolve at all. No
 * AI_ADDRCONFIG: it hides IPv6 results on a host whose only IPv6 address is
 * loopback and, before the network is up, hides everything.
 */
static int
lookup(const char *host, int flags, struct addrinfo **res)
{
	struct addrinfo hints;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	hints.ai_flags = flags;
	*res = NULL;
	return getaddrinfo(host, NULL, &hints, res);
}

enum ttt_addr_status
ttt_addr_resolve_local(const char *spec, struct ttt_addr *out, int *gai)
{
	char host[TTT_HOST_MAX];
	struct addrinfo *res, *ai;
	enum ttt_addr_status st;
	uint16_t port;
	int rc;

	st = ttt_addr_split(spec, host, sizeof(host), &port, 1);
	if (st != TTT_ADDR_OK)
		return st;
	/* v1.4 listens on every address of both families for ":port". */
	if (host[0] == '\0' || strcmp(host, "::") == 0) {
		set_any6(out, port);
		return TTT_ADDR_OK;
	}
	rc = lookup(host, AI_PASSIVE, &res);
	if (rc != 0) {
		*gai = rc;
		return TTT_ADDR_RESOLVE;
	}
	st = TTT_ADDR_FAMILY;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (take_result(ai, port, 0, out) == 0) {
			st = TTT_ADDR_OK;
			break;
		}
	}
	freeaddrinfo(res);
	return st;
}

/* The first result a socket of local_family can send to; see addr.h. */
static enum ttt_addr_status
pick_peer(const struct addrinfo *res, int local_family, uint16_t port,
    struct ttt_addr *out)
{
	const struct addrinfo *ai;

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (local_family == AF_INET && ai->ai_family != AF_INET)
			continue;
		if (local_family == AF_INET6 && take_result(ai, port, 1, out) == 0)
			return TTT_ADDR_OK;
		if (local_family == AF_INET && take_result(ai, port, 0, out) == 0)
			return TTT_ADDR_OK;
	}
	return TTT_ADDR_FAMILY;
}

enum ttt_addr_status
ttt_addr_resolve_peer(const char *spec, int local_family, struct ttt_addr *out,
    int *gai)
{
	char host[TTT_HOST_MAX];
	struct addrinfo *res;
	enum ttt_addr_status st;
	uint16_t port;
	int rc;

	st = ttt_addr_split(spec, host, sizeof(host), &port, 0);
	if (st != TTT_ADDR_OK)
		return st;
	if (host[0] == '\0')
		return TTT_ADDR_NOHOST;
	if (local_family != AF_INET && local_family != AF_INET6)
		return TTT_ADDR_FAMILY;
	rc = lookup(host, 0, &res);
	if (rc != 0) {
		*gai = rc;
		return TTT_ADDR_RESOLVE;
	}
	st = pick_peer(res, local_family, port, out);
	freeaddrinfo(res);
	return st;
}

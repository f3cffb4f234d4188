/*
 * UDP endpoint addresses (see addr.h): split "host:port", compare, print.
 * Resolving is addr_resolve.c's, so that the worker's static image, which
 * links this file, links no getaddrinfo (and so no NSS).
 *
 * Socket addresses are copied in and out of sockaddr_storage with memcpy
 * rather than through casted pointers, so no access depends on aliasing rules.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define PORT_MAX        65535	/* spelled out: it is printed in a message */
#define DECIMAL_BASE    10u

_Static_assert(PORT_MAX == UINT16_MAX, "a port is a uint16_t");

static const char *const addr_errors[TTT_ADDR_NSTATUS] = {
	[TTT_ADDR_OK] = "is valid",
	[TTT_ADDR_SYNTAX] = ("is not HOST:PORT, [IPV6]:PORT or :PORT "
	    "(an IPv6 address must be in brackets, e.g. [2001:db8::1]:9123)"),
	[TTT_ADDR_TOOLONG] = ("is too long (at most " STR(TTT_ADDR_SPEC_MAX)
	    " characters; a DNS host name is at most 253)"),
	[TTT_ADDR_PORT] = ("has a missing or invalid port (a decimal number "
	    "from 1 to " STR(PORT_MAX) "; 0 only for the local address)"),
	[TTT_ADDR_NOHOST] = "has no host; the peer address needs one",
	[TTT_ADDR_RESOLVE] = "could not be resolved",
	[TTT_ADDR_FAMILY] = ("has only IPv6 addresses, which an IPv4 local "
	    "address cannot reach; listen on [::] or an IPv6 address"),
};

const char *
ttt_addr_strerror(enum ttt_addr_status st)
{
	if ((unsigned)st >= TTT_ADDR_NSTATUS)
		return "has an unknown problem";
	return addr_errors[st];
}

/*
 * Decimal digits only: no sign, no white space, no service names (a name
 * would mean an /etc/services lookup, and v1.4's users write numbers).
 */
static enum ttt_addr_status
parse_port(const char *s, uint16_t *port, int allow_port0)
{
	unsigned long v = 0;

	if (*s == '\0')
		return TTT_ADDR_PORT;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return TTT_ADDR_PORT;
		v = v * DECIMAL_BASE + (unsigned long)(*s - '0');
		/* Stop at once: a long run of digits must not wrap around. */
		if (v > PORT_MAX)
			return TTT_ADDR_PORT;
	}
	/* Port 0 asks the kernel for any port: fine to listen on, not to send to. */
	if (v == 0 && !allow_port0)
		return TTT_ADDR_PORT;
	*port = (uint16_t)v;
	return TTT_ADDR_OK;
}

enum ttt_addr_status
ttt_addr_split(const char *spec, char *host, size_t hcap, uint16_t *port,
    int allow_port0)
{
	const char *h, *hend, *colon;
	enum ttt_addr_status st;
	size_t slen, hlen;

	slen = strnlen(spec, TTT_ADDR_SPEC_MAX + 1);
	if (slen > TTT_ADDR_SPEC_MAX)
		return TTT_ADDR_TOOLONG;

	if (spec[0] == '[') {
		h = spec + 1;
		hend = strchr(h, ']');
		if (hend == NULL || hend[1] != ':')
			return TTT_ADDR_SYNTAX;
		colon = hend + 1;
	} else {
		h = spec;
		colon = strrchr(spec, ':');
		if (colon == NULL)
			return TTT_ADDR_SYNTAX;
		hend = colon;
		/* A bare IPv6 address: which colon starts the port is ambiguous. */
		if (memchr(h, ':', (size_t)(hend - h)) != NULL)
			return TTT_ADDR_SYNTAX;
	}
	hlen = (size_t)(hend - h);
	/* Stray brackets make the split ambiguous, as Go's SplitHostPort says. */
	if (memchr(h, '[', hlen) != NULL || memchr(h, ']', hlen) != NULL)
		return TTT_ADDR_SYNTAX;
	if (hlen >= TTT_HOST_MAX || hlen >= hcap)
		return TTT_ADDR_TOOLONG;

	st = parse_port(colon + 1, port, allow_port0);
	if (st != TTT_ADDR_OK)
		return st;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	return TTT_ADDR_OK;
}

int
ttt_addr_spec_is_name(const char *spec)
{
	char host[TTT_HOST_MAX];
	uint8_t bin[sizeof(struct in6_addr)];
	uint16_t port;

	if (ttt_addr_split(spec, host, sizeof(host), &port, 0) != TTT_ADDR_OK || host[0] == '\0')
		return 0;
	/* An IPv6 literal may carry a zone ("fe80::1%eth0"): still a literal. */
	host[strcspn(host, "%")] = '\0';
	return inet_pton(AF_INET, host, bin) != 1 && inet_pton(AF_INET6, host, bin) != 1;
}

int
ttt_addr_equal(const struct ttt_addr *a, const struct ttt_addr *b)
{
	struct sockaddr_in a4, b4;
	struct sockaddr_in6 a6, b6;

	if (a->ss.ss_family != b->ss.ss_family)
		return 0;
	switch (a->ss.ss_family) {
	case AF_INET:
		memcpy(&a4, &a->ss, sizeof(a4));
		memcpy(&b4, &b->ss, sizeof(b4));
		return a4.sin_port == b4.sin_port &&
		    a4.sin_addr.s_addr == b4.sin_addr.s_addr;
	case AF_INET6:
		memcpy(&a6, &a->ss, sizeof(a6));
		memcpy(&b6, &b->ss, sizeof(b6));
		return a6.sin6_port == b6.sin6_port &&
		    a6.sin6_scope_id == b6.sin6_scope_id &&
		    memcmp(&a6.sin6_addr, &b6.sin6_addr, sizeof(a6.sin6_addr)) == 0;
	default:
		return 0;
	}
}

static void
format_in(const struct in_addr *ip, uint16_t port, char *buf, size_t cap)
{
	char s[INET_ADDRSTRLEN];

	if (inet_ntop(AF_INET, ip, s, sizeof(s)) == NULL)
		(void)snprintf(s, sizeof(s), "?");
	if (snprintf(buf, cap, "%s:%u", s, (unsigned)port) < 0)
		buf[0] = '\0';
}

/*
 * The scope is printed as its number, not its interface name: if_indextoname
 * opens a socket, which the sandboxed worker cannot, and the number is what
 * the kernel compares.
 */
static void
format_in6(const struct sockaddr_in6 *sin6, char *buf, size_t cap)
{
	char s[INET6_ADDRSTRLEN];
	uint16_t port = ntohs(sin6->sin6_port);
	int n;

	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		struct in_addr ip;

		memcpy(&ip, sin6->sin6_addr.s6_addr + TTT_V4MAPPED_PREFIX,
		    TTT_IPV4_ADDR_LEN);
		format_in(&ip, port, buf, cap);
		return;
	}
	if (inet_ntop(AF_INET6, &sin6->sin6_addr, s, sizeof(s)) == NULL)
		(void)snprintf(s, sizeof(s), "?");
	if (sin6->sin6_scope_id != 0)
		n = snprintf(buf, cap, "[%s%%%u]:%u", s,
		    (unsigned)sin6->sin6_scope_id, (unsigned)port);
	else
		n = snprintf(buf, cap, "[%s]:%u", s, (unsigned)port);
	if (n < 0)
		buf[0] = '\0';
}

void
ttt_addr_format(const struct ttt_addr *a, char *buf, size_t cap)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (cap == 0)
		return;
	switch (a->ss.ss_family) {
	case AF_INET:
		memcpy(&sin, &a->ss, sizeof(sin));
		format_in(&sin.sin_addr, ntohs(sin.sin_port), buf, cap);
		return;
	case AF_INET6:
		memcpy(&sin6, &a->ss, sizeof(sin6));
		format_in6(&sin6, buf, cap);
		return;
	default:
		if (snprintf(buf, cap, "(address family %d)", (int)a->ss.ss_family) < 0)
			buf[0] = '\0';
		return;
	}
}

/*
 * UDP endpoint addresses as v1.4 accepts them on its command line:
 *   :9123  host:9123  203.0.113.15:9123  [2001:db8::1]:9123  [::]:9123
 * Host names resolve through getaddrinfo (in the privileged parent only).
 *
 * Library code: returns a status, never prints.
 */
#ifndef TTT_ADDR_H
#define TTT_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define TTT_ADDR_SPEC_MAX  300	/* longest address argument accepted */
#define TTT_HOST_MAX       256	/* a DNS name is at most 253 characters */
#define TTT_ADDR_STR_MAX   64	/* "[" IPv6 "%" scope "]:" port, NUL */

enum ttt_addr_status {
	TTT_ADDR_OK = 0,
	TTT_ADDR_SYNTAX,	/* not host:port, [v6]:port or :port */
	TTT_ADDR_TOOLONG,	/* over TTT_ADDR_SPEC_MAX or a host over TTT_HOST_MAX */
	TTT_ADDR_PORT,		/* port missing, not a number, or out of range */
	TTT_ADDR_NOHOST,	/* a peer needs a host */
	TTT_ADDR_RESOLVE,	/* getaddrinfo failed; see *gai */
	TTT_ADDR_FAMILY,	/* the peer's family cannot be reached from the local socket */
	TTT_ADDR_NSTATUS
};

struct ttt_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* A socket address in a fixed layout, independent of sockaddr padding, as it
 * crosses the socketpair (ipc.h, config.h). */
struct ttt_ipc_peer {
	uint16_t family;	/* AF_INET or AF_INET6 */
	uint16_t port;		/* network byte order */
	uint32_t scope_id;
	uint8_t addr[16];	/* IPv4 uses the first 4 bytes */
};

#define TTT_V4MAPPED_PREFIX 12	/* ::ffff: is the first 12 of 16 bytes */
#define TTT_IPV4_ADDR_LEN   4

const char *ttt_addr_strerror(enum ttt_addr_status st);

/*
 * Split spec into host (possibly empty; brackets removed) and port.
 * Pure: no resolution. allow_port0: a local address may ask for any port.
 */
enum ttt_addr_status ttt_addr_split(const char *spec, char *host, size_t hcap,
    uint16_t *port, int allow_port0);

/*
 * Resolve the local address (addr_resolve.c, like the next). An empty host or "::" gives one dual-stack IPv6
 * socket address ([::], IPV6_V6ONLY off, the caller sets it); a literal or a
 * name gives its own family. On TTT_ADDR_RESOLVE, *gai is getaddrinfo's code.
 */
enum ttt_addr_status ttt_addr_resolve_local(const char *spec, struct ttt_addr *out,
    int *gai);

/*
 * Resolve the peer for a socket of family local_family. A dual-stack IPv6
 * socket reaches IPv4 peers as v4-mapped addresses (::ffff:a.b.c.d), so an
 * IPv4 result is mapped; an IPv4 socket cannot reach an IPv6 peer.
 */
enum ttt_addr_status ttt_addr_resolve_peer(const char *spec, int local_family,
    struct ttt_addr *out, int *gai);

/*
 * Whether a peer specification names its host (to be resolved, possibly to
 * another address later) rather than giving an address literal. Pure: no
 * resolution. 0 for a specification that does not split.
 */
int ttt_addr_spec_is_name(const char *spec);

/* Same family, address and port (and scope for IPv6). */
int ttt_addr_equal(const struct ttt_addr *a, const struct ttt_addr *b);

/* "203.0.113.15:9123" or "[2001:db8::1]:9123"; v4-mapped shown as IPv4. */
void ttt_addr_format(const struct ttt_addr *a, char *buf, size_t cap);

#endif

/*
 * Typed, length-checked records over a SOCK_SEQPACKET socketpair (see ipc.h).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cli.h"
#include "ipc.h"
#include "reflect.h"
#include "wire.h"

_Static_assert(TTT_KEY_MAX <= TTT_IPC_PAYLOAD_MAX && TTT_IPC_LOG_MAX + 1 <= TTT_IPC_PAYLOAD_MAX,
    "the configuration is the largest payload");

/*
 * Which side may receive each type, its exact or largest payload, and when
 * (as OpenSSH's monitor marks requests MON_ONCE and MON_PERMIT): once at
 * most, and only after a record of type "after" (0: any time).
 */
#define ONCE 1
static const struct {
	enum ttt_ipc_side to;
	size_t min, max;
	int once;
	enum ttt_ipc_type after;
} ipc_rules[TTT_IPC_TYPE_MAX] = {
	/* Settings fixed for the worker's life; the first thing it reads. */
	[TTT_IPC_CONFIG] = { TTT_IPC_TO_WORKER, sizeof(struct ttt_config),
	    sizeof(struct ttt_config), ONCE, 0 },
	/* The grace period of a rotation comes with the configuration. */
	[TTT_IPC_KEY] = { TTT_IPC_TO_WORKER, TTT_KEY_MIN, TTT_KEY_MAX, 0, TTT_IPC_CONFIG },
	[TTT_IPC_STATS_REQ] = { TTT_IPC_TO_WORKER, 0, 0, 0, TTT_IPC_KEY },
	/* A worker is sandboxed once; before that it has no peer or counters. */
	[TTT_IPC_READY] = { TTT_IPC_TO_PARENT, 0, 0, ONCE, 0 },
	[TTT_IPC_LOG] = { TTT_IPC_TO_PARENT, 2, TTT_IPC_LOG_MAX + 1, 0, 0 },
	[TTT_IPC_PEER] = { TTT_IPC_TO_PARENT, sizeof(struct ttt_ipc_peer),
	    sizeof(struct ttt_ipc_peer), 0, TTT_IPC_READY },
	[TTT_IPC_STATS] = { TTT_IPC_TO_PARENT, sizeof(struct ttt_worker_report),
	    sizeof(struct ttt_worker_report), 0, TTT_IPC_READY },
	/* Set-up is over: a new address for the peer the configuration fixed. */
	[TTT_IPC_SET_PEER] = { TTT_IPC_TO_WORKER, sizeof(struct ttt_ipc_peer),
	    sizeof(struct ttt_ipc_peer), 0, TTT_IPC_KEY },
#ifdef TTT_TEST_HOOKS
	/* A test asks the worker to break its sandbox; never in a real build. */
	[TTT_IPC_TEST_SYSCALL] = { TTT_IPC_TO_WORKER, 1, 1, 0, TTT_IPC_KEY },
#else
	[TTT_IPC_TEST_SYSCALL] = { TTT_IPC_NOBODY, 0, 0, 0, TTT_IPC_KEY },
#endif
};
_Static_assert(TTT_IPC_TYPE_MAX <= 32, "struct ttt_ipc_seen has a bit a type");
/* The worker's reflection ring is sized, statically, for the longest window
 * its configuration check (ttt_config_check: window_ms) lets through. */
_Static_assert((int64_t)TTT_WINDOW_MS_MAX * TTT_NSEC_PER_MSEC <= TTT_REFLECT_WINDOW_MAX_NS,
    "a window the worker accepts must fit its reflection ring");

int
ttt_ipc_permit(struct ttt_ipc_seen *seen, enum ttt_ipc_type type)
{
	uint32_t bit;

	if ((unsigned)type == 0 || (unsigned)type >= TTT_IPC_TYPE_MAX)
		return -EPROTO;
	bit = UINT32_C(1) << type;
	if (ipc_rules[type].once && (seen->types & bit))
		return -EPROTO;
	if (ipc_rules[type].after != 0 && !(seen->types & (UINT32_C(1) << ipc_rules[type].after)))
		return -EPROTO;
	seen->types |= bit;
	return 0;
}

/* An IPv4 address one host answers: not 0.0.0.0 (nowhere), not the
 * limited broadcast, not multicast (every listener would get the tunnel). */
static int
unicast_v4(const uint8_t a[4])
{
	uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];

	return v != 0 && v != UINT32_MAX && (a[0] & 0xf0) != 0xe0;
}

/*
 * A peer the tap's traffic may be sent to: one host, one port. A worker that
 * reports anything else (port 0, unspecified, multicast, broadcast, a scope
 * on an address that has none) is lying, and is dropped (parent.c).
 */
static int
peer_valid(const struct ttt_ipc_peer *p)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t zero[16];
	int link_local = p->addr[0] == 0xfe && (p->addr[1] & 0xc0) == 0x80;

	if (p->port == 0)
		return 0;
	if (p->family == AF_INET)
		return p->scope_id == 0 && unicast_v4(p->addr);
	if (p->family != AF_INET6 || memcmp(p->addr, zero, sizeof(zero)) == 0 ||
	    p->addr[0] == 0xff || (p->scope_id != 0 && !link_local))
		return 0;
	return memcmp(p->addr, v4mapped, sizeof(v4mapped)) != 0 || unicast_v4(p->addr + 12);
}

/* Keep only printable ASCII so a worker cannot forge log lines or escape codes. */
static int
parse_log(const uint8_t *p, size_t len, struct ttt_ipc_msg *m)
{
	size_t n = len - 1;

	if (p[0] > TTT_LOG_DEBUG)
		return -EBADMSG;
	m->u.log.level = (enum ttt_log_level)p[0];
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[1 + i];

		m->u.log.text[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	m->u.log.text[n] = '\0';
	return 0;
}

/* The command-line fields against cli.c's table; the run section here. */
static int
parse_config(const uint8_t *p, struct ttt_ipc_msg *m)
{
	struct ttt_config *c = &m->u.config;

	memcpy(c, p, sizeof(*c));
	if (ttt_config_check(c) != 0)
		return -EBADMSG;
	if (c->run.sock_family != AF_INET && c->run.sock_family != AF_INET6)
		return -EBADMSG;
	if ((c->run.flags & ~(TTT_CONFIG_FIXED_PEER | TTT_CONFIG_HAVE_PEER | TTT_CONFIG_TAP_VNET |
	    TTT_CONFIG_TAP_REFUSED | TTT_CONFIG_TAP_USO | TTT_CONFIG_TAP_TSO |
	    TTT_CONFIG_SCHED_OURS)) != 0)
		return -EBADMSG;
	if ((c->run.flags & TTT_CONFIG_FIXED_PEER) && !(c->run.flags & TTT_CONFIG_HAVE_PEER))
		return -EBADMSG;
	if ((c->run.flags & TTT_CONFIG_HAVE_PEER) &&
	    (!peer_valid(&c->run.peer) || c->run.peer.family != c->run.sock_family))
		return -EBADMSG;
	/* A worker that stayed root would not be confined. */
	if (c->run.uid == 0 || c->run.gid == 0 || c->run.floor_ns < 0)
		return -EBADMSG;
	/* What remains of a grace is never more than a whole one. */
	if (c->run.rekey_left_ms < 0 || c->run.rekey_left_ms > c->rekey_grace_ms)
		return -EBADMSG;
	return 0;
}

int
ttt_ipc_parse(enum ttt_ipc_side side, const uint8_t *buf, size_t len, struct ttt_ipc_msg *m)
{
	uint16_t type, plen;
	const uint8_t *p;

	if (len < TTT_IPC_HDR_LEN)
		return -EBADMSG;
	/* Only now: past the end of a shorter record the pointer itself would
	 * be undefined behaviour (C11 6.5.6p8), found by make prove. */
	p = buf + TTT_IPC_HDR_LEN;
	memcpy(&type, buf, sizeof(type));
	memcpy(&plen, buf + sizeof(type), sizeof(plen));
	if (type == 0 || type >= TTT_IPC_TYPE_MAX || ipc_rules[type].to != side)
		return -EPROTO;
	/* The header's length must be the record's: no trailing or missing bytes. */
	if (plen != len - TTT_IPC_HDR_LEN || plen < ipc_rules[type].min ||
	    plen > ipc_rules[type].max)
		return -EBADMSG;
	memset(m, 0, sizeof(*m));
	m->type = (enum ttt_ipc_type)type;
	switch (m->type) {
	case TTT_IPC_CONFIG:
		return parse_config(p, m);
	case TTT_IPC_KEY:
		m->u.key.len = plen;
		memcpy(m->u.key.bytes, p, plen);
		return 0;
	case TTT_IPC_LOG:
		return parse_log(p, plen, m);
	case TTT_IPC_PEER:
	case TTT_IPC_SET_PEER:	/* whether this worker may take it: worker.c */
		memcpy(&m->u.peer, p, sizeof(m->u.peer));
		return peer_valid(&m->u.peer) ? 0 : -EBADMSG;
	case TTT_IPC_STATS:
		memcpy(&m->u.stats, p, sizeof(m->u.stats));
		/* Times against the worker's life and the parent's clock: parent.c. */
		return m->u.stats.last_rx_ns >= 0 && m->u.stats.last_tx_ns >= 0 &&
		    m->u.stats.key_confirmed <= 1 && m->u.stats.reserved == 0 ? 0 : -EBADMSG;
	case TTT_IPC_TEST_SYSCALL:
		m->u.test_syscall = p[0];
		return p[0] >= TTT_TEST_OPEN && p[0] < TTT_TEST_NSYSCALLS ? 0 : -EBADMSG;
	default:
		return 0;	/* no payload */
	}
}

long
ttt_ipc_encode(enum ttt_ipc_type type, const void *payload, size_t len, uint8_t *out,
    size_t cap)
{
	uint16_t t = (uint16_t)type, l = (uint16_t)len;

	if (len > TTT_IPC_PAYLOAD_MAX || cap < TTT_IPC_HDR_LEN + len)
		return -EMSGSIZE;
	memcpy(out, &t, sizeof(t));
	memcpy(out + sizeof(t), &l, sizeof(l));
	if (len > 0)
		memcpy(out + TTT_IPC_HDR_LEN, payload, len);
	return (long)(TTT_IPC_HDR_LEN + len);
}

static int
send_record(int sock, const uint8_t *rec, size_t len, const int *fds, size_t nfds, int flags)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * TTT_IPC_NFDS)];
	} ctl;
	struct iovec iov = { .iov_base = (void *)rec, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (nfds > TTT_IPC_NFDS)
		return -EINVAL;
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

static int
send_payload(int sock, enum ttt_ipc_type type, const void *payload, size_t len, int flags)
{
	uint8_t rec[TTT_IPC_MSG_MAX];
	long n = ttt_ipc_encode(type, payload, len, rec, sizeof(rec));
	int rc;

	if (n < 0)
		return (int)n;
	rc = send_record(sock, rec, (size_t)n, NULL, 0, flags);
	/* The key travels through this buffer; do not leave it on the stack. */
	explicit_bzero(rec, (size_t)n);
	return rc;
}

int
ttt_ipc_send(int sock, enum ttt_ipc_type type, const void *payload, size_t len)
{
	return send_payload(sock, type, payload, len, 0);
}

int
ttt_ipc_send_nowait(int sock, enum ttt_ipc_type type, const void *payload, size_t len)
{
	return send_payload(sock, type, payload, len, MSG_DONTWAIT);
}

int
ttt_ipc_send_fds(int sock, enum ttt_ipc_type type, const int *fds, size_t nfds)
{
	uint8_t rec[TTT_IPC_HDR_LEN];
	long n = ttt_ipc_encode(type, NULL, 0, rec, sizeof(rec));

	if (n < 0)
		return (int)n;
	return send_record(sock, rec, (size_t)n, fds, nfds, 0);
}

int
ttt_ipc_send_log(int sock, enum ttt_log_level lvl, const char *text)
{
	uint8_t payload[TTT_IPC_LOG_MAX + 1];
	size_t n = strnlen(text, TTT_IPC_LOG_MAX);

	if (n == 0)
		return 0;
	payload[0] = (uint8_t)lvl;
	memcpy(payload + 1, text, n);
	return ttt_ipc_send(sock, TTT_IPC_LOG, payload, n + 1);
}

static void
close_received(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			(void)close(fd);
		}
	}
}

static long
recv_record(int sock, uint8_t *buf, size_t cap, int *fds, size_t maxfds, size_t *nfds,
    int flags)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * TTT_IPC_NFDS)];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	ssize_t n;

	if (nfds != NULL)
		*nfds = 0;
	if (fds != NULL) {
		if (maxfds > TTT_IPC_NFDS || nfds == NULL)
			return -EINVAL;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * maxfds);
	}
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		close_received(&mh);
		return -EMSGSIZE;
	}
	if (fds == NULL)
		return n;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (k > maxfds - *nfds) {
			close_received(&mh);
			return -EMSGSIZE;
		}
		memcpy(fds + *nfds, CMSG_DATA(c), k * sizeof(int));
		*nfds += k;
	}
	return n;
}

long
ttt_ipc_recv(int sock, uint8_t *buf, size_t cap, int *fds, size_t maxfds, size_t *nfds)
{
	return recv_record(sock, buf, cap, fds, maxfds, nfds, 0);
}

long
ttt_ipc_recv_nowait(int sock, uint8_t *buf, size_t cap)
{
	return recv_record(sock, buf, cap, NULL, 0, NULL, MSG_DONTWAIT);
}

void
ttt_ipc_peer_from_addr(const struct ttt_addr *a, struct ttt_ipc_peer *p)
{
	memset(p, 0, sizeof(*p));
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->ss;

		p->family = AF_INET;
		p->port = s4->sin_port;
		memcpy(p->addr, &s4->sin_addr, sizeof(s4->sin_addr));
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;

		p->family = AF_INET6;
		p->port = s6->sin6_port;
		p->scope_id = s6->sin6_scope_id;
		memcpy(p->addr, &s6->sin6_addr, sizeof(s6->sin6_addr));
	}
}

int
ttt_ipc_peer_to_addr(const struct ttt_ipc_peer *p, struct ttt_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!peer_valid(p))
		return -EINVAL;
	if (p->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;

		s4->sin_family = AF_INET;
		s4->sin_port = p->port;
		memcpy(&s4->sin_addr, p->addr, sizeof(s4->sin_addr));
		a->len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = p->port;
		s6->sin6_scope_id = p->scope_id;
		memcpy(&s6->sin6_addr, p->addr, sizeof(s6->sin6_addr));
		a->len = sizeof(*s6);
	}
	return 0;
}

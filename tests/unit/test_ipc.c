/*
 * The socketpair protocol (src/ipc.c): every parse rule, and records with
 * and without descriptors over a real SOCK_SEQPACKET socketpair.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "cli.h"
#include "ipc.h"

static void
pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

/* What the parent sends: the command line's defaults, resolved. */
static struct ttt_config
good_config(void)
{
	struct ttt_config c;

	ttt_config_defaults(&c);
	c.mtu = TTT_DEFAULT_MTU6;	/* chosen for the IPv6 peer below */
	memcpy(c.keyfile, "/etc/ttt/key", sizeof("/etc/ttt/key"));
	memcpy(c.local, ":9123", sizeof(":9123"));
	memcpy(c.peer, "[2001:db8::1]:9123", sizeof("[2001:db8::1]:9123"));
	c.run.sock_family = AF_INET6;
	c.run.flags = TTT_CONFIG_FIXED_PEER | TTT_CONFIG_HAVE_PEER;
	c.run.peer.family = AF_INET6;
	c.run.peer.port = htons(9123);
	c.run.peer.addr[15] = 1;
	c.run.uid = 65534;
	c.run.gid = 65534;
	return c;
}

/* Encode type+payload and parse it as side; returns the parse result. */
static int
roundtrip(enum ttt_ipc_side side, enum ttt_ipc_type type, const void *p, size_t len,
    struct ttt_ipc_msg *m)
{
	uint8_t buf[TTT_IPC_MSG_MAX];
	long n = ttt_ipc_encode(type, p, len, buf, sizeof(buf));

	assert_true(n >= TTT_IPC_HDR_LEN);
	return ttt_ipc_parse(side, buf, (size_t)n, m);
}

static void
test_each_type_on_its_side_only(void **state)
{
	static struct ttt_ipc_msg m;
	struct ttt_config c = good_config();
	struct ttt_worker_report st;
	struct ttt_ipc_peer p = c.run.peer;
	uint8_t key[TTT_KEY_MIN] = { 7 };
	uint8_t logmsg[] = { TTT_LOG_WARN, 'h', 'i' };

	(void)state;
	memset(&st, 0, sizeof(st));
	st.counters.v[TTT_STAT_RX_REPLAY] = 42;
	st.last_rx_ns = 7;
	assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_CONFIG, &c, sizeof(c), &m), 0);
	assert_memory_equal(&m.u.config, &c, sizeof(c));
	assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_KEY, key, sizeof(key), &m), 0);
	assert_int_equal(m.u.key.len, sizeof(key));
	assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_STATS_REQ, NULL, 0, &m), 0);
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_READY, NULL, 0, &m), 0);
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_LOG, logmsg, sizeof(logmsg), &m), 0);
	assert_string_equal(m.u.log.text, "hi");
	assert_int_equal(m.u.log.level, TTT_LOG_WARN);
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_PEER, &p, sizeof(p), &m), 0);
	assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_SET_PEER, &p, sizeof(p), &m), 0);
	assert_memory_equal(&m.u.peer, &p, sizeof(p));
	assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_SET_PEER, &p, sizeof(p) - 1, &m),
	    -EBADMSG);
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_STATS, &st, sizeof(st), &m), 0);
	assert_int_equal(m.u.stats.counters.v[TTT_STAT_RX_REPLAY], 42);
	assert_int_equal(m.u.stats.last_rx_ns, 7);
	/* The report's other words are bounded: no negative time, a flag 0 or 1. */
	st.last_tx_ns = -1;
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_STATS, &st, sizeof(st), &m), -EBADMSG);
	st.last_tx_ns = 0;
	st.key_confirmed = 2;
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_STATS, &st, sizeof(st), &m), -EBADMSG);
	st.key_confirmed = 1;
	st.reserved = 1;
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_STATS, &st, sizeof(st), &m), -EBADMSG);
	st.reserved = 0;

	/* A worker cannot send the parent's messages, nor the parent the worker's. */
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_CONFIG, &c, sizeof(c), &m), -EPROTO);
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_KEY, key, sizeof(key), &m), -EPROTO);
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_STATS_REQ, NULL, 0, &m), -EPROTO);
	assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_PEER, &p, sizeof(p), &m), -EPROTO);
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_SET_PEER, &p, sizeof(p), &m), -EPROTO);
	assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_READY, NULL, 0, &m), -EPROTO);
#ifndef TTT_TEST_HOOKS
	/* The test hook does not exist in a real build, on either side. */
	{
		uint8_t which = TTT_TEST_OPEN;

		assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_TEST_SYSCALL, &which, 1, &m),
		    -EPROTO);
		assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_TEST_SYSCALL, &which, 1, &m),
		    -EPROTO);
	}
#endif
}

static void
test_bad_headers_and_lengths(void **state)
{
	static struct ttt_ipc_msg m;
	uint8_t buf[TTT_IPC_MSG_MAX] = { 0 };
	uint16_t t, l;
	struct ttt_ipc_peer p = good_config().run.peer;
	uint8_t key[TTT_KEY_MAX + 1];

	(void)state;
	memset(key, 1, sizeof(key));
	/* Shorter than a header. */
	assert_int_equal(ttt_ipc_parse(TTT_IPC_TO_PARENT, buf, 0, &m), -EBADMSG);
	assert_int_equal(ttt_ipc_parse(TTT_IPC_TO_PARENT, buf, TTT_IPC_HDR_LEN - 1, &m), -EBADMSG);
	/* Type 0 and types past the last. */
	for (unsigned type = 0; type < 0x10000; type += (type < 64 ? 1 : 997)) {
		if (type >= 1 && type < TTT_IPC_TYPE_MAX)
			continue;
		t = (uint16_t)type;
		l = 0;
		memcpy(buf, &t, 2);
		memcpy(buf + 2, &l, 2);
		assert_int_equal(ttt_ipc_parse(TTT_IPC_TO_PARENT, buf, 4, &m), -EPROTO);
		assert_int_equal(ttt_ipc_parse(TTT_IPC_TO_WORKER, buf, 4, &m), -EPROTO);
	}
	/* The header's length must be the record's. */
	assert_int_equal(ttt_ipc_encode(TTT_IPC_PEER, &p, sizeof(p), buf, sizeof(buf)),
	    (long)(TTT_IPC_HDR_LEN + sizeof(p)));
	assert_int_equal(ttt_ipc_parse(TTT_IPC_TO_PARENT, buf, TTT_IPC_HDR_LEN + sizeof(p) - 1, &m),
	    -EBADMSG);
	assert_int_equal(ttt_ipc_parse(TTT_IPC_TO_PARENT, buf, TTT_IPC_HDR_LEN + sizeof(p) + 1, &m),
	    -EBADMSG);
	/* Fixed-size types refuse any other size, even when consistent. */
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_PEER, &p, sizeof(p) - 1, &m), -EBADMSG);
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_READY, &p, 1, &m), -EBADMSG);
	/* Keys: TTT_KEY_MIN..TTT_KEY_MAX bytes. */
	assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_KEY, key, TTT_KEY_MIN - 1, &m), -EBADMSG);
	assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_KEY, key, TTT_KEY_MAX, &m), 0);
	assert_int_equal(ttt_ipc_encode(TTT_IPC_KEY, key, TTT_IPC_PAYLOAD_MAX + 1, buf, sizeof(buf)),
	    -EMSGSIZE);
	assert_int_equal(ttt_ipc_encode(TTT_IPC_READY, NULL, 0, buf, TTT_IPC_HDR_LEN - 1), -EMSGSIZE);
	/* A log line needs a level and a character. */
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_LOG, key, 1, &m), -EBADMSG);
}

static void
test_config_rules(void **state)
{
	static struct ttt_ipc_msg m;
	static struct ttt_config c;

	(void)state;
#define REFUSED(field_change) do {						\
	c = good_config(); field_change;					\
	assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_CONFIG, &c, sizeof(c), &m), -EBADMSG); \
} while (0)
	/* The record itself. */
	REFUSED(c.version = TTT_CONFIG_VERSION + 1);
	REFUSED(c.action = TTT_CLI_HELP);
	/* Each command-line field against the option table's bounds. */
	REFUSED(c.mtu = TTT_MIN_MTU - 1);
	REFUSED(c.mtu = TTT_MAX_MTU + 1);
	REFUSED(c.window_ms = 0);
	REFUSED(c.window_ms = TTT_WINDOW_MS_MAX + 1);
	REFUSED(c.rekey_grace_ms = -1);
	REFUSED(c.rekey_grace_ms = TTT_REKEY_GRACE_MS_MAX + 1);
	REFUSED(c.stats_interval = TTT_STATS_INTERVAL_MAX + 1);
	REFUSED(c.threads = 0);
	REFUSED(c.threads = TTT_THREADS_MAX + 1);
	REFUSED(c.queues = 0);
	REFUSED(c.queues = TTT_QUEUES_MAX + 1);
	REFUSED(c.queues = 2; c.threads = 2);			/* a thread a queue */
	REFUSED(c.daemonize = 2);
	REFUSED(c.use_syslog = -1);
	REFUSED(c.verbose = TTT_VERBOSE_MAX + 1);
	REFUSED(c.quiet = 1; c.verbose = 1);			/* both */
	/* Strings: terminated, valid, and empty only where that means "none". */
	REFUSED(memset(c.chroot_dir, '/', sizeof(c.chroot_dir)));	/* unterminated */
	REFUSED(memset(c.ifname, 'x', sizeof(c.ifname)));
	REFUSED(memset(c.peer, 'x', sizeof(c.peer)));
	REFUSED(c.chroot_dir[0] = 'v');				/* relative */
	REFUSED(c.chroot_dir[0] = '\0');
	REFUSED(c.pidfile[0] = 'r');
	REFUSED(memcpy(c.ifname, "a/b", 4));
	REFUSED(c.keyfile[0] = '\0');
	REFUSED(c.local[0] = '\0');
	/* The run section the parent resolved. */
	REFUSED(c.run.sock_family = AF_UNIX);
	REFUSED(c.run.flags = 0x100);
	REFUSED(c.run.flags |= 0x80);				/* the next flag, unknown */
	REFUSED(c.no_offload = 2);				/* a flag is 0 or 1 */
	REFUSED(c.run.flags = TTT_CONFIG_FIXED_PEER);		/* fixed, but no peer */
	REFUSED(c.run.peer.family = AF_INET);			/* not the socket's family */
	REFUSED(c.run.peer.family = AF_UNIX);
	REFUSED(c.run.uid = 0);					/* the worker would stay root */
	REFUSED(c.run.gid = 0);
	REFUSED(c.run.floor_ns = -1);
	REFUSED(c.run.rekey_left_ms = -1);
	REFUSED(c.run.rekey_left_ms = c.rekey_grace_ms + 1);	/* more than a whole grace */
	REFUSED(c.run.peer.port = 0);				/* nowhere to send */
	REFUSED(c.run.peer.addr[0] = 0xff);			/* multicast */
#undef REFUSED
	c = good_config();
	/* The tap's offloads, as the parent got them: any of the two. */
	c.run.flags |= TTT_CONFIG_TAP_VNET | TTT_CONFIG_TAP_REFUSED;
	c.no_offload = 1;
	assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_CONFIG, &c, sizeof(c), &m), 0);
	c.no_offload = 0;
	c.run.flags = 0;	/* discovery, no peer yet: fine whatever peer holds */
	c.run.peer.family = 0;
	c.peer[0] = '\0';
	c.user[0] = '\0';
	c.pidfile[0] = '\0';
	assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_CONFIG, &c, sizeof(c), &m), 0);
	c.threads = TTT_THREADS_MAX;
	c.mtu = TTT_MAX_MTU;
	assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_CONFIG, &c, sizeof(c), &m), 0);
	c.threads = 1;
	c.queues = TTT_QUEUES_MAX;
	c.verbose = TTT_VERBOSE_MAX;
	memcpy(c.pidfile, "/run/ttt.pid", sizeof("/run/ttt.pid"));
	assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_CONFIG, &c, sizeof(c), &m), 0);
	assert_memory_equal(&m.u.config, &c, sizeof(c));
}

#define PERMIT(seen, type) ttt_ipc_permit(&(seen), TTT_IPC_##type)

/* When each record may come, besides what size it has. */
static void
test_order(void **state)
{
	struct ttt_ipc_seen w = { 0 }, p = { 0 }, before;

	(void)state;
	/* To the worker: CONFIG first and once, KEY after it, requests after a key. */
	assert_int_equal(PERMIT(w, KEY), -EPROTO);
	assert_int_equal(PERMIT(w, STATS_REQ), -EPROTO);
	assert_int_equal(PERMIT(w, TEST_SYSCALL), -EPROTO);
	assert_int_equal(PERMIT(w, SET_PEER), -EPROTO);
	assert_int_equal(PERMIT(w, CONFIG), 0);
	assert_int_equal(PERMIT(w, SET_PEER), -EPROTO);	/* set-up is not over */
	assert_int_equal(PERMIT(w, CONFIG), -EPROTO);
	assert_int_equal(PERMIT(w, STATS_REQ), -EPROTO);
	assert_int_equal(PERMIT(w, KEY), 0);
	assert_int_equal(PERMIT(w, KEY), 0);			/* rotations */
	assert_int_equal(PERMIT(w, STATS_REQ), 0);
	assert_int_equal(PERMIT(w, STATS_REQ), 0);
	assert_int_equal(PERMIT(w, SET_PEER), 0);
	assert_int_equal(PERMIT(w, SET_PEER), 0);		/* the peer may move again */
	assert_int_equal(PERMIT(w, CONFIG), -EPROTO);

	/* To the parent: logs any time; PEER and STATS only once READY, READY once. */
	assert_int_equal(PERMIT(p, LOG), 0);
	assert_int_equal(PERMIT(p, PEER), -EPROTO);
	assert_int_equal(PERMIT(p, STATS), -EPROTO);
	before = p;
	assert_int_equal(PERMIT(p, STATS), -EPROTO);
	assert_memory_equal(&p, &before, sizeof(p));		/* a refusal records nothing */
	assert_int_equal(PERMIT(p, READY), 0);
	assert_int_equal(PERMIT(p, READY), -EPROTO);
	assert_int_equal(PERMIT(p, PEER), 0);
	assert_int_equal(PERMIT(p, STATS), 0);
	assert_int_equal(PERMIT(p, PEER), 0);
	assert_int_equal(PERMIT(p, LOG), 0);
	/* No such type. */
	assert_int_equal(ttt_ipc_permit(&p, (enum ttt_ipc_type)0), -EPROTO);
	assert_int_equal(ttt_ipc_permit(&p, TTT_IPC_TYPE_MAX), -EPROTO);
}
#undef PERMIT

/* What a worker writes to the parent's log is reduced to printable ASCII. */
static void
test_log_sanitised(void **state)
{
	static struct ttt_ipc_msg m;
	uint8_t msg[TTT_IPC_LOG_MAX + 1];

	(void)state;
	msg[0] = TTT_LOG_ERR;
	memcpy(msg + 1, "a\nb\033[31mc\x7f\xff", 11);
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_LOG, msg, 12, &m), 0);
	assert_string_equal(m.u.log.text, "a?b?[31mc??");
	msg[0] = TTT_LOG_DEBUG + 1;
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_LOG, msg, 12, &m), -EBADMSG);
	/* The longest line fits and is NUL-terminated. */
	msg[0] = TTT_LOG_INFO;
	memset(msg + 1, 'x', TTT_IPC_LOG_MAX);
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_LOG, msg, sizeof(msg), &m), 0);
	assert_int_equal(strlen(m.u.log.text), TTT_IPC_LOG_MAX);
}

static void
test_peer_conversions(void **state)
{
	static struct ttt_ipc_msg m;
	struct ttt_ipc_peer p;
	struct ttt_addr a, b;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a.ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a.ss;

	(void)state;
	memset(&a, 0, sizeof(a));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(9001);
	s4->sin_addr.s_addr = htonl(0xc0000201);
	a.len = sizeof(*s4);
	ttt_ipc_peer_from_addr(&a, &p);
	assert_int_equal(ttt_ipc_peer_to_addr(&p, &b), 0);
	assert_int_equal(b.len, sizeof(*s4));
	assert_memory_equal(&a.ss, &b.ss, sizeof(*s4));

	memset(&a, 0, sizeof(a));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(9002);
	s6->sin6_scope_id = 3;
	s6->sin6_addr.s6_addr[0] = 0xfe;
	s6->sin6_addr.s6_addr[1] = 0x80;
	a.len = sizeof(*s6);
	ttt_ipc_peer_from_addr(&a, &p);
	assert_int_equal(ttt_ipc_peer_to_addr(&p, &b), 0);
	assert_memory_equal(&a.ss, &b.ss, sizeof(*s6));

	/* Refused: unknown family, an IPv4 address with a scope. */
	p.family = AF_UNIX;
	assert_int_equal(ttt_ipc_peer_to_addr(&p, &b), -EINVAL);
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_PEER, &p, sizeof(p), &m), -EBADMSG);
	memset(&p, 0, sizeof(p));
	p.family = AF_INET;
	p.scope_id = 1;
	assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_PEER, &p, sizeof(p), &m), -EBADMSG);
	/* The parent's word on the peer is held to the same rule. */
	assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_SET_PEER, &p, sizeof(p), &m),
	    -EBADMSG);
	p.family = AF_UNIX;
	p.scope_id = 0;
	assert_int_equal(roundtrip(TTT_IPC_TO_WORKER, TTT_IPC_SET_PEER, &p, sizeof(p), &m),
	    -EBADMSG);
}

/* One host, one port, or the worker that reports it is lying (audit L3). */
static void
test_peer_must_be_one_host(void **state)
{
	static const struct {
		uint16_t family;
		uint16_t port;
		uint32_t scope;
		uint8_t a[16];
		int ok;
	} c[] = {
		{ AF_INET, 9001, 0, { 192, 0, 2, 1 }, 1 },
		{ AF_INET, 0, 0, { 192, 0, 2, 1 }, 0 },			/* port 0 */
		{ AF_INET, 9001, 0, { 0, 0, 0, 0 }, 0 },		/* unspecified */
		{ AF_INET, 9001, 0, { 255, 255, 255, 255 }, 0 },	/* limited broadcast */
		{ AF_INET, 9001, 0, { 224, 0, 0, 1 }, 0 },		/* multicast */
		{ AF_INET, 9001, 0, { 239, 1, 2, 3 }, 0 },
		{ AF_INET, 9001, 0, { 223, 255, 255, 255 }, 1 },
		{ AF_INET6, 9001, 0, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, 1 },
		{ AF_INET6, 9001, 0, { 0 }, 0 },			/* :: */
		{ AF_INET6, 9001, 0, { 0xff, 0x02, [15] = 1 }, 0 },	/* multicast */
		{ AF_INET6, 9001, 2, { 0xfe, 0x80, [15] = 1 }, 1 },	/* link-local, scoped */
		{ AF_INET6, 9001, 2, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, 0 },	/* scope on global */
		{ AF_INET6, 9001, 0, { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 }, 1 },
		{ AF_INET6, 9001, 0, { [10] = 0xff, [11] = 0xff, 224, 0, 0, 1 }, 0 },
		{ AF_INET6, 9001, 0, { [10] = 0xff, [11] = 0xff, 0, 0, 0, 0 }, 0 },
	};
	static struct ttt_ipc_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct ttt_ipc_peer p = { .family = c[i].family, .port = htons(c[i].port),
		    .scope_id = c[i].scope };
		struct ttt_addr a;

		memcpy(p.addr, c[i].a, sizeof(p.addr));
		assert_int_equal(roundtrip(TTT_IPC_TO_PARENT, TTT_IPC_PEER, &p, sizeof(p), &m),
		    c[i].ok ? 0 : -EBADMSG);
		assert_int_equal(ttt_ipc_peer_to_addr(&p, &a), c[i].ok ? 0 : -EINVAL);
	}
}

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	(void)closedir(d);
	return n;
}

static void
test_records_over_a_socketpair(void **state)
{
	static struct ttt_ipc_msg m;
	struct ttt_config c = good_config();
	uint8_t buf[TTT_IPC_MSG_MAX];
	int sv[2];
	long n;

	(void)state;
	pair(sv);
	assert_int_equal(ttt_ipc_send(sv[0], TTT_IPC_CONFIG, &c, sizeof(c)), 0);
	n = ttt_ipc_recv(sv[1], buf, sizeof(buf), NULL, 0, NULL);
	assert_int_equal(n, (long)(TTT_IPC_HDR_LEN + sizeof(c)));
	assert_int_equal(ttt_ipc_parse(TTT_IPC_TO_WORKER, buf, (size_t)n, &m), 0);
	assert_memory_equal(&m.u.config, &c, sizeof(c));

	/* A record larger than the buffer is refused, not cut. */
	assert_int_equal(ttt_ipc_send(sv[0], TTT_IPC_CONFIG, &c, sizeof(c)), 0);
	assert_int_equal(ttt_ipc_recv(sv[1], buf, 8, NULL, 0, NULL), -EMSGSIZE);

	/* Log lines: cut at the maximum, nothing sent for an empty one. */
	{
		char longline[TTT_IPC_LOG_MAX * 2];

		memset(longline, 'y', sizeof(longline) - 1);
		longline[sizeof(longline) - 1] = '\0';
		assert_int_equal(ttt_ipc_send_log(sv[0], TTT_LOG_INFO, ""), 0);
		assert_int_equal(ttt_ipc_send_log(sv[0], TTT_LOG_INFO, longline), 0);
		n = ttt_ipc_recv(sv[1], buf, sizeof(buf), NULL, 0, NULL);
		assert_int_equal(n, TTT_IPC_HDR_LEN + 1 + TTT_IPC_LOG_MAX);
		assert_int_equal(ttt_ipc_parse(TTT_IPC_TO_PARENT, buf, (size_t)n, &m), 0);
	}
	/* The other end gone: end of file, then a send fails. */
	assert_int_equal(close(sv[0]), 0);
	assert_int_equal(ttt_ipc_recv(sv[1], buf, sizeof(buf), NULL, 0, NULL), 0);
	assert_int_equal(close(sv[1]), 0);
	assert_int_equal(ttt_ipc_send(sv[1], TTT_IPC_READY, NULL, 0), -EBADF);
}

static void
test_descriptors(void **state)
{
	static struct ttt_ipc_msg m;
	uint8_t buf[TTT_IPC_MSG_MAX];
	int sv[2], fds[TTT_IPC_NFDS], got[TTT_IPC_NFDS], before, pipefd[2];
	size_t nfds = 0;
	struct stat a, b;
	long n;

	(void)state;
	pair(sv);
	assert_int_equal(pipe(pipefd), 0);
	fds[0] = pipefd[0];
	fds[1] = pipefd[1];

	/* Descriptors arrive as the same files. No record carries any today
	 * (the worker gets its own through exec), so any type will do. */
	assert_int_equal(ttt_ipc_send_fds(sv[0], TTT_IPC_STATS_REQ, fds, TTT_IPC_NFDS), 0);
	n = ttt_ipc_recv(sv[1], buf, sizeof(buf), got, TTT_IPC_NFDS, &nfds);
	assert_int_equal(n, TTT_IPC_HDR_LEN);
	assert_int_equal(nfds, TTT_IPC_NFDS);
	assert_int_equal(ttt_ipc_parse(TTT_IPC_TO_WORKER, buf, (size_t)n, &m), 0);
	for (int i = 0; i < TTT_IPC_NFDS; i++) {
		assert_int_equal(fstat(fds[i], &a), 0);
		assert_int_equal(fstat(got[i], &b), 0);
		assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
		assert_true(fcntl(got[i], F_GETFD) & FD_CLOEXEC);
		assert_int_equal(close(got[i]), 0);
	}

	/* The parent's way: no room for descriptors. Whatever a worker tries
	 * to pass is discarded by the kernel and the record refused. */
	before = open_fds();
	assert_int_equal(ttt_ipc_send_fds(sv[0], TTT_IPC_READY, fds, TTT_IPC_NFDS), 0);
	assert_int_equal(ttt_ipc_recv(sv[1], buf, sizeof(buf), NULL, 0, NULL), -EMSGSIZE);
	assert_int_equal(open_fds(), before);

	/* More descriptors than asked for: refused, and none leaks. */
	assert_int_equal(ttt_ipc_send_fds(sv[0], TTT_IPC_STATS_REQ, fds, TTT_IPC_NFDS), 0);
	assert_true(ttt_ipc_recv(sv[1], buf, sizeof(buf), got, 1, &nfds) < 0);
	assert_int_equal(open_fds(), before);

	/* Bounds of the API itself. */
	assert_int_equal(ttt_ipc_send_fds(sv[0], TTT_IPC_STATS_REQ, fds, TTT_IPC_NFDS + 1), -EINVAL);
	assert_int_equal(ttt_ipc_recv(sv[1], buf, sizeof(buf), got, TTT_IPC_NFDS + 1, &nfds), -EINVAL);
	assert_int_equal(ttt_ipc_recv(sv[1], buf, sizeof(buf), got, TTT_IPC_NFDS, NULL), -EINVAL);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(close(sv[i]), 0);
		assert_int_equal(close(pipefd[i]), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_type_on_its_side_only),
		cmocka_unit_test(test_bad_headers_and_lengths),
		cmocka_unit_test(test_config_rules),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_log_sanitised),
		cmocka_unit_test(test_peer_conversions),
		cmocka_unit_test(test_peer_must_be_one_host),
		cmocka_unit_test(test_records_over_a_socketpair),
		cmocka_unit_test(test_descriptors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Records a compromised worker (or parent) could write on the socketpair,
 * into ttt_ipc_parse. The parent's side is the privilege boundary, so it is
 * the one that matters; the worker's side is fuzzed as well.
 *
 * Input: one byte choosing the side (bit 0: 0 the parent parses, 1 the
 * worker parses) and, in bits 1..7, which of types 1..7 that side has
 * already received; then the record exactly as received.
 *
 * The verdict is compared with a reference built from ipc.h alone: a record
 * is a host-order {uint16 type, uint16 len} header and a payload of exactly
 * len bytes; a type the side must not receive is -EPROTO whatever follows;
 * a payload length off the type's rule or content out of range is -EBADMSG.
 * On success every field the parser hands over is checked against its
 * contract, re-encoding the message gives back the record byte for byte,
 * and ttt_ipc_permit's verdict on it after the types already seen matches
 * the order the comments in ipc.h give. Parsed counters then go where the
 * parent puts them: added to running totals, which must saturate rather
 * than wrap, and formatted into a line of every size, which must stay
 * inside its buffer.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "fuzz_common.h"
#include "cli.h"
#include "ipc.h"
#include "stats.h"

struct rule {
	enum ttt_ipc_side to;
	size_t min, max;
};

/* From the comments in ipc.h, written out independently of src/ipc.c. */
static int
ref_rule(unsigned type, struct rule *r)
{
	switch (type) {
	case TTT_IPC_CONFIG:
		*r = (struct rule){ TTT_IPC_TO_WORKER, sizeof(struct ttt_config),
		    sizeof(struct ttt_config) };
		return 1;
	case TTT_IPC_KEY:
		*r = (struct rule){ TTT_IPC_TO_WORKER, TTT_KEY_MIN, TTT_KEY_MAX };
		return 1;
	case TTT_IPC_STATS_REQ:
		*r = (struct rule){ TTT_IPC_TO_WORKER, 0, 0 };
		return 1;
	case TTT_IPC_READY:
		*r = (struct rule){ TTT_IPC_TO_PARENT, 0, 0 };
		return 1;
	case TTT_IPC_LOG:
		/* a level byte, then 1..TTT_IPC_LOG_MAX bytes of text */
		*r = (struct rule){ TTT_IPC_TO_PARENT, 2, 1 + TTT_IPC_LOG_MAX };
		return 1;
	case TTT_IPC_PEER:
		*r = (struct rule){ TTT_IPC_TO_PARENT, sizeof(struct ttt_ipc_peer),
		    sizeof(struct ttt_ipc_peer) };
		return 1;
	case TTT_IPC_SET_PEER:
		*r = (struct rule){ TTT_IPC_TO_WORKER, sizeof(struct ttt_ipc_peer),
		    sizeof(struct ttt_ipc_peer) };
		return 1;
	case TTT_IPC_STATS:
		*r = (struct rule){ TTT_IPC_TO_PARENT, sizeof(struct ttt_worker_report),
		    sizeof(struct ttt_worker_report) };
		return 1;
	case TTT_IPC_TEST_SYSCALL:
#ifdef TTT_TEST_HOOKS
		*r = (struct rule){ TTT_IPC_TO_WORKER, 1, 1 };
#else
		/* Test builds only: nobody may receive it otherwise. */
		*r = (struct rule){ TTT_IPC_NOBODY, 0, 0 };
#endif
		return 1;
	default:
		return 0;
	}
}

/* One host, one port (ipc.c, peer_valid): the IPv4 address as a number. */
static int
ref_v4_host(const uint8_t *a)
{
	uint32_t v;

	memcpy(&v, a, sizeof(v));
	v = ntohl(v);
	return v != 0 && v != 0xffffffffu && !IN_MULTICAST(v);
}

static int
ref_peer_ok(const struct ttt_ipc_peer *p)
{
	struct in6_addr a6;

	if (p->port == 0)
		return 0;
	if (p->family == AF_INET)
		return p->scope_id == 0 && ref_v4_host(p->addr);
	if (p->family != AF_INET6)
		return 0;
	memcpy(&a6, p->addr, sizeof(a6));
	if (IN6_IS_ADDR_UNSPECIFIED(&a6) || IN6_IS_ADDR_MULTICAST(&a6) ||
	    (p->scope_id != 0 && !IN6_IS_ADDR_LINKLOCAL(&a6)))
		return 0;
	return !IN6_IS_ADDR_V4MAPPED(&a6) || ref_v4_host(p->addr + 12);
}

/* A string field as the option table describes it (cli.h). */
/* hwaddr.h, restated: six pairs of hex digits joined by ':', not multicast
 * (bit 0 of the first octet), not all zero. */
static int
ref_hwaddr_ok(const char *s, size_t len)
{
	unsigned first = 0, any = 0;

	if (len != 17)
		return 0;
	for (size_t i = 0; i < len; i++) {
		int hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F');

		if (i % 3 == 2 ? s[i] != ':' : !hex)
			return 0;
		if (i % 3 != 2 && s[i] != '0')
			any = 1;
	}
	first = (unsigned)strtoul((char[3]){ s[0], s[1], '\0' }, NULL, 16);
	return !(first & 1) && any;
}

static int
ref_string_ok(const struct ttt_option *o, const char *s)
{
	size_t len = strnlen(s, o->size);

	if (len == o->size)
		return 0;	/* unterminated */
	if (len == 0)	/* "not given": only where the default is "" */
		return o->sdef != NULL && o->sdef[0] == '\0';
	switch (o->check) {
	case TTT_STR_NONEMPTY:
		return 1;
	case TTT_STR_ABSPATH:
		return s[0] == '/';
	case TTT_STR_IFNAME:
		return len <= IFNAMSIZ - 1 && memchr(s, '/', len) == NULL;
	case TTT_STR_HWADDR:
		return ref_hwaddr_ok(s, len);
	default:
		return 1;
	}
}

/*
 * The command-line fields, walking the exported option table by kind (so a
 * new option needs nothing here), then the run section from config.h.
 */
static int
ref_config_ok(const struct ttt_config *c)
{
	uint32_t known = TTT_CONFIG_FIXED_PEER | TTT_CONFIG_HAVE_PEER | TTT_CONFIG_TAP_VNET |
	    TTT_CONFIG_TAP_REFUSED | TTT_CONFIG_TAP_USO | TTT_CONFIG_TAP_TSO |
	    TTT_CONFIG_SCHED_OURS;

	if (c->version != TTT_CONFIG_VERSION || c->action != TTT_CLI_RUN)
		return 0;
	for (size_t i = 0; i < ttt_cli_noptions; i++) {
		const struct ttt_option *o = &ttt_cli_options[i];
		const char *field = (const char *)c + o->offset;
		int64_t v;

		if (o->kind == TTT_OPT_STR) {
			if (!ref_string_ok(o, field))
				return 0;
			continue;
		}
		if (o->kind == TTT_OPT_ACTION)
			continue;
		FUZZ_CHECK(o->size == sizeof(v));
		memcpy(&v, field, sizeof(v));
		if (v < (o->kind == TTT_OPT_NUM ? o->min : 0) || v > o->max)
			return 0;
	}
	if (c->quiet && c->verbose)
		return 0;
	/* A thread a queue: more than one queue only with one thread. */
	if (c->queues > 1 && c->threads != 1)
		return 0;
	if (c->run.sock_family != AF_INET && c->run.sock_family != AF_INET6)
		return 0;
	if (c->run.flags & ~known)
		return 0;
	/* A fixed peer needs an address, and it must be reachable. */
	if ((c->run.flags & TTT_CONFIG_FIXED_PEER) && !(c->run.flags & TTT_CONFIG_HAVE_PEER))
		return 0;
	if ((c->run.flags & TTT_CONFIG_HAVE_PEER) &&
	    (!ref_peer_ok(&c->run.peer) || c->run.peer.family != c->run.sock_family))
		return 0;
	/* Never root; no floor before the epoch; never more than a grace left. */
	return c->run.uid != 0 && c->run.gid != 0 && c->run.floor_ns >= 0 &&
	    c->run.rekey_left_ms >= 0 && c->run.rekey_left_ms <= c->rekey_grace_ms;
}

static int
ref_parse(enum ttt_ipc_side side, const uint8_t *b, size_t len)
{
	uint16_t type, plen;
	struct rule r;
	const uint8_t *p = b + TTT_IPC_HDR_LEN;

	if (len < TTT_IPC_HDR_LEN)
		return -EBADMSG;
	memcpy(&type, b, 2);
	memcpy(&plen, b + 2, 2);
	if (!ref_rule(type, &r) || r.to != side)
		return -EPROTO;
	if ((size_t)plen != len - TTT_IPC_HDR_LEN || plen < r.min || plen > r.max)
		return -EBADMSG;
	switch (type) {
	case TTT_IPC_CONFIG: {
		static struct ttt_config c;

		memcpy(&c, p, sizeof(c));
		return ref_config_ok(&c) ? 0 : -EBADMSG;
	}
	case TTT_IPC_LOG:
		return p[0] <= TTT_LOG_DEBUG ? 0 : -EBADMSG;
	case TTT_IPC_PEER:
	case TTT_IPC_SET_PEER: {
		struct ttt_ipc_peer pe;

		memcpy(&pe, p, sizeof(pe));
		return ref_peer_ok(&pe) ? 0 : -EBADMSG;
	}
	case TTT_IPC_STATS: {
		/* stats.h: times never negative, the flag 0 or 1, reserved 0. */
		struct ttt_worker_report w;

		memcpy(&w, p, sizeof(w));
		return w.last_rx_ns >= 0 && w.last_tx_ns >= 0 && w.key_confirmed <= 1 &&
		    w.reserved == 0 ? 0 : -EBADMSG;
	}
	case TTT_IPC_TEST_SYSCALL:
		return p[0] >= TTT_TEST_OPEN && p[0] < TTT_TEST_NSYSCALLS ? 0 : -EBADMSG;
	default:
		return 0;
	}
}

/*
 * What the parent does with a worker's counters: add them to the totals
 * (here the counters themselves, added twice more, so large values reach
 * the saturation; nothing carries over between inputs) and log them. Each
 * total is the exact sum, or UINT64_MAX when that would wrap; the line fits
 * any buffer, NUL-terminated, and its length is returned.
 */
static void
check_stats(const struct ttt_stats *got)
{
	static char line[1024];
	struct ttt_stats total = *got, before;
	size_t n, full, cap;

	for (int k = 0; k < 2; k++) {
		before = total;
		ttt_stats_add(&total, got);
		for (unsigned i = 0; i < TTT_STAT_N; i++)
			FUZZ_CHECK(total.v[i] == (before.v[i] > UINT64_MAX - got->v[i] ?
			    UINT64_MAX : before.v[i] + got->v[i]));
	}
	full = ttt_stats_format(got, line, sizeof(line));
	FUZZ_CHECK(full < sizeof(line) && line[full] == '\0' && strlen(line) == full);
	/* A cut buffer gets a prefix of the full line, and nothing past cap. */
	cap = (size_t)(got->v[0] % (full + 2));
	memset(line, 0x5a, sizeof(line));
	n = ttt_stats_format(got, line, cap);
	if (cap == 0) {
		FUZZ_CHECK(n == 0 && (unsigned char)line[0] == 0x5a);
	} else {
		FUZZ_CHECK(n < cap && line[n] == '\0' && strlen(line) == n);
		FUZZ_CHECK(n == (full < cap ? full : cap - 1));
	}
	for (size_t i = cap; i < sizeof(line); i++)
		FUZZ_CHECK((unsigned char)line[i] == 0x5a);
}

/* The "when" of ipc.h: whether type may follow the types in seen. */
static int
ref_permit(uint32_t seen, unsigned type)
{
#define SEEN(t) ((seen >> TTT_IPC_##t) & 1u)
	switch (type) {
	case TTT_IPC_CONFIG:
		return !SEEN(CONFIG);
	case TTT_IPC_READY:
		return !SEEN(READY);
	case TTT_IPC_KEY:
		return SEEN(CONFIG);
	case TTT_IPC_STATS_REQ:
	case TTT_IPC_TEST_SYSCALL:
	case TTT_IPC_SET_PEER:
		return SEEN(KEY);
	case TTT_IPC_PEER:
	case TTT_IPC_STATS:
		return SEEN(READY);
	case TTT_IPC_LOG:
		return 1;
	default:
		return 0;
	}
#undef SEEN
}

/* The fields handed over on success, against their contracts. */
static void
check_parsed(const struct ttt_ipc_msg *m, const uint8_t *p, size_t plen)
{
	struct ttt_addr a;
	struct ttt_ipc_peer back;

	switch (m->type) {
	case TTT_IPC_CONFIG:
		FUZZ_CHECK(memcmp(&m->u.config, p, sizeof(m->u.config)) == 0);
		FUZZ_CHECK(ref_config_ok(&m->u.config));
		break;
	case TTT_IPC_KEY:
		FUZZ_CHECK(m->u.key.len == plen);
		FUZZ_CHECK(plen >= TTT_KEY_MIN && plen <= TTT_KEY_MAX);
		FUZZ_CHECK(memcmp(m->u.key.bytes, p, plen) == 0);
		break;
	case TTT_IPC_LOG:
		/* Printable ASCII only, NUL-terminated at the payload's length:
		 * a worker must not inject newlines or terminal escapes. */
		FUZZ_CHECK((unsigned)m->u.log.level <= TTT_LOG_DEBUG);
		FUZZ_CHECK((unsigned)m->u.log.level == p[0]);
		FUZZ_CHECK(plen - 1 <= TTT_IPC_LOG_MAX);
		FUZZ_CHECK(m->u.log.text[plen - 1] == '\0');
		for (size_t i = 0; i < plen - 1; i++) {
			char c = m->u.log.text[i];

			FUZZ_CHECK(c >= 0x20 && c < 0x7f);
			FUZZ_CHECK(p[1 + i] == (uint8_t)c || c == '?');
		}
		break;
	case TTT_IPC_PEER:
	case TTT_IPC_SET_PEER:
		FUZZ_CHECK(memcmp(&m->u.peer, p, sizeof(m->u.peer)) == 0);
		FUZZ_CHECK(ref_peer_ok(&m->u.peer));
		/* It converts to a socket address of its family and back. */
		FUZZ_CHECK(ttt_ipc_peer_to_addr(&m->u.peer, &a) == 0);
		FUZZ_CHECK(a.ss.ss_family == m->u.peer.family);
		FUZZ_CHECK(a.len == (m->u.peer.family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)));
		ttt_ipc_peer_from_addr(&a, &back);
		FUZZ_CHECK(back.family == m->u.peer.family && back.port == m->u.peer.port);
		FUZZ_CHECK(back.scope_id == m->u.peer.scope_id);
		FUZZ_CHECK(memcmp(back.addr, m->u.peer.addr,
		    m->u.peer.family == AF_INET ? 4 : 16) == 0);
		break;
	case TTT_IPC_STATS:
		FUZZ_CHECK(memcmp(&m->u.stats, p, sizeof(m->u.stats)) == 0);
		check_stats(&m->u.stats.counters);
		break;
	case TTT_IPC_TEST_SYSCALL:
		FUZZ_CHECK(plen == 1 && m->u.test_syscall == p[0]);
		FUZZ_CHECK(m->u.test_syscall >= TTT_TEST_OPEN &&
		    m->u.test_syscall < TTT_TEST_NSYSCALLS);
		break;
	default:
		FUZZ_CHECK(plen == 0);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ttt_ipc_msg m;
	static uint8_t again[TTT_IPC_MSG_MAX];
	struct ttt_ipc_seen seen;
	enum ttt_ipc_side side;
	const uint8_t *rec;
	size_t len;
	uint16_t type;
	long n;
	int rc, want;

	if (size < 1)
		return 0;
	side = (data[0] & 1) ? TTT_IPC_TO_WORKER : TTT_IPC_TO_PARENT;
	rec = data + 1;
	len = size - 1;

	rc = ttt_ipc_parse(side, rec, len, &m);
	want = ref_parse(side, rec, len);
	if (rc != want) {
		fprintf(stderr, "ipc: parse says %d, reference says %d (side %s, %zu bytes)\n",
		    rc, want, side == TTT_IPC_TO_PARENT ? "parent" : "worker", len);
		abort();
	}
	if (rc != 0)
		return 0;

	memcpy(&type, rec, 2);
	FUZZ_CHECK((unsigned)m.type == type);
	check_parsed(&m, rec + TTT_IPC_HDR_LEN, len - TTT_IPC_HDR_LEN);

	/* In turn or not, after the types the first byte says came before. */
	seen.types = data[0] & 0xfeu;
	rc = ttt_ipc_permit(&seen, m.type);
	FUZZ_CHECK((rc == 0) == ref_permit(data[0] & 0xfeu, type));
	FUZZ_CHECK(seen.types == (rc == 0 ? ((data[0] & 0xfeu) | 1u << type) : (data[0] & 0xfeu)));

	/* The sender's encoding of the same message is this very record. */
	n = ttt_ipc_encode(m.type, rec + TTT_IPC_HDR_LEN, len - TTT_IPC_HDR_LEN,
	    again, sizeof(again));
	FUZZ_CHECK(n == (long)len && memcmp(again, rec, len) == 0);
	/* And one byte less room is refused. */
	FUZZ_CHECK(ttt_ipc_encode(m.type, rec + TTT_IPC_HDR_LEN, len - TTT_IPC_HDR_LEN,
	    again, len - 1) == -EMSGSIZE);
	return 0;
}

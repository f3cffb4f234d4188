/*
 * --queues, its pure parts: the steering program (src/steer.c), run here by
 * a small classic-BPF interpreter of the instructions it uses, against the
 * hash steer.h states; and where each queue's descriptors go in a worker
 * (worker.h, src/worker_exec.c), one queue exactly as before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "steer.h"
#include "wire.h"
#include "worker_exec.h"

/* ---- a classic BPF interpreter, the kernel's rules for what it uses ---- */

#define OOB UINT32_MAX	/* a load past the packet: the kernel returns 0 */

static uint32_t
load(const uint8_t *p, size_t len, uint32_t off, unsigned size)
{
	uint32_t v = 0;

	if (off > len || size > len - off)
		return OOB;
	for (unsigned i = 0; i < size; i++)
		v = v << 8 | p[off + i];
	return v;
}

static unsigned
size_of(uint16_t code)
{
	return BPF_SIZE(code) == BPF_W ? 4 : BPF_SIZE(code) == BPF_H ? 2 : 1;
}

/* Run prog over payload p; the socket index it returns. */
static uint32_t
run(const struct sock_filter *f, unsigned n, const uint8_t *p, size_t len)
{
	uint32_t a = 0, x = 0, m[16] = { 0 }, v;

	for (unsigned pc = 0; pc < n; pc++) {
		const struct sock_filter *i = &f[pc];

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_H | BPF_ABS:
		case BPF_LD | BPF_B | BPF_ABS: case BPF_LD | BPF_W | BPF_IND:
			v = load(p, len, i->k + (BPF_MODE(i->code) == BPF_IND ? x : 0),
			    size_of(i->code));
			if (v == OOB)
				return 0;
			a = v;
			break;
		case BPF_LDX | BPF_B | BPF_MSH:
			if ((v = load(p, len, i->k, 1)) == OOB)
				return 0;
			x = 4 * (v & 0xf);
			break;
		case BPF_LD | BPF_MEM: a = m[i->k]; break;
		case BPF_LDX | BPF_MEM: x = m[i->k]; break;
		case BPF_ST: m[i->k] = a; break;
		case BPF_ALU | BPF_XOR | BPF_X: a ^= x; break;
		case BPF_ALU | BPF_RSH | BPF_K: a >>= i->k; break;
		case BPF_ALU | BPF_MOD | BPF_K: assert_true(i->k != 0); a %= i->k; break;
		case BPF_JMP | BPF_JA: pc += i->k; break;
		case BPF_JMP | BPF_JEQ | BPF_K: pc += a == i->k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JSET | BPF_K: pc += (a & i->k) ? i->jt : i->jf; break;
		case BPF_RET | BPF_A: return a;
		case BPF_RET | BPF_K: return i->k;
		default:
			fail_msg("instruction %u: code 0x%x the interpreter does not know", pc, i->code);
		}
	}
	fail_msg("ran off the end of the program");
	return 0;
}

/* ---- datagrams: header, then an Ethernet frame ---- */

static size_t
put16(uint8_t *p, size_t off, uint32_t v)
{
	p[off] = (uint8_t)(v >> 8);
	p[off + 1] = (uint8_t)v;
	return off + 2;
}

static size_t
put32(uint8_t *p, size_t off, uint32_t v)
{
	return put16(p, put16(p, off, v >> 16), v & 0xffff);
}

#define ETH (TTT_HDR_LEN)
#define IPH (TTT_HDR_LEN + 14)

/* An IPv4 TCP or UDP datagram (ihl words of header), 64 bytes of payload. */
static size_t
v4(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport, uint16_t dport,
    unsigned ihl, uint16_t frag)
{
	memset(p, 0xaa, IPH);
	put16(p, ETH + 12, 0x0800);
	memset(p + IPH, 0, 4 * ihl + 64);
	p[IPH] = (uint8_t)(0x40 | ihl);
	put16(p, IPH + 6, frag);
	p[IPH + 9] = proto;
	put32(p, IPH + 12, src);
	put32(p, IPH + 16, dst);
	put16(p, IPH + 4 * ihl, sport);
	put16(p, IPH + 4 * ihl + 2, dport);
	return IPH + 4 * ihl + 64;
}

/* The hash steer.h states, for IPv4. */
static uint32_t
ref_v4(uint32_t src, uint32_t dst, uint32_t ports, unsigned n)
{
	uint32_t h = src ^ dst ^ ports;

	return (h ^ h >> 16) % n;
}

static unsigned
build(struct sock_filter *f, unsigned n)
{
	unsigned len = ttt_steer_build(f, n);

	assert_true(len > 0 && len <= TTT_STEER_INSNS_MAX);
	return len;
}

static void
test_v4_flows(void **state)
{
	struct sock_filter f[TTT_STEER_INSNS_MAX];
	uint8_t p[256];
	unsigned seen[TTT_QUEUES_MAX];

	(void)state;
	for (unsigned n = 2; n <= TTT_QUEUES_MAX; n++) {
		unsigned len = build(f, n);

		memset(seen, 0, sizeof(seen));
		for (uint16_t sp = 40000; sp < 40064; sp++) {
			for (unsigned ihl = 5; ihl <= 6; ihl++) {
				size_t l = v4(p, 0x0a630001, 0x0a630002, sp & 1 ? 6 : 17, sp, 5001,
				    ihl, 0x4000 /* DF: not a fragment */);
				uint32_t q = run(f, len, p, l);

				assert_int_equal(q, ref_v4(0x0a630001, 0x0a630002,
				    (uint32_t)sp << 16 | 5001, n));
				seen[q]++;
			}
		}
		/* Flows that differ in their ports alone reach every queue. */
		for (unsigned k = 0; k < n; k++)
			assert_true(seen[k] > 0);
	}
}

/* What test_queues.sh relies on: with 10.99.0.1 and .2, two queues, the
 * queue is bit 0 of 1 ^ sport ^ dport. */
static void
test_e2e_placement(void **state)
{
	struct sock_filter f[TTT_STEER_INSNS_MAX];
	static const uint16_t sport[4] = { 40001, 40003, 40004, 40006 };
	static const uint32_t want[4] = { 1, 0, 0, 1 };
	unsigned len = build(f, 2);
	uint8_t p[256];

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		size_t l = v4(p, 0x0a630001, 0x0a630002, 17, sport[i], (uint16_t)(5001 + i), 5, 0);

		assert_int_equal(run(f, len, p, l), want[i]);
	}
}

/* A fragment has no ports (a later one carries payload there): addresses only. */
static void
test_v4_fragments(void **state)
{
	struct sock_filter f[TTT_STEER_INSNS_MAX];
	unsigned len = build(f, 4);
	uint8_t p[256];

	(void)state;
	for (uint16_t frag = 1; frag < 0x4000; frag <<= 1) {
		if (frag & 0x4000)
			continue;
		for (uint16_t sp = 1; sp < 200; sp += 7) {
			size_t l = v4(p, 0xc0000201, 0xc0000202, 17, sp, 53, 5, frag);

			assert_int_equal(run(f, len, p, l), ref_v4(0xc0000201, 0xc0000202, 0, 4));
		}
	}
}

static void
test_v6_and_others(void **state)
{
	struct sock_filter f[TTT_STEER_INSNS_MAX];
	unsigned len = build(f, 4), seen[4] = { 0 };
	uint8_t p[256];
	size_t l = IPH + 40 + 8;

	(void)state;
	for (uint16_t dp = 0; dp < 64; dp++) {
		uint32_t h = 0;

		memset(p, 0, sizeof(p));
		put16(p, ETH + 12, 0x86dd);
		p[IPH] = 0x60;
		p[IPH + 6] = 6;
		for (unsigned w = 0; w < 8; w++)
			h ^= (uint32_t)(0x20010db8u + w);
		for (unsigned w = 0; w < 8; w++)
			put32(p, IPH + 8 + 4 * w, 0x20010db8u + w);
		put16(p, IPH + 40, 443);
		put16(p, IPH + 42, dp);
		h ^= (uint32_t)443 << 16 | dp;
		assert_int_equal(run(f, len, p, l), (h ^ h >> 16) % 4);
		seen[run(f, len, p, l)]++;
	}
	for (unsigned k = 0; k < 4; k++)
		assert_true(seen[k] > 0);
	/* ARP: queue 0. */
	memset(p, 0, sizeof(p));
	put16(p, ETH + 12, 0x0806);
	assert_int_equal(run(f, len, p, ETH + 42), 0);
	/* Short datagrams, whatever they claim: queue 0 (a load past the end). */
	for (size_t s = 0; s < IPH + 24; s++) {
		size_t full = v4(p, 0x01020304, 0x05060708, 6, 1234, 4321, 5, 0);

		assert_true(full > s);
		assert_int_equal(run(f, len, p, s), 0);
	}
}

static void
test_bounds(void **state)
{
	struct sock_filter f[TTT_STEER_INSNS_MAX];

	(void)state;
	assert_int_equal(ttt_steer_build(f, 0), 0);
	assert_int_equal(ttt_steer_build(f, 1), 0);	/* one socket: no program */
	assert_int_equal(ttt_steer_build(f, TTT_QUEUES_MAX + 1), 0);
}

/* ---- where the descriptors go ---- */

static void
test_fd_plan(void **state)
{
	struct ttt_parent p;
	int src[TTT_WORKER_PLACED_MAX], target[TTT_WORKER_PLACED_MAX];

	(void)state;
	memset(&p, 0, sizeof(p));
	for (unsigned k = 0; k < TTT_QUEUES_MAX; k++) {
		p.tap[k] = 100 + (int)k;
		p.udp[k] = 200 + (int)k;
	}
	p.stamps_fd = 50;
	/* One queue: exactly the numbers before --queues. */
	assert_int_equal(TTT_WORKER_MAX_FD_FOR(1), TTT_WORKER_UDP_FD);
	assert_int_equal(TTT_WORKER_MAX_FD_FOR(1), 5);
	p.nqueues = 1;
	assert_int_equal(ttt_worker_fd_plan(&p, 40, src, target), 4);
	assert_int_equal(target[0], 3);
	assert_int_equal(target[1], 6);
	assert_int_equal(target[2], 4);
	assert_int_equal(src[2], 100);
	assert_int_equal(target[3], 5);
	assert_int_equal(src[3], 200);
	for (unsigned n = 1; n <= TTT_QUEUES_MAX; n++) {
		unsigned got;

		p.nqueues = n;
		got = ttt_worker_fd_plan(&p, 40, src, target);
		assert_int_equal(got, 2 + 2 * n);
		for (unsigned i = 0; i < got; i++) {
			/* Above 0..2, below the image, each once. */
			assert_true(target[i] > 2 && target[i] < TTT_WORKER_EXEC_FD);
			assert_true(target[i] <= (int)TTT_WORKER_MAX_FD_FOR(n) ||
			    target[i] == TTT_WORKER_STAMPS_FD);
			for (unsigned j = 0; j < i; j++)
				assert_int_not_equal(target[i], target[j]);
		}
		for (unsigned k = 0; k < n; k++) {
			assert_int_equal(src[2 + 2 * k], p.tap[k]);
			assert_int_equal(target[2 + 2 * k], TTT_WORKER_QUEUE_TAP_FD(k));
			assert_int_equal(src[3 + 2 * k], p.udp[k]);
			assert_int_equal(target[3 + 2 * k], TTT_WORKER_QUEUE_UDP_FD(k));
		}
	}
	p.nqueues = 0;
	assert_int_equal(ttt_worker_fd_plan(&p, 40, src, target), 0);
	p.nqueues = TTT_QUEUES_MAX + 1;
	assert_int_equal(ttt_worker_fd_plan(&p, 40, src, target), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_flows),
		cmocka_unit_test(test_e2e_placement),
		cmocka_unit_test(test_v4_fragments),
		cmocka_unit_test(test_v6_and_others),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_fd_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

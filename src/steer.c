/*
 * The steering program for --queues (see steer.h): built from symbolic
 * labels, patched once every label is known. Pure.
 */
#include <string.h>

#include "config.h"
#include "steer.h"
#include "wire.h"

/* Offsets in the UDP payload. */
#define ETH_TYPE (TTT_HDR_LEN + 12)
#define IP (TTT_HDR_LEN + 14)		/* the inner IP header */
#define ETHERTYPE_V4 0x0800
#define ETHERTYPE_V6 0x86dd
#define PROTO_TCP 6
#define PROTO_UDP 17
#define V4_FRAG_MASK 0x3fff		/* more fragments, or an offset */
#define V6_HDR_LEN 40

enum label { L_NEXT = -1, L_V4, L_V6, L_PORTS4, L_PORTS6, L_FOLD, L_ZERO, L_N };

struct prog {
	struct sock_filter *f;
	unsigned n;
	int at[L_N];			/* where each label is, -1 before */
	struct { unsigned insn; int jt, jf; } fix[TTT_STEER_INSNS_MAX];
	unsigned nfix;
	int overflow;
};

static void
emit(struct prog *p, unsigned short code, unsigned k)
{
	if (p->n >= TTT_STEER_INSNS_MAX) {
		p->overflow = 1;
		return;
	}
	p->f[p->n++] = (struct sock_filter)BPF_STMT(code, k);
}

/* A conditional jump to labels jt and jf (L_NEXT: the next instruction),
 * or with code BPF_JMP | BPF_JA, to jt always. */
static void
jump(struct prog *p, unsigned short code, unsigned k, enum label jt, enum label jf)
{
	if (p->nfix < TTT_STEER_INSNS_MAX) {
		p->fix[p->nfix].insn = p->n;
		p->fix[p->nfix].jt = jt;
		p->fix[p->nfix++].jf = jf;
	} else {
		p->overflow = 1;
	}
	emit(p, code, k);
}

static void
label(struct prog *p, enum label l)
{
	p->at[l] = (int)p->n;
}

/* M[0] ^= the 32-bit word A holds. */
static void
mix(struct prog *p)
{
	emit(p, BPF_LDX | BPF_MEM, 0);
	emit(p, BPF_ALU | BPF_XOR | BPF_X, 0);
	emit(p, BPF_ST, 0);
}

static void
ipv4(struct prog *p)
{
	label(p, L_V4);
	emit(p, BPF_LD | BPF_W | BPF_ABS, IP + 12);	/* source */
	emit(p, BPF_ST, 0);
	emit(p, BPF_LD | BPF_W | BPF_ABS, IP + 16);	/* destination */
	mix(p);
	emit(p, BPF_LD | BPF_H | BPF_ABS, IP + 6);
	jump(p, BPF_JMP | BPF_JSET | BPF_K, V4_FRAG_MASK, L_FOLD, L_NEXT);
	emit(p, BPF_LD | BPF_B | BPF_ABS, IP + 9);	/* protocol */
	jump(p, BPF_JMP | BPF_JEQ | BPF_K, PROTO_TCP, L_PORTS4, L_NEXT);
	jump(p, BPF_JMP | BPF_JEQ | BPF_K, PROTO_UDP, L_PORTS4, L_FOLD);
	label(p, L_PORTS4);
	emit(p, BPF_LDX | BPF_B | BPF_MSH, IP);		/* X = the IPv4 header's length */
	emit(p, BPF_LD | BPF_W | BPF_IND, IP);		/* both ports */
	mix(p);
	jump(p, BPF_JMP | BPF_JA, 0, L_FOLD, L_FOLD);
}

static void
ipv6(struct prog *p)
{
	label(p, L_V6);
	emit(p, BPF_LD | BPF_W | BPF_ABS, IP + 8);	/* source, then destination */
	emit(p, BPF_ST, 0);
	for (unsigned w = 1; w < 8; w++) {
		emit(p, BPF_LD | BPF_W | BPF_ABS, IP + 8 + 4 * w);
		mix(p);
	}
	emit(p, BPF_LD | BPF_B | BPF_ABS, IP + 6);	/* next header: no extension */
	jump(p, BPF_JMP | BPF_JEQ | BPF_K, PROTO_TCP, L_PORTS6, L_NEXT);
	jump(p, BPF_JMP | BPF_JEQ | BPF_K, PROTO_UDP, L_PORTS6, L_FOLD);
	label(p, L_PORTS6);
	emit(p, BPF_LD | BPF_W | BPF_ABS, IP + V6_HDR_LEN);
	mix(p);
}

/* Resolve every jump; 0 if one goes backwards or too far. */
static int
patch(struct prog *p)
{
	for (unsigned i = 0; i < p->nfix; i++) {
		struct sock_filter *f = &p->f[p->fix[i].insn];
		int next = (int)p->fix[i].insn + 1;
		int t = p->fix[i].jt == L_NEXT ? next : p->at[p->fix[i].jt];
		int e = p->fix[i].jf == L_NEXT ? next : p->at[p->fix[i].jf];

		if (t < next || e < next || t - next > 255 || e - next > 255)
			return 0;
		if (BPF_OP(f->code) == BPF_JA) {
			f->k = (unsigned)(t - next);
		} else {
			f->jt = (unsigned char)(t - next);
			f->jf = (unsigned char)(e - next);
		}
	}
	return 1;
}

unsigned
ttt_steer_build(struct sock_filter prog[TTT_STEER_INSNS_MAX], unsigned n)
{
	struct prog p;

	if (n < 2 || n > TTT_QUEUES_MAX)
		return 0;
	memset(&p, 0, sizeof(p));
	memset(p.at, 0xff, sizeof(p.at));	/* -1: not yet placed */
	p.f = prog;
	emit(&p, BPF_LD | BPF_H | BPF_ABS, ETH_TYPE);
	jump(&p, BPF_JMP | BPF_JEQ | BPF_K, ETHERTYPE_V4, L_V4, L_NEXT);
	jump(&p, BPF_JMP | BPF_JEQ | BPF_K, ETHERTYPE_V6, L_V6, L_ZERO);
	ipv4(&p);
	ipv6(&p);
	label(&p, L_FOLD);
	emit(&p, BPF_LD | BPF_MEM, 0);
	emit(&p, BPF_ALU | BPF_RSH | BPF_K, 16);
	emit(&p, BPF_LDX | BPF_MEM, 0);
	emit(&p, BPF_ALU | BPF_XOR | BPF_X, 0);
	emit(&p, BPF_ALU | BPF_MOD | BPF_K, n);
	emit(&p, BPF_RET | BPF_A, 0);
	label(&p, L_ZERO);
	emit(&p, BPF_RET | BPF_K, 0);
	return p.overflow || !patch(&p) ? 0 : p.n;
}

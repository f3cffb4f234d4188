/*
 * SHA-256 on the Intel SHA extensions (SHA-NI), as a BearSSL hash class, and
 * the run-time choice between it and BearSSL's portable br_sha256_vtable.
 *
 * The class is a drop-in for br_sha256_vtable: same descriptor, same
 * state()/set_state() encoding (the eight 32-bit chaining words big-endian,
 * then the byte count as the return value), so br_hmac_key_init(),
 * br_hmac_init(), br_hmac_update() and br_hmac_out() use it unchanged.
 *
 * Only the compression function is built for the SHA extensions; the rest of
 * the binary runs on any x86-64. The vtable itself executes SHA instructions:
 * use it only where ttt_cpu_has_sha_ni() is true (ttt_sha256_best() and
 * ttt_sha256_select() never hand it out otherwise), or the process dies of
 * SIGILL.
 *
 * Timing: the compression function has no data-dependent branches or memory
 * accesses; update() branches on lengths only, like BearSSL's.
 */
#ifndef TTT_SHA256_NI_H
#define TTT_SHA256_NI_H

#include <stddef.h>
#include <stdint.h>
#include <bearssl_hash.h>

#define TTT_SHA256_BLOCK_LEN  64	/* one compression function input */
#define TTT_SHA256_STATE_WORDS 8	/* chaining value a..h */
#define TTT_SHA256_STATE_LEN  (TTT_SHA256_STATE_WORDS * 4)	/* what state() writes */
#define TTT_SHA256_LENGTH_LEN 8		/* the padding's big-endian bit count */

/*
 * The running context. Its first member is the vtable pointer, as BearSSL's
 * object-oriented API requires, and it fits in br_hash_compat_context (checked
 * at compile time), which is what br_hmac_context embeds. Fields are private.
 */
struct ttt_sha256_ni_context {
	const br_hash_class *vtable;
	unsigned char buf[TTT_SHA256_BLOCK_LEN];	/* bytes not yet compressed */
	uint64_t count;					/* bytes injected so far */
	uint32_t val[TTT_SHA256_STATE_WORDS];		/* chaining value, a..h */
};

extern const br_hash_class ttt_sha256_ni_vtable;

/*
 * The compression function alone: nblocks consecutive 64-byte blocks into
 * the chaining value val (a..h, host order). SHA-NI only, like the class;
 * for the two-stream code (sha256_ni_x2.h), which finishes a longer message
 * one stream at a time.
 */
void ttt_sha256_ni_compress(uint32_t val[TTT_SHA256_STATE_WORDS], const unsigned char *data,
    size_t nblocks);

/*
 * The byte forms the padding and BearSSL's state()/set_state() use, for
 * hmac_x2.c too: the bit count of a message of bytes bytes, big-endian;
 * the chaining value a..h as big-endian words, and back. Portable code.
 */
void ttt_sha256_pad_length(unsigned char dst[TTT_SHA256_LENGTH_LEN], uint64_t bytes);
void ttt_sha256_state_enc(unsigned char dst[TTT_SHA256_STATE_LEN],
    const uint32_t val[TTT_SHA256_STATE_WORDS]);
void ttt_sha256_state_dec(uint32_t val[TTT_SHA256_STATE_WORDS],
    const unsigned char src[TTT_SHA256_STATE_LEN]);

/* 1 if this CPU has the SHA extensions and the SSSE3/SSE4.1 they are used with. */
int ttt_cpu_has_sha_ni(void);

/* The fastest SHA-256 this CPU runs: the SHA-NI class, else br_sha256_vtable. */
const br_hash_class *ttt_sha256_best(void);

/*
 * Force a choice (tests, benchmarks): want_ni 0 gives br_sha256_vtable;
 * want_ni nonzero gives the SHA-NI class, or NULL if the CPU lacks it.
 */
const br_hash_class *ttt_sha256_select(int want_ni);

#endif

/*
 * Contracts for the functions the analysed code calls but whose bodies the
 * analysis does not see, force-included (-include) before every file under
 * analysis (mk/prove.mk). EVA checks every call against the requires clauses
 * (a call that could violate one is an alarm) and takes the assigns and
 * ensures clauses as the callee's whole effect: those are the assumptions
 * the proof rests on, and SECURITY.md lists them.
 */
#ifndef TTT_PROOF_STUBS_H
#define TTT_PROOF_STUBS_H

#include <stddef.h>
#include <stdatomic.h>
#include <bearssl_hmac.h>

/*
 * Atomics, sequentially: Frama-C's stdatomic.h turns each operation into a
 * call without a contract. The drivers analyse one thread and hand it a
 * state that any interleaving of the sender's stores could have left (the
 * module's invariant), so a load is the plain read of what was stored.
 * Whether the orderings are right is not what this analysis shows.
 */
#undef atomic_load_explicit
#undef atomic_store_explicit
#define atomic_load_explicit(obj, order) (*(obj))
#define atomic_store_explicit(obj, value, order) ((void)(*(obj) = (value)))
#define atomic_thread_fence(order) ((void)0)
#undef atomic_fetch_or_explicit
#define atomic_fetch_or_explicit(obj, value, order) __extension__ ({ \
	__typeof__(obj) o_ = (obj); \
	__typeof__(*o_) old_ = *o_; \
	*o_ = old_ | (value); \
	old_; })
#undef atomic_compare_exchange_strong_explicit
#define atomic_compare_exchange_strong_explicit(obj, expected, desired, s, f) __extension__ ({ \
	__typeof__(obj) o_ = (obj); \
	__typeof__(expected) e_ = (expected); \
	int ok_ = *o_ == *e_; \
	if (ok_) \
		*o_ = (desired); \
	else \
		*e_ = *o_; \
	ok_; })

/* glibc's; Frama-C's libc does not declare it. Zeroes exactly n bytes. */
/*@ requires \valid((char *)s + (0 .. n - 1));
    assigns ((char *)s)[0 .. n - 1] \from \nothing;
    ensures \initialized((char *)s + (0 .. n - 1));
    ensures \forall integer i; 0 <= i < n ==> ((char *)s)[i] == 0;
*/
void explicit_bzero(void *s, size_t n);

/*
 * BearSSL's HMAC, the one cryptographic primitive on these paths. Its own
 * memory safety is BearSSL's business (it is not analysed here); what these
 * contracts claim is the interface our code relies on: init reads the key
 * context and fills the HMAC context, update reads exactly the len bytes it
 * is given (which must be valid and initialised: a read past a buffer or of
 * an unwritten byte is an alarm at the call), out writes exactly 32 bytes,
 * HMAC-SHA256's length (ttt_mac_key_init only ever selects a SHA-256
 * class, BearSSL's or ours, and passes out_len 0: the natural length).
 */
/*@ requires \valid(ctx);
    requires \valid_read(kc);
    assigns *ctx \from *kc, out_len;
    ensures \initialized(ctx);
*/
void br_hmac_init(br_hmac_context *ctx, const br_hmac_key_context *kc, size_t out_len);

/*@ requires \valid(ctx) && \initialized(ctx);
    requires \valid_read((const unsigned char *)data + (0 .. len - 1));
    requires \initialized((const unsigned char *)data + (0 .. len - 1));
    assigns *ctx \from *ctx, ((const unsigned char *)data)[0 .. len - 1], len;
    ensures \initialized(ctx);
*/
void br_hmac_update(br_hmac_context *ctx, const void *data, size_t len);

/*@ requires \valid_read(ctx) && \initialized(ctx);
    requires \valid((unsigned char *)out + (0 .. 31));
    assigns ((unsigned char *)out)[0 .. 31] \from *ctx;
    assigns \result \from *ctx;
    ensures \initialized((unsigned char *)out + (0 .. 31));
    ensures \result == 32;
*/
size_t br_hmac_out(const br_hmac_context *ctx, void *out);

/*
 * HMAC-SHA256 of two messages at once (hmac_x2.h): tested to equal BearSSL's
 * br_hmac on each (tests/unit/test_sha256_x2.c, fuzz/fuzz_hmac_x2.c), so it
 * gets the same kind of contract: it reads the key context and exactly the
 * len0 and len1 bytes given (valid and initialised), and writes exactly 32
 * bytes to each output.
 */
/*@ requires \valid_read(kc);
    requires \valid_read((const unsigned char *)m0 + (0 .. len0 - 1));
    requires \initialized((const unsigned char *)m0 + (0 .. len0 - 1));
    requires \valid_read((const unsigned char *)m1 + (0 .. len1 - 1));
    requires \initialized((const unsigned char *)m1 + (0 .. len1 - 1));
    requires \valid(out0 + (0 .. 31)) && \valid(out1 + (0 .. 31));
    assigns out0[0 .. 31] \from *kc, ((const unsigned char *)m0)[0 .. len0 - 1], len0;
    assigns out1[0 .. 31] \from *kc, ((const unsigned char *)m1)[0 .. len1 - 1], len1;
    ensures \initialized(out0 + (0 .. 31)) && \initialized(out1 + (0 .. 31));
*/
void ttt_hmac_x2(const br_hmac_key_context *kc, const void *m0, size_t len0,
    const void *m1, size_t len1, unsigned char out0[32], unsigned char out1[32]);

/*
 * Frama-C's libc makes these functions, which a constant array size cannot
 * call; glibc's macros instead. Only ipc.c's system-call glue uses them,
 * which no driver analyses.
 */
#define CMSG_ALIGN(len) (((len) + sizeof(size_t) - 1) & ~(sizeof(size_t) - 1))
#define CMSG_SPACE(len) (CMSG_ALIGN(len) + CMSG_ALIGN(sizeof(struct cmsghdr)))
#define CMSG_LEN(len) (CMSG_ALIGN(sizeof(struct cmsghdr)) + (len))

#endif

/*
 * HMAC-SHA256 of two messages at once, under one processed key.
 *
 * The promise: out0 and out1 are exactly what br_hmac_init(kc, 0),
 * br_hmac_update(m, len) and br_hmac_out() give for (m0, len0) and (m1,
 * len1) (tests/unit/test_sha256_x2.c against BearSSL's portable code, every
 * length 0..2100 in pairs; fuzz/fuzz_hmac_x2.c). kc must have been processed
 * (br_hmac_key_init) for a SHA-256 class, as ttt_mac_key_init does.
 *
 * Under ttt_sha256_ni_vtable the two messages' blocks are compressed two at
 * a time (sha256_ni_x2.h): all of them when the lengths fall in the same
 * number of blocks, the common part otherwise, the rest of the longer one
 * alone. Under any other class (BearSSL's portable SHA-256, a CPU without
 * SHA-NI) it is two ordinary br_hmac computations, one after the other.
 *
 * The key's processed states are read from kc (BearSSL's inner and outer
 * hash states of the padded key); copies made here are wiped before return.
 * Timing: branches on the lengths only, as br_hmac does; the messages and
 * the key reach no branch and no address.
 */
#ifndef TTT_HMAC_X2_H
#define TTT_HMAC_X2_H

#include <stddef.h>
#include <stdint.h>
#include <bearssl_hmac.h>

#define TTT_HMAC_X2_LEN 32	/* HMAC-SHA256's output */

void ttt_hmac_x2(const br_hmac_key_context *kc, const void *m0, size_t len0,
    const void *m1, size_t len1, uint8_t out0[TTT_HMAC_X2_LEN],
    uint8_t out1[TTT_HMAC_X2_LEN]);

#endif

/*
 * Two independent SHA-256 streams compressed at once on the SHA extensions.
 *
 * Why: SHA256RNDS2 takes several cycles to give its result and each round
 * pair needs the one before, so one stream leaves the unit idle most of
 * the time; a second, independent stream fills those cycles. Two
 * frames' HMACs (hmac_x2.h) cost little more than one.
 *
 * The promise: after the call, s0 and s1 hold exactly what two calls of
 * ttt_sha256_ni_compress(s0, d0, nblocks) and (s1, d1, nblocks) would leave
 * (tests/unit/test_sha256_x2.c, fuzz/fuzz_hmac_x2.c). The two streams share
 * nothing but the round constants: d0 and d1 may be anywhere, s0 and s1
 * must not overlap.
 *
 * SHA-NI only, like ttt_sha256_ni_vtable: call it only where
 * ttt_cpu_has_sha_ni() is true, or the process dies of SIGILL.
 * Timing: no branch and no memory access depends on the data or the state.
 */
#ifndef TTT_SHA256_NI_X2_H
#define TTT_SHA256_NI_X2_H

#include <stddef.h>
#include <stdint.h>

#include "sha256_ni.h"

void ttt_sha256_ni_x2_compress(uint32_t s0[TTT_SHA256_STATE_WORDS],
    uint32_t s1[TTT_SHA256_STATE_WORDS], const unsigned char *d0, const unsigned char *d1,
    size_t nblocks);

#endif

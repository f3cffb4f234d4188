/*
 * Sender timestamps: strictly increasing, so that no two datagrams a sender
 * emits are byte-for-byte alike, even when the wall clock stalls or steps
 * back. Pure: the caller passes the clock.
 */
#ifndef TTT_STAMP_H
#define TTT_STAMP_H

#include <stdint.h>

struct ttt_stamper {
	int64_t last;
	int have_last;
};

void ttt_stamper_init(struct ttt_stamper *s);

/* max(now, last + 1); saturates at INT64_MAX rather than wrapping. */
int64_t ttt_stamp_next(struct ttt_stamper *s, int64_t now);

#endif

/*
 * The keepalive frame (see keepalive.h).
 */
#include <string.h>

#include "keepalive.h"
#include "wire.h"

_Static_assert(TTT_KEEPALIVE_LEN >= TTT_ETH_HLEN, "a tap refuses a shorter frame");

const uint8_t ttt_keepalive_frame[TTT_KEEPALIVE_LEN] = {
	0x01, 0x80, 0xc2, 0x00, 0x00, 0x01,	/* MAC Control group: never bridged */
	0x02, 0x74, 0x74, 0x74, 0x00, 0x00,	/* locally administered */
	TTT_KEEPALIVE_ETHERTYPE >> 8, TTT_KEEPALIVE_ETHERTYPE & 0xff,
	't', 'i', 'n', 'y', 't', 'a', 'p', 't', 'u', 'n', 'n', 'e', 'l', ' ',
	'k', 'e', 'e', 'p', 'a', 'l', 'i', 'v', 'e',
};

/* Not constant time: the frame is authenticated already and not secret. */
int
ttt_keepalive_is(const uint8_t *frame, size_t len)
{
	return len == TTT_KEEPALIVE_LEN &&
	    memcmp(frame, ttt_keepalive_frame, TTT_KEEPALIVE_LEN) == 0;
}

int
ttt_keepalive_due(int64_t now_ns, int64_t last_ns, int64_t interval_ns, int64_t *next_ns)
{
	/* A send since the timer was armed postpones it: only a quiet
	 * interval_ns asks for a keepalive (a clock before last_ns, which a
	 * monotonic clock never shows, reads as not due). */
	if (last_ns != 0 && now_ns - last_ns < interval_ns) {
		*next_ns = last_ns + interval_ns;
		return 0;
	}
	*next_ns = now_ns + interval_ns;
	return 1;
}

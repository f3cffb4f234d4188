/*
 * EVA driver: ttt_frame_decode on any datagram the socket can hand the
 * worker (any length up to the receive buffer, any bytes), under any key,
 * any clock reading and any limits the configuration allows.
 *
 * prove-sources: src/frame.c
 */
#include "__fc_builtin.h"
#include "frame.h"
#include "prove.h"

int
main(void)
{
	uint8_t buf[TTT_RECV_BUF];
	struct ttt_mac_key k;
	struct ttt_frame_limits lim;
	struct ttt_frame_view v;
	int64_t now = any_i64();
	size_t len;
	const uint8_t *dgram = any_input(buf, sizeof(buf), &len);

	Frama_C_make_unknown((char *)&k, sizeof(k));
	lim.window_ns = any_i64();
	lim.max_frame = Frama_C_size_t_interval(TTT_MIN_FRAME, TTT_MAX_FRAME);
	(void)ttt_frame_decode(&k, now, &lim, dgram, len, &v);
	Frama_C_show_each_reached();
	return 0;
}

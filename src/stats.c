/*
 * Counter names and the one-line report.
 */
#include <stdio.h>

#include "stats.h"

static const char *const stat_names[TTT_STAT_N] = {
	[TTT_STAT_TX_FRAMES] = "frames",
	[TTT_STAT_TX_BYTES] = "bytes",
	[TTT_STAT_TX_NOPEER] = "no-peer",
	[TTT_STAT_TX_LONG] = "long",
	[TTT_STAT_TX_TAP_ERR] = "tap-errors",
	[TTT_STAT_TX_SOCK_ERR] = "socket-errors",
	[TTT_STAT_TX_SEGMENTED] = "segmented",
	[TTT_STAT_TX_KEEPALIVE] = "keepalives",
	[TTT_STAT_TX_SPLIT] = "split",
	[TTT_STAT_TX_BAD_OFFLOAD] = "bad-offload",
	[TTT_STAT_TX_OFFLOAD_OFF] = "offload-refused",
	[TTT_STAT_RX_FRAMES] = "frames",
	[TTT_STAT_RX_BYTES] = "bytes",
	[TTT_STAT_RX_SHORT] = "short",
	[TTT_STAT_RX_LONG] = "long",
	[TTT_STAT_RX_BADMAC] = "badmac",
	[TTT_STAT_RX_STALE] = "stale",
	[TTT_STAT_RX_FUTURE] = "future",
	[TTT_STAT_RX_REPLAY] = "replay",
	[TTT_STAT_RX_REFLECTED] = "reflected",
	[TTT_STAT_RX_WRONG_PEER] = "wrong-peer",
	[TTT_STAT_RX_TAP_ERR] = "tap-errors",
	[TTT_STAT_RX_SOCK_ERR] = "socket-errors",
	[TTT_STAT_RX_COALESCED] = "coalesced",
	[TTT_STAT_RX_KEEPALIVE] = "keepalives",
	[TTT_STAT_RX_MERGED] = "merged",
	[TTT_STAT_RX_MERGED_UDP] = "merged-udp",
};

const char *
ttt_stat_name(enum ttt_stat s)
{
	return (unsigned)s < TTT_STAT_N ? stat_names[s] : "unknown";
}

void
ttt_stats_add(struct ttt_stats *to, const struct ttt_stats *from)
{
	for (unsigned i = 0; i < TTT_STAT_N; i++)
		to->v[i] = to->v[i] > UINT64_MAX - from->v[i] ? UINT64_MAX : to->v[i] + from->v[i];
}

size_t
ttt_stats_format(const struct ttt_stats *st, char *buf, size_t cap)
{
	size_t off = 0;
	int n;

	if (cap == 0)
		return 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < TTT_STAT_N && off < cap; i++) {
		const char *dir = i == TTT_STAT_TX_FRAMES ? "tx " :
		    i == TTT_STAT_RX_FRAMES ? " rx " : "";
		n = snprintf(buf + off, cap - off, "%s%s%s=%llu", dir,
		    (i == TTT_STAT_TX_FRAMES || i == TTT_STAT_RX_FRAMES) ? "" : " ",
		    stat_names[i], (unsigned long long)st->v[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return off < cap ? off : cap - 1;
}

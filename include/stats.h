/*
 * Per-direction counters of the worker: what it forwarded and why it refused.
 */
#ifndef TTT_STATS_H
#define TTT_STATS_H

#include <stddef.h>
#include <stdint.h>

enum ttt_stat {
	/* tap -> UDP */
	TTT_STAT_TX_FRAMES = 0,
	TTT_STAT_TX_BYTES,
	TTT_STAT_TX_NOPEER,	/* no peer known yet: frame dropped */
	TTT_STAT_TX_LONG,	/* a tap frame over the maximum */
	TTT_STAT_TX_TAP_ERR,
	TTT_STAT_TX_SOCK_ERR,
	TTT_STAT_TX_SEGMENTED,	/* of the frames, sent in one message with others (UDP GSO) */
	TTT_STAT_TX_KEEPALIVE,	/* keepalive frames sent (--keepalive); not in frames */
	TTT_STAT_TX_SPLIT,	/* super-frames from the tap, cut into frames (tso.h) */
	TTT_STAT_TX_BAD_OFFLOAD,	/* tap reads whose vnet header or headers tso.h refused */
	TTT_STAT_TX_OFFLOAD_OFF,	/* workers whose tap the kernel refused an offload (tap.h) */
	/* UDP -> tap */
	TTT_STAT_RX_FRAMES,
	TTT_STAT_RX_BYTES,
	TTT_STAT_RX_SHORT,
	TTT_STAT_RX_LONG,
	TTT_STAT_RX_BADMAC,
	TTT_STAT_RX_STALE,
	TTT_STAT_RX_FUTURE,
	TTT_STAT_RX_REPLAY,
	TTT_STAT_RX_REFLECTED,
	TTT_STAT_RX_WRONG_PEER,
	TTT_STAT_RX_TAP_ERR,
	TTT_STAT_RX_SOCK_ERR,
	TTT_STAT_RX_COALESCED,	/* datagrams received in one message with others (UDP GRO) */
	TTT_STAT_RX_KEEPALIVE,	/* authenticated keepalives: counted, never written to the tap */
	TTT_STAT_RX_MERGED,	/* of the frames, written to the tap in one super-frame with others (coalesce.h) */
	TTT_STAT_RX_MERGED_UDP,	/* of those, UDP datagrams (the tap's USO) */
	TTT_STAT_N
};

struct ttt_stats {
	uint64_t v[TTT_STAT_N];
};

/*
 * What a worker answers TTT_IPC_STATS_REQ with: its counters, and when its
 * data path last moved, on CLOCK_MONOTONIC (one clock for every process on
 * the host). Untrusted in the parent: ipc.c refuses a negative time, a flag
 * other than 0 or 1, a reserved word other than 0; the parent refuses a
 * time before the worker was started or after now (status.c).
 */
struct ttt_worker_report {
	struct ttt_stats counters;
	int64_t last_rx_ns;	/* the last authenticated frame received (keepalives too); 0: none yet */
	int64_t last_tx_ns;	/* the last datagram sent to the peer; 0: none yet */
	uint32_t key_confirmed;	/* 1: a frame under the newest key it holds has arrived */
	uint32_t reserved;	/* 0 */
};

const char *ttt_stat_name(enum ttt_stat s);

/* to += from, each counter saturating (a worker's numbers are not trusted). */
void ttt_stats_add(struct ttt_stats *to, const struct ttt_stats *from);

/* "tx frames=1 bytes=98 ... rx ..." on one line; returns the length written. */
size_t ttt_stats_format(const struct ttt_stats *st, char *buf, size_t cap);

#endif

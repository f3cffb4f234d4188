#!/usr/bin/env bash
# Freshness: authentic frames stamped more than 3 s in the past (stale) or the
# future (future) are refused and counted, never delivered; frames inside the
# window are delivered once; timestamps at the ends of the int64 range are
# refused without overflow; a fresh authentic frame from anywhere but the
# configured peer is refused as wrong-peer.
#
# ttt_forge builds each datagram with the project's own codec and key, and
# sends it from A's address and port (A's daemon is stopped to free them).
. "$(dirname "$0")/lib.sh"
need_root

need_tool FORGE ttt_forge

# ---- set-up ----
log "fixed peers; A's daemon stopped so its address and port send forged frames"
two_peers fixed
ip netns exec "$NS_B" sysctl -qw net.ipv6.conf.ttt0.disable_ipv6=1
check "A pings B" ping_ok "$NS_A" 10.99.0.2 2
# "2 s ago" must mean only that: B's worker older than the window.
forge_at_b 3

log "the freshness window (3 s either way)"
expect_deltas "stamped now: delivered" "frames=1" forge -t 0 -M fresh-now
expect_deltas "stamped 4 s ago: refused as stale" "stale=1" forge -t -4000 -M stale-4s
expect_deltas "stamped 4 s ahead: refused as future" "future=1" forge -t 4000 -M future-4s
expect_deltas "stamped 2 s ago: inside the window, delivered" "frames=1" forge -t -2000 -M inside-2s-ago
expect_deltas "stamped 2 s ahead: inside the window, delivered" "frames=1" forge -t 2000 -M inside-2s-ahead
expect_deltas "stamped 1 h ago: refused as stale" "stale=1" forge -t -3600000 -M stale-1h
expect_deltas "stamped 1 h ahead: refused as future" "future=1" forge -t 3600000 -M future-1h
expect_deltas "5 frames stamped 4 s ago: 5 stale" "stale=5" forge -n 5 -t -4000 -M stale-x5

log "the largest frame"
expect_deltas "authentic, 1472 bytes (the largest datagram): delivered" "frames=1" \
	forge -m long -l 1472 -M max-size
expect_deltas "authentic, 1473 bytes (one over): long" "long=1" forge -m long -l 1473 -M one-over

log "timestamps at the ends of the int64 range (no overflow in the window check)"
expect_deltas "timestamp INT64_MIN: stale" "stale=1" forge -T -9223372036854775808 -M ts-min
expect_deltas "timestamp -1: stale" "stale=1" forge -T -1 -M ts-minus1
expect_deltas "timestamp 0 (1970): stale" "stale=1" forge -T 0 -M ts-zero
expect_deltas "timestamp INT64_MAX (2262): future" "future=1" forge -T 9223372036854775807 -M ts-max

log "a fresh authentic frame from elsewhere than the configured peer"
expect_deltas "from A's address, another port: wrong-peer" "wrong-peer=1" \
	ip netns exec "$NS_A" "$FORGE" -k "$KEY" -s 192.0.2.1:9005 -M wrong-port 192.0.2.2:9002

sleep 0.3
cap_stop tap
for m in max-size fresh-now inside-2s-ago inside-2s-ahead; do
	c=$(marker_count tap "$m")
	check "B's tap got the '$m' frame exactly once ($c)" test "$c" -eq 1
done
for m in one-over stale-4s future-4s stale-1h future-1h stale-x5 ts-min ts-minus1 ts-zero ts-max wrong-port; do
	c=$(marker_count tap "$m")
	check "B's tap never got a '$m' frame ($c)" test "$c" -eq 0
done
check "B's daemon is still running" alive "$PID_B"

finish

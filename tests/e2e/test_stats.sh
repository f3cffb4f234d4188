#!/usr/bin/env bash
# Counters against real traffic: SIGUSR1 logs one line whose numbers follow
# what was sent, across a worker's death too; --stats-interval logs it by itself.
. "$(dirname "$0")/lib.sh"
need_root

TTT_OPTS_B="--stats-interval 1" two_peers fixed
check "A pings B (both past their start-up window)" ping_ok "$NS_A" 10.99.0.2 1
read_counters "$PID_A" a
BASE_A=$CNT
tx0=$(tx frames)
check "counters line has every field" sh -c 'for k in frames bytes no-peer long short badmac stale future replay reflected wrong-peer tap-errors socket-errors; do printf "%s" "$1" | grep -q " $k=" || exit 1; done' _ "$CNT"

ip netns exec "$NS_A" ping -c 20 -i 0.05 -W 2 -q 10.99.0.2 >/dev/null
read_counters "$PID_A" a
tx1=$(tx frames)
rx1=$(rx frames)
txb=$(tx bytes)
check "tx frames grew by at least the 20 echo requests ($tx0 -> $tx1)" test $((tx1 - tx0)) -ge 20
check "rx frames counted at least the 20 replies ($rx1)" test "$rx1" -ge 20
check "tx bytes at least 20 frames of 98 bytes ($txb)" test "$txb" -ge $((20 * 98))
check "no refusals on a clean tunnel" no_refusals_since "$BASE_A"
log "counters outlive a worker: kill -9 it, the totals go on"
sleep 1.2	# at least one of the parent's once-a-second polls
W=$(worker_pid "$PID_A")
kill -KILL "$W"
check "a new worker starts" wait_for 5 sh -c \
	'[ "$(awk "/sandboxed/ { n++ } END { print n + 0 }" "$1")" -ge 2 ]' _ "$T_DIR/a.log"
ip netns exec "$NS_A" ping -c 5 -i 0.05 -W 2 -q 10.99.0.2 >/dev/null
read_counters "$PID_A" a
check "tx frames still count the first worker's, plus 5 ($tx1 -> $(tx frames))" \
	test "$(tx frames)" -ge $((tx1 + 5))

read_counters "$PID_B" b
check "B counted the 20 requests received" test "$(rx frames)" -ge 20
check "--stats-interval 1 logged by itself at least twice" wait_for 5 \
	sh -c '[ "$(awk "/counters:/ { n++ } END { print n + 0 }" "$1")" -ge 3 ]' _ "$T_DIR/b.log"
finish

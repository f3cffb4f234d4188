#!/usr/bin/env bash
# Deep reordering, still exact. A relay (tests/tools/ttt_reorder) in a router
# namespace R between A and B holds back one datagram in N until P later
# ones went its way (or M ms passed) and can send one in D twice. Through it:
#   - a UDP flood from A to B, reordered by more than 256 positions (the
#     ring's depth; the relay counts those it released that late) but less
#     than the grid's 16256: B refuses none of it;
#   - a slow UDP stream (~1000 datagrams a second), one in 20 held back
#     400 ms, ~400 positions: deeper than the ring, and than the old grid's
#     ~25 ms of clock, within the grid's depth in frames: B refuses none;
#   - the same with duplicates: B refuses exactly the copies, as replays,
#     and so does A for what it receives;
#   - TCP through the relay, in order and reordering: the throughput is
#     logged (a measurement, not an assertion), with B's replay refusals.
. "$(dirname "$0")/lib.sh"
need_root
need_tool RELAY ttt_reorder

HOLD_MS=10	# at ~30k datagrams a second, ~300 positions: under the grid's 16256
TCP_SECONDS=${TTT_REORDER_TCP_SECONDS:-5}
FLOOD_RATE=300M	# ~30k datagrams a second: 600 positions in ~20 ms
SLOW_RATE=9600K	# 1000 datagrams of 1200 bytes a second
SLOW_HOLD_MS=400	# ~400 positions at that rate

NS_A=$(netns a)
NS_R=$(netns r)
NS_B=$(netns b)
veth_pair "$NS_A" "$NS_R" 10.0.0.2/24 10.0.0.1/24 ula
veth_pair "$NS_R" "$NS_B" 192.0.2.1/24 192.0.2.2/24 ulb
KEY="$T_DIR/key"
keyfile "$KEY"
# Each peer's peer is the relay's side facing it.
start_ttt "$NS_A" a -i ttt0 "$KEY" :9001 10.0.0.1:9002
PID_A=$TTT_PID
start_ttt "$NS_B" b -i ttt0 "$KEY" :9002 192.0.2.1:9003
PID_B=$TTT_PID
tap_up "$NS_A" ttt0 10.99.0.1/24
tap_up "$NS_B" ttt0 10.99.0.2/24
wait_log a sandboxed && wait_log b sandboxed
quiet_taps

RELAY_N=0
# relay_start OPTIONS...: a new relay in R (the last one stopped); sets RELAY_PID, RELAY_LOG.
relay_start() {
	[ -z "${RELAY_PID:-}" ] || stop_pid TERM "$RELAY_PID" || :
	RELAY_N=$((RELAY_N + 1))
	RELAY_LOG="$T_DIR/relay$RELAY_N.log"
	ip netns exec "$NS_R" "$RELAY" "$@" 10.0.0.1:9002 192.0.2.1:9003 192.0.2.2:9002 \
		> "$RELAY_LOG" 2>&1 &
	RELAY_PID=$!
	T_PIDS+=("$RELAY_PID")
	wait_for 5 grep -q "relaying" "$RELAY_LOG"
}
# relay_counts: SIGUSR1 the relay, wait for its report; sets A2B and B2A (its lines).
relay_counts() {
	local n
	n=$(count_lines 'reorder: a2b' "$RELAY_LOG")
	kill -USR1 "$RELAY_PID" || return 1
	wait_for 5 more_lines 'reorder: a2b' "$RELAY_LOG" "$n" || return 1
	A2B=$(grep 'reorder: a2b' "$RELAY_LOG" | tail -n 1)
	B2A=$(grep 'reorder: b2a' "$RELAY_LOG" | tail -n 1)
}
# field LINE KEY: one number of a relay line.
field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
# replays PID LOGNAME: that peer's rx replay counter into REPLAYS (CNT: its counters).
replays() {
	read_counters "$1" "$2" || return 1
	REPLAYS=$(rx replay)
}
listening() {
	ip netns exec "$NS_B" ss -Hltn "sport = :5201" | grep -q .
}
# iperf NAME CLIENT-OPTIONS...: one iperf3 run from A to B's tap address; output in $T_DIR/NAME.iperf.
iperf() {
	local name=$1; shift
	ip netns exec "$NS_B" timeout 60 iperf3 -s -1 -B 10.99.0.2 -p 5201 \
		> "$T_DIR/$name-server.iperf" 2>&1 &
	T_PIDS+=("$!")
	wait_for 10 listening || return 1
	ip netns exec "$NS_A" timeout 60 iperf3 -c 10.99.0.2 -p 5201 -f m "$@" \
		> "$T_DIR/$name.iperf" 2>&1
}
# rate NAME: the receiver's Mbit/s of that run.
rate() {
	awk '/receiver/ { r = $(NF - 2) } END { print r }' "$T_DIR/$1.iperf"
}

log "a relay that only relays"
check "the relay starts in R" relay_start
check "A pings B through the relay" ping_ok "$NS_A" 10.99.0.2 3

log "a UDP flood, one datagram in 40 held back for 600 later ones or $HOLD_MS ms"
check "the relay restarts, reordering" relay_start -n 40 -p 600 -m "$HOLD_MS" -r 256
replays "$PID_B" b; b0=$REPLAYS
check "A floods B with UDP through it" iperf flood -u -b "$FLOOD_RATE" -l 1200 -t 3
check "the relay reports" relay_counts
log "relay: $A2B"
fresh=$(field "$A2B" deep-fresh)
late=$(field "$A2B" late)
check "the relay held back datagrams past 256 later ones, within the grid's depth ($fresh)" \
	test "${fresh:-0}" -ge 10
replays "$PID_B" b; b1=$REPLAYS
log "B: $CNT"
# A refusal needs a position more than the grid's depth back, so only
# datagrams the relay counted late can be refused.
check "B refused only datagrams the relay sent late ($((b1 - b0)) <= $late)" \
	test "$((b1 - b0))" -le "${late:-0}"

log "a slow UDP stream, one datagram in 20 held back $SLOW_HOLD_MS ms (~400 positions)"
check "the relay restarts, holding back by time" \
	relay_start -n 20 -p 100000 -m "$SLOW_HOLD_MS" -r 256
replays "$PID_B" b; b0=$REPLAYS
check "A sends B a slow UDP stream through it" iperf slow -u -b "$SLOW_RATE" -l 1200 -t 3
check "the relay reports" relay_counts
log "relay: $A2B"
fresh=$(field "$A2B" deep-fresh)
check "the relay held back datagrams past 256 later ones ($fresh)" test "${fresh:-0}" -ge 10
check "none past the grid's depth ($(field "$A2B" late))" test "$(field "$A2B" late)" -eq 0
replays "$PID_B" b; b1=$REPLAYS
log "B: $CNT"
check "B refused none of the slow stream as replays ($((b1 - b0)))" test "$((b1 - b0))" -eq 0

log "the same, and one datagram in 7 sent twice, at a pace no buffer drops"
check "the relay restarts, reordering and duplicating" \
	relay_start -n 40 -p 600 -m "$HOLD_MS" -d 7 -r 256
replays "$PID_B" b; b0=$REPLAYS
replays "$PID_A" a; a0=$REPLAYS
check "A sends B UDP through it" iperf dup -u -b 10M -l 1200 -t 2
check "the relay reports" relay_counts
log "relay: $A2B"
log "relay: $B2A"
replays "$PID_B" b; b1=$REPLAYS
replays "$PID_A" a; a1=$REPLAYS
check "B refused exactly the $(field "$A2B" dup) copies ($((b1 - b0)))" \
	test "$((b1 - b0))" -eq "$(field "$A2B" dup)" -a "$(field "$A2B" dup)" -gt 0
check "A refused exactly the $(field "$B2A" dup) copies ($((a1 - a0)))" \
	test "$((a1 - a0))" -eq "$(field "$B2A" dup)"

log "TCP through the relay, first only relaying, then reordering, $TCP_SECONDS s each (a measurement)"
check "the relay restarts, only relaying" relay_start
check "a TCP transfer A -> B completes" iperf plain -t "$TCP_SECONDS"
log "TCP A -> B, in order: $(rate plain) Mbit/s"
check "the relay restarts, reordering" relay_start -n 100 -p 1000 -m "$HOLD_MS" -r 256
replays "$PID_B" b; b0=$REPLAYS
check "a TCP transfer A -> B completes" iperf tcp -t "$TCP_SECONDS"
relay_counts || :
replays "$PID_B" b; b1=$REPLAYS
log "TCP A -> B: $(rate tcp) Mbit/s; B refused $((b1 - b0)) as replays; relay: $A2B"

finish

#!/usr/bin/env bash
# At most once across a worker respawn and a daemon restart (audit M2): a
# frame stamped ahead of B's clock, inside B's window, that B delivered is
# refused when it is sent again to B's next worker (after a kill -9) and to B
# restarted; in discovery mode such a replay after a restart neither delivers
# nor moves the peer. Then measured: how long the tunnel carries nothing
# after a kill -9 of the worker, and after a restart (SECURITY.md states both).
#
# The frames come from ttt_forge with an explicit stamp (-T): the same stamp
# and marker make the same datagram, byte for byte, which is what a recorder
# on the path would send again. A "peer ahead of us" is a stamp ahead of our
# clock; no clock is stepped.
. "$(dirname "$0")/lib.sh"
need_root
need_tool FORGE ttt_forge

WIN_MS=6000	# B's window: room for the stamps 5 s ahead below
now_ns() { date +%s%N; }
b_args() {	# B's command line: fixed (A) or discovery
	printf '%s\n' --mac "$TTT_MAC_B" --window-ms "$WIN_MS" -i ttt0 "$KEY" :9002
	[ "$1" = discover ] || printf '%s\n' 192.0.2.1:9001
}
# restart_b MODE: stop B's daemon, start it again as it was; wait until sandboxed.
restart_b() {
	local args
	mapfile -t args < <(b_args "$1")
	stop_ttt "$PID_B"
	start_ttt "$NS_B" b "${args[@]}"
	PID_B=$TTT_PID
	tap_up "$NS_B" ttt0 10.99.0.2/24 && wait_log b "sandboxed"
}
sandboxed_at_least() { [ "$(count_lines "is sandboxed" "$T_DIR/b.log")" -ge "$1" ]; }

# ---- fixed peers: one datagram, three receivers ----
log "fixed peers: a frame stamped 5 s ahead, sent to B, to B's next worker, to B restarted"
TTT_OPTS_B="--window-ms $WIN_MS" two_peers fixed
stop_ttt "$PID_A"	# its address and port send the forged frames
W=$(worker_pid "$PID_B" || true)
check "B's first worker is past its start-up window ($((WIN_MS / 1000)) s)" \
	wait_for 20 sh -c '[ "$(ps -o etimes= -p "$1")" -gt "$2" ]' _ "$W" $((WIN_MS / 1000 + 1))
check "B answers SIGUSR1 with its counters" snap
TS=$(( $(now_ns) + 5000000000 ))
expect_deltas "stamped 5 s ahead: delivered" "frames=1" forge -T "$TS" -M ahead

kill -KILL "$W"
check "B's parent started a new worker" wait_for 10 sandboxed_at_least 2
expect_deltas "the same datagram, to B's next worker: refused (replay)" "replay=1" \
	forge -T "$TS" -M ahead

restart_b fixed
check "B restarted within the 5 s the stamp is ahead ($(( (TS - $(now_ns)) / 1000000 )) ms left)" \
	test "$(now_ns)" -lt "$TS"
check "B answers SIGUSR1 with its counters" snap
expect_deltas "the same datagram, to B restarted: refused (replay)" "replay=1" \
	forge -T "$TS" -M ahead
stop_ttt "$PID_B"

# ---- discovery: a replay after a restart does not move the peer ----
log "discovery on B: a frame B took from A, sent again from C after B restarts"
TTT_OPTS_B="--window-ms $WIN_MS" two_peers discover
add_c
check "A pings B (B learns A)" wait_for 20 ping_ok "$NS_A" 10.99.0.2 1
check "B learnt 192.0.2.1:9001" wait_log b "peer is now 192.0.2.1:9001" 5
stop_ttt "$PID_A"
check "B answers SIGUSR1 with its counters" snap
TS=$(( $(now_ns) + 5000000000 ))
expect_deltas "stamped 5 s ahead, from A: delivered" "frames=1" forge -T "$TS" -M disc
restart_b discover
check "B restarted within the 5 s the stamp is ahead" test "$(now_ns)" -lt "$TS"
check "B answers SIGUSR1 with its counters" snap
expect_deltas "the same datagram from C (198.51.100.3:9001), to B restarted: refused" "replay=1" \
	ip netns exec "$NS_C" "$FORGE" -k "$KEY" -s 198.51.100.3:9001 -T "$TS" -M disc \
	198.51.100.2:9002
check_not "B restarted did not take C as its peer" grep -q "peer is now 198.51.100.3" "$T_DIR/b.log"
stop_ttt "$PID_B"

# ---- what a fault costs: the time nothing crosses ----
# outage COMMAND...: run it, then ping A -> B every 0.1 s until one answer;
# sets OUT_MS, the time from the command's end to that answer.
outage() {
	local t0
	"$@" || return 1
	t0=$(now_ns)
	wait_for 20 ip netns exec "$NS_A" ping -c 1 -W 0.1 -q 10.99.0.2 || return 1
	OUT_MS=$(( ($(now_ns) - t0) / 1000000 ))
}
kill_worker() { kill -KILL "$(worker_pid "$PID_B")"; }
restart_default() {
	stop_ttt "$PID_B"
	start_ttt "$NS_B" b --mac "$TTT_MAC_B" -i ttt0 "$KEY" :9002 192.0.2.1:9001
	PID_B=$TTT_PID
	tap_up "$NS_B" ttt0 10.99.0.2/24 && quiet_taps
}
log "default window (3 s): the outage of a kill -9 of B's worker, and of a restart of B"
two_peers fixed
quiet_taps
check "A pings B" wait_for 20 ping_ok "$NS_A" 10.99.0.2 1
check "B's worker has run 5 s (healthy: replaced at once)" \
	wait_for 20 sh -c '[ "$(ps -o etimes= -p "$1")" -gt 5 ]' _ "$(worker_pid "$PID_B")"
OUT_MS=-1
check "A reaches B again after a kill -9 of B's worker" outage kill_worker
log "outage after a kill -9 of the worker: $OUT_MS ms"
check "under 2 s, a tenth of a fault every 20 s ($OUT_MS ms)" test "$OUT_MS" -ge 0 -a "$OUT_MS" -lt 2000
OUT_MS=-1
check "A reaches B again after B restarts" outage restart_default
log "outage after a restart (from the new daemon's start): $OUT_MS ms"
check "at most the window and 1.5 s ($OUT_MS ms)" test "$OUT_MS" -ge 0 -a "$OUT_MS" -lt 4500

finish

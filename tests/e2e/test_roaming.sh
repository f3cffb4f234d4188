#!/usr/bin/env bash
# Roaming: with discovery, B follows A when A comes back from another source
# port, and again from another address, on A's first authenticated, fresh,
# newest frame; B's traffic then goes to the new place at once. A's old
# datagrams, replayed from the old place, do not take B back there.
. "$(dirname "$0")/lib.sh"
need_root

need_tool UDPSEND ttt_udpsend

# restart_a LOGNAME LOCAL: a new A from LOCAL, same key, same peer; sets
# PID_A. Returns once A takes B's frames: a daemon refuses every frame for a
# window (3 s) after it starts (SECURITY.md), so B's answer to A's first
# ping would be refused before then.
restart_a() {
	stop_ttt "$PID_A"
	wait_for 10 sh -c '! ip -n "$1" link show ttt0' _ "$NS_A" || return 1
	start_ttt "$NS_A" "$1" -i ttt0 "$KEY" "$2" 192.0.2.2:9002
	PID_A=$TTT_PID
	tap_up "$NS_A" ttt0 10.99.0.1/24 && wait_log "$1" sandboxed &&
		wait_for 15 sh -c '[ "$(ps -o etimes= -p "$1")" -gt 3 ]' _ "$(worker_pid "$PID_A")"
}
# peer_moves N: B logged exactly N peer changes.
peer_moves() {
	test "$(count_lines 'peer is now' "$T_DIR/b.log")" -eq "$1"
}
# ping1 NS ADDR: one ping, answered.
ping1() {
	ip netns exec "$1" ping -c 1 -W 2 -q "$2" > /dev/null 2>&1
}

log "discovery on B; A at 192.0.2.1:9001"
two_peers discover
check "A pings B (B learns A)" ping_ok "$NS_A" 10.99.0.2 2
check "B logged peer 192.0.2.1:9001" wait_log b "peer is now 192.0.2.1:9001" 5
check "B pings A" ping_ok "$NS_B" 10.99.0.1 2

# A's datagrams from the old place, for the replay at the end.
check "capture started" cap_start old "$NS_B" ul0 'udp and src host 192.0.2.1 and src port 9001'
check "A pings B once more" ping_ok "$NS_A" 10.99.0.2 3
cap_stop old

log "A comes back from another port: 192.0.2.1:9003"
check "A restarted on :9003" restart_a a2 :9003
check "A pings B from the new port (one ping)" ping1 "$NS_A" 10.99.0.2
check "B logged peer 192.0.2.1:9003" wait_log b "peer is now 192.0.2.1:9003" 5
check "B pings A at once (B's traffic follows)" ping_ok "$NS_B" 10.99.0.1 3
check "A pings B" ping_ok "$NS_A" 10.99.0.2 3
check "B moved exactly twice so far" peer_moves 2

log "A's old datagrams, replayed from its old address and port, do not take B back"
out=$(ip netns exec "$NS_A" "$UDPSEND" -s "$T_DIR/old.pcap" 192.0.2.1:9001 192.0.2.2:9002) || true
check "re-sent the old datagrams ($out)" sh -c '[ "$(printf "%s" "$1" | awk "{ print \$2 }")" -gt 0 ]' _ "$out"
sleep 0.5
check "B stayed with 192.0.2.1:9003" peer_moves 2
check "B pings A after the replay" ping_ok "$NS_B" 10.99.0.1 3

log "A moves to another address: 192.0.2.11:9001"
ip -n "$NS_A" addr add 192.0.2.11/24 dev ul0
check "A restarted on 192.0.2.11:9001" restart_a a3 192.0.2.11:9001
check "A pings B from the new address (one ping)" ping1 "$NS_A" 10.99.0.2
check "B logged peer 192.0.2.11:9001" wait_log b "peer is now 192.0.2.11:9001" 5
check "B pings A at once" ping_ok "$NS_B" 10.99.0.1 3
check "A pings B" ping_ok "$NS_A" 10.99.0.2 3
check "B moved exactly three times" peer_moves 3
check "B's worker never restarted" \
	test "$(count_lines 'is sandboxed' "$T_DIR/b.log")" -eq 1

finish

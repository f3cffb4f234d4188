#!/usr/bin/env bash
# Replays: the tunnel's own datagrams, captured on the underlay and sent again
# unchanged, are never delivered a second time: not from the real sender's
# address and port, not from a third host. With discovery, a replay from a
# third host does not move the peer.
#
# B runs with a 15 s freshness window: what is under test is the replay filter,
# and a long window keeps every replay fresh (a replay then has only the filter
# to stop it) however slow the shared machine is between capture and re-send.
# A daemon refuses every frame for a window after it starts (SECURITY.md):
# the first pings wait that long.
. "$(dirname "$0")/lib.sh"
need_root

need_tool UDPSEND ttt_udpsend
WINDOW_OPTS="--window-ms 15000"

# ---- helpers ----

# resend PCAP NS LOCAL DEST: play the captured A->B payloads back; sets SENT.
resend() {
	local out
	out=$(ip netns exec "$2" "$UDPSEND" -s -p 9002 "$T_DIR/$1.pcap" "$3" "$4") || return 1
	SENT=$(printf '%s\n' "$out" | awk '/^sent/ { print $2 }')
	[ -n "$SENT" ] && [ "$SENT" -gt 0 ]
}

ECHO_REQ='icmp[icmptype] == icmp-echo'
A_TO_B='udp and src host 192.0.2.1 and src port 9001 and dst port 9002'

# ---- fixed peers ----
log "fixed peers: replay from A's own address and port, and from a third host"
TTT_OPTS_B="$WINDOW_OPTS" two_peers fixed
add_c
quiet_taps
check "A pings B before the capture, once B's start-up window is over" \
	wait_for 25 ping_ok "$NS_A" 10.99.0.2 2

cap_start ul1 "$NS_B" ul0 "$A_TO_B"
cap_start tap1 "$NS_B" ttt0 -Q in "$ECHO_REQ"
check "A pings B 3 times during the capture" ping_ok "$NS_A" 10.99.0.2 3
cap_stop ul1
N=$(cap_count ul1)
check "captured A's datagrams on the underlay ($N)" test "$N" -ge 3

# A's socket must be free to send from its own address and port.
stop_ttt "$PID_A"
check "B answers SIGUSR1 with its counters" read_counters "$PID_B" b
R0=$(rx replay) F0=$(rx frames)

check "re-sent every captured datagram from 192.0.2.1:9001" \
	resend ul1 "$NS_A" 192.0.2.1:9001 192.0.2.2:9002
SENT_A=${SENT:-0}
check "sent as many as were captured ($SENT_A = $N)" test "$SENT_A" -eq "$N"
sleep 0.5
read_counters "$PID_B" b || failc "B answers SIGUSR1 with its counters"
R1=$(rx replay) F1=$(rx frames) W1=$(rx wrong-peer)
check "replay counter grew by the number re-sent ($R0 -> $R1, +$SENT_A)" \
	test "$R1" -eq $((R0 + SENT_A))
check "rx frames did not grow ($F0 -> $F1)" test "$F1" -eq "$F0"

check "re-sent every captured datagram from C (198.51.100.3:9001)" \
	resend ul1 "$NS_C" 198.51.100.3:9001 198.51.100.2:9002
SENT_C=${SENT:-0}
sleep 0.5
read_counters "$PID_B" b || failc "B answers SIGUSR1 with its counters"
R2=$(rx replay) F2=$(rx frames) W2=$(rx wrong-peer)
check "a fixed peer counts C's copies as wrong-peer (+$SENT_C: $W1 -> $W2)" \
	test "$W2" -eq $((W1 + SENT_C))
check "rx frames still did not grow ($F1 -> $F2)" test "$F2" -eq "$F1"
check "replay counter unchanged by C's copies ($R1 -> $R2)" test "$R2" -eq "$R1"

cap_stop tap1
E=$(cap_count tap1 "$ECHO_REQ")
check "B's tap saw each echo request once: 3, not more ($E)" test "$E" -eq 3
stop_ttt "$PID_B"

# ---- discovery ----
log "discovery on B: replay from a third host neither delivers nor moves the peer"
TTT_OPTS_B="$WINDOW_OPTS" two_peers discover
add_c
quiet_taps
check "A pings B (B learns A), once B's start-up window is over" \
	wait_for 25 ping_ok "$NS_A" 10.99.0.2 2
check "B learnt 192.0.2.1:9001" wait_log b "peer is now 192.0.2.1:9001" 5

cap_start ul2 "$NS_B" ul0 "$A_TO_B"
cap_start tap2 "$NS_B" ttt0 -Q in "$ECHO_REQ"
check "A pings B 3 times during the capture" ping_ok "$NS_A" 10.99.0.2 3
cap_stop ul2
N=$(cap_count ul2)
check "captured A's datagrams on the underlay ($N)" test "$N" -ge 3

read_counters "$PID_B" b || failc "B answers SIGUSR1 with its counters"
R0=$(rx replay) F0=$(rx frames)
check "re-sent every captured datagram from C (198.51.100.3:9001)" \
	resend ul2 "$NS_C" 198.51.100.3:9001 198.51.100.2:9002
SENT_C=${SENT:-0}
sleep 0.5
read_counters "$PID_B" b || failc "B answers SIGUSR1 with its counters"
R1=$(rx replay) F1=$(rx frames)
check "replay counter grew by the number re-sent ($R0 -> $R1, +$SENT_C)" \
	test "$R1" -eq $((R0 + SENT_C))
check "rx frames did not grow ($F0 -> $F1)" test "$F1" -eq "$F0"
check_not "B did not move its peer to C" grep -q "peer is now 198.51.100.3" "$T_DIR/b.log"
check "B logged exactly one peer change" \
	test "$(grep -c 'peer is now' "$T_DIR/b.log")" -eq 1

# B -> A first: had the peer moved to C, B's frames would go there.
check "B pings A after the replay" ping_ok "$NS_B" 10.99.0.1 3
check "A pings B after the replay" ping_ok "$NS_A" 10.99.0.2 3
cap_stop tap2
E=$(cap_count tap2 "$ECHO_REQ")
check "B's tap saw 3 + 3 echo requests from A, no replayed one ($E)" test "$E" -eq 6

# "At most once" must survive the parent restarting a worker that died (a
# crash is the likeliest way an attacker gets a restart): the new worker must
# not take frames it cannot tell apart from ones its predecessor delivered.
log "discovery on B: replay from a third host right after B's worker is restarted"
cap_start ul3 "$NS_B" ul0 "$A_TO_B"
check "A pings B 3 times during the capture" ping_ok "$NS_A" 10.99.0.2 3
cap_stop ul3
cap_start tap3 "$NS_B" ttt0 -Q in "$ECHO_REQ"
W=$(worker_pid "$PID_B" || true)
check "B has a worker ($W)" test -n "$W"
[ -z "$W" ] || kill -KILL "$W"
check "B's parent started a new worker" \
	wait_for 10 sh -c '[ "$(grep -c "is sandboxed" "$1")" -ge 2 ]' _ "$T_DIR/b.log"
W2=$(worker_pid "$PID_B" || true)
check "it is a different process ($W -> $W2)" test -n "$W2" -a "$W2" != "$W"
read_counters "$PID_B" b || failc "B answers SIGUSR1 with its counters"
R0=$(rx replay) S0=$(rx stale) F0=$(rx frames)
check "re-sent every captured datagram from C (198.51.100.3:9001)" \
	resend ul3 "$NS_C" 198.51.100.3:9001 198.51.100.2:9002
SENT_C=${SENT:-0}
sleep 0.5
read_counters "$PID_B" b || failc "B answers SIGUSR1 with its counters"
R1=$(rx replay) S1=$(rx stale) F1=$(rx frames)
check "new worker: all $SENT_C refused and counted (replay $R0 -> $R1, stale $S0 -> $S1)" \
	test $((R1 - R0 + S1 - S0)) -eq "$SENT_C"
check "new worker: rx frames did not grow ($F0 -> $F1)" test "$F1" -eq "$F0"
cap_stop tap3
E=$(cap_count tap3 "$ECHO_REQ")
check "new worker: no replayed echo request reached B's tap ($E)" test "$E" -eq 0
check_not "new worker: B did not move its peer to C" grep -q "peer is now 198.51.100.3" "$T_DIR/b.log"
check "B pings A after the restart and the replay" ping_ok "$NS_B" 10.99.0.1 3

finish

#!/usr/bin/env bash
# Replays: the tunnel's own datagrams, captured on the underlay and sent again
# unchanged, are never delivered a second time: not from the real sender's
# address and port, not from a third host. With discovery, a replay from a
# third host does not move the peer.
#
# B runs with a 15 s freshness window: what is under test is the replay filter,
# and a long window keeps every replay fresh (a replay then has only the filter
# to stop it) however slow the shared machine is between capture and re-send.
. "$(dirname "$0")/lib.sh"
need_root

UDPSEND="$TTT_TOOLS/ttt_udpsend"
[ -x "$UDPSEND" ] || { echo "$T_NAME: $UDPSEND missing; make BUILD=$BUILD $BUILD/tools/ttt_udpsend" >&2; exit 1; }
WINDOW_OPTS="--window-ms 15000"

# ---- helpers ----

# alive PID: running, not a zombie waiting to be reaped.
alive() {
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[ -n "$s" ] && [ "${s#Z}" = "$s" ]
}
not_alive() { ! alive "$1"; }

# stop_ttt PID: SIGTERM a daemon we started and reap it, bounded.
stop_ttt() {
	kill -TERM "$1" 2>/dev/null || true
	wait_for 10 not_alive "$1" || kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# read_counters PID LOGNAME: SIGUSR1, wait for the new "counters:" line; sets CNT.
read_counters() {
	local log="$T_DIR/$2.log" n
	n=$(grep -c 'counters: ' "$log" || true)
	kill -USR1 "$1" 2>/dev/null || return 1
	wait_for 10 sh -c '[ "$(grep -c "counters: " "$1")" -gt "$2" ]' _ "$log" "$n" || return 1
	CNT=$(grep 'counters: ' "$log" | tail -n 1)
}
# rx FIELD: one receive counter of CNT (frames, replay, wrong-peer, ...).
rx() {
	printf '%s\n' "${CNT#* rx }" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# cap_start NAME NS IFACE FILTER...: tcpdump into $T_DIR/NAME.pcap until cap_stop.
declare -A CAP_PID
cap_start() {
	local name=$1 ns=$2 ifc=$3; shift 3
	ip netns exec "$ns" timeout 50 tcpdump -Z root -U --immediate-mode -n -i "$ifc" -w "$T_DIR/$name.pcap" "$@" \
		2> "$T_DIR/$name.tcpdump" &
	CAP_PID[$name]=$!
	T_PIDS+=("$!")
	wait_for 10 grep -q "listening on" "$T_DIR/$name.tcpdump"
}
cap_stop() {
	local pid=${CAP_PID[$1]}
	kill -INT "$pid" 2>/dev/null || true
	wait_for 10 not_alive "$pid" || kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
# cap_count NAME [FILTER...]: packets in the capture (matching FILTER).
cap_count() {
	local name=$1; shift
	tcpdump -n -r "$T_DIR/$name.pcap" "$@" 2>/dev/null | wc -l
}

# add_c: namespace C on a second underlay link from B (198.51.100.0/24), so C
# can reach B's socket but is neither A nor on A's link. Sets NS_C.
add_c() {
	local ib="veth$RANDOM" ic="veth$RANDOM"
	NS_C=$(netns "c$T_PAIR")
	ip link add "$ib" netns "$NS_B" type veth peer name "$ic" netns "$NS_C"
	ip -n "$NS_B" link set "$ib" name ul1
	ip -n "$NS_C" link set "$ic" name ul0
	ip -n "$NS_B" addr add 198.51.100.2/24 dev ul1
	ip -n "$NS_C" addr add 198.51.100.3/24 dev ul0
	ip -n "$NS_B" link set ul1 up
	ip -n "$NS_C" link set ul0 up
}

# quiet_taps: no IPv6 on the taps and static neighbour entries, so the only
# frames crossing the tunnel are the ones the test sends (no router
# solicitations, MLD reports or ARP probes in the middle of a count).
quiet_taps() {
	local ma mb
	ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.ttt0.disable_ipv6=1
	ip netns exec "$NS_B" sysctl -qw net.ipv6.conf.ttt0.disable_ipv6=1
	ma=$(ip netns exec "$NS_A" cat /sys/class/net/ttt0/address)
	mb=$(ip netns exec "$NS_B" cat /sys/class/net/ttt0/address)
	ip -n "$NS_A" neigh replace 10.99.0.2 lladdr "$mb" dev ttt0 nud permanent
	ip -n "$NS_B" neigh replace 10.99.0.1 lladdr "$ma" dev ttt0 nud permanent
}

# resend PCAP NS LOCAL DEST: play the captured A->B payloads back; sets SENT.
resend() {
	local out
	out=$(ip netns exec "$2" "$UDPSEND" -p 9002 "$T_DIR/$1.pcap" "$3" "$4") || return 1
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
check "A pings B before the capture" ping_ok "$NS_A" 10.99.0.2 2

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
check "A pings B (B learns A)" ping_ok "$NS_A" 10.99.0.2 2
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

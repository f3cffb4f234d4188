#!/usr/bin/env bash
# Reflection: datagrams B sent, captured on B's underlay and sent back to B
# (from its peer A's own address, and from a third host C), never reach B's
# tap; B counts them as reflected; the peer B learnt does not move to C.
. "$(dirname "$0")/lib.sh"
need_root

UDPSEND="$TTT_TOOLS/ttt_udpsend"
[ -x "$UDPSEND" ] || { echo "$T_NAME: $UDPSEND missing (make)" >&2; exit 1; }

# B learns its peer (discovery), so datagrams from a third host reach its checks.
two_peers discover
NS_C=$(netns c)
veth_pair "$NS_B" "$NS_C" 198.51.100.2/24 198.51.100.3/24 ul1
check "tunnel up" ping_ok "$NS_A" 10.99.0.2 2

# capture NAME NS IFACE FILTER: tcpdump in the background; sets CAP.
capture() {
	ip netns exec "$2" timeout 30 tcpdump -Z root -U --immediate-mode -n -i "$3" -w "$T_DIR/$1.pcap" "$4" \
		2> "$T_DIR/$1.err" &
	CAP=$!
	T_PIDS+=("$CAP")
	wait_for 10 grep -q "listening on" "$T_DIR/$1.err"
}
stop_capture() { kill -INT "$1"; wait "$1"; }

log "capture what B sends while A pings it"
capture sent "$NS_B" ul0 "udp and src host 192.0.2.2 and src port 9002"
CAP_SENT=$CAP
check "A pings B (5 replies from B)" ping_ok "$NS_A" 10.99.0.2 5
stop_capture "$CAP_SENT"

# Frames B's own tap receives that B itself sent: echo replies from 10.99.0.2.
capture tap "$NS_B" ttt0 "icmp and src host 10.99.0.2"
CAP_TAP=$CAP
before=$(counters b "$PID_B")

log "send them back to B from A's address (A stopped to free its port) and from C"
kill -TERM "$PID_A"; wait "$PID_A"
out_a=$(ip netns exec "$NS_A" "$UDPSEND" "$T_DIR/sent.pcap" 192.0.2.1:9001 192.0.2.2:9002 2>&1 | sed -n 's/^sent \([0-9]*\).*/\1/p')
check "re-sent B's datagrams from A's address ($out_a)" test "${out_a:-0}" -ge 5
out_c=$(ip netns exec "$NS_C" "$UDPSEND" "$T_DIR/sent.pcap" 198.51.100.3:9009 198.51.100.2:9002 2>&1 |
	sed -n 's/^sent \([0-9]*\).*/\1/p')
check "re-sent them from a third host ($out_c)" test "${out_c:-0}" -ge 5
sleep 0.5
after=$(counters b "$PID_B")
stop_capture "$CAP_TAP"

r0=$(field "$before" rx reflected); r1=$(field "$after" rx reflected)
f0=$(field "$before" rx frames); f1=$(field "$after" rx frames)
sent=$((${out_a:-0} + ${out_c:-0}))
check "every one counted as reflected ($r0 -> $r1, sent $sent)" \
	sh -c '[ "$1" -gt 0 ] && [ "$2" -eq "$1" ]' _ "$sent" $((r1 - r0))
check "none delivered (rx frames $f0 -> $f1)" test "$f1" -eq "$f0"
check "nothing of B's own reached B's tap" \
	test "$(tcpdump -n -r "$T_DIR/tap.pcap" 2>/dev/null | wc -l)" -eq 0
check_not "the peer did not move to the third host" grep -q "peer is now 198.51.100" "$T_DIR/b.log"
finish

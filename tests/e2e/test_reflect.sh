#!/usr/bin/env bash
# Reflection: datagrams B sent, captured on B's underlay and sent back to B
# (from its peer A's own address, and from a third host C), never reach B's
# tap; B counts them as reflected; the peer B learnt does not move to C.
. "$(dirname "$0")/lib.sh"
need_root

need_tool UDPSEND ttt_udpsend

# B learns its peer (discovery), so datagrams from a third host reach its checks.
two_peers discover
add_c
check "tunnel up" ping_ok "$NS_A" 10.99.0.2 2

log "capture what B sends while A pings it"
cap_start sent "$NS_B" ul0 "udp and src host 192.0.2.2 and src port 9002"
check "A pings B (5 replies from B)" ping_ok "$NS_A" 10.99.0.2 5
cap_stop sent

# Frames B's own tap receives that B itself sent: echo replies from 10.99.0.2.
cap_start tap "$NS_B" ttt0 "icmp and src host 10.99.0.2"

log "send them back to B from A's address (A stopped to free its port) and from C"
kill -TERM "$PID_A"; wait "$PID_A"
# A's last frames may still wait in B's socket: take the baseline once B's
# count of received frames stands still between two reads.
LAST_F=
settled() {
	read_counters "$PID_B" b || return 1
	[ "$(rx frames)" = "$LAST_F" ] && return 0
	LAST_F=$(rx frames)
	return 1
}
check "B's counters settled after A stopped" wait_for 10 settled
r0=$(rx reflected) f0=$(rx frames)
out_a=$(ip netns exec "$NS_A" "$UDPSEND" -s "$T_DIR/sent.pcap" 192.0.2.1:9001 192.0.2.2:9002 2>&1 | sed -n 's/^sent \([0-9]*\).*/\1/p')
check "re-sent B's datagrams from A's address ($out_a)" test "${out_a:-0}" -ge 5
out_c=$(ip netns exec "$NS_C" "$UDPSEND" -s "$T_DIR/sent.pcap" 198.51.100.3:9009 198.51.100.2:9002 2>&1 |
	sed -n 's/^sent \([0-9]*\).*/\1/p')
check "re-sent them from a third host ($out_c)" test "${out_c:-0}" -ge 5
sleep 0.5
read_counters "$PID_B" b
r1=$(rx reflected) f1=$(rx frames)
cap_stop tap

sent=$((${out_a:-0} + ${out_c:-0}))
check "every one counted as reflected ($r0 -> $r1, sent $sent)" \
	sh -c '[ "$1" -gt 0 ] && [ "$2" -eq "$1" ]' _ "$sent" $((r1 - r0))
check "none delivered (rx frames $f0 -> $f1)" test "$f1" -eq "$f0"
check "nothing of B's own reached B's tap" \
	test "$(cap_count tap)" -eq 0
check_not "the peer did not move to the third host" grep -q "peer is now 198.51.100" "$T_DIR/b.log"
finish

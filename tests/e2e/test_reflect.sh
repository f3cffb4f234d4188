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
# Frames that wait on B's tap together leave in one segmented send (more
# often on a loaded machine), which the capture would hold as one long
# datagram and ttt_udpsend re-send as one (badmac, not reflected): at most
# one segment a packet on ul0, so the kernel cuts them before the capture.
ip -n "$NS_B" link set ul0 gso_max_segs 1
cap_start sent "$NS_B" ul0 "udp and src host 192.0.2.2 and src port 9002"
check "A pings B (5 replies from B)" ping_ok "$NS_A" 10.99.0.2 5
cap_stop sent

# A stopped (to free its port) before B's counters are read: A's tap still
# sends now and then (ARP, IPv6), and any frame of A's counted after that
# read would look like a re-sent one delivered. Then nothing is queued on
# B's socket: B has counted all A ever sent.
kill -TERM "$PID_A"; wait "$PID_A"
# b_drained: B's socket has nothing queued (its receive queue is empty).
b_drained() {
	ip netns exec "$NS_B" ss -u -a -n -H "sport = :9002" | awk '$2 != 0 { bad = 1 } END { exit bad }'
}
check "B's socket holds no datagram of A's" wait_for 10 b_drained
# Frames B's own tap receives that B itself sent: echo replies from 10.99.0.2.
cap_start tap "$NS_B" ttt0 "icmp and src host 10.99.0.2"
read_counters "$PID_B" b
r0=$(rx reflected) f0=$(rx frames) seen0=0
for f in $RX_FIELDS; do seen0=$((seen0 + $(rx "$f"))); done

log "send them back to B from A's address and from C"
out_a=$(ip netns exec "$NS_A" "$UDPSEND" -s "$T_DIR/sent.pcap" 192.0.2.1:9001 192.0.2.2:9002 2>&1 | sed -n 's/^sent \([0-9]*\).*/\1/p')
check "re-sent B's datagrams from A's address ($out_a)" test "${out_a:-0}" -ge 5
out_c=$(ip netns exec "$NS_C" "$UDPSEND" -s "$T_DIR/sent.pcap" 198.51.100.3:9009 198.51.100.2:9002 2>&1 |
	sed -n 's/^sent \([0-9]*\).*/\1/p')
check "re-sent them from a third host ($out_c)" test "${out_c:-0}" -ge 5
sent=$((${out_a:-0} + ${out_c:-0}))
# b_seen N: B's counters show N more datagrams received (delivered or refused) than at r0.
b_seen() {
	local f n=0
	read_counters "$PID_B" b || return 1
	for f in $RX_FIELDS; do n=$((n + $(rx "$f"))); done
	[ "$n" -ge $(($1 + seen0)) ]
}
check "B counted all $sent" wait_for 10 b_seen "$sent"
read_counters "$PID_B" b
r1=$(rx reflected) f1=$(rx frames)
cap_stop tap

check "every one counted as reflected ($r0 -> $r1, sent $sent)" \
	sh -c '[ "$1" -gt 0 ] && [ "$2" -eq "$1" ]' _ "$sent" $((r1 - r0))
check "none delivered (rx frames $f0 -> $f1)" test "$f1" -eq "$f0"
check "nothing of B's own reached B's tap" \
	test "$(cap_count tap)" -eq 0
check_not "the peer did not move to the third host" grep -q "peer is now 198.51.100" "$T_DIR/b.log"
finish

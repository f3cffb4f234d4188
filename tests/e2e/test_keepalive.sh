#!/usr/bin/env bash
# --keepalive through a NAT: an inside peer I behind a router R that
# masquerades it, an outside peer O that learns I from its frames. R's
# conntrack forgets an idle UDP flow after 3 s. After an idle spell longer
# than that, O reaches I only if I kept the mapping open with keepalives:
# with --keepalive 1 the ping from O to I passes, without it it fails. O
# counts the keepalives and none of them reaches its tap. Last, a v1.4
# peer (the stand-in of test_v14_interop.sh) takes them into its tap and
# neither exits nor logs.
. "$(dirname "$0")/lib.sh"
need_root

CT_TIMEOUT=3	# R's conntrack UDP timeouts, seconds
IDLE=6		# the quiet spell: longer than CT_TIMEOUT, so an unrefreshed mapping is gone
KEEPALIVE=1	# seconds, well under CT_TIMEOUT

# nat_pair CASE [I's options...]: namespaces I - R - O, R masquerading I's
# underlay behind its outside address; the daemons, taps 10.99.0.1 (I) and
# 10.99.0.2 (O), quiet (no IPv6, static neighbours: only the test's frames
# cross, so nothing but keepalives can refresh the mapping).
nat_pair() {
	local c=$1; shift
	NS_I=$(netns "i$c")
	NS_R=$(netns "r$c")
	NS_O=$(netns "o$c")
	veth_pair "$NS_I" "$NS_R" 10.0.0.2/24 10.0.0.1/24 uli
	veth_pair "$NS_R" "$NS_O" 192.0.2.1/24 192.0.2.2/24 ulo
	ip -n "$NS_I" route add default via 10.0.0.1
	ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$NS_R" nft -f - <<-'EOF'
		table ip nat {
			chain post {
				type nat hook postrouting priority srcnat; policy accept;
				oifname "ulo" masquerade
			}
		}
	EOF
	ip netns exec "$NS_R" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=$CT_TIMEOUT \
		net.netfilter.nf_conntrack_udp_timeout_stream=$CT_TIMEOUT
	KEY="$T_DIR/key$c"
	keyfile "$KEY"
	start_ttt "$NS_I" "i$c" "$@" -i ttt0 "$KEY" :9001 192.0.2.2:9002
	PID_I=$TTT_PID
	start_ttt "$NS_O" "o$c" -i ttt0 "$KEY" :9002
	PID_O=$TTT_PID
	tap_up "$NS_I" ttt0 10.99.0.1/24
	tap_up "$NS_O" ttt0 10.99.0.2/24
	wait_log "i$c" sandboxed && wait_log "o$c" sandboxed
	NS_A=$NS_I NS_B=$NS_O quiet_taps
}

# udp_timeout NS: that namespace's conntrack UDP timeout.
udp_timeout() {
	ip netns exec "$1" sysctl -n net.netfilter.nf_conntrack_udp_timeout
}

log "with --keepalive $KEEPALIVE"
nat_pair 1 --keepalive "$KEEPALIVE"
check "the conntrack timeouts are R's own (O's namespace keeps its default)" \
	test "$(udp_timeout "$NS_R")" = "$CT_TIMEOUT" -a "$(udp_timeout "$NS_O")" != "$CT_TIMEOUT"
check "O learns I's address behind the NAT" wait_log o1 "peer is now 192.0.2.1:" 10
check "I pings O through the NAT" ping_ok "$NS_I" 10.99.0.2
read_counters "$PID_O" o1 || failc "O answers SIGUSR1 with its counters"
BASE_O=$CNT
cap_start tap "$NS_O" ttt0 ether proto 0x88b5
lines=$(wc -l < "$T_DIR/o1.log")
log "idle for $IDLE s (R forgets a UDP flow after $CT_TIMEOUT s)"
sleep "$IDLE"
check "after the idle spell, O pings I (the keepalives kept the mapping)" \
	ping_ok "$NS_O" 10.99.0.1
check "O logged nothing while keepalives came in" test "$(wc -l < "$T_DIR/o1.log")" -eq "$lines"
cap_stop tap
check "no keepalive reached O's tap (ether proto 0x88b5)" test "$(cap_count tap)" -eq 0
check "O answers SIGUSR1 with its counters" read_counters "$PID_O" o1
ka=$(rx keepalives)
# One a quiet second at most, and none while frames pass.
check "O counted keepalives ($ka; at most one a second)" \
	test "${ka:-0}" -ge $((IDLE / KEEPALIVE / 2)) -a "${ka:-0}" -le $((IDLE / KEEPALIVE + 8))
check "O counted them only as keepalives: nothing refused since the tunnel was up" \
	no_refusals_since "$BASE_O"
check "O sent no keepalive (off by default)" test "$(tx keepalives)" = 0
check "I answers SIGUSR1 with its counters" read_counters "$PID_I" i1
check "I counted its keepalives apart from its frames" \
	test "$(tx keepalives)" -ge "$ka"
stop_ttt "$PID_I"
stop_ttt "$PID_O"

log "without --keepalive: the same, and the mapping is gone"
nat_pair 2
check "I pings O through the NAT (O learns I)" ping_ok "$NS_I" 10.99.0.2
check "O learnt I's address behind the NAT" grep -q "peer is now 192.0.2.1:" "$T_DIR/o2.log"
log "idle for $IDLE s"
sleep "$IDLE"
check_not "after the idle spell, O cannot ping I (R forgot the mapping)" \
	ping_ok "$NS_O" 10.99.0.1
check "I pings O again (a new mapping)" ping_ok "$NS_I" 10.99.0.2
check "O answers SIGUSR1 with its counters" read_counters "$PID_O" o2
check "no keepalive was received" test "$(rx keepalives)" = 0
stop_ttt "$PID_I"
stop_ttt "$PID_O"

log "a v1.4 peer (tests/tools/v14peer.py) takes keepalives into its tap, where the kernel drops them"
if command -v python3 >/dev/null; then
	NS_A=$(netns a3)
	NS_B=$(netns b3)
	veth_pair "$NS_A" "$NS_B" 192.0.2.1/24 192.0.2.2/24
	KEY="$T_DIR/key3"
	keyfile "$KEY"
	ip netns exec "$NS_B" env V14_IFNAME=v14tap python3 "$TTT_ROOT/tests/tools/v14peer.py" \
		"$KEY" 9002 192.0.2.1:9001 > "$T_DIR/v14.log" 2>&1 &
	V14_PID=$!
	T_PIDS+=("$V14_PID")
	wait_log v14 "v14peer: up"
	ip -n "$NS_B" link set v14tap mtu 1418 up
	cap_start v14tap "$NS_B" v14tap ether proto 0x88b5
	start_ttt "$NS_A" a3 --keepalive "$KEEPALIVE" -i ttt0 "$KEY" :9001 192.0.2.2:9002
	PID_A=$TTT_PID
	tap_up "$NS_A" ttt0 10.99.0.1/24
	tap_up "$NS_B" v14tap 10.99.0.2/24
	wait_log a3 sandboxed
	# shellcheck disable=SC2016 # expanded by sh -c, not here
	check "the v1.4 peer's tap received keepalives" \
		wait_for 10 sh -c '[ "$(tcpdump -n -r "$1" 2>/dev/null | wc -l)" -ge 3 ]' _ \
		"$T_DIR/v14tap.pcap"
	check "the v1.4 peer is still running" alive "$V14_PID"
	check "and logged nothing for them" test "$(wc -l < "$T_DIR/v14.log")" -eq 1
	check "we ping the v1.4 peer" ping_ok "$NS_A" 10.99.0.2
	check "the v1.4 peer pings us" ping_ok "$NS_B" 10.99.0.1
	cap_stop v14tap
	stop_ttt "$PID_A"
else
	log "python3 missing: the v1.4 case is skipped (make deps installs it)"
fi

finish

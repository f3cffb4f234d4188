#!/usr/bin/env bash
# An IPv6 underlay: peers given as [2001:db8::2]:9002 (dual-stack and
# IPv6-only local sockets), the default MTU's largest frame (1398 + 14), discovery
# of an IPv6 peer, v1.4's largest frame (--mtu 1418) over an underlay whose
# MTU leaves no room for it (IPv6 fragments it), and peers
# given by host name, resolved through a private /etc/hosts per namespace
# (ip netns exec bind-mounts /etc/netns/NS/hosts over /etc/hosts).
. "$(dirname "$0")/lib.sh"
need_root

# Our /etc/netns/<namespace> directories go with the namespaces: chain our
# clean-up in front of lib.sh's, keeping the exit status it reports.
ETC_NETNS=()
cleanup_ipv6() {
	local rc=$?
	set +e
	for d in "${ETC_NETNS[@]}"; do rm -rf -- "$d"; done
	(exit "$rc")	# cleanup reads the status from $?
	cleanup
}
trap cleanup_ipv6 EXIT

# hosts_file NS LINE...: a private /etc/hosts for NS.
hosts_file() {
	local ns=$1 d="/etc/netns/$1"; shift
	case "$ns" in ttt-"$T_ID"-*) ;; *) echo "refusing to write /etc/netns/$ns" >&2; return 1 ;; esac
	mkdir -p "$d"
	ETC_NETNS+=("$d")
	printf '%s\n' "127.0.0.1 localhost" "::1 localhost" "$@" > "$d/hosts"
}

# v6_pair NS_A NS_B: a veth underlay 2001:db8::1/64 <-> 2001:db8::2/64, no DAD
# (the addresses are usable at once), no IPv4.
v6_pair() {
	local ia="veth$RANDOM" ib="veth$RANDOM"
	ip link add "$ia" netns "$1" type veth peer name "$ib" netns "$2"
	ip -n "$1" link set "$ia" name ul0
	ip -n "$2" link set "$ib" name ul0
	ip -n "$1" addr add 2001:db8::1/64 dev ul0 nodad
	ip -n "$2" addr add 2001:db8::2/64 dev ul0 nodad
	ip -n "$1" link set ul0 up
	ip -n "$2" link set ul0 up
}

# v6_peers A_LOCAL A_PEER B_LOCAL [B_PEER]: a fresh pair of namespaces on an
# IPv6 underlay, hosts files if HOSTS_A / HOSTS_B are set, daemons (with
# options V6_OPTS), taps.
v6_peers() {
	T_PAIR=$((${T_PAIR:-0} + 1))
	NS_A=$(netns "a$T_PAIR")
	NS_B=$(netns "b$T_PAIR")
	v6_pair "$NS_A" "$NS_B"
	[ -z "${HOSTS_A:-}" ] || hosts_file "$NS_A" "$HOSTS_A"
	[ -z "${HOSTS_B:-}" ] || hosts_file "$NS_B" "$HOSTS_B"
	KEY="$T_DIR/key"
	[ -f "$KEY" ] || keyfile "$KEY"
	# shellcheck disable=SC2086
	start_ttt "$NS_A" "a$T_PAIR" ${V6_OPTS:-} -i ttt0 "$KEY" "$1" "$2"
	PID_A=$TTT_PID
	# shellcheck disable=SC2086
	start_ttt "$NS_B" "b$T_PAIR" ${V6_OPTS:-} -i ttt0 "$KEY" "$3" ${4:-}
	PID_B=$TTT_PID
	tap_up "$NS_A" ttt0 10.99.0.1/24
	tap_up "$NS_B" ttt0 10.99.0.2/24
	wait_log "a$T_PAIR" sandboxed && wait_log "b$T_PAIR" sandboxed
}

log "fixed peers by IPv6 literal, dual-stack local sockets"
check "underlay and daemons up" v6_peers :9001 "[2001:db8::2]:9002" :9002 "[2001:db8::1]:9001"
check "A's log names its IPv6 peer" grep -q "peer \[2001:db8::2\]:9002" "$T_DIR/a1.log"
check "A pings B through the tunnel" ping_ok "$NS_A" 10.99.0.2
check "B pings A through the tunnel" ping_ok "$NS_B" 10.99.0.1
# IPv6 inside the tunnel too, over the IPv6 underlay.
check "IPv6 addresses on the taps" sh -c \
	'ip -n "$1" addr add fd00:99::1/64 dev ttt0 nodad && ip -n "$2" addr add fd00:99::2/64 dev ttt0 nodad' \
	_ "$NS_A" "$NS_B"
check "A pings B's tunnel IPv6 address" ping_ok "$NS_A" fd00:99::2
# Over IPv6 the default MTU is 1398 (1500 - 40 - 8 - 40 - 14): the largest
# datagram fills the veth's 1500 bytes (test_mtu.sh shows it unfragmented).
check "the tap MTU is 1398 over IPv6" \
	sh -c '[ "$(ip netns exec "$1" cat /sys/class/net/ttt0/mtu)" = 1398 ]' _ "$NS_A"
check "the largest packet (ping -M do -s 1370) crosses an IPv6 underlay, A -> B" \
	ping_size "$NS_A" 10.99.0.2 -M do -s 1370
check "... and B -> A" ping_size "$NS_B" 10.99.0.1 -M do -s 1370
kill -TERM "$PID_A" "$PID_B" 2>/dev/null || true

log "IPv6-only local sockets; discovery of an IPv6 peer; v1.4's MTU 1418"
V6_OPTS="--mtu 1418"
check "underlay and daemons up" \
	v6_peers "[2001:db8::1]:9001" "[2001:db8::2]:9002" "[2001:db8::2]:9002"
V6_OPTS=""
check "A pings B (B learns A)" ping_ok "$NS_A" 10.99.0.2
check "B logged peer [2001:db8::1]:9001" wait_log b2 "peer is now \[2001:db8::1\]:9001" 5
check "B pings A" ping_ok "$NS_B" 10.99.0.1
# 1472 B datagram + 8 + 40 = 1520 B: over the veth's 1500, so the sending
# host fragments the datagram; the tunnel must still carry v1.4's largest frame.
check "v1.4's largest packet (--mtu 1418, ping -M do -s 1390) crosses, A -> B" \
	ping_size "$NS_A" 10.99.0.2 -M do -s 1390
check "... and B -> A" ping_size "$NS_B" 10.99.0.1 -M do -s 1390
kill -TERM "$PID_A" "$PID_B" 2>/dev/null || true

log "peers by host name, from a private /etc/hosts in each namespace"
HOSTS_A="2001:db8::2 peer-b.test" HOSTS_B="2001:db8::1 peer-a.test"
check "underlay and daemons up" v6_peers :9001 peer-b.test:9002 :9002 peer-a.test:9001
check "the namespace resolves peer-b.test to 2001:db8::2" \
	sh -c 'ip netns exec "$1" getent ahostsv6 peer-b.test | grep -q "^2001:db8::2 "' _ "$NS_A"
check "A pings B through the tunnel" ping_ok "$NS_A" 10.99.0.2
check "B pings A through the tunnel" ping_ok "$NS_B" 10.99.0.1
check "root namespace's /etc/hosts does not know peer-b.test" \
	sh -c '! getent hosts peer-b.test'

finish

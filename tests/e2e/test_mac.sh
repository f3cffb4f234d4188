#!/usr/bin/env bash
# The tap's Ethernet address survives a restart: derived from the machine id
# and the interface name, the restarted peer comes back with the address the
# other end's neighbour table holds, and pings go on without touching it.
# Without it (no machine id: the kernel's random address), the same restart
# leaves the other end sending to an address nobody has. Also: --mac puts
# exactly its address on the tap, a bad --mac is refused (64), and two taps
# with different names get different addresses.
#
# Each daemon sees a machine id of the test's own through a bind mount in a
# mount namespace of its own, so the addresses are known answers
# (tests/unit/test_hwaddr.c) whatever this host's id is.
. "$(dirname "$0")/lib.sh"
need_root
# The daemons' ids are bind-mounted over it, so it must exist; this host's own is never changed.
if [ ! -f /etc/machine-id ]; then
	echo "$T_NAME: needs /etc/machine-id to exist (the test mounts its own ids over it)" >&2
	exit 1
fi

ID_A=$T_DIR/machine-id-a ID_B=$T_DIR/machine-id-b
printf '0123456789abcdef0123456789abcdef\n' > "$ID_A"
printf 'fedcba9876543210fedcba9876543210\n' > "$ID_B"
NO_ID=/dev/null		# empty: no machine id, the kernel's random address
MAC_A_TTT0=9e:ec:6a:70:cb:41	# ID_A, "ttt0" (test_hwaddr.c)
MAC_A_TAP0=ce:02:c9:3f:c8:b9	# ID_A, "tap0"
FALLBACK="keeps the kernel's random Ethernet address"

# start_id NS LOGNAME IDFILE ARGS...: start_ttt, the daemon seeing IDFILE as
# /etc/machine-id. Every step execs, so TTT_PID is the daemon's.
start_id() {
	local ns=$1 name=$2 id=$3; shift 3
	# shellcheck disable=SC2016 # expanded by sh -c, not here
	ip netns exec "$ns" unshare -m --propagation private \
		sh -c 'mount --bind "$1" /etc/machine-id && shift && exec "$@"' _ \
		"$id" "$TTT_BIN" "$@" > "$T_DIR/$name.log" 2>&1 &
	TTT_PID=$!
	T_PIDS+=("$TTT_PID")
}

# mac_of NS IFNAME: the interface's Ethernet address.
mac_of() {
	ip netns exec "$1" cat "/sys/class/net/$2/address"
}

# lladdr NS ADDR: the neighbour table's address for ADDR on ttt0 ("" if none).
lladdr() {
	ip -n "$1" neigh show "$2" dev ttt0 |
		awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'
}

# no_link NS IFNAME: the interface does not exist.
no_link() {
	! ip -n "$1" link show "$2" 2>/dev/null
}

# unicast_local MAC: the first octet has the local bit set, the group bit clear.
unicast_local() {
	[ $((0x${1%%:*} & 3)) -eq 2 ]
}

# pair ID_FOR_B: namespaces NS_A, NS_B; A with ID_A, B with the given id; tunnel up.
pair() {
	T_PAIR=$((${T_PAIR:-0} + 1))
	NS_A=$(netns "a$T_PAIR")
	NS_B=$(netns "b$T_PAIR")
	veth_pair "$NS_A" "$NS_B" 192.0.2.1/24 192.0.2.2/24
	KEY="$T_DIR/key"
	[ -f "$KEY" ] || keyfile "$KEY"
	start_id "$NS_A" "a$T_PAIR" "$ID_A" -i ttt0 "$KEY" :9001 192.0.2.2:9002
	PID_A=$TTT_PID
	B_ID=$1
	start_b "b$T_PAIR"
	tap_up "$NS_A" ttt0 10.99.0.1/24
	wait_log "a$T_PAIR" sandboxed
}

# start_b LOGNAME: (re)start B with B_ID, address its tap, wait for its worker.
start_b() {
	start_id "$NS_B" "$1" "$B_ID" -i ttt0 "$KEY" :9002 192.0.2.1:9001
	PID_B=$TTT_PID
	tap_up "$NS_B" ttt0 10.99.0.2/24 && wait_log "$1" sandboxed
}

log "derived from the machine id: the same address after a restart"
pair "$ID_B"
check "A's tap has the address derived from its id and ttt0" \
	test "$(mac_of "$NS_A" ttt0)" = "$MAC_A_TTT0"
check "A logs where its address comes from" \
	grep -q "ttt0 has Ethernet address $MAC_A_TTT0 (derived from /etc/machine-id)" "$T_DIR/a1.log"
MAC_B=$(mac_of "$NS_B" ttt0)
check "B's address ($MAC_B) is locally administered unicast" unicast_local "$MAC_B"
check "another machine id, another address" test "$MAC_B" != "$MAC_A_TTT0"
check "A pings B" ping_ok "$NS_A" 10.99.0.2
check "A's neighbour entry for B holds B's address" test "$(lladdr "$NS_A" 10.99.0.2)" = "$MAC_B"
stop_ttt "$PID_B"
check "B's tap is gone" no_link "$NS_B" ttt0
start_b b1-again
check "B has the same address after the restart" test "$(mac_of "$NS_B" ttt0)" = "$MAC_B"
check "A's neighbour entry, untouched, still holds it" \
	test "$(lladdr "$NS_A" 10.99.0.2)" = "$MAC_B"
check "A's pings reach the restarted B within 10 s" wait_for 10 ping_ok "$NS_A" 10.99.0.2 1
check "A pings B, every one answered" ping_ok "$NS_A" 10.99.0.2
check "A's neighbour entry was never replaced" test "$(lladdr "$NS_A" 10.99.0.2)" = "$MAC_B"
stop_ttt "$PID_A"
stop_ttt "$PID_B"

log "without a machine id: the kernel's random address, lost at a restart"
pair "$NO_ID"
check "B warns once that it keeps the kernel's address" \
	test "$(count_lines "$FALLBACK" "$T_DIR/b2.log")" = 1
check "B starts all the same" alive "$PID_B"
MAC_B=$(mac_of "$NS_B" ttt0)
check "A pings B" ping_ok "$NS_A" 10.99.0.2
check "A's neighbour entry for B holds B's address" test "$(lladdr "$NS_A" 10.99.0.2)" = "$MAC_B"
stop_ttt "$PID_B"
start_b b2-again
check "B has a new address after the restart" test "$(mac_of "$NS_B" ttt0)" != "$MAC_B"
check "A's neighbour entry still holds the old one" test "$(lladdr "$NS_A" 10.99.0.2)" = "$MAC_B"
check_not "A's pings to the restarted B fail for 5 s" wait_for 5 ping_ok "$NS_A" 10.99.0.2 1
stop_ttt "$PID_A"
stop_ttt "$PID_B"

log "--mac, and one address per interface name"
NS_C=$(netns c)
start_id "$NS_C" c1 "$ID_A" --mac 02:11:22:33:44:55 -i ttt1 "$KEY" :9003
PID_C1=$TTT_PID
check "--mac: the tap comes up" wait_for 10 ip -n "$NS_C" link show ttt1
check "--mac puts exactly its address on the tap" \
	test "$(mac_of "$NS_C" ttt1)" = 02:11:22:33:44:55
check "and says so" wait_log c1 "ttt1 has Ethernet address 02:11:22:33:44:55 (--mac)"
# The default name is the kernel's pattern: the address follows the name it picked.
start_id "$NS_C" c2 "$ID_A" "$KEY" :9004
PID_C2=$TTT_PID
check "the first tap%d is tap0" wait_for 10 ip -n "$NS_C" link show tap0
start_id "$NS_C" c3 "$ID_A" "$KEY" :9005
PID_C3=$TTT_PID
check "the second is tap1" wait_for 10 ip -n "$NS_C" link show tap1
check "tap0's address is derived from the name tap0" \
	test "$(mac_of "$NS_C" tap0)" = "$MAC_A_TAP0"
check "tap1 has another address" test "$(mac_of "$NS_C" tap1)" != "$MAC_A_TAP0"
check "tap1's is locally administered unicast too" unicast_local "$(mac_of "$NS_C" tap1)"
stop_ttt "$PID_C1"
stop_ttt "$PID_C2"
stop_ttt "$PID_C3"

log "a bad --mac is refused before anything is opened"
for bad in 01:00:5e:00:00:01 00:00:00:00:00:00 02:11:22:33:44 02-11-22-33-44-55; do
	rc=0
	"$TTT_BIN" --mac "$bad" "$KEY" :9006 > "$T_DIR/bad.out" 2>&1 || rc=$?
	check "--mac $bad exits 64" test "$rc" = 64
	check "--mac $bad says why" grep -q "bad --mac '$bad' (xx:xx:xx:xx:xx:xx, unicast, not all zero)" \
		"$T_DIR/bad.out"
done

finish

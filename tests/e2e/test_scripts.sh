#!/bin/bash
# The helper scripts in scripts/ (l2_bridge, l3_nat, l3_proxy_arp; up and
# down), without the daemon. Each scenario builds its own network namespaces:
# "a" is the host the scripts run on, "l" a host on its LAN, "r" a host across
# the tunnel. A veth pair a<->r (or a real tap, or a lone veth) stands in for the
# tunnel's tap, a veth pair a<->l for the LAN. Every script runs inside a
# namespace through `ip netns exec`; nothing is configured in the root one.
#
# Checks what each up changes, that traffic then flows (and did not before),
# and that down puts back exactly what was there: `ip -d link`, `ip addr`,
# routes, the IPv4 sysctls and the whole nft ruleset are dumped before up and
# compared after down.
#
# bash for arrays and local; run as root: bash tests/e2e/test_scripts.sh
# shellcheck disable=SC2015 # setup chains "a && b || { fail ...; return; }" mean just that
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
SCRIPTS=$(cd "$HERE/../../scripts" && pwd)
ID=$$
TMP=$(mktemp -d "/tmp/ttt-s-$ID.XXXXXX") || exit 1
# Copies of the scripts for the not-root checks, made there (see scenario_static).
NOBODY_SCRIPTS=
# Not created here: the first up must create it, mode 0700.
export TTT_STATE_DIR=$TMP/state
NSES=()
PASS=0
FAIL=0

# Every namespace is named ttt-s-$ID-*: delete those listed, and any that
# a failure kept from being listed.
our_netns() {
	ip netns list 2>/dev/null | awk -v p="ttt-s-$ID-" 'index($1, p) == 1 { print $1 }'
}
delete_netns() {
	local ns
	for ns in "${NSES[@]}" $(our_netns); do
		timeout 10 ip netns del "$ns" 2>/dev/null
	done
	NSES=()
}
cleanup() {
	delete_netns
	rm -rf "$TMP"
	[ -z "$NOBODY_SCRIPTS" ] || rm -rf "$NOBODY_SCRIPTS"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if [ "$(id -u)" != 0 ]; then
	echo "test_scripts.sh: needs root (network namespaces)" >&2
	exit 1
fi
for tool in ip nft ping timeout awk; do
	command -v "$tool" >/dev/null || { echo "test_scripts.sh: $tool not found" >&2; exit 1; }
done

pass() {
	PASS=$((PASS + 1))
	echo "ok   $*"
}
fail() {
	FAIL=$((FAIL + 1))
	echo "FAIL $*"
}
# check DESC CMD...: passes when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@" >/dev/null; then pass "$desc"; else fail "$desc"; fi
}
# check_eq DESC GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1: got '$2', want '$3'"
	fi
}
# check_same DESC FILE-BEFORE FILE-AFTER: shows the diff on failure.
check_same() {
	if diff -u "$2" "$3" >"$TMP/diff"; then
		pass "$1"
	else
		fail "$1; diff before/after:"
		sed 's/^/     /' "$TMP/diff"
	fi
}
# check_err DESC REGEX: the last run's stderr matches.
check_err() {
	if grep -Eq -- "$2" "$TMP/err"; then
		pass "$1"
	else
		fail "$1: stderr does not match /$2/:"
		sed 's/^/     /' "$TMP/err"
	fi
}

# mkns NAME VAR: a fresh namespace ttt-s-$ID-NAME, its name stored in VAR
# (not printed: a command substitution's subshell would lose NSES). DAD off,
# so no address shows "tentative" in one dump and not in the next.
mkns() {
	local mk_ns=ttt-s-$ID-$1
	timeout 10 ip netns add "$mk_ns" || return 1
	NSES+=("$mk_ns")
	printf -v "$2" '%s' "$mk_ns"
	in_ns "$mk_ns" sh -c 'echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad &&
		echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad && ip link set lo up'
}
in_ns() {
	local ns=$1
	shift
	timeout -k 2 20 ip netns exec "$ns" "$@"
}
# run NS SCRIPT ARGS...: sets RC; output in $TMP/out and $TMP/err.
run() {
	local ns=$1 script=$2
	shift 2
	timeout -k 2 30 ip netns exec "$ns" sh "$SCRIPTS/$script" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}
# Everything the scripts may touch in NS (neighbour caches and counters
# aside). Dropped: a bridge's timers, which tick between two dumps, and the
# name of a veth peer's namespace, which ip looks up among all namespaces and
# can fail to when another test deletes one at that moment.
# Links settle asynchronously (carrier, link-local addresses), so a dump is
# taken again until two in a row agree, for up to about 4 s.
snap() {
	local _
	snap_once "$1" >"$TMP/snap1"
	for _ in $(seq 20); do
		sleep 0.2
		snap_once "$1" >"$TMP/snap2"
		cmp -s "$TMP/snap1" "$TMP/snap2" && break
		mv "$TMP/snap2" "$TMP/snap1"
	done
	cat "$TMP/snap1"
}
snap_once() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	in_ns "$1" sh -c '
		ip -d link show; ip addr show
		ip route show table all; ip -6 route show table all
		for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/*/forwarding \
			/proc/sys/net/ipv4/conf/*/proxy_arp; do
			printf "%s %s\n" "$f" "$(cat "$f")"
		done
		nft -s list ruleset' 2>&1 |
		grep -v '^Error: Peer netns reference is invalid' |
		sed -E 's/(_timer) +[0-9.]+/\1/g; s/ link-netns(id)? [^ ]+//'
}
sysctl_of() {
	in_ns "$1" cat "/proc/sys/net/ipv4/$2"
}
# Reachability, a few tries: bridge ports and proxy ARP answer after a moment.
pings() {
	local _
	for _ in 1 2 3 4 5; do
		in_ns "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}
no_ping() {
	! in_ns "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1
}
state_files() {
	find "$TTT_STATE_DIR" -name '*.state' 2>/dev/null | wc -l
}
# A veth pair NAME_A in A, NAME_B in B, both up.
veth() {
	in_ns "$1" ip link add "$2" type veth peer name "$4" netns "$3" &&
		in_ns "$1" ip link set "$2" up && in_ns "$3" ip link set "$4" up
}
# A veth pair with both ends in NS, both up: a stand-in for a dummy interface
# (this kernel may lack the dummy module).
lone() {
	in_ns "$1" ip link add "$2" type veth peer name "$2p" &&
		in_ns "$1" ip link set "$2" up && in_ns "$1" ip link set "$2p" up
}
# copy_for_nobody: the scripts, and the files they source, copied into a
# fresh directory that nobody may read and search, named in NOBODY_SCRIPTS.
# This checkout can sit where nobody cannot reach it: under /root, or under a
# mktemp -d directory (both 0700), and the shell would then exit 2 before a
# script could refuse. Only root can write there. cleanup removes it.
copy_for_nobody() {
	local f
	NOBODY_SCRIPTS=$(mktemp -d "/tmp/ttt-s-$ID-nobody.XXXXXX") || return 1
	for f in "$SCRIPTS"/*.sh; do
		cp "$f" "$NOBODY_SCRIPTS/" || return 1
	done
	chmod 0755 "$NOBODY_SCRIPTS" && chmod 0644 "$NOBODY_SCRIPTS"/*.sh || return 1
	# Not a given: /tmp itself could be out of nobody's reach.
	# shellcheck disable=SC2016 # expanded by the inner shell
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		sh -c 'for f; do [ -r "$f" ] || exit 1; done' sh "$NOBODY_SCRIPTS"/*.sh
}
# as_nobody NS SCRIPT ARGS...: the copy of SCRIPT run by user and group 65534
# (nobody), from that copy's directory (the inherited working directory may
# be out of reach too); sets RC; output in $TMP/out and $TMP/err.
as_nobody() {
	local ns=$1 script=$2
	shift 2
	(cd "$NOBODY_SCRIPTS" && timeout -k 2 30 ip netns exec "$ns" \
		setpriv --reuid=65534 --regid=65534 --clear-groups sh "$NOBODY_SCRIPTS/$script" "$@") \
		>"$TMP/out" 2>"$TMP/err"
	RC=$?
}
ALL=(l2_bridge_up.sh l2_bridge_down.sh l3_nat_up.sh l3_nat_down.sh l3_proxy_arp_up.sh l3_proxy_arp_down.sh)
L3=(l3_nat_up.sh l3_nat_down.sh l3_proxy_arp_up.sh l3_proxy_arp_down.sh)

# --- Static: syntax, shellcheck, the shared blocks, usage and root checks.
scenario_static() {
	local s ns
	echo "# static checks and argument errors"
	for s in "${ALL[@]}"; do
		check "$s: sh -n" sh -n "$SCRIPTS/$s"
		if command -v shellcheck >/dev/null; then
			check "$s: shellcheck" timeout 60 shellcheck -s sh -x -P "$SCRIPTS" "$SCRIPTS/$s"
		else
			echo "skip $s: shellcheck not installed"
		fi
	done
	# One copy of the shared helpers, sourced by every script.
	for s in "${ALL[@]}"; do
		check "$s: sources ttt-common.sh" grep -q '^\. "$(dirname "$(readlink -f "$0")")/ttt-common.sh"$' "$SCRIPTS/$s"
	done
	for s in "${L3[@]}"; do
		check "$s: sources ttt-l3-common.sh" grep -q '^\. "$(dirname "$(readlink -f "$0")")/ttt-l3-common.sh"$' "$SCRIPTS/$s"
	done
	for s in ttt-common.sh ttt-l3-common.sh; do
		check "$s: sh -n" sh -n "$SCRIPTS/$s"
	done

	# Argument errors happen before anything is looked at; still run them
	# in a namespace, so a broken script could harm nothing else.
	mkns usage ns || { fail "create namespace"; return; }
	local -a bad=(
		"l2_bridge_up.sh"
		"l2_bridge_up.sh tap0"
		"l2_bridge_up.sh tap0 lan0 br0 extra"
		"l2_bridge_up.sh tap0 tap0"
		"l2_bridge_up.sh a/b lan0"
		"l2_bridge_up.sh tap0 waytoolonginterfacename"
		"l2_bridge_up.sh longtapname0123 lan0"
		"l2_bridge_down.sh"
		"l2_bridge_down.sh tap0 lan0 br0 extra"
		"l3_nat_up.sh tap0 lan0"
		"l3_nat_up.sh tap0 lan0 10.0.0.0/24 10.0.0.1 extra"
		"l3_nat_up.sh tap0 lan0 10.0.0.1/24"
		"l3_nat_up.sh tap0 lan0 300.0.0.0/8"
		"l3_nat_up.sh tap0 lan0 10.0.0.0/33"
		"l3_nat_up.sh tap0 lan0 10.0.0.0/24 10.0.0.1/32"
		"l3_nat_down.sh tap0"
		"l3_nat_down.sh tap0 lan0 10.0.0.0/24 10.0.0.1 extra"
		"l3_proxy_arp_up.sh tap0 lan0"
		"l3_proxy_arp_up.sh tap0 lan0 10.0.0.9 nonsense"
		"l3_proxy_arp_down.sh tap0"
	)
	local cmd
	for cmd in "${bad[@]}"; do
		# shellcheck disable=SC2086 # the words of cmd are the arguments
		run "$ns" $cmd
		s=${cmd%% *}
		check_eq "'$cmd' exits 64" "$RC" 64
		check_err "'$cmd' prints its usage line" "^usage: $s [A-Z]"
	done
	run "$ns" l3_nat_up.sh tap0 lan0 10.0.0.1/24
	check_err "a CIDR with host bits set names the network" "the network is 10\.0\.0\.0/24"
	check_eq "no state after argument errors" "$(state_files)" 0

	if command -v setpriv >/dev/null; then
		copy_for_nobody || { fail "copy the scripts where nobody can read them"; return; }
		for cmd in "l2_bridge_up.sh tap0 lan0" "l2_bridge_down.sh tap0 lan0" \
			"l3_nat_up.sh tap0 lan0 10.0.0.0/24" "l3_nat_down.sh tap0 lan0" \
			"l3_proxy_arp_up.sh tap0 lan0 10.0.0.9" "l3_proxy_arp_down.sh tap0 lan0"; do
			# shellcheck disable=SC2086 # the words after the name are the arguments
			as_nobody "$ns" "${cmd%% *}" ${cmd#* }
			check_eq "'$cmd' as nobody exits 77" "$RC" 77
			check_err "'$cmd' as nobody says it needs root" "must be run as root"
		done
	else
		echo "skip not-root checks: setpriv not installed"
	fi
}

# --- A missing interface: a clear error naming it, and nothing changed.
scenario_missing() {
	local a cmd
	echo "# missing interfaces"
	mkns miss a || { fail "create namespace"; return; }
	lone "$a" lan0 && lone "$a" tap0 && in_ns "$a" ip link set tap0 down &&
		in_ns "$a" ip addr add 192.168.74.1/24 dev lan0 ||
		{ fail "set up namespace"; return; }
	snap "$a" >"$TMP/before"
	for cmd in "l2_bridge_up.sh nosuch0 lan0" "l2_bridge_up.sh tap0 nosuch0" \
		"l3_nat_up.sh nosuch0 lan0 10.1.0.0/24" "l3_nat_up.sh tap0 nosuch0 10.1.0.0/24" \
		"l3_proxy_arp_up.sh nosuch0 lan0 192.168.74.9" "l3_proxy_arp_up.sh tap0 nosuch0 192.168.74.9"; do
		# shellcheck disable=SC2086
		run "$a" $cmd
		check_eq "'$cmd' exits 1" "$RC" 1
		check_err "'$cmd' names the missing interface" "interface nosuch0 does not exist"
	done
	snap "$a" >"$TMP/after"
	check_same "missing interfaces changed nothing" "$TMP/before" "$TMP/after"
	check_eq "missing interfaces left no state" "$(state_files)" 0
	for cmd in "l2_bridge_down.sh tap0 lan0" "l3_nat_down.sh tap0 lan0" "l3_proxy_arp_down.sh tap0 lan0"; do
		# shellcheck disable=SC2086
		run "$a" $cmd
		check_eq "'$cmd' without up exits 0" "$RC" 0
		check "'$cmd' without up says nothing to undo" grep -q "nothing to undo" "$TMP/out"
	done
}

# --- l2 bridge with a real tap device (no daemon behind it: no carrier).
scenario_l2_tap() {
	local a l ports mac_lan mac_br
	echo "# l2 bridge, real tap"
	mkns l2a a && mkns l2l l || { fail "create namespaces"; return; }
	# The tap goes up and down once first: its default qdisc is attached the
	# first time it is up and stays, which is the kernel's doing, not the script's.
	# MACs chosen so that a bridge left to pick its own would take tap0's.
	in_ns "$a" ip tuntap add mode tap name tap0 && in_ns "$a" ip link set tap0 up &&
		in_ns "$a" ip link set tap0 down && in_ns "$a" ip link set tap0 address 02:00:00:00:00:01 &&
		veth "$a" lan0 "$l" eth0 && in_ns "$a" ip link set lan0 address 02:00:00:00:00:70 &&
		in_ns "$a" ip addr add 192.168.70.1/24 dev lan0 &&
		in_ns "$a" ip addr add 192.168.70.11/24 dev lan0 &&
		in_ns "$a" ip addr add 10.70.0.1/16 brd + dev lan0 &&
		in_ns "$a" ip route add default via 192.168.70.254 proto static metric 100 &&
		in_ns "$a" ip route add 10.99.0.0/16 via 192.168.70.253 &&
		in_ns "$l" ip addr add 192.168.70.2/24 dev eth0 || { fail "set up namespaces"; return; }
	snap "$a" >"$TMP/before"
	check "LAN host pings lan0 before up" pings "$l" 192.168.70.1

	run "$a" l2_bridge_up.sh tap0 lan0
	check_eq "l2 up exits 0" "$RC" 0
	[ "$RC" = 0 ] || sed 's/^/     /' "$TMP/err"
	ports=$(in_ns "$a" ip -o link show master br-tap0 | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | tr '\n' ' ')
	check_eq "tap0 and lan0 are ports of br-tap0" "$ports" "lan0 tap0 "
	check_eq "br-tap0 is a bridge" "$(in_ns "$a" ip -o -d link show br-tap0 | grep -o ' bridge forward_delay')" " bridge forward_delay"
	check_eq "lan0 has no IPv4 address left" "$(in_ns "$a" ip -o -4 addr show dev lan0)" ""
	check_eq "br-tap0 has lan0's addresses, in order" \
		"$(in_ns "$a" ip -o -4 addr show dev br-tap0 | awk '{ print $4 }' | tr '\n' ' ')" \
		"192.168.70.1/24 10.70.0.1/16 192.168.70.11/24 "
	check_eq "the default route moved to br-tap0" \
		"$(in_ns "$a" ip route show default)" "default via 192.168.70.254 dev br-tap0 proto static metric 100 "
	check_eq "the static route moved to br-tap0" \
		"$(in_ns "$a" ip route show 10.99.0.0/16)" "10.99.0.0/16 via 192.168.70.253 dev br-tap0 "
	mac_lan=$(in_ns "$a" cat /sys/class/net/lan0/address)
	mac_br=$(in_ns "$a" cat /sys/class/net/br-tap0/address)
	check_eq "br-tap0 has lan0's MAC" "$mac_br" "$mac_lan"
	check "tap0 is up" in_ns "$a" sh -c 'ip -o link show tap0 | grep -q "[<,]UP[,>]"'
	check "LAN host pings the bridge address" pings "$l" 192.168.70.1
	check "LAN host pings the moved secondary address" pings "$l" 192.168.70.11
	check_eq "state directory is mode 700" "$(stat -c %a "$TTT_STATE_DIR")" 700
	check_eq "per-namespace state directory is mode 700" \
		"$(stat -c %a "$(dirname "$(find "$TTT_STATE_DIR" -name '*.state' | head -n 1)")")" 700
	check_eq "one state file" "$(state_files)" 1

	snap "$a" >"$TMP/during"
	run "$a" l2_bridge_up.sh tap0 lan0
	check_eq "second l2 up exits 1" "$RC" 1
	check_err "second l2 up says it is already up" "already up"
	snap "$a" >"$TMP/during2"
	check_same "second l2 up changed nothing" "$TMP/during" "$TMP/during2"

	run "$a" l2_bridge_down.sh tap0 lan0
	check_eq "l2 down exits 0" "$RC" 0
	[ "$RC" = 0 ] || sed 's/^/     /' "$TMP/err"
	snap "$a" >"$TMP/after"
	check_same "after l2 down: links, addresses, routes as before up" "$TMP/before" "$TMP/after"
	check_eq "no state left after l2 down" "$(state_files)" 0
	check "LAN host pings lan0 after down" pings "$l" 192.168.70.1

	run "$a" l2_bridge_down.sh tap0 lan0
	check_eq "second l2 down exits 0" "$RC" 0
	check "second l2 down says nothing to undo" grep -q "nothing to undo" "$TMP/out"
	snap "$a" >"$TMP/after2"
	check_same "second l2 down changed nothing" "$TMP/before" "$TMP/after2"
}

# --- l2 bridge across a veth "tap" to a remote host; an explicit BRIDGE.
scenario_l2_veth() {
	local a l r
	echo "# l2 bridge, veth tap to a remote namespace"
	mkns l2va a && mkns l2vl l && mkns l2vr r || { fail "create namespaces"; return; }
	veth "$a" tap1 "$r" eth0 && veth "$a" lan0 "$l" eth0 &&
		in_ns "$a" ip addr add 192.168.71.1/24 dev lan0 &&
		in_ns "$l" ip addr add 192.168.71.2/24 dev eth0 &&
		in_ns "$r" ip addr add 192.168.71.9/24 dev eth0 || { fail "set up namespaces"; return; }
	snap "$a" >"$TMP/before"
	check "remote cannot reach the LAN host before up" no_ping "$r" 192.168.71.2

	run "$a" l2_bridge_up.sh tap1 lan0 tttbr0
	check_eq "l2 up with BRIDGE exits 0" "$RC" 0
	check_eq "tttbr0 holds lan0's address" "$(in_ns "$a" ip -o -4 addr show dev tttbr0 | awk '{ print $4 }')" 192.168.71.1/24
	check "remote pings the LAN host across the bridge" pings "$r" 192.168.71.2
	check "LAN host pings the remote across the bridge" pings "$l" 192.168.71.9
	check "remote pings the bridging host" pings "$r" 192.168.71.1

	snap "$a" >"$TMP/during"
	run "$a" l2_bridge_down.sh tap1 lan0 otherbr
	check_eq "l2 down with the wrong BRIDGE exits 1" "$RC" 1
	check_err "l2 down with the wrong BRIDGE names the right one" "tttbr0"
	snap "$a" >"$TMP/during2"
	check_same "l2 down with the wrong BRIDGE changed nothing" "$TMP/during" "$TMP/during2"

	run "$a" l2_bridge_down.sh tap1 lan0 tttbr0
	check_eq "l2 down with BRIDGE exits 0" "$RC" 0
	snap "$a" >"$TMP/after"
	check_same "after l2 down: as before up" "$TMP/before" "$TMP/after"
	check "remote cannot reach the LAN host after down" no_ping "$r" 192.168.71.2
}

# --- l2 up that fails half way rolls back; an existing bridge is refused.
scenario_l2_rollback() {
	local a l
	echo "# l2 bridge: refusals and rollback"
	mkns l2ra a && mkns l2rl l || { fail "create namespaces"; return; }
	lone "$a" tap0 && veth "$a" lan0 "$l" eth0 &&
		in_ns "$a" ip addr add 192.168.75.1/24 dev lan0 &&
		in_ns "$a" ip link add userbr type bridge || { fail "set up namespaces"; return; }
	snap "$a" >"$TMP/before"
	run "$a" l2_bridge_up.sh tap0 lan0 userbr
	check_eq "l2 up into an existing bridge exits 1" "$RC" 1
	check_err "l2 up into an existing bridge says why" "userbr already exists"
	in_ns "$a" ip link set lan0 master userbr
	snap "$a" >"$TMP/before"
	run "$a" l2_bridge_up.sh tap0 lan0
	check_eq "l2 up with an enslaved LAN_IF exits 1" "$RC" 1
	check_err "l2 up with an enslaved LAN_IF names its master" "lan0 is already enslaved to userbr"
	snap "$a" >"$TMP/after"
	check_same "refused l2 up changed nothing" "$TMP/before" "$TMP/after"
	in_ns "$a" ip link set lan0 nomaster
	# A macvlan on lan0 holds its rx handler: enslaving lan0 fails (EBUSY),
	# after the bridge exists and tap0 is in it.
	in_ns "$a" ip link add mv0 link lan0 type macvlan || { fail "add macvlan"; return; }
	snap "$a" >"$TMP/before"
	run "$a" l2_bridge_up.sh tap0 lan0
	check_eq "l2 up failing half way exits 1" "$RC" 1
	check_err "l2 up failing half way says it undoes" "undoing"
	snap "$a" >"$TMP/after"
	check_same "l2 up failing half way left everything as before" "$TMP/before" "$TMP/after"
	check_eq "no state left after rollback" "$(state_files)" 0
}

# --- NAT: remote 10.77.0.2 behind tap2, LAN 192.168.72.0/24 behind lan0.
scenario_nat() {
	local a l r table
	echo "# l3 NAT"
	mkns nata a && mkns natl l && mkns natr r || { fail "create namespaces"; return; }
	veth "$a" tap2 "$r" eth0 && veth "$a" lan0 "$l" eth0 &&
		in_ns "$a" ip addr add 10.77.0.1/24 dev tap2 &&
		in_ns "$a" ip addr add 192.168.72.1/24 dev lan0 &&
		in_ns "$r" ip addr add 10.77.0.2/24 dev eth0 &&
		in_ns "$r" ip route add default via 10.77.0.1 &&
		in_ns "$l" ip addr add 192.168.72.2/24 dev eth0 || { fail "set up namespaces"; return; }
	# The user's own rules, which up and down must leave alone, and forwarding
	# on lan0 alone, which turning ip_forward on then off again would lose.
	in_ns "$a" nft -f - <<-'EOF' || { fail "load user ruleset"; return; }
		table inet userfw {
			chain userfwd {
				type filter hook forward priority 0; policy accept;
				ip daddr 203.0.113.7 drop
			}
		}
		table ip nat {
			chain post {
				type nat hook postrouting priority 100; policy accept;
				oifname "lan0" ip saddr 198.51.100.0/24 snat to 192.168.72.1
			}
		}
		table ip tinytaptunnel_nat_tap9_lan0 {
		}
	EOF
	in_ns "$a" sh -c 'echo 1 >/proc/sys/net/ipv4/conf/lan0/forwarding'
	snap "$a" >"$TMP/before"
	check_eq "ip_forward is 0 before up" "$(sysctl_of "$a" ip_forward)" 0
	check "remote cannot reach the LAN host before up" no_ping "$r" 192.168.72.2

	table=tinytaptunnel_nat_tap2_lan0
	run "$a" l3_nat_up.sh tap2 lan0 10.77.0.0/24
	check_eq "nat up exits 0" "$RC" 0
	[ "$RC" = 0 ] || sed 's/^/     /' "$TMP/err"
	check "nft table $table exists" in_ns "$a" nft list table ip "$table"
	check "it masquerades 10.77.0.0/24 out of lan0" in_ns "$a" sh -c \
		"nft list table ip $table | grep -q 'oifname \"lan0\" ip saddr 10.77.0.0/24 masquerade'"
	check_eq "ip_forward is 1" "$(sysctl_of "$a" ip_forward)" 1
	check_eq "the connected route is used, none added" \
		"$(in_ns "$a" ip -o route show 10.77.0.0/24 | wc -l)" 1
	# The LAN host has no route to 10.77.0.0/24: only masquerading gets replies back.
	check "remote pings the LAN host through NAT" pings "$r" 192.168.72.2
	check "user's nft rule untouched while up" in_ns "$a" sh -c \
		"nft list table inet userfw | grep -q 'ip daddr 203.0.113.7 drop'"

	run "$a" l3_nat_up.sh tap2 lan0 10.77.0.0/24
	check_eq "second nat up exits 1" "$RC" 1
	check_err "second nat up says it is already up" "already up"

	run "$a" l3_nat_down.sh tap2 lan0 10.99.0.0/24
	check_eq "nat down with other arguments exits 1" "$RC" 1
	check "nat down with other arguments left the table" in_ns "$a" nft list table ip "$table"

	run "$a" l3_nat_down.sh tap2 lan0 10.77.0.0/24
	check_eq "nat down exits 0" "$RC" 0
	[ "$RC" = 0 ] || sed 's/^/     /' "$TMP/err"
	check "nft table $table is gone" no_table "$a" "$table"
	check_eq "ip_forward is back to 0" "$(sysctl_of "$a" ip_forward)" 0
	check_eq "lan0's own forwarding is back to 1" "$(sysctl_of "$a" conf/lan0/forwarding)" 1
	check "the user's rule is still there" in_ns "$a" sh -c \
		"nft list table inet userfw | grep -q 'ip daddr 203.0.113.7 drop'"
	check "the other instance's table is still there" in_ns "$a" nft list table ip tinytaptunnel_nat_tap9_lan0
	snap "$a" >"$TMP/after"
	check_same "after nat down: links, routes, sysctls, nft ruleset as before up" "$TMP/before" "$TMP/after"
	check "remote cannot reach the LAN host after down" no_ping "$r" 192.168.72.2

	run "$a" l3_nat_down.sh tap2 lan0
	check_eq "second nat down exits 0" "$RC" 0
	check "second nat down says nothing to undo" grep -q "nothing to undo" "$TMP/out"

	# ip_forward already 1 stays 1.
	in_ns "$a" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
	snap "$a" >"$TMP/before"
	run "$a" l3_nat_up.sh tap2 lan0 10.77.0.0/24
	check_eq "nat up with forwarding already on exits 0" "$RC" 0
	run "$a" l3_nat_down.sh tap2 lan0
	check_eq "nat down exits 0" "$RC" 0
	check_eq "ip_forward that was 1 is still 1" "$(sysctl_of "$a" ip_forward)" 1
	snap "$a" >"$TMP/after"
	check_same "forwarding on before: all as before up" "$TMP/before" "$TMP/after"
}
no_table() {
	! in_ns "$1" nft list table ip "$2" >/dev/null 2>&1
}

# --- NAT: a GATEWAY route, conflicts, a drop policy, a tap that is down.
scenario_nat_routes() {
	local a
	echo "# l3 NAT: routes and refusals"
	mkns natg a || { fail "create namespace"; return; }
	lone "$a" tap3 && in_ns "$a" ip link set tap3 down && lone "$a" lan0 &&
		in_ns "$a" ip addr add 10.77.0.1/24 dev tap3 &&
		in_ns "$a" ip addr add 192.168.76.1/24 dev lan0 &&
		in_ns "$a" ip route add 10.66.0.0/16 via 192.168.76.254 || { fail "set up namespace"; return; }
	snap "$a" >"$TMP/before"

	run "$a" l3_nat_up.sh tap3 lan0 10.88.0.0/16 10.77.0.2
	check_eq "nat up with GATEWAY and a down tap exits 0" "$RC" 0
	[ "$RC" = 0 ] || sed 's/^/     /' "$TMP/err"
	check_eq "TUNNEL_CIDR is routed via GATEWAY on tap3" \
		"$(in_ns "$a" ip route show 10.88.0.0/16)" "10.88.0.0/16 via 10.77.0.2 dev tap3 proto static "
	check "tap3 was set up" in_ns "$a" sh -c 'ip -o link show tap3 | grep -q "[<,]UP[,>]"'
	run "$a" l3_nat_down.sh tap3 lan0 10.88.0.0/16 10.77.0.2
	check_eq "nat down exits 0" "$RC" 0
	check_eq "the GATEWAY route is gone" "$(in_ns "$a" ip route show 10.88.0.0/16)" ""
	snap "$a" >"$TMP/after"
	check_same "after nat down: tap3 down again, all as before up" "$TMP/before" "$TMP/after"

	run "$a" l3_nat_up.sh tap3 lan0 10.66.0.0/16
	check_eq "nat up for a prefix routed elsewhere exits 1" "$RC" 1
	check_err "it says the prefix is already routed" "10.66.0.0/16 is already routed another way"
	in_ns "$a" nft add table ip tinytaptunnel_nat_tap3_lan0
	run "$a" l3_nat_up.sh tap3 lan0 10.88.0.0/16
	check_eq "nat up when its table exists exits 1" "$RC" 1
	check_err "it names the table" "tinytaptunnel_nat_tap3_lan0 exists"
	in_ns "$a" nft delete table ip tinytaptunnel_nat_tap3_lan0
	snap "$a" >"$TMP/after"
	check_same "refused nat ups changed nothing" "$TMP/before" "$TMP/after"
	check_eq "no state left after refusals" "$(state_files)" 0

	in_ns "$a" nft -f - <<-'EOF'
		table inet userdrop {
			chain userfwd {
				type filter hook forward priority 0; policy drop;
			}
		}
	EOF
	run "$a" l3_nat_up.sh tap3 lan0 10.77.0.0/24
	check_eq "nat up beside a forward drop policy exits 0" "$RC" 0
	check_err "it warns about the drop policy" "forward chain with policy drop"
	run "$a" l3_nat_down.sh tap3 lan0
	check "the user's drop chain is still there" in_ns "$a" nft list table inet userdrop
	in_ns "$a" nft delete table inet userdrop

	# Someone turns forwarding off while up: down leaves their value.
	run "$a" l3_nat_up.sh tap3 lan0 10.77.0.0/24
	in_ns "$a" sh -c 'echo 0 >/proc/sys/net/ipv4/ip_forward'
	in_ns "$a" sh -c 'echo 1 >/proc/sys/net/ipv4/conf/default/forwarding'
	run "$a" l3_nat_down.sh tap3 lan0
	check_eq "nat down after ip_forward changed exits 0" "$RC" 0
	check_err "it says ip_forward was changed since" "ip_forward is 0, not 1"
	check_eq "default forwarding set by someone else is left" "$(sysctl_of "$a" conf/default/forwarding)" 1
}

# --- Instances share ip_forward: it goes back only when the last one is down.
scenario_shared() {
	local a b
	echo "# shared ip_forward between instances"
	mkns shr a || { fail "create namespace"; return; }
	lone "$a" tap5 && lone "$a" tap6 && lone "$a" lan0 &&
		in_ns "$a" ip addr add 192.168.77.1/24 dev lan0 || { fail "set up namespace"; return; }
	snap "$a" >"$TMP/before"
	run "$a" l3_nat_up.sh tap5 lan0 10.80.0.0/24
	check_eq "first nat up exits 0" "$RC" 0
	run "$a" l3_nat_up.sh tap6 lan0 10.81.0.0/24
	check_eq "second nat up (other tap) exits 0" "$RC" 0
	run "$a" l3_proxy_arp_up.sh tap6 lan0 192.168.77.9
	check_eq "proxy ARP up beside them exits 0" "$RC" 0
	check "both nat tables exist" in_ns "$a" sh -c \
		'nft list table ip tinytaptunnel_nat_tap5_lan0 && nft list table ip tinytaptunnel_nat_tap6_lan0' >/dev/null
	# The same names in another namespace are another instance entirely.
	mkns shr2 b && lone "$b" tap5 && lone "$b" lan0 || { fail "set up second namespace"; return; }
	run "$b" l3_nat_up.sh tap5 lan0 10.80.0.0/24
	check_eq "nat up with the same names in another namespace exits 0" "$RC" 0
	run "$b" l3_nat_down.sh tap5 lan0
	check_eq "its down exits 0" "$RC" 0
	check_eq "its ip_forward is back to 0" "$(sysctl_of "$b" ip_forward)" 0
	check_eq "the first namespace's ip_forward is still 1" "$(sysctl_of "$a" ip_forward)" 1
	check "the first namespace's table is still there" in_ns "$a" nft list table ip tinytaptunnel_nat_tap5_lan0

	run "$a" l3_nat_down.sh tap5 lan0
	check_eq "first nat down exits 0" "$RC" 0
	check_eq "ip_forward stays 1 while others need it" "$(sysctl_of "$a" ip_forward)" 1
	check "first table gone" no_table "$a" tinytaptunnel_nat_tap5_lan0
	check "second table still there" in_ns "$a" nft list table ip tinytaptunnel_nat_tap6_lan0
	run "$a" l3_nat_down.sh tap6 lan0
	check_eq "ip_forward stays 1 while proxy ARP needs it" "$(sysctl_of "$a" ip_forward)" 1
	run "$a" l3_proxy_arp_down.sh tap6 lan0
	check_eq "proxy ARP down exits 0" "$RC" 0
	check_eq "ip_forward back to 0 after the last one" "$(sysctl_of "$a" ip_forward)" 0
	snap "$a" >"$TMP/after"
	check_same "after all downs: as before the first up" "$TMP/before" "$TMP/after"
	check_eq "no state left" "$(state_files)" 0
}

# --- Proxy ARP: remote 192.168.73.9 across tap4 sits in the LAN's subnet.
scenario_proxy_arp() {
	local a l r mac neigh
	echo "# l3 proxy ARP"
	mkns pxa a && mkns pxl l && mkns pxr r || { fail "create namespaces"; return; }
	veth "$a" tap4 "$r" eth0 && veth "$a" lan0 "$l" eth0 &&
		in_ns "$a" ip addr add 192.168.73.1/24 dev lan0 &&
		in_ns "$l" ip addr add 192.168.73.2/24 dev eth0 &&
		in_ns "$r" ip addr add 192.168.73.9/24 dev eth0 || { fail "set up namespaces"; return; }
	in_ns "$a" nft -f - <<-'EOF' || { fail "load user ruleset"; return; }
		table inet userfw {
			chain userfwd {
				type filter hook forward priority 0; policy accept;
				ip daddr 203.0.113.7 drop
			}
		}
	EOF
	snap "$a" >"$TMP/before"
	check "LAN host cannot reach the remote before up" no_ping "$l" 192.168.73.9

	run "$a" l3_proxy_arp_up.sh tap4 lan0 192.168.73.9
	check_eq "proxy ARP up exits 0" "$RC" 0
	[ "$RC" = 0 ] || sed 's/^/     /' "$TMP/err"
	check_eq "proxy_arp on lan0" "$(sysctl_of "$a" conf/lan0/proxy_arp)" 1
	check_eq "proxy_arp on tap4" "$(sysctl_of "$a" conf/tap4/proxy_arp)" 1
	check_eq "ip_forward on" "$(sysctl_of "$a" ip_forward)" 1
	check_eq "host route to the remote via tap4" \
		"$(in_ns "$a" ip route show 192.168.73.9)" "192.168.73.9 dev tap4 proto static scope link "
	check "LAN host pings the remote" pings "$l" 192.168.73.9
	check "remote pings the LAN host" pings "$r" 192.168.73.2
	mac=$(in_ns "$a" cat /sys/class/net/lan0/address)
	neigh=$(in_ns "$l" ip neigh show 192.168.73.9 dev eth0 | awk '{ print $3 }')
	check_eq "the LAN host resolved the remote to lan0's MAC (proxy ARP)" "$neigh" "$mac"

	run "$a" l3_proxy_arp_down.sh tap4 lan0 192.168.73.9
	check_eq "proxy ARP down exits 0" "$RC" 0
	[ "$RC" = 0 ] || sed 's/^/     /' "$TMP/err"
	check_eq "proxy_arp off on lan0" "$(sysctl_of "$a" conf/lan0/proxy_arp)" 0
	check_eq "ip_forward back to 0" "$(sysctl_of "$a" ip_forward)" 0
	check_eq "host route gone" "$(in_ns "$a" ip route show 192.168.73.9)" ""
	snap "$a" >"$TMP/after"
	check_same "after proxy ARP down: routes, sysctls, nft ruleset as before up" "$TMP/before" "$TMP/after"
	in_ns "$l" ip neigh flush dev eth0
	check "LAN host cannot reach the remote after down" no_ping "$l" 192.168.73.9

	run "$a" l3_proxy_arp_down.sh tap4 lan0
	check_eq "second proxy ARP down exits 0" "$RC" 0
	check "second proxy ARP down says nothing to undo" grep -q "nothing to undo" "$TMP/out"

	# proxy_arp already on for lan0 stays on; the tap disappearing is fine.
	in_ns "$a" sh -c 'echo 1 >/proc/sys/net/ipv4/conf/lan0/proxy_arp'
	run "$a" l3_proxy_arp_up.sh tap4 lan0 192.168.73.9 192.168.73.128/25
	check_eq "proxy ARP up with two remotes exits 0" "$RC" 0
	check_eq "route for the /25 via tap4" \
		"$(in_ns "$a" ip route show 192.168.73.128/25)" "192.168.73.128/25 dev tap4 proto static scope link "
	in_ns "$a" ip link del tap4
	run "$a" l3_proxy_arp_down.sh tap4 lan0
	check_eq "proxy ARP down after the tap is gone exits 0" "$RC" 0
	[ "$RC" = 0 ] || sed 's/^/     /' "$TMP/err"
	check_eq "proxy_arp that was 1 on lan0 is still 1" "$(sysctl_of "$a" conf/lan0/proxy_arp)" 1
	check_eq "ip_forward back to 0 with the tap gone" "$(sysctl_of "$a" ip_forward)" 0
	check_eq "no state left" "$(state_files)" 0
}

scenario_static
scenario_missing
scenario_l2_tap
scenario_l2_veth
scenario_l2_rollback
scenario_nat
scenario_nat_routes
scenario_shared
scenario_proxy_arp

delete_netns
check_eq "every namespace of this run is deleted" "$(our_netns)" ""

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]

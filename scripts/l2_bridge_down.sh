#!/bin/sh
# l2_bridge_down.sh TAP LAN_IF [BRIDGE]
#
# Undo exactly what l2_bridge_up.sh TAP LAN_IF [BRIDGE] did: delete the bridge
# it created (releasing TAP and LAN_IF; not if a bridge of that name is no
# longer the one up created), put LAN_IF's IPv4 addresses and routes back,
# and set down again what up set up. Takes the same arguments as up, or just
# TAP LAN_IF; a BRIDGE must match up's. Running it again, or without a
# matching up, says there is nothing to undo (exit 0). A TAP that is gone is
# fine; if LAN_IF is gone, what could not be put back is listed.
#
# Exit: 0 done or nothing to undo; 1 failed (state kept, re-run after fixing);
# 64 usage; 77 not root.
set -eu
# Helpers shared by the six scripts (ttt-common.sh beside this one).
# shellcheck source=ttt-common.sh
. "$(dirname "$(readlink -f "$0")")/ttt-common.sh"

KIND=l2_bridge
USAGE='TAP LAN_IF [BRIDGE]'

[ $# -eq 2 ] || [ $# -eq 3 ] || usage
TAP=$1
LAN=$2
check_ifname "$TAP"
check_ifname "$LAN"
[ $# -eq 2 ] || check_ifname "$3"
need_root
need_tool ip iproute2
state_open_undo "$KIND" "$TAP" "$LAN"
BR=$(state_get bridge)
if [ $# -eq 3 ] && [ "$3" != "$BR" ]; then
	die "up bridged $TAP and $LAN in ${BR:-no bridge}, not $3; nothing changed"
fi

failed=0
# Deleting the bridge releases its ports and drops the moved addresses and routes.
if [ -n "$BR" ] && have_link "$BR"; then
	idx=$(ip -o link show dev "$BR" | awk -F: '{ print $1 }')
	want=$(state_get bridge_ifindex)
	if [ -n "$want" ] && [ "$idx" != "$want" ]; then
		warn "$BR is not the bridge up created (ifindex $idx, not $want); leaving it"
	else
		ip link del dev "$BR" || failed=1
	fi
fi

if have_link "$LAN"; then
	while read -r what a; do
		case $what in
		addr)
			# Kernel order: primaries before their secondaries.
			if ! ip -o -4 addr show dev "$LAN" | awk -v x="${a%% *}" '$4 == x { f = 1 } END { exit !f }'; then
				# shellcheck disable=SC2086 # recorded arguments
				ip addr add $a dev "$LAN" || failed=1
			fi
			;;
		route)
			# shellcheck disable=SC2086 # recorded arguments
			if ! err=$(ip route add $a dev "$LAN" 2>&1); then
				case $err in
				*'File exists'*) ;;
				*) warn "ip route add $a dev $LAN: $err"; failed=1 ;;
				esac
			fi
			;;
		esac
	done <"$STATE_FILE"
else
	lost=$(awk '$1 == "addr" || $1 == "route"' "$STATE_FILE")
	[ -z "$lost" ] || warn "$LAN is gone; these could not be put back on it:
$lost"
fi

# What up set up goes down again, after the addresses are back.
while read -r what i; do
	[ "$what" = up ] || continue
	have_link "$i" || continue
	ip link set dev "$i" down || failed=1
done <"$STATE_FILE"

[ "$failed" = 0 ] || die "could not undo everything; state kept in $STATE_FILE, re-run after fixing"
rm -f "$STATE_FILE"
note "undone: $TAP and $LAN released${BR:+, $BR deleted}, $LAN's addresses back"

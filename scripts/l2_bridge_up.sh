#!/bin/sh
# l2_bridge_up.sh TAP LAN_IF [BRIDGE]
#
# Layer-2 sharing: put the tunnel's TAP and LAN_IF in one Linux bridge, so the
# hosts across the tunnel sit on the LAN's Ethernet segment (ARP, DHCP, ...).
#   - creates BRIDGE (default br-TAP; it must not exist: down deletes it),
#     STP off and no forwarding delay, with LAN_IF's MAC so the LAN's ARP
#     caches for this host stay right;
#   - enslaves TAP, then LAN_IF, and sets down ones up;
#   - moves LAN_IF's IPv4 addresses and the routes through LAN_IF (default
#     route included) to BRIDGE, because a bridge port's own addresses no
#     longer receive anything.
# IPv6 addresses stay on LAN_IF (a warning says so if it has global ones);
# a DHCP client on LAN_IF must be moved to BRIDGE by hand (warned too).
# Frames bigger than TAP's MTU are dropped at the tunnel: LAN hosts that talk
# across it need an MTU no bigger than the tunnel's (warned if TAP's is lower).
#
# What changed is recorded in /run/tinytaptunnel/ (or $TTT_STATE_DIR) and
# l2_bridge_down.sh undoes exactly that.
#
# Exit: 0 done; 1 failed (nothing changed, or rolled back); 64 usage; 77 not root.
# POSIX sh; each script stands alone so it can be installed on its own.
set -eu
# Helpers shared by the six scripts (ttt-common.sh beside this one).
# shellcheck source=ttt-common.sh
. "$(dirname "$(readlink -f "$0")")/ttt-common.sh"

KIND=l2_bridge
DOWN=l2_bridge_down.sh
USAGE='TAP LAN_IF [BRIDGE]'

[ $# -eq 2 ] || [ $# -eq 3 ] || usage
TAP=$1
LAN=$2
check_ifname "$TAP"
check_ifname "$LAN"
if [ $# -eq 3 ]; then
	BR=$3
	check_ifname "$BR"
else
	BR=br-$TAP
	[ "${#BR}" -le 15 ] || bad_arg "default bridge name $BR is longer than 15 bytes; name BRIDGE"
fi
if [ "$TAP" = "$LAN" ] || [ "$BR" = "$TAP" ] || [ "$BR" = "$LAN" ]; then
	bad_arg "TAP, LAN_IF and BRIDGE must be three different interfaces"
fi
need_root
need_tool ip iproute2
need_link "$TAP" tunnel
need_link "$LAN" LAN
state_open "$KIND" "$TAP" "$LAN"
[ ! -e "$STATE_FILE" ] || die "already up for $TAP $LAN (see $STATE_FILE); run $DOWN first"
! have_link "$BR" || die "$BR already exists; up only uses a bridge it creates (down deletes it): name another BRIDGE"
for i in "$TAP" "$LAN"; do
	m=$(link_word "$i" master)
	[ -z "$m" ] || die "$i is already enslaved to $m"
	[ -n "$(link_word "$i" link/ether)" ] || die "$i is not an Ethernet interface; it cannot be bridged"
done

state_open "$KIND" "$TAP" "$LAN" create
state_lock
[ ! -e "$STATE_FILE" ] || die "already up for $TAP $LAN (see $STATE_FILE); run $DOWN first"

# LAN_IF's IPv4 addresses as `ip addr add` arguments (label last), in kernel
# order, so primaries come back before their secondaries.
ADDRS=$(ip -o -4 addr show dev "$LAN" | awk '{
	out = $4; label = ""
	for (i = 5; i <= NF; i++) {
		t = $i
		if (t == "peer" || t == "brd" || t == "scope" || t == "metric" || t == "proto") {
			out = out " " t " " $(i + 1); i++
		} else if (t == "valid_lft" || t == "preferred_lft") {
			v = $(i + 1); sub(/sec$/, "", v); out = out " " t " " v; i++
		} else if (t == "noprefixroute" || t == "autojoin" || t == "home") {
			out = out " " t
		} else if (t !~ /^(secondary|dynamic|deprecated|tentative|permanent|\\)$/) {
			sub(/\\$/, "", t); label = t
		}
	}
	print out (label == "" ? "" : " label " label)
}')
# Routes through LAN_IF other than the kernel's own (which follow the
# addresses), as `ip route add` arguments without state flags.
ROUTES=$(ip -4 route show table all dev "$LAN" | awk '
	/ proto kernel( |$)/ { next }
	/^[ \t]|nhid|nexthop/ { print "skip " $0; next }
	{
		out = ""
		for (i = 1; i <= NF; i++) {
			t = $i
			if (t ~ /^(linkdown|dead|offload|trap|offload_failed|rt_offload|rt_trap|rt_offload_failed|pervasive|notify)$/) continue
			if (t == "expires") { i++; continue }
			out = out (out == "" ? "" : " ") t
		}
		print out
	}')
case $ROUTES in *skip*)
	warn "multipath or nexthop-object routes through $LAN are not moved and will be lost:"
	printf '%s\n' "$ROUTES" | sed -n 's/^skip /    /p' >&2
	ROUTES=$(printf '%s\n' "$ROUTES" | sed '/^skip /d')
	;;
esac
if ip -o -4 addr show dev "$LAN" | grep -q ' dynamic '; then
	warn "$LAN has DHCP-managed addresses; run the DHCP client on $BR instead"
fi
if [ -n "$(ip -o -6 addr show dev "$LAN" scope global)" ]; then
	warn "$LAN's global IPv6 addresses are not moved to $BR"
fi
tap_mtu=$(link_word "$TAP" mtu)
lan_mtu=$(link_word "$LAN" mtu)
if [ "$tap_mtu" -lt "$lan_mtu" ]; then
	warn "$TAP's MTU $tap_mtu is below $LAN's $lan_mtu: larger LAN frames cannot cross the tunnel"
fi
mac=$(link_word "$LAN" link/ether)

state_begin "${3-}"
rollback_arm

state_add bridge "$BR"
ip link add name "$BR" address "$mac" type bridge stp_state 0 forward_delay 0
state_add bridge_ifindex "$(ip -o link show dev "$BR" | awk -F: '{ print $1 }')"

# TAP first: it carries nothing yet, so the LAN keeps working until its turn.
link_is_up "$TAP" || state_add up "$TAP"
ip link set dev "$TAP" master "$BR"
ip link set dev "$TAP" up
ip link set dev "$BR" up

# Recorded before they are flushed, restored to LAN_IF by down.
link_is_up "$LAN" || state_add up "$LAN"
printf '%s\n' "$ADDRS" | sed '/^$/d; s/^/addr /' >>"$STATE_FILE"
printf '%s\n' "$ROUTES" | sed '/^$/d; s/^/route /' >>"$STATE_FILE"
ip link set dev "$LAN" master "$BR"
ip link set dev "$LAN" up
ip -4 addr flush dev "$LAN"
while read -r a; do
	# shellcheck disable=SC2086 # recorded arguments; a label must name BRIDGE, so it is dropped
	[ -z "$a" ] || ip addr add ${a% label *} dev "$BR"
done <<EOF2
$ADDRS
EOF2
while read -r r; do
	# shellcheck disable=SC2086 # recorded arguments
	[ -z "$r" ] || ip route add $r dev "$BR"
done <<EOF2
$ROUTES
EOF2

rollback_disarm
moved=$(printf '%s\n' "$ADDRS" | awk 'NF { printf "%s%s", sep, $1; sep = " " }')
note "bridged $TAP and $LAN in $BR${moved:+; moved $moved from $LAN to $BR}"

#!/bin/sh
# l3_nat_up.sh TAP LAN_IF TUNNEL_CIDR [GATEWAY]
#
# Layer-3 sharing: hosts across the tunnel, addressed from TUNNEL_CIDR, reach
# the LAN behind LAN_IF through this host, masqueraded as LAN_IF's address.
#   - TAP is set up if it is down;
#   - TUNNEL_CIDR is routed through TAP, on-link or via GATEWAY (a host across
#     the tunnel), unless a route for exactly TUNNEL_CIDR through TAP exists
#     (typically the connected route of TAP's own address, e.g. 10.1.2.3/24).
#   - nftables table "ip tinytaptunnel_nat_<TAP>_<LAN_IF>" masquerades
#     TUNNEL_CIDR out of LAN_IF. Nothing else in the ruleset is touched.
#   - net.ipv4.ip_forward is set to 1, last, once NAT is in place.
# No forward-accept rule is added: a drop in the user's forward chain would
# win over it anyway. If one exists, this says so; allow TAP <-> LAN_IF there.
#
# What changed is recorded in /run/tinytaptunnel/ (or $TTT_STATE_DIR) and
# l3_nat_down.sh undoes exactly that; the prior ip_forward is restored when
# the last instance needing it goes down. IPv4 only.
#
# Exit: 0 done; 1 failed (nothing changed, or rolled back); 64 usage; 77 not root.
# POSIX sh; each script stands alone so it can be installed on its own.
set -eu
# Helpers shared by the six scripts (ttt-common.sh beside this one).
# shellcheck source=ttt-common.sh
. "$(dirname "$(readlink -f "$0")")/ttt-common.sh"
# Helpers shared by the four l3 scripts.
# shellcheck source=ttt-l3-common.sh
. "$(dirname "$(readlink -f "$0")")/ttt-l3-common.sh"

KIND=l3_nat
DOWN=l3_nat_down.sh
USAGE='TAP LAN_IF TUNNEL_CIDR [GATEWAY]'

[ $# -eq 3 ] || [ $# -eq 4 ] || usage
TAP=$1
LAN=$2
check_ifname "$TAP"
check_ifname "$LAN"
[ "$TAP" != "$LAN" ] || bad_arg "TAP and LAN_IF are the same interface"
CIDR=$(cidr_arg TUNNEL_CIDR "$3")
GW=
if [ $# -eq 4 ]; then
	case $4 in */*) bad_arg "GATEWAY '$4' must be an address, not a prefix" ;; esac
	GW=$(cidr_arg GATEWAY "$4")
	GW=${GW%/32}
fi
need_root
need_tool ip iproute2
need_tool nft nftables
need_link "$TAP" tunnel
need_link "$LAN" LAN

TABLE=tinytaptunnel_nat_$(printf '%s_%s' "$TAP" "$LAN" | tr '.=+-' '____')
state_open "$KIND" "$TAP" "$LAN" create
state_lock
[ ! -e "$STATE_FILE" ] || die "already up for $TAP $LAN (see $STATE_FILE); run $DOWN first"
if nft list table ip "$TABLE" >/dev/null 2>&1; then
	die "nft table ip $TABLE exists but no up recorded it (another TAP/LAN_IF pair with a similar name, or stale: nft delete table ip $TABLE)"
fi

state_begin "$3${GW:+ $4}"
rollback_arm
warn_forward_drop
# Up first: TAP's connected routes only exist while it is up.
tap_up
ADD_ROUTE=1
route_wanted "$CIDR" "$TAP" "$GW" && ADD_ROUTE=0

state_add table "$TABLE"
nft -f - <<NFT
create table ip $TABLE { comment "tinytaptunnel: $PROG $TAP $LAN $CIDR"; }
add chain ip $TABLE postrouting { type nat hook postrouting priority srcnat; policy accept; }
add rule ip $TABLE postrouting oifname "$LAN" ip saddr $CIDR masquerade
NFT

if [ "$ADD_ROUTE" = 1 ]; then
	state_add route "$CIDR dev $TAP${GW:+ via $GW}"
	# shellcheck disable=SC2086 # optional "via GW" is two words
	ip route add "$CIDR" dev "$TAP" ${GW:+via "$GW"} proto static
fi

# Forwarding last: no packet is forwarded before it would be masqueraded.
sysctl_set ip_forward 1

rollback_disarm
note "masquerading $CIDR out of $LAN (nft table ip $TABLE); ip_forward on"

#!/bin/sh
# l3_proxy_arp_up.sh TAP LAN_IF REMOTE_ADDR[/LEN]...
#
# Layer-3 sharing without NAT: hosts across the tunnel use addresses from the
# LAN's own subnet, and this host answers ARP for them on both sides.
#   - TAP is set up if it is down;
#   - each REMOTE_ADDR[/LEN] (a host, or a block of hosts, across the tunnel)
#     gets a route through TAP, unless exactly that route through TAP exists;
#   - net.ipv4.conf.<LAN_IF>.proxy_arp=1: LAN hosts asking for a remote
#     address get this host's MAC, because that address is routed via TAP;
#   - net.ipv4.conf.<TAP>.proxy_arp=1: the same for the remote side asking
#     for LAN hosts;
#   - net.ipv4.ip_forward=1, last.
# proxy_arp answers for every address routed through another interface, not
# only the remote ones: on a LAN with other routed subnets, mind that.
# No firewall rule is added: a drop in the user's forward chain would win
# anyway. If one exists, this says so; allow TAP <-> LAN_IF there.
#
# What changed is recorded in /run/tinytaptunnel/ (or $TTT_STATE_DIR) and
# l3_proxy_arp_down.sh undoes exactly that; a sysctl's prior value is
# restored when the last instance needing it goes down. IPv4 only.
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

KIND=l3_proxy_arp
DOWN=l3_proxy_arp_down.sh
USAGE='TAP LAN_IF REMOTE_ADDR[/LEN]...'

[ $# -ge 3 ] || usage
TAP=$1
LAN=$2
check_ifname "$TAP"
check_ifname "$LAN"
[ "$TAP" != "$LAN" ] || bad_arg "TAP and LAN_IF are the same interface"
shift 2
REMOTES=
for r in "$@"; do
	REMOTES="$REMOTES $(cidr_arg REMOTE_ADDR "$r")"
done
REMOTES=${REMOTES# }
need_root
need_tool ip iproute2
need_link "$TAP" tunnel
need_link "$LAN" LAN

state_open "$KIND" "$TAP" "$LAN" create
state_lock
[ ! -e "$STATE_FILE" ] || die "already up for $TAP $LAN (see $STATE_FILE); run $DOWN first"

state_begin "$*"
rollback_arm
warn_forward_drop
# Up first: TAP's connected routes only exist while it is up.
tap_up
ADD=
for r in $REMOTES; do
	route_wanted "$r" "$TAP" || ADD="$ADD $r"
done

for r in $ADD; do
	state_add route "$r dev $TAP"
	ip route add "$r" dev "$TAP" proto static
done
sysctl_set "conf/$LAN/proxy_arp" 1
sysctl_set "conf/$TAP/proxy_arp" 1
# Forwarding last, once both sides answer ARP and the routes are in place.
sysctl_set ip_forward 1

rollback_disarm
note "answering ARP on $LAN for $REMOTES via $TAP, and on $TAP for the LAN; ip_forward on"

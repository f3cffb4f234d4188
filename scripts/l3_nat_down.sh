#!/bin/sh
# l3_nat_down.sh TAP LAN_IF [TUNNEL_CIDR [GATEWAY]]
#
# Undo exactly what l3_nat_up.sh TAP LAN_IF ... did, newest change first:
# restore net.ipv4.ip_forward (and the interfaces' forwarding) to its value
# before up, unless another instance still needs it or someone changed it
# since; delete the route up added, if any; delete nft table
# "ip tinytaptunnel_nat_<TAP>_<LAN_IF>" and nothing else; set TAP down if up
# set it up. A TAP that is gone is fine. Takes the same
# arguments as up, or just TAP LAN_IF; extra ones must match up's. Running it
# again, or without a matching up, says there is nothing to undo (exit 0).
#
# Exit: 0 done or nothing to undo; 1 failed (state kept, re-run after fixing);
# 64 usage; 77 not root.
set -eu

KIND=l3_nat
USAGE='TAP LAN_IF [TUNNEL_CIDR [GATEWAY]]'
MAXARGS=4
# Helpers shared by the six scripts (ttt-common.sh beside this one).
# shellcheck source=ttt-common.sh
. "$(dirname "$(readlink -f "$0")")/ttt-common.sh"
# Helpers shared by the four l3 scripts.
# shellcheck source=ttt-l3-common.sh
. "$(dirname "$(readlink -f "$0")")/ttt-l3-common.sh"

l3_down_main "$@"

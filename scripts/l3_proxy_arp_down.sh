#!/bin/sh
# l3_proxy_arp_down.sh TAP LAN_IF [REMOTE_ADDR[/LEN]...]
#
# Undo exactly what l3_proxy_arp_up.sh TAP LAN_IF ... did, newest change
# first: restore net.ipv4.ip_forward (and the interfaces' forwarding) and the
# proxy_arp of TAP and LAN_IF to their values before up, unless another
# instance still needs them or someone changed them since; delete the routes
# up added, and no other; set TAP down if up set it up. Takes the same arguments as up, or just TAP LAN_IF;
# extra ones must match up's. Running it again, or without a matching up,
# says there is nothing to undo (exit 0). A TAP that is gone is fine.
#
# Exit: 0 done or nothing to undo; 1 failed (state kept, re-run after fixing);
# 64 usage; 77 not root.
set -eu

KIND=l3_proxy_arp
USAGE='TAP LAN_IF [REMOTE_ADDR[/LEN]...]'
MAXARGS=
# Helpers shared by the six scripts (ttt-common.sh beside this one).
# shellcheck source=ttt-common.sh
. "$(dirname "$(readlink -f "$0")")/ttt-common.sh"
# Helpers shared by the four l3 scripts.
# shellcheck source=ttt-l3-common.sh
. "$(dirname "$(readlink -f "$0")")/ttt-l3-common.sh"

l3_down_main "$@"

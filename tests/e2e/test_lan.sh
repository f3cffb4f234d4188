#!/usr/bin/env bash
# The bridge, NAT and proxy-ARP scripts with the real tunnel: peer B reaches a
# host L on peer A's LAN segment, at layer 2 (bridge: ARP across the tunnel),
# through a NAT route, and through proxy ARP; each down leaves A as it was.
. "$(dirname "$0")/lib.sh"
need_root
S="$TTT_ROOT/scripts"

# dump NS: what the scripts may change in a namespace, to compare before/after.
dump() {
	{ ip -n "$1" -br link | awk '{ print $1, $2 }' | sort
	  ip -n "$1" -br addr | sort
	  ip -n "$1" route | sort
	  ip netns exec "$1" sysctl -n net.ipv4.ip_forward
	  ip netns exec "$1" nft list ruleset; } 2>&1
}

two_peers fixed
NS_L=$(netns lan)
# A's LAN: lan0 in A, eth0 in L.
veth_pair "$NS_A" "$NS_L" 192.168.77.1/24 192.168.77.2/24 lan0
ip -n "$NS_L" link set lan0 name eth0
# The tunnel's own addresses are not needed for layer 2 or proxy ARP.
ip -n "$NS_A" addr flush dev ttt0
ip -n "$NS_B" addr flush dev ttt0
before=$(dump "$NS_A")

log "layer 2: A bridges ttt0 with lan0; B sits on the LAN's segment"
ip -n "$NS_B" addr add 192.168.77.50/24 dev ttt0
check "l2_bridge_up.sh" ip netns exec "$NS_A" "$S/l2_bridge_up.sh" ttt0 lan0
check "B pings L across the bridge" wait_for 10 ping_ok "$NS_B" 192.168.77.2 1
check "B resolved L by ARP (a layer-2 neighbour)" sh -c \
	'ip -n "$1" neigh show 192.168.77.2 dev ttt0 | grep -q "lladdr $2"' _ "$NS_B" \
	"$(ip netns exec "$NS_L" cat /sys/class/net/eth0/address)"
check "L pings B" ping_ok "$NS_L" 192.168.77.50 2
check "l2_bridge_down.sh" ip netns exec "$NS_A" "$S/l2_bridge_down.sh" ttt0 lan0
check "A is as it was" test "$(dump "$NS_A")" = "$before"
check_not "B no longer reaches L" ping_ok "$NS_B" 192.168.77.2 1
ip -n "$NS_B" addr flush dev ttt0

log "NAT: B reaches L through A, masqueraded as A's LAN address"
ip -n "$NS_A" addr add 10.99.0.1/24 dev ttt0
ip -n "$NS_B" addr add 10.99.0.2/24 dev ttt0
ip -n "$NS_B" route add 192.168.77.0/24 via 10.99.0.1
before_nat=$(dump "$NS_A")
check_not "without NAT, L cannot answer B (no route back)" ping_ok "$NS_B" 192.168.77.2 1
check "l3_nat_up.sh" ip netns exec "$NS_A" "$S/l3_nat_up.sh" ttt0 lan0 10.99.0.0/24
check "B pings L through the tunnel and the NAT" ping_ok "$NS_B" 192.168.77.2 3
check "l3_nat_down.sh" ip netns exec "$NS_A" "$S/l3_nat_down.sh" ttt0 lan0
check "A is as it was before NAT" test "$(dump "$NS_A")" = "$before_nat"
ip -n "$NS_B" route del 192.168.77.0/24
ip -n "$NS_A" addr flush dev ttt0
ip -n "$NS_B" addr flush dev ttt0

log "proxy ARP: B uses an address of the LAN's subnet, A answers for it"
ip -n "$NS_B" addr add 192.168.77.60/24 dev ttt0
check_not "before up, L cannot reach B" ping_ok "$NS_L" 192.168.77.60 1
# The failed attempt left L a FAILED neighbour entry; forget it.
ip -n "$NS_L" neigh flush dev eth0
check "l3_proxy_arp_up.sh" ip netns exec "$NS_A" "$S/l3_proxy_arp_up.sh" ttt0 lan0 192.168.77.60
check "L pings B" wait_for 10 ping_ok "$NS_L" 192.168.77.60 1
check "B pings L" ping_ok "$NS_B" 192.168.77.2 3
check "L's neighbour entry for B is A's LAN MAC" sh -c \
	'ip -n "$1" neigh show 192.168.77.60 dev eth0 | grep -q "lladdr $2"' _ "$NS_L" \
	"$(ip netns exec "$NS_A" cat /sys/class/net/lan0/address)"
check "l3_proxy_arp_down.sh" ip netns exec "$NS_A" "$S/l3_proxy_arp_down.sh" ttt0 lan0
check "A is as it was" test "$(dump "$NS_A")" = "$before"
finish

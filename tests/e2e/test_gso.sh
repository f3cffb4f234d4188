#!/usr/bin/env bash
# UDP segmentation offload, both ways (gso.h): a run of frames leaves in one
# message (UDP_SEGMENT) and arrives coalesced (UDP_GRO), and every datagram
# in it is still judged alone: a coalesced message with forged, short or
# replayed datagrams in it loses exactly those. A route that cannot carry
# a run unfragmented makes the sender fall back to one datagram a message,
# losing nothing.
. "$(dirname "$0")/lib.sh"
need_root

need_tool FORGE ttt_forge
RX_FIELDS="frames short long badmac stale future replay reflected wrong-peer coalesced"

# flood NS ADDR COUNT SIZE: flood ping with 32 in flight, so frames queue up on
# the tap and leave in runs; true when every one is answered.
flood() {
	ip netns exec "$1" timeout 60 ping -f -l 32 -c "$3" -s "$4" -W 2 -q "$2" 2>&1 |
	    grep -q "^$3 packets transmitted, $3 received"
}

log "two daemons: runs of frames leave segmented and arrive coalesced"
two_peers fixed
quiet_taps
check "A pings B" ping_ok "$NS_A" 10.99.0.2 2
read_counters "$PID_B" b || failc "B answers SIGUSR1 with its counters"
BASE_B=$CNT
check "2000 flood pings of 56 bytes, 32 in flight, all answered" flood "$NS_A" 10.99.0.2 2000 56
check "2000 flood pings of 1390 bytes (1472-byte datagrams), all answered" \
	flood "$NS_A" 10.99.0.2 2000 1390
read_counters "$PID_A" a
check "A sent frames in segmented messages ($(tx segmented) of $(tx frames))" test "$(tx segmented)" -gt 0
check "A: no socket errors" test "$(tx socket-errors)" = 0
read_counters "$PID_B" b
check "B received coalesced datagrams ($(rx coalesced) of $(rx frames))" test "$(rx coalesced)" -gt 0
check "B refused nothing once the tunnel was up" no_refusals_since "$BASE_B"

log "forged coalesced messages at B: each datagram judged alone (A stopped to free its address)"
forge_at_b 0
expect_deltas "4 authentic datagrams in one message: 4 delivered, 4 coalesced" \
	"frames=4 coalesced=4" forge -g 4 -n 4 -M gso-four
expect_deltas "valid, flipped bit, valid, wrong key in one message: 2 delivered, 2 badmac" \
	"frames=2 badmac=2 coalesced=4" forge -g 4 -n 4 -m valid,flip,valid,wrongkey -M gso-mixed
expect_deltas "two valid closed by a 30-byte one: 2 delivered, 1 short" \
	"frames=2 short=1 coalesced=3" forge -g 3 -n 3 -m valid,valid,short -l 30 -M gso-tail
expect_deltas "one timestamp three times in one message: 1 delivered, 2 replays" \
	"frames=1 replay=2 coalesced=3" forge -g 3 -n 3 -T "$(date +%s%N)" -M gso-replay
expect_deltas "32 authentic in one message (a full batch): 32 delivered" \
	"frames=32 coalesced=32" forge -g 32 -n 32 -M gso-batch
cap_stop tap
check "B's tap got gso-four seq=0..3, each once" sh -c '
	d=$(tcpdump -n -A -r "$1" 2>/dev/null | grep -o "gso-four seq=[0-9]*" | sort | tr "\n" " ")
	[ "$d" = "gso-four seq=0 gso-four seq=1 gso-four seq=2 gso-four seq=3 " ]' _ "$T_DIR/tap.pcap"
check "B's tap got gso-mixed seq=0 and seq=2 only" sh -c '
	d=$(tcpdump -n -A -r "$1" 2>/dev/null | grep -o "gso-mixed seq=[0-9]*" | sort | tr "\n" " ")
	[ "$d" = "gso-mixed seq=0 gso-mixed seq=2 " ]' _ "$T_DIR/tap.pcap"
check "B's tap got the 32 of the full batch" test "$(marker_count tap gso-batch)" = 32

log "an underlay of MTU 1400: 1472-byte runs cannot be segmented; sent alone, none lost"
two_peers fixed
ip -n "$NS_A" link set ul0 mtu 1400
ip -n "$NS_B" link set ul0 mtu 1400
quiet_taps
check "A pings B" ping_ok "$NS_A" 10.99.0.2 2
check "1000 flood pings of 1390 bytes, all answered" flood "$NS_A" 10.99.0.2 1000 1390
check "A logged that 1472-byte datagrams go alone" \
	grep -q "refused to segment 1472-byte datagrams" "$T_DIR/a.log"
check "A warned that 1472-byte datagrams are fragmented now" \
	grep -q "warning: worker: 1472-byte datagrams no longer cross the route to the peer whole" "$T_DIR/a.log"
read_counters "$PID_A" a
seg0=$(tx segmented)
check "A: no socket errors" test "$(tx socket-errors)" = 0
check "2000 flood pings of 56 bytes, all answered" flood "$NS_A" 10.99.0.2 2000 56
read_counters "$PID_A" a
check "short frames are still segmented ($seg0 -> $(tx segmented))" test "$(tx segmented)" -gt "$seg0"
check "A: still no socket errors" test "$(tx socket-errors)" = 0
finish

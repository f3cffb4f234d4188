#!/usr/bin/env bash
# Interoperability with a v1.4 peer: tests/tools/v14peer.py, written from the
# wire format alone, behaves as v1.4 does (raw nanosecond timestamps, same key
# file, same CLI shape). Our daemon and it ping each other both ways, with a
# fixed peer and with discovery, and a long fast ping loses nothing: our
# reflection defence never mistakes a v1.4 timestamp for one of ours.
. "$(dirname "$0")/lib.sh"
need_root

V14="$TTT_ROOT/tests/tools/v14peer.py"
command -v python3 >/dev/null || { echo "$T_NAME: python3 is needed (make deps)" >&2; exit 1; }

NS_A=$(netns a)
NS_B=$(netns b)
veth_pair "$NS_A" "$NS_B" 192.0.2.1/24 192.0.2.2/24
KEY="$T_DIR/key"
keyfile "$KEY"

# B: the v1.4 stand-in, peer given. A: our daemon, learning its peer.
ip netns exec "$NS_B" env V14_IFNAME=v14tap python3 "$V14" "$KEY" 9002 192.0.2.1:9001 \
	> "$T_DIR/v14.log" 2>&1 &
T_PIDS+=("$!")
start_ttt "$NS_A" a -i ttt0 "$KEY" :9001
PID_A=$TTT_PID
tap_up "$NS_A" ttt0 10.99.0.1/24
tap_up "$NS_B" v14tap 10.99.0.2/24
ip -n "$NS_B" link set v14tap mtu 1418 up
wait_log a sandboxed
wait_log v14 "v14peer: up"

check "v1.4 peer pings us (we learn it)" wait_for 10 ping_ok "$NS_B" 10.99.0.1 1
check "we ping the v1.4 peer" ping_ok "$NS_A" 10.99.0.2 3
check "we learnt the v1.4 peer's address" grep -q "peer is now 192.0.2.2:9002" "$T_DIR/a.log"
read_counters "$PID_A" a || failc "we answer SIGUSR1 with our counters"
BASE_A=$CNT
log "500 pings at 10 ms each way: nothing lost"
ip netns exec "$NS_A" ping -c 500 -i 0.01 -W 1 -q 10.99.0.2 > "$T_DIR/ping_a.out" 2>&1 &
P1=$!
ip netns exec "$NS_B" ping -c 500 -i 0.01 -W 1 -q 10.99.0.1 > "$T_DIR/ping_b.out" 2>&1 &
P2=$!
T_PIDS+=("$P1" "$P2")
wait "$P1" "$P2"
check "our 500 echoes all answered" grep -q "500 packets transmitted, 500 received" "$T_DIR/ping_a.out"
check "its 500 echoes all answered" grep -q "500 packets transmitted, 500 received" "$T_DIR/ping_b.out"
read_counters "$PID_A" a
check "no v1.4 frame taken for a reflection" test "$(rx reflected)" = 0
check "no v1.4 frame refused at all, once we were up" no_refusals_since "$BASE_A"
# Learning its peer on a dual-stack :9001, our tap takes the IPv6-safe 1398
# (1500 - 40 - 8 - 40 - 14); the v1.4 peer's is 1418. Each side's largest
# frame must pass: ours of 1412 bytes, and v1.4's of 1432, which our worker
# still takes and our tap accepts over its MTU.
check "our tap's MTU is 1398" \
	test "$(ip netns exec "$NS_A" cat /sys/class/net/ttt0/mtu)" = 1398
check "our largest frames pass (ping -M do -s 1370)" \
	ip netns exec "$NS_A" ping -c 2 -M do -s 1370 -W 2 -q 10.99.0.2 >/dev/null
check "v1.4's largest frames pass (MTU 1418, ping -M do -s 1390)" \
	ip netns exec "$NS_B" ping -c 2 -M do -s 1390 -W 2 -q 10.99.0.1 >/dev/null
read_counters "$PID_A" a
check "no v1.4 frame refused as long" test "$(rx long)" = 0
finish

#!/usr/bin/env bash
# Bulk transfer: 50 MiB of random data through the tunnel by TCP arrives
# whole and unchanged (same SHA-256), with no datagram refused on the way;
# the largest packet the tap MTU allows (1390 B of ping payload + 28 = 1418)
# crosses without fragmentation, and one byte more is refused by the sender's
# own stack ("message too long"), never truncated or sent.
. "$(dirname "$0")/lib.sh"
need_root

SIZE_MB=${TTT_BULK_MB:-50}
XFER_TIMEOUT=${TTT_BULK_TIMEOUT:-40}

log "fixed peers"
two_peers fixed
check "A pings B" ping_ok "$NS_A" 10.99.0.2 2
read_counters "$PID_A" a || failc "A answers SIGUSR1 with its counters"
BASE_A=$CNT
read_counters "$PID_B" b || failc "B answers SIGUSR1 with its counters"
BASE_B=$CNT

# recv_start NAME NS ADDR PORT: a TCP receiver writing $T_DIR/NAME.out; sets RECV_PID.
recv_start() {
	ip netns exec "$2" timeout "$XFER_TIMEOUT" \
		socat -u "TCP-LISTEN:$4,bind=$3,reuseaddr" "OPEN:$T_DIR/$1.out,creat,trunc" \
		2> "$T_DIR/$1-rx.err" &
	RECV_PID=$!
	T_PIDS+=("$RECV_PID")
	wait_for 10 listening "$2" "$4"
}
# send_start NAME NS ADDR PORT: send $T_DIR/NAME.in; sets SEND_PID.
send_start() {
	head -c "${SIZE_MB}M" /dev/urandom > "$T_DIR/$1.in"
	ip netns exec "$2" timeout "$XFER_TIMEOUT" \
		socat -u "OPEN:$T_DIR/$1.in" "TCP:$3:$4,connect-timeout=5" 2> "$T_DIR/$1-tx.err" &
	SEND_PID=$!
	T_PIDS+=("$SEND_PID")
}
# same_file NAME: what was sent arrived, byte for byte.
same_file() {
	local a b
	a=$(sha256sum < "$T_DIR/$1.in" | cut -d' ' -f1)
	b=$(sha256sum < "$T_DIR/$1.out" | cut -d' ' -f1)
	log "$1: sent $(stat -c %s "$T_DIR/$1.in") B sha256 ${a:0:16}.., received $(stat -c %s "$T_DIR/$1.out") B sha256 ${b:0:16}.."
	[ "$a" = "$b" ]
}

log "${SIZE_MB} MiB by TCP each way at once through the tunnel"
check "B listens on 10.99.0.2:5001" recv_start ab "$NS_B" 10.99.0.2 5001
RX_AB=$RECV_PID
check "A listens on 10.99.0.1:5002" recv_start ba "$NS_A" 10.99.0.1 5002
RX_BA=$RECV_PID
T0=$SECONDS
send_start ab "$NS_A" 10.99.0.2 5001
TX_AB=$SEND_PID
send_start ba "$NS_B" 10.99.0.1 5002
TX_BA=$SEND_PID
rc=0; wait "$TX_AB" || rc=$?
check "A -> B: the sender finished in time (status $rc)" test "$rc" -eq 0
rc=0; wait "$TX_BA" || rc=$?
check "B -> A: the sender finished in time (status $rc)" test "$rc" -eq 0
check "A -> B: the receiver finished" wait_for 10 not_alive "$RX_AB"
check "B -> A: the receiver finished" wait_for 10 not_alive "$RX_BA"
wait "$RX_AB" "$RX_BA" 2>/dev/null || true
log "both transfers took $((SECONDS - T0)) s"
check "A -> B: ${SIZE_MB} MiB arrived whole, same SHA-256" same_file ab
check "B -> A: ${SIZE_MB} MiB arrived whole, same SHA-256" same_file ba
rm -f "$T_DIR"/ab.in "$T_DIR"/ab.out "$T_DIR"/ba.in "$T_DIR"/ba.out

check "B answers SIGUSR1 with its counters" read_counters "$PID_B" b
# 50 MiB in 1378-byte segments is over 38000 frames.
MINF=$((SIZE_MB * 1048576 / 1378))
check "B carried the transfer (rx frames $(rx frames) >= $MINF)" test "$(rx frames)" -ge "$MINF"
check "B refused nothing during the transfer" no_refusals_since "$BASE_B"
read_counters "$PID_A" a || failc "A answers SIGUSR1 with its counters"
check "A carried the transfer (rx frames $(rx frames) >= $MINF)" test "$(rx frames)" -ge "$MINF"
check "A refused nothing during the transfer" no_refusals_since "$BASE_A"
TXLONG_A=$(tx long)

log "the MTU: 1418 crosses whole, 1419 is refused at the source"
check "capture on B's underlay started" cap_start ul "$NS_B" ul0 udp
check "ping -M do -s 1390 (1418 B IP packet) passes A -> B" ping_size "$NS_A" 10.99.0.2 -M do -s 1390
check "ping -M do -s 1390 passes B -> A" ping_size "$NS_B" 10.99.0.1 -M do -s 1390
rc=0
OUT=$(ip netns exec "$NS_A" ping -M do -s 1391 -c 2 -i 0.2 -W 1 10.99.0.2 2>&1) || rc=$?
check "ping -M do -s 1391 fails (status $rc)" test "$rc" -ne 0
check "... with 'message too long' from the sender's own stack" \
	sh -c 'printf "%s" "$1" | grep -qi "message too long"' _ "$OUT"
check "... and no reply" sh -c '! printf "%s" "$1" | grep -q "bytes from"' _ "$OUT"
cap_stop ul
# The largest datagram: 40 B header + 1432 B frame = 1472 B, UDP length 1480.
N=$(cap_count ul 'udp[4:2] = 1480')
check "the 1418 B packets crossed as 1472 B datagrams: 2 pings x 3 x request and reply ($N)" \
	test "$N" -eq 12
N=$(cap_count ul 'udp[4:2] > 1480 or ip[6:2] & 0x3fff != 0')
check "no larger datagram and no IP fragment on the underlay ($N)" test "$N" -eq 0
check "without DF, a 3000 B ping is fragmented by IP and passes" ping_size "$NS_A" 10.99.0.2 -s 3000
read_counters "$PID_A" a || failc "A answers SIGUSR1 with its counters"
check "A's daemon saw no over-long tap frame (tx long $TXLONG_A -> $(tx long))" \
	test "$(tx long)" -eq "$TXLONG_A"

finish

#!/usr/bin/env bash
# Key rotation without downtime: both peers re-read their key files (SIGHUP)
# a few seconds apart while a ping runs; not one echo is lost. After the
# grace period the old key is refused; a bad new key file is refused and the
# running key kept.
. "$(dirname "$0")/lib.sh"
need_root

NS_A=$(netns a)
NS_B=$(netns b)
veth_pair "$NS_A" "$NS_B" 192.0.2.1/24 192.0.2.2/24
keyfile "$T_DIR/old"
keyfile "$T_DIR/new"
keyfile "$T_DIR/newer"
cp -p "$T_DIR/old" "$T_DIR/a.key"
cp -p "$T_DIR/old" "$T_DIR/b.key"
# A short grace period, so the test can also see it end.
GRACE_MS=6000
start_ttt "$NS_A" a --rekey-grace-ms "$GRACE_MS" -i ttt0 "$T_DIR/a.key" :9001 192.0.2.2:9002
PID_A=$TTT_PID
start_ttt "$NS_B" b --rekey-grace-ms "$GRACE_MS" -i ttt0 "$T_DIR/b.key" :9002 192.0.2.1:9001
PID_B=$TTT_PID
tap_up "$NS_A" ttt0 10.99.0.1/24
tap_up "$NS_B" ttt0 10.99.0.2/24
wait_log a sandboxed
wait_log b sandboxed
check "tunnel up under the old key" ping_ok "$NS_A" 10.99.0.2 2

log "rotate A, then B, while pinging every 20 ms"
ip netns exec "$NS_A" ping -c 200 -i 0.02 -W 1 10.99.0.2 > "$T_DIR/ping.out" 2>&1 &
PING=$!
T_PIDS+=("$PING")
sleep 1
cp -p "$T_DIR/new" "$T_DIR/a.key"; kill -HUP "$PID_A"
sleep 1.5
cp -p "$T_DIR/new" "$T_DIR/b.key"; kill -HUP "$PID_B"
wait "$PING"
check "A logged the rotation" grep -q "SIGHUP: new key" "$T_DIR/a.log"
check "B logged the rotation" grep -q "SIGHUP: new key" "$T_DIR/b.log"
check "200 of 200 echoes answered across both rotations" grep -q "200 packets transmitted, 200 received" "$T_DIR/ping.out"
read_counters "$PID_A" a
bad_a=$(rx badmac)
read_counters "$PID_B" b
bad_b=$(rx badmac)
check "A refused nothing as badmac" test "$bad_a" = 0
check "B refused nothing as badmac" test "$bad_b" = 0

log "after A's grace period both send under the new key"
sleep $((GRACE_MS / 1000))
check "tunnel up under the new key alone" ping_ok "$NS_A" 10.99.0.2 3

log "a bad new key file is refused, the running key kept"
printf 'not a key\n' > "$T_DIR/a.key"
kill -HUP "$PID_A"
check "A says it keeps the current key" wait_log a "keeping the current key" 5
check "tunnel still up" ping_ok "$NS_A" 10.99.0.2 3
cp -p "$T_DIR/new" "$T_DIR/a.key"

log "after the grace period the old key is refused"
cp -p "$T_DIR/newer" "$T_DIR/a.key"; kill -HUP "$PID_A"
# A rotation that arrives during a grace period waits for its end.
check "A loads the newest key" wait_for $((GRACE_MS / 1000 + 5)) sh -c \
	'[ "$(awk "/key loaded/ { n++ } END { print n + 0 }" "$1")" -ge 2 ]' _ "$T_DIR/a.log"
check "inside the grace period B's frames (old key) still arrive" ping_ok "$NS_B" 10.99.0.1 2
sleep $((GRACE_MS / 1000 + 3))	# the grace period and its 2 s switch-over margin
check_not "after it, B's frames (old key) are refused" ping_ok "$NS_B" 10.99.0.1 2
read_counters "$PID_A" a
check "A counted them as badmac" test "$(rx badmac)" -gt 0
cp -p "$T_DIR/newer" "$T_DIR/b.key"; kill -HUP "$PID_B"
check "both on the newest key: tunnel up" wait_for 5 ping_ok "$NS_A" 10.99.0.2 1

log "a worker killed 1 s into a rotation: its successor keeps the old key's deadline"
keyfile "$T_DIR/last"
n=$(count_lines "SIGHUP: new key" "$T_DIR/a.log")
cp -p "$T_DIR/last" "$T_DIR/a.key"; kill -HUP "$PID_A"
check "A takes the new key" wait_for 5 more_lines "SIGHUP: new key" "$T_DIR/a.log" "$n"
sleep 1
kill -KILL "$(worker_pid "$PID_A")"
check "A's next worker resumes the rotation" wait_log a "started mid-rotation" 10
left=$(sed -n 's/.*old key accepted for at most \([0-9]*\) ms more.*/\1/p' "$T_DIR/a.log" | tail -n 1)
check "with what is left of the grace, not a new one (${left:-none} of $GRACE_MS ms)" \
	test "${left:-$GRACE_MS}" -le $((GRACE_MS - 1000))
cp -p "$T_DIR/last" "$T_DIR/b.key"; kill -HUP "$PID_B"
check "both on the last key: tunnel up" wait_for 10 ping_ok "$NS_A" 10.99.0.2 1
finish

#!/usr/bin/env bash
# -d/--daemon: the command returns at once with status 0, the daemon runs on
# in its own session with its pid in --pidfile, the tunnel works, and SIGTERM
# stops it, removing the pid file and the tap interface.
. "$(dirname "$0")/lib.sh"
need_root

NS_A=$(netns a)
NS_B=$(netns b)
veth_pair "$NS_A" "$NS_B" 192.0.2.1/24 192.0.2.2/24
KEY="$T_DIR/key"
keyfile "$KEY"
PIDFILE="$T_DIR/ttt.pid"

rc=0
timeout 10 ip netns exec "$NS_A" "$TTT_BIN" -d --pidfile "$PIDFILE" -i ttt0 "$KEY" :9001 192.0.2.2:9002 \
	> "$T_DIR/fg.out" 2>&1 || rc=$?
check "the starting command exits 0 at once" test "$rc" -eq 0
check "pid file written" wait_for 5 test -s "$PIDFILE"
DPID=$(cat "$PIDFILE")
T_PIDS+=("$DPID")
check "the daemon runs ($DPID)" kill -0 "$DPID"
check "it leads its own session" test "$(ps -o sid= -p "$DPID" | tr -d ' ')" = "$DPID"
check "its standard streams are /dev/null" test "$(readlink /proc/"$DPID"/fd/1)" = /dev/null
check "nothing was printed on the terminal" test ! -s "$T_DIR/fg.out"

start_ttt "$NS_B" b -i ttt0 "$KEY" :9002 192.0.2.1:9001
tap_up "$NS_A" ttt0 10.99.0.1/24
tap_up "$NS_B" ttt0 10.99.0.2/24
wait_log b sandboxed
check "the detached daemon forwards" wait_for 10 ping_ok "$NS_A" 10.99.0.2 1

kill -TERM "$DPID"
check "SIGTERM stops it" wait_for 5 sh -c '! kill -0 "$1" 2>/dev/null' _ "$DPID"
check "pid file removed" test ! -e "$PIDFILE"
check_not "tap interface removed" ip -n "$NS_A" link show ttt0
finish

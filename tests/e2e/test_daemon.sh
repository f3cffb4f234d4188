#!/usr/bin/env bash
# -d/--daemon: the command returns at once with status 0, the daemon runs on
# in its own session with its pid in --pidfile, the tunnel works, and SIGTERM
# stops it, removing the pid file and the tap interface. The pid file is
# locked: a second instance naming it is refused while the first runs, a
# stale one is taken over, and a link or FIFO planted there is refused
# untouched. Started with descriptors 0-2 closed, the daemon puts /dev/null
# there before it opens anything, so no log line goes into its tap or socket.
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

# run_second ARGS...: a foreground daemon on tap tttp, port 9031; sets RC and OUT.
run_second() {
	RC=0
	OUT=$(timeout 10 ip netns exec "$NS_A" "$TTT_BIN" -i tttp "$@" "$KEY" :9031 192.0.2.2:9032 2>&1) || RC=$?
}

log "a pid file held by a running instance"
start_ttt "$NS_A" first --pidfile "$PIDFILE" -i ttt1 "$KEY" :9011 192.0.2.2:9012
FIRST=$TTT_PID
check "the first instance writes its pid" wait_for 5 sh -c '[ "$(cat "$1")" = "$2" ]' _ "$PIDFILE" "$FIRST"
if getent passwd tinytaptunnel >/dev/null; then
	check_not "its own user exists: no warning of a fallback" grep -q "no user 'tinytaptunnel'" "$T_DIR/first.log"
else
	check "no user tinytaptunnel: the fallback to nobody is warned of" \
		grep -q "warning: no user 'tinytaptunnel': the worker runs as the shared user 'nobody'" "$T_DIR/first.log"
fi
run_second --pidfile "$PIDFILE"
check "a second instance on it exits 73 ($RC)" test "$RC" -eq 73
check "saying which pid holds it" sh -c 'printf "%s" "$1" | grep -q "locked by a running instance (pid $2)"' _ "$OUT" "$FIRST"
check "the pid file still names the first" test "$(cat "$PIDFILE")" = "$FIRST"
stop_ttt "$FIRST"
check "the first removed it at exit" test ! -e "$PIDFILE"

log "a stale pid file is taken over"
printf '999999\n' > "$PIDFILE"
start_ttt "$NS_A" stale --pidfile "$PIDFILE" -i ttt1 "$KEY" :9011 192.0.2.2:9012
check "the stale pid file is rewritten with the new pid" \
	wait_for 5 sh -c '[ "$(cat "$1")" = "$2" ]' _ "$PIDFILE" "$TTT_PID"
stop_ttt "$TTT_PID"

log "links and FIFOs planted as the pid file"
printf 'precious\n' > "$T_DIR/victim"
ln "$T_DIR/victim" "$PIDFILE"
run_second --pidfile "$PIDFILE"
check "a hard link is refused with 73 ($RC)" test "$RC" -eq 73
check "and the file it links to is untouched" test "$(cat "$T_DIR/victim")" = precious
rm -f "$PIDFILE"
ln -s "$T_DIR/victim" "$PIDFILE"
run_second --pidfile "$PIDFILE"
check "a symbolic link is refused with 73 ($RC)" test "$RC" -eq 73
check "and its target is untouched" test "$(cat "$T_DIR/victim")" = precious
rm -f "$PIDFILE"
mkfifo "$PIDFILE"
run_second --pidfile "$PIDFILE"
check "a FIFO is refused with 73 at once ($RC)" test "$RC" -eq 73
rm -f "$PIDFILE"

log "started with descriptors 0, 1 and 2 closed"
ip netns exec "$NS_A" "$TTT_BIN" -v -i ttt3 "$KEY" :9001 192.0.2.2:9002 0<&- 1>&- 2>&- &
CLOSED=$!
T_PIDS+=("$CLOSED")
tap_up "$NS_A" ttt3 10.99.0.1/24
check "the daemon with closed descriptors forwards" wait_for 10 ping_ok "$NS_A" 10.99.0.2 1
for fd in 0 1 2; do
	check "its descriptor $fd is /dev/null, not the tap or the socket" \
		test "$(readlink /proc/"$CLOSED"/fd/$fd)" = /dev/null
done
stop_ttt "$CLOSED"
finish

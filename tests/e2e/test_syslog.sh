#!/usr/bin/env bash
# --syslog and -d log to syslog (/dev/log), with the worker's lines relayed by
# the parent. The daemon runs in a private mount namespace whose /dev holds
# only null, net/tun and a test listener at /dev/log, so no system logger is
# needed or touched.
. "$(dirname "$0")/lib.sh"
need_root
command -v socat >/dev/null || { echo "$T_NAME: socat is needed (make deps)" >&2; exit 1; }

NS_A=$(netns a)
NS_B=$(netns b)
veth_pair "$NS_A" "$NS_B" 192.0.2.1/24 192.0.2.2/24
KEY="$T_DIR/key"
keyfile "$KEY"
SYSLOG="$T_DIR/syslog.out"

# run_with_dev_log LOG ARGS...: the daemon in NS_A with its own /dev; the
# listener writes every datagram it gets to SYSLOG.
run_with_dev_log() {
	ip netns exec "$NS_A" unshare -m sh -c '
		set -e
		mount --make-rprivate /
		mount -t tmpfs -o mode=755 ttt-dev /dev
		mkdir /dev/net
		mknod -m 600 /dev/net/tun c 10 200
		mknod -m 666 /dev/null c 1 3
		socat -u UNIX-RECV:/dev/log,mode=666 OPEN:"$1",creat,append &
		for i in $(seq 1 50); do [ -S /dev/log ] && break; sleep 0.1; done
		shift
		exec "$@"' _ "$SYSLOG" "$TTT_BIN" "$@" > "$T_DIR/a.log" 2>&1 &
	TTT_PID=$!
	T_PIDS+=("$TTT_PID")
}

log "--syslog in the foreground"
run_with_dev_log --syslog -i ttt0 "$KEY" :9001 192.0.2.2:9002
PID_A=$TTT_PID
start_ttt "$NS_B" b -i ttt0 "$KEY" :9002 192.0.2.1:9001
tap_up "$NS_A" ttt0 10.99.0.1/24
tap_up "$NS_B" ttt0 10.99.0.2/24
check "the parent's lines reach syslog" wait_for 10 grep -q "tunnel on ttt0" "$SYSLOG"
check "the worker's lines reach syslog, relayed" wait_for 10 grep -q "worker .* is sandboxed" "$SYSLOG"
check "syslog lines carry the daemon's name and pid" grep -qE "tinytaptunnel\[[0-9]+\]: " "$SYSLOG"
check "nothing on standard error" test ! -s "$T_DIR/a.log"
check "the tunnel works" wait_for 10 ping_ok "$NS_A" 10.99.0.2 1
kill -TERM "$PID_A"
check "stops on SIGTERM" wait "$PID_A"

log "-d: detached, it logs to syslog"
: > "$SYSLOG"
PIDFILE="$T_DIR/d.pid"
run_with_dev_log -d --pidfile "$PIDFILE" -i ttt0 "$KEY" :9001 192.0.2.2:9002
check "the starting command exits 0" wait "$TTT_PID"
check "pid file written" wait_for 5 test -s "$PIDFILE"
DPID=$(cat "$PIDFILE")
T_PIDS+=("$DPID")
tap_up "$NS_A" ttt0 10.99.0.1/24
check "the detached daemon logs to syslog" wait_for 10 grep -q "worker .* is sandboxed" "$SYSLOG"
check "the tunnel works" wait_for 10 ping_ok "$NS_A" 10.99.0.2 1
kill -USR1 "$DPID"
check "SIGUSR1's counters go to syslog" wait_for 5 grep -q "counters: tx frames=" "$SYSLOG"
kill -TERM "$DPID"
check "SIGTERM stops it" wait_for 5 sh -c '! kill -0 "$1" 2>/dev/null' _ "$DPID"
finish

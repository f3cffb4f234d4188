#!/usr/bin/env bash
# A compromised parent has little to spare (audit M4). The test build's
# parent, on SIGUSR2 with TTT_TEST_PARENT set, plays a compromised parent:
# it reads /etc/shadow and the C library, connects to Unix sockets that are
# not syslog's (a stream one, as systemd's and D-Bus's are, and a datagram
# one), signals a process that is not its worker (kill, a pidfd, and a pidfd put at the
# number the filter allows), and creates a file outside its own files'
# directories. Each must be refused, with the parent alive to say so. Then
# what it must still do: status, metrics and pid files, SIGHUP's key,
# a respawn, SIGTERM's stop of the worker. Last, the same parent on a kernel
# without Landlock (TTT_TEST_NO_LANDLOCK): seccomp alone refuses the
# sockets, the signals and the new file, but not the read (SECURITY.md);
# and a thread's syscall of another ABI ends the whole parent.
. "$(dirname "$0")/lib.sh"
need_root

HOOK_BIN=${TTT_HOOK_BIN:-$TTT_ROOT/$BUILD/tinytaptunnel-testhooks}
[ -x "$HOOK_BIN" ] || { echo "$T_NAME: $HOOK_BIN not built (make $BUILD/tinytaptunnel-testhooks)" >&2; exit 1; }
TTT_BIN=$HOOK_BIN
need_tool FORGE ttt_forge	# only so a missing tools build fails loudly, as elsewhere
command -v socat >/dev/null || { echo "$T_NAME: socat missing (make deps)" >&2; exit 1; }

RUN=$T_DIR/run
mkdir -m 0755 "$RUN"
ST=$RUN/a.json PROM=$RUN/a.prom PIDF=$RUN/a.pid
STREAM=$T_DIR/stream.sock DGRAM=$T_DIR/dgram.sock MADE=$T_DIR/made-by-parent

# Someone else's sockets and process, which the parent must not reach.
socat -u UNIX-LISTEN:"$STREAM",fork OPEN:/dev/null &
T_PIDS+=("$!")
socat -u UNIX-RECV:"$DGRAM" OPEN:/dev/null &
T_PIDS+=("$!")
sleep 600 &
VICTIM=$!
T_PIDS+=("$VICTIM")
wait_for 5 test -S "$STREAM" -a -S "$DGRAM" || { echo "$T_NAME: socat did not listen" >&2; exit 1; }

# The C library the parent maps: a dynamic worker's ld.so needed it, so the
# ruleset granted it; the static worker image needs none.
LIBC=$(ldd "$HOOK_BIN" | awk '$1 ~ /^libc\.so/ { print $3 }')
[ -n "$LIBC" ] || { echo "$T_NAME: no libc.so in ldd $HOOK_BIN" >&2; exit 1; }
MISDEEDS="open=/etc/shadow open=$LIBC stream=$STREAM dgram=$DGRAM kill=$VICTIM pidfd=$VICTIM"
MISDEEDS="$MISDEEDS pinned=$VICTIM create=$MADE resolve=localhost"
export TTT_TEST_PARENT=$MISDEEDS

# A descriptor the daemon inherits, which it must close at start (I11).
: > "$T_DIR/inherited"
exec 42<"$T_DIR/inherited"
check "the test's shell passes fd 42 on" sh -c '[ "$(readlink /proc/$$/fd/42)" = "$1" ]' _ "$T_DIR/inherited"
TTT_OPTS_A="-v --status-file $ST --metrics-file $PROM --pidfile $PIDF" two_peers fixed
exec 42<&-
check "tunnel up" ping_ok "$NS_A" 10.99.0.2 2
check "the parent says Landlock confines it" grep -q "parent confined by seccomp and Landlock ABI" "$T_DIR/a.log"

log "the parent's hygiene"
# holds_inherited PID: one of its descriptors is the file the test left open.
holds_inherited() {
	local f
	for f in "/proc/$1"/fd/*; do
		[ "$(readlink "$f")" = "$T_DIR/inherited" ] && return 0
	done
	return 1
}
check_not "the parent closed the descriptor it inherited (fd 42)" holds_inherited "$PID_A"
check "no core file (RLIMIT_CORE 0)" grep -Eq '^Max core file size +0 +0 ' "/proc/$PID_A/limits"
check "no_new_privs and a seccomp filter" sh -c \
	'grep -q "^NoNewPrivs:[[:space:]]*1" "$1" && grep -q "^Seccomp:[[:space:]]*2" "$1"' _ "/proc/$PID_A/status"

# refused OP ARG: the parent tried and was refused, and said so.
refused() { grep -qF "test hook: parent $1 $2: refused" "$T_DIR/a.log"; }
# tried OP ARG: the parent logged the attempt, either way.
tried() { grep -qF "test hook: parent $1 $2:" "$T_DIR/a.log"; }

log "the parent plays a compromised parent"
W1=$(worker_pid "$PID_A")
kill -USR2 "$PID_A"
check "it tried everything" wait_for 5 tried resolve localhost
check "reading /etc/shadow is refused" refused open /etc/shadow
check "reading the C library is refused (the worker's image is static: no library granted)" \
	refused open "$LIBC"
check "connecting to a stream socket (systemd's, D-Bus's kind) is refused" refused stream "$STREAM"
check "connecting to a datagram socket (no syslog here) is refused" refused dgram "$DGRAM"
check "kill() of a process not its worker is refused" refused kill "$VICTIM"
check "a pidfd signal to it is refused" refused pidfd "$VICTIM"
check "even a pidfd put at the worker's pidfd number (Landlock's signal scope)" refused pinned "$VICTIM"
check "creating a file outside its files' directories is refused" refused create "$MADE"
check "resolving a name (/etc/hosts, then DNS) is refused" refused resolve localhost
check "the file does not exist" test ! -e "$MADE"
check "the other process lives" alive "$VICTIM"
check "the parent lives" alive "$PID_A"
check_not "nothing got through" grep -q "NOT refused" "$T_DIR/a.log"

log "what the parent must still do"
# The hook clobbered the worker's pidfd ("pinned"): a new worker brings its own.
kill -KILL "$W1"
check "a new worker after kill -9" wait_for 10 sh -c '[ "$(grep -c "is sandboxed" "$1")" -ge 2 ]' _ "$T_DIR/a.log"
W2=$(worker_pid "$PID_A")
check "ping works through the new worker" ping_ok "$NS_A" 10.99.0.2 3
"$TTT_BIN" --genkey > "$T_DIR/new"
cat "$T_DIR/new" > "$KEY"
kill -HUP "$PID_A" "$PID_B"
check "SIGHUP re-reads the key file" wait_log a "SIGHUP: new key" 5
check "ping works on the new key" ping_ok "$NS_A" 10.99.0.2 3
m=$(stat -c %Y.%N "$ST")
check "the status file is rewritten" wait_for 5 sh -c '[ "$(stat -c %Y.%N "$1")" != "$2" ]' _ "$ST" "$m"
check "the metrics file is there" test -s "$PROM"
check "the pid file names the parent" grep -qx "$PID_A" "$PIDF"
check "SIGUSR1 logs counters" read_counters "$PID_A" a
kill -TERM "$PID_A"
check "SIGTERM stops the parent" wait_for 5 not_alive "$PID_A"
check "the worker was stopped by SIGTERM, through its pidfd" \
	wait_log a "worker $W2 killed by signal SIGTERM" 1
check "the status and metrics files are removed" test ! -e "$ST" -a ! -e "$PROM"
check "the pid file is removed" test ! -e "$PIDF"
wait "$PID_A" 2>/dev/null || :
forget_pid "$PID_A"

log "without Landlock: seccomp alone"
mv "$T_DIR/a.log" "$T_DIR/a-landlock.log"
# Not "pinned": seccomp cannot stop that one (SECURITY.md), and it would end the victim.
# Last, a thread's syscall of another ABI (x32), which must end the whole
# process (audit I2: SCMP_FLTATR_ACT_BADARCH), not only that thread.
export TTT_TEST_PARENT="open=/etc/shadow stream=$STREAM dgram=$DGRAM kill=$VICTIM pidfd=$VICTIM create=$MADE abi=x32"
TTT_TEST_NO_LANDLOCK=1 start_ttt "$NS_A" a -i ttt0 "$KEY" :9001 192.0.2.2:9002
PID_A=$TTT_PID
check "the parent says seccomp alone confines it" wait_log a "Landlock is unavailable" 5
check "a worker is sandboxed" wait_log a "is sandboxed" 10
kill -USR2 "$PID_A"
check "it tried everything" wait_for 5 tried create "$MADE"
check "connecting to a stream socket is refused" refused stream "$STREAM"
check "connecting to a datagram socket is refused" refused dgram "$DGRAM"
check "kill() of a process not its worker is refused" refused kill "$VICTIM"
check "a pidfd signal to it is refused" refused pidfd "$VICTIM"
check "creating a file is refused" refused create "$MADE"
check "the other process lives" alive "$VICTIM"
# What SECURITY.md says seccomp alone cannot refuse: a new worker's ld.so
# opens its libraries, so reading stays open; and a pidfd put at the pinned
# number passes the filter.
check "reading is not refused without Landlock (as SECURITY.md says)" \
	grep -qF "test hook: parent open /etc/shadow: NOT refused" "$T_DIR/a.log"
check "another ABI's syscall from a thread ends the whole parent" wait_for 5 not_alive "$PID_A"
check_not "the parent did not carry on after it" tried abi x32
rc=0
stop_pid TERM "$PID_A" || rc=$?	# reaps it; SIGTERMs it first if it survived
check "killed by SIGSYS (status $rc)" test "$rc" = $((128 + 31))
finish

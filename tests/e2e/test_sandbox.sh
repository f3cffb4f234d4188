#!/usr/bin/env bash
# The sandbox holds: a worker that attempts a forbidden syscall (open,
# socket, execve, ptrace, setresuid) is killed by the kernel with SIGSYS; the
# parent says why, starts a new worker, and the tunnel works again. The same
# after kill -9. Uses the test-only build (make builds it as
# $(BUILD)/tinytaptunnel-testhooks; it is never installed).
. "$(dirname "$0")/lib.sh"
need_root

HOOK_BIN=${TTT_HOOK_BIN:-$TTT_ROOT/$BUILD/tinytaptunnel-testhooks}
[ -x "$HOOK_BIN" ] || { echo "test_sandbox: $HOOK_BIN not built (make $BUILD/tinytaptunnel-testhooks)" >&2; exit 1; }

TTT_BIN_REAL=$TTT_BIN
TTT_BIN=$HOOK_BIN
two_peers fixed
check "tunnel up before the attacks" ping_ok "$NS_A" 10.99.0.2 2

# restart_with_hook N: a fresh daemon A whose SIGUSR2 triggers test hook N;
# sets PID_A and W1 (its worker).
restart_with_hook() {
	kill -TERM "$PID_A"; wait "$PID_A"
	mv "$T_DIR/a.log" "$T_DIR/a-before-$1.log"
	TTT_TEST_SYSCALL=$1 start_ttt "$NS_A" a -i ttt0 "$KEY" :9001 192.0.2.2:9002
	PID_A=$TTT_PID
	tap_up "$NS_A" ttt0 10.99.0.1/24
	wait_log a sandboxed
	W1=$(worker_pid "$PID_A")
}

# replaced WHAT: a second worker, another process, and the tunnel works.
replaced() {
	check "$1: a new worker starts" wait_for 5 sh -c \
		'[ "$(awk "/sandboxed/ { n++ } END { print n + 0 }" "$1")" -ge 2 ]' _ "$T_DIR/a.log"
	check "$1: the new worker is another process" \
		sh -c '[ -n "$1" ] && [ "$1" != "$2" ]' _ "$(worker_pid "$PID_A")" "$W1"
	check "$1: ping works again" ping_ok "$NS_A" 10.99.0.2 2
}

names=(x open socket execve ptrace setresuid x x x x "futex(FUTEX_LOCK_PI)" x x
	"sched_setscheduler(SCHED_FIFO)")
for n in 1 2 3 4 5 10 13; do
	log "worker attempts ${names[$n]}"
	restart_with_hook "$n"
	kill -USR2 "$PID_A"
	check "${names[$n]}: worker killed by SIGSYS" wait_log a "worker $W1 killed by signal SIGSYS" 5
	check_not "${names[$n]}: the syscall never returned" grep -q "was NOT stopped" "$T_DIR/a.log"
	replaced "${names[$n]}"
done
check "SCHED_BATCH on itself is allowed (schedpol.h), before SCHED_FIFO kills" \
	grep -q "test hook: SCHED_BATCH on itself returned 0" "$T_DIR/a.log"

# --queues 2: each queue's tap and socket take the data path's calls, and
# no other number does: not the one a queue more would have.
log "--queues 2: a write on queue 1's tap, then on the number of a third queue"
kill -TERM "$PID_A"; wait "$PID_A"
mv "$T_DIR/a.log" "$T_DIR/a-before-queues.log"
TTT_TEST_SYSCALL=12 start_ttt "$NS_A" a --queues 2 -i ttt0 "$KEY" :9001 192.0.2.2:9002
PID_A=$TTT_PID
tap_up "$NS_A" ttt0 10.99.0.1/24
wait_log a sandboxed
W1=$(worker_pid "$PID_A")
kill -USR2 "$PID_A"
check "queue 1's tap takes a write" wait_log a "test hook: queue 1's tap took a write" 5
check "the number of a third queue: worker killed by SIGSYS" \
	wait_log a "worker $W1 killed by signal SIGSYS" 5
check_not "the third queue's write never returned" grep -q "was NOT stopped" "$T_DIR/a.log"
replaced "a third queue's descriptor"

# A compromised worker talking to the parent: each hostile message gets it
# killed (SIGKILL from the parent) and replaced; the parent carries on.
hostile=(x x x x x x "a parent-only message" "a record that lies about its length" "a descriptor")
said=(x x x x x x "sent a message only the parent sends" "sent a malformed message"
	"sent an oversized or unreadable message")
for n in 6 7 8; do
	log "worker sends the parent ${hostile[$n]}"
	restart_with_hook "$n"
	fds_before=$(ls /proc/"$PID_A"/fd | wc -l)
	kill -USR2 "$PID_A"
	check "${hostile[$n]}: the parent refuses it" wait_log a "worker $W1 ${said[$n]}; stopping it" 5
	check "${hostile[$n]}: and kills the worker" wait_log a "worker $W1 killed by signal SIGKILL" 5
	replaced "${hostile[$n]}"
	check "${hostile[$n]}: the parent holds no extra descriptor" \
		test "$(ls /proc/"$PID_A"/fd | wc -l)" -eq "$fds_before"
done

log "kill -9 of the worker"
W1=$(worker_pid "$PID_A")
kill -KILL "$W1"
check "parent logs SIGKILL" wait_log a "worker $W1 killed by signal SIGKILL" 5
check "a new worker starts after kill -9" wait_for 5 sh -c \
	'[ "$(awk "/sandboxed/ { n++ } END { print n + 0 }" "$1")" -ge 3 ]' _ "$T_DIR/a.log"
check "ping works after kill -9" ping_ok "$NS_A" 10.99.0.2 2
check "parent survived it all" kill -0 "$PID_A"

# Every line a worker causes in the parent's log is rate-limited, its
# reports of the peer too: a thousand legal ones log a few dozen lines. The
# flood ends with a second READY, out of turn, so the parent's refusal of it
# marks that every report before it was handled.
log "worker reports the peer a thousand times"
kill -TERM "$PID_A"; wait "$PID_A"
mv "$T_DIR/a.log" "$T_DIR/a-before-flood.log"
TTT_TEST_SYSCALL=11 start_ttt "$NS_A" a -v -i ttt0 "$KEY" :9001
PID_A=$TTT_PID
tap_up "$NS_A" ttt0 10.99.0.1/24
wait_log a sandboxed
W1=$(worker_pid "$PID_A")
check "A learns B from its frames" wait_for 10 ping_ok "$NS_B" 10.99.0.1 1
kill -USR2 "$PID_A"
check "the flood ends with the worker's second READY refused" \
	wait_log a "worker $W1 sent a message out of turn; stopping it" 10
peer_lines=$(count_lines "worker reports the peer at" "$T_DIR/a.log")
check "at most 60 of its 1000 reports reached the log ($peer_lines)" test "$peer_lines" -le 60
# The parent dropped that worker: the peer it reported is not handed on
# (audit L3), so the new one learns B from B's next frame.
check "a flood of peer reports: a new worker starts" wait_for 5 sh -c \
	'[ "$(awk "/sandboxed/ { n++ } END { print n + 0 }" "$1")" -ge 2 ]' _ "$T_DIR/a.log"
check "A learns B again from B's frames" ping_ok "$NS_B" 10.99.0.1 1
replaced "a flood of peer reports"

# Audit L3: the peer a worker reported reaches its successor after a crash
# (kill -9), not after it died of SIGSYS. B learns A; A sends nothing unless
# pinged (quiet taps), so B reaches A only with the peer it was handed.
log "discovery on B: the learnt peer survives a kill -9 of B's worker, not a SIGSYS"
stop_ttt "$PID_A"
stop_ttt "$PID_B"
TTT_TEST_SYSCALL=1 two_peers discover
quiet_taps
check "A pings B (B learns A)" wait_for 20 ping_ok "$NS_A" 10.99.0.2 1
W1=$(worker_pid "$PID_B")
kill -KILL "$W1"
check "B's worker replaced after kill -9" wait_log b "worker $W1 killed by signal SIGKILL" 5
check "B pings A at once: the peer was handed on" ping_ok "$NS_B" 10.99.0.1 1
W1=$(worker_pid "$PID_B")
read_counters "$PID_B" b || failc "B answers SIGUSR1 with its counters"
NP0=$(tx no-peer)
kill -USR2 "$PID_B"
check "B's worker killed by SIGSYS" wait_log b "worker $W1 killed by signal SIGSYS" 5
check "B's next worker is forwarding" wait_for 5 sh -c \
	'[ "$(awk "/sandboxed/ { n++ } END { print n + 0 }" "$1")" -ge 3 ]' _ "$T_DIR/b.log"
check_not "B cannot ping A: the peer its SIGSYS'd worker reported was dropped" \
	ping_ok "$NS_B" 10.99.0.1 1
read_counters "$PID_B" b || failc "B answers SIGUSR1 with its counters"
check "B counted those frames as no-peer ($NP0 -> $(tx no-peer))" test "$(tx no-peer)" -gt "$NP0"
check "A pings B (B learns A again)" ping_ok "$NS_A" 10.99.0.2 1
check "then B pings A" ping_ok "$NS_B" 10.99.0.1 1

# The real binary has no such hook: SIGUSR2 is not even handled, and the
# message type is refused by the worker's parser.
log "the real build has no hook"
check "real binary lacks the hook's words" sh -c '! grep -q "test hook" "$1"' _ "$TTT_BIN_REAL"
finish

#!/usr/bin/env bash
# A worker can never freeze its parent (audit M1). The test build's worker
# is told (SIGUSR2, hook TTT_TEST_STOP_READING) to stop servicing its
# channel: it neither reads the parent's records nor answers them. The
# parent must not wait on it: SIGHUP still rotates the key, and within a
# bounded time (TTT_STATS_ANSWER_MS, 5 s, after its unanswered STATS_REQ)
# the parent says "worker N stopped answering; stopping it", kills it and
# starts another; the tunnel works again, on the new key. A second stalled
# worker does not delay SIGTERM either.
. "$(dirname "$0")/lib.sh"
need_root

HOOK_BIN=${TTT_HOOK_BIN:-$TTT_ROOT/$BUILD/tinytaptunnel-testhooks}
[ -x "$HOOK_BIN" ] || { echo "test_watchdog: $HOOK_BIN not built (make $BUILD/tinytaptunnel-testhooks)" >&2; exit 1; }

STOP_READING=9		# enum ttt_test_syscall: TTT_TEST_STOP_READING
ANSWER_S=5		# TTT_STATS_ANSWER_MS
POLL_S=1		# TTT_STATS_POLL_MS: the request that goes unanswered leaves within this
BACKOFF_S=1		# TTT_BACKOFF_MIN_MS: the longest a first respawn waits (respawn.h)
SLACK_S=3		# scheduling on a loaded machine
export TTT_TEST_SYSCALL=$STOP_READING
TTT_BIN=$HOOK_BIN
two_peers fixed
check "tunnel up before the stall" ping_ok "$NS_A" 10.99.0.2 2
W1=$(worker_pid "$PID_A")

# sandboxed_at_least N: N workers of A have reported READY.
sandboxed_at_least() {
	[ "$(count_lines "is sandboxed" "$T_DIR/a.log")" -ge "$1" ]
}

log "worker $W1 stops reading its channel"
start=$SECONDS
kill -USR2 "$PID_A"
check "the hook ran in the worker" wait_log a "attempting forbidden syscall $STOP_READING" 5

# While it is stalled: a key rotation on both sides. The parent queues the
# key for the deaf worker without waiting, and keeps it for the next one.
"$TTT_BIN" --genkey > "$T_DIR/new"
cat "$T_DIR/new" > "$KEY"
kill -HUP "$PID_A" "$PID_B"
check "SIGHUP is handled while the worker is stalled" wait_log a "SIGHUP: new key" 5
check_not "the stalled worker is not dropped before its deadline" \
	grep -q "worker $W1 stopped answering" "$T_DIR/a.log"

check "the parent stops the stalled worker within $((POLL_S + ANSWER_S + SLACK_S)) s" \
	wait_log a "worker $W1 stopped answering; stopping it" $((POLL_S + ANSWER_S + SLACK_S))
check "and kills it" wait_log a "worker $W1 killed by signal SIGKILL" 5
check "a new worker is sandboxed within $((POLL_S + ANSWER_S + BACKOFF_S + 2 * SLACK_S)) s of the stall" \
	wait_for $((POLL_S + ANSWER_S + BACKOFF_S + 2 * SLACK_S - (SECONDS - start))) sandboxed_at_least 2
W2=$(worker_pid "$PID_A")
check "the new worker is another process" sh -c '[ -n "$1" ] && [ "$1" != "$2" ]' _ "$W2" "$W1"
check "ping works again, on the new key" ping_ok "$NS_A" 10.99.0.2 3
check "the parent still relays and answers: SIGUSR1 logs counters" read_counters "$PID_A" a

log "a second worker stalls; SIGTERM must still stop the daemon"
n=$(count_lines "attempting forbidden syscall $STOP_READING" "$T_DIR/a.log")
kill -USR2 "$PID_A"
check "the hook ran in the second worker" \
	wait_for 5 more_lines "attempting forbidden syscall $STOP_READING" "$T_DIR/a.log" "$n"
kill -TERM "$PID_A"
# TTT_STOP_GRACE_MS (2 s) for the worker, then the parent exits.
check "SIGTERM stops the parent while its worker is stalled" wait_for 5 not_alive "$PID_A"
check "it said so" grep -q "SIGTERM: stopping" "$T_DIR/a.log"
check "its worker is gone too" not_alive "$W2"
wait "$PID_A" 2>/dev/null || :
forget_pid "$PID_A"
check "B carried on" kill -0 "$PID_B"
finish

#!/usr/bin/env bash
# The daemon runs SCHED_BATCH (schedpol.h): its parent and every thread of
# its worker, so that a frame's wake-up never preempts the task that sent
# it; a busy forwarding thread switches itself to SCHED_OTHER and back.
# --no-sched-batch keeps SCHED_OTHER, and a policy the daemon was started
# under (SCHED_BATCH or SCHED_RR, by chrt) is kept, never switched. What it
# buys, a shorter round trip, is measured by make bench, not here.
. "$(dirname "$0")/lib.sh"
need_root

# policies PID: the scheduling policy of each of PID's threads, one a line
# (field 41 of /proc/PID/task/TID/stat, counted after the command's parens).
policies() {
	local t
	for t in /proc/"$1"/task/*; do
		sed 's/^.*) //' "$t/stat" | awk '{ print $39 }'
	done
}
# all_policy PID POLICY: every thread of PID runs POLICY (0 other, 2 round-robin, 3 batch).
all_policy() {
	local p n=0
	for p in $(policies "$1"); do
		[ "$p" = "$2" ] || return 1
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

TTT_OPTS_B="--no-sched-batch" two_peers
check "traffic crosses" ping_ok "$NS_A" 10.99.0.2
WA=$(worker_pid "$PID_A") WB=$(worker_pid "$PID_B")
log "threads of A's worker: $(policies "$WA" | tr '\n' ' '); of B's: $(policies "$WB" | tr '\n' ' ')"
check "A's parent runs SCHED_BATCH (the default)" all_policy "$PID_A" 3
check "so does every thread of A's worker" all_policy "$WA" 3
check "the worker has its forwarding thread besides the main one" \
	test "$(policies "$WA" | wc -l)" -ge 2
check "with --no-sched-batch, B's parent runs SCHED_OTHER" all_policy "$PID_B" 0
check "and every thread of its worker" all_policy "$WB" 0

# any_policy PID POLICY: some thread of PID runs POLICY.
any_policy() {
	policies "$1" | grep -qx "$2"
}
# batch_again: a ping through the tunnel, then A's threads all batch.
batch_again() {
	ip netns exec "$NS_A" ping -c 1 -W 1 -q 10.99.0.2 > /dev/null && all_policy "$WA" 3
}

# no_ipv6 NS: the tap sends nothing of its own (router solicitations, MLD),
# so a worker's turn comes from the test's traffic alone.
no_ipv6() {
	ip netns exec "$1" sysctl -qw net.ipv6.conf.ttt0.disable_ipv6=1
}
# burst NS: runs of 64 64-byte datagrams to the peer for about a second,
# each run sent as one UDP_SEGMENT message that the tap hands over whole:
# a full batch from the tap, a busy turn. In the background: BURST its PID.
burst() {
	ip netns exec "$1" timeout 30 python3 "$TTT_ROOT/tests/tools/udpburst.py" \
		send 10.99.0.2 9 16384 64 64 gso > /dev/null &
	BURST=$!
	T_PIDS+=("$BURST")
}

# A busy turn switches the forwarding thread to SCHED_OTHER; 100 ms after the
# last one, the thread, asleep with nothing to do, wakes and switches back.
no_ipv6 "$NS_A" && no_ipv6 "$NS_B"
burst "$NS_A"
check "during a burst of 64-byte datagrams, A's forwarding thread runs SCHED_OTHER" \
	wait_for 10 any_policy "$WA" 0
check "the burst is sent" wait "$BURST"
check "with no more traffic, A's threads are back to SCHED_BATCH within 2 s" \
	wait_for 2 all_policy "$WA" 3
check "and a ping through the tunnel finds them so" batch_again

# Started under SCHED_BATCH by the administrator (chrt -b): not ours to
# switch, so the same burst leaves every thread batch.
TTT_WRAP="chrt -b 0" two_peers
WA=$(worker_pid "$PID_A")
check "a pair started under chrt -b 0: traffic crosses" ping_ok "$NS_A" 10.99.0.2
check "its parent runs SCHED_BATCH" all_policy "$PID_A" 3
no_ipv6 "$NS_A" && no_ipv6 "$NS_B"
burst "$NS_A"
# samples PID BG: PID's policies, one line a sample, while process BG runs.
samples() {
	while kill -0 "$2" 2>/dev/null; do
		policies "$1" | tr '\n' ' '
		echo
	done
}
samples "$WA" "$BURST" > "$T_DIR/chrt-b.samples"
check "the burst is sent" wait "$BURST"
log "$(wc -l < "$T_DIR/chrt-b.samples") samples of A's worker's policies during the burst"
check "it was sampled at least 5 times while it lasted" \
	test "$(wc -l < "$T_DIR/chrt-b.samples")" -ge 5
check "and every thread of A's worker stayed SCHED_BATCH throughout" \
	sh -c '! grep -qw 0 "$1"' _ "$T_DIR/chrt-b.samples"

# Started under SCHED_RR (priority 1), a policy an administrator chose: kept.
# (Leaving it needs no privilege, so only the rule keeps it, not EPERM.)
NS_C=$(netns c)
ip netns exec "$NS_C" ip link set lo up
ip netns exec "$NS_C" chrt -r 1 "$TTT_BIN" -i ttt0 "$KEY" 127.0.0.1:9003 127.0.0.1:9004 \
	> "$T_DIR/c.log" 2>&1 &
PID_C=$!
T_PIDS+=("$PID_C")
check "a daemon started under chrt -r 1 starts" wait_log c "sandboxed"
check "its parent keeps SCHED_RR" all_policy "$PID_C" 2
check "and so does every thread of its worker" all_policy "$(worker_pid "$PID_C")" 2
finish

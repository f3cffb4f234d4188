#!/usr/bin/env bash
# --queues 2: a multi-queue tap and a socket a queue, a forwarding thread
# each, sharing one replay filter and one reflection record.
#   - both tap queues and both threads exist; --queues 1 is today's one
#     queue and one thread;
#   - paced UDP flows A -> B, placed by their ports on both of B's queues
#     (steer.h), arrive whole, none twice, and B's two forwarding threads
#     both woke for them (the kernel alone would give one socket all of a
#     point-to-point tunnel's datagrams); iperf3 -P 4 over TCP works with
#     nothing refused (after the replays: a million newer frames would
#     leave the captured ones below the replay filter's floor);
#   - a worker killed with -9 comes back with both queues;
#   - exactness across queues: A's datagrams captured on the underlay and
#     sent again from A's address, alone and then as UDP_SEGMENT messages
#     whose first datagram steers the others to whichever queue it picks
#     (gsoreplay.py): every one refused as a replay, none delivered; B's
#     own datagrams sent back to it: every one refused as reflected.
# B runs with a 15 s window, so what is under test is the filter and the
# record, not the freshness check, however slow the machine is.
. "$(dirname "$0")/lib.sh"
need_root

need_tool UDPSEND ttt_udpsend
SEQ=$TTT_ROOT/tests/tools/seqstream.py
GSO=$TTT_ROOT/tests/tools/gsoreplay.py
command -v python3 >/dev/null || { echo "test_queues: python3 missing (make deps)" >&2; exit 1; }
WINDOW_OPTS="--window-ms 15000"
FLOW_S=${TTT_QUEUES_FLOW_S:-3}	# seconds of each paced stream
RATE=${TTT_QUEUES_RATE:-200}	# datagrams a second of each

# forwarding_tids WORKER: the worker's threads but its main one.
forwarding_tids() {
	local t
	for t in /proc/"$1"/task/*; do
		t=${t##*/}
		[ "$t" = "$1" ] || echo "$t"
	done
}
# wakeups WORKER: "tid:voluntary switches" of each forwarding thread.
wakeups() {
	local t
	for t in $(forwarding_tids "$1"); do
		printf '%s:%s\n' "$t" "$(awk '/^voluntary_ctxt_switches/ { print $2 }' \
			/proc/"$1"/task/"$t"/status)"
	done
}
# all_woke BEFORE AFTER MIN: every thread of AFTER woke MIN times more than in BEFORE.
all_woke() {
	local l t n b
	for l in $2; do
		t=${l%%:*} n=${l##*:}
		b=$(printf '%s\n' "$1" | sed -n "s/^$t://p")
		[ $((n - ${b:-0})) -ge "$3" ] || return 1
	done
}
# refused_all KEY N WHAT: from B's counters in CNT, once B counted N more
# KEY refusals (5 s at most): check it did, and delivered nothing more.
refused_all() {
	local k0 f0 k1 f1
	k0=$(rx "$1") f0=$(rx frames)
	wait_for 5 sh -c "kill -USR1 $PID_B; sleep 0.3; grep 'counters: ' '$T_DIR/b.log' |
		tail -n 1 | grep -q ' $1=$((k0 + $2)) '" || :
	read_counters "$PID_B" b || failc "B answers SIGUSR1 with its counters"
	k1=$(rx "$1") f1=$(rx frames)
	check "$3: each refused as $1 ($k0 -> $k1, +$2)" test "$k1" -eq $((k0 + $2))
	check "$3: none delivered (rx frames $f0 -> $f1)" test "$f1" -eq "$f0"
}
# tap_queues NS: the queues the tap has, as the kernel lists them.
tap_queues() {
	ip netns exec "$1" sh -c 'ls -d /sys/class/net/ttt0/queues/rx-* | wc -l'
}

# flows FROM_NS TO_NS TO_ADDR NAME: 4 paced streams to ports 5001..5004
# from source ports SPORTS, two on each queue: steer.h's hash of 10.99.0.1
# ^ 10.99.0.2 ^ (sport << 16 | dport), folded (h ^ h >> 16), mod 2, is bit
# 0 of 1 ^ sport ^ dport: queues 1, 0, 0, 1. True when each arrived whole,
# none twice.
SPORTS=(40001 40003 40004 40006)
flows() {
	local i ok=0 r s
	for i in 1 2 3 4; do
		ip netns exec "$2" timeout $((FLOW_S + 10)) python3 "$SEQ" recv 500$i \
			$((FLOW_S + 3)) 1 > "$T_DIR/$4-r$i.out" &
		T_PIDS+=("$!")
	done
	for i in 1 2 3 4; do
		wait_for 5 sh -c "ip netns exec '$2' ss -Huln 'sport = :500$i' | grep -q ." || return 1
	done
	for i in 1 2 3 4; do
		ip netns exec "$1" timeout $((FLOW_S + 10)) python3 "$SEQ" send "$3" 500$i "$FLOW_S" \
			"$RATE" "${SPORTS[$((i - 1))]}" > "$T_DIR/$4-s$i.out" &
		T_PIDS+=("$!")
	done
	wait_for $((FLOW_S + 15)) sh -c "[ \$(cat '$T_DIR'/$4-r*.out | grep -c received) -eq 4 ]" || return 1
	for i in 1 2 3 4; do
		r=$(sed -n 's/^received \([0-9]*\) duplicates \([0-9]*\).*/\1 \2/p' "$T_DIR/$4-r$i.out")
		s=$(sed -n 's/^sent //p' "$T_DIR/$4-s$i.out")
		log "$4 flow $i: sent ${s:-?}, received/duplicates ${r:-?}"
		[ "${r% *}" = "${s:-x}" ] && [ "${r#* }" = 0 ] || ok=1
	done
	return "$ok"
}

log "one queue by default: one tap queue, one forwarding thread"
two_peers fixed
WB=$(worker_pid "$PID_B")
check "--queues 1: the tap has 1 queue ($(tap_queues "$NS_B"))" test "$(tap_queues "$NS_B")" -eq 1
check "--queues 1: the worker has 1 forwarding thread" test "$(forwarding_tids "$WB" | wc -l)" -eq 1
stop_ttt "$PID_A"
stop_ttt "$PID_B"

log "--queues 2"
TTT_OPTS_A="--queues 2" TTT_OPTS_B="--queues 2 $WINDOW_OPTS" two_peers fixed
quiet_taps
WA=$(worker_pid "$PID_A")
WB=$(worker_pid "$PID_B")
check "A's and B's taps have 2 queues" \
	test "$(tap_queues "$NS_A")$(tap_queues "$NS_B")" = 22
check "A's and B's workers have 2 forwarding threads each" \
	test "$(forwarding_tids "$WA" | wc -l)$(forwarding_tids "$WB" | wc -l)" = 22
check "B's worker holds 2 sockets bound to :9002" \
	test "$(ip netns exec "$NS_B" ss -Huan 'sport = :9002' | wc -l)" -eq 2
check "A pings B, once B's start-up window is over" wait_for 25 ping_ok "$NS_A" 10.99.0.2 2
check "B answers SIGUSR1 with its counters" read_counters "$PID_B" b
BASE=$CNT

cap_start ul "$NS_B" ul0 udp and src port 9001 and dst port 9002
W0=$(wakeups "$WB")
check "4 paced flows A -> B on both queues: every datagram once" flows "$NS_A" "$NS_B" 10.99.0.2 ab
W1=$(wakeups "$WB")
log "B's forwarding threads' wake-ups before: ${W0//$'\n'/ }, after: ${W1//$'\n'/ }"
check "both of B's forwarding threads woke for them (>= 20 times each)" all_woke "$W0" "$W1" 20
cap_stop ul
N=$(cap_count ul)
check "captured A's datagrams on the underlay ($N)" test "$N" -ge $((4 * RATE * FLOW_S / 2))

# A's socket must be free to send from its own address and port.
stop_ttt "$PID_A"
check "B answers SIGUSR1 with its counters" read_counters "$PID_B" b
check "nothing refused at B during the flows" no_refusals_since "$BASE"
# First as UDP_SEGMENT messages: each message's first datagram steers the
# rest to its queue, whichever queue first received them.
out=$(ip netns exec "$NS_A" python3 "$GSO" "$T_DIR/ul.pcap" 192.0.2.1 9001 192.0.2.2 9002)
log "gsoreplay: $out"
G=$(printf '%s\n' "$out" | awk '/^sent/ { print $2 }')
check "re-sent every captured datagram in UDP_SEGMENT messages (${G:-0} >= $N)" \
	test "${G:-0}" -ge "$N"
refused_all replay "${G:-0}" "steered to either queue"

# Then alone, each to the queue its own flow picks.
out=$(ip netns exec "$NS_A" "$UDPSEND" -s -p 9002 "$T_DIR/ul.pcap" 192.0.2.1:9001 192.0.2.2:9002)
SENT=$(printf '%s\n' "$out" | awk '/^sent/ { print $2 }')
check "re-sent every captured datagram alone from 192.0.2.1:9001 (${SENT:-0} = $G)" \
	test "${SENT:-0}" -eq "$G"
refused_all replay "${SENT:-0}" "alone"

stop_ttt "$PID_B"
log "TCP over both queues, then B's own datagrams, sent by both queues, back to B"
TTT_OPTS_A="--queues 2" TTT_OPTS_B="--queues 2 $WINDOW_OPTS" two_peers fixed
quiet_taps
check "A pings B, once B's start-up window is over" wait_for 25 ping_ok "$NS_A" 10.99.0.2 2
check "B answers SIGUSR1 with its counters" read_counters "$PID_B" b
BASE=$CNT
ip netns exec "$NS_B" timeout 15 iperf3 -s -1 -B 10.99.0.2 > "$T_DIR/iperf-s.log" 2>&1 &
T_PIDS+=("$!")
wait_for 5 listening "$NS_B" 5201 || failc "iperf3 server listens"
check "iperf3 -P 4 A -> B for 3 s" ip netns exec "$NS_A" timeout 15 iperf3 -c 10.99.0.2 -P 4 -t 3 \
	-f m > "$T_DIR/iperf-c.log"
log "iperf3: $(grep -E 'SUM.*receiver' "$T_DIR/iperf-c.log" | tr -s ' ')"
check "B answers SIGUSR1 with its counters" read_counters "$PID_B" b
check "nothing refused at B since the first ping (replay, reflected, ...)" no_refusals_since "$BASE"

# A respawned worker gets every queue back (the parent holds them).
W=$(worker_pid "$PID_B")
kill -KILL "$W"
# shellcheck disable=SC2016 # expanded by the inner shell
check "B's worker replaced after kill -9" wait_for 10 sh -c \
	'[ "$(awk "/sandboxed/ { n++ } END { print n + 0 }" "$1")" -ge 2 ]' _ "$T_DIR/b.log"
WB=$(worker_pid "$PID_B")
check "the new worker ($WB, not $W) has 2 forwarding threads" \
	test "$WB" != "$W" -a "$(forwarding_tids "$WB" | wc -l)" -eq 2
cap_start back "$NS_B" ul0 udp and src port 9002 and dst port 9001
W0=$(wakeups "$WB")
check "A answers SIGUSR1 with its counters" read_counters "$PID_A" a
BASE=$CNT
check "4 paced flows B -> A on both queues: every datagram once" flows "$NS_B" "$NS_A" 10.99.0.1 ba
W1=$(wakeups "$WB")
check "both of B's forwarding threads woke to send them (>= 20 times each)" all_woke "$W0" "$W1" 20
check "A answers SIGUSR1 with its counters" read_counters "$PID_A" a
log "A: $CNT"
check "nothing refused at A during them" no_refusals_since "$BASE"
cap_stop back
M=$(cap_count back)
stop_ttt "$PID_A"
read_counters "$PID_B" b || failc "B answers SIGUSR1 with its counters"
out=$(ip netns exec "$NS_A" "$UDPSEND" -s -p 9001 "$T_DIR/back.pcap" 192.0.2.1:9001 192.0.2.2:9002)
SENT=$(printf '%s\n' "$out" | awk '/^sent/ { print $2 }')
check "sent B's $M captured datagrams back to it (${SENT:-0})" test "${SENT:-0}" -ge "$M"
refused_all reflected "${SENT:-0}" "B's own datagrams"

# The worker trusts no descriptor it is given: the test build puts the stamps
# page (a regular file) where queue 1's tap, then its socket, belongs, and
# the worker ends before it forwards anything (worker.c, take_queues).
HOOK_BIN=${TTT_HOOK_BIN:-$TTT_ROOT/$BUILD/tinytaptunnel-testhooks}
for which in tap udp; do
	export TTT_TEST_QUEUE_FD=$which
	NS_Q=$(netns "q$which")
	TTT_BIN=$HOOK_BIN start_ttt "$NS_Q" "q$which" --queues 2 -i ttt0 "$KEY" 127.0.0.1:9005 127.0.0.1:9006
	unset TTT_TEST_QUEUE_FD
	check "a regular file as queue 1's $which: the worker refuses it" \
		wait_log "q$which" "the parent's tap queues and sockets: Bad file descriptor"
	check "and no worker ever forwards" sh -c '! grep -q sandboxed "$1"' _ "$T_DIR/q$which.log"
	stop_ttt "$TTT_PID"
done

finish

#!/usr/bin/env bash
# The tap's offloads (tso.h, coalesce.h): with them (the default), the kernel
# hands each daemon TCP super-frames, which leave cut into ordinary frames
# (tx split), none longer than the peer takes (rx long 0); runs of the
# peer's segments go into the tap as one (rx merged). A TCP transfer each
# way at once arrives whole (same SHA-256): every segment's checksum was
# right, or TCP would have stalled. With --no-offload on one side (a plain
# tap, as a kernel refusing every offload leaves it, and as v1.4's), the
# same transfer works both ways, that side splitting and merging nothing.
# Last, the test build (TTT_TEST_REFUSE_OFFLOAD, tap.c) plays a kernel that
# refuses TSO, then every offload: each worker falls back, counts it
# (offload-refused) and says so, and the transfer still works.
. "$(dirname "$0")/lib.sh"
need_root

HOOK_BIN=${TTT_HOOK_BIN:-$TTT_ROOT/$BUILD/tinytaptunnel-testhooks}
[ -x "$HOOK_BIN" ] || { echo "test_offload: $HOOK_BIN not built (make $BUILD/tinytaptunnel-testhooks)" >&2; exit 1; }

SIZE_MB=${TTT_OFFLOAD_MB:-20}
XFER_TIMEOUT=${TTT_OFFLOAD_TIMEOUT:-40}

# transfer NAME FROM_NS TO_NS TO_ADDR PORT: SIZE_MB by TCP; true when it
# arrives whole, with the same SHA-256.
transfer() {
	local in="$T_DIR/$1.in" out="$T_DIR/$1.out" rx rc=0
	head -c "${SIZE_MB}M" /dev/urandom > "$in"
	ip netns exec "$3" timeout "$XFER_TIMEOUT" \
		socat -u "TCP-LISTEN:$5,bind=$4,reuseaddr" "OPEN:$out,creat,trunc" 2>/dev/null &
	rx=$!
	T_PIDS+=("$rx")
	wait_for 10 listening "$3" "$5" || return 1
	ip netns exec "$2" timeout "$XFER_TIMEOUT" \
		socat -u "OPEN:$in" "TCP:$4:$5,connect-timeout=5" 2>/dev/null || rc=$?
	wait "$rx" || rc=$?
	[ "$rc" -eq 0 ] && [ "$(sha256sum < "$in")" = "$(sha256sum < "$out")" ]
	rc=$?
	rm -f "$in" "$out"
	return "$rc"
}
# both_ways: a transfer each way at once.
both_ways() {
	local p1 p2 rc=0
	transfer ab "$NS_A" "$NS_B" 10.99.0.2 5001 & p1=$!
	transfer ba "$NS_B" "$NS_A" 10.99.0.1 5002 & p2=$!
	wait "$p1" || rc=1
	wait "$p2" || rc=1
	return "$rc"
}
# no_refusals: nothing refused or dropped but a rare replay: on a loaded
# 2-core machine, veth's per-CPU backlogs can reorder a fast flow past
# what the replay filter holds (replay.h), seen as 1 frame in some 15000
# now and then before its grid;
# more than 1 in 1000 is not that.
no_refusals() {
	for k in short long badmac stale future reflected wrong-peer tap-errors; do
		[ "$(rx "$k")" = 0 ] || { echo "rx $k=$(rx "$k")"; return 1; }
	done
	[ "$(($(rx replay) * 1000))" -le "$(rx frames)" ] ||
		{ echo "rx replay=$(rx replay) of $(rx frames)"; return 1; }
	for k in long bad-offload tap-errors; do
		[ "$(tx "$k")" = 0 ] || { echo "tx $k=$(tx "$k")"; return 1; }
	done
}

log "offloads on both sides (the default)"
two_peers fixed
check "A pings B" ping_ok "$NS_A" 10.99.0.2 2
check "${SIZE_MB} MiB by TCP each way at once, whole (same SHA-256)" both_ways
for p in a b; do
	pid=PID_${p^^}
	read_counters "${!pid}" "$p" || failc "$p answers SIGUSR1"
	check "$p: the tap handed over super-frames (tx split $(tx split))" test "$(tx split)" -gt 0
	check "$p: runs went into the tap as one (rx merged $(rx merged) of $(rx frames))" \
		test "$(rx merged)" -gt 0
	check "$p: the kernel refused no offload (offload-refused $(tx offload-refused))" \
		test "$(tx offload-refused)" = 0
	check "$p: nothing refused or dropped" no_refusals
done
stop_ttt "$PID_A"
stop_ttt "$PID_B"

log "A with --no-offload (a plain tap), B with offloads"
TTT_OPTS_A=--no-offload two_peers fixed
check "A pings B" ping_ok "$NS_A" 10.99.0.2 2
check "${SIZE_MB} MiB by TCP each way at once, whole (same SHA-256)" both_ways
read_counters "$PID_A" a || failc "A answers SIGUSR1"
check "A split nothing (tx split $(tx split))" test "$(tx split)" = 0
check "A merged nothing (rx merged $(rx merged))" test "$(rx merged)" = 0
check "A: nothing refused or dropped" no_refusals
read_counters "$PID_B" b || failc "B answers SIGUSR1"
check "B still split super-frames (tx split $(tx split))" test "$(tx split)" -gt 0
check "B merged A's ordinary frames (rx merged $(rx merged))" test "$(rx merged)" -gt 0
check "B: nothing refused or dropped" no_refusals
stop_ttt "$PID_A"
stop_ttt "$PID_B"

# refused N WHAT: both daemons on a kernel that refuses the first N rungs of
# tap.c's offload ladder.
refused() {
	log "a kernel refusing $2 (TTT_TEST_REFUSE_OFFLOAD=$1, test build)"
	export TTT_TEST_REFUSE_OFFLOAD=$1
	TTT_BIN=$HOOK_BIN two_peers fixed
	unset TTT_TEST_REFUSE_OFFLOAD
	check "the worker says what the kernel refused" wait_log a "refused some of the tap's offloads"
	# Past both daemons' start-up window (SECURITY.md), as above.
	check "A pings B" ping_ok "$NS_A" 10.99.0.2 2
	check "${SIZE_MB} MiB by TCP each way at once, whole (same SHA-256)" both_ways
	for p in a b; do
		pid=PID_${p^^}
		read_counters "${!pid}" "$p" || failc "$p answers SIGUSR1"
		check "$p counted the refusal (offload-refused $(tx offload-refused))" \
			test "$(tx offload-refused)" = 1
		check "$p: no super-frame from the tap (tx split $(tx split))" test "$(tx split)" = 0
		check "$p: nothing refused or dropped" no_refusals
	done
}
refused 1 "TCP segmentation offload"
check "b: with a vnet header still, runs went into the tap as one (rx merged $(rx merged))" \
	test "$(rx merged)" -gt 0
stop_ttt "$PID_A"
stop_ttt "$PID_B"
refused 4 "every offload and the vnet header"
check "b: a plain tap, nothing merged (rx merged $(rx merged))" test "$(rx merged)" = 0

finish

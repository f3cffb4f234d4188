#!/usr/bin/env bash
# Each worker is a fresh image: the parent executes the worker's image (its
# own static program, build/tinytaptunnel-worker, opened at start) for every
# (re)spawn, as sshd-session and ntpd's children are, so a worker's address
# space (its code, stack, heap) is laid out anew, unlike a forked copy of
# the parent's, and differs from its predecessor's. It starts with an empty
# environment and the hidden argument; run by hand, the image refuses.
. "$(dirname "$0")/lib.sh"
need_root

# layout PID: the start of the first mapping of the process's own program
# (the daemon's binary, or the worker's image), of [stack] and of [heap],
# from /proc/PID/maps (readable by root even though the worker is not dumpable).
layout() {
	awk -v exe="$(readlink "/proc/$1/exe")" \
	    '$6 == exe && !t { split($1, a, "-"); t = a[1] }
	     / \[stack\]$/ { split($1, a, "-"); s = a[1] }
	     / \[heap\]$/ { split($1, a, "-"); h = a[1] }
	     END { if (t == "" || s == "" || h == "") exit 1; print "text=" t, "stack=" s, "heap=" h }' \
		"/proc/$1/maps"
}
# differ A B: each of text, stack and heap starts elsewhere in layout B than in A.
differ() {
	local a b i
	read -ra a <<< "$1"
	read -ra b <<< "$2"
	[ "${#a[@]}" -eq 3 ] && [ "${#b[@]}" -eq 3 ] || return 1
	for i in 0 1 2; do [ "${a[$i]}" != "${b[$i]}" ] || return 1; done
}

NS=$(netns a)
KEY="$T_DIR/key"
keyfile "$KEY"
start_ttt "$NS" a -i ttt0 "$KEY" :9001 192.0.2.2:9002
PID_A=$TTT_PID
check "the first worker is sandboxed" wait_log a sandboxed
W1=$(worker_pid "$PID_A")
P=$(layout "$PID_A")
L1=$(layout "$W1")
log "parent   $P"
log "worker 1 $L1"
check "the worker's code, stack and heap are not the parent's" differ "$P" "$L1"
check "the worker runs the build's worker image" \
	test "$(readlink "/proc/$W1/exe")" = "$(readlink -f "$TTT_ROOT/$BUILD/tinytaptunnel-worker")"
check "the worker was started with the hidden argument" \
	test "$(tr '\0' ' ' < /proc/"$W1"/cmdline)" = "tinytaptunnel --worker-internal "
check "the worker's environment is empty" test "$(wc -c < /proc/"$W1"/environ)" -eq 0
check "the worker holds only 0..2 and descriptors 3, 4, 5" \
	test "$(ls /proc/"$W1"/fd | sort -n | tr '\n' ' ')" = "0 1 2 3 4 5 "

kill -KILL "$W1"
check "a second worker is sandboxed after kill -9" wait_for 10 more_lines sandboxed "$T_DIR/a.log" 1
W2=$(worker_pid "$PID_A")
check "the second worker is another process" test -n "$W2" -a "$W2" != "$W1"
L2=$(layout "$W2")
log "worker 2 $L2"
check "the second worker's code, stack and heap are not the first's" differ "$L1" "$L2"
check "nor the parent's" differ "$P" "$L2"

WIMG=$TTT_ROOT/$BUILD/tinytaptunnel-worker
out=$("$WIMG" --worker-internal 2>&1) && rc=0 || rc=$?
check "the worker image run by hand, with the hidden argument, exits 64" test "$rc" -eq 64
check "and says why" sh -c 'printf "%s" "$1" | grep -q "for the daemon.s own use"' _ "$out"
out=$("$WIMG" 2>&1) && rc=0 || rc=$?
check "without it too" sh -c '[ "$1" -eq 64 ] && printf "%s" "$2" | grep -q "own use"' _ "$rc" "$out"
out=$("$TTT_BIN" --worker-internal 2>&1) && rc=0 || rc=$?
check "the daemon takes it for an unknown option (64)" \
	sh -c '[ "$1" -eq 64 ] && printf "%s" "$2" | grep -q "unknown option"' _ "$rc" "$out"
check "--help does not mention it" sh -c '! "$1" --help | grep -q worker-internal' _ "$TTT_BIN"
stop_ttt "$PID_A"
finish

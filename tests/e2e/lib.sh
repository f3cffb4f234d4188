# Shared helpers for the end-to-end tests: real namespaces, real taps, the real
# binary. Sourced by each tests/e2e/test_*.sh. Every test:
#   - creates its namespaces with unique names and deletes them on exit (trap),
#   - kills only the PIDs it started,
#   - bounds every wait,
#   - never touches the root namespace's addresses or routes.
set -eu

TTT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
TTT_BIN=${TTT_BIN:-$TTT_ROOT/tinytaptunnel}
TTT_TOOLS=${TTT_TOOLS:-$TTT_ROOT/$BUILD/tools}
T_NAME=$(basename "$0" .sh)
T_ID="t$$"
T_DIR=$(mktemp -d "/tmp/ttt-$T_NAME.XXXXXX")
T_NS=()
T_PIDS=()
T_PASS=0
T_FAIL=0

log() { printf '[%s] %s\n' "$T_NAME" "$*"; }

pass() { T_PASS=$((T_PASS + 1)); printf '  ok   %s\n' "$*"; }
failc() { T_FAIL=$((T_FAIL + 1)); printf '  FAIL %s\n' "$*"; }
# check DESCRIPTION COMMAND...: one assertion, counted.
check() {
	local what=$1; shift
	if "$@"; then pass "$what"; else failc "$what"; fi
}
check_not() {
	local what=$1; shift
	if "$@"; then failc "$what"; else pass "$what"; fi
}

cleanup() {
	local rc=$?
	set +e
	for pid in "${T_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${T_PIDS[@]}"; do
		for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in "${T_NS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns delete "$ns" 2>/dev/null
	done
	if [ "$T_FAIL" -ne 0 ] || [ "$rc" -ne 0 ]; then
		for f in "$T_DIR"/*.log; do
			[ -f "$f" ] || continue
			echo "---- $f"; tail -n 40 "$f"
		done
	fi
	rm -rf "$T_DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "$T_NAME: needs root (network namespaces, tap devices)" >&2
		exit 1
	fi
}

# netns NAME: create a namespace (deleted on exit) with loopback up.
netns() {
	local ns="ttt-$T_ID-$1"
	ip netns add "$ns"
	T_NS+=("$ns")
	ip -n "$ns" link set lo up
	echo "$ns"
}

# veth_pair NS_A NS_B ADDR_A ADDR_B [IFNAME]: an underlay link between two
# namespaces, IFNAME (default ul0) at both ends, addresses in CIDR form.
veth_pair() {
	local a=$1 b=$2 ia="veth$RANDOM" ib="veth$RANDOM" ifn=${5:-ul0}
	ip link add "$ia" netns "$a" type veth peer name "$ib" netns "$b"
	ip -n "$a" link set "$ia" name "$ifn"
	ip -n "$b" link set "$ib" name "$ifn"
	ip -n "$a" addr add "$3" dev "$ifn"
	ip -n "$b" addr add "$4" dev "$ifn"
	ip -n "$a" link set "$ifn" up
	ip -n "$b" link set "$ifn" up
}

# keyfile PATH: a fresh key, mode 0600.
keyfile() {
	(umask 077 && "$TTT_BIN" --genkey > "$1")
}

# start_ttt NS LOGNAME ARGS...: run the daemon in NS in the background; sets TTT_PID.
start_ttt() {
	local ns=$1 name=$2; shift 2
	ip netns exec "$ns" "$TTT_BIN" "$@" > "$T_DIR/$name.log" 2>&1 &
	TTT_PID=$!
	T_PIDS+=("$TTT_PID")
}

# wait_for SECONDS COMMAND...: poll until the command succeeds.
wait_for() {
	local limit=$1; shift
	local end=$((SECONDS + limit))
	while [ "$SECONDS" -lt "$end" ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	return 1
}

# wait_log NAME PATTERN [SECONDS]: until the daemon's log shows PATTERN.
wait_log() {
	wait_for "${3:-10}" grep -q -- "$2" "$T_DIR/$1.log"
}

# worker_pid PARENT_PID: the forked worker.
worker_pid() {
	pgrep -P "$1" | head -n 1
}

# tap_up NS IFNAME ADDR: address a tap once the daemon created it.
tap_up() {
	wait_for 10 ip -n "$1" link show "$2" || return 1
	ip -n "$1" addr add "$3" dev "$2"
}

# ping_ok NS ADDR [COUNT]
ping_ok() {
	ip netns exec "$1" ping -c "${3:-3}" -i 0.2 -W 2 -q "$2" >/dev/null 2>&1
}

# A standard pair: two peers, A and B, on an IPv4 veth underlay, tap addresses
# 10.99.0.1 and 10.99.0.2. MODE fixed: both know each other; discover: B learns A.
# Extra daemon options go in TTT_OPTS_A / TTT_OPTS_B.
two_peers() {
	local mode=${1:-fixed}
	T_PAIR=$((${T_PAIR:-0} + 1))
	NS_A=$(netns "a$T_PAIR")
	NS_B=$(netns "b$T_PAIR")
	veth_pair "$NS_A" "$NS_B" 192.0.2.1/24 192.0.2.2/24
	KEY="$T_DIR/key"
	keyfile "$KEY"
	# shellcheck disable=SC2086
	start_ttt "$NS_A" a ${TTT_OPTS_A:-} -i ttt0 "$KEY" :9001 192.0.2.2:9002
	PID_A=$TTT_PID
	if [ "$mode" = discover ]; then
		# shellcheck disable=SC2086
		start_ttt "$NS_B" b ${TTT_OPTS_B:-} -i ttt0 "$KEY" :9002
	else
		# shellcheck disable=SC2086
		start_ttt "$NS_B" b ${TTT_OPTS_B:-} -i ttt0 "$KEY" :9002 192.0.2.1:9001
	fi
	PID_B=$TTT_PID
	tap_up "$NS_A" ttt0 10.99.0.1/24
	tap_up "$NS_B" ttt0 10.99.0.2/24
	wait_log a "sandboxed" && wait_log b "sandboxed"
}

# count_lines PATTERN FILE: how many lines match (0 when none).
count_lines() {
	awk -v p="$1" 'index($0, p) { n++ } END { print n + 0 }' "$2"
}

# counters NAME PID: ask the daemon for its counters (SIGUSR1) and print the
# new line. Fails if no new line appears in time.
counters() {
	local name=$1 pid=$2 log="$T_DIR/$1.log" before
	before=$(count_lines 'counters:' "$log")
	kill -USR1 "$pid"
	wait_for 5 sh -c '[ "$(awk "/counters:/ { n++ } END { print n + 0 }" "$1")" -gt "$2" ]' \
		_ "$log" "$before" || return 1
	grep 'counters:' "$log" | tail -n 1
}

# field LINE DIR KEY: the value of KEY in the tx or rx half of a counters line.
field() {
	printf '%s\n' "$1" | sed -n "s/.* $2 \(.*\)/\1/p" | sed 's/ rx .*//' |
		tr ' ' '\n' | sed -n "s/^$3=//p" | head -n 1
}

finish() {
	echo "$T_NAME: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}

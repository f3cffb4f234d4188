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
	# The namespaces netns created (listed in a file: it runs in subshells).
	if [ -f "$T_DIR/netns" ]; then
		while read -r ns; do
			ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
			ip netns delete "$ns" 2>/dev/null
		done < "$T_DIR/netns"
	fi
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

# netns NAME: a new namespace, loopback up; prints its name, kept in a file for cleanup (run in $(...)).
netns() {
	local ns="ttt-$T_ID-$1"
	ip netns add "$ns"
	echo "$ns" >> "$T_DIR/netns"
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
	# shellcheck disable=SC2086 # TTT_WRAP: a command and its arguments (chrt -b 0)
	ip netns exec "$ns" ${TTT_WRAP:-} "$TTT_BIN" "$@" > "$T_DIR/$name.log" 2>&1 &
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

# listening NS PORT: something listens on TCP PORT in NS.
listening() {
	ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .
}

# ping_ok NS ADDR [COUNT]: a reply to COUNT pings; tried again for 6 s, which
# outlasts the window a freshly started daemon refuses every frame for
# (SECURITY.md, "across a restart"), so a test may ping right after a start.
ping_ok() {
	local end=$((SECONDS + 6))
	until ip netns exec "$1" ping -c "${3:-3}" -i 0.2 -W 2 -q "$2" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || return 1
	done
}

# A standard pair: two peers, A and B, on an IPv4 veth underlay, tap addresses
# 10.99.0.1 and 10.99.0.2. MODE fixed: both know each other; discover: B learns A.
# Extra daemon options go in TTT_OPTS_A / TTT_OPTS_B.
# Both peers run on this host, so they share its machine id: with the same
# name, ttt0, they would derive the same Ethernet address, and a bridge on
# A would drop B's frames as coming from its own port's address. Two
# machines never share one, so B gets an address of its own (TTT_MAC_B); A
# keeps the derived one. A --mac in TTT_OPTS_B comes later and wins.
TTT_MAC_B=02:00:00:99:00:02
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
		start_ttt "$NS_B" b --mac "$TTT_MAC_B" ${TTT_OPTS_B:-} -i ttt0 "$KEY" :9002
	else
		# shellcheck disable=SC2086
		start_ttt "$NS_B" b --mac "$TTT_MAC_B" ${TTT_OPTS_B:-} -i ttt0 "$KEY" :9002 192.0.2.1:9001
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

# more_lines PATTERN FILE N: more than N lines of FILE contain PATTERN.
more_lines() {
	[ "$(count_lines "$1" "$2")" -gt "$3" ]
}

# alive PID: running, not a zombie waiting to be reaped.
alive() {
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[ -n "$s" ] && [ "${s#Z}" = "$s" ]
}
# not_alive PID: ended (gone, or a zombie).
not_alive() { ! alive "$1"; }

# forget_pid PID: drop a reaped PID from T_PIDS, so cleanup never signals the PID's next owner.
forget_pid() {
	local p keep=()
	for p in "${T_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	T_PIDS=("${keep[@]}")
}

# stop_pid SIGNAL PID: signal our child, SIGKILL it after 10 s, reap and forget it; returns its status.
stop_pid() {
	local rc=0
	kill -"$1" "$2" 2>/dev/null || :	# it may have ended already
	if ! wait_for 10 not_alive "$2"; then
		kill -KILL "$2" 2>/dev/null || :
	fi
	wait "$2" 2>/dev/null || rc=$?
	forget_pid "$2"
	return "$rc"
}

# stop_ttt PID: SIGTERM a daemon we started and reap it (bounded), whatever its exit status.
stop_ttt() {
	stop_pid TERM "$1" || :
}

# need_tool VAR NAME: set VAR to the path of test tool NAME; exit the test if it is not built.
need_tool() {
	printf -v "$1" '%s' "$TTT_TOOLS/$2"
	[ -x "$TTT_TOOLS/$2" ] && return 0
	echo "$T_NAME: $TTT_TOOLS/$2 missing; make BUILD=$BUILD $BUILD/tools/$2" >&2
	exit 1
}

# ping_size NS ADDR PING-OPTIONS...: 3 pings, every one answered; tried
# again for 6 s, as ping_ok, to outlast a daemon's start-up window.
ping_size() {
	local ns=$1 addr=$2 end=$((SECONDS + 6)); shift 2
	until ip netns exec "$ns" ping "$@" -c 3 -i 0.2 -W 2 -q "$addr" 2>&1 | grep -q " 3 received"; do
		[ "$SECONDS" -lt "$end" ] || return 1
	done
}

# add_c: NS_C, a host on a second link from B (ul1, 198.51.100.2 <-> .3): not A, not on A's link.
add_c() {
	NS_C=$(netns "c$T_PAIR")
	veth_pair "$NS_B" "$NS_C" 198.51.100.2/24 198.51.100.3/24 ul1
}

# quiet_taps: no IPv6, static neighbours on A's and B's taps: only the test's frames cross (no RS/MLD/ARP).
quiet_taps() {
	local ma mb
	ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.ttt0.disable_ipv6=1
	ip netns exec "$NS_B" sysctl -qw net.ipv6.conf.ttt0.disable_ipv6=1
	ma=$(ip netns exec "$NS_A" cat /sys/class/net/ttt0/address)
	mb=$(ip netns exec "$NS_B" cat /sys/class/net/ttt0/address)
	ip -n "$NS_A" neigh replace 10.99.0.2 lladdr "$mb" dev ttt0 nud permanent
	ip -n "$NS_B" neigh replace 10.99.0.1 lladdr "$ma" dev ttt0 nud permanent
}

# read_counters PID LOGNAME: SIGUSR1 the daemon, wait (10 s at most) for its new counters line; sets CNT.
read_counters() {
	local log="$T_DIR/$2.log" n
	n=$(count_lines 'counters: ' "$log")
	kill -USR1 "$1" 2>/dev/null || return 1
	wait_for 10 more_lines 'counters: ' "$log" "$n" || return 1
	CNT=$(grep 'counters: ' "$log" | tail -n 1)
}
# rx KEY: one receive counter of CNT (frames, badmac, replay, wrong-peer, ...).
rx() {
	printf '%s\n' "${CNT#* rx }" | tr ' ' '\n' | sed -n "s/^$1=//p"
}
# no_refusals_since LINE: no receive refusal counter of CNT grew since the
# counters line LINE. A daemon refuses every frame for a window after it
# starts (respawn.h), so a clean tunnel is judged from a line read once it
# carried traffic both ways.
no_refusals_since() {
	local base=$1 k now=$CNT
	for k in short long badmac stale future replay reflected wrong-peer; do
		CNT=$base; local b; b=$(rx "$k"); CNT=$now
		[ "$(rx "$k")" = "$b" ] || return 1
	done
}
# tx KEY: one transmit counter of CNT (frames, bytes, long, ...).
tx() {
	local t=${CNT#* tx }
	printf '%s\n' "${t%% rx *}" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# The rx counters snap and expect_deltas compare (bytes follows frames); PREV holds their last values.
RX_FIELDS="frames short long badmac stale future replay reflected wrong-peer"
declare -gA PREV=()
# snap: read B's counters and remember its receive counters in PREV.
snap() {
	local f
	read_counters "$PID_B" b || return 1
	for f in $RX_FIELDS; do PREV[$f]=$(rx "$f"); done
}
# expect_deltas DESC "field=N ..." COMMAND...: run COMMAND; check B's rx counters grew by N (the rest by 0).
expect_deltas() {
	local what=$1 spec=$2 want=" $2 " f cur d exp got="" ok=1
	shift 2
	if ! "$@" > /dev/null; then
		failc "$what (the sender failed: $*)"
		snap || failc "B answers SIGUSR1 with its counters"
		return
	fi
	sleep 0.3
	if ! read_counters "$PID_B" b; then
		failc "$what (no counters from B)"
		return
	fi
	for f in $RX_FIELDS; do
		cur=$(rx "$f")
		d=$((cur - ${PREV[$f]:-0}))
		PREV[$f]=$cur
		exp=$(printf '%s' "$want" | sed -n "s/.* $f=\([0-9]*\) .*/\1/p")
		[ "$d" -eq 0 ] || got="$got $f=+$d"
		[ "$d" -eq "${exp:-0}" ] || ok=0
	done
	if [ "$ok" = 1 ]; then pass "$what (${got# })"; else failc "$what (want $spec, got:${got:- nothing})"; fi
}

# forge [FORGE OPTIONS]: datagrams built by ttt_forge ($FORGE, see need_tool)
# under the tunnel's key, from A's address and port to B.
forge() {
	ip netns exec "$NS_A" "$FORGE" -k "$KEY" -s 192.0.2.1:9001 "$@" 192.0.2.2:9002
}
# forge_at_b AGE: stop A's daemon so its address and port send forged
# frames; wait until B takes frames stamped AGE seconds ago (its first
# worker refuses those stamped before its start + the window, 3 s: see
# respawn.h); capture what B's tap receives of
# ethertype 0x88b5 (IEEE local experimental: only ttt_forge sends it) into
# capture "tap"; remember B's counters (snap).
forge_at_b() {
	local w
	stop_ttt "$PID_A"
	w=$(worker_pid "$PID_B" || true)
	check "B's worker is older than $1 s + the 3 s window" \
		wait_for 15 sh -c '[ "$(ps -o etimes= -p "$1")" -gt "$2" ]' _ "$w" "$(($1 + 3))"
	cap_start tap "$NS_B" ttt0 -Q in ether proto 0x88b5
	check "B answers SIGUSR1 with its counters" snap
}
# marker_count NAME MARKER: frames in capture NAME carrying "MARKER seq=".
marker_count() {
	tcpdump -n -A -r "$T_DIR/$1.pcap" 2>/dev/null | count_lines "$2 seq=" -
}

declare -gA CAP_PID=()
# cap_start NAME NS IFACE FILTER...: tcpdump (50 s at most) into $T_DIR/NAME.pcap; returns once it listens.
cap_start() {
	local name=$1 ns=$2 ifc=$3; shift 3
	ip netns exec "$ns" timeout 50 tcpdump -Z root -U --immediate-mode -n -i "$ifc" \
		-w "$T_DIR/$name.pcap" "$@" 2> "$T_DIR/$name.tcpdump" &
	CAP_PID[$name]=$!
	T_PIDS+=("$!")
	wait_for 10 grep -q "listening on" "$T_DIR/$name.tcpdump"
}
# cap_stop NAME: stop and reap that capture; fails if it had ended before (timed out: a partial file).
cap_stop() {
	local rc=0
	stop_pid INT "${CAP_PID[$1]}" || rc=$?
	[ "$rc" -eq 0 ] || log "capture $1 did not end cleanly (status $rc)"
	return "$rc"
}
# cap_count NAME [FILTER...]: packets in the capture (matching FILTER).
cap_count() {
	local name=$1; shift
	tcpdump -n -r "$T_DIR/$name.pcap" "$@" 2>/dev/null | wc -l
}

finish() {
	echo "$T_NAME: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}

#!/usr/bin/env bash
# Repeated faults cost little (issue 13, item 6): bidirectional TCP (iperf3
# --bidir) and a numbered UDP stream each way cross the tunnel for
# TTT_SOAK_S seconds (default 120) while each side's worker is killed with
# SIGKILL every 20 s (A's and B's 10 s apart) and both peers rotate their key
# every 30 s. Checked: every 10 s slice carries traffic both ways; the UDP
# streams get through at least 90 % of the time; no datagram is delivered
# twice; the parents' descriptors and memory do not grow.
. "$(dirname "$0")/lib.sh"
need_root
command -v iperf3 >/dev/null || { echo "$T_NAME: iperf3 missing (make deps)" >&2; exit 1; }

SOAK_S=${TTT_SOAK_S:-120}
SLICE_S=10
KILL_S=20
REKEY_S=30
STREAM=$TTT_ROOT/tests/tools/seqstream.py

# A key file each, so each peer rotates on its own SIGHUP.
two_peers_own_keys() {
	NS_A=$(netns a)
	NS_B=$(netns b)
	veth_pair "$NS_A" "$NS_B" 192.0.2.1/24 192.0.2.2/24
	keyfile "$T_DIR/k0"
	cp -p "$T_DIR/k0" "$T_DIR/a.key"
	cp -p "$T_DIR/k0" "$T_DIR/b.key"
	start_ttt "$NS_A" a --rekey-grace-ms 10000 -i ttt0 "$T_DIR/a.key" :9001 192.0.2.2:9002
	PID_A=$TTT_PID
	start_ttt "$NS_B" b --mac "$TTT_MAC_B" --rekey-grace-ms 10000 -i ttt0 "$T_DIR/b.key" :9002 \
		192.0.2.1:9001
	PID_B=$TTT_PID
	tap_up "$NS_A" ttt0 10.99.0.1/24
	tap_up "$NS_B" ttt0 10.99.0.2/24
	wait_log a sandboxed && wait_log b sandboxed
}
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

two_peers_own_keys
quiet_taps
check "A pings B" wait_for 20 ping_ok "$NS_A" 10.99.0.2 1
FD_A0=$(fds "$PID_A") FD_B0=$(fds "$PID_B") RSS_A0=$(rss_kb "$PID_A") RSS_B0=$(rss_kb "$PID_B")

log "$SOAK_S s of traffic both ways; a worker killed every $((KILL_S / 2)) s, keys rotated every $REKEY_S s"
ip netns exec "$NS_B" iperf3 -s -1 -p 5201 > "$T_DIR/iperf-s.out" 2>&1 &
T_PIDS+=("$!")
wait_for 10 sh -c 'ip netns exec "$1" ss -ltn | grep -q ":5201 "' _ "$NS_B"
declare -A RECV=()
for dir in ab ba; do
	if [ $dir = ab ]; then rns=$NS_B; else rns=$NS_A; fi
	ip netns exec "$rns" python3 "$STREAM" recv 7000 $((SOAK_S + 3)) "$SLICE_S" > "$T_DIR/recv-$dir.out" &
	T_PIDS+=("$!")
	RECV[$dir]=$!
done
sleep 0.5	# the receivers bind; a datagram before that is lost, not duplicated
for dir in ab ba; do
	if [ $dir = ab ]; then sns=$NS_A dst=10.99.0.2; else sns=$NS_B dst=10.99.0.1; fi
	ip netns exec "$sns" python3 "$STREAM" send "$dst" 7000 "$SOAK_S" 200 > "$T_DIR/send-$dir.out" &
	T_PIDS+=("$!")
done
ip netns exec "$NS_A" iperf3 -c 10.99.0.2 -p 5201 --bidir -b 20M -t "$SOAK_S" -i "$SLICE_S" -J \
	> "$T_DIR/iperf.json" 2> "$T_DIR/iperf.err" &
IPERF=$!
T_PIDS+=("$IPERF")

start=$SECONDS kills=0 rekeys=0 next_kill=$((KILL_S / 2)) next_rekey=$REKEY_S
while [ $((SECONDS - start)) -lt "$SOAK_S" ]; do
	t=$((SECONDS - start))
	if [ "$t" -ge "$next_kill" ]; then
		# A's worker, then B's, then A's...: each every KILL_S seconds.
		if [ $((kills % 2)) -eq 0 ]; then p=$PID_A; else p=$PID_B; fi
		w=$(worker_pid "$p" || true)
		[ -z "$w" ] || kill -KILL "$w"
		kills=$((kills + 1)) next_kill=$((next_kill + KILL_S / 2))
	fi
	if [ "$t" -ge "$next_rekey" ]; then
		keyfile "$T_DIR/k$((rekeys + 1))"
		cp -p "$T_DIR/k$((rekeys + 1))" "$T_DIR/a.key"; kill -HUP "$PID_A"
		cp -p "$T_DIR/k$((rekeys + 1))" "$T_DIR/b.key"; kill -HUP "$PID_B"
		rekeys=$((rekeys + 1)) next_rekey=$((next_rekey + REKEY_S))
	fi
	sleep 0.5
done
wait "$IPERF" || log "iperf3 ended with status $? ($(head -c 300 "$T_DIR/iperf.err"))"
for dir in ab ba; do wait "${RECV[$dir]}" || :; done
log "killed $kills workers, rotated the keys $rekeys times"

# Per slice, bytes each way, from iperf3's intervals (the last, partial one left out).
python3 - "$T_DIR/iperf.json" > "$T_DIR/slices" <<'PY' || :
import json, sys
d = json.load(open(sys.argv[1]))
for i in d.get("intervals", []):
    f, r = i["sum"], i["sum_bidir_reverse"]
    if f["seconds"] >= 1:
        print(int(f["bytes"]), int(r["bytes"]))
PY
n=$(wc -l < "$T_DIR/slices")
check "iperf3 reported $n slices of $SLICE_S s" test "$n" -ge $((SOAK_S / SLICE_S - 1))
log "TCP bytes per slice, A->B B->A: $(tr '\n' ',' < "$T_DIR/slices")"
check "every slice carried TCP both ways" awk '$1 == 0 || $2 == 0 { bad = 1 } END { exit bad }' "$T_DIR/slices"
for dir in ab ba; do
	r=$(head -n 1 "$T_DIR/recv-$dir.out") s=$(sed -n 2p "$T_DIR/recv-$dir.out")
	log "UDP $dir: $(cat "$T_DIR/send-$dir.out"); $r; $s"
	# shellcheck disable=SC2086 # the words of the line
	set -- $r
	check "UDP $dir: nothing delivered twice ($4 duplicates)" test "${4:-1}" -eq 0
	check "UDP $dir: through at least 90 % of the time (${6:-0} %)" \
		awk -v u="${6:-0}" 'BEGIN { exit !(u >= 90) }'
	# shellcheck disable=SC2086
	set -- $s
	shift
	# Counted from the first datagram to the last: a silent tail is missing slices.
	check "UDP $dir: $# slices of $SLICE_S s, every full one carried datagrams ($*)" \
		sh -c 'n=$#; i=0; for c; do i=$((i + 1)); [ "$i" -eq "$n" ] || [ "$c" -gt 0 ] || exit 1; done' _ "$@"
	check "UDP $dir: datagrams until the end ($# slices)" test "$#" -ge $((SOAK_S / SLICE_S))
done
read_counters "$PID_A" a && log "A: $CNT"
read_counters "$PID_B" b && log "B: $CNT"

FD_A1=$(fds "$PID_A") FD_B1=$(fds "$PID_B") RSS_A1=$(rss_kb "$PID_A") RSS_B1=$(rss_kb "$PID_B")
log "parents: descriptors A $FD_A0 -> $FD_A1, B $FD_B0 -> $FD_B1; VmRSS kB A $RSS_A0 -> $RSS_A1, B $RSS_B0 -> $RSS_B1"
check "A's parent holds no more descriptors" test "$FD_A1" -le "$FD_A0"
check "B's parent holds no more descriptors" test "$FD_B1" -le "$FD_B0"
check "A's parent grew by under 256 kB" test $((RSS_A1 - RSS_A0)) -lt 256
check "B's parent grew by under 256 kB" test $((RSS_B1 - RSS_B0)) -lt 256

finish

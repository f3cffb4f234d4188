#!/usr/bin/env bash
# The status and metrics files (--status-file, --metrics-file): their
# counters follow a known number of pings and replays exactly; the peer, the
# worker's pid and the ages are the real ones; the JSON parses and promtool
# finds the metrics clean; a killed worker is counted, with the totals
# carried over; a symlink planted at the path is replaced, its target
# untouched; the files go at exit; `show` summarises the file.
. "$(dirname "$0")/lib.sh"
need_root

need_tool UDPSEND ttt_udpsend
command -v promtool >/dev/null || { echo "$T_NAME: promtool missing (make deps)" >&2; exit 1; }

RUN=$T_DIR/run
ST=$RUN/status.json
PROM=$RUN/metrics.prom
mkdir -m 0755 "$RUN"
# A symlink at the path and at its temporary name, to a file that must stay as it is.
printf 'precious\n' > "$T_DIR/target"
ln -s "$T_DIR/target" "$ST"
ln -s "$T_DIR/target" "$ST.tmp"

# jget KEY.PATH: one value of the status file ("null" for none).
jget() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[k]
print("null" if d is None else d)' "$ST" "$1"
}
# jis KEY.PATH VALUE: the file holds VALUE there (used with wait_for).
jis() { [ "$(jget "$1")" = "$2" ]; }
# written_after EPOCH: the file was rewritten after that second.
written_after() { [ "$(jget written_at)" -gt "$1" ]; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

TTT_OPTS_B="--window-ms 15000 --status-file $ST --metrics-file $PROM" two_peers fixed
quiet_taps
# B refuses every frame for its 15 s window after it starts (SECURITY.md).
check "A pings B once B's start-up window is over" wait_for 25 ping_ok "$NS_A" 10.99.0.2 1

log "the symlinks planted at the path are replaced, never followed"
check "the status file is a regular file now" test -f "$ST" -a ! -L "$ST"
check "the symlink's target is untouched" grep -qx precious "$T_DIR/target"
check "no temporary file is left" test ! -e "$ST.tmp" -a ! -L "$ST.tmp"
check "the status file is 0644" test "$(stat -c %a "$ST")" = 644
check "the metrics file is 0644" test "$(stat -c %a "$PROM")" = 644

log "what the file says of the tunnel"
check "the JSON parses (python3 -m json.tool)" python3 -m json.tool "$ST"
check "the peer is A, fixed" sh -c '[ "$1" = "192.0.2.1:9001 fixed" ]' _ \
	"$(jget peer.address) $(jget peer.source)"
check "the interface is ttt0, MTU 1418, on :9002" sh -c '[ "$1" = "ttt0 1418 :9002" ]' _ \
	"$(jget interface.name) $(jget interface.mtu) $(jget interface.local)"
W=$(worker_pid "$PID_B")
check "the worker's pid is the real one ($W)" wait_for 5 jis worker.pid "$W"
check "no restart yet" jis worker.restarts 0
check "key generation 1, no rotation" sh -c '[ "$1" = "1 none" ]' _ \
	"$(jget key.generation) $(jget key.rotation)"
check "no key material in either file (base64 or hex)" sh -c \
	'! grep -qiF -e "$(head -c 16 "$1")" -e "$(base64 -d < "$1" | xxd -p | head -c 16)" "$2" "$3"' _ \
	"$KEY" "$ST" "$PROM"

log "counters: exactly the pings sent"
# The taps are quiet now: take the baseline once a rewrite shows nothing moves.
t=$(jget written_at)
check "the file is rewritten every second" wait_for 5 written_after "$t"
t=$(jget written_at)
wait_for 5 written_after "$t"
RX0=$(jget rx.frames) TX0=$(jget tx.frames)
T0=$(now_ms)
check "A pings B 5 times" ping_ok "$NS_A" 10.99.0.2 5
T1=$(now_ms)
check "rx.frames grew by exactly the 5 echo requests" wait_for 5 jis rx.frames $((RX0 + 5))
check "tx.frames grew by exactly the 5 replies" wait_for 5 jis tx.frames $((TX0 + 5))
AGE=$(jget last_rx_age_ms) WR=$(jget written_at)
check "the last rx age ($AGE ms) is no more than the time since the pings began" \
	test "$AGE" -le $(($(now_ms) - T0))
check "the last rx age ($AGE ms) fits the file's time (written at $WR s, last ping by $T1 ms)" \
	test "$AGE" -ge $((WR * 1000 - T1 - 1000))
check "metrics: rx frames as in the JSON" \
	grep -qx "tinytaptunnel_rx_frames_total{interface=\"ttt0\"} $((RX0 + 5))" "$PROM"

log "replays: A's datagrams captured, A stopped, re-sent from its address"
A_TO_B='udp and src host 192.0.2.1 and src port 9001 and dst port 9002'
cap_start ul "$NS_B" ul0 "$A_TO_B"
check "A pings B 3 more times during the capture" ping_ok "$NS_A" 10.99.0.2 3
cap_stop ul
stop_ttt "$PID_A"
check "rx.frames counts those 3 too" wait_for 5 jis rx.frames $((RX0 + 8))
R0=$(jget rx.refused.replay)
OUT=$(ip netns exec "$NS_A" "$UDPSEND" -s -p 9002 "$T_DIR/ul.pcap" 192.0.2.1:9001 192.0.2.2:9002)
SENT=$(printf '%s\n' "$OUT" | awk '/^sent/ { print $2 }')
check "re-sent the captured datagrams (${SENT:-0})" test "${SENT:-0}" -ge 3
check "rx.refused.replay grew by exactly the $SENT re-sent" \
	wait_for 5 jis rx.refused.replay $((R0 + SENT))
check "rx.frames did not grow" jis rx.frames $((RX0 + 8))
check "metrics: the replays by reason" wait_for 5 \
	grep -qx "tinytaptunnel_rx_refused_total{interface=\"ttt0\",reason=\"replay\"} $((R0 + SENT))" "$PROM"
check "promtool check metrics is clean" sh -c \
	'out=$(promtool check metrics < "$1" 2>&1) && [ -z "$out" ]' _ "$PROM"
check "the last tx age grows while nothing is sent" wait_for 5 sh -c \
	'[ "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"last_tx_age_ms\"])" "$1")" -gt 2000 ]' _ "$ST"

log "a killed worker: counted, its totals carried over"
kill -KILL "$W"
check "one restart counted" wait_for 10 jis worker.restarts 1
check "the last exit says SIGKILL" sh -c 'case "$1" in *SIGKILL*) ;; *) exit 1 ;; esac' _ \
	"$(jget worker.last_exit)"
W2=$(worker_pid "$PID_B")
check "the new worker's pid is the real one ($W2, not $W)" wait_for 5 jis worker.pid "$W2"
check "rx.frames carried over" jis rx.frames $((RX0 + 8))
check "rx.refused.replay carried over" jis rx.refused.replay $((R0 + SENT))
check "metrics: the restart" wait_for 5 grep -qx "tinytaptunnel_worker_restarts_total{interface=\"ttt0\"} 1" "$PROM"

log "show reads the file"
check "show prints the peer and the replays" sh -c \
	'out=$("$1" show "$2") && printf "%s" "$out" | grep -q "192.0.2.1:9001 (fixed)" &&
	 printf "%s" "$out" | grep -q "refused: replay $3"' _ "$TTT_BIN" "$ST" $((R0 + SENT))
check "show's output for a fixed file is the golden one, byte for byte, no colour" sh -c \
	'cd "$1" && "$2" show tests/show/status.json 2>/dev/null | cmp -s - tests/show/status.txt' _ \
	"$TTT_ROOT" "$TTT_BIN"
check "show refuses a file that is not ours" sh -c \
	'printf "{\"a\": [1]}" > "$1/bad.json"; ! "$2" show "$1/bad.json" 2>/dev/null' _ \
	"$T_DIR" "$TTT_BIN"

log "at exit the files go"
stop_ttt "$PID_B"
check "no status file after exit" test ! -e "$ST"
check "no metrics file after exit" test ! -e "$PROM"
check "the symlink's target is still untouched" grep -qx precious "$T_DIR/target"
finish

#!/usr/bin/env bash
# Forged and malformed datagrams: a third daemon with another key gets nothing
# through; each kind of bad datagram is refused and counted for its reason;
# a 5 s flood of them neither crashes B (same parent, same worker), nor grows
# its worker's memory, nor floods its log (refusals are logged rate-limited),
# and the tunnel works afterwards.
. "$(dirname "$0")/lib.sh"
need_root

need_tool FORGE ttt_forge
FLOOD_MS=5000
FLOOD_PPS=20000
RSS_SLACK_KB=512
# The worker logs refusals with a token bucket: 20 at once, then 5 a second.
LOG_BURST=20
LOG_PER_SEC=5

# ---- helpers ----

# vmrss_kb PID: resident memory in KiB (0 when there is no such process).
vmrss_kb() {
	local v=""
	[ -z "$1" ] || v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true)
	echo "${v:-0}"
}
# The UDP receive-buffer drops of B's namespace (datagrams the kernel dropped
# before the daemon could read them).
rcvbuf_errors() {
	ip netns exec "$NS_B" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 }
		else print $c["RcvbufErrors"] }' /proc/net/snmp
}

# forge_c [FORGE OPTIONS]: from C to B's second address.
forge_c() {
	ip netns exec "$NS_C" "$FORGE" -k "$KEY" -s 198.51.100.3:9100 "$@" 198.51.100.2:9002
}

# ---- set-up: B learns A; C sits on a second link to B ----
log "discovery on B (logging every refusal, rate-limited); C on a second link to B"
TTT_OPTS_B="-v" two_peers discover
add_c
quiet_taps
check "A pings B (B learns A)" ping_ok "$NS_A" 10.99.0.2 2
check "B learnt 192.0.2.1:9001" wait_log b "peer is now 192.0.2.1:9001" 5

# ---- a daemon with another key ----
log "a third daemon with a different key"
KEY_C="$T_DIR/key-c"
keyfile "$KEY_C"
start_ttt "$NS_C" c -i ttt0 "$KEY_C" :9002 198.51.100.2:9002
PID_C=$TTT_PID
tap_up "$NS_C" ttt0 10.99.0.3/24
check "C's daemon started" wait_log c "sandboxed"
cap_start tapc "$NS_B" ttt0 -Q in 'host 10.99.0.3 or arp host 10.99.0.3'
check "B answers SIGUSR1 with its counters" snap
check_not "C (wrong key) cannot ping B" \
	ping_ok "$NS_C" 10.99.0.2 3
sleep 0.3
read_counters "$PID_B" b || failc "B answers SIGUSR1 with its counters"
BM=$(( $(rx badmac) - PREV[badmac] ))
check "B counted C's datagrams as badmac (+$BM)" test "$BM" -ge 1
cap_stop tapc
E=$(cap_count tapc)
check "nothing from C reached B's tap ($E)" test "$E" -eq 0
check_not "B did not move its peer to C" grep -q "peer is now 198.51.100.3" "$T_DIR/b.log"
stop_ttt "$PID_C"
check "A still pings B" ping_ok "$NS_A" 10.99.0.2 2

# ---- each kind of bad datagram, once ----
log "each kind of bad datagram is refused for its reason"
snap || failc "B answers SIGUSR1 with its counters"
expect_deltas "random junk (41..1472 bytes): badmac" "badmac=1" forge_c -m junk
expect_deltas "authentic under another key: badmac" "badmac=1" forge_c -m wrongkey
expect_deltas "authentic with one bit flipped: badmac" "badmac=1" forge_c -m flip
expect_deltas "20 bit-flipped: 20 badmac" "badmac=20" forge_c -m flip -n 20
expect_deltas "shorter than a header + 1 byte: short" "short=1" forge_c -m short
expect_deltas "20 short ones (0..40 bytes): 20 short" "short=20" forge_c -m short -n 20
expect_deltas "an empty datagram: short" "short=1" forge_c -m short -l 0
expect_deltas "40 bytes (a header, no frame): short" "short=1" forge_c -m short -l 40
expect_deltas "authentic, 1473 bytes (frame 1 over the maximum): long" "long=1" forge_c -m long -l 1473
expect_deltas "authentic, 4000 bytes (over the receive buffer): long" "long=1" forge_c -m long -l 4000
check_not "B did not move its peer to C" grep -q "peer is now 198.51.100.3" "$T_DIR/b.log"
check "B's worker never restarted" test "$(count_lines 'is sandboxed' "$T_DIR/b.log")" -eq 1

# ---- flood ----
log "a ${FLOOD_MS} ms flood of junk, short, long, bit-flipped and wrong-key datagrams"
# Warm up first: the worker's static receive buffers are paged in on first
# use; what must not happen is growth once they are.
forge_c -m mix -d 1000 -r "$FLOOD_PPS" > /dev/null
sleep 0.5
W=$(worker_pid "$PID_B" || true)
check "B has a worker ($W)" test -n "$W"
RSS0=$(vmrss_kb "$W")
LINES0=$(wc -l < "$T_DIR/b.log")
REF0=$(count_lines 'refused a datagram' "$T_DIR/b.log")
DROP0=$(rcvbuf_errors)
snap || failc "B answers SIGUSR1 with its counters"
cap_start tapf "$NS_B" ttt0 -Q in ether src 02:00:00:00:7f:01
T0=$SECONDS
OUT=$(forge_c -m mix -d "$FLOOD_MS" -r "$FLOOD_PPS") || true
SENT=$(printf '%s\n' "$OUT" | awk '/^sent/ { print $2 }')
SENT=${SENT:-0}
check "the flood sent datagrams ($SENT)" test "$SENT" -gt $((FLOOD_PPS * FLOOD_MS / 1000 / 4))
check "B's parent is running" alive "$PID_B"
check "B's worker is the same process (no crash, no restart)" \
	test -n "$W" -a "$(worker_pid "$PID_B" || true)" = "$W"
check "A pings B right after the flood" ping_ok "$NS_A" 10.99.0.2 3
check "B pings A right after the flood" ping_ok "$NS_B" 10.99.0.1 3
ELAPSED=$((SECONDS - T0 + 1))
read_counters "$PID_B" b || failc "B answers SIGUSR1 with its counters"
RSS1=$(vmrss_kb "$W")
DROP1=$(rcvbuf_errors)
cap_stop tapf
REFUSED=0
for f in short long badmac; do REFUSED=$((REFUSED + $(rx "$f") - PREV[$f])); done
DROPPED=$((DROP1 - DROP0))
LOST=$((SENT - REFUSED - DROPPED))
# Refused by B, or dropped by B's kernel for a full socket buffer; on a busy
# machine a few may be lost before UDP (backlog, reassembly): at most 1 %.
check "every flood datagram counted: refused $REFUSED + socket drops $DROPPED + lost $LOST = sent $SENT" \
	test "$LOST" -ge 0 -a "$LOST" -le $((SENT / 100))
for f in stale future replay wrong-peer; do
	d=$(( $(rx "$f") - PREV[$f] ))
	check "no $f counted for the flood (+$d)" test "$d" -eq 0
done
E=$(cap_count tapf)
check "no forged frame reached B's tap ($E)" test "$E" -eq 0
check "worker RSS grew by less than $RSS_SLACK_KB KiB ($RSS0 -> $RSS1 KiB)" \
	test "$RSS0" -gt 0 -a "$RSS1" -gt 0 -a $((RSS1 - RSS0)) -lt "$RSS_SLACK_KB"
LINES1=$(wc -l < "$T_DIR/b.log")
REF1=$(count_lines 'refused a datagram' "$T_DIR/b.log")
MAXREF=$((LOG_BURST + LOG_PER_SEC * ELAPSED))
check "refusals were logged ($((REF1 - REF0)) lines)" test $((REF1 - REF0)) -ge 1
check "refusal lines bounded by the rate limit ($((REF1 - REF0)) <= $MAXREF in ${ELAPSED} s)" \
	test $((REF1 - REF0)) -le "$MAXREF"
check "B's log grew by a bounded number of lines ($((LINES1 - LINES0)) <= $((MAXREF + 10)))" \
	test $((LINES1 - LINES0)) -le $((MAXREF + 10))
check_not "B did not move its peer to C" grep -q "peer is now 198.51.100.3" "$T_DIR/b.log"
check "B's worker never restarted, warm-up included" \
	test "$(count_lines 'is sandboxed' "$T_DIR/b.log")" -eq 1
# (but the start-up's, on a host without the tinytaptunnel user: the worker runs as nobody)
check "B logged no warning or error" sh -c \
	'grep -E ": (warning|error): " "$1" | grep -qv "no user .tinytaptunnel." && exit 1 || exit 0' _ "$T_DIR/b.log"
check "A pings B after the flood" ping_ok "$NS_A" 10.99.0.2 3

finish

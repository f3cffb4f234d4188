#!/usr/bin/env bash
# --peer-timeout: A knows B by name (peer-b.test, from a test /etc/hosts
# bind-mounted in A's own mount namespace). B moves to another address and
# the name follows; A, having heard nothing for 2 s, resolves the name
# again in its parent, hands the new address to its worker, and the tunnel
# carries pings again, with no worker restart. The log says "silent" once,
# "moved" once and "back" once; a name that stops resolving keeps the
# address it had and says so once.
. "$(dirname "$0")/lib.sh"
need_root

HOSTS="$T_DIR/hosts"
# set_hosts ADDR: peer-b.test resolves to ADDR. Rewritten in place: the bind
# mount holds the file, not its name.
set_hosts() {
	printf '127.0.0.1 localhost\n%s peer-b.test\n' "$1" > "$HOSTS"
}
# start_b ADDR: B at ADDR:9002, A fixed, a keepalive each second (so A
# hears B while it is up, and hears nothing once it is gone); sets PID_B.
start_b() {
	start_ttt "$NS_B" "b$1" --mac "$TTT_MAC_B" --keepalive 1 -i ttt0 "$KEY" "$1:9002" \
	    192.0.2.1:9001
	PID_B=$TTT_PID
	tap_up "$NS_B" ttt0 10.99.0.2/24 && wait_log "b$1" sandboxed
}
# ping1 NS ADDR: one ping, answered.
ping1() {
	ip netns exec "$1" ping -c 1 -W 1 -q "$2" > /dev/null 2>&1
}
# lines PATTERN N: A's log has exactly N lines with PATTERN.
lines() {
	test "$(count_lines "$1" "$T_DIR/a.log")" -eq "$2"
}

NS_A=$(netns a)
NS_B=$(netns b)
veth_pair "$NS_A" "$NS_B" 192.0.2.1/24 192.0.2.2/24
KEY="$T_DIR/key"
keyfile "$KEY"
set_hosts 192.0.2.2
chmod 644 "$HOSTS"	# the look-up runs as the worker's user

check "B up at 192.0.2.2" start_b 192.0.2.2
log "A: peer peer-b.test:9002 (192.0.2.2), --peer-timeout 2, in a mount namespace with its own /etc/hosts"
# unshare -m makes its mounts private: the root namespace's /etc/hosts is
# untouched. -v: the look-ups themselves are logged (debug).
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -m sh -c 'mount --bind "$1" /etc/hosts && shift && exec ip netns exec "$@"' _ \
	"$HOSTS" "$NS_A" "$TTT_BIN" -v --peer-timeout 2 -i ttt0 "$KEY" :9001 peer-b.test:9002 \
	> "$T_DIR/a.log" 2>&1 &
PID_A=$!
T_PIDS+=("$PID_A")
check "A up" tap_up "$NS_A" ttt0 10.99.0.1/24
check "A sandboxed" wait_log a sandboxed
check "A pings B" ping_ok "$NS_A" 10.99.0.2 3
check_not "A said nothing of silence while B answers" grep -q "silent for" "$T_DIR/a.log"

log "B moves to 192.0.2.12; the name follows"
stop_ttt "$PID_B"
ip -n "$NS_B" addr del 192.0.2.2/24 dev ul0
ip -n "$NS_B" addr add 192.0.2.12/24 dev ul0
set_hosts 192.0.2.12
check "B up at 192.0.2.12" start_b 192.0.2.12
check "A: peer silent" wait_log a "peer peer-b.test:9002 silent for" 15
check "A: moved to 192.0.2.12:9002" \
	wait_log a "peer peer-b.test:9002 moved from 192.0.2.2:9002 to 192.0.2.12:9002" 15
check "A pings B at its new address" wait_for 10 ping1 "$NS_A" 10.99.0.2
check "B pings A" ping_ok "$NS_B" 10.99.0.1 3
check "A: peer back" wait_log a "peer peer-b.test:9002 back" 5
check "A's worker never restarted (the address went over the channel)" lines "is sandboxed" 1

log "the name stops resolving while B is silent: A keeps the address it had"
printf '127.0.0.1 localhost\n' > "$HOSTS"
stop_ttt "$PID_B"
check "A: the look-up fails" wait_log a "looking up peer-b.test:9002 again: " 15
check "A: silent once more (said twice in all)" lines "silent for" 2
# The name server path ran too (the name is in no hosts file), under the
# parent's seccomp filter: the child answered, it was not killed.
check "A: the look-up child answered (not killed by its sandbox)" \
	grep -q "again: could not be resolved" "$T_DIR/a.log"
n=$(count_lines "again (process" "$T_DIR/a.log")
check "A: two more look-ups, one period apart" \
	wait_for 15 more_lines "again (process" "$T_DIR/a.log" $((n + 1))
check "A: the failure said once" lines "looking up peer-b.test:9002 again: " 1
set_hosts 192.0.2.12
check "B back at 192.0.2.12" start_b 192.0.2.12
check "A pings B (the address it kept)" wait_for 10 ping1 "$NS_A" 10.99.0.2
check "A: moved exactly once in all" lines "moved from" 1
check "A: back twice in all" wait_for 5 lines "peer-b.test:9002 back" 2
check "A alive" alive "$PID_A"
check_not "A: no look-up child died unanswered" grep -q "again: no answer" "$T_DIR/a.log"

log "--peer-timeout with an address literal says it does nothing"
start_ttt "$NS_A" lit --peer-timeout 2 -i ttt1 "$KEY" :9005 192.0.2.12:9002
check "A (literal): warned" wait_log lit "--peer-timeout does nothing here: the peer is an address"
stop_ttt "$TTT_PID"

finish

#!/usr/bin/env bash
# Two peers in two namespaces: pings both ways, with fixed peers and with
# discovery, and the worker's sandbox as /proc shows it.
. "$(dirname "$0")/lib.sh"
need_root

log "fixed peers"
two_peers fixed
check "A pings B through the tunnel" ping_ok "$NS_A" 10.99.0.2
check "B pings A through the tunnel" ping_ok "$NS_B" 10.99.0.1

W=$(worker_pid "$PID_A")
check "a worker process exists" test -n "$W"
st=/proc/$W/status
check "worker uid is not 0" awk '/^Uid:/ { exit !($2 != 0 && $3 != 0 && $4 != 0 && $5 != 0) }' "$st"
check "worker gid is not 0" awk '/^Gid:/ { exit !($2 != 0 && $3 != 0 && $4 != 0 && $5 != 0) }' "$st"
check "worker has no supplementary groups" awk '/^Groups:/ { exit !(NF == 1) }' "$st"
check "worker CapEff is 0" grep -qE '^CapEff:\s+0+$' "$st"
check "worker CapPrm is 0" grep -qE '^CapPrm:\s+0+$' "$st"
check "worker CapBnd is 0" grep -qE '^CapBnd:\s+0+$' "$st"
check "worker NoNewPrivs is 1" grep -qE '^NoNewPrivs:\s+1$' "$st"
check "worker Seccomp is 2 (filter)" grep -qE '^Seccomp:\s+2$' "$st"
for t in /proc/"$W"/task/*; do
	check "worker thread $(basename "$t") Seccomp is 2" grep -qE '^Seccomp:\s+2$' "$t/status"
done
check "worker root is the chroot" test "$(readlink /proc/"$W"/root)" = /var/empty
check "parent Seccomp is 2 (filter)" grep -qE '^Seccomp:\s+2$' /proc/"$PID_A"/status
# kill(5) setgid(6) setuid(7) setpcap(8) sys_chroot(18)
check "parent keeps only kill, setgid, setuid, setpcap, sys_chroot" \
	grep -qE '^CapEff:\s+0*401e0$' /proc/"$PID_A"/status
check "parent's bounding set is the same" grep -qE '^CapBnd:\s+0*401e0$' /proc/"$PID_A"/status

log "stop with SIGTERM removes the tap"
kill -TERM "$PID_A"
check "parent exits 0 on SIGTERM" wait "$PID_A"
check_not "tap interface is gone" ip -n "$NS_A" link show ttt0
kill -TERM "$PID_B"
check "peer B exits 0 on SIGTERM" wait "$PID_B"

log "discovery: B learns A from its first authenticated frame"
two_peers discover
check "A pings B (B learns A)" ping_ok "$NS_A" 10.99.0.2
check "B pings A" ping_ok "$NS_B" 10.99.0.1
check "B logged the learnt peer" grep -q "peer is now 192.0.2.1:9001" "$T_DIR/b.log"
W=$(worker_pid "$PID_A")
check "by default the worker has 2 threads: main and one forwarding" \
	test "$(ls /proc/"$W"/task | wc -l)" = 2
stop_ttt "$PID_A"
stop_ttt "$PID_B"

log "--threads 2: a forwarding thread a direction, every thread sandboxed"
TTT_OPTS_A="--threads 2" TTT_OPTS_B="--threads 2" two_peers fixed
check "A pings B through the tunnel" ping_ok "$NS_A" 10.99.0.2
check "B pings A through the tunnel" ping_ok "$NS_B" 10.99.0.1
W=$(worker_pid "$PID_A")
check "the worker has 3 threads" test "$(ls /proc/"$W"/task | wc -l)" = 3
for t in /proc/"$W"/task/*; do
	check "worker thread $(basename "$t") Seccomp is 2, CapEff 0" \
		sh -c 'grep -qE "^Seccomp:\s+2$" "$1" && grep -qE "^CapEff:\s+0+$" "$1"' _ "$t/status"
done

finish

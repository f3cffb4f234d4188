#!/usr/bin/env bash
# make demo: two peers in two network namespaces joined by a veth pair,
# pings both ways through the tunnel, the worker's sandbox as the kernel
# reports it, then everything torn down. Touches nothing outside the
# namespaces it creates.
set -euo pipefail

BIN=${TTT_BIN:-$(cd "$(dirname "$0")/.." && pwd)/tinytaptunnel}
ID="ttt-demo-$$"
NS_A="$ID-a" NS_B="$ID-b"
DIR=$(mktemp -d /tmp/ttt-demo.XXXXXX)
PIDS=()

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

cleanup() {
	set +e
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns delete "$NS_A" 2>/dev/null
	ip netns delete "$NS_B" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "demo: needs root (network namespaces, tap devices)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "demo: $BIN not built; run make" >&2; exit 1; }

say "two namespaces, a veth underlay 192.0.2.1 <-> 192.0.2.2"
ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add "vd$$a" netns "$NS_A" type veth peer name "vd$$b" netns "$NS_B"
ip -n "$NS_A" link set "vd$$a" name ul0
ip -n "$NS_B" link set "vd$$b" name ul0
ip -n "$NS_A" addr add 192.0.2.1/24 dev ul0
ip -n "$NS_B" addr add 192.0.2.2/24 dev ul0
for ns in "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; ip -n "$ns" link set ul0 up; done

say "a shared key (generated, mode 0600)"
(umask 077 && "$BIN" --genkey > "$DIR/key")
ls -l "$DIR/key"

say "peer A: tinytaptunnel key :9001 192.0.2.2:9002   peer B: tinytaptunnel key :9002 (learns A)"
ip netns exec "$NS_A" "$BIN" -i ttt0 "$DIR/key" :9001 192.0.2.2:9002 2> "$DIR/a.log" &
PIDS+=($!)
ip netns exec "$NS_B" "$BIN" -i ttt0 "$DIR/key" :9002 2> "$DIR/b.log" &
PIDS+=($!)
for i in $(seq 1 50); do
	grep -q sandboxed "$DIR/a.log" && grep -q sandboxed "$DIR/b.log" && break
	[ "$i" = 50 ] && { cat "$DIR/a.log" "$DIR/b.log"; echo "demo: daemons did not start" >&2; exit 1; }
	sleep 0.1
done
ip -n "$NS_A" addr add 10.99.0.1/24 dev ttt0
ip -n "$NS_B" addr add 10.99.0.2/24 dev ttt0

# No frame is delivered twice, even across a restart: a new daemon refuses
# what was stamped before its start + the window (3 s; SECURITY.md).
say "waiting out the start-up window (3 s): no replay across restarts"
for i in $(seq 1 20); do
	ip netns exec "$NS_A" ping -c 1 -W 1 -q 10.99.0.2 > /dev/null && break
	[ "$i" = 20 ] && { cat "$DIR/a.log" "$DIR/b.log"; echo "demo: no answer through the tunnel" >&2; exit 1; }
done

say "A -> B through the tunnel"
ip netns exec "$NS_A" ping -c 3 -i 0.3 -W 2 10.99.0.2
say "B -> A through the tunnel"
ip netns exec "$NS_B" ping -c 3 -i 0.3 -W 2 10.99.0.1

say "peer A's worker, as /proc shows it"
W=$(pgrep -P "${PIDS[0]}" | head -n 1)
grep -E '^(Name|Uid|Gid|Groups|CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp):' "/proc/$W/status"
echo "root:       $(readlink "/proc/$W/root")"
echo "threads:    $(ls "/proc/$W/task" | wc -l)"

say "counters (SIGUSR1), then stop (SIGTERM)"
kill -USR1 "${PIDS[0]}"
sleep 0.3
kill -TERM "${PIDS[0]}" "${PIDS[1]}"
wait "${PIDS[0]}" "${PIDS[1]}"
PIDS=()
sed 's/^/A: /' "$DIR/a.log"
sed 's/^/B: /' "$DIR/b.log"
ip -n "$NS_A" link show ttt0 >/dev/null 2>&1 && { echo "demo: tap interface left behind" >&2; exit 1; }
say "demo passed: pings both ways, worker sandboxed, tap interfaces removed"

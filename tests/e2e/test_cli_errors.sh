#!/usr/bin/env bash
# Every bad command line, key file, user, port or missing /dev/net/tun: one
# clear error line, the documented exit status, and no tap interface left.
. "$(dirname "$0")/lib.sh"
need_root

NS=$(netns err)
KEY="$T_DIR/key"
keyfile "$KEY"

# expect STATUS PATTERN ARGS...: run the daemon in NS; check status, message, no tap.
expect() {
	local want=$1 pattern=$2; shift 2
	local out rc=0
	out=$(timeout 10 ip netns exec "$NS" "$TTT_BIN" -i tttx "$@" 2>&1) || rc=$?
	local first
	first=$(printf '%s\n' "$out" | head -n 1)
	if [ "$rc" -eq "$want" ] && printf '%s' "$first" | grep -qE -- "$pattern" &&
	   ! ip -n "$NS" link show tttx >/dev/null 2>&1; then
		pass "exit $want: $*"
	else
		failc "exit $want (got $rc): $* -> $first"
	fi
}

log "command line (64)"
expect 64 "missing key file and local address"
expect 64 "missing local address" "$KEY"
expect 64 "unexpected argument" "$KEY" :9000 192.0.2.9:9000 extra
expect 64 "unknown option '--frobnicate'" --frobnicate "$KEY" :9000
expect 64 "bad --mtu '10'" --mtu 10 "$KEY" :9000
expect 64 "bad --mtu '1418x'" --mtu 1418x "$KEY" :9000
expect 64 "bad --window-ms '0'" --window-ms 0 "$KEY" :9000
expect 64 "bad --window-ms '-5'" --window-ms -5 "$KEY" :9000
expect 64 "bad --window-ms '100'" --window-ms 100 "$KEY" :9000
expect 64 "bad --threads '0'" --threads 0 "$KEY" :9000
expect 64 "bad --threads '3'" --threads 3 "$KEY" :9000
expect 64 "bad --threads 'two'" --threads two "$KEY" :9000
expect 64 "bad --queues '0'" --queues 0 "$KEY" :9000
expect 64 "bad --queues '5'" --queues 5 "$KEY" :9000
expect 64 "bad --queues 'all'" --queues all "$KEY" :9000
expect 64 "--queues over 1 with --threads 2" --queues 2 --threads 2 "$KEY" :9000
expect 64 "bad --peer-timeout '-1'" --peer-timeout -1 "$KEY" :9000 peer.example.net:9000
expect 64 "bad --peer-timeout '86401'" --peer-timeout 86401 "$KEY" :9000 peer.example.net:9000
expect 64 "bad --peer-timeout '99999999999999999999'" --peer-timeout 99999999999999999999 \
	"$KEY" :9000 peer.example.net:9000
expect 64 "bad --peer-timeout 'soon'" --peer-timeout soon "$KEY" :9000 peer.example.net:9000
expect 64 "option '--user' needs a value" "$KEY" :9000 --user
expect 64 "bad --chroot 'relative'" --chroot relative "$KEY" :9000
expect 64 "local address '1.2.3.4'" "$KEY" 1.2.3.4
expect 64 "local address ':99999'.*port" "$KEY" :99999
expect 64 "local address ':abc'.*port" "$KEY" :abc
expect 64 "peer address ':9001'" "$KEY" :9000 :9001
expect 64 "peer address '192.0.2.9:0'" "$KEY" :9000 192.0.2.9:0
expect 64 "peer address '2001:db8::1:9000'" "$KEY" :9000 2001:db8::1:9000
expect 64 "peer address '224.0.0.1:9000': not one host" "$KEY" :9000 224.0.0.1:9000
expect 64 "peer address '255.255.255.255:9000': not one host" "$KEY" :9000 255.255.255.255:9000
expect 64 "peer address '0.0.0.0:9000': not one host" "$KEY" :9000 0.0.0.0:9000
expect 64 "--quiet and --verbose" -q -v "$KEY" :9000
expect 64 "no-offload" --no-offload=1 "$KEY" :9000
expect 64 "no-sched-batch" --no-sched-batch=1 "$KEY" :9000

log "names (68)"
expect 68 "peer address 'no-such-host.invalid:9000'.*resolved" "$KEY" :9000 no-such-host.invalid:9000

log "key files (66, 77, 78)"
printf 'c92P2+zHd3OC2pYwL82DeaGdyy8Yck0kF4nP47GiCpg=\n' > "$T_DIR/open.key"
chmod 644 "$T_DIR/open.key"
expect 77 "readable or writable by group or others; fix with: chmod 600" "$T_DIR/open.key" :9000
chmod 620 "$T_DIR/open.key"
expect 77 "chmod 600" "$T_DIR/open.key" :9000
cp "$KEY" "$T_DIR/other.key"; chown nobody "$T_DIR/other.key"
expect 77 "owned by another user.*chown root" "$T_DIR/other.key" :9000
(umask 077 && printf 'AQ==\n' > "$T_DIR/weak.key")
expect 78 "weak.key.*shorter than 16 bytes" "$T_DIR/weak.key" :9000
(umask 077 && printf 'not base64!\n' > "$T_DIR/bad.key")
expect 78 "bad.key is not valid base64" "$T_DIR/bad.key" :9000
(umask 077 && : > "$T_DIR/empty.key")
expect 78 "empty.key is empty" "$T_DIR/empty.key" :9000
mkdir -m 700 "$T_DIR/dir.key"
expect 78 "dir.key is not a regular file" "$T_DIR/dir.key" :9000
expect 66 "no-such-dir/k" "$T_DIR/no-such-dir/k" :9000
# Never followed: whoever writes the key's directory could point it at
# another tunnel's key, or at a device whose open alone does something.
ln -s "$KEY" "$T_DIR/link.key"
expect 78 "link.key is a symbolic link; give the file itself" "$T_DIR/link.key" :9000

log "user and chroot (78)"
expect 78 "unknown user 'no-such-user-ttt'" -u no-such-user-ttt "$KEY" :9000
expect 78 "user 'root' has uid or gid 0" -u root "$KEY" :9000
mkdir -m 755 "$T_DIR/full"; touch "$T_DIR/full/x"
expect 78 "chroot directory .* is not empty" --chroot "$T_DIR/full" "$KEY" :9000
mkdir -m 777 "$T_DIR/open"
expect 78 "must be owned by root and writable by nobody else" --chroot "$T_DIR/open" "$KEY" :9000
# Every directory above it too: whoever could write one could swap the
# chroot for another between two workers' starts (sticky /tmp is fine).
mkdir -m 775 "$T_DIR/gw"; mkdir -m 755 "$T_DIR/gw/empty"
expect 78 "must be owned by root and writable by nobody else" --chroot "$T_DIR/gw/empty" "$KEY" :9000
mkdir -m 755 "$T_DIR/theirs"; chown nobody "$T_DIR/theirs"; mkdir -m 755 "$T_DIR/theirs/empty"
expect 78 "must be owned by root and writable by nobody else" --chroot "$T_DIR/theirs/empty" "$KEY" :9000

log "busy port and missing /dev/net/tun (71)"
start_ttt "$NS" holder -i ttth "$KEY" :9000
wait_log holder sandboxed
expect 71 "local address ':9000' is already in use" "$KEY" :9000
# A private mount namespace whose /dev/net is an empty tmpfs: no tun device.
rc=0
out=$(timeout 10 ip netns exec "$NS" unshare -m sh -c \
	'mount -t tmpfs none /dev/net && exec "$0" -i tttx "$1" :9100' "$TTT_BIN" "$KEY" 2>&1) || rc=$?
check "no /dev/net/tun: exit 71 with a clear line ($out)" \
	sh -c '[ "$1" -eq 71 ] && printf "%s" "$2" | grep -q "cannot open /dev/net/tun: No such file"' _ "$rc" "$out"
check_not "no /dev/net/tun: no tap left" ip -n "$NS" link show tttx

log "a missing key file is created 0600 and used"
NEWKEY="$T_DIR/new.key"
start_ttt "$NS" gen -i tttg "$NEWKEY" :9200
check "daemon with a new key file starts" wait_log gen sandboxed
check "new key file is mode 600" test "$(stat -c %a "$NEWKEY")" = 600
check "new key file holds 32 bytes of base64" sh -c '[ "$(base64 -d < "$1" | wc -c)" -eq 32 ]' _ "$NEWKEY"
check "the daemon said it created the key" grep -q "created key file" "$T_DIR/gen.log"

log "the worker image (72, 77, 78)"
# A copy of the daemon, which finds its worker image where this build put it
# relative to its own directory ($BUILD/tinytaptunnel-worker, the Makefile's
# TTT_WORKER_PATH): each case below changes that copy's image alone. Missing,
# writable by its group or others, not root's, or a link: refused before
# anything is opened, with a line that names it.
if [ "${BUILD#/}" != "$BUILD" ]; then
	failc "BUILD=$BUILD is absolute: the daemon's worker path is too, so a copy cannot be tested"
else
	REAL_BIN=$TTT_BIN
	COPY=$T_DIR/copy
	WIMG=$COPY/$BUILD/tinytaptunnel-worker
	mkdir -p "$COPY/$BUILD" && cp "$REAL_BIN" "$COPY/tinytaptunnel"
	TTT_BIN=$COPY/tinytaptunnel
	expect 72 "worker image $WIMG: No such file" "$KEY" :9000
	cp "$TTT_ROOT/$BUILD/tinytaptunnel-worker" "$WIMG"
	chmod 775 "$WIMG"
	expect 77 "worker image $WIMG is not owned by root or is writable by its group" "$KEY" :9000
	chmod 757 "$WIMG"
	expect 77 "worker image $WIMG is not owned by root or is writable.*chmod go-w" "$KEY" :9000
	chmod 755 "$WIMG" && chown 65534 "$WIMG"
	expect 77 "worker image $WIMG is not owned by root" "$KEY" :9000
	chown 0 "$WIMG" && mv "$WIMG" "$WIMG.real" && ln -s "$WIMG.real" "$WIMG"
	expect 78 "worker image $WIMG is not a regular file" "$KEY" :9000
	rm "$WIMG" && mv "$WIMG.real" "$WIMG"
	# Root's and 755: past the image, the next check speaks (the key file).
	expect 66 "no-such-dir/k" "$T_DIR/no-such-dir/k" :9000
	check "--version needs no worker image" sh -c 'rm -f "$1" && "$0" --version' "$TTT_BIN" "$WIMG"
	TTT_BIN=$REAL_BIN
fi

log "help and version"
check "--help exits 0 and documents every option" sh -c '
	out=$("$0" --help) || exit 1
	for o in --ifname --mtu --window-ms --user --chroot --daemon --pidfile --syslog \
	         --stats-interval --rekey-grace-ms --threads --queues --no-offload --no-sched-batch --peer-timeout --verbose --quiet \
	         --genkey --version \
	         --help SIGTERM SIGUSR1; do
		printf "%s" "$out" | grep -q -- "$o" || { echo "missing $o"; exit 1; }
	done' "$TTT_BIN"
check "--version exits 0" "$TTT_BIN" --version
check "--genkey prints 32 bytes of base64" sh -c '[ "$("$0" --genkey | base64 -d | wc -c)" -eq 32 ]' "$TTT_BIN"

finish

#!/usr/bin/env bash
# The parent looks the worker's user up in a short-lived child (userdb.c):
# the worker runs with exactly the uid and gid the name has, the child is
# reaped, and the parent never maps an NSS module (libnss_systemd, and libm
# with it, on Debian: about 620 KiB of its resident memory for its whole
# life). The worker is its own static image (build/tinytaptunnel-worker):
# it maps no shared library and no ld.so, so an end does not count libc's
# pages in both processes. The peak RSS of both after a burst of traffic,
# and where each one's resident memory is, are logged, not asserted:
# memory goals are measured by make bench (issue 17).
. "$(dirname "$0")/lib.sh"
need_root

# ids PID USER: the process runs with USER's uid and gid, real to filesystem.
ids() {
	awk -v u="$(id -u "$2")" -v g="$(id -g "$2")" \
		'/^Uid:/ { ok_u = ($2 == u && $3 == u && $4 == u && $5 == u) }
		 /^Gid:/ { ok_g = ($2 == g && $3 == g && $4 == g && $5 == g) }
		 END { exit !(ok_u && ok_g) }' "/proc/$1/status"
}

# A: the default lookup (tinytaptunnel, else nobody), which on Debian asks
# libnss_systemd when /etc/passwd has no such user; B: --user nobody.
TTT_OPTS_B="-u nobody" two_peers
check "traffic crosses" ping_ok "$NS_A" 10.99.0.2
W=$(worker_pid "$PID_A")
DEF=nobody
id -u tinytaptunnel >/dev/null 2>&1 && DEF=tinytaptunnel
check "the worker runs as $DEF's uid and gid (the default)" ids "$W" "$DEF"
check "with -u nobody, as nobody's" ids "$(worker_pid "$PID_B")" nobody
check "the parent's only child is the worker (the lookup's child was reaped)" \
	test "$(pgrep -P "$PID_A" | tr '\n' ' ')" = "$W "
# Only a passwd source other than files loads a module; with files alone
# there is nothing to see, and saying so beats a check that cannot fail.
if awk '$1 == "passwd:" { for (i = 2; i <= NF; i++) if ($i != "files") m = 1 } END { exit !m }' \
	/etc/nsswitch.conf 2>/dev/null; then
	check "the parent maps no NSS module" sh -c '! grep -q "/libnss_" "/proc/$1/maps"' _ "$PID_A"
	check "nor libm" sh -c '! grep -q "/libm\.so" "/proc/$1/maps"' _ "$PID_A"
else
	log "passwd: files only in /etc/nsswitch.conf: no module to keep out, not checked"
fi

# Started with SIGCHLD ignored (kept across exec), the lookup's child would
# be reaped by the kernel before its exit status is read: it must still
# answer, and its answer still be checked.
sigchld_ignored() { perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV or exit 127' "$@"; }
out=$(sigchld_ignored "$TTT_BIN" -u no-such-user-ttt "$KEY" :9000 2>&1) && rc=0 || rc=$?
check "with SIGCHLD ignored, an unknown user is refused as such (78)" \
	sh -c '[ "$1" -eq 78 ] && printf "%s" "$2" | grep -q "unknown user .no-such-user-ttt."' _ "$rc" "$out"
out=$(sigchld_ignored "$TTT_BIN" -u root "$KEY" :9000 2>&1) && rc=0 || rc=$?
check "and root is refused for its uid 0 (78)" \
	sh -c '[ "$1" -eq 78 ] && printf "%s" "$2" | grep -q "has uid or gid 0"' _ "$rc" "$out"

check "a burst of 1300-byte pings crosses" \
	ip netns exec "$NS_A" ping -c 200 -i 0.002 -s 1300 -W 2 -q 10.99.0.2
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
log "peak RSS: parent $(hwm "$PID_A") KiB, worker $(hwm "$W") KiB"
# rss_by_mapping PID: resident KiB by what is mapped (a file and its
# permissions, [heap], ...), largest first.
rss_by_mapping() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { name = (($6 == "") ? "[anonymous]" : $6) " " $2; next }
	     /^Rss:/ { rss[name] += $2 }
	     END { for (n in rss) if (rss[n] > 0) printf "%8d KiB  %s\n", rss[n], n }' \
		"/proc/$1/smaps" | sort -rn
}
log "the parent's resident memory (smaps):"
rss_by_mapping "$PID_A"
log "the worker's:"
rss_by_mapping "$W"
# A shared object in the worker's maps would be a dynamic worker again:
# ld.so and libc counted in both processes of an end.
check "the worker maps no shared library and no ld.so" \
	sh -c '! grep -qE "\.so(\.[0-9]+)*$" "/proc/$1/maps"' _ "$W"
check "the worker runs its own image, not the daemon's binary" \
	sh -c 'case $(readlink "/proc/$1/exe") in */tinytaptunnel-worker) ;; *) exit 1;; esac' _ "$W"
stop_ttt "$PID_A"
stop_ttt "$PID_B"
finish

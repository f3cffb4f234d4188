#!/usr/bin/env bash
# The Debian package, end to end: make deb builds it; lintian (errors and
# warnings) and blhc (the build log) find nothing; a second build is
# byte-identical. dpkg -i installs it: every path dpkg -L lists exists, the
# package holds what it should, the system user exists, no instance of the
# unit is enabled. The INSTALLED /usr/sbin/tinytaptunnel then carries a
# tunnel between two namespaces, pinged both ways, its worker running the
# installed static image as the package's user. dpkg -r, then dpkg -P, leave every path the package holds as
# it was before the install, and dpkg with no record of the package.
#
# Debian never deletes a system user on removal (files may still be owned by
# it), so the user stays after the purge: checked. If this test's install
# created it, the test deletes it at the end, to leave the machine as it was.
#
# An installed or half-removed tinytaptunnel package found at the start is
# purged first (logged). Root. Needs debhelper, dpkg-dev, lintian and blhc
# (make deps installs them).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
need_root

PKG=tinytaptunnel
USR=tinytaptunnel
DEB_OUT=$TTT_ROOT/build/deb
VERSION=$(sed -n '1s/^tinytaptunnel (\([^ ]*\)) .*/\1/p' "$TTT_ROOT/debian/changelog")
DEB="$DEB_OUT/${PKG}_${VERSION}_$(dpkg-architecture -qDEB_HOST_ARCH).deb"

# mk LOGNAME ARGS...: make in the tree, isolated from any make that runs us.
mk() {
	local name=$1; shift
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -C "$TTT_ROOT" --no-print-directory "$@" >> "$T_DIR/$name.log" 2>&1
}

# status: dpkg's word for the package ("installed", "config-files", ...), empty if unknown.
status() {
	dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null || :
}
not_known() { [ -z "$(status)" ] || [ "$(status)" = not-installed ]; }

# paths_state: every path the .deb holds, and whether it exists now (with its
# type), sorted: shared directories (/usr/sbin) are there before and after,
# the package's own paths should not be.
paths_state() {
	local p
	dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|; s|/$||' | grep -v '^$' | LC_ALL=C sort -u |
	while read -r p; do
		if [ -d "$p" ]; then echo "$p dir"
		elif [ -e "$p" ] || [ -L "$p" ]; then echo "$p file"
		else echo "$p absent"; fi
	done
}

# has PATH: the installed package lists PATH (dpkg -L).
has() { grep -qxF "$1" "$T_DIR/dpkg-L"; }
# has_mode PATH MODE: the package lists PATH, a regular file with that mode.
has_mode() { has "$1" && [ -f "$1" ] && [ "$(stat -c %a "$1")" = "$2" ]; }
# none_of PATTERN FILE: no line of FILE matches the extended regex.
none_of() { ! grep -qE -- "$1" "$2"; }
user_exists() { getent passwd "$USR" > /dev/null; }
no_instance_enabled() {
	! compgen -G "/etc/systemd/system/*.wants/$PKG@*" > /dev/null
}

# If this test's install created the user, delete it at exit, after our
# daemons (its worker runs as that user) have stopped; then lib.sh's cleanup.
USER_CREATED=0
deb_cleanup() {
	local rc=$? p pids=("${T_PIDS[@]}")
	set +e
	for p in "${pids[@]}"; do stop_ttt "$p"; done
	if [ "$USER_CREATED" = 1 ] && user_exists; then
		log "deleting user $USR, which this test's install created"
		userdel "$USR" || log "userdel $USR failed: delete the user by hand"
		if getent group "$USR" > /dev/null; then
			groupdel "$USR" || log "groupdel $USR failed: delete the group by hand"
		fi
	fi
	return "$rc"
}
trap 'deb_cleanup; cleanup' EXIT

log "an earlier install is removed first"
if ! not_known; then
	log "found $PKG in state '$(status)': purging it"
	dpkg -P "$PKG" > "$T_DIR/purge-earlier.log" 2>&1
fi
check "no $PKG package known to dpkg" not_known
user_exists || USER_CREATED=1

log "make deb: build, lint, blhc"
t0=$SECONDS
rc=0; mk deb1 deb || rc=$?
check "make deb exits 0 ($((SECONDS - t0)) s)" [ "$rc" -eq 0 ]
check "the package is $DEB" [ -f "$DEB" ]
[ -f "$DEB" ] || { finish; exit 1; }
rc=0; lintian --fail-on error,warning "$DEB" > "$T_DIR/lintian.log" 2>&1 || rc=$?
check "lintian --fail-on error,warning: exits 0" [ "$rc" -eq 0 ]
check "lintian: no error, warning or unused override" \
	none_of '^(E|W): |unused-override' "$T_DIR/lintian.log"
rc=0; blhc --all "$DEB_OUT/build.log" > "$T_DIR/blhc.log" 2>&1 || rc=$?
check "blhc --all exits 0" [ "$rc" -eq 0 ]
check "blhc --all reports nothing" [ ! -s "$T_DIR/blhc.log" ]
check "the build log shows the compiler commands (for blhc)" \
	grep -q -- '-D_FORTIFY_SOURCE=3 .*-c -o build/install/main.o src/main.c' "$DEB_OUT/build.log"
check "the worker image is linked static-pie, with RELRO and BIND_NOW" \
	grep -q -- '-static-pie .*-z,relro,-z,now.* -o build/tinytaptunnel-worker ' "$DEB_OUT/build.log"

log "a second build gives the same bytes"
cp "$DEB" "$T_DIR/first.deb"
t0=$SECONDS
rc=0; mk deb2 deb || rc=$?
check "second make deb exits 0 ($((SECONDS - t0)) s)" [ "$rc" -eq 0 ]
check "the two .deb files are byte-identical ($(sha256sum < "$DEB" | cut -c1-16))" \
	cmp "$T_DIR/first.deb" "$DEB"

BEFORE=$(paths_state)
check "none of the package's own files exists before the install" \
	none_of ' file$' <(printf '%s\n' "$BEFORE")

# dpkg_run LOG ARGS...: dpkg, waiting (60 s at most) while another dpkg or
# apt holds its lock, as unattended upgrades or a parallel apt-get may: that
# is the machine being busy, not the package failing.
dpkg_run() {
	local out=$1 end=$((SECONDS + 60)) rc; shift
	while :; do
		rc=0; dpkg "$@" > "$out" 2>&1 || rc=$?
		[ "$rc" -ne 0 ] && grep -q "lock was locked by another process" "$out" &&
			[ "$SECONDS" -lt "$end" ] || return "$rc"
		sleep 1
	done
}

log "dpkg -i"
rc=0; dpkg_run "$T_DIR/install.log" -i "$DEB" || rc=$?
check "dpkg -i exits 0" [ "$rc" -eq 0 ]
check "dpkg says installed, version $VERSION" \
	[ "$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$PKG")" = "installed $VERSION" ]
dpkg -L "$PKG" > "$T_DIR/dpkg-L" 2>&1
missing=$(while read -r p; do [ -e "$p" ] || echo "$p"; done < "$T_DIR/dpkg-L")
check "every path dpkg -L lists exists ($(wc -l < "$T_DIR/dpkg-L") paths)" [ -z "$missing" ]
[ -z "$missing" ] || printf 'missing: %s\n' "$missing"

for p in /usr/sbin/tinytaptunnel /usr/share/man/man8/tinytaptunnel.8.gz \
	/lib/systemd/system/tinytaptunnel@.service /usr/lib/sysusers.d/tinytaptunnel.conf \
	/usr/share/doc/tinytaptunnel/examples/example.conf /usr/share/doc/tinytaptunnel/copyright; do
	check "the package holds $p" has "$p"
done
check "the package holds the worker image /usr/libexec/tinytaptunnel/tinytaptunnel-worker, 755" \
	has_mode /usr/libexec/tinytaptunnel/tinytaptunnel-worker 755
check "the package names the libraries linked into it (Built-Using)" \
	sh -c 'b=$(dpkg-query -W -f="\${Built-Using}" "$1") && for l in glibc libseccomp bearssl; do
		printf "%s" "$b" | grep -q "\(^\|, \)$l (= " || exit 1; done' _ "$PKG"
for s in "$TTT_ROOT"/scripts/l[23]_*.sh; do
	check "the package holds /usr/libexec/tinytaptunnel/${s##*/}, executable" \
		has_mode "/usr/libexec/tinytaptunnel/${s##*/}" 755
done
for s in ttt-common.sh ttt-l3-common.sh; do
	check "the package holds /usr/libexec/tinytaptunnel/$s, not executable" \
		has_mode "/usr/libexec/tinytaptunnel/$s" 644
done
check "the example is the tree's dist/example.conf" \
	cmp -s "$TTT_ROOT/dist/example.conf" /usr/share/doc/tinytaptunnel/examples/example.conf
check "the unit runs /usr/sbin/tinytaptunnel" \
	grep -q '^ExecStart=/usr/sbin/tinytaptunnel ' /lib/systemd/system/tinytaptunnel@.service
check "nothing installed in /etc/tinytaptunnel" [ ! -e /etc/tinytaptunnel ]
check "system user $USR exists (nologin, home /)" \
	grep -qE "^$USR:x:[0-9]+:[0-9]+:[^:]*:/:/usr/sbin/nologin\$" <(getent passwd "$USR")
check "no instance of the unit is enabled" no_instance_enabled
check "the installed binary's --version is $VERSION" \
	grep -q "^tinytaptunnel $VERSION " <(/usr/sbin/tinytaptunnel --version)

log "a tunnel with the installed binary"
# lib.sh's keyfile and start_ttt run $TTT_BIN.
# shellcheck disable=SC2034
TTT_BIN=/usr/sbin/tinytaptunnel
two_peers fixed
check "A pings B through the tunnel" ping_ok "$NS_A" 10.99.0.2
check "B pings A through the tunnel" ping_ok "$NS_B" 10.99.0.1
check "A runs /usr/sbin/tinytaptunnel" [ "$(readlink "/proc/$PID_A/exe")" = /usr/sbin/tinytaptunnel ]
W=$(worker_pid "$PID_A")
check "A's worker runs as user $USR" \
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$W/status")" = "$(id -u "$USR")" ]
check "A's worker runs the installed image /usr/libexec/tinytaptunnel/tinytaptunnel-worker" \
	[ "$(readlink "/proc/$W/exe")" = /usr/libexec/tinytaptunnel/tinytaptunnel-worker ]
check "A's worker maps no shared library" sh -c '! grep -qE "\.so(\.[0-9]+)*$" "/proc/$1/maps"' _ "$W"
stop_ttt "$PID_A"
stop_ttt "$PID_B"

log "dpkg -r, then dpkg -P"
rc=0; dpkg_run "$T_DIR/remove.log" -r "$PKG" || rc=$?
check "dpkg -r exits 0" [ "$rc" -eq 0 ]
check "the binary is gone" [ ! -e /usr/sbin/tinytaptunnel ]
rc=0; dpkg_run "$T_DIR/purge.log" -P "$PKG" || rc=$?
check "dpkg -P exits 0" [ "$rc" -eq 0 ]
check "dpkg knows no $PKG package" not_known
check "every path the package holds is as before the install" \
	diff -u <(printf '%s\n' "$BEFORE") <(paths_state)
check "user $USR stays after the purge (Debian removes no system user)" user_exists
check "no instance of the unit is enabled" no_instance_enabled

finish

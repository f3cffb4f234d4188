#!/usr/bin/env bash
# The tests in which something runs as another user, run again from a copy of
# the tree that only root can reach: made with umask 077 under this test's
# mktemp -d directory (0700), like a clone in /root or in a mktemp -d
# directory. Whatever such a test hands to another user must first be put
# where that user can reach it; run from the checkout in place, where every
# user can read, a test that does not would still pass.
#
# test_scripts.sh runs the scripts as nobody; test_tunnel.sh starts the daemon,
# whose worker drops to its own user, chrooted, and checks it. A test that
# switches user itself (setpriv, runuser, su, sudo, ...) must be listed in
# OTHER_USER_TESTS: the first check fails until it is.
. "$(dirname "$0")/lib.sh"
need_root
command -v setpriv >/dev/null || { echo "$T_NAME: setpriv is needed (util-linux)" >&2; exit 1; }

OTHER_USER_TESTS=(test_scripts.sh test_tunnel.sh)
E2E=$TTT_ROOT/tests/e2e

# switches_user FILE: FILE runs a command as another user.
switches_user() {
	grep -vE '^[[:space:]]*#' "$1" |
		grep -qE '(^|[^[:alnum:]_-])(setpriv|runuser|su|sudo|doas|chpst|capsh|setuidgid)([^[:alnum:]_-]|$)'
}
listed() {
	local t
	for t in "${OTHER_USER_TESTS[@]}"; do [ "$t" = "$1" ] && return 0; done
	return 1
}
log "every test that switches user is listed"
unlisted=
for f in "$E2E"/test_*.sh "$E2E"/lib.sh; do
	t=${f##*/}
	[ "$t" != "$T_NAME.sh" ] || continue
	if switches_user "$f" && ! listed "$t"; then unlisted="$unlisted $t"; fi
done
check "no test switches user without being listed here (${unlisted# })" test -z "$unlisted"

log "a copy of the tree where only root can reach it"
# Only what the listed tests need: copy more here if one needs more.
CHECKOUT=$T_DIR/ttt
(umask 077 && mkdir "$CHECKOUT" && mkdir "$CHECKOUT/tests" &&
	cp -R "$TTT_ROOT/scripts" "$CHECKOUT/scripts" && cp -R "$E2E" "$CHECKOUT/tests/e2e" &&
	cp "$TTT_BIN" "$CHECKOUT/tinytaptunnel" &&
	# the daemon's worker image, where it looks: $BUILD/ beside it (worker_image.h)
	mkdir -p "$CHECKOUT/$BUILD" &&
	cp "$TTT_ROOT/$BUILD/tinytaptunnel-worker" "$CHECKOUT/$BUILD/tinytaptunnel-worker") ||
	{ failc "copy the tree to $CHECKOUT"; finish; exit 1; }
check "the copy's parent $T_DIR is root's, mode 700" test "$(stat -c %U:%a "$T_DIR")" = root:700
check_not "nobody cannot read the copied scripts" \
	setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$CHECKOUT/scripts/ttt-common.sh"

for t in "${OTHER_USER_TESTS[@]}"; do
	log "$t from $CHECKOUT"
	rc=0
	# As run.sh runs it: from its directory; the copy's daemon, not one named in the environment.
	(cd "$CHECKOUT/tests/e2e" && env -u TTT_BIN -u TTT_TOOLS BUILD=build timeout 300 bash "$t") \
		> "$T_DIR/${t%.sh}.log" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$t passes from a tree only root can reach"
	else
		failc "$t fails from a tree only root can reach (status $rc):"
		grep -E '^ *FAIL' "$T_DIR/${t%.sh}.log" | sed 's/^/     /'
	fi
done

finish

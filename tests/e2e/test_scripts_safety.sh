#!/usr/bin/env bash
# The helper scripts run as root, so they trust nothing a user may have
# prepared: a symbolic link to a script, in a directory someone else writes,
# still sources the helpers installed beside the real script; a state
# directory that is not root's own directory, writable by root only, is
# refused and left as it was (never chmod'ed through a link); and without
# flock(1) they refuse to run rather than run unlocked.
. "$(dirname "$0")/lib.sh"
need_root

SCRIPTS=$TTT_ROOT/scripts
NS=$(netns s)
ip -n "$NS" link add tapx type veth peer name tapy
ip -n "$NS" link add lanx type veth peer name lany

# up ARGS...: l2_bridge_up.sh on tapx lanx in NS, state under $T_DIR/state; sets RC and OUT.
up() {
	RC=0
	OUT=$(TTT_STATE_DIR=$T_DIR/state timeout 20 ip netns exec "$NS" "$@" 2>&1) || RC=$?
}

log "a symbolic link to a script, beside someone else's helpers"
mkdir "$T_DIR/evil"
ln -s "$SCRIPTS/l2_bridge_up.sh" "$T_DIR/evil/l2_bridge_up.sh"
printf 'echo PWNED; exit 99\n' > "$T_DIR/evil/ttt-common.sh"
up sh "$T_DIR/evil/l2_bridge_up.sh"
check "the real helpers are sourced: usage, exit 64 ($RC)" test "$RC" -eq 64
check_not "not the ones beside the link" sh -c 'printf "%s" "$1" | grep -q PWNED' _ "$OUT"

log "a state directory that others may write, or a link"
mkdir -m 0777 "$T_DIR/state"
up sh "$SCRIPTS/l2_bridge_up.sh" tapx lanx
check "refused ($RC)" sh -c '[ "$1" -eq 1 ] && printf "%s" "$2" | grep -q "refusing to use it"' _ "$RC" "$OUT"
check "and left as it was" test "$(stat -c %a "$T_DIR/state")" = 777
check_not "no bridge was made" ip -n "$NS" link show br-tapx
rmdir "$T_DIR/state"
mkdir -m 0755 "$T_DIR/target"
ln -s "$T_DIR/target" "$T_DIR/state"
up sh "$SCRIPTS/l2_bridge_up.sh" tapx lanx
check "a link is refused ($RC)" test "$RC" -eq 1
check "and its target is not chmod'ed" test "$(stat -c %a "$T_DIR/target")" = 755
rm "$T_DIR/state"

log "no flock(1)"
mkdir "$T_DIR/bin"
for f in /usr/local/sbin/* /usr/local/bin/* /usr/sbin/* /usr/bin/* /sbin/* /bin/*; do
	b=${f##*/}
	[ "$b" = flock ] || [ -e "$T_DIR/bin/$b" ] || ln -s "$f" "$T_DIR/bin/$b" 2>/dev/null || :
done
up env PATH="$T_DIR/bin" sh "$SCRIPTS/l2_bridge_up.sh" tapx lanx
check "refused, naming flock ($RC)" sh -c '[ "$1" -eq 1 ] && printf "%s" "$2" | grep -q "flock not found"' _ "$RC" "$OUT"
check_not "no bridge was made" ip -n "$NS" link show br-tapx
up sh "$SCRIPTS/l2_bridge_up.sh" tapx lanx
check "with flock it runs ($RC)" test "$RC" -eq 0
check "the state directory it made is 0700" test "$(stat -c %a "$T_DIR/state")" = 700
up sh "$SCRIPTS/l2_bridge_down.sh" tapx lanx
check "and down undoes it ($RC)" sh -c '[ "$1" -eq 0 ] && ! ip -n "$2" link show br-tapx' _ "$RC" "$NS"
finish

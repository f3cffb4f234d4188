#!/usr/bin/env bash
# make demo, the README's first command, as a user runs it: it must pass,
# pinging both ways through a tunnel just started (so across the start-up
# window in which a new daemon refuses frames), and leave no namespace of
# its own behind.
. "$(dirname "$0")/lib.sh"
need_root

out="$T_DIR/demo.out"
check "scripts/demo.sh passes" sh -c 'TTT_BIN="$1" bash "$2" > "$3" 2>&1' _ \
	"$TTT_BIN" "$TTT_ROOT/scripts/demo.sh" "$out" || cat "$out"
check "it pinged both ways" sh -c \
	'[ "$(grep -c " 0% packet loss" "$1")" -eq 2 ]' _ "$out"
check "it said it passed" grep -q "demo passed" "$out"
check_not "it left no namespace behind" sh -c 'ip netns list | grep -q "^ttt-demo-"'
finish

# Sourced by scripts/l2_*.sh and scripts/l3_*.sh (POSIX sh): shared helpers.
# shellcheck shell=sh
PROG=${0##*/}
# Where the scripts really are, not where a symbolic link to one is: a link
# in a directory someone else can write must not make root run their
# helpers (the scripts source theirs from there the same way).
SELF_DIR=$(dirname "$(readlink -f "$0")")
LC_ALL=C
export LC_ALL
umask 077
# Recorded state is split into words on purpose; never let it glob.
set -f
STATE_ROOT=${TTT_STATE_DIR:-/run/tinytaptunnel}

usage() {
	printf 'usage: %s %s\n' "$PROG" "$USAGE" >&2
	exit 64
}
bad_arg() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	usage
}
die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}
warn() {
	printf '%s: warning: %s\n' "$PROG" "$*" >&2
}
note() {
	printf '%s: %s\n' "$PROG" "$*"
}

need_root() {
	[ "$(id -u)" = 0 ] && return 0
	printf '%s: must be run as root: it changes links, addresses, routes and sysctls\n' "$PROG" >&2
	exit 77
}

need_tool() { # TOOL PACKAGE
	command -v "$1" >/dev/null 2>&1 || die "$1 not found; install $2"
}

# The kernel takes almost any byte in a name; this narrower set is safe to
# put into nft rules, file names and messages as it is.
check_ifname() {
	case $1 in
	'' | . | .. | *[!A-Za-z0-9_.=+-]*) bad_arg "unsupported interface name '$1'" ;;
	esac
	[ "${#1}" -le 15 ] || bad_arg "interface name '$1' is longer than 15 bytes"
}

have_link() {
	ip link show dev "$1" >/dev/null 2>&1
}
need_link() { # NAME ROLE
	have_link "$1" || die "$2 interface $1 does not exist"
}

# The word after KEY in NAME's `ip -o link` line (master, mtu, link/ether).
link_word() {
	ip -o link show dev "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'
}
link_is_up() {
	ip -o link show dev "$1" | awk '{ exit $3 !~ /[<,]UP[,>]/ }'
}

# One directory per network namespace: links, sysctls and nft tables are per
# namespace, so instances in two namespaces must not share records.
state_open() { # KIND TAP LAN [create]
	so_ns=$(readlink /proc/self/ns/net) || die "cannot read /proc/self/ns/net"
	so_ns=${so_ns#net:\[}
	STATE_DIR=$STATE_ROOT/netns-${so_ns%\]}
	STATE_FILE=$STATE_DIR/$1:$2:$3.state
	[ "${4-}" = create ] || return 0
	# Created 0700 here, or else already a directory (not a link) of root's
	# that only root may write (systemd makes /run/tinytaptunnel 0755 for
	# the daemon's status files). Never chmod'ed: chmod would follow a link
	# swapped in after the check.
	for so_d in "$STATE_ROOT" "$STATE_DIR"; do
		[ -e "$so_d" ] || [ -L "$so_d" ] || mkdir -m 0700 "$so_d" || die "cannot create $so_d"
		case $(stat -c '%F %u %a' -- "$so_d") in
		'directory 0 7'[0145][0145]) ;;
		*) die "$so_d is not a directory of root's that only root may write; refusing to use it" ;;
		esac
	done
}

# Instances share saved sysctl values, so one runs at a time. The lock is
# inherited: a rollback runs the down script under its up script's lock.
state_lock() {
	[ -z "${TTT_LOCK_HELD-}" ] || return 0
	# Without it two instances could interleave their saved sysctls.
	need_tool flock util-linux
	exec 9>>"$STATE_ROOT/lock"
	flock -w 30 9 || die "another instance holds $STATE_ROOT/lock"
	TTT_LOCK_HELD=1
	export TTT_LOCK_HELD
}

# For a down script: open KIND's state for TAP and LAN and take the lock;
# with no state (up never ran, or down already did), say so and exit 0.
# The file is looked for again under the lock: a concurrent down may have
# removed it in between.
state_open_undo() { # KIND TAP LAN
	state_open "$1" "$2" "$3"
	if [ ! -f "$STATE_FILE" ]; then
		note "nothing to undo for $2 $3 (no $STATE_FILE)"
		exit 0
	fi
	state_lock
	[ -f "$STATE_FILE" ] || { note "nothing to undo for $2 $3"; exit 0; }
}

state_begin() { # UP-ARGS-AFTER-TAP-AND-LAN...
	printf 'tinytaptunnel-state 1\nkind %s\ntap %s\nlan %s\nargs %s\n' \
		"$KIND" "$TAP" "$LAN" "$*" >"$STATE_FILE.new"
	mv -f "$STATE_FILE.new" "$STATE_FILE"
}
state_add() {
	printf '%s\n' "$*" >>"$STATE_FILE"
}
# The words after KEY on the first state line that starts with KEY.
state_get() {
	awk -v k="$1" '$1 == k { sub(/^[^ ]+ ?/, ""); print; exit }' "$STATE_FILE"
}

# Every change is recorded in the state file before it is made, so when up
# fails half way its down script can undo exactly what was done.
rollback_arm() {
	trap 'rollback $?' EXIT
	trap 'exit 130' INT TERM HUP
}
rollback() {
	trap - EXIT
	[ "$1" = 0 ] && return 0
	warn "failed; undoing the changes made so far"
	sh "$SELF_DIR/$DOWN" "$TAP" "$LAN" || warn "undo failed; what was done is recorded in $STATE_FILE"
	# A signal's status stays; any failing command's becomes 1, as documented.
	[ "$1" -gt 128 ] && exit "$1"
	exit 1
}
rollback_disarm() {
	trap - EXIT INT TERM HUP
}

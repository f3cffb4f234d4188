# Sourced by scripts/l3_*.sh (POSIX sh): helpers shared by the NAT and proxy-ARP scripts.
# shellcheck shell=sh
# Read with cat: dash's read builtin reports failure on /proc/sys files.
SYSCTL=/proc/sys/net/ipv4

# IPV4[/LEN] as a.b.c.d/len (len 32 when absent). Status 1 if it is not one;
# status 2 if host bits are set, printing the network instead.
parse_cidr() {
	printf '%s\n' "$1" | awk -F/ '
	NR > 1 || NF < 1 || NF > 2 { exit 1 }
	{
		if (split($1, o, ".") != 4) exit 1
		for (i = 1; i <= 4; i++)
			if (o[i] !~ /^[0-9]+$/ || length(o[i]) > 3 || o[i] + 0 > 255) exit 1
		len = NF == 2 ? $2 : 32
		if (len !~ /^[0-9]+$/ || length(len) > 2 || len + 0 > 32) exit 1
		v = ((o[1] * 256 + o[2]) * 256 + o[3]) * 256 + o[4]
		host = v % 2 ^ (32 - len)
		v -= host
		printf "%d.%d.%d.%d/%d\n", int(v / 16777216), int(v / 65536) % 256, int(v / 256) % 256, v % 256, len
		if (host) exit 2
	}'
}
cidr_arg() { # WHAT VALUE
	ca_st=0
	ca_out=$(parse_cidr "$2") || ca_st=$?
	case $ca_st in
	0) printf '%s\n' "$ca_out" ;;
	2) bad_arg "$1 $2 has host bits set; the network is $ca_out" ;;
	*) bad_arg "$1 '$2' is not an IPv4 address or prefix" ;;
	esac
}

# Status 0 if CIDR is already routed through DEV [via GW] (up leaves that
# route alone), 1 if nothing routes exactly CIDR (up adds the route); dies
# if another route has it, rather than shadow or replace the user's.
route_wanted() { # CIDR DEV [GW]
	rw_any=$(ip -o -4 route show table main exact "$1")
	[ -n "$rw_any" ] || return 1
	# shellcheck disable=SC2086 # optional "via GW" is two words
	[ -z "$(ip -o -4 route show table main exact "$1" dev "$2" ${3:+via $3})" ] || return 0
	die "$1 is already routed another way ($(printf '%s\n' "$rw_any" | sed -n 1p)); refusing to route it via $2"
}

# Every base chain on a hook sees the packet and a drop in any one is final,
# so an accept rule of ours could not override the user's policy: say so.
warn_forward_drop() {
	if nft list chains 2>/dev/null | grep -q 'hook forward .*policy drop'; then
		warn "a forward chain with policy drop exists; allow $TAP <-> $LAN there"
	fi
}

# Several instances may need one sysctl (two tunnels NATed out of one LAN,
# NAT beside proxy ARP). The values from before the first of them are kept
# in $STATE_DIR/saved/ and put back when the last of them goes down.
sysctl_saved() {
	printf '%s/saved/%s\n' "$STATE_DIR" "$(printf '%s' "$1" | tr / :)"
}
sysctl_held_elsewhere() { # KEY
	set +f
	set -- "$1" "$STATE_DIR"/*.state
	set -f
	sh_key=$1
	shift
	for sh_f in "$@"; do
		[ "$sh_f" != "$STATE_FILE" ] || continue
		[ -f "$sh_f" ] || continue
		if awk -v k="$sh_key" '$1 == "sysctl" && $2 == k { f = 1 } END { exit !f }' "$sh_f"; then
			return 0
		fi
	done
	return 1
}
sysctl_set() { # KEY VALUE
	ss_path=$SYSCTL/$1
	[ -f "$ss_path" ] || die "$ss_path does not exist"
	if ! sysctl_held_elsewhere "$1"; then
		ss_saved=$(sysctl_saved "$1")
		mkdir -p "$STATE_DIR/saved"
		ss_v=$(cat "$ss_path")
		printf '%s %s\n' "$1" "$ss_v" >"$ss_saved.new"
		# Writing ip_forward rewrites every interface's forwarding: keep those too.
		if [ "$1" = ip_forward ]; then
			set +f
			for ss_f in "$SYSCTL"/conf/*/forwarding; do
				ss_v=$(cat "$ss_f")
				printf '%s %s\n' "${ss_f#"$SYSCTL"/}" "$ss_v" >>"$ss_saved.new"
			done
			set -f
		fi
		mv -f "$ss_saved.new" "$ss_saved"
	fi
	state_add sysctl "$1" "$2"
	printf '%s\n' "$2" >"$ss_path"
}
sysctl_restore() { # KEY VALUE-SET-BY-UP
	sysctl_held_elsewhere "$1" && return 0
	sr_saved=$(sysctl_saved "$1")
	sr_path=$SYSCTL/$1
	if [ ! -f "$sr_saved" ]; then
		warn "no saved value for $sr_path; leaving it"
		return 0
	fi
	read -r sr_key sr_was <"$sr_saved"
	if [ "$sr_was" != "$2" ] && [ -f "$sr_path" ]; then
		sr_now=$(cat "$sr_path")
		if [ "$sr_now" != "$2" ]; then
			warn "$sr_path is $sr_now, not $2 as up set it; changed since, so left alone"
		else
			while read -r sr_key sr_was; do
				[ -f "$SYSCTL/$sr_key" ] || continue
				sr_now=$(cat "$SYSCTL/$sr_key")
				[ "$sr_now" = "$sr_was" ] && continue
				printf '%s\n' "$sr_was" >"$SYSCTL/$sr_key" || return 1
			done <"$sr_saved"
		fi
	fi
	rm -f "$sr_saved"
}

# Routes through TAP need it up; the daemon may not have set it up yet.
tap_up() {
	link_is_up "$TAP" && return 0
	state_add up "$TAP"
	ip link set dev "$TAP" up
}

# Undo what the state file records, newest first.
l3_undo() {
	lu_failed=0
	lu_log=$(awk '{ l[NR] = $0 } END { for (i = NR; i > 0; i--) print l[i] }' "$STATE_FILE")
	while read -r lu_what lu_a lu_b; do
		case $lu_what in
		sysctl)
			sysctl_restore "$lu_a" "$lu_b" || lu_failed=1
			;;
		route)
			# shellcheck disable=SC2086 # recorded as "CIDR dev TAP [via GW]"
			if [ -n "$(ip -o -4 route show table main exact $lu_a $lu_b proto static 2>/dev/null)" ]; then
				ip route del $lu_a $lu_b proto static || lu_failed=1
			fi
			;;
		up)
			if have_link "$lu_a"; then
				ip link set dev "$lu_a" down || lu_failed=1
			fi
			;;
		table)
			if nft list table ip "$lu_a" >/dev/null 2>&1; then
				nft delete table ip "$lu_a" || lu_failed=1
			fi
			;;
		esac
	done <<LOG
$lu_log
LOG
	return "$lu_failed"
}

# The whole of l3_nat_down.sh and l3_proxy_arp_down.sh, given KIND, USAGE
# and MAXARGS: undo what the matching up recorded, nothing else.
l3_down_main() {
	[ $# -ge 2 ] || usage
	[ -z "$MAXARGS" ] || [ $# -le "$MAXARGS" ] || usage
	TAP=$1
	LAN=$2
	check_ifname "$TAP"
	check_ifname "$LAN"
	need_root
	need_tool ip iproute2
	state_open_undo "$KIND" "$TAP" "$LAN"
	shift 2
	# The optional arguments must be up's, so a wrong one is caught, not ignored.
	if [ $# -gt 0 ] && [ "$*" != "$(state_get args)" ]; then
		die "'$*' is not what up was given ('$(state_get args)'); nothing changed"
	fi
	l3_undo || die "could not undo everything; state kept in $STATE_FILE, re-run after fixing"
	rm -f "$STATE_FILE"
	note "undone for $TAP $LAN"
}

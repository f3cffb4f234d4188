#!/bin/sh
# Regenerate the seed corpora in fuzz/corpus/ from tests/vectors/ and a few
# hand-written inputs. Run from the top of the tree; needs xxd. The output is
# checked in, so this only runs when a vector file or an input layout changes.
# Files are named after what they hold; fuzz-merge adds hash-named ones.
set -eu

C=fuzz/corpus
V=tests/vectors
FRAME_KEY='+94aE6FaelF4CgEX4LNfNqOzVIioyS6O78NR8ZnfWTU='	# the harnesses' fixed key

hex64() { printf '%016x' "$1"; }	# two's complement for negative values
hex16() { printf '%04x' "$1"; }
le16()  { printf '%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)); }
out()   { xxd -r -p >"$1"; }	# hex on stdin -> file

mkdir -p "$C/fuzz_frame_decode" "$C/fuzz_frame_decode_mac" "$C/fuzz_frame_roundtrip" \
    "$C/fuzz_replay" "$C/fuzz_keyfile" "$C/fuzz_ipc" "$C/fuzz_addr" "$C/fuzz_reflect" \
    "$C/fuzz_gso" "$C/fuzz_verdict" "$C/fuzz_tso_split" "$C/fuzz_tso_coalesce" \
    "$C/fuzz_hmac_x2"

# --- frames: every datagram of the vectors as it would arrive ----------------
grep -v '^#' "$V/frames.txt" | while IFS='|' read -r name key now dgram expect frame; do
	printf '%s' "$dgram" | out "$C/fuzz_frame_decode/$name"

	# The same datagram for the MAC harness: flags 0xa0 = the vector's own
	# clock (raw) and timestamp (raw), default window and maximum; the
	# harness computes the MAC itself. Only where there is a timestamp.
	[ "$key" = "$FRAME_KEY" ] || continue
	[ ${#dgram} -ge 80 ] || continue
	ts=$(printf '%s' "$dgram" | cut -c65-80)
	body=$(printf '%s' "$dgram" | cut -c81-)
	flags=a0
	case $name in badmac-flip-*) flags=e0 ;; esac
	printf '%s%s%s%s%s%s' $flags "$(hex64 "$now")" "$ts" 0000000000000000 0000 "$body" |
	    out "$C/fuzz_frame_decode_mac/$name"

	# Round trip: the vectors' frames, under the vectors' clock and key.
	case $expect in ok) ;; *) continue ;; esac
	[ "$key" = "$FRAME_KEY" ] || continue
	printf '00%s%s%s%s%s%s' 0000000000000000 0000000000000005 0011 07 00 "$frame" |
	    out "$C/fuzz_frame_roundtrip/$name"
done

# Round trip variants: own 65-byte key (hashed by HMAC), jumbo limit with the
# fast SHA-256 for encoding, default limit with it for decoding, window 0.
k65=$(grep '^ok-keylen-65|' "$V/frames.txt" | cut -d'|' -f2 | base64 -d | xxd -p | tr -d '\n')
f60=$(grep '^ok-len-60|' "$V/frames.txt" | cut -d'|' -f6)
f1433=$(grep '^long-1473|' "$V/frames.txt" | cut -d'|' -f4 | cut -c81-)
printf '10%s%s%s%s%s%s%s' 0000000000000000 00000000000000ff 0123 20 41 "$k65" "$f60" |
    out "$C/fuzz_frame_roundtrip/own-key-65"
printf '24%s%s%s%s%s%s' 0000000000000000 0000000000000000 ffff 00 00 "$f1433" |
    out "$C/fuzz_frame_roundtrip/jumbo-1433-ni-encode"
printf '20%s%s%s%s%s%s' 0000000000000000 0000000000000000 0000 00 00 "$f1433" |
    out "$C/fuzz_frame_roundtrip/default-limit-1433-long"
printf '41%s%s%s%s%s%s' 0000000000000000 0000000000000000 0001 00 00 "$f60" |
    out "$C/fuzz_frame_roundtrip/window-0-ni-decode"
printf '0b%s%s%s%s%s%s' 7fffffffffffffff ffffffffffffffff 0000 00 00 "$f60" |
    out "$C/fuzz_frame_roundtrip/window-max-clock-int64-max"

# MAC harness extremes: the window's edges, int64 ends, a one-byte max_frame.
printf '00%s%s%s%s%s' 0000000000000000 00000000000001ff 0000000000000000 0000 62 |
    out "$C/fuzz_frame_decode_mac/edge-old-minus-1"
printf '00%s%s%s%s%s' 0000000000000000 0000000000000201 0000000000000000 0000 62 |
    out "$C/fuzz_frame_decode_mac/edge-new-plus-1"
printf 'a0%s%s%s%s%s' 8000000000000000 7fffffffffffffff 0000000000000000 0000 62 |
    out "$C/fuzz_frame_decode_mac/now-min-ts-max"
printf 'b8%s%s%s%s%s' 7fffffffffffffff 8000000000000000 0000000000000000 0000 6263 |
    out "$C/fuzz_frame_decode_mac/max-frame-1-long"
printf 'a3%s%s%s%s%s' 0000000000000000 0000000000000005 fffffffffffffff0 0000 62 |
    out "$C/fuzz_frame_decode_mac/window-from-input"

rep() { i=0; while [ $i -lt "$1" ]; do printf '%s' "$2"; i=$((i + 1)); done; }

# --- replay: mode, seed, start value, then operations (see fuzz_replay.c) ---
R=$C/fuzz_replay
S=0123456789abcdef
START=$(hex64 1764000000123456789)
# 512 fresh values in bursts of 256 (op 0x3f): past the depth, floor set.
printf '00%s%s3f3f' $S "$START" | out "$R/in-order-512"
# Fresh values with gaps, then values behind inside the gaps, then re-sends.
printf '00%s%s%s%s%s' $S "$START" 0a0a0a0a0a0a0a0a 4100420043004400 8000008001800280 |
    out "$R/reorder-and-resend"
# Past the depth, then a late value below the floor and one just above it.
printf '00%s%s3f3f%s%s' $S "$START" 4003 40ff | out "$R/late-below-floor"
# int64 extremes, raw, and wrapping past INT64_MAX.
printf '00%s%s%s%s%s' $S 7ffffffffffffff0 3f c18000000000000000 c07fffffffffffffff |
    out "$R/int64-wrap"
# Same sequence, another seed: collisions land elsewhere in the hash.
printf '00%s%s3f3f%s' ffffffffffffffff 0000000000000000 8000008000ff | out "$R/other-seed"
# A new worker's floor: 256 fresh values, the floor set inside them, then
# values below it, at it and above it (duplicates and fresh ones).
printf '00%s%s3f%s%s%s%s%s01' $S "$START" c2 "$(hex64 1764000000123456889)" 4001 \
    c0 "$(hex64 1764000000123456839)" 4020 | out "$R/set-floor"
# Grid mode (mode 01), tag 0x115 from the start value: the tag run, then
# bursts of one frame a slot, a frame 500 slots behind (past the ring, on
# the grid), re-sends of it, and one behind past the window.
printf '01%s%s3f3f3f%s%s%s%s' $S "$START" 7307 8000008000 7f7f 3f | out "$R/grid-deep"
# Grid mode: a respawned peer (op c5: cur and tag from the raw value), a frame
# of the old tag in flight, then bursts under the new tag and re-sends.
printf '01%s%s3f3f%s%s%s%s' $S "$START" c5 "$(hex64 1764000000523456999)" 3f 4002 \
    80000080ff | out "$R/grid-tag-change"
# Grid mode: a burst that teaches the tag, then 350 steps of 48 positions
# (past a whole bitmap of them), then frames 16256 positions behind (the
# grid's depth) and 16258 behind (past it), and re-sends.
printf '01%s%s3f%s%s%s%s' $S "$START" "$(rep 350 2f)" 7f7e 407f 80000080ff | out "$R/grid-depth"
# Grid mode: 2^16 + 5 frames lost in a row (op c1: cur from the raw value,
# the same tag), then bursts and frames behind: positions mod 2^16 repeat.
printf '01%s%s3f3f%s%s3f%s%s%s' $S "$START" c1 "$(hex64 1764000000190570773)" 4010 4080 \
    80000080ff | out "$R/grid-lost-2-16"

# --- reflect: selector, window bytes, tag, clock, operations (fuzz_reflect.c) --
F=$C/fuzz_reflect
# 3 s window, tag 5: a burst of sends, our datagrams back with their own and
# with other MACs, foreign timestamps around our newest.
printf '02%s%s%s%s%s%s' 0005 0000 "$(rep 40 00)" 800000800005810003800027 \
    c0fe1111111111111111 c0021111111111111111 | out "$F/send-and-reflect"
# One tag change (eight frames in a row carrying our tag), then more sends
# and our older datagrams coming back.
printf '02%s%s%s%s%s%s' 0005 0000 "$(rep 10 00)" "$(rep 8 c100)" "$(rep 10 01)" 800000800012 |
    out "$F/one-tag-change"
# A small window (a few slots); the clock jumps forward past the ring, a few
# slots forward, back, then our old datagrams come back.
printf '00%s%s%s%s%s' 0800 0007 0000 "$(rep 5 00)" 5eff00410f40ff5fff41ff0080000080000a |
    out "$F/small-window-jumps"
# Audit M3: three sends, 4.5 s on (past the 4.3 s ring), 1.5 s back, the
# first datagram back; then 10 s back (the stamps restart under a new tag)
# and datagrams of both runs back.
printf '02%s%s%s%s%s%s%s%s' 0005 0000 000000 7286 732d 800004 774a 800000800001800002800005 |
    out "$F/clock-steps-back"
# The 30 s window; a raw clock before 1970 (clamped to 0), then the end of time.
printf '0f%s%s%s%s' 03ff 8000000000000000 000000 800000 | out "$F/window-max-negative-clock"
printf '06%s%s%s' 0001 7ffffffffffff000 "$(rep 12 3f)800000800005" | out "$F/end-of-time"
# Raw foreign timestamps and observes of frames that do not carry our tag.
printf '02%s%s%s%s%s' 0005 0000 000000 c2112233445566778899aabbccddeeff0011 \
    c3000000000000000500 | out "$F/foreign-raw"

# --- gso: selector, max_segs, limit bytes, then lengths (see fuzz_gso.c) ------
G=$C/fuzz_gso
# Selector 06: max_seg UINT16_MAX, max_bytes TTT_GSO_MAX_BYTES; 3f: 64 segments.
# 64 full Ethernet datagrams (1472): the byte limit cuts them at 44.
printf '063f%s%s' 0005c0 7f | out "$G/eth-64-max-bytes"
# Runs of 1400 closed by a 600, then a new run.
printf '063f%s%s%s%s%s' 000578 42 000258 000578 41 | out "$G/run-closed-by-shorter"
# Selector 05: max_seg TTT_GSO_SURE_SEG: 1400s go alone, 1232s group, 1233s not.
printf '053f%s%s%s%s%s%s' 000578 41 0004d0 43 c1 41 | out "$G/sure-seg-ceiling"
# max_segs 3 (02): a run of 9, then one shorter by 5.
printf '0602%s%s%s' 0003e8 48 85 | out "$G/max-segs-3"
# max_segs 1 (00): what a kernel refusing UDP_SEGMENT gets.
printf '0600%s%s%s' 000578 42 000258 | out "$G/max-segs-1"
# Selector 00: raw max_seg 1024 and max_bytes 3000; 1000s, an empty one, 1s.
printf '003f%s%s%s%s%s%s%s' 0400 000bb8 0003e8 44 000000 000001 41 | out "$G/raw-limits-empty"
# Selector 0a: max_bytes SIZE_MAX: the longest datagrams group; then a run
# going down to empty.
printf '0a3f%s%s%s%s' 00ffff 41 000003 4181818141 | out "$G/max-lengths-to-empty"

# --- tso split: max_frame byte, vnet header (host order: little-endian here),
# then the frame (see fuzz_tso_split.c). Checksums are the segmenter's to make.
T=$C/fuzz_tso_split
pat() { i=0; while [ $i -lt "$1" ]; do printf '%02x' $((i % 251)); i=$((i + 1)); done; }
vh() { printf '%s%s%s%s%s%s' "$1" "$2" "$(le16 "$3")" "$(le16 "$4")" "$(le16 "$5")" "$(le16 "$6")"; }
ETH4=020000000002020000000001'0800'
ETH6=020000000002020000000001'86dd'
IP4=4500ffff00014000400600000a0000010a000002
IP6=6000000000000640200100db800000000000000000000001200100db800000000000000000000002
TCP32=9c40145100000001000000638018'01f6'00000000'0101080a0000000100000002'
TCP20=9c40145100000001000000635010ffff00000000
# IPv4, 32-byte TCP header, 4000 bytes in segments of 1366 (v1.4's MTU), PSH.
printf '00%s%s%s%s%s' "$(vh 01 01 66 1366 34 16)" $ETH4 $IP4 $TCP32 "$(pat 4000)" | out "$T/ipv4-3-segments"
# IPv6, 20-byte TCP header, 2716 bytes in 1358s: an exact multiple.
printf '00%s%s%s%s%s' "$(vh 01 04 74 1358 54 16)" $ETH6 $IP6 $TCP20 "$(pat 2716)" | out "$T/ipv6-exact-2"
# gso_size 0, a UDP gso_type, an IPv6 type on IPv4: refused.
printf '00%s%s%s%s%s' "$(vh 01 01 66 0 34 16)" $ETH4 $IP4 $TCP32 "$(pat 100)" | out "$T/gso-size-0"
printf '00%s%s%s%s%s' "$(vh 01 03 66 1366 34 16)" $ETH4 $IP4 $TCP32 "$(pat 100)" | out "$T/gso-udp"
printf '00%s%s%s%s%s' "$(vh 01 04 66 1366 34 16)" $ETH4 $IP4 $TCP32 "$(pat 100)" | out "$T/gso-v6-on-v4"
# Not gso: a checksum to complete, and one whose field lies past the frame.
printf '00%s%s%s%s%s' "$(vh 01 00 0 0 34 16)" $ETH4 $IP4 $TCP32 "$(pat 30)" | out "$T/needs-csum"
printf '00%s%s%s%s%s' "$(vh 01 00 0 0 90 8)" $ETH4 $IP4 $TCP32 "$(pat 30)" | out "$T/needs-csum-past-end"
# A super-frame on a VLAN (802.1Q tag 42).
printf '00%s%s%s%s%s' "$(vh 01 01 70 1362 38 16)" 020000000002020000000001'8100002a0800' $IP4 $TCP32 "$(pat 3000)" | out "$T/vlan-ipv4"
# Jumbo max_frame (ff: 9240) and gso_size 1.
printf 'ff%s%s%s%s%s' "$(vh 01 81 66 1 34 16)" $ETH4 $IP4 $TCP32 "$(pat 40)" | out "$T/gso-size-1-ecn"
# UDP super-frames (UDP_L4, USO): 64 datagrams of 64 bytes over IPv4, 2500
# bytes in 1000s over IPv6 (a shorter last); with the ECN bit, refused.
IP4U=4500ffff00014000401100000a0000010a000002
IP6U=6000000000001140200100db800000000000000000000001200100db800000000000000000000002
UDP8=9c40145100000000
printf '00%s%s%s%s%s' "$(vh 01 05 42 64 34 6)" $ETH4 $IP4U $UDP8 "$(pat 4096)" | out "$T/udp-ipv4-64x64"
printf '00%s%s%s%s%s' "$(vh 01 05 62 1000 54 6)" $ETH6 $IP6U $UDP8 "$(pat 2500)" | out "$T/udp-ipv6-short-last"
printf '00%s%s%s%s%s' "$(vh 01 85 42 64 34 6)" $ETH4 $IP4U $UDP8 "$(pat 200)" | out "$T/udp-ecn"

# --- tso coalesce: flow, segment size, operations (see fuzz_tso_coalesce.c) ---
T=$C/fuzz_tso_coalesce
# IPv4 with 12 bytes of TCP options: 32 full segments, then a shorter one.
printf '60%s%s%s' "$(hex16 1366)" "$(rep 32 00)" 05 | out "$T/ipv4-stream"
# IPv6: a run, every kind of change once, a run again.
printf '01%s%s%s%s' "$(hex16 1000)" "$(rep 4 00)" 404142434445464748494a4b4c4d4e4f "$(rep 4 00)" |
    out "$T/ipv6-each-change"
# IPv4 options; raw frames and bit flips among the segments.
printf '1e%s%s%s%s%s' "$(hex16 500)" 0000 85"$(pat 21)" 00c0002a 0000 | out "$T/options-raw-flips"
# A VLAN tag (bit 15 of the segment size): each frame alone.
printf '00%s%s' 8400 00000000 | out "$T/vlan-alone"
# Out of order and bad checksums.
printf '00%s%s' "$(hex16 1200)" 00004f0000707100 | out "$T/reorder-bad-csum"
# UDP (bit 14): 70 datagrams of 64 bytes, past the 64 a run holds; a tap
# without USO too (bit 13); IPv6, every change once.
printf '00%s%s' "$(hex16 $((0x4000 | 63)))" "$(rep 70 00)" | out "$T/udp-stream-past-cap"
printf '00%s%s' "$(hex16 $((0x6000 | 63)))" "$(rep 8 00)" | out "$T/udp-no-uso"
printf '01%s%s%s%s' "$(hex16 $((0x4000 | 999)))" "$(rep 4 00)" 404142434445464748494a4b4c4d4e4f \
    "$(rep 4 00)" | out "$T/udp-ipv6-each-change"

# --- verdict: flags, seed, then operations of 5 bytes (see fuzz_verdict.c) ----
R=$C/fuzz_verdict
S=0123456789abcdef
# Discovery: the peer sends fresh frames from 0, then 2; an old one from 1;
# each replayed from 2; one of ours comes back.
printf '00%s%s%s%s%s%s%s' $S 0000801010 0002810020 0001700030 0200000100 \
    0202000000 0101000000 0302000000 | out "$R/discovery-moves"
# Fixed peer: frames from elsewhere, forged, flipped, cut, truncated, too long.
printf '01%s%s%s%s%s%s%s' $S 0001801000 0000801001 0000801002 0000801004 \
    0000801008 00008060ff | out "$R/fixed-refusals"
# Time passes past the window: replays turn stale.
printf '00%s%s%s%s%s' $S 0000800000 01000a0000 03ffffffff 0200000000 | out "$R/stale-replays"

# --- key files: every file of the vectors --------------------------------------
grep -v '^#' "$V/keyfiles.txt" | while IFS='|' read -r name content expect; do
	printf '%s' "$content" | out "$C/fuzz_keyfile/$name"
done
# A key longer than TTT_KEY_MAX (1025 bytes) and one exactly at it.
head -c 1025 /dev/zero | base64 -w 76 >"$C/fuzz_keyfile/key-1025-bytes"
head -c 1024 /dev/zero | tr '\0' '\377' | base64 -w 0 >"$C/fuzz_keyfile/key-1024-bytes"
printf 'AAAAAAAAAAAAAAAAAAAAAA==\v\f' >"$C/fuzz_keyfile/trailing-vt-ff"

# --- ipc: side byte (0 parent parses, 1 worker parses), then the record ------
I=$C/fuzz_ipc
# Host byte order (little-endian on the machines we build on).
rec() { printf '%s%s%s%s' "$1" "$(le16 "$2")" "$(le16 $((${#3} / 2)))" "$3"; }
rec 00 4 '' | out "$I/ready"
rec 00 5 "02$(printf 'peer moved' | xxd -p)" | out "$I/log-info"
rec 00 5 "00$(printf 'a\033[2Jb\n' | xxd -p)" | out "$I/log-escapes"
rec 00 6 "02002328000000007f000001000000000000000000000000" | out "$I/peer-v4"
rec 00 6 "0a0023280300000020010db8000000000000000000000001" | out "$I/peer-v6-scope"
# A worker's report (struct ttt_worker_report, stats.h): 26 counters, the
# monotonic times of its last frame received and sent, the key flag, 0.
rec 00 7 "$(head -c 232 /dev/zero | xxd -p | tr -d '\n')" | out "$I/stats"
# Counters, half of UINT64_MAX + 1 each: the parent's totals must saturate.
rec 00 7 "$(for _ in $(seq 26); do printf '0000000000000080'; done)$(head -c 24 /dev/zero | xxd -p | tr -d '\n')" | out "$I/stats-half-max"
# A negative time and a flag of 2: refused.
rec 00 7 "$(head -c 208 /dev/zero | xxd -p | tr -d '\n')ffffffffffffffff00000000000000000200000000000000" | out "$I/stats-bad-report"
rec 00 2 "$(head -c 32 /dev/zero | xxd -p | tr -d '\n')" | out "$I/key-to-parent-refused"
# To the worker: the configuration (struct ttt_config, config.h: version 9,
# defaults, fixed IPv6 peer, uid/gid 65534, floor 0, no rotation (one seed
# mid-rotation), a status file; 2160 bytes, the last 4 padding; one seed with 4 queues), key, and the
# test-build-only syscall request.
le32() { printf '%s%s' "$(le16 $(($1 & 65535)))" "$(le16 $(($1 >> 16 & 65535)))"; }
le64() { printf '%s%s' "$(le32 $(($1 & 4294967295)))" "$(le32 $(($1 >> 32 & 4294967295)))"; }
strz() { h=$(printf '%s' "$2" | xxd -p | tr -d '\n'); printf '%s' "$h"; head -c $(($1 - ${#h} / 2)) /dev/zero | xxd -p | tr -d '\n'; }
config() {	# version action | mtu window stats grace threads keepalive peer-timeout daemon syslog verbose quiet no-offload queues no-sched-batch | grace left
	printf '%s' "$(le32 9)$(le32 0)"
	for v in 1418 3000 0 30000 "$1" "$2" "${3:-0}" 0 0 0 0 0 "${5:-1}" 0; do le64 "$v"; done
	# run: uid gid family flags, peer [2001:db8::1]:9123, floor, grace left
	printf '%s' "$(le32 65534)$(le32 65534)$(le32 10)$(le32 3)"
	printf '%s' "0a0023280000000020010db8000000000000000000000001$(le64 0)$(le64 "${4:-0}")"
	strz 256 /etc/tinytaptunnel/key; strz 301 :9123; strz 301 '[2001:db8::1]:9123'
	strz 64 ''; strz 256 /var/empty; strz 16 'tap%d'; strz 256 ''
	strz 256 /run/tinytaptunnel/t/status.json; strz 256 ''; strz 18 02:11:22:33:44:55
	strz 4 ''	# padding to the struct's 8-byte alignment
}
rec 01 1 "$(config 1 0)" | out "$I/config-fixed-peer-v6"
rec 01 1 "$(config 2 0)" | out "$I/config-two-threads"
rec 01 1 "$(config 1 25)" | out "$I/config-keepalive"
rec 01 1 "$(config 1 0 30)" | out "$I/config-peer-timeout"
rec 01 1 "$(config 1 0 0 12000)" | out "$I/config-mid-rotation"
rec 01 1 "$(config 1 0 0 0 4)" | out "$I/config-four-queues"
rec 01 9 "0a0023280000000020010db8000000000000000000000002" | out "$I/set-peer-v6"
rec 01 9 "02002328010000007f000001000000000000000000000000" | out "$I/set-peer-v4-scope"
rec 00 9 "02002328000000007f000001000000000000000000000000" | out "$I/set-peer-to-parent-refused"
rec 01 2 "$(printf '%s' 73dd8fdbecc7777382da96302fcd8379a19dcb2f18724d241789cfe3b1a20a98)" | out "$I/key-32"
rec 01 3 '' | out "$I/stats-req"
rec 01 8 01 | out "$I/test-syscall"
# --- json: status files, as status.c writes them and as it never does --------
J=$C/fuzz_json
mkdir -p "$J"
cp tests/show/status.json "$J/status"
printf '{"a": [1]}' >"$J/array"
printf '{"a": 1.5, "b": 01}' >"$J/fraction"
printf '{"a": "\\u0041\\u1234"}' >"$J/escape-wide"
printf '{"a": {"b": {"c": {"d": {"e": 1}}}}}' >"$J/too-deep"
printf '{"a": 1, "a": 2}' >"$J/duplicate"
printf '{"a": 18446744073709551616}' >"$J/number-over"
# --- addresses: flags byte, then the text (see fuzz_addr.c) -------------------
A=$C/fuzz_addr
# The flags byte as an octal escape in printf's format: the one place a
# byte value has to become a byte.
# shellcheck disable=SC2059
seed_addr() { { printf "\\$(printf '%03o' "$1")"; printf '%s' "$2"; } >"$A/$3"; }
seed_addr 1 ':9123' local-any
seed_addr 0 'host:9123' name
seed_addr 0 '203.0.113.15:9123' v4
seed_addr 0 '[2001:db8::1]:9123' v6
seed_addr 1 '[::]:0' v6-any-port0
seed_addr 0 '[fe80::1%eth0]:9123' v6-zone
seed_addr 0 '2001:db8::1:9123' v6-unbracketed
seed_addr 0 'host:65536' port-over
seed_addr 0 'host:00000000000009123' port-leading-zeros
seed_addr 0 '[::1]9123' no-colon-after-bracket
seed_addr 20 'a-rather-long-host-name.example:1' small-host-buffer
# Format mode (flags 2): family 1 (IPv6), port, scope, address, room.
printf '02%s%s%s%s%s' 01 2328 00000000 20010db8000000000000000000000001 40 | out "$A/format-v6"
printf '02%s%s%s%s%s' 01 2328 00000000 00000000000000000000ffffcb00710f 40 | out "$A/format-v4mapped"
printf '02%s%s%s%s%s' 00 2328 00000000 cb00710f000000000000000000000000 08 | out "$A/format-v4-cut"
printf '02%s%s%s%s%s' 01 ffff ffffffff ffffffffffffffffffffffffffffffff 40 | out "$A/format-v6-scope-max"
# Two messages at once: flags, key length, first length (big-endian), key,
# then the messages. Lengths around a block's last 9 bytes (the padding
# spills over), a full frame with a hashed 128-byte key, empty messages.
hx2() { printf '%s%02x%04x%s%s' "$1" "$2" "$3" "$(pat "$2")" "$(pat "$4")" | out "$C/fuzz_hmac_x2/$5"; }
hx2 00 32 16 116 short-pair
hx2 05 128 1440 2740 full-frames-hashed-key-unaligned
hx2 10 32 1440 2740 full-frames-portable
hx2 20 20 55 111 pad-edge-55-56-swapped
hx2 03 20 119 238 pad-edge-119-119
hx2 00 0 0 0 empty-both
hx2 0f 64 0 1500 empty-and-long

echo "seeds written under $C/"

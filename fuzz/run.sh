#!/usr/bin/env bash
# Drive the libFuzzer harnesses for mk/fuzz.mk.
#
#   run.sh run   name:maxlen...        fuzz each for $FUZZ_SECONDS on a copy of its corpus
#   run.sh repro name:maxlen file      run one input through one harness
#   run.sh merge name:maxlen...        fold the last run's new inputs into fuzz/corpus
#
# A run never writes to fuzz/corpus: it works on $FUZZ_BUILD/run/<name>/.
# It fails on any crash, leak, timeout, out-of-memory or sanitizer report,
# and says which input did it and how to run it again.
set -u

FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

# UBSan reports are fatal (the harnesses are also built with
# -fno-sanitize-recover), and leaks are checked after every input.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0:strict_string_checks=1:detect_stack_use_after_return=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

# Options common to every run; what they refuse is what CI must see.
common_opts() {	# name maxlen
	printf '%s\n' "-max_len=$2" -timeout=10 -rss_limit_mb=2048 \
	    -detect_leaks=1 -print_final_stats=1
	if [ -f "fuzz/$1.dict" ]; then
		printf '%s\n' "-dict=fuzz/$1.dict"
	fi
}

count() {	# dir: how many files
	find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l | tr -d ' '
}

# The first crash, leak, timeout or out-of-memory input libFuzzer wrote.
first_finding() {	# dir
	for f in "$1"/crash-* "$1"/leak-* "$1"/timeout-* "$1"/oom-*; do
		if [ -f "$f" ]; then
			basename "$f"
			return
		fi
	done
}

# The last value of "key: N" on libFuzzer's status lines.
last_stat() {	# key log
	sed -n "s/^#[0-9].* $1: *\([0-9][0-9]*\).*/\1/p" "$2" | tail -n 1
}

final_stat() {	# key log
	sed -n "s/^stat::$1: *\([0-9][0-9]*\).*/\1/p" "$2" | tail -n 1
}

run_one() {	# name maxlen
	name=$1 maxlen=$2
	bin=$FUZZ_BUILD/$name
	work=$FUZZ_BUILD/run/$name
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	seeds=0
	if [ -d "fuzz/corpus/$name" ]; then
		cp -p "fuzz/corpus/$name"/* "$work/corpus/" 2>/dev/null
		seeds=$(count "$work/corpus")
	fi
	log=$work/log
	# shellcheck disable=SC2046
	"$bin" $(common_opts "$name" "$maxlen") -max_total_time="$FUZZ_SECONDS" \
	    -artifact_prefix="$work/artifacts/" "$work/corpus" >"$log" 2>&1
	rc=$?

	execs=$(final_stat number_of_executed_units "$log")
	rate=$(final_stat average_exec_per_sec "$log")
	cov=$(last_stat cov "$log")
	ft=$(last_stat ft "$log")
	corp=$(count "$work/corpus")
	found=$(first_finding "$work/artifacts")
	bad=0
	[ "$rc" -ne 0 ] && bad=1
	[ -n "$found" ] && bad=1
	grep -qE '^==[0-9]+==ERROR|runtime error:|^SUMMARY: (Address|Leak|Undefined)|ERROR: libFuzzer' \
	    "$log" && bad=1

	if [ "$bad" -eq 0 ]; then
		echo "PASS $name: ${execs:-0} execs in ${FUZZ_SECONDS}s (${rate:-0}/s)," \
		    "cov ${cov:-0} edges, ft ${ft:-0}, corpus $seeds -> $corp"
		return 0
	fi
	echo "FAIL $name: exit $rc after ${execs:-?} execs, cov ${cov:-?} edges"
	echo "---- what went wrong ($log)"
	grep -m 8 -E 'invariant violated|says|^[a-z]+: .*(refused|accepted|never|not recognised)|ERROR: |runtime error:|^SUMMARY:' \
	    "$log" | sed 's/^/    /'
	echo "---- last lines"
	grep -vE '^#[0-9]+' "$log" | tail -n 25 | sed 's/^/    /'
	echo "----"
	if [ -n "$found" ]; then
		echo "reproducer: $work/artifacts/$found"
		echo "  hex: $(xxd -p "$work/artifacts/$found" 2>/dev/null | tr -d '\n' | cut -c1-200)"
		fb=; [ "$FUZZ_BUILD" = build-fuzz ] || fb=" FUZZ_BUILD=$FUZZ_BUILD"
		echo "reproduce:  make fuzz-repro$fb HARNESS=$name FILE=$work/artifacts/$found"
		echo "        or: $bin -runs=1 -artifact_prefix=$FUZZ_BUILD/repro/ $work/artifacts/$found"
		echo "  (copy it out of $FUZZ_BUILD first: the next fuzz-run starts afresh)"
	else
		echo "no reproducer written; full log: $log"
	fi
	return 1
}

# -max_total_time=0 would mean "forever".
case $FUZZ_SECONDS in
''|*[!0-9]*|0) echo "FUZZ_SECONDS must be a whole number of seconds > 0" >&2; exit 2 ;;
esac

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
run)
	# FUZZ_JOBS harnesses at a time (CI: one a core); each one's report is
	# printed whole, in order, once all have run.
	jobs=${FUZZ_JOBS:-1}
	out=$FUZZ_BUILD/run/reports
	mkdir -p "$out"
	for spec in "$@"; do
		name=${spec%%:*}
		rm -f "$out/$name.rc"
		( run_one "$name" "${spec#*:}" >"$out/$name.log" 2>&1; echo $? >"$out/$name.rc" ) &
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	done
	wait
	pass=0 fail=0
	for spec in "$@"; do
		name=${spec%%:*}
		cat "$out/$name.log"
		if [ "$(cat "$out/$name.rc" 2>/dev/null)" = 0 ]; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
		fi
	done
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	;;
repro)
	spec=$1 file=$2
	name=${spec%%:*} maxlen=${spec#*:}
	[ -f "$file" ] || { echo "fuzz-repro: no such file: $file" >&2; exit 2; }
	# Anything libFuzzer writes on a crash goes to the build directory, not
	# into the tree.
	mkdir -p "$FUZZ_BUILD/repro"
	# shellcheck disable=SC2046
	exec "$FUZZ_BUILD/$name" $(common_opts "$name" "$maxlen") -runs=1 \
	    -artifact_prefix="$FUZZ_BUILD/repro/" "$file"
	;;
merge)
	for spec in "$@"; do
		name=${spec%%:*} maxlen=${spec#*:}
		new=$FUZZ_BUILD/run/$name/corpus
		[ -d "$new" ] || { echo "fuzz-merge: $name: no run to merge (make fuzz-run first)"; continue; }
		mkdir -p "fuzz/corpus/$name"
		before=$(count "fuzz/corpus/$name")
		# shellcheck disable=SC2046
		"$FUZZ_BUILD/$name" $(common_opts "$name" "$maxlen") -merge=1 \
		    "fuzz/corpus/$name" "$new" >"$FUZZ_BUILD/run/$name/merge.log" 2>&1 ||
		    { echo "fuzz-merge: $name failed; see $FUZZ_BUILD/run/$name/merge.log"; exit 1; }
		echo "$name: $before -> $(count "fuzz/corpus/$name") inputs"
	done
	;;
*)
	echo "usage: $0 run|repro|merge name:maxlen... [file]" >&2
	exit 2
	;;
esac

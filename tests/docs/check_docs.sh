#!/usr/bin/env bash
# The documents say what the tree is: the README's first screen gives the two
# set-up commands, CI runs the README's test command, the README's module
# list names every module and nothing else, and no document has grown by a
# runaway edit. Run by make check-docs (part of make check).
set -u
cd "$(dirname "$0")/../.."
fail=0
bad() { echo "  FAIL $*"; fail=1; }
ok() { echo "  ok   $*"; }

SCREEN=24	# lines of a terminal's first screen
MAX_LINES=600	# longer than any of our documents needs to be

head -n "$SCREEN" README.md > /tmp/ttt-docs.$$
trap 'rm -f /tmp/ttt-docs.$$' EXIT
for cmd in "make deps && make demo" "make deps && make check"; do
	if grep -qF "$cmd" /tmp/ttt-docs.$$; then ok "README's first screen has: $cmd"
	else bad "README's first screen lacks: $cmd"; fi
done
n=$(grep -c '^make ' /tmp/ttt-docs.$$)
if [ "$n" = 2 ]; then ok "exactly two commands there"; else bad "$n commands on README's first screen, want 2"; fi
if grep -qx 'make deps && make check' .ci/run; then ok ".ci/run runs the README's test command"
else bad ".ci/run does not run 'make deps && make check'"; fi

for m in src/*.c sandbox/*.c; do
	[ "$m" = src/main.c ] && continue
	grep -qF "\`$m\`" README.md || bad "README's module list does not name $m"
done
for m in $(grep -o '`\(src\|sandbox\)/[a-z0-9_]*\.c`' README.md | tr -d '`' | sort -u); do
	[ -f "$m" ] || bad "README names $m, which does not exist"
done
[ "$fail" = 0 ] && ok "README's module list matches src/ and sandbox/"

for f in README.md SECURITY.md doc/INSTALL.md fuzz/README.md scripts/README doc/tinytaptunnel.8; do
	n=$(wc -l < "$f")
	if [ "$n" -le "$MAX_LINES" ]; then ok "$f: $n lines"; else bad "$f: $n lines (runaway edit?)"; fi
done
if [ "$fail" = 0 ]; then echo "docs: all checks passed"; else echo "docs: some checks failed"; fi
exit "$fail"

#!/usr/bin/env bash
# The documents say what the tree is: the README's first screen gives the two
# set-up commands, CI runs the README's test command, the README's module
# list names every module and nothing else, README and SECURITY.md name
# every unit test file, the man page documents exactly the options --help
# lists, no document names an option the daemon lacks, the version is one
# (debian/changelog's, which --version and the man page repeat), and no
# document has grown by a runaway edit. Run by make check-docs (part of make check),
# which builds the binary first: its --help is the source of truth for
# options.
# shellcheck disable=SC2016 # backticks in patterns are Markdown's, not the shell's
set -u
cd "$(dirname "$0")/../.." || exit 1
fail=0
bad() { echo "  FAIL $*"; fail=1; }
ok() { echo "  ok   $*"; }

SCREEN=24	# lines of a terminal's first screen
MAX_LINES=600	# longer than any of our documents needs to be
MAN_MAX_LINES=680	# the reference grows by a few lines with each option
SEC_MAX_LINES=700	# each promise names the test that shows it, one line or two a finding
BIN=${TTT_BIN:-./tinytaptunnel}
MAN=doc/tinytaptunnel.8
# Other programs' options that the documents name on their own (systemctl's).
FOREIGN_OPTS="--kill-whom --kill-who"

# ---- options: one line an option, "--long" or "--long -s", sorted ----

# From --help's "Options:" block: "  -i, --ifname NAME ..." or "      --mtu N ...".
help_options() {
	"$BIN" --help | sed -n '/^Options:/,/^$/p' | sed -nE \
		-e 's/^  -([a-zA-Z]), --([a-z0-9-]+).*/--\2 -\1/p' \
		-e 's/^      --([a-z0-9-]+).*/--\1/p' | sort
}

# From the man page's option list: ".It Fl i Ar ifname , Fl -ifname Ar ifname",
# ".It Fl d , Fl -daemon" or ".It Fl -mtu Ar n".
man_options() {
	sed -n '/^The options are:/,/^\.El/p' "$MAN" | sed -nE \
		-e 's/^\.It Fl ([a-zA-Z])( Ar [^,]*)? , Fl -([a-z0-9-]+).*/--\3 -\1/p' \
		-e 's/^\.It Fl -([a-z0-9-]+).*/--\1/p' | sort
}

# Every option the man page's SYNOPSIS shows: ".Op Fl dhqv" is -d -h -q -v,
# ".Op Fl i Ar ifname" is -i, ".Op Fl -mtu Ar n" is --mtu.
man_synopsis() {
	local w
	sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$MAN" | grep -oE 'Fl [^ ]+' |
		cut -c4- | while read -r w; do
			case "$w" in
			-*) echo "-$w" ;;
			*) echo "$w" | grep -o . | sed 's/^/-/' ;;
			esac
		done | sort -u
}

# Options a document names: in code spans that start with an option or with
# "tinytaptunnel " (README.md, SECURITY.md, INSTALL.md), anywhere in the man
# page, and on dist/'s ExecStart= and OPTIONS= lines.
named_options() {
	local f
	for f in README.md SECURITY.md doc/INSTALL.md; do
		tr '\n' ' ' < "$f" | grep -o '`[^`]*`' | tr -d '`' | grep -E '^(-|tinytaptunnel )'
	done
	grep -rhE '^#? *(ExecStart|OPTIONS)=' dist/ | sed -E 's/^#? *[A-Za-z]+=//'
	man_synopsis
	grep -oE 'Fl -[a-z0-9-]+|Fl [a-zA-Z]( |$)' "$MAN" | sed -E 's/^Fl /-/; s/ $//'
}

# Lines in file $1 and not in file $2, each reported with message $3.
report_missing() {
	local line
	while read -r line; do bad "$line: $3"; done < <(comm -23 "$1" "$2")
}

check_options() {
	local tmp o n unknown err before=$fail
	if [ ! -x "$BIN" ]; then
		bad "$BIN is not built (make check-docs builds it first)"
		return
	fi
	tmp=$(mktemp -d)
	help_options > "$tmp/help"
	man_options > "$tmp/man"
	if [ ! -s "$tmp/help" ] || [ ! -s "$tmp/man" ]; then
		bad "no options found in --help ($(wc -l < "$tmp/help")) or $MAN ($(wc -l < "$tmp/man"))"
		rm -rf "$tmp"
		return
	fi
	report_missing "$tmp/help" "$tmp/man" "in --help, not in $MAN's option list"
	report_missing "$tmp/man" "$tmp/help" "in $MAN's option list, not in --help"

	# The synopsis shows each option once, by its short name if it has one.
	sed -E 's/^--[a-z0-9-]+ (-[a-zA-Z])$/\1/' "$tmp/help" | sort -u > "$tmp/synopsis-want"
	man_synopsis > "$tmp/synopsis"
	report_missing "$tmp/synopsis-want" "$tmp/synopsis" "not in $MAN's SYNOPSIS"
	report_missing "$tmp/synopsis" "$tmp/synopsis-want" "in $MAN's SYNOPSIS, not in --help"

	# No document names an option --help does not list.
	tr ' ' '\n' < "$tmp/help" | sort -u > "$tmp/known"
	# shellcheck disable=SC2086 # one word an option
	printf '%s\n' $FOREIGN_OPTS >> "$tmp/known"
	sort -u -o "$tmp/known" "$tmp/known"
	named_options | grep -oE '(^| )--?[a-zA-Z][a-zA-Z0-9-]*' | tr -d ' ' | sort -u > "$tmp/named"
	report_missing "$tmp/named" "$tmp/known" "named in a document, not an option of $BIN"

	# And the parser knows every option --help lists: its error for one
	# must not be the error it gives for an unknown option.
	unknown=$("$BIN" --no-such-option 2>&1 < /dev/null > /dev/null)
	while read -r o _; do
		err=$("$BIN" "$o" 2>&1 < /dev/null > /dev/null)
		[ "$err" = "${unknown//--no-such-option/$o}" ] && bad "--help lists $o, but the parser calls it unknown"
	done < "$tmp/help"
	n=$(wc -l < "$tmp/help")
	rm -rf "$tmp"
	[ "$fail" = "$before" ] && ok "--help and $MAN list the same $n options; the documents name no other"
}

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

# Unit test files: the lists in README and SECURITY.md name every one, and
# nothing that is not there.
before=$fail
for doc in README.md SECURITY.md; do
	for t in tests/unit/test_*.c; do
		grep -qF "\`${t#tests/unit/}\`" "$doc" || bad "$doc does not name unit test $t"
	done
	for t in $(grep -o '`test_[a-z0-9_]*\.c`' "$doc" | tr -d '`' | sort -u); do
		[ -f "tests/unit/$t" ] || bad "$doc names unit test $t, which does not exist"
	done
done
[ "$fail" = "$before" ] && ok "README and SECURITY.md name every unit test file, and no other"

check_options

# One version: debian/changelog's top entry is the source (the Makefile reads
# it for -DTTT_VERSION); --version and the man page's HISTORY section repeat it.
check_version() {
	local want bin man parsed
	want=$(sed -n '1s/^tinytaptunnel (\([^ ]*\)) .*/\1/p' debian/changelog)
	if [ -z "$want" ]; then
		bad "debian/changelog does not start with 'tinytaptunnel (VERSION) ...'"
		return
	fi
	if command -v dpkg-parsechangelog > /dev/null; then
		parsed=$(dpkg-parsechangelog -S Version 2>&1)
		[ "$parsed" = "$want" ] || bad "dpkg-parsechangelog reads version '$parsed', not '$want'"
	fi
	bin=$("$BIN" --version | sed -n 's/^tinytaptunnel \([^ ]*\) .*/\1/p')
	[ "$bin" = "$want" ] || bad "$BIN --version says '$bin', debian/changelog '$want'"
	man=$(sed -n '/^\.Sh HISTORY/,/^\.Sh /s/^version \([^ ]*\) .*/\1/p' "$MAN")
	[ "$man" = "$want" ] || bad "$MAN's HISTORY says version '$man', debian/changelog '$want'"
	[ "$bin" = "$want" ] && [ "$man" = "$want" ] && ok "version $want: debian/changelog, --version and $MAN agree"
}
check_version

for f in README.md SECURITY.md doc/INSTALL.md fuzz/README.md scripts/README doc/tinytaptunnel.8; do
	n=$(wc -l < "$f")
	max=$MAX_LINES
	[ "$f" != doc/tinytaptunnel.8 ] || max=$MAN_MAX_LINES
	[ "$f" != SECURITY.md ] || max=$SEC_MAX_LINES
	if [ "$n" -le "$max" ]; then ok "$f: $n lines"; else bad "$f: $n lines (runaway edit?)"; fi
done
# The man page's own lint, as test_install.sh checks the installed copy:
# here it fails in seconds, not at the end of the e2e tests.
if command -v mandoc >/dev/null 2>&1; then
	# Messages about mandoc's own database (stderr) are not about the page.
	lint=$(mandoc -T lint doc/tinytaptunnel.8 2>/dev/null) && lrc=0 || lrc=$?
	if [ "$lrc" -eq 0 ] && [ -z "$lint" ]; then ok "doc/tinytaptunnel.8 lints clean (mandoc -T lint)"
	else bad "doc/tinytaptunnel.8: mandoc -T lint: $lint"; fi
else
	bad "mandoc not found (Debian package mandoc; make deps installs it)"
fi
if [ "$fail" = 0 ]; then echo "docs: all checks passed"; else echo "docs: some checks failed"; fi
exit "$fail"

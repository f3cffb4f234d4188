# tinytaptunnel: plain GNU make, no generated build system.
#
#   make            build ./tinytaptunnel, its worker image build/tinytaptunnel-worker, every module
#   make deps       install what the build and the tests need (Debian)
#   make check      docs, unit tests, sanitizers, proofs, end-to-end tests (root), fuzzing (60 s a harness)
#   make prove      Frama-C's value analysis on the pure core: zero alarms or it fails (mk/prove.mk)
#   make check-docs the README's first screen, CI's command, the module and test lists, and the options are true
#   make check-asan unit tests under AddressSanitizer + UBSan
#   make demo       two peers in two namespaces, pinged both ways (root)
#   make bench      side-by-side benchmark: bare veth, socat, fastd, tinytaptunnel (root)
#   make bench-codec  codec and HMAC speed per SHA-256 implementation
#   make deb        a Debian package in build/deb/ (debian/, mk/deb.mk)
#   make help       every target

# make V=1 shows every command; by default one short line a file.
V ?= 0
ifeq ($(V),0)
Q  := @
say = @printf '  %-6s %s\n' '$(1)' '$(2)';
else
Q  :=
say =
endif

PROG     := tinytaptunnel
# The one place the version lives is debian/changelog's top entry ("0.1.0" in
# "tinytaptunnel (0.1.0) unstable; ..."); --version prints it and
# tests/docs/check_docs.sh checks the man page against it.
VERSION  := $(shell sed -n '1s/^tinytaptunnel [(]\([^ ]*\)[)] .*/\1/p' debian/changelog)
ifeq ($(VERSION),)
$(error no version: debian/changelog must start with "tinytaptunnel (VERSION) ...")
endif
BUILD    ?= build

CC       ?= cc
# Debian ships BearSSL's headers in their own directory.
CPPFLAGS += -Iinclude -Isandbox -isystem /usr/include/bearssl -D_GNU_SOURCE \
            -DTTT_VERSION='"$(VERSION)"'
WARN     := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla -Wformat=2 -Wconversion -Wno-sign-conversion
OPT      ?= -O2 -g
# -U first: CPPFLAGS from the environment may define it already (dpkg-buildflags
# passes -D_FORTIFY_SOURCE=2), and a redefinition is a warning, hence an error.
HARDEN   ?= -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -fstack-protector-strong \
            -fstack-clash-protection -fcf-protection -fPIE
CFLAGS   ?= $(OPT)
# Sections a function and a datum each: the static worker's link keeps only
# those it reaches (--gc-sections below).
CFLAGS   += -std=c11 $(WARN) $(HARDEN) $(SAN) -ffunction-sections -fdata-sections
LDHARDEN ?= -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack
LDFLAGS  += $(LDHARDEN) $(SAN)
LIBS     := -lbearssl -lseccomp -lcap-ng -lpthread
# The daemon links these three statically as well (only the code it
# reaches): each shared one cost its parent 30-270 KiB of resident pages,
# ld.so binding every symbol. libc stays shared: the parent's look-ups need
# NSS, which cannot work in a static program.
DAEMON_LIBS := -Wl,--gc-sections -Wl,-Bstatic -lbearssl -lseccomp -lcap-ng -Wl,-Bdynamic -lpthread

# Every module but the two main()s goes into one archive, so tests, tools and
# fuzzers link exactly the code the daemon runs.
MAIN_SRC := src/main.c src/worker_main.c
LIB_SRC  := $(filter-out $(MAIN_SRC),$(wildcard src/*.c sandbox/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libttt.a
# The worker's image, a static program of its own (below), and the test
# daemon's.
WORKER_BIN  := $(BUILD)/tinytaptunnel-worker
HOOK_WORKER := $(BUILD)/tinytaptunnel-testhooks-worker

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

.PHONY: all deps check check-docs check-unit check-e2e check-asan check-fuzz clean help
.DEFAULT_GOAL := all

all: $(PROG) $(WORKER_BIN)

# CFLAGS at link time too: code-generation flags (-fPIE, -fstack-protector-*,
# sanitizers) belong on the link line, and blhc checks that they are there.
# The daemon needs its worker image to run (main.c opens it at start).
$(PROG): $(BUILD)/src/main.o $(LIB) | $(WORKER_BIN)
	$(call say,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS)

# The worker's image (worker.h): static, so it maps no ld.so and no shared
# library (an end no longer counts libc's pages in two processes), and only
# the sections it reaches. -static-pie (after LDFLAGS' -pie, which blhc
# looks for; the later option wins) keeps ASLR for its code; RELRO, now,
# the stack protector, FORTIFY and CET apply as to the daemon.
# --fatal-warnings: a worker that reached an NSS function (getpwnam,
# getaddrinfo: they cannot work statically) fails to link, on glibc's
# warning "Using 'getaddrinfo' in statically linked applications".
WORKER_LD   := -static-pie -Wl,--gc-sections -Wl,-z,relro,-z,now -Wl,-z,noexecstack
$(WORKER_BIN): $(BUILD)/src/worker_main.o $(LIB)
	$(call say,LINK,$@ (static))
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(WORKER_LD) -Wl,--fatal-warnings -o $@ $^ $(LIBS)

# Where the daemon finds its worker image, fixed when it is built (never from
# its environment or command line): relative to the directory of the
# daemon's own binary (/proc/self/exe), or absolute. Here, the build tree's;
# make install and the Debian package build a daemon that names the
# installed one (mk/install.mk).
$(BUILD)/src/main.o: CPPFLAGS += -DTTT_WORKER_PATH='"$(BUILD)/tinytaptunnel-worker"'
$(BUILD)/hooks/src/main.o: CPPFLAGS += -DTTT_WORKER_PATH='"tinytaptunnel-testhooks-worker"'

$(LIB): $(LIB_OBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# The version is compiled into main(): a new changelog entry rebuilds it.
$(BUILD)/src/main.o $(BUILD)/hooks/src/main.o: debian/changelog

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# A test-only daemon (never installed): SIGUSR2 makes its worker attempt a
# forbidden syscall, so the e2e tests can watch the sandbox kill it. The
# hooks themselves live in tests/hooks/, which only this binary links.
HOOK_BIN := $(BUILD)/tinytaptunnel-testhooks
HOOK_OBJ := $(patsubst %.c,$(BUILD)/hooks/%.o,src/main.c $(LIB_SRC) $(wildcard tests/hooks/*.c))

$(BUILD)/hooks/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$< (test hooks))
	$(Q)$(CC) $(CPPFLAGS) -Itests/hooks -DTTT_TEST_HOOKS $(CFLAGS) -MMD -MP -c -o $@ $<

$(HOOK_BIN): $(HOOK_OBJ) | $(HOOK_WORKER)
	$(call say,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS)

# Its worker, next to it, with the hooks (tests/hooks/) compiled in; from an
# archive, like the daemon's, so that it links only what a worker reaches
# (the parent's hooks are an object of their own, testhooks_parent.c), and
# with --fatal-warnings like the real one.
HOOK_LIB := $(BUILD)/hooks/libttt.a
$(HOOK_LIB): $(filter-out $(BUILD)/hooks/src/main.o,$(HOOK_OBJ))
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(HOOK_WORKER): $(BUILD)/hooks/src/worker_main.o $(HOOK_LIB)
	$(call say,LINK,$@ (static))
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(WORKER_LD) -Wl,--fatal-warnings -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/vectors.h tests/unit/sha256_vectors.h $(LIB)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -DTTT_SRCDIR='"$(CURDIR)"' $(LDFLAGS) -o $@ $< $(LIB) -lcmocka $(LIBS)

$(BUILD)/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

# Debian packages the build and the tests use; apt-get only runs when one is missing.
DEB_PKGS := build-essential clang llvm libbearssl-dev libseccomp-dev libcap-ng-dev \
            libcmocka-dev iproute2 iputils-ping socat fastd iperf3 tcpdump nftables \
            procps mandoc systemd shellcheck openssl python3 linux-perf strace \
            libclang-rt-14-dev xxd debhelper dpkg-dev lintian blhc prometheus \
            frama-c-base why3 z3 cvc4
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing $$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# make prove (mk/prove.mk) takes about a minute on an idle machine: part of check.
check: check-docs check-unit check-asan prove check-e2e check-fuzz

# The README's first screen, CI's command, the module and unit test lists stay
# true, and the documents name the options the binary's --help lists.
check-docs: $(PROG)
	@TTT_BIN=./$(PROG) tests/docs/check_docs.sh

check-unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# End-to-end tests need root (namespaces, tap devices); refuse loudly rather than pass.
check-e2e: $(PROG) $(WORKER_BIN) $(TOOL_BIN) $(HOOK_BIN) $(HOOK_WORKER)
	@if [ "$$(id -u)" != 0 ]; then echo "check-e2e: the end-to-end tests need root" >&2; exit 1; fi
	@BUILD=$(BUILD) TTT_HOOK_BIN=$(CURDIR)/$(HOOK_BIN) tests/e2e/run.sh

# Sanitizer build: clang, its own build directory, no _FORTIFY_SOURCE (ASan replaces it).
check-asan:
	$(MAKE) BUILD=build-asan CC=clang OPT='-O1 -g -fno-omit-frame-pointer' \
	  HARDEN='-fstack-protector-strong -fPIE' \
	  SAN='-fsanitize=address,undefined -fno-sanitize-recover=all' check-unit

# Every libFuzzer harness for CHECK_FUZZ_SECONDS (45) each, one a core; fails
# on any crash, leak, timeout or sanitizer report (mk/fuzz.mk). 45, not
# fuzz-run's 60: CI's whole make check stays under its 30 minutes.
CHECK_FUZZ_SECONDS ?= 45
check-fuzz:
	$(MAKE) --no-print-directory fuzz-run FUZZ_JOBS=$$(nproc) FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS)

clean:
	rm -rf build build-asan build-fuzz build-cov $(PROG)

help:
	@sed -n 's/^#   //p' Makefile $(wildcard mk/*.mk)

-include mk/*.mk
-include $(LIB_OBJ:.o=.d) $(BUILD)/src/main.d $(BUILD)/src/worker_main.d $(HOOK_OBJ:.o=.d) \
  $(BUILD)/hooks/src/worker_main.d

# The README's main job: a tunnel between two namespaces, pinged both ways.
.PHONY: demo
demo: $(PROG)
	@if [ "$$(id -u)" != 0 ]; then echo "demo: needs root (namespaces, tap devices)" >&2; exit 1; fi
	@scripts/demo.sh

# make coverage: line and branch coverage of the core modules by the unit
# tests and the fuzz corpora together. Source-based (clang
# -fprofile-instr-generate -fcoverage-mapping), in build-cov/, never $(BUILD).
#
#   make coverage             unit tests + every harness over its corpus, then the table
#   make coverage COV_SRC=... report other files
# The HTML view (per line, per branch) lands in build-cov/html/index.html.

COV_BUILD     ?= build-cov
COV_CC        ?= clang
# Prefer the unversioned names Debian's "llvm" package installs, else llvm-14's.
LLVM_PROFDATA ?= $(firstword $(shell command -v llvm-profdata llvm-profdata-14 2>/dev/null) llvm-profdata)
LLVM_COV      ?= $(firstword $(shell command -v llvm-cov llvm-cov-14 2>/dev/null) llvm-cov)
# The pure modules the unit tests and the harnesses exercise (src/stamp.c
# became part of src/reflect.c); a file that does not exist is skipped.
COV_SRC       ?= $(wildcard src/frame.c src/replay.c src/reflect.c src/keyring.c src/keyfile.c \
                 src/verdict.c src/timers.c src/cli.c src/stats.c \
                 src/addr.c src/ipc.c src/gso.c)
COV_FLAGS     := -fprofile-instr-generate -fcoverage-mapping
# Warnings stay on but are not errors here: the daemon's own build (and
# check-asan) police them; a warning in a module under construction elsewhere
# in the tree must not stop the measurement.
COV_CFLAGS    := -std=c11 -O0 -g $(filter-out -Werror,$(WARN)) $(COV_FLAGS)

COV_LIB_OBJ   := $(LIB_SRC:%.c=$(COV_BUILD)/%.o)
COV_LIB       := $(COV_BUILD)/libttt.a
COV_UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(COV_BUILD)/tests/%)
COV_FUZZ      := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
COV_FUZZ_BIN  := $(COV_FUZZ:%=$(COV_BUILD)/fuzz/%)

.PHONY: coverage

$(COV_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(COV_CC) $(CPPFLAGS) $(COV_CFLAGS) -MMD -MP -c -o $@ $<

$(COV_LIB): $(COV_LIB_OBJ)
	$(AR) rcs $@ $^

$(COV_BUILD)/tests/%: tests/unit/%.c $(COV_LIB)
	@mkdir -p $(dir $@)
	$(COV_CC) $(CPPFLAGS) $(COV_CFLAGS) -DTTT_SRCDIR='"$(CURDIR)"' -o $@ $< $(COV_LIB) -lcmocka $(LIBS)

# libFuzzer's main() runs the corpus (-runs=0); only the harness carries
# libFuzzer's own coverage hooks, the modules only the profile counters.
$(COV_BUILD)/fuzz/%: fuzz/%.c $(COV_LIB)
	@mkdir -p $(dir $@)
	$(COV_CC) $(CPPFLAGS) $(COV_CFLAGS) -fsanitize=fuzzer -o $@ $< $(COV_LIB) $(LIBS)

coverage: $(COV_UNIT_BIN) $(COV_FUZZ_BIN)
	@rm -rf $(COV_BUILD)/prof && mkdir -p $(COV_BUILD)/prof
	@failed=; \
	for t in $(COV_UNIT_BIN); do \
	  echo "== $$t"; \
	  LLVM_PROFILE_FILE=$(COV_BUILD)/prof/$$(basename $$t)-%p.profraw $$t \
	    >$(COV_BUILD)/prof/$$(basename $$t).log 2>&1 || failed="$$failed $$t"; \
	done; \
	for h in $(COV_FUZZ); do \
	  echo "== $(COV_BUILD)/fuzz/$$h over fuzz/corpus/$$h ($$(ls fuzz/corpus/$$h | wc -l) inputs)"; \
	  LLVM_PROFILE_FILE=$(COV_BUILD)/prof/$$h-%p.profraw $(COV_BUILD)/fuzz/$$h -runs=0 \
	    -artifact_prefix=$(COV_BUILD)/prof/ fuzz/corpus/$$h \
	    >$(COV_BUILD)/prof/$$h.log 2>&1 || failed="$$failed $$h"; \
	done; \
	$(LLVM_PROFDATA) merge -sparse -o $(COV_BUILD)/merged.profdata $(COV_BUILD)/prof/*.profraw || exit 1; \
	objs="$(firstword $(COV_UNIT_BIN) $(COV_FUZZ_BIN)) $(patsubst %,-object %,$(wordlist 2,999,$(COV_UNIT_BIN) $(COV_FUZZ_BIN)))"; \
	$(LLVM_COV) report -instr-profile=$(COV_BUILD)/merged.profdata $$objs \
	  -show-region-summary=false -show-branch-summary=true $(COV_SRC) || exit 1; \
	$(LLVM_COV) show -format=html -output-dir=$(COV_BUILD)/html -show-branches=count \
	  -instr-profile=$(COV_BUILD)/merged.profdata $$objs $(COV_SRC) >/dev/null || exit 1; \
	echo "coverage: per-line view in $(COV_BUILD)/html/index.html"; \
	if [ -n "$$failed" ]; then \
	  echo "coverage: these failed (logs in $(COV_BUILD)/prof/):$$failed" >&2; exit 1; \
	fi

-include $(wildcard $(COV_BUILD)/src/*.d $(COV_BUILD)/sandbox/*.d)

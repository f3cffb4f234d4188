# libFuzzer harnesses (fuzz/fuzz_*.c), built with clang and ASan + UBSan in
# their own directory, never in $(BUILD).
#
#   make fuzz                       build every harness
#   make fuzz-run [FUZZ_SECONDS=60] run each on a copy of its corpus; fails on any finding
#        [FUZZ_SKIP="name ..."]     leave harnesses out (printed as SKIP, never as passed)
#   make fuzz-repro HARNESS=name FILE=path   re-run one input
#   make fuzz-merge                 fold a run's new coverage into fuzz/corpus (minimised)

FUZZ_BUILD   ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
# -O1: fast enough to fuzz, still exact stack traces. Same warnings as the tree.
FUZZ_CFLAGS  := -std=c11 -g -O1 -fno-omit-frame-pointer $(WARN) $(FUZZ_SAN)

# Each harness links only the modules it exercises, compiled with the same
# sanitizers plus coverage feedback, so a module being written elsewhere in
# the tree cannot break the fuzz build. Add a line per new harness.
# frame.c computes pairs of MACs with hmac_x2.c, which may run sha256_ni*.c.
FUZZ_SHA256 := src/hmac_x2.c src/sha256_ni.c src/sha256_ni_x2.c
FUZZ_MODS_fuzz_frame_decode     := src/frame.c $(FUZZ_SHA256)
FUZZ_MODS_fuzz_frame_decode_mac := src/frame.c $(FUZZ_SHA256)
FUZZ_MODS_fuzz_frame_roundtrip  := src/frame.c $(FUZZ_SHA256)
FUZZ_MODS_fuzz_hmac_x2          := src/frame.c $(FUZZ_SHA256)
FUZZ_MODS_fuzz_replay           := src/replay.c
FUZZ_MODS_fuzz_reflect          := src/reflect.c src/replay.c
FUZZ_MODS_fuzz_keyfile          := src/keyfile.c
FUZZ_MODS_fuzz_addr             := src/addr.c
FUZZ_MODS_fuzz_ipc              := src/ipc.c src/cli.c src/hwaddr.c src/text.c src/stats.c \
                                   src/addr.c
FUZZ_MODS_fuzz_gso              := src/gso.c
FUZZ_MODS_fuzz_tso_split        := src/tso.c src/coalesce.c src/pkt.c
FUZZ_MODS_fuzz_tso_coalesce     := src/coalesce.c src/tso.c src/pkt.c
FUZZ_MODS_fuzz_json             := src/json.c src/show.c src/text.c
FUZZ_MODS_fuzz_verdict          := src/verdict.c src/keyring.c src/frame.c src/reflect.c \
                                   src/replay.c src/addr.c src/keepalive.c src/skew.c \
                                   $(FUZZ_SHA256)

# Longest input each harness is given: just past the largest thing it parses.
FUZZ_MAXLEN_fuzz_frame_decode     := 9100	# TTT_MAX_DATAGRAM + 1 and some
FUZZ_MAXLEN_fuzz_frame_decode_mac := 9100	# 27 bytes of parameters + a jumbo frame
FUZZ_MAXLEN_fuzz_frame_roundtrip  := 9200	# 21 + a 128-byte key + a jumbo frame
FUZZ_MAXLEN_fuzz_hmac_x2          := 4600	# 4 + a 255-byte key + two messages past 2 KiB
FUZZ_MAXLEN_fuzz_replay           := 4096	# a few thousand timestamps
FUZZ_MAXLEN_fuzz_reflect          := 4096	# a few thousand stamps and checks
FUZZ_MAXLEN_fuzz_keyfile          := 4200	# TTT_KEYFILE_MAX + 1 and some
FUZZ_MAXLEN_fuzz_addr             := 400	# TTT_ADDR_SPEC_MAX + 1 and some
FUZZ_MAXLEN_fuzz_ipc              := 2200	# TTT_IPC_MSG_MAX (4 + the 2144-byte config) + 1 and some
FUZZ_MAXLEN_fuzz_json             := 4096	# a status file is under 2 KiB; the 16 KiB bound has its unit test
FUZZ_MAXLEN_fuzz_gso              := 256	# 7 bytes of limits + TTT_GSO_MAX_SEGS lengths of 3, and some
FUZZ_MAXLEN_fuzz_tso_split        := 9200	# 1 + a vnet header + a frame of a few thousand segments
FUZZ_MAXLEN_fuzz_tso_coalesce     := 2048	# 3 bytes of flow + MAX_FRAMES operations, and raw frames
FUZZ_MAXLEN_fuzz_verdict          := 1024	# 9 bytes of set-up + VM_STEPS_MAX operations of 5

FUZZ_NAMES := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_BINS  := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/%)

.PHONY: fuzz fuzz-run fuzz-repro fuzz-merge

fuzz: $(FUZZ_BINS)

$(FUZZ_BUILD)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_MODFLAGS) -MMD -MP -c -o $@ $<

# reflect.c clears its whole ring (64 Ki words for a 3 s window) on each
# input's first stamp; with comparison tracing every loop test calls into
# libFuzzer, which took 80% of the time. It has no magic values to guess, so
# it does without.
$(FUZZ_BUILD)/src/reflect.o: FUZZ_MODFLAGS := -fno-sanitize-coverage=trace-cmp

$(FUZZ_BUILD)/fuzz/%.o: fuzz/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -c -o $@ $<

define FUZZ_LINK
$(FUZZ_BUILD)/$(1): $(FUZZ_BUILD)/fuzz/$(1).o $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(FUZZ_MODS_$(1)))
	$$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $$@ $$^ -lbearssl
endef
$(foreach h,$(FUZZ_NAMES),$(if $(FUZZ_MODS_$(h)),,$(error $(h): no FUZZ_MODS_$(h) in mk/fuzz.mk)))
$(foreach h,$(FUZZ_NAMES),$(eval $(call FUZZ_LINK,$(h))))

FUZZ_SKIP     ?=
FUZZ_JOBS     ?= 1	# harnesses at a time; make check runs one a core
FUZZ_RUN_ARGS = $(foreach h,$(filter-out $(FUZZ_SKIP),$(FUZZ_NAMES)),$(h):$(or $(strip $(FUZZ_MAXLEN_$(h))),4096))

fuzz-run: $(FUZZ_BINS)
	@$(foreach h,$(filter $(FUZZ_SKIP),$(FUZZ_NAMES)),echo "SKIP $(h) (FUZZ_SKIP)";)
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) \
	  fuzz/run.sh run $(FUZZ_RUN_ARGS)

fuzz-repro:
	@test -n "$(HARNESS)" -a -n "$(FILE)" || \
	  { echo "usage: make fuzz-repro HARNESS=name FILE=path" >&2; exit 2; }
	@$(MAKE) --no-print-directory $(FUZZ_BUILD)/$(HARNESS)
	@FUZZ_BUILD=$(FUZZ_BUILD) fuzz/run.sh repro $(HARNESS):$(or $(strip $(FUZZ_MAXLEN_$(HARNESS))),4096) "$(FILE)"

# Deliberately writes to fuzz/corpus: run after fuzz-run, review, commit.
fuzz-merge: $(FUZZ_BINS)
	@FUZZ_BUILD=$(FUZZ_BUILD) fuzz/run.sh merge $(FUZZ_RUN_ARGS)

-include $(wildcard $(FUZZ_BUILD)/src/*.d $(FUZZ_BUILD)/fuzz/*.d)

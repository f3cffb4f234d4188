# Frama-C's value analysis (EVA) on the pure core: each driver in proofs/
# hands one entry point every input at once, and the run fails on any
# alarm (proofs/run.sh, proofs/README).
#
#   make prove                    every driver in proofs/; fails on any alarm
#   make prove PROVE=frame_decode one driver (the part of its name after prove_)

PROVE_BUILD   ?= $(BUILD)/prove
PROVE_DRIVERS := $(wildcard proofs/prove_*.c)
PROVE_NAMES   := $(PROVE_DRIVERS:proofs/prove_%.c=%)
PROVE         ?= $(PROVE_NAMES)

.PHONY: prove $(PROVE:%=prove-%)

prove: $(PROVE:%=prove-%)
	@echo "prove: $(words $(PROVE)) drivers, zero alarms, every property proved (logs in $(PROVE_BUILD)/)"

$(PROVE:%=prove-%): prove-%:
	@proofs/run.sh proofs/prove_$*.c $(PROVE_BUILD)

# make bench: tinytaptunnel against the bare veth underlay, socat's
# unauthenticated tap-over-UDP forwarder (connected UDP, -b 8192) and fastd
# (tap, null+salsa2012+umac: authenticated), side by side in one run (TCP
# both ways, 64-byte UDP, ping RTT (median and mean), CPU per GB, peak RSS
# of an end and of its worker alone, allocations under load, syscalls per
# frame). Two network namespaces the
# script creates and deletes; nothing outside them. Needs root, iperf3, socat
# and fastd; perf (linux-perf) or strace counts the syscalls. About 8
# minutes (four paths, some 120 s a path), cut at 13; with BENCH_COMPARE (a
# fifth path) about 11, cut at 15: the limit grows with the number of paths,
# with room for a shared, loaded machine. It never fails on a figure, only
# when a figure could not be taken.
# TTT_BIN=/path/to/binary benchmarks another build; BENCH_COMPARE=/path/to/
# another/tinytaptunnel (BENCH_TTT_BASE, its older name, works too) adds that
# build as a fifth path in the same rounds, with a column of its own and the
# ratios ttt/base; BENCH_ROUNDS, BENCH_TCP_SECONDS, BENCH_UDP_SECONDS shorten
# or lengthen it (BENCH_UDP_RUNS: UDP tests a path a round, 3); BENCH_TTT_OPTS passes options to every tinytaptunnel daemon
# (e.g. "--threads 2"); BENCH_UDP_PLACEMENT=1 adds, at the end, the 64-byte
# UDP test on socat and ttt under three pinnings of iperf3 and the two ends
# to the two CPUs (some 90 s more; the limit grows by 120).

BENCH_NET_LIMIT ?= $(if $(BENCH_COMPARE)$(BENCH_TTT_BASE),900,780)
BENCH_PLACE_LIMIT := $(if $(filter 1,$(BENCH_UDP_PLACEMENT)),120,0)

.PHONY: bench
bench: $(PROG)
	@if [ "$$(id -u)" != 0 ]; then echo "bench: needs root (namespaces, tap devices)" >&2; exit 1; fi
	@timeout --foreground $$(($(BENCH_NET_LIMIT) + $(BENCH_PLACE_LIMIT))) scripts/bench.sh

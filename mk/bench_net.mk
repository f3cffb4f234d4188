# make bench: tinytaptunnel against the bare veth underlay and socat's
# unauthenticated tap-over-UDP forwarder, side by side in one run (TCP both
# ways, 64-byte UDP, ping RTT, CPU per GB, the worker's peak RSS, allocations
# under load, syscalls per frame). Two network namespaces the script creates
# and deletes; nothing outside them. Needs root, iperf3 and socat; perf
# (linux-perf) or strace counts the syscalls. About 5 minutes, cut at 7. It
# never fails on a figure, only when a figure could not be taken.
# TTT_BIN=/path/to/binary benchmarks another build; BENCH_TTT_BASE=/path/to/
# another/tinytaptunnel adds that build as a fourth path in the same rounds,
# with a column of its own and the ratios ttt/base (about 5.5 minutes: the
# limit stays 7); BENCH_ROUNDS, BENCH_TCP_SECONDS, BENCH_UDP_SECONDS shorten
# or lengthen it; BENCH_TTT_OPTS passes options to every tinytaptunnel daemon
# (e.g. "--threads 2").

BENCH_NET_LIMIT ?= 420

.PHONY: bench
bench: $(PROG)
	@if [ "$$(id -u)" != 0 ]; then echo "bench: needs root (namespaces, tap devices)" >&2; exit 1; fi
	@timeout --foreground $(BENCH_NET_LIMIT) scripts/bench.sh

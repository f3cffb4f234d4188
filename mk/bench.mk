# make bench-codec: frame codec and HMAC-SHA256 throughput for each SHA-256
# implementation (portable BearSSL, SHA-NI when the CPU has it), next to
# OpenSSL's HMAC-SHA256 on 1024-byte buffers. About 10 s; it never fails on
# speed, only if the codec misbehaves.

BENCH_CODEC_BIN := $(BUILD)/bench/bench_codec
# CPU seconds per case of our own measurements (8 cases at most).
BENCH_SECONDS   ?= 0.4
# One buffer size, the one compared: the full size sweep would take 18 s.
# -mr: machine-readable, so the 1024-byte figure is found by its size, not by
# the layout of a table (+H: the sizes; +F: bytes per second for each).
BENCH_OPENSSL   ?= openssl speed -mr -seconds 3 -bytes 1024 -hmac sha256

.PHONY: bench-codec

$(BENCH_CODEC_BIN): bench/bench_codec.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

# OpenSSL first, while nothing of ours is warm; its figure goes to -r.
bench-codec: $(BENCH_CODEC_BIN)
	@ref=; \
	if command -v openssl >/dev/null 2>&1; then \
	  echo "bench-codec: $(BENCH_OPENSSL)"; \
	  ref=$$($(BENCH_OPENSSL) 2>/dev/null | awk -F: ' \
	    $$1 == "+H" { for (i = 2; i <= NF; i++) if ($$i == 1024) col = i + 2 } \
	    $$1 == "+F" && col { print $$col }'); \
	  [ -n "$$ref" ] || echo "bench-codec: no 1024-byte figure from openssl speed; no comparison"; \
	else \
	  echo "bench-codec: openssl is not installed; no comparison"; \
	fi; \
	$(BENCH_CODEC_BIN) -t $(BENCH_SECONDS) $${ref:+-r "$$ref"}

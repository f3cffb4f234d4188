/*
 * bench_codec: frame codec and HMAC-SHA256 throughput for each SHA-256
 * implementation this CPU can run (see sha256_ni.h). Run by `make bench-codec`,
 * which also runs `openssl speed` and passes its 1024-byte HMAC figure in -r.
 *
 *   bench_codec [-t seconds-per-case] [-r openssl-hmac-1k-bytes-per-second]
 *
 * Rates are per CPU-second of this thread, which is what `openssl speed`
 * divides by too: on a shared machine wall-clock rates would measure the
 * neighbours. It is a measurement, never a test: it fails only if a frame
 * does not decode, or on bad arguments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bearssl_hmac.h>

#include "frame.h"
#include "hmac_x2.h"
#include "sha256_ni.h"
#include "wire.h"

#define CASE_SECONDS_DEFAULT 0.4	/* 2 classes x 4 cases: a few seconds */
#define CASE_SECONDS_MIN     0.05
#define CASE_SECONDS_MAX     5.0
#define WARMUP_SECONDS       0.05	/* let the clock ramp up, caches fill */
#define BATCH                64	/* operations between clock reads */
#define HMAC_MSG_LEN         1024
#define HMAC_MSG_MAX         1400	/* a full frame's worth: the 1.4 KiB case */
#define BENCH_KEY_LEN        32
#define BASE_TS              INT64_C(1764000000000000000)
#define BYTES_PER_MB         1e6	/* MB here is 10^6 bytes, as openssl's k is 10^3 */

static const size_t frame_sizes[] = { 64, 512, TTT_DEFAULT_MAX_FRAME };
/* The two-at-a-time comparison: openssl's size, and a tunnel's full frame. */
static const size_t pair_sizes[] = { HMAC_MSG_LEN, HMAC_MSG_MAX };

/* Results flow into this so the compiler cannot drop the work. */
static volatile uint8_t sink;

struct timing {
	double cpu;	/* seconds of this thread's CPU time */
	double wall;
	uint64_t ops;
};

static double
now_s(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0) {
		perror("bench_codec: clock_gettime");
		exit(1);
	}
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Totals over all cases, to tell the reader whether the cores were shared. */
static double total_cpu, total_wall;

typedef void (*batch_fn)(void *arg, uint64_t first);

/* Run fn in batches of BATCH until seconds of CPU time have gone. */
static struct timing
measure(batch_fn fn, void *arg, double seconds)
{
	struct timing t = { 0, 0, 0 };
	double c0, w0, c;
	uint64_t n = 0;

	c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
	do {
		fn(arg, n);
		n += BATCH;
	} while (now_s(CLOCK_THREAD_CPUTIME_ID) - c0 < WARMUP_SECONDS);

	c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
	w0 = now_s(CLOCK_MONOTONIC);
	do {
		fn(arg, n + t.ops);
		t.ops += BATCH;
		c = now_s(CLOCK_THREAD_CPUTIME_ID);
	} while (c - c0 < seconds);
	t.cpu = c - c0;
	t.wall = now_s(CLOCK_MONOTONIC) - w0;
	total_cpu += t.cpu;
	total_wall += t.wall;
	return t;
}

struct codec_case {
	const struct ttt_mac_key *key;
	const uint8_t *frame;
	size_t len;
	uint8_t *dgram;
	size_t cap;
};

/* Encode a frame and decode it again, as the two tunnel ends would. */
static void
codec_batch(void *arg, uint64_t first)
{
	const struct codec_case *cc = arg;
	const struct ttt_frame_limits lim = {
		.window_ns = TTT_DEFAULT_WINDOW_NS,
		.max_frame = TTT_DEFAULT_MAX_FRAME,
	};

	for (uint64_t i = first; i < first + BATCH; i++) {
		int64_t ts = BASE_TS + (int64_t)i;
		struct ttt_frame_view v;
		enum ttt_frame_status st;
		size_t n;

		n = ttt_frame_encode(cc->key, ts, cc->frame, cc->len, cc->dgram, cc->cap);
		st = ttt_frame_decode(cc->key, ts, &lim, cc->dgram, n, &v);
		if (st != TTT_FRAME_OK) {
			fprintf(stderr, "bench_codec: a %zu-byte frame decoded as %s\n",
			    cc->len, ttt_frame_status_name(st));
			exit(1);
		}
		sink ^= v.frame[0];
	}
}

struct hmac_case {
	const br_hmac_key_context *kc;
	const uint8_t *msg;
	size_t len;
};

/* One MAC per message from the processed key, as openssl speed -hmac does. */
static void
hmac_batch(void *arg, uint64_t first)
{
	const struct hmac_case *hc = arg;
	uint8_t mac[TTT_MAC_LEN];

	(void)first;
	for (int i = 0; i < BATCH; i++) {
		br_hmac_context ctx;

		br_hmac_init(&ctx, hc->kc, 0);
		br_hmac_update(&ctx, hc->msg, hc->len);
		br_hmac_out(&ctx, mac);
		sink ^= mac[0];
	}
}

/* Two MACs a call (hmac_x2.h): BATCH messages, as hmac_batch. */
static void
hmac_x2_batch(void *arg, uint64_t first)
{
	const struct hmac_case *hc = arg;
	uint8_t mac0[TTT_MAC_LEN], mac1[TTT_MAC_LEN];

	(void)first;
	for (int i = 0; i < BATCH; i += 2) {
		ttt_hmac_x2(hc->kc, hc->msg, hc->len, hc->msg + 1, hc->len, mac0, mac1);
		sink ^= mac0[0] ^ mac1[0];
	}
}

/* MB/s of HMAC over len-byte messages, one at a time or two at a time. */
static double
hmac_rate(const br_hmac_key_context *kc, const uint8_t *msg, size_t len, int pairs,
    double seconds)
{
	struct hmac_case hc = { kc, msg, len };
	struct timing t = measure(pairs ? hmac_x2_batch : hmac_batch, &hc, seconds);

	return (double)t.ops * (double)len / t.cpu / BYTES_PER_MB;
}

/* SHA-NI one message at a time against two at a time (hmac_x2.h). */
static void
print_pairs(const br_hash_class *ni, const uint8_t *key, size_t klen, const uint8_t *msg,
    double seconds, double openssl_bps)
{
	br_hmac_key_context kc;

	br_hmac_key_init(&kc, ni, key, klen);
	printf("\nHMAC-SHA256 on SHA-NI, one message at a time and two at a time\n");
	printf("  %-8s %12s %12s %8s %12s\n", "bytes", "single MB/s", "2-way MB/s", "2-way/1",
	    "2-way/openssl");
	for (size_t s = 0; s < sizeof(pair_sizes) / sizeof(pair_sizes[0]); s++) {
		double one = hmac_rate(&kc, msg, pair_sizes[s], 0, seconds);
		double two = hmac_rate(&kc, msg, pair_sizes[s], 1, seconds);

		printf("  %-8zu %12.1f %12.1f %7.2fx", pair_sizes[s], one, two, two / one);
		if (openssl_bps > 0 && pair_sizes[s] == HMAC_MSG_LEN)
			printf(" %11.2fx\n", two / (openssl_bps / BYTES_PER_MB));
		else
			printf(" %12s\n", "-");
	}
	explicit_bzero(&kc, sizeof(kc));
}

static double
parse_positive(const char *s, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0)) {
		fprintf(stderr, "bench_codec: %s: not a positive number: %s\n", what, s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	static uint8_t frame[TTT_MAX_FRAME], dgram[TTT_MAX_DATAGRAM], msg[HMAC_MSG_MAX + 1];
	const br_hash_class *impl[2];
	const char *impl_name[2];
	uint8_t key[BENCH_KEY_LEN];
	double seconds = CASE_SECONDS_DEFAULT, openssl_bps = 0;
	size_t nimpl = 0;
	int opt;

	while ((opt = getopt(argc, argv, "t:r:")) != -1) {
		switch (opt) {
		case 't':
			seconds = parse_positive(optarg, "-t");
			break;
		case 'r':
			openssl_bps = parse_positive(optarg, "-r");
			break;
		default:
			fprintf(stderr, "usage: bench_codec [-t seconds-per-case] "
			    "[-r openssl-hmac-1k-bytes-per-second]\n");
			return 2;
		}
	}
	/* Bounded whatever is asked: the machine is shared. */
	if (seconds < CASE_SECONDS_MIN)
		seconds = CASE_SECONDS_MIN;
	if (seconds > CASE_SECONDS_MAX)
		seconds = CASE_SECONDS_MAX;

	/* Content does not change the cost of SHA-256; any pattern will do. */
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 131 + 7);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 29 + 3);
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 17 + 1);

	impl[nimpl] = ttt_sha256_select(0);
	impl_name[nimpl++] = "portable";
	if (ttt_sha256_select(1) != NULL) {
		impl[nimpl] = ttt_sha256_select(1);
		impl_name[nimpl++] = "sha-ni";
	}

	printf("bench_codec: %.2f s of CPU per case, rates per CPU-second; MB = 10^6 bytes\n",
	    seconds);
	printf("SHA-NI: %s; ttt_sha256_best() picks %s\n",
	    nimpl > 1 ? "present" : "absent",
	    ttt_sha256_best() == &br_sha256_vtable ? "portable" : "sha-ni");

	printf("\nencode + decode of one frame (HMAC-SHA256 twice)\n");
	printf("  %-10s %8s %14s %12s\n", "impl", "frame B", "frames/s", "frame MB/s");
	for (size_t m = 0; m < nimpl; m++) {
		struct ttt_mac_key k;

		ttt_mac_key_init(&k, impl[m], key, sizeof(key));
		for (size_t s = 0; s < sizeof(frame_sizes) / sizeof(frame_sizes[0]); s++) {
			struct codec_case cc = { &k, frame, frame_sizes[s], dgram, sizeof(dgram) };
			struct timing t = measure(codec_batch, &cc, seconds);
			double fps = (double)t.ops / t.cpu;

			printf("  %-10s %8zu %14.0f %12.1f\n", impl_name[m], frame_sizes[s],
			    fps, fps * (double)frame_sizes[s] / BYTES_PER_MB);
		}
		ttt_mac_key_wipe(&k);
	}

	printf("\nHMAC-SHA256 of %d-byte messages (key processed once)\n", HMAC_MSG_LEN);
	printf("  %-10s %10s %12s\n", "impl", "MB/s", "vs openssl");
	for (size_t m = 0; m < nimpl; m++) {
		br_hmac_key_context kc;
		double mbps;

		br_hmac_key_init(&kc, impl[m], key, sizeof(key));
		mbps = hmac_rate(&kc, msg, HMAC_MSG_LEN, 0, seconds);
		if (openssl_bps > 0)
			printf("  %-10s %10.1f %11.2fx\n", impl_name[m], mbps,
			    mbps / (openssl_bps / BYTES_PER_MB));
		else
			printf("  %-10s %10.1f %12s\n", impl_name[m], mbps, "-");
		explicit_bzero(&kc, sizeof(kc));
	}
	if (openssl_bps > 0)
		printf("  %-10s %10.1f %11.2fx   (openssl speed -hmac sha256, 1024-byte column)\n",
		    "openssl", openssl_bps / BYTES_PER_MB, 1.0);
	else
		printf("  (no OpenSSL figure given with -r: no comparison)\n");

	if (nimpl > 1)
		print_pairs(impl[1], key, sizeof(key), msg, seconds, openssl_bps);

	/* Wall-clock well above CPU time means the figures were taken on a busy machine. */
	printf("\nwall-clock / CPU time over all cases: %.2f%s\n", total_wall / total_cpu,
	    total_wall / total_cpu > 1.1 ? " (the cores were shared; figures are noisy)" : "");
	return 0;
}

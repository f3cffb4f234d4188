/*
 * The replay filter against a reference model, over fuzzed timestamp
 * sequences with reordering, re-sends and int64 extremes.
 *
 * What replay.h promises, stated as the model checks it. Let A be the list
 * of timestamps accepted so far, in arrival order; the filter remembers the
 * last TTT_REPLAY_DEPTH of them, and floor = max of the older ones (none at
 * first). For a new ts:
 *   - ts <= floor                      -> TOO_OLD (refused)
 *   - ts in A (hence remembered)       -> DUPLICATE (refused)
 *   - otherwise accepted: NEWEST when ts > max(A) (or A is empty), else
 *     REORDERED.
 * So: a duplicate is never accepted; a fresh strictly-newest timestamp is
 * never refused; and a timestamp never seen and above every value accepted
 * more than TTT_REPLAY_DEPTH acceptances ago is accepted however late it
 * comes. The harness checks those three properties by name, then the exact
 * verdict.
 *
 * ttt_replay_set_floor(f) is modelled as one more forgotten value: floor =
 * max(floor, f).
 *
 * Input: mode (1 byte, reserved), hash seed (8), start value (8), then
 * operations, one byte each plus arguments:
 *   00aaaaaa  next fresh value: cur += 1 + a (a < 48), or a burst of
 *             16 * (a - 47) consecutive fresh values (a >= 48)
 *   01aaaaaa  behind: cur - (1 + a + 64 * next byte), cur unchanged
 *   10aaaaaa  re-send: an earlier offered value, picked by the next 2 bytes
 *   11aaaaaa  raw int64 (next 8 bytes): offered (a bit 1 clear) or set as
 *             floor (a bit 1 set, as a new worker does); becomes cur when
 *             a is odd
 */
#include "fuzz_common.h"
#include "replay.h"

#define MAX_OPS 4096	/* timestamps offered per input; bounds the model */

struct model {
	int64_t acc[MAX_OPS];		/* accepted, in arrival order */
	int64_t sorted[MAX_OPS];	/* the same, sorted, for lookups */
	size_t nacc;
	int64_t floor, top;
	int have_floor, have_top;
};

static struct model m;
static struct ttt_replay filter;
static int64_t offered[MAX_OPS];
static size_t noffered;

/* Index of the first element >= ts. */
static size_t
lower_bound(const int64_t *a, size_t n, int64_t ts)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid] < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
model_seen(int64_t ts)
{
	size_t i = lower_bound(m.sorted, m.nacc, ts);

	return i < m.nacc && m.sorted[i] == ts;
}

static void
model_accept(int64_t ts)
{
	size_t i = lower_bound(m.sorted, m.nacc, ts);

	memmove(&m.sorted[i + 1], &m.sorted[i], (m.nacc - i) * sizeof(m.sorted[0]));
	m.sorted[i] = ts;
	m.acc[m.nacc++] = ts;
	if (!m.have_top || ts > m.top) {
		m.top = ts;
		m.have_top = 1;
	}
	/* The acceptance that just fell out of the last TTT_REPLAY_DEPTH. */
	if (m.nacc > TTT_REPLAY_DEPTH) {
		int64_t old = m.acc[m.nacc - TTT_REPLAY_DEPTH - 1];

		if (!m.have_floor || old > m.floor)
			m.floor = old;
		m.have_floor = 1;
	}
}

static const char *
verdict_name(enum ttt_replay_verdict v)
{
	switch (v) {
	case TTT_REPLAY_NEWEST: return "newest";
	case TTT_REPLAY_REORDERED: return "reordered";
	case TTT_REPLAY_DUPLICATE: return "duplicate";
	case TTT_REPLAY_TOO_OLD: return "too old";
	}
	return "invalid";
}

static void
fail(const char *what, int64_t ts, enum ttt_replay_verdict got,
    enum ttt_replay_verdict want)
{
	fprintf(stderr, "replay: %s: ts %lld after %zu accepted (top %lld, floor %s%lld): "
	    "filter says %s, model says %s\n", what, (long long)ts, m.nacc,
	    (long long)m.top, m.have_floor ? "" : "none ", (long long)m.floor,
	    verdict_name(got), verdict_name(want));
	abort();
}

static void
offer(int64_t ts)
{
	enum ttt_replay_verdict got, want;
	int seen, fresh_newest, above_floor;

	if (noffered == MAX_OPS)
		return;
	offered[noffered++] = ts;

	seen = model_seen(ts);
	fresh_newest = !m.have_top || ts > m.top;
	above_floor = !m.have_floor || ts > m.floor;
	if (!above_floor)
		want = TTT_REPLAY_TOO_OLD;
	else if (seen)
		want = TTT_REPLAY_DUPLICATE;
	else
		want = fresh_newest ? TTT_REPLAY_NEWEST : TTT_REPLAY_REORDERED;

	got = ttt_replay_update(&filter, ts);
	if (seen && ttt_replay_accepted(got))
		fail("duplicate accepted", ts, got, want);
	/* Without set_floor the floor is always below the newest; with it, a
	 * floor set above every timestamp refuses even a new newest one. */
	if (fresh_newest && above_floor && !ttt_replay_accepted(got))
		fail("fresh newest timestamp refused", ts, got, want);
	if (!seen && above_floor && !ttt_replay_accepted(got))
		fail("fresh reordered timestamp within the depth refused", ts, got, want);
	if (got != want)
		fail("wrong verdict", ts, got, want);
	if (ttt_replay_accepted(got))
		model_accept(ts);
}

static void
set_floor(int64_t f)
{
	ttt_replay_set_floor(&filter, f);
	if (!m.have_floor || f > m.floor)
		m.floor = f;
	m.have_floor = 1;
}

static void
replay_mode(struct fuzz_in *in, int64_t cur)
{
	while (in->n > 0 && noffered < MAX_OPS) {
		uint8_t op = fuzz_u8(in), a = op & 0x3f;
		uint64_t raw;

		switch (op >> 6) {
		case 0:
			if (a < 48) {
				cur = fuzz_add_wrap(cur, 1 + a);
				offer(cur);
				break;
			}
			for (unsigned i = 0; i < 16u * (a - 47u); i++) {
				cur = fuzz_add_wrap(cur, 1);
				offer(cur);
			}
			break;
		case 1:
			offer(fuzz_add_wrap(cur, -(1 + a + 64 * (int64_t)fuzz_u8(in))));
			break;
		case 2:
			raw = fuzz_u16(in);
			offer(noffered > 0 ? offered[noffered - 1 - raw % noffered] : cur);
			break;
		default:
			raw = fuzz_u64(in);
			if (a & 2)
				set_floor(fuzz_i64(raw));
			else
				offer(fuzz_i64(raw));
			if (a & 1)
				cur = fuzz_i64(raw);
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint64_t seed;
	int64_t start;

	(void)fuzz_u8(&in);	/* reserved: keeps the checked-in corpus valid */
	seed = fuzz_u64(&in);
	start = fuzz_i64(fuzz_u64(&in));

	memset(&m, 0, sizeof(m));
	noffered = 0;
	ttt_replay_init(&filter, seed);
	replay_mode(&in, start);
	return 0;
}

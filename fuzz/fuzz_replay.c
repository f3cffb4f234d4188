/*
 * The replay filter against the reference model (tests/model/replay_model.h),
 * over fuzzed timestamp sequences with reordering, re-sends, int64
 * extremes and, in grid mode, stamps on the tag grid with tag changes.
 *
 * What replay.h promises, as the model states it: a timestamp at or below
 * the floor is TOO_OLD; one accepted before is DUPLICATE; any other is
 * accepted (NEWEST above all accepted, else REORDERED), but for the grid's
 * refusals by position (beyond its depth, or a position a held stamp has);
 * and the floor is the largest accepted timestamp neither among the last
 * TTT_REPLAY_DEPTH acceptances the ring took nor held by the grid (its tag,
 * its block of positions not recycled), or a floor set from outside. The
 * harness checks three properties by name (a duplicate is never accepted;
 * a fresh newest timestamp above the floor is never refused; nor a fresh
 * reordered one the grid's positions do not refuse), then the exact verdict.
 *
 * Input: mode (1 byte: bit 0, grid mode), hash seed (8), start value (8),
 * then operations, one byte each plus arguments. In grid mode the value
 * `cur` is a slot (its low 16 bits our sender's frame number: fresh values
 * one apart are consecutive frames) and every value offered is
 * (slot << TTT_REPLAY_GRID_BITS) | tag, the tag starting as the start
 * value's low bits:
 *   00aaaaaa  next fresh value: cur += 1 + a (a < 48), or a burst of
 *             16 * (a - 47) consecutive fresh values (a >= 48)
 *   01aaaaaa  behind: cur - (1 + a + 64 * next byte), cur unchanged (in
 *             grid mode twice as far, past the window)
 *   10aaaaaa  re-send: an earlier offered value, picked by the next 2 bytes
 *   11aaaaaa  raw int64 (next 8 bytes): offered (a bit 1 clear) or set as
 *             floor (a bit 1 set, as a new worker does); becomes cur when
 *             a is odd (in grid mode: its slot, and with a bit 2 set its
 *             low bits become the tag: a respawned peer)
 */
#include "fuzz_common.h"
#include "replay.h"
#include "../tests/model/replay_model.h"

#define MAX_OPS 4096	/* timestamps offered per input; bounds the model */

static struct rm_model m;
static int64_t m_acc[MAX_OPS], m_sorted[MAX_OPS], m_grid[MAX_OPS], m_grid_at[MAX_OPS];
static struct ttt_replay filter;
static int64_t offered[MAX_OPS];
static size_t noffered;
static int grid_mode;
static int64_t grid_tag;

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
	fprintf(stderr, "replay: %s: ts %lld after %zu accepted (top %lld, floor %s%lld, "
	    "grid %s tag %u top %lld): filter says %s, model says %s\n", what, (long long)ts,
	    m.nacc, (long long)m.top, m.have_floor ? "" : "none ", (long long)m.floor,
	    m.have_grid ? "on" : "off", m.tag, (long long)m.grid_top, verdict_name(got),
	    verdict_name(want));
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

	seen = rm_ever(&m, ts);
	fresh_newest = !m.have_top || ts > m.top;
	above_floor = !m.have_floor || ts > m.floor;
	want = rm_update(&m, ts);
	got = ttt_replay_update(&filter, ts);
	if (seen && ttt_replay_accepted(got))
		fail("duplicate accepted", ts, got, want);
	/* Without set_floor the floor is always below the newest; with it, a
	 * floor set above every timestamp refuses even a new newest one. */
	if (fresh_newest && above_floor && !ttt_replay_accepted(got))
		fail("fresh newest timestamp refused", ts, got, want);
	/* Unless the grid may refuse it (replay.h): beyond its depth in
	 * positions, or at a position a held stamp has. */
	if (!seen && above_floor && !m.guarded && !ttt_replay_accepted(got))
		fail("fresh reordered timestamp within the depth refused", ts, got, want);
	if (got != want)
		fail("wrong verdict", ts, got, want);
}

static void
set_floor(int64_t f)
{
	ttt_replay_set_floor(&filter, f);
	rm_set_floor(&m, f);
}

/* What a value `cur` offers: itself, or in grid mode its slot's stamp. */
static int64_t
value(int64_t cur)
{
	if (!grid_mode)
		return cur;
	/* Slots past the int64 range wrap, as cur does. */
	return fuzz_i64((uint64_t)cur << TTT_REPLAY_GRID_BITS | (uint64_t)grid_tag);
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
				offer(value(cur));
				break;
			}
			for (unsigned i = 0; i < 16u * (a - 47u); i++) {
				cur = fuzz_add_wrap(cur, 1);
				offer(value(cur));
			}
			break;
		case 1:
			offer(value(fuzz_add_wrap(cur, -(1 + a + 64 * (int64_t)fuzz_u8(in)) *
			    (grid_mode ? 2 : 1))));
			break;
		case 2:
			raw = fuzz_u16(in);
			offer(noffered > 0 ? offered[noffered - 1 - raw % noffered] : value(cur));
			break;
		default:
			raw = fuzz_u64(in);
			if (a & 2)
				set_floor(fuzz_i64(raw));
			else
				offer(fuzz_i64(raw));
			if (a & 1)
				cur = grid_mode ? fuzz_i64(raw) >> TTT_REPLAY_GRID_BITS : fuzz_i64(raw);
			if (grid_mode && (a & 4))
				grid_tag = (int64_t)(raw & TTT_REPLAY_GRID_MASK);
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

	grid_mode = fuzz_u8(&in) & 1;
	seed = fuzz_u64(&in);
	start = fuzz_i64(fuzz_u64(&in));

	rm_init(&m, m_acc, m_sorted, m_grid, m_grid_at, MAX_OPS);
	noffered = 0;
	grid_tag = start & TTT_REPLAY_GRID_MASK;
	if (grid_mode)
		start >>= TTT_REPLAY_GRID_BITS;
	ttt_replay_init(&filter, seed);
	replay_mode(&in, start);
	return 0;
}

/*
 * UDP segmentation offload (gso.h): ttt_gso_group against the grouping
 * rule, ttt_gro_piece against the grouping.
 *
 * Checked, for any limits and any batch:
 *   - the messages cover the datagrams once each, in order, and there are
 *     no more of them than datagrams (len[] and out[] are allocated to the
 *     exact size, so ASan sees any read or write past them);
 *   - every message is valid: seg is its first datagram's length; at most
 *     max_segs datagrams; and if more than one: seg <= max_seg, all but the
 *     last exactly seg, the last no longer and not empty, the total within
 *     max_bytes;
 *   - greedy: no message but the last could have taken the next datagram
 *     (with it, the message would be invalid);
 *   - round trip: the datagrams of a message back to back, cut as the
 *     receiver cuts a coalesced message (ttt_gro_piece, at least one piece,
 *     segment size 0 for a lone datagram), give back their lengths.
 *
 * Input: selector, max_segs, the limits' bytes the selector asks for, then
 * up to TTT_GSO_MAX_SEGS datagram lengths, one operation each:
 *   selector bits 0-1: max_seg = next 2 bytes, TTT_GSO_SURE_SEG, UINT16_MAX
 *                      or SIZE_MAX
 *            bits 2-3: max_bytes = next 3 bytes, TTT_GSO_MAX_BYTES, SIZE_MAX
 *                      or next 2 bytes
 *   max_segs: 1 + byte % TTT_GSO_MAX_SEGS
 *   00aaaaaa  next 2 bytes, raw (0 .. UINT16_MAX)
 *   01aaaaaa  the previous length again, 1 + a times (runs are what matters)
 *   10aaaaaa  the previous length less a (down to 0)
 *   11aaaaaa  the previous length plus a (up to UINT16_MAX)
 * The previous length starts at TTT_GSO_SURE_SEG.
 */
#include "fuzz_common.h"
#include "gso.h"

#define MAX_DGRAMS TTT_GSO_MAX_SEGS
#define OP_ARG     0x3f

static size_t
msg_bytes(const size_t *len, unsigned first, unsigned count)
{
	size_t total = 0;

	for (unsigned i = first; i < first + count; i++)
		total += len[i];
	return total;
}

/* The rule of gso.h for one message; first + count <= n is the caller's. */
static int
msg_valid(const size_t *len, unsigned first, unsigned count, size_t seg,
    const struct ttt_gso_limits *lim)
{
	if (count == 0 || seg != len[first] || count > lim->max_segs)
		return 0;
	if (count == 1)
		return 1;
	if (seg > lim->max_seg || seg == 0 || len[first + count - 1] == 0 ||
	    len[first + count - 1] > seg || msg_bytes(len, first, count) > lim->max_bytes)
		return 0;
	for (unsigned i = first; i < first + count - 1; i++)
		if (len[i] != seg)
			return 0;
	return 1;
}

static void
check_round_trip(const size_t *len, const struct ttt_gso_msg *m)
{
	size_t total = msg_bytes(len, m->first, m->count), off = 0;
	size_t seg = m->count > 1 ? m->seg : 0;
	unsigned i = m->first;

	do {
		size_t p = ttt_gro_piece(total, seg, off);

		FUZZ_CHECK(i < m->first + m->count);
		FUZZ_CHECK(p == len[i]);
		off += p;
		i++;
	} while (off < total);
	FUZZ_CHECK(off == total);
	FUZZ_CHECK(i == m->first + m->count);
}

static size_t
read_max_seg(uint8_t sel, struct fuzz_in *in)
{
	switch (sel & 3) {
	case 0: return fuzz_u16(in);
	case 1: return TTT_GSO_SURE_SEG;
	case 2: return UINT16_MAX;
	default: return SIZE_MAX;
	}
}

static size_t
read_max_bytes(uint8_t sel, struct fuzz_in *in)
{
	switch (sel >> 2 & 3) {
	case 0: {
		size_t hi = fuzz_u8(in);

		return hi << 16 | fuzz_u16(in);
	}
	case 1: return TTT_GSO_MAX_BYTES;
	case 2: return SIZE_MAX;
	default: return fuzz_u16(in);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	size_t want[MAX_DGRAMS], *len, prev = TTT_GSO_SURE_SEG;
	struct ttt_gso_msg *out;
	struct ttt_gso_limits lim;
	uint8_t sel = fuzz_u8(&in);
	unsigned n = 0, nmsg, next = 0;

	lim.max_segs = 1 + fuzz_u8(&in) % TTT_GSO_MAX_SEGS;
	lim.max_seg = read_max_seg(sel, &in);
	lim.max_bytes = read_max_bytes(sel, &in);
	while (in.n > 0 && n < MAX_DGRAMS) {
		uint8_t op = fuzz_u8(&in), a = op & OP_ARG;

		switch (op >> 6) {
		case 0:
			prev = fuzz_u16(&in);
			want[n++] = prev;
			break;
		case 1:
			for (unsigned k = 0; k <= a && n < MAX_DGRAMS; k++)
				want[n++] = prev;
			break;
		case 2:
			prev = prev > a ? prev - a : 0;
			want[n++] = prev;
			break;
		default:
			prev = prev + a < UINT16_MAX ? prev + a : UINT16_MAX;
			want[n++] = prev;
			break;
		}
	}

	/* Exact sizes (malloc(0) included): ASan catches a step past either. */
	len = malloc(n * sizeof(*len));
	out = malloc(n * sizeof(*out));
	FUZZ_CHECK(n == 0 || (len != NULL && out != NULL));
	if (n > 0)
		memcpy(len, want, n * sizeof(*len));

	nmsg = ttt_gso_group(len, n, &lim, out);
	FUZZ_CHECK(nmsg <= n);
	/* The input is not the module's to change. */
	FUZZ_CHECK(n == 0 || memcmp(len, want, n * sizeof(*len)) == 0);
	for (unsigned k = 0; k < nmsg; k++) {
		const struct ttt_gso_msg *m = &out[k];

		FUZZ_CHECK(m->first == next);
		FUZZ_CHECK(m->count >= 1 && m->count <= n - next);
		FUZZ_CHECK(msg_valid(len, m->first, m->count, m->seg, &lim));
		next += m->count;
		/* Greedy: the next datagram could not have joined. */
		FUZZ_CHECK(next == n || !msg_valid(len, m->first, m->count + 1, m->seg, &lim));
		check_round_trip(len, m);
	}
	FUZZ_CHECK(next == n);
	free(len);
	free(out);
	return 0;
}

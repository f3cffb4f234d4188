/*
 * UDP segmentation offload (gso.h): ttt_gso_group against the grouping
 * rule, ttt_gro_piece against the grouping.
 *
 * Checked, for any limits and any batch, by the model the unit test uses
 * too (tests/model/gso_model.h): coverage, validity, greed and the round
 * trip through ttt_gro_piece. len[] and out[] are allocated to the exact
 * size, so ASan sees any read or write past them, and len[] must come back
 * unchanged.
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
#include "../tests/model/gso_model.h"

#define MAX_DGRAMS TTT_GSO_MAX_SEGS
#define OP_ARG     0x3f

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
	unsigned n = 0, nmsg;

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
	/* The input is not the module's to change. */
	FUZZ_CHECK(n == 0 || memcmp(len, want, n * sizeof(*len)) == 0);
	FUZZ_CHECK(gso_model_check(len, n, &lim, out, nmsg) == NULL);
	free(len);
	free(out);
	return 0;
}

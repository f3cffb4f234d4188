/*
 * The receive verdict (verdict.h) against the model the unit test uses too
 * (tests/model/verdict_model.h): for any run of frames from the peer (good,
 * under another key, flipped, cut, stale, future, too long), our own frames
 * coming back, replays of anything seen, and time passing, from any of
 * three sources, with a fixed peer or a learnt one, every verdict, every
 * delivered frame and every move of the peer is the one the rules predict.
 *
 * Input: a byte (bit 0: fixed peer), 8 bytes of seed (replay hash, our
 * tag), then up to VM_STEPS_MAX operations of 5 bytes: the operation
 * (byte % VM_NOPS) and its four argument bytes (vm_step).
 */
#include "fuzz_common.h"
#include "../tests/model/verdict_model.h"

#define OP_LEN 5

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm_world w;
	struct fuzz_in in = { data, size };
	uint8_t flags = fuzz_u8(&in);

	vm_init(&w, flags & 1, fuzz_u64(&in));
	for (unsigned step = 0; step < VM_STEPS_MAX && in.n >= OP_LEN; step++) {
		uint8_t op = fuzz_u8(&in), a = fuzz_u8(&in), b = fuzz_u8(&in),
		    c = fuzz_u8(&in), e = fuzz_u8(&in);
		const char *why = vm_step(&w, (enum vm_op)(op % VM_NOPS), a, b, c, e);

		if (why != NULL) {
			fprintf(stderr, "step %u: %s\n", step, why);
			FUZZ_CHECK(why == NULL);
		}
	}
	return 0;
}

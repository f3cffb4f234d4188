/*
 * The segmenter (tso.h): any read from the tap, a vnet header and a frame,
 * as hostile as a kernel could make it.
 *
 * Checked: ttt_tso_prepare never reads past the read (an exact-size copy,
 * so ASan sees it); a super-frame it takes is cut into frames that follow
 * the split rule of tests/model/tso_model.h (payload, headers, flags,
 * checksums, each within max_frame, written into exact-size buffers); a
 * frame that is not a super-frame comes out whole and unchanged but for
 * the checksum it completes; and the frames, offered to the coalescer,
 * form runs that cut back into them (the model's round trip).
 *
 * Input: one byte choosing max_frame (0: v1.4's 1432; else 60 + 36 * b, up
 * to jumbo), then the read: struct virtio_net_hdr (host order) and the frame.
 */
#include "fuzz_common.h"
#include "coalesce.h"
#include "tso.h"
#include "../tests/model/tso_model.h"

#define MAX_FRAMES 512	/* frames of a read checked: the first; more only slow the search */

static uint8_t runbuf[TTT_COALESCE_BUF];
static uint8_t check_out[TTT_SUPER_MAX];
static uint8_t *frames[MAX_FRAMES];
static size_t lens[MAX_FRAMES];

static size_t
choose_max_frame(uint8_t b)
{
	return b == 0 ? TTT_DEFAULT_MAX_FRAME : 60 + (size_t)b * 36;
}

/* Cut every frame of t, checked against the model; returns how many. */
static unsigned
cut_all(const struct ttt_tso *t, const uint8_t *orig, size_t olen, size_t max_frame)
{
	unsigned n = t->count < MAX_FRAMES ? t->count : MAX_FRAMES;

	for (unsigned k = 0; k < n; k++) {
		frames[k] = malloc(max_frame);
		FUZZ_CHECK(frames[k] != NULL);
		lens[k] = ttt_tso_frame(t, k, frames[k], max_frame);
		FUZZ_CHECK(lens[k] >= 1 && lens[k] <= max_frame);
		if (t->gso) {
			const char *why = tm_check_segment(orig, olen, t->pkt.payload, t->pkt.l4,
			    t->pkt.v6, t->seg, k, t->count, frames[k], lens[k], max_frame);

			if (why != NULL) {
				fprintf(stderr, "split: %s\n", why);
				abort();
			}
		}
	}
	FUZZ_CHECK(ttt_tso_frame(t, t->count, check_out, sizeof(check_out)) == 0);
	return n;
}

/* Not a super-frame: the frame unchanged, but for a completed checksum. */
static void
check_whole(const struct ttt_tso *t, const uint8_t *orig, size_t olen)
{
	struct virtio_net_hdr h;
	size_t at;

	FUZZ_CHECK(t->count == 1 && lens[0] == olen);
	memcpy(&h, orig - TTT_VNET_LEN, TTT_VNET_LEN);
	at = (size_t)h.csum_start + h.csum_offset;
	for (size_t i = 0; i < olen; i++)
		FUZZ_CHECK(frames[0][i] == orig[i] ||
		    ((h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && (i == at || i == at + 1)));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t max_frame, len;
	uint8_t *buf, *orig;
	struct ttt_tso t;
	unsigned n, writes;
	const char *why;

	if (size < 1)
		return 0;
	max_frame = choose_max_frame(data[0]);
	len = size - 1;
	buf = malloc(len ? len : 1);
	orig = malloc(len ? len : 1);
	FUZZ_CHECK(buf != NULL && orig != NULL);
	memcpy(buf, data + 1, len);
	memcpy(orig, data + 1, len);
	if (ttt_tso_prepare(&t, buf, len, max_frame) != TTT_TSO_OK) {
		free(buf);
		free(orig);
		return 0;
	}
	FUZZ_CHECK(t.frame == buf + TTT_VNET_LEN && t.len == len - TTT_VNET_LEN);
	n = cut_all(&t, orig + TTT_VNET_LEN, len - TTT_VNET_LEN, max_frame);
	if (!t.gso)
		check_whole(&t, orig + TTT_VNET_LEN, len - TTT_VNET_LEN);
	why = tm_coalesce((const uint8_t *const *)frames, lens, n, 1, runbuf, check_out,
	    sizeof(check_out), &writes);
	if (why != NULL) {
		fprintf(stderr, "coalesce: %s\n", why);
		abort();
	}
	FUZZ_CHECK(writes >= 1 && writes <= n);
	for (unsigned k = 0; k < n; k++)
		free(frames[k]);
	free(buf);
	free(orig);
	return 0;
}

/*
 * The coalescer (coalesce.h): runs of a TCP flow's segments or a UDP flow's
 * datagrams as a peer may send them, in order or not, with any header
 * changed, and raw frames; on a tap that takes UDP runs (USO) or not.
 *
 * Checked, by the model the unit test uses too (tests/model/tso_model.h):
 * every run written cuts back, through the segmenter, into exactly the
 * frames that made it (byte for byte but checksum fields, which must be
 * valid); a UDP run only where the tap takes them, and of at most
 * TTT_USO_SEGS_MAX; every other frame is written alone and unchanged;
 * nothing is read past a frame (each in an exact-size buffer, so ASan
 * sees it).
 *
 * Input: a flow byte (bit 0: IPv6; bits 1-4: IPv4 options in words; bits
 * 5-7: TCP options in words), the segment size (2 bytes: bit 15, a VLAN
 * tag; bit 14, a UDP flow; bit 13, a tap without USO; then
 * 1 + v % 1400),
 * then operations, one byte each and its argument a (low 6 bits):
 *   00aaaaaa  the next segment, a bytes shorter than the segment size
 *   01aaaaaa  the next segment with one change (a picks which: a field,
 *             a flag, a gap in sequence or identification, a bad checksum)
 *   10aaaaaa  a raw frame of the next 1 + 4 * a bytes
 *   11aaaaaa  the previous frame again with bit a % 8 of byte (next 2 bytes
 *             % its length) flipped
 */
#include "fuzz_common.h"
#include "coalesce.h"
#include "tso.h"
#include "../tests/model/tso_model.h"

#define MAX_FRAMES 256
#define FRAME_ROOM (TTT_ETH_HLEN + TTT_VLAN_HLEN + TTT_IPV4_HLEN_MAX + TTT_TCP_HLEN_MAX + 1400)

static uint8_t runbuf[TTT_COALESCE_BUF];
static uint8_t check_out[TTT_SUPER_MAX];
static uint8_t work[FRAME_ROOM];
static uint8_t payload[1400];

struct stream {
	struct tm_flow fl;
	size_t mss;
	uint32_t seq;
	uint16_t id;
};

/* A change to one segment: byte offsets within the IPv4 flow's headers, or
 * a field of the flow, a flag, a gap. */
static size_t
segment(struct stream *s, uint8_t op, uint8_t *f)
{
	struct tm_flow fl = s->fl;
	size_t plen = s->mss - ((op >> 6) == 0 ? (op & 0x3f) % s->mss : 0), len;
	uint32_t seq = s->seq;
	uint16_t id = s->id;
	uint8_t flags = TTT_TCP_ACK;

	if ((op >> 6) == 1) {
		switch (op & 0x0f) {
		case 0: fl.ack++, fl.sport_add++; break;
		case 1: fl.window--; break;
		case 2: fl.ttl--; break;
		case 3: fl.tos ^= 4; break;
		case 4: fl.opt_fill ^= 1; break;
		case 5: seq += 1; break;
		case 6: id += 2; break;
		case 7: flags |= TTT_TCP_PSH; break;
		case 8: flags |= TTT_TCP_FIN; break;
		case 9: flags |= TTT_TCP_SYN; break;
		case 10: flags |= TTT_TCP_CWR; break;
		case 11: flags |= TTT_TCP_ECE; break;
		case 12: flags = 0; break;
		case 13: plen = 0; break;
		case 14: plen = s->mss / 2 + 1; break;
		default: seq -= (uint32_t)s->mss; break;
		}
	}
	for (size_t i = 0; i < plen; i++)
		payload[i] = (uint8_t)(seq + i);
	len = tm_frame(f, &fl, seq, id, flags, payload, plen);
	if ((op >> 6) == 1 && (op & 0x30) == 0x30)
		f[len - 1] ^= 0x80;	/* a bad checksum too */
	s->seq += (uint32_t)plen;
	s->id++;
	return len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t *fr[MAX_FRAMES];
	size_t len[MAX_FRAMES];
	struct stream s;
	uint8_t flow = fuzz_u8(&in);
	unsigned n = 0, writes;
	int uso;
	const char *why;

	memset(&s, 0, sizeof(s));
	s.fl.v6 = flow & 1;
	s.fl.ihl = TTT_IPV4_HLEN + 4 * (size_t)(flow >> 1 & 0x0f) % (TTT_IPV4_HLEN_MAX - 16);
	s.fl.doff = TTT_TCP_HLEN + 4 * (size_t)(flow >> 5);
	s.fl.ttl = 64, s.fl.ack = 99, s.fl.window = 500;
	{
		uint16_t v = fuzz_u16(&in);

		s.fl.vlan = v >> 15;
		s.fl.udp = v >> 14 & 1;
		uso = !(v >> 13 & 1);
		s.mss = 1 + (v & 0x1fff) % sizeof(payload);
	}
	s.seq = 0xfffff000u, s.id = 0xfff0;
	while (in.n > 0 && n < MAX_FRAMES) {
		uint8_t op = fuzz_u8(&in);
		size_t l;

		if (op >> 6 < 2) {
			l = segment(&s, op, work);
		} else if (op >> 6 == 2) {
			l = 1 + 4 * (size_t)(op & 0x3f);
			for (size_t i = 0; i < l; i++)
				work[i] = fuzz_u8(&in);
		} else {
			if (n == 0)
				continue;
			l = len[n - 1];
			memcpy(work, fr[n - 1], l);
			work[fuzz_u16(&in) % l] ^= (uint8_t)(1u << (op & 7));
		}
		fr[n] = malloc(l);
		FUZZ_CHECK(fr[n] != NULL);
		memcpy(fr[n], work, l);
		len[n++] = l;
	}
	why = tm_coalesce((const uint8_t *const *)fr, len, n, uso, runbuf, check_out,
	    sizeof(check_out), &writes);
	if (why != NULL) {
		fprintf(stderr, "%s\n", why);
		abort();
	}
	FUZZ_CHECK(writes <= n);
	for (unsigned k = 0; k < n; k++)
		free(fr[k]);
	return 0;
}

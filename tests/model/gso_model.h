/*
 * The grouping rule of gso.h, stated declaratively, for the unit test and
 * the fuzz harness alike (one model, two drivers):
 *   - coverage: the messages cover datagrams 0 .. n-1 once each, in order;
 *   - validity: a message is a run of equal lengths seg (its first
 *     datagram's length), the last possibly shorter; at most max_segs
 *     datagrams; more than one only if seg <= max_seg, none of them empty
 *     and the total within max_bytes (a lone datagram goes whatever its
 *     size);
 *   - maximality: a message that is not the last could not have taken the
 *     next datagram;
 *   - round trip: the datagrams of a message back to back, cut as the
 *     receiver cuts a coalesced message (ttt_gro_piece, at least one piece,
 *     no segment size for a lone datagram), give back their lengths.
 * Valid and maximal, left to right, leaves exactly one answer.
 *
 * gso_model_check returns NULL, or why the grouping breaks the rule (in a
 * static buffer: one caller at a time).
 */
#ifndef TTT_GSO_MODEL_H
#define TTT_GSO_MODEL_H

#include <stdio.h>

#include "gso.h"

#define GSO_MODEL_WHY 256

static inline size_t
gso_model_bytes(const size_t *len, unsigned first, unsigned count)
{
	size_t total = 0;

	for (unsigned i = first; i < first + count; i++)
		total += len[i];
	return total;
}

/* Could datagrams first .. first + count - 1 go as one message, sized seg?
 * Returns why not, or NULL. */
static inline const char *
gso_model_invalid(const size_t *len, unsigned first, unsigned count, size_t seg,
    const struct ttt_gso_limits *lim)
{
	if (count == 0)
		return "empty";
	if (seg != len[first])
		return "seg is not the first datagram's length";
	if (count > lim->max_segs)
		return "more than max_segs datagrams";
	if (count == 1)
		return NULL;
	if (seg > lim->max_seg)
		return "several datagrams longer than max_seg";
	if (gso_model_bytes(len, first, count) > lim->max_bytes)
		return "more than max_bytes";
	for (unsigned i = first; i < first + count - 1; i++)
		if (len[i] != seg)
			return "a datagram before the last is not seg long";
	if (len[first + count - 1] > seg)
		return "the last datagram is longer than seg";
	/* The kernel's cut would lose it. */
	if (seg == 0 || len[first + count - 1] == 0)
		return "an empty datagram with others";
	return NULL;
}

/* Walk message m as the receiver would once the kernel coalesced it. */
static inline const char *
gso_model_round_trip(const size_t *len, const struct ttt_gso_msg *m, char *why, size_t cap)
{
	size_t total = gso_model_bytes(len, m->first, m->count), off = 0;
	size_t seg = m->count > 1 ? m->seg : 0;
	unsigned i = m->first;

	do {
		size_t p = ttt_gro_piece(total, seg, off);

		if (i == m->first + m->count || p != len[i]) {
			(void)snprintf(why, cap, "message at %u (%u x %u, %zu bytes): piece at "
			    "offset %zu is %zu bytes, want %s%zu", m->first, m->count,
			    (unsigned)m->seg, total, off, p,
			    i == m->first + m->count ? "none, past the last datagram " : "",
			    i == m->first + m->count ? (size_t)0 : len[i]);
			return why;
		}
		off += p;
		i++;
	} while (off < total);
	return NULL;
}

/* Coverage, validity, maximality and round trip of one grouping. */
static inline const char *
gso_model_check(const size_t *len, unsigned n, const struct ttt_gso_limits *lim,
    const struct ttt_gso_msg *out, unsigned nmsg)
{
	static char why[GSO_MODEL_WHY];
	unsigned next = 0;

	if (nmsg > n)
		return "more messages than datagrams";
	for (unsigned k = 0; k < nmsg; k++) {
		const struct ttt_gso_msg *m = &out[k];
		const char *bad;

		if (m->first != next || m->count > n - next) {
			(void)snprintf(why, sizeof(why), "message %u covers %u..+%u: want it to "
			    "start at %u and end by %u", k, m->first, m->count, next, n);
			return why;
		}
		bad = gso_model_invalid(len, m->first, m->count, m->seg, lim);
		if (bad != NULL) {
			(void)snprintf(why, sizeof(why), "message %u (%u..+%u, seg %u): %s (limits "
			    "%u segs, seg %zu, %zu bytes)", k, m->first, m->count,
			    (unsigned)m->seg, bad, lim->max_segs, lim->max_seg, lim->max_bytes);
			return why;
		}
		next += m->count;
		if (next < n && gso_model_invalid(len, m->first, m->count + 1, m->seg, lim) == NULL) {
			(void)snprintf(why, sizeof(why), "message %u (%u..+%u, seg %u) ended, but "
			    "datagram %u (%zu bytes) could have joined it", k, m->first, m->count,
			    (unsigned)m->seg, next, len[next]);
			return why;
		}
		if (gso_model_round_trip(len, m, why, sizeof(why)) != NULL)
			return why;
	}
	if (next != n) {
		(void)snprintf(why, sizeof(why), "the messages cover %u of %u datagrams", next, n);
		return why;
	}
	return NULL;
}

#endif

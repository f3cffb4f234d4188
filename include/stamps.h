/*
 * The stamps page: one page the parent shares with each worker (a sealed
 * memfd the worker finds at TTT_WORKER_STAMPS_FD and maps before it drops
 * anything), in which the worker keeps the newest timestamp it has accepted
 * and the newest it has sent. Each is raised BEFORE the frame goes into the
 * tap or onto the wire, so however the worker ends (kill -9 included) the
 * page bounds everything it delivered and everything it sent. The parent
 * reads it only once the worker is reaped and starts the next worker's
 * replay floor there (respawn.h): a frame the predecessor delivered cannot
 * be delivered again, and a datagram it sent cannot come back as new.
 *
 * The parent trusts nothing in it: a worker may write any value. The
 * parent caps what it reads at its own now + window (ttt_respawn_floor),
 * so a lying worker can make the next one refuse every frame for at most a
 * window; writing less than the truth gains it nothing it could not do
 * itself, since it holds the key. The page is sealed against shrinking, so
 * no worker can make the parent's reads fault.
 */
#ifndef TTT_STAMPS_H
#define TTT_STAMPS_H

#include <stdatomic.h>
#include <stdint.h>

struct ttt_stamps {
	_Atomic int64_t rx;	/* newest accepted: the receiving thread writes it */
	char pad[56];		/* the two writers on their own cache lines */
	_Atomic int64_t tx;	/* newest sent: written under the send lock */
};

/* Parent, before any filter: a fresh page, both stamps INT64_MIN, mapped at
 * *out. Returns its descriptor (close-on-exec) or -errno. */
int ttt_stamps_create(struct ttt_stamps **out);

/* Worker, before the drop: map the page at fd and close fd. 0 or -errno. */
int ttt_stamps_map(int fd, struct ttt_stamps **out);

/* Both stamps to v: what a new worker starts from (its floor). */
void ttt_stamps_reset(struct ttt_stamps *s, int64_t v);

/* The newer of the two stamps. */
int64_t ttt_stamps_newest(const struct ttt_stamps *s);

/* Raise one stamp to ts (never lowers it). One writer a stamp; the store
 * precedes the write or send that follows in program order, which is all
 * the parent needs: it reads only after the worker has ended. */
static inline void
ttt_stamps_raise(_Atomic int64_t *stamp, int64_t ts)
{
	if (ts > atomic_load_explicit(stamp, memory_order_relaxed))
		atomic_store_explicit(stamp, ts, memory_order_release);
}

#endif

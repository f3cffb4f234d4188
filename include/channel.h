/*
 * The parent's end of the channel to one worker (parent.c holds one).
 *
 * Its promise: nothing the worker does or fails to do on the channel can
 * make the parent wait. Every send and receive is non-blocking
 * (ttt_ipc_send_nowait, ttt_ipc_recv_nowait: on a send, -EAGAIN means the
 * worker stopped reading, and the caller drops it); at
 * most one STATS_REQ is outstanding, so a worker that stops reading cannot
 * make requests pile up in the parent's send buffer; and a request that
 * goes unanswered for TTT_STATS_ANSWER_MS is the caller's cue to drop the
 * worker (the deadline is TTT_TIMER_STATS_ANSWER in timers.h). What the
 * worker sends is parsed as hostile and checked for order here.
 *
 * ttt_channel_ask and ttt_channel_answered are pure; the rest do I/O on
 * the channel's descriptor and nothing else.
 */
#ifndef TTT_CHANNEL_H
#define TTT_CHANNEL_H

#include "ipc.h"

/* A worker that leaves a STATS_REQ unanswered this long is stopped: five
 * poll periods, room for a loaded machine, yet a bound on a hung worker. */
#define TTT_STATS_ANSWER_MS 5000

struct ttt_channel {
	int fd;				/* the parent's end, or -1 */
	struct ttt_ipc_seen seen;	/* what the worker sent: ttt_ipc_permit */
	int asked;			/* a STATS_REQ awaits its STATS */
	int log_answer;			/* and its counters are to be logged */
};

/* A channel on fd (or none, fd -1), nothing asked. */
void ttt_channel_init(struct ttt_channel *c, int fd);

/*
 * A socketpair for a new worker: *parent gets the parent's end, *child the
 * worker's (blocking, as the worker expects). Both close-on-exec; the child
 * moves its end to a fixed number with dup2, which clears that. 0 or -errno.
 */
int ttt_channel_pair(int *parent, int *child);

/* Close the parent's end, if open, and forget what was asked. */
void ttt_channel_close(struct ttt_channel *c);

/* Send one record without waiting. 0, -EAGAIN (the worker stopped reading),
 * -EBADF with no channel, or another -errno. */
int ttt_channel_send(struct ttt_channel *c, enum ttt_ipc_type type, const void *payload,
    size_t len);

/*
 * Pure. Someone wants the counters (logged if to_log). Returns 1 when a
 * STATS_REQ is to be sent now (then call ttt_channel_asked once it is), 0
 * when one is already outstanding: its answer will serve, and is logged if
 * either asker wanted it.
 */
int ttt_channel_ask(struct ttt_channel *c, int to_log);

/* Pure. The STATS_REQ went out: an answer is awaited. */
void ttt_channel_asked(struct ttt_channel *c);

/*
 * Pure. A STATS record arrived. Returns 1 if its counters are to be
 * logged, 0 if not, -EPROTO if nothing was asked: a worker speaks only
 * when spoken to, so an unasked answer is out of turn.
 */
int ttt_channel_answered(struct ttt_channel *c);

/*
 * Receive and check one record from the worker: parsed as hostile, then in
 * turn (ttt_ipc_permit). Returns 1 with *m filled, 0 when the worker closed
 * its end (a zero-length record while its end is open is -EPROTO: on
 * SOCK_SEQPACKET both read as 0), -EAGAIN when nothing was waiting, or -EPROTO with *why saying
 * what it did wrong (for "worker N <why>; stopping it").
 */
int ttt_channel_read(struct ttt_channel *c, struct ttt_ipc_msg *m, const char **why);

#endif

/*
 * The parent's end of the channel to a worker (see channel.h).
 */
#include <errno.h>
#include <poll.h>
#include <unistd.h>
#include <sys/socket.h>

#include "channel.h"

void
ttt_channel_init(struct ttt_channel *c, int fd)
{
	c->fd = fd;
	c->seen.types = 0;
	c->asked = 0;
	c->log_answer = 0;
}

int
ttt_channel_pair(int *parent, int *child)
{
	int sv[2];

	/* No SOCK_NONBLOCK: it would make the worker's end non-blocking too;
	 * the parent's sends say MSG_DONTWAIT instead, and it reads only what
	 * poll() says is there. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return -errno;
	*parent = sv[0];
	*child = sv[1];
	return 0;
}

void
ttt_channel_close(struct ttt_channel *c)
{
	if (c->fd >= 0)
		(void)close(c->fd);
	ttt_channel_init(c, -1);
}

int
ttt_channel_send(struct ttt_channel *c, enum ttt_ipc_type type, const void *payload,
    size_t len)
{
	if (c->fd < 0)
		return -EBADF;
	return ttt_ipc_send_nowait(c->fd, type, payload, len);
}

int
ttt_channel_ask(struct ttt_channel *c, int to_log)
{
	if (to_log)
		c->log_answer = 1;
	return !c->asked;
}

void
ttt_channel_asked(struct ttt_channel *c)
{
	c->asked = 1;
}

int
ttt_channel_answered(struct ttt_channel *c)
{
	int log = c->log_answer;

	if (!c->asked)
		return -EPROTO;
	c->asked = 0;
	c->log_answer = 0;
	return log;
}

/* The worker's end is closed: it is exiting (its filter has no close). */
static int
hung_up(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP)) != 0;
}

int
ttt_channel_read(struct ttt_channel *c, struct ttt_ipc_msg *m, const char **why)
{
	uint8_t buf[TTT_IPC_MSG_MAX];
	long n;
	int rc;

	/* No descriptor buffer: the kernel discards any fd the worker sends.
	 * Never waiting, though poll() said POLLIN: a wake-up for POLLHUP or
	 * POLLERR alone must not become a wait either. */
	n = ttt_ipc_recv_nowait(c->fd, buf, sizeof(buf));
	if (n == -ECONNRESET || (n == 0 && hung_up(c->fd)))
		return 0;
	if (n == 0) {
		/* A zero-length record reads like end of file; taken for it, the
		 * worker would run on unsupervised. */
		*why = "sent an empty message";
		return -EPROTO;
	}
	if (n == -EAGAIN)
		return -EAGAIN;
	if (n < 0) {
		*why = "sent an oversized or unreadable message";
		return -EPROTO;
	}
	rc = ttt_ipc_parse(TTT_IPC_TO_PARENT, buf, (size_t)n, m);
	if (rc != 0) {
		*why = rc == -EPROTO ? "sent a message only the parent sends" :
		    "sent a malformed message";
		return -EPROTO;
	}
	if (ttt_ipc_permit(&c->seen, m->type) != 0) {
		*why = "sent a message out of turn";
		return -EPROTO;
	}
	return 1;
}

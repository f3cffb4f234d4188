/*
 * The socketpair protocol between the privileged parent and the worker.
 *
 * One SOCK_SEQPACKET message per record: a fixed header {type, len} and a
 * payload whose length is checked against the type before it is touched.
 * Each side parses what it receives as hostile: the parent, because a
 * compromised worker writes those bytes; the worker, out of habit. Which
 * types each side may receive is fixed, so a worker cannot send the
 * parent's messages back at it.
 */
#ifndef TTT_IPC_H
#define TTT_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"
#include "keyfile.h"
#include "log.h"
#include "stats.h"
#include "wire.h"

enum ttt_ipc_type {
	/* parent -> worker */
	TTT_IPC_CONFIG = 1,	/* struct ttt_config (config.h), version TTT_CONFIG_VERSION */
	TTT_IPC_KEY,		/* raw key, TTT_KEY_MIN..TTT_KEY_MAX bytes; later ones rotate */
	TTT_IPC_STATS_REQ,	/* no payload: report the counters */
	/* worker -> parent */
	TTT_IPC_READY,		/* no payload: sandboxed and forwarding */
	TTT_IPC_LOG,		/* level byte + text, 1..TTT_IPC_LOG_MAX bytes */
	TTT_IPC_PEER,		/* struct ttt_ipc_peer: the peer moved here */
	TTT_IPC_STATS,		/* struct ttt_worker_report (stats.h) */
	/* parent -> worker, test builds only (TTT_TEST_HOOKS) */
	TTT_IPC_TEST_SYSCALL,	/* one byte: which forbidden syscall to attempt */
	/* parent -> worker */
	TTT_IPC_SET_PEER,	/* struct ttt_ipc_peer: the fixed peer's name resolves here now */
	TTT_IPC_TYPE_MAX
};

#define TTT_IPC_HDR_LEN   4
#define TTT_IPC_LOG_MAX   (TTT_LOG_LINE_MAX - 1)
/* The largest payload any type carries: the configuration (asserted in ipc.c). */
#define TTT_IPC_PAYLOAD_MAX sizeof(struct ttt_config)
#define TTT_IPC_MSG_MAX   (TTT_IPC_HDR_LEN + TTT_IPC_PAYLOAD_MAX)
#define TTT_IPC_NFDS      2	/* most descriptors a record may carry (none does; tests) */

/* What TTT_IPC_TEST_SYSCALL asks a test build's worker to attempt: a
 * syscall its sandbox forbids... */
#define TTT_TEST_PEER_FLOOD_N 1000
enum ttt_test_syscall {
	TTT_TEST_OPEN = 1,
	TTT_TEST_SOCKET,
	TTT_TEST_EXECVE,
	TTT_TEST_PTRACE,
	TTT_TEST_SETUID,
	/* ... or, playing a compromised worker, something the parent must refuse */
	TTT_TEST_PARENT_TYPE,	/* send the parent a message only the parent sends */
	TTT_TEST_BAD_LENGTH,	/* send a record whose header lies about its length */
	TTT_TEST_PASS_FD,	/* try to pass the parent a descriptor */
	TTT_TEST_STOP_READING,	/* stop servicing the channel: never read, never answer */
	TTT_TEST_FUTEX_PI,	/* a futex operation beyond wait and wake (forbidden) */
	TTT_TEST_PEER_FLOOD,	/* report the peer TTT_TEST_PEER_FLOOD_N times at once */
	TTT_TEST_QUEUE_FDS,	/* write the last queue's tap (allowed), then the number
				 * a queue more would have (forbidden) */
	TTT_TEST_SCHED_FIFO,	/* SCHED_BATCH on itself (allowed), then SCHED_FIFO (forbidden) */
	TTT_TEST_NSYSCALLS
};


/* A parsed message; which member is valid follows from type. */
struct ttt_ipc_msg {
	enum ttt_ipc_type type;
	union {
		struct ttt_config config;
		struct {
			size_t len;
			uint8_t bytes[TTT_KEY_MAX];
		} key;
		struct {
			enum ttt_log_level level;
			char text[TTT_IPC_LOG_MAX + 1];	/* NUL-terminated, printable only */
		} log;
		struct ttt_ipc_peer peer;	/* PEER, SET_PEER */
		struct ttt_worker_report stats;
		uint8_t test_syscall;
	} u;
};

enum ttt_ipc_side {
	TTT_IPC_TO_WORKER,	/* parse what the parent sent */
	TTT_IPC_TO_PARENT,	/* parse what the worker sent: the privilege boundary */
	TTT_IPC_NOBODY,		/* a type no side accepts in this build */
};

/*
 * Parse one received record. Pure. Returns 0, or -EPROTO for a type this
 * side must not receive, -EBADMSG for a bad length or content.
 */
int ttt_ipc_parse(enum ttt_ipc_side side, const uint8_t *buf, size_t len,
    struct ttt_ipc_msg *m);

/* What one side has received so far. Zero for each new worker. */
struct ttt_ipc_seen {
	uint32_t types;		/* bit t: a record of type t arrived */
};

/*
 * The protocol's "when": CONFIG once (so first: nothing else may precede
 * it), KEY after CONFIG, STATS_REQ, SET_PEER and the test hook after a KEY; READY
 * once, PEER and STATS only after READY; LOG at any time. Call it on each
 * record ttt_ipc_parse accepted; it records the type in *seen. Pure apart
 * from that. Returns 0, or -EPROTO for a record out of turn (seen unchanged).
 */
int ttt_ipc_permit(struct ttt_ipc_seen *seen, enum ttt_ipc_type type);

/* Encode a header and payload into out; returns the length or -EMSGSIZE. */
long ttt_ipc_encode(enum ttt_ipc_type type, const void *payload, size_t len,
    uint8_t *out, size_t cap);

/* Send one record, optionally with file descriptors. Returns 0 or -errno. */
int ttt_ipc_send(int sock, enum ttt_ipc_type type, const void *payload, size_t len);
/*
 * The same, never waiting: -EAGAIN when the receiver's queue is full, that
 * is, when it stopped reading. The parent sends only this way, so a worker
 * cannot stall it (its end of the channel stays blocking for the worker).
 */
int ttt_ipc_send_nowait(int sock, enum ttt_ipc_type type, const void *payload, size_t len);
int ttt_ipc_send_fds(int sock, enum ttt_ipc_type type, const int *fds, size_t nfds);
int ttt_ipc_send_log(int sock, enum ttt_log_level lvl, const char *text);

/*
 * Receive one record into buf. fds may be NULL: then any descriptor the peer
 * tries to pass is discarded by the kernel, and the record refused. Returns
 * the length, 0 at end of file, or -errno (-EMSGSIZE when truncated).
 */
long ttt_ipc_recv(int sock, uint8_t *buf, size_t cap, int *fds, size_t maxfds,
    size_t *nfds);
/* The same without descriptors, never waiting: -EAGAIN when none is queued. */
long ttt_ipc_recv_nowait(int sock, uint8_t *buf, size_t cap);

/* Between a socket address and the fixed layout. */
void ttt_ipc_peer_from_addr(const struct ttt_addr *a, struct ttt_ipc_peer *p);
int ttt_ipc_peer_to_addr(const struct ttt_ipc_peer *p, struct ttt_addr *a);

#endif

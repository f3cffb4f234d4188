/*
 * The privileged parent after set-up: it holds the tap and the socket only
 * to hand them to a worker, supervises it, relays its logs, and respawns it
 * with back-off when it dies.
 */
#ifndef TTT_PARENT_H
#define TTT_PARENT_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "exitstatus.h"
#include "hwaddr.h"
#include "ipc.h"
#include "keyfile.h"
#include "stamps.h"
#include "worker.h"

#define TTT_STOP_GRACE_MS    2000	/* SIGTERM, then SIGKILL after this */
#define TTT_WORKER_LOG_PER_SEC 20	/* a compromised worker cannot flood our log */
#define TTT_WORKER_LOG_BURST   50
#define TTT_STATS_POLL_MS      1000	/* counters lost to a crash: at most this much */
#define TTT_STATUS_WRITE_MS    1000	/* --status-file and --metrics-file are this fresh */

struct ttt_parent {
	/* Queue k's tap descriptor and socket (--queues; one unless asked). */
	int tap[TTT_QUEUES_MAX], udp[TTT_QUEUES_MAX];
	unsigned nqueues;
	int exe;			/* the worker image, opened at start: each worker execs it */
	int devnull;			/* a worker's 0..2: the parent opens no file after start */
	int stamps_fd;			/* the stamps page (stamps.h), shared with each worker */
	struct ttt_stamps *stamps;
	char ifname[IFNAMSIZ];
	char hwaddr[TTT_HWADDR_TEXT_MAX];	/* the tap's, as we set it; "": the kernel's */
	int machine_id_err;		/* -errno: why the default could not be derived */
	uint8_t key[TTT_KEY_MAX];
	size_t keylen;
	/* During a rotation's grace period a new worker gets the old key too. */
	uint8_t old_key[TTT_KEY_MAX];
	size_t old_keylen;
	long long old_key_until_ms;
	struct ttt_config cfg;		/* handed whole to each worker; run.peer kept current */
};

/* Supervise until SIGTERM/SIGINT. Returns the exit status. */
int ttt_parent_run(struct ttt_parent *p);

#endif

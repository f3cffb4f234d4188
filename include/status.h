/*
 * The status file (--status-file, JSON) and the metrics file
 * (--metrics-file, Prometheus text format for node_exporter's textfile
 * collector), written by the parent every second from what it already
 * holds: no socket listens, so nothing new can be asked of the daemon.
 *
 * The promise:
 *   - nothing secret: no key bytes, no MACs, no frame contents; only the
 *     figures below, which anyone who can read the file may see (0644);
 *   - a reader sees a whole old file or a whole new one: each is written to
 *     PATH.tmp, created with O_EXCL | O_NOFOLLOW (so a file or symlink
 *     planted there is removed, never followed or written through), then
 *     renamed over PATH (which replaces a symlink at PATH, never follows it);
 *   - the worker's numbers in it are the ones the parent checked (ipc.c,
 *     parent.c): bounded, times within the worker's life.
 *
 * ttt_status_json and ttt_status_prom are pure (the clock is in the
 * struct); ttt_status_write_file does the I/O and returns 0 or -errno.
 */
#ifndef TTT_STATUS_H
#define TTT_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"
#include "stats.h"

#define TTT_STATUS_BUF_MAX    8192	/* either file, whole; both need under 4 KiB */
#define TTT_STATUS_REASON_MAX 128	/* "killed by signal SIGSYS (31): a system call ..." */
#define TTT_STATUS_FILE_MODE  0644
#define TTT_STATUS_TMP_SUFFIX ".tmp"

enum ttt_peer_source {
	TTT_PEER_NONE = 0,	/* not learnt yet */
	TTT_PEER_FIXED,		/* given on the command line */
	TTT_PEER_LEARNT,	/* from the newest authenticated frame */
};

enum ttt_rotation {
	TTT_ROTATION_NONE = 0,	/* one key */
	TTT_ROTATION_WAITING,	/* a new key sent; no frame under it from the peer yet */
	TTT_ROTATION_CONFIRMED,	/* the current worker received a frame under the new key */
};

struct ttt_status {
	const char *version, *ifname, *local;
	int64_t mtu;
	int64_t now_wall_s;		/* when written */
	int64_t uptime_s;		/* of the parent */
	enum ttt_peer_source peer_source;
	char peer[TTT_ADDR_STR_MAX];	/* "" when none */
	int64_t last_rx_age_ms, last_tx_age_ms;	/* -1: never (by any worker) */
	long worker_pid;		/* 0: none running */
	int64_t worker_started_wall_s;	/* 0: none yet */
	uint64_t restarts;		/* workers started after the first */
	char last_exit[TTT_STATUS_REASON_MAX];	/* why the last worker ended; "" */
	uint64_t key_generation;	/* 1 at start, +1 for each new key (SIGHUP) */
	enum ttt_rotation rotation;
	int64_t rotation_deadline_ms;	/* until the old key is dropped; -1 with NONE */
	struct ttt_stats totals;	/* ended workers plus the current one */
};

/* The document into buf, NUL-terminated. Returns its length, or 0 when cap
 * is too small (nothing partial is ever written out). */
size_t ttt_status_json(const struct ttt_status *st, char *buf, size_t cap);
size_t ttt_status_prom(const struct ttt_status *st, char *buf, size_t cap);

/* Replace path with len bytes of data, atomically (see above). 0 or -errno. */
int ttt_status_write_file(const char *path, const char *data, size_t len);

/* The JSON key and Prometheus reason label of a counter ("replay"). */
const char *ttt_status_counter_key(enum ttt_stat s);

/*
 * What the parent tracks for the files across workers. Pure: every clock is
 * an argument (monotonic _ns for ages, wall for the dates shown).
 */
struct ttt_status_track {
	int64_t born_ns;		/* the parent's start */
	int64_t last_rx_ns, last_tx_ns;	/* newest any worker reported; 0: none */
	unsigned spawned;		/* workers started */
	int key_confirmed;		/* the current worker's latest word on it */
	struct ttt_status st;		/* the rest, filled by ttt_status_fill */
};

/* The parent's key state: a rotation's old key is honoured until until_ms. */
struct ttt_status_key {
	int rotating;
	long long until_ms;		/* monotonic */
};

void ttt_status_track_init(struct ttt_status_track *t, int64_t mono_ns);
void ttt_status_worker_started(struct ttt_status_track *t, int64_t wall_ns);
/* A new key sent (SIGHUP): the rotation waits for the next worker report. */
void ttt_status_new_key(struct ttt_status_track *t);

/*
 * A worker's report against its life: each time 0 (none) or between its
 * start (born_ns, taken before the fork) and now_ns. 1 if sane.
 */
int ttt_status_report_sane(const struct ttt_worker_report *r, int64_t born_ns, int64_t now_ns);
/* Take a sane report's times (the newest across workers) and key flag. */
void ttt_status_take_report(struct ttt_status_track *t, const struct ttt_worker_report *r);

/* Fill t->st from the configuration and the parent's state at now. */
void ttt_status_fill(struct ttt_status_track *t, const struct ttt_config *cfg,
    const char *ifname, const struct ttt_status_key *key, long worker_pid,
    const struct ttt_stats *ended, const struct ttt_stats *current, int64_t mono_ns,
    int64_t wall_ns);

/* Format into buf (cap bytes) and write to path; nothing when path is "".
 * 0 or -errno (-EMSGSIZE: buf too small). */
int ttt_status_write_json(const char *path, const struct ttt_status *st, char *buf, size_t cap);
int ttt_status_write_prom(const char *path, const struct ttt_status *st, char *buf, size_t cap);

#endif

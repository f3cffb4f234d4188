/*
 * The one configuration. cli.c's option table fills it from the command
 * line; the parent completes the run section once it has resolved names;
 * each worker receives the whole of it as one record (TTT_IPC_CONFIG) and
 * checks it against the same table, since it trusts nothing it receives.
 * Fixed layout, no pointers: numbers, and strings in bounded arrays (an
 * argument longer than its array is refused, never cut).
 *
 * Adding an option: a field here, a line in cli.c's table (and its help
 * text), the code that uses the field, and the documentation. Nothing else
 * carries or checks it. A number also needs its bounds case in
 * tests/unit/test_cli.c (the test counts them); since the layout changes,
 * bump TTT_CONFIG_VERSION and rerun fuzz/make-seeds.sh, whose config()
 * writes the record field by field.
 */
#ifndef TTT_CONFIG_H
#define TTT_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include "addr.h"
#include "hwaddr.h"

#define TTT_CONFIG_VERSION  9	/* bump on any change of the layout below */

/* String fields, each with its NUL. */
#define TTT_CONFIG_PATH_MAX 256	/* key file, chroot, pid, status and metrics files */
#define TTT_CONFIG_ADDR_MAX (TTT_ADDR_SPEC_MAX + 1)
#define TTT_CONFIG_USER_MAX 64	/* useradd allows 32 */
#define TTT_CONFIG_IFNAME_MAX IFNAMSIZ
#define TTT_CONFIG_HWADDR_MAX TTT_HWADDR_TEXT_MAX

/* Numeric bounds the option table refers to. */
/* 30 s: the reflection record covers this much; more is hardly freshness. */
#define TTT_WINDOW_MS_MAX      (30 * 1000)
/* 250 ms: a peer of ours stamps anywhere in the ~67 ms unit of its clock a
 * frame leaves in, and up to two units ahead at its highest rate (reflect.h);
 * a narrower window would refuse its genuine frames. */
#define TTT_WINDOW_MS_MIN      250
#define TTT_REKEY_GRACE_MS_DEFAULT 30000
#define TTT_REKEY_GRACE_MS_MAX (3600 * 1000)
#define TTT_THREADS_MAX        2	/* one forwarding thread a direction */
/* --queues: tap queues, sockets and forwarding threads. 4: twice the cores
 * of the machine this was measured on; each queue costs a descriptor pair
 * and ~0.7 MiB of buffers it touches only when used. */
#define TTT_QUEUES_MAX         4
#define TTT_STATS_INTERVAL_MAX (24 * 3600)
#define TTT_VERBOSE_MAX        2	/* -v logs every refused datagram; more adds nothing */
/* An hour: NAT and firewall UDP timeouts are seconds to minutes; longer
 * than this keeps nothing open. */
#define TTT_KEEPALIVE_MAX      3600
/* A day: a peer silent longer than that is looked up again at least daily;
 * the look-up itself is bounded by TTT_LOOKUP_MAX_MS (resolve.h). */
#define TTT_PEER_TIMEOUT_MAX   (24 * 3600)
/* --mtu not given: the parent chooses from the underlay (ttt_udp_default_mtu)
 * before any worker sees the configuration; out of --mtu's range, so a
 * worker refuses a configuration the parent forgot to complete. */
#define TTT_MTU_AUTO           0

enum ttt_cli_action {
	TTT_CLI_RUN = 0,
	TTT_CLI_HELP,
	TTT_CLI_VERSION,
	TTT_CLI_GENKEY,
};

#define TTT_CONFIG_FIXED_PEER 0x1u	/* accept datagrams from the peer only */
#define TTT_CONFIG_HAVE_PEER  0x2u	/* run.peer holds an address */
#define TTT_CONFIG_TAP_VNET   0x4u	/* the tap's frames carry a vnet header (tso.h, coalesce.h) */
#define TTT_CONFIG_TAP_REFUSED 0x8u	/* the kernel refused an offload: counted */
#define TTT_CONFIG_TAP_USO    0x10u	/* the tap takes UDP super-frames (coalesce.h) */
#define TTT_CONFIG_TAP_TSO    0x20u	/* and TCP ones: only for saying what was refused */
#define TTT_CONFIG_SCHED_OURS 0x40u	/* the parent chose SCHED_BATCH: threads may switch (schedpol.h) */

struct ttt_config {
	uint32_t version;		/* TTT_CONFIG_VERSION */
	int32_t action;			/* enum ttt_cli_action; a worker gets TTT_CLI_RUN */
	/* From the command line: each field written by one entry of cli.c's table. */
	int64_t mtu;			/* TTT_MTU_AUTO until the parent chooses */
	int64_t window_ms;		/* freshness window */
	int64_t stats_interval;		/* seconds, 0: only on SIGUSR1 */
	int64_t rekey_grace_ms;		/* old key still accepted this long after SIGHUP */
	int64_t threads;		/* forwarding threads in the worker: 1 or 2 */
	int64_t keepalive;		/* seconds of sending nothing before a keepalive; 0: never */
	int64_t peer_timeout;		/* seconds of hearing nothing before the peer's name
					 * is resolved again; 0: never (resolve.h) */
	int64_t daemonize, use_syslog;	/* flags: 0 or 1 (-d implies syslog) */
	int64_t verbose, quiet;		/* -v count, -q flag: see ttt_config_log_level */
	int64_t no_offload;		/* flag: a plain tap, no vnet header (tap.h) */
	int64_t queues;			/* tap queues, sockets and threads: 1..TTT_QUEUES_MAX;
					 * more than 1 only with threads 1 */
	int64_t no_sched_batch;		/* flag: keep SCHED_OTHER (schedpol.h) */
	/* Resolved by the parent: who the worker becomes, where, and its peer. */
	struct {
		uint32_t uid, gid;	/* the worker's user; never 0 */
		uint32_t sock_family;	/* the UDP socket's; peers must match */
		uint32_t flags;		/* TTT_CONFIG_* above */
		struct ttt_ipc_peer peer;
		int64_t floor_ns;	/* refuse frames stamped at or before (respawn.h) */
		int64_t rekey_left_ms;	/* mid-rotation: the old key's grace left; 0: none */
	} run;
	char keyfile[TTT_CONFIG_PATH_MAX];
	char local[TTT_CONFIG_ADDR_MAX];
	char peer[TTT_CONFIG_ADDR_MAX];		/* "": learnt from traffic */
	char user[TTT_CONFIG_USER_MAX];		/* "": tinytaptunnel if it exists, else nobody */
	char chroot_dir[TTT_CONFIG_PATH_MAX];
	char ifname[TTT_CONFIG_IFNAME_MAX];
	char pidfile[TTT_CONFIG_PATH_MAX];	/* "": none */
	char status_file[TTT_CONFIG_PATH_MAX];	/* "": none; status.h */
	char metrics_file[TTT_CONFIG_PATH_MAX];	/* "": none; status.h */
	char mac[TTT_CONFIG_HWADDR_MAX];	/* "": derived from the machine id; hwaddr.h */
};

/*
 * Whether the parent resolves the peer's name again while it is silent
 * (resolve.h): the peer was given as a host name, not an address literal,
 * and --peer-timeout is set. Only then does the parent's sandbox need the
 * resolver's files and sockets. Pure.
 */
int ttt_config_resolves_peer(const struct ttt_config *c);

/* The configuration's own log level, from -q and -v. */
int ttt_config_log_level(const struct ttt_config *c);

/*
 * Check every command-line field of a received configuration against the
 * option table: its version, numbers within bounds, strings NUL-terminated
 * and valid, flags 0 or 1, -q and -v not both, --queues over 1 only with
 * --threads 1. Pure. Returns 0 or -EBADMSG.
 * (The run section is ipc.c's to check.)
 */
int ttt_config_check(const struct ttt_config *c);

#endif

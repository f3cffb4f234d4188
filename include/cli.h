/*
 * The command line: v1.4's positional form, with options on top.
 *   tinytaptunnel [options] <key file> <local address> [peer address]
 */
#ifndef TTT_CLI_H
#define TTT_CLI_H

#include <stddef.h>
#include <stdint.h>

/* 30 s: the reflection record covers this much; more is hardly freshness. */
#define TTT_WINDOW_MS_MAX      (30 * 1000)
#define TTT_REKEY_GRACE_MS_DEFAULT 30000
#define TTT_REKEY_GRACE_MS_MAX (3600 * 1000)
#define TTT_THREADS_MAX        2	/* one forwarding thread a direction */
#define TTT_STATS_INTERVAL_MAX (24 * 3600)
#define TTT_CLI_ERR_MAX        256

enum ttt_cli_action {
	TTT_CLI_RUN = 0,
	TTT_CLI_HELP,
	TTT_CLI_VERSION,
	TTT_CLI_GENKEY,
};

struct ttt_config {
	enum ttt_cli_action action;
	const char *keyfile, *local, *peer;
	const char *user;		/* NULL: tinytaptunnel if it exists, else nobody */
	const char *chroot_dir;
	const char *ifname;
	const char *pidfile;		/* NULL: none */
	int mtu;
	int64_t window_ns;
	int daemonize, use_syslog;
	int log_level;
	unsigned stats_interval;	/* seconds, 0: only on SIGUSR1 */
	int64_t rekey_grace_ns;		/* old key still accepted this long after SIGHUP */
	int threads;			/* forwarding threads in the worker: 1 or 2 */
};

/*
 * Parse argv. Returns 0, or 64 (EX_USAGE) with a one-line reason in err.
 * Pure apart from getopt's state: opens nothing, resolves nothing.
 */
int ttt_cli_parse(int argc, char **argv, struct ttt_config *cfg, char *err, size_t errlen);

/* The --help text. */
extern const char ttt_cli_usage[];

#endif

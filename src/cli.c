/*
 * Command-line parsing (see cli.h).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <net/if.h>

#include "cli.h"
#include "log.h"
#include "privdrop.h"
#include "tap.h"
#include "wire.h"

const char ttt_cli_usage[] =
"Usage: tinytaptunnel [options] <key file> <local address> [peer address]\n"
"\n"
"A point-to-point layer-2 tunnel over UDP, wire-compatible with tinytaptunnel\n"
"v1.4. Ethernet frames written to the tap interface on one peer come out of\n"
"the tap interface on the other, each one authenticated with HMAC-SHA256 under\n"
"a preshared key and stamped with the time, so that stale, replayed and forged\n"
"datagrams are refused. Frames are not encrypted.\n"
"\n"
"Arguments:\n"
"  <key file>        base64 of the preshared key (at least 16 bytes). Created\n"
"                    with 32 random bytes, mode 0600, if it does not exist.\n"
"                    Refused if group or others can read or write it.\n"
"  <local address>   where to listen: :PORT (all addresses, IPv4 and IPv6),\n"
"                    HOST:PORT, IPv4:PORT or [IPv6]:PORT.\n"
"  [peer address]    where the other peer listens, in the same forms. Without\n"
"                    it, the peer is learnt from the newest authenticated frame\n"
"                    and may roam; with it, only that address is accepted.\n"
"\n"
"Options:\n"
"  -i, --ifname NAME      tap interface name (default: the kernel's tap%d)\n"
"      --mtu N            tap MTU, 68..9000 (default 1418, as v1.4); the largest\n"
"                         frame carried is MTU + 14 bytes\n"
"      --window-ms N      freshness window in milliseconds, 1..30000\n"
"                         (default 3000, as v1.4): frames stamped further than\n"
"                         this from our clock, either way, are refused\n"
"  -u, --user NAME        the worker's user (default: tinytaptunnel if it\n"
"                         exists, else nobody); never root\n"
"      --chroot DIR       the worker's root: an empty directory owned by root\n"
"                         and writable by nobody else, created if absent\n"
"                         (default /var/empty)\n"
"  -d, --daemon           detach from the terminal and log to syslog (default:\n"
"                         stay in the foreground, as v1.4 and systemd expect)\n"
"      --pidfile FILE     write the parent's process id to FILE\n"
"      --syslog           log to syslog instead of standard error\n"
"      --stats-interval N log the counters every N seconds (default 0: only\n"
"                         on SIGUSR1)\n"
"      --rekey-grace-ms N after SIGHUP re-reads the key file, accept frames\n"
"                         under the old and the new key for N ms (default\n"
"                         30000, plus a 2 s switch-over margin), and keep\n"
"                         sending under the old one until a frame under the\n"
"                         new one arrives: rotate both peers within N ms, in\n"
"                         any order, and no frame is lost\n"
"      --threads N        forwarding threads in the worker (default 1): 1\n"
"                         carries both directions, as socat does, and keeps\n"
"                         a round trip to one wake-up a hop; 2 gives each\n"
"                         direction its own thread, for more throughput when\n"
"                         both are busy at once and cores are free, at the\n"
"                         cost of a wake-up across threads a round trip\n"
"  -v, --verbose          more log output, with a line for each refused\n"
"                         datagram (rate-limited); once is enough\n"
"  -q, --quiet            errors only\n"
"      --genkey           print a new key (base64) on standard output and exit\n"
"      --version          print the version and exit\n"
"  -h, --help             print this help and exit\n"
"\n"
"Signals:\n"
"  SIGTERM, SIGINT        stop the worker, remove the tap interface, exit 0\n"
"  SIGHUP                 re-read the key file (see --rekey-grace-ms); a bad\n"
"                         file is refused and the current key kept\n"
"  SIGUSR1                log the counters on one line\n"
"\n"
"Exit status:\n"
"  0 stopped by a signal; 64 bad command line; 66 key file unreadable;\n"
"  68 peer name does not resolve; 71 system error (tap, socket, fork);\n"
"  73 pid file cannot be written; 74 --genkey cannot write the key;\n"
"  77 permission denied (not root, unprotected key file); 78 bad\n"
"  configuration (invalid or weak key, unknown user, unsafe chroot).\n"
"\n"
"Example:\n"
"  tinytaptunnel /etc/tinytaptunnel/key :9123 peer.example.net:9123\n"
"  ip addr add 10.0.0.1/24 dev tap0\n";

enum {
	OPT_MTU = 256,
	OPT_WINDOW,
	OPT_CHROOT,
	OPT_PIDFILE,
	OPT_SYSLOG,
	OPT_STATS,
	OPT_GENKEY,
	OPT_VERSION,
	OPT_GRACE,
	OPT_THREADS,
};

static const struct option long_opts[] = {
	{ "ifname", required_argument, NULL, 'i' },
	{ "mtu", required_argument, NULL, OPT_MTU },
	{ "window-ms", required_argument, NULL, OPT_WINDOW },
	{ "user", required_argument, NULL, 'u' },
	{ "chroot", required_argument, NULL, OPT_CHROOT },
	{ "daemon", no_argument, NULL, 'd' },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "stats-interval", required_argument, NULL, OPT_STATS },
	{ "rekey-grace-ms", required_argument, NULL, OPT_GRACE },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "genkey", no_argument, NULL, OPT_GENKEY },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* A whole decimal number in [min, max], nothing before or after it. */
static int
parse_num(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

__attribute__((format(printf, 3, 4))) static int
usage_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return EX_USAGE;
}

static void
defaults(struct ttt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->chroot_dir = TTT_DEFAULT_CHROOT;
	cfg->ifname = TTT_TAP_DEFAULT_NAME;
	cfg->mtu = TTT_DEFAULT_MTU;
	cfg->threads = 1;
	cfg->window_ns = TTT_DEFAULT_WINDOW_NS;
	cfg->log_level = TTT_LOG_INFO;
	cfg->rekey_grace_ns = TTT_REKEY_GRACE_MS_DEFAULT * TTT_NSEC_PER_MSEC;
}

int
ttt_cli_parse(int argc, char **argv, struct ttt_config *cfg, char *err, size_t errlen)
{
	long long v;
	int c, verbose = 0, quiet = 0;

	defaults(cfg);
	err[0] = '\0';
	optind = 1;
	opterr = 0;	/* we word the errors ourselves, one line each */
	while ((c = getopt_long(argc, argv, ":i:u:dvqh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (optarg[0] == '\0' || strlen(optarg) >= IFNAMSIZ || strchr(optarg, '/'))
				return usage_error(err, errlen,
				    "bad interface name '%s' (1 to 15 characters, no '/')", optarg);
			cfg->ifname = optarg;
			break;
		case OPT_MTU:
			if (parse_num(optarg, TTT_MIN_MTU, TTT_MAX_MTU, &v) != 0)
				return usage_error(err, errlen,
				    "bad --mtu '%s' (a number from 68 to 9000)", optarg);
			cfg->mtu = (int)v;
			break;
		case OPT_WINDOW:
			if (parse_num(optarg, 1, TTT_WINDOW_MS_MAX, &v) != 0)
				return usage_error(err, errlen,
				    "bad --window-ms '%s' (a number from 1 to 30000)", optarg);
			cfg->window_ns = v * TTT_NSEC_PER_MSEC;
			break;
		case 'u':
			if (optarg[0] == '\0')
				return usage_error(err, errlen, "empty --user");
			cfg->user = optarg;
			break;
		case OPT_CHROOT:
			if (optarg[0] != '/')
				return usage_error(err, errlen,
				    "bad --chroot '%s' (an absolute path)", optarg);
			cfg->chroot_dir = optarg;
			break;
		case 'd':
			cfg->daemonize = 1;
			cfg->use_syslog = 1;
			break;
		case OPT_PIDFILE:
			if (optarg[0] != '/')
				return usage_error(err, errlen,
				    "bad --pidfile '%s' (an absolute path)", optarg);
			cfg->pidfile = optarg;
			break;
		case OPT_SYSLOG:
			cfg->use_syslog = 1;
			break;
		case OPT_STATS:
			if (parse_num(optarg, 0, TTT_STATS_INTERVAL_MAX, &v) != 0)
				return usage_error(err, errlen,
				    "bad --stats-interval '%s' (seconds, 0 to 86400)", optarg);
			cfg->stats_interval = (unsigned)v;
			break;
		case OPT_GRACE:
			if (parse_num(optarg, 0, TTT_REKEY_GRACE_MS_MAX, &v) != 0)
				return usage_error(err, errlen,
				    "bad --rekey-grace-ms '%s' (a number from 0 to 3600000)", optarg);
			cfg->rekey_grace_ns = v * TTT_NSEC_PER_MSEC;
			break;
		case OPT_THREADS:
			if (parse_num(optarg, 1, TTT_THREADS_MAX, &v) != 0)
				return usage_error(err, errlen, "bad --threads '%s' (1 or 2)", optarg);
			cfg->threads = (int)v;
			break;
		case 'v':
			verbose++;
			break;
		case 'q':
			quiet = 1;
			break;
		case OPT_GENKEY:
			cfg->action = TTT_CLI_GENKEY;
			break;
		case OPT_VERSION:
			cfg->action = TTT_CLI_VERSION;
			break;
		case 'h':
			cfg->action = TTT_CLI_HELP;
			return 0;
		case ':':
			return usage_error(err, errlen, "option '%s' needs a value",
			    argv[optind - 1]);
		default:
			return usage_error(err, errlen, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (quiet && verbose)
		return usage_error(err, errlen, "--quiet and --verbose together");
	cfg->log_level = quiet ? TTT_LOG_ERR : verbose == 0 ? TTT_LOG_INFO : TTT_LOG_DEBUG;
	if (cfg->action != TTT_CLI_RUN)
		return 0;
	if (argc - optind < 2)
		return usage_error(err, errlen, "missing %s",
		    argc - optind == 0 ? "key file and local address" : "local address");
	if (argc - optind > 3)
		return usage_error(err, errlen, "unexpected argument '%s'", argv[optind + 3]);
	cfg->keyfile = argv[optind];
	cfg->local = argv[optind + 1];
	cfg->peer = argc - optind == 3 ? argv[optind + 2] : NULL;
	if (cfg->keyfile[0] == '\0')
		return usage_error(err, errlen, "empty key file name");
	return 0;
}

/*
 * Command-line parsing (see cli.h), driven by one table.
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

#include "addr.h"
#include "cli.h"
#include "hwaddr.h"
#include "log.h"
#include "privdrop.h"
#include "tap.h"
#include "wire.h"

const char ttt_cli_usage[] =
"Usage: tinytaptunnel [options] <key file> <local address> [peer address]\n"
"       tinytaptunnel show [status file]\n"
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
"      --mtu N            tap MTU, 68..9000; the largest frame carried is\n"
"                         MTU + 14 bytes (default: by the underlay's family,\n"
"                         1418 over IPv4 as v1.4, 1398 over IPv6, less if the\n"
"                         route to a fixed peer carries less: no datagram is\n"
"                         fragmented on a 1500-byte path)\n"
"      --window-ms N      freshness window in milliseconds, 250..30000\n"
"                         (default 3000, as v1.4): frames stamped further than\n"
"                         this from our clock, either way, are refused\n"
"  -u, --user NAME        the worker's user (default: tinytaptunnel if it\n"
"                         exists, else nobody, with a warning); never root\n"
"      --chroot DIR       the worker's root: an empty directory owned by root\n"
"                         and writable by nobody else, created if absent\n"
"                         (default /var/empty)\n"
"  -d, --daemon           detach from the terminal and log to syslog (default:\n"
"                         stay in the foreground, as v1.4 and systemd expect)\n"
"      --pidfile FILE     write the parent's process id to FILE, held locked:\n"
"                         a second instance naming it is refused\n"
"      --status-file FILE rewrite FILE every second with the tunnel's state\n"
"                         and counters, as JSON (mode 0644, nothing secret;\n"
"                         read it with 'tinytaptunnel show FILE')\n"
"      --metrics-file FILE  the same figures every second in Prometheus text\n"
"                         format, for node_exporter's textfile collector\n"
"      --mac ADDR         the tap's Ethernet address, xx:xx:xx:xx:xx:xx (unicast,\n"
"                         not all zero); default: derived from /etc/machine-id\n"
"                         and the interface name, locally administered, the same\n"
"                         after a restart (without a machine id, the kernel's\n"
"                         random one)\n"
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
"      --queues N         tap queues (default 1, at most 4): N > 1 opens a\n"
"                         multi-queue tap and N sockets sharing the port\n"
"                         (SO_REUSEPORT, received datagrams spread by the\n"
"                         inner flow), a thread for both directions of each;\n"
"                         replay and reflection records stay shared and\n"
"                         exact. Not with --threads 2\n"
"      --keepalive N      after N seconds of sending nothing, send the peer an\n"
"                         authenticated keepalive frame, which keeps NAT and\n"
"                         firewall state open for the peer's frames (default\n"
"                         0: never; at most 3600); a v1.4 peer passes it to\n"
"                         its tap, where the kernel drops it\n"
"      --no-offload       a plain tap: no checksum, TCP or UDP segmentation\n"
"                         offload (default: on where the kernel allows it;\n"
"                         the kernel hands over 64 KiB TCP super-frames,\n"
"                         cut into ordinary frames before they are sent,\n"
"                         and takes runs of received segments or, from\n"
"                         Linux 6.2, UDP datagrams as one)\n"
"      --no-sched-batch   keep the normal scheduling policy (default:\n"
"                         SCHED_BATCH while traffic is sparse, so that a\n"
"                         frame's wake-up never preempts the task that sent\n"
"                         it and a round trip wakes no idle CPU; SCHED_OTHER\n"
"                         while busy; a policy set with chrt or systemd's\n"
"                         CPUSchedulingPolicy=, batch too, is kept)\n"
"      --peer-timeout N   when the peer was given by host name and nothing\n"
"                         authenticated came from it for N seconds, resolve\n"
"                         the name again, and again every N seconds while it\n"
"                         stays silent: a peer whose address changed (dynamic\n"
"                         DNS, a move) is found again (default 0: never; at\n"
"                         most 86400)\n"
"  -v, --verbose          more log output, with a line for each refused\n"
"                         datagram (rate-limited); once is enough\n"
"  -q, --quiet            errors only\n"
"      --genkey           print a new key (base64) on standard output and exit\n"
"      --version          print the version and exit\n"
"  -h, --help             print this help and exit\n"
"\n"
"Show:\n"
"  tinytaptunnel show [FILE] summarises a status file (--status-file), or with\n"
"                    no FILE every /run/tinytaptunnel/*/status.json; it reads\n"
"                    the files only and needs no privilege. A first argument\n"
"                    \"show\" is always this command: a key file named show\n"
"                    is written ./show.\n"
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

#define FIELD(f) offsetof(struct ttt_config, f), sizeof(((struct ttt_config *)0)->f)
#define NUM(name, sh, f, lo, hi, dflt, words) \
	{ name, sh, 0, TTT_OPT_NUM, FIELD(f), .range = words, .min = lo, .max = hi, .def = dflt }
#define STR(name, sh, f, chk, dflt) \
	{ name, sh, 0, TTT_OPT_STR, FIELD(f), .check = chk, .sdef = dflt }
#define FLAG(name, sh, f)	{ name, sh, 0, TTT_OPT_FLAG, FIELD(f), .max = 1 }
#define COUNT(name, sh, f, hi)	{ name, sh, 0, TTT_OPT_COUNT, FIELD(f), .max = hi }
#define ACTION(name, sh, act)	{ name, sh, 0, TTT_OPT_ACTION, FIELD(action), .def = act }
#define ARG(noun, f, chk, dflt)	{ noun, 0, 1, TTT_OPT_STR, FIELD(f), .check = chk, .sdef = dflt }

/*
 * Every option and argument: the field it writes, its bounds or check, its
 * default. The parser, the defaults and the worker's check of a received
 * configuration (ttt_config_check) all read this and nothing else.
 */
const struct ttt_option ttt_cli_options[] = {
	STR("ifname", 'i', ifname, TTT_STR_IFNAME, TTT_TAP_DEFAULT_NAME),
	NUM("mtu", 0, mtu, TTT_MIN_MTU, TTT_MAX_MTU, TTT_MTU_AUTO, TTT_RANGE_NUMBER),
	NUM("window-ms", 0, window_ms, TTT_WINDOW_MS_MIN, TTT_WINDOW_MS_MAX,
	    TTT_DEFAULT_WINDOW_NS / TTT_NSEC_PER_MSEC, TTT_RANGE_NUMBER),
	STR("user", 'u', user, TTT_STR_NONEMPTY, ""),
	STR("chroot", 0, chroot_dir, TTT_STR_ABSPATH, TTT_DEFAULT_CHROOT),
	FLAG("daemon", 'd', daemonize),
	STR("pidfile", 0, pidfile, TTT_STR_ABSPATH, ""),
	STR("status-file", 0, status_file, TTT_STR_ABSPATH, ""),
	STR("metrics-file", 0, metrics_file, TTT_STR_ABSPATH, ""),
	STR("mac", 0, mac, TTT_STR_HWADDR, ""),
	FLAG("syslog", 0, use_syslog),
	NUM("stats-interval", 0, stats_interval, 0, TTT_STATS_INTERVAL_MAX, 0, TTT_RANGE_SECONDS),
	NUM("rekey-grace-ms", 0, rekey_grace_ms, 0, TTT_REKEY_GRACE_MS_MAX,
	    TTT_REKEY_GRACE_MS_DEFAULT, TTT_RANGE_NUMBER),
	NUM("threads", 0, threads, 1, TTT_THREADS_MAX, 1, TTT_RANGE_CHOICE),
	NUM("queues", 0, queues, 1, TTT_QUEUES_MAX, 1, TTT_RANGE_NUMBER),
	NUM("keepalive", 0, keepalive, 0, TTT_KEEPALIVE_MAX, 0, TTT_RANGE_SECONDS),
	NUM("peer-timeout", 0, peer_timeout, 0, TTT_PEER_TIMEOUT_MAX, 0, TTT_RANGE_SECONDS),
	COUNT("verbose", 'v', verbose, TTT_VERBOSE_MAX),
	FLAG("quiet", 'q', quiet),
	FLAG("no-offload", 0, no_offload),
	FLAG("no-sched-batch", 0, no_sched_batch),
	ACTION("genkey", 0, TTT_CLI_GENKEY),
	ACTION("version", 0, TTT_CLI_VERSION),
	ACTION("help", 'h', TTT_CLI_HELP),
	ARG("key file name", keyfile, TTT_STR_NONEMPTY, NULL),
	ARG("local address", local, TTT_STR_ANY, NULL),
	ARG("peer address", peer, TTT_STR_NONEMPTY, ""),
};
const size_t ttt_cli_noptions = sizeof(ttt_cli_options) / sizeof(ttt_cli_options[0]);
#define NOPTS (sizeof(ttt_cli_options) / sizeof(ttt_cli_options[0]))
#define OPT_BASE 256	/* getopt values of long options without a short form */

/* A field of cfg, as the table describes it. */
static int64_t *
num_field(struct ttt_config *cfg, const struct ttt_option *o)
{
	return (int64_t *)(void *)((char *)cfg + o->offset);
}

static const int64_t *
num_value(const struct ttt_config *cfg, const struct ttt_option *o)
{
	return (const int64_t *)(const void *)((const char *)cfg + o->offset);
}

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

static int
str_ok(enum ttt_opt_check check, const char *s)
{
	uint8_t mac[TTT_HWADDR_LEN];

	switch (check) {
	case TTT_STR_NONEMPTY:
		return s[0] != '\0';
	case TTT_STR_ABSPATH:
		return s[0] == '/';
	case TTT_STR_IFNAME:
		return s[0] != '\0' && strlen(s) < IFNAMSIZ && strchr(s, '/') == NULL;
	case TTT_STR_HWADDR:
		return ttt_hwaddr_parse(s, mac) == 0;
	default:
		return 1;
	}
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

static int
bad_number(const struct ttt_option *o, const char *arg, char *err, size_t errlen)
{
	char range[64];

	if (o->range == TTT_RANGE_SECONDS)
		(void)snprintf(range, sizeof(range), "seconds, %lld to %lld", o->min, o->max);
	else if (o->range == TTT_RANGE_CHOICE)
		(void)snprintf(range, sizeof(range), "%lld or %lld", o->min, o->max);
	else
		(void)snprintf(range, sizeof(range), "a number from %lld to %lld", o->min, o->max);
	return usage_error(err, errlen, "bad --%s '%s' (%s)", o->name, arg, range);
}

static int
bad_string(const struct ttt_option *o, const char *arg, char *err, size_t errlen)
{
	const char *dashes = o->positional ? "" : "--";

	switch (o->check) {
	case TTT_STR_IFNAME:
		return usage_error(err, errlen, "bad interface name '%s' (1 to %d characters, "
		    "no '/')", arg, IFNAMSIZ - 1);
	case TTT_STR_ABSPATH:
		return usage_error(err, errlen, "bad %s%s '%s' (an absolute path)", dashes,
		    o->name, arg);
	case TTT_STR_HWADDR:
		return usage_error(err, errlen, "bad --%s '%s' (xx:xx:xx:xx:xx:xx, unicast, "
		    "not all zero)", o->name, arg);
	default:
		return usage_error(err, errlen, "empty %s%s", dashes, o->name);
	}
}

/* Copied whole or refused: a cut path or address would name something else. */
static int
set_string(const struct ttt_option *o, const char *arg, struct ttt_config *cfg, char *err,
    size_t errlen)
{
	size_t len = strlen(arg);

	if (!str_ok(o->check, arg))
		return bad_string(o, arg, err, errlen);
	if (len >= o->size)
		return usage_error(err, errlen, "%s%s is too long (at most %zu characters)",
		    o->positional ? "" : "--", o->name, o->size - 1);
	memcpy((char *)cfg + o->offset, arg, len + 1);
	return 0;
}

static int
apply(const struct ttt_option *o, const char *arg, struct ttt_config *cfg, char *err,
    size_t errlen)
{
	long long v;

	switch (o->kind) {
	case TTT_OPT_NUM:
		if (parse_num(arg, o->min, o->max, &v) != 0)
			return bad_number(o, arg, err, errlen);
		*num_field(cfg, o) = v;
		return 0;
	case TTT_OPT_STR:
		return set_string(o, arg, cfg, err, errlen);
	case TTT_OPT_FLAG:
		*num_field(cfg, o) = 1;
		return 0;
	case TTT_OPT_COUNT:
		if (*num_field(cfg, o) < o->max)
			++*num_field(cfg, o);
		return 0;
	case TTT_OPT_ACTION:
		cfg->action = (int32_t)o->def;
		return 0;
	}
	return 0;
}

void
ttt_config_defaults(struct ttt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->version = TTT_CONFIG_VERSION;
	cfg->action = TTT_CLI_RUN;
	for (size_t i = 0; i < NOPTS; i++) {
		const struct ttt_option *o = &ttt_cli_options[i];

		if (o->kind == TTT_OPT_NUM)
			*num_field(cfg, o) = o->def;
		else if (o->kind == TTT_OPT_STR && o->sdef != NULL)
			(void)snprintf((char *)cfg + o->offset, o->size, "%s", o->sdef);
	}
}

int
ttt_config_resolves_peer(const struct ttt_config *c)
{
	return c->peer_timeout > 0 && c->peer[0] != '\0' && ttt_addr_spec_is_name(c->peer);
}

int
ttt_config_log_level(const struct ttt_config *c)
{
	return c->quiet ? TTT_LOG_ERR : c->verbose == 0 ? TTT_LOG_INFO : TTT_LOG_DEBUG;
}

/* getopt_long's view of the table. */
static void
getopt_tables(struct option *longs, char *shorts)
{
	size_t n = 0, k = 0;

	shorts[k++] = ':';	/* a missing value is ':', worded by us */
	for (size_t i = 0; i < NOPTS; i++) {
		const struct ttt_option *o = &ttt_cli_options[i];
		int takes = o->kind == TTT_OPT_NUM || o->kind == TTT_OPT_STR;

		if (o->positional)
			continue;
		longs[n++] = (struct option){ o->name, takes ? required_argument : no_argument,
		    NULL, o->short_name ? o->short_name : OPT_BASE + (int)i };
		if (o->short_name) {
			shorts[k++] = o->short_name;
			if (takes)
				shorts[k++] = ':';
		}
	}
	longs[n] = (struct option){ NULL, 0, NULL, 0 };
	shorts[k] = '\0';
}

static const struct ttt_option *
option_for(int c)
{
	if (c >= OPT_BASE && (size_t)(c - OPT_BASE) < NOPTS)
		return &ttt_cli_options[c - OPT_BASE];
	for (size_t i = 0; i < NOPTS; i++)
		if (ttt_cli_options[i].short_name != 0 && ttt_cli_options[i].short_name == c)
			return &ttt_cli_options[i];
	return NULL;
}

/* The arguments after the options, in table order. */
static int
parse_positional(int n, char **args, struct ttt_config *cfg, char *err, size_t errlen)
{
	int k = 0, rc, required = 0, most = 0;

	for (size_t i = 0; i < NOPTS; i++) {
		if (ttt_cli_options[i].positional) {
			most++;
			required += ttt_cli_options[i].sdef == NULL;
		}
	}
	if (n < required)
		return usage_error(err, errlen, "missing %s",
		    n == 0 ? "key file and local address" : "local address");
	if (n > most)
		return usage_error(err, errlen, "unexpected argument '%s'", args[most]);
	for (size_t i = 0; i < NOPTS && k < n; i++) {
		if (!ttt_cli_options[i].positional)
			continue;
		if ((rc = set_string(&ttt_cli_options[i], args[k++], cfg, err, errlen)) != 0)
			return rc;
	}
	return 0;
}

int
ttt_cli_parse(int argc, char **argv, struct ttt_config *cfg, char *err, size_t errlen)
{
	struct option longs[NOPTS + 1];
	char shorts[3 * NOPTS + 2];
	const struct ttt_option *o;
	int c, rc;

	ttt_config_defaults(cfg);
	getopt_tables(longs, shorts);
	err[0] = '\0';
	optind = 0;	/* a full reset of glibc's getopt, so a second parse starts afresh */
	opterr = 0;	/* we word the errors ourselves, one line each */
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == ':')
			return usage_error(err, errlen, "option '%s' needs a value",
			    argv[optind - 1]);
		if ((o = option_for(c)) == NULL)
			return usage_error(err, errlen, "unknown option '%s'", argv[optind - 1]);
		if ((rc = apply(o, optarg, cfg, err, errlen)) != 0)
			return rc;
		if (cfg->action == TTT_CLI_HELP)
			return 0;
	}
	if (cfg->quiet && cfg->verbose)
		return usage_error(err, errlen, "--quiet and --verbose together");
	if (cfg->queues > 1 && cfg->threads != 1)
		return usage_error(err, errlen, "--queues over 1 with --threads 2 (each queue "
		    "has one thread for both directions)");
	if (cfg->action != TTT_CLI_RUN)
		return 0;
	return parse_positional(argc - optind, argv + optind, cfg, err, errlen);
}

/* Every command-line field of a received configuration, against the table. */
int
ttt_config_check(const struct ttt_config *c)
{
	if (c->version != TTT_CONFIG_VERSION || c->action != TTT_CLI_RUN)
		return -EBADMSG;
	for (size_t i = 0; i < NOPTS; i++) {
		const struct ttt_option *o = &ttt_cli_options[i];
		const char *s = (const char *)c + o->offset;
		int64_t v = o->kind == TTT_OPT_STR || o->kind == TTT_OPT_ACTION ? 0 :
		    *num_value(c, o);

		if (o->kind == TTT_OPT_NUM && (v < o->min || v > o->max))
			return -EBADMSG;
		if ((o->kind == TTT_OPT_FLAG || o->kind == TTT_OPT_COUNT) && (v < 0 || v > o->max))
			return -EBADMSG;
		if (o->kind != TTT_OPT_STR)
			continue;
		if (memchr(s, '\0', o->size) == NULL)
			return -EBADMSG;
		/* Empty means "not given", which only an option with a default of "" allows. */
		if (s[0] == '\0' ? !(o->sdef != NULL && o->sdef[0] == '\0') : !str_ok(o->check, s))
			return -EBADMSG;
	}
	/* One thread a queue: --threads 2 splits the one queue's directions. */
	return (c->quiet && c->verbose) || (c->queues > 1 && c->threads != 1) ? -EBADMSG : 0;
}

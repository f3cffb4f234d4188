/*
 * The command line (src/cli.c): defaults, every option at and past its
 * bounds, the exact error lines tests/e2e/test_cli_errors.sh relies on,
 * positional arguments, and the configuration check a worker applies to
 * what it receives, which reads the same table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <cmocka.h>

#include "cli.h"
#include "log.h"
#include "privdrop.h"
#include "tap.h"
#include "wire.h"

#define MAXARGS 16

static struct ttt_config cfg;
static char err[TTT_CLI_ERR_MAX];

/* Parse "tinytaptunnel" followed by the NULL-terminated arguments. */
static int
parse_v(const char *first, va_list ap)
{
	static char store[MAXARGS][512];
	char *argv[MAXARGS + 1];
	int argc = 0;

	snprintf(store[argc], sizeof(store[0]), "tinytaptunnel");
	argv[argc] = store[argc];
	argc++;
	for (const char *a = first; a != NULL; a = va_arg(ap, const char *)) {
		assert_true(argc < MAXARGS && strlen(a) < sizeof(store[0]));
		snprintf(store[argc], sizeof(store[0]), "%s", a);
		argv[argc] = store[argc];
		argc++;
	}
	argv[argc] = NULL;
	return ttt_cli_parse(argc, argv, &cfg, err, sizeof(err));
}

static int
parse(const char *first, ...)
{
	va_list ap;
	int rc;

	va_start(ap, first);
	rc = parse_v(first, ap);
	va_end(ap);
	return rc;
}

/* The parse fails with exactly this line. */
#define REFUSED(line, ...) do {						\
	assert_int_equal(parse(__VA_ARGS__, NULL), EX_USAGE);		\
	assert_string_equal(err, line);					\
} while (0)
#define ACCEPTED(...) do {						\
	assert_int_equal(parse(__VA_ARGS__, NULL), 0);			\
	assert_string_equal(err, "");					\
} while (0)

/* A string of n copies of c, after prefix. */
static const char *
repeat(const char *prefix, char c, size_t n)
{
	static char buf[2][1024];
	static int which;
	char *b = buf[which ^= 1];
	size_t p = strlen(prefix);

	assert_true(p + n < sizeof(buf[0]));
	memcpy(b, prefix, p);
	memset(b + p, c, n);
	b[p + n] = '\0';
	return b;
}

static void
test_defaults(void **state)
{
	(void)state;
	ACCEPTED("k", ":9000");
	assert_int_equal(cfg.version, TTT_CONFIG_VERSION);
	assert_int_equal(cfg.action, TTT_CLI_RUN);
	assert_string_equal(cfg.keyfile, "k");
	assert_string_equal(cfg.local, ":9000");
	assert_string_equal(cfg.peer, "");
	assert_string_equal(cfg.user, "");
	assert_string_equal(cfg.pidfile, "");
	assert_string_equal(cfg.mac, "");	/* derived from the machine id */
	assert_string_equal(cfg.chroot_dir, TTT_DEFAULT_CHROOT);
	assert_string_equal(cfg.ifname, TTT_TAP_DEFAULT_NAME);
	assert_int_equal(cfg.mtu, TTT_MTU_AUTO);	/* the parent chooses from the underlay */
	assert_int_equal(cfg.window_ms * TTT_NSEC_PER_MSEC, TTT_DEFAULT_WINDOW_NS);
	assert_int_equal(cfg.rekey_grace_ms, TTT_REKEY_GRACE_MS_DEFAULT);
	assert_int_equal(cfg.threads, 1);
	assert_int_equal(cfg.stats_interval, 0);
	assert_int_equal(cfg.keepalive, 0);	/* off, as WireGuard's PersistentKeepalive */
	assert_int_equal(cfg.peer_timeout, 0);	/* a named peer is resolved once, at start */
	assert_int_equal(cfg.daemonize, 0);
	assert_int_equal(cfg.use_syslog, 0);
	assert_int_equal(cfg.no_offload, 0);	/* offloads where the kernel allows */
	assert_int_equal(ttt_config_log_level(&cfg), TTT_LOG_INFO);
	/* A worker never gets an MTU left to choose: its check refuses one. */
	assert_int_equal(ttt_config_check(&cfg), -EBADMSG);
	/* What a worker would receive, the MTU chosen (run section aside), passes its check. */
	cfg.mtu = TTT_DEFAULT_MTU6;
	assert_int_equal(ttt_config_check(&cfg), 0);
	ACCEPTED("k", ":9000", "192.0.2.1:9000");
	assert_string_equal(cfg.peer, "192.0.2.1:9000");
}

struct num_case {
	const char *opt, *line_low, *line_high;
	long long min, max;
	size_t offset;
};

/* Every number: both bounds accepted and stored, one past each refused
 * with its exact line. The ranges come from the constants. */
static void
test_numbers_at_their_bounds(void **state)
{
	static const struct num_case cases[] = {
		{ "--mtu", "bad --mtu '67' (a number from 68 to 9000)",
		    "bad --mtu '9001' (a number from 68 to 9000)",
		    TTT_MIN_MTU, TTT_MAX_MTU, offsetof(struct ttt_config, mtu) },
		{ "--window-ms", "bad --window-ms '249' (a number from 250 to 30000)",
		    "bad --window-ms '30001' (a number from 250 to 30000)",
		    TTT_WINDOW_MS_MIN, TTT_WINDOW_MS_MAX, offsetof(struct ttt_config, window_ms) },
		{ "--stats-interval", "bad --stats-interval '-1' (seconds, 0 to 86400)",
		    "bad --stats-interval '86401' (seconds, 0 to 86400)",
		    0, TTT_STATS_INTERVAL_MAX, offsetof(struct ttt_config, stats_interval) },
		{ "--rekey-grace-ms", "bad --rekey-grace-ms '-1' (a number from 0 to 3600000)",
		    "bad --rekey-grace-ms '3600001' (a number from 0 to 3600000)",
		    0, TTT_REKEY_GRACE_MS_MAX, offsetof(struct ttt_config, rekey_grace_ms) },
		{ "--threads", "bad --threads '0' (1 or 2)", "bad --threads '3' (1 or 2)",
		    1, TTT_THREADS_MAX, offsetof(struct ttt_config, threads) },
		{ "--queues", "bad --queues '0' (a number from 1 to 4)",
		    "bad --queues '5' (a number from 1 to 4)",
		    1, TTT_QUEUES_MAX, offsetof(struct ttt_config, queues) },
		{ "--keepalive", "bad --keepalive '-1' (seconds, 0 to 3600)",
		    "bad --keepalive '3601' (seconds, 0 to 3600)",
		    0, TTT_KEEPALIVE_MAX, offsetof(struct ttt_config, keepalive) },
		{ "--peer-timeout", "bad --peer-timeout '-1' (seconds, 0 to 86400)",
		    "bad --peer-timeout '86401' (seconds, 0 to 86400)",
		    0, TTT_PEER_TIMEOUT_MAX, offsetof(struct ttt_config, peer_timeout) },
	};
	size_t nnum = 0;
	char v[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct num_case *c = &cases[i];
		int64_t got;

		snprintf(v, sizeof(v), "%lld", c->min);
		ACCEPTED(c->opt, v, "k", ":9000");
		memcpy(&got, (const char *)&cfg + c->offset, sizeof(got));
		assert_int_equal(got, c->min);
		snprintf(v, sizeof(v), "%lld", c->max);
		ACCEPTED(c->opt, v, "k", ":9000");
		memcpy(&got, (const char *)&cfg + c->offset, sizeof(got));
		assert_int_equal(got, c->max);
		snprintf(v, sizeof(v), "%lld", c->min - 1);
		REFUSED(c->line_low, c->opt, v, "k", ":9000");
		snprintf(v, sizeof(v), "%lld", c->max + 1);
		REFUSED(c->line_high, c->opt, v, "k", ":9000");
	}
	/* Nothing before or after the digits; no overflow. */
	REFUSED("bad --mtu '1418x' (a number from 68 to 9000)", "--mtu", "1418x", "k", ":9");
	REFUSED("bad --mtu ' 1418' (a number from 68 to 9000)", "--mtu", " 1418", "k", ":9");
	REFUSED("bad --mtu '+1418' (a number from 68 to 9000)", "--mtu", "+1418", "k", ":9");
	REFUSED("bad --mtu '' (a number from 68 to 9000)", "--mtu", "", "k", ":9");
	REFUSED("bad --threads 'two' (1 or 2)", "--threads", "two", "k", ":9");
	REFUSED("bad --queues 'two' (a number from 1 to 4)", "--queues", "two", "k", ":9");
	/* A thread a queue carries both directions: not with --threads 2. */
	REFUSED("--queues over 1 with --threads 2 (each queue has one thread for both "
	    "directions)", "--queues", "2", "--threads", "2", "k", ":9");
	ACCEPTED("--queues", "4", "--threads", "1", "k", ":9");
	assert_int_equal(cfg.queues, 4);
	cfg.mtu = TTT_DEFAULT_MTU;	/* as the parent completes it */
	assert_int_equal(ttt_config_check(&cfg), 0);
	cfg.threads = 2;
	assert_int_equal(ttt_config_check(&cfg), -EBADMSG);
	ACCEPTED("--queues", "1", "--threads", "2", "k", ":9");
	REFUSED("bad --peer-timeout 'ten' (seconds, 0 to 86400)", "--peer-timeout", "ten",
	    "k", ":9");
	REFUSED("bad --peer-timeout '99999999999999999999' (seconds, 0 to 86400)",
	    "--peer-timeout", "99999999999999999999", "k", ":9");
	REFUSED("bad --window-ms '99999999999999999999' (a number from 250 to 30000)",
	    "--window-ms", "99999999999999999999", "k", ":9");
	ACCEPTED("--mtu=1500", "k", ":9");
	assert_int_equal(cfg.mtu, 1500);
	/* The cases above are every number the table has. */
	for (size_t i = 0; i < ttt_cli_noptions; i++)
		nnum += ttt_cli_options[i].kind == TTT_OPT_NUM;
	assert_int_equal(nnum, sizeof(cases) / sizeof(cases[0]));
}

/* The parent re-resolves (and its sandbox lets it) only a peer given by
 * name, with --peer-timeout. */
static void
test_resolves_peer(void **state)
{
	(void)state;
	ACCEPTED("--peer-timeout", "30", "k", ":9", "peer.example.net:9");
	assert_true(ttt_config_resolves_peer(&cfg));
	ACCEPTED("k", ":9", "peer.example.net:9");
	assert_false(ttt_config_resolves_peer(&cfg));		/* no --peer-timeout */
	ACCEPTED("--peer-timeout", "30", "k", ":9");
	assert_false(ttt_config_resolves_peer(&cfg));		/* no peer: learnt */
	ACCEPTED("--peer-timeout", "30", "k", ":9", "192.0.2.1:9");
	assert_false(ttt_config_resolves_peer(&cfg));		/* a literal never moves */
	ACCEPTED("--peer-timeout", "30", "k", ":9", "[2001:db8::1]:9");
	assert_false(ttt_config_resolves_peer(&cfg));
	ACCEPTED("--peer-timeout", "30", "k", ":9", "[fe80::1%eth0]:9");
	assert_false(ttt_config_resolves_peer(&cfg));
	ACCEPTED("--peer-timeout", "30", "k", ":9", "[localhost]:9");
	assert_true(ttt_config_resolves_peer(&cfg));
}

static void
test_strings(void **state)
{
	(void)state;
	ACCEPTED("-i", repeat("", 'x', IFNAMSIZ - 1), "k", ":9");
	assert_int_equal(strlen(cfg.ifname), IFNAMSIZ - 1);
	REFUSED("bad interface name 'xxxxxxxxxxxxxxxx' (1 to 15 characters, no '/')",
	    "-i", repeat("", 'x', IFNAMSIZ), "k", ":9");
	REFUSED("bad interface name 'a/b' (1 to 15 characters, no '/')", "--ifname", "a/b",
	    "k", ":9");
	REFUSED("bad interface name '' (1 to 15 characters, no '/')", "-i", "", "k", ":9");
	ACCEPTED("-u", "tinytaptunnel", "k", ":9");
	assert_string_equal(cfg.user, "tinytaptunnel");
	REFUSED("empty --user", "--user", "", "k", ":9");
	ACCEPTED("-u", repeat("", 'u', TTT_CONFIG_USER_MAX - 1), "k", ":9");
	REFUSED("--user is too long (at most 63 characters)",
	    "-u", repeat("", 'u', TTT_CONFIG_USER_MAX), "k", ":9");
	REFUSED("bad --chroot 'relative' (an absolute path)", "--chroot", "relative", "k", ":9");
	REFUSED("bad --pidfile 'ttt.pid' (an absolute path)", "--pidfile", "ttt.pid", "k", ":9");
	ACCEPTED("--chroot", repeat("/", 'c', TTT_CONFIG_PATH_MAX - 2), "k", ":9");
	assert_int_equal(strlen(cfg.chroot_dir), TTT_CONFIG_PATH_MAX - 1);
	REFUSED("--chroot is too long (at most 255 characters)",
	    "--chroot", repeat("/", 'c', TTT_CONFIG_PATH_MAX - 1), "k", ":9");
	ACCEPTED("--pidfile", "/run/ttt.pid", "k", ":9");
	assert_string_equal(cfg.pidfile, "/run/ttt.pid");
	REFUSED("--pidfile is too long (at most 255 characters)",
	    "--pidfile", repeat("/", 'p', TTT_CONFIG_PATH_MAX - 1), "k", ":9");
	/* --mac: an interface's own address, whole, or refused with the reason. */
	ACCEPTED("--mac", "02:11:22:33:44:55", "k", ":9");
	assert_string_equal(cfg.mac, "02:11:22:33:44:55");
	cfg.mtu = TTT_DEFAULT_MTU;	/* the parent resolves the default first */
	assert_int_equal(ttt_config_check(&cfg), 0);
	ACCEPTED("--mac", "AA:BB:CC:DD:EE:F0", "k", ":9");
	assert_string_equal(cfg.mac, "AA:BB:CC:DD:EE:F0");
	REFUSED("bad --mac '02:11:22:33:44' (xx:xx:xx:xx:xx:xx, unicast, not all zero)",
	    "--mac", "02:11:22:33:44", "k", ":9");
	REFUSED("bad --mac '02:11:22:33:44:55:66' (xx:xx:xx:xx:xx:xx, unicast, not all zero)",
	    "--mac", "02:11:22:33:44:55:66", "k", ":9");
	REFUSED("bad --mac '01:00:5e:00:00:01' (xx:xx:xx:xx:xx:xx, unicast, not all zero)",
	    "--mac", "01:00:5e:00:00:01", "k", ":9");
	REFUSED("bad --mac '00:00:00:00:00:00' (xx:xx:xx:xx:xx:xx, unicast, not all zero)",
	    "--mac", "00:00:00:00:00:00", "k", ":9");
	REFUSED("bad --mac '' (xx:xx:xx:xx:xx:xx, unicast, not all zero)", "--mac", "", "k", ":9");
	/* Positional arguments: whole or refused, never cut. */
	ACCEPTED(repeat("", 'k', TTT_CONFIG_PATH_MAX - 1), ":9");
	REFUSED("key file name is too long (at most 255 characters)",
	    repeat("", 'k', TTT_CONFIG_PATH_MAX), ":9");
	ACCEPTED("k", repeat(":", '9', TTT_ADDR_SPEC_MAX - 1));
	REFUSED("local address is too long (at most 300 characters)",
	    "k", repeat(":", '9', TTT_ADDR_SPEC_MAX));
	REFUSED("peer address is too long (at most 300 characters)",
	    "k", ":9", repeat("h:", '9', TTT_ADDR_SPEC_MAX - 1));
	REFUSED("empty key file name", "", ":9");
	REFUSED("empty peer address", "k", ":9", "");
}

static void
test_positional_counts(void **state)
{
	(void)state;
	REFUSED("missing key file and local address", "-v");
	REFUSED("missing local address", "k");
	REFUSED("unexpected argument 'extra'", "k", ":9", "h:9", "extra");
	ACCEPTED("k", ":9", "h:9");
	/* Options after the arguments, as getopt permutes them. */
	ACCEPTED("k", ":9", "--mtu", "1500");
	assert_int_equal(cfg.mtu, 1500);
}

static void
test_flags_and_levels(void **state)
{
	(void)state;
	ACCEPTED("-q", "k", ":9");
	assert_int_equal(ttt_config_log_level(&cfg), TTT_LOG_ERR);
	ACCEPTED("-v", "k", ":9");
	assert_int_equal(ttt_config_log_level(&cfg), TTT_LOG_DEBUG);
	assert_int_equal(cfg.verbose, 1);
	ACCEPTED("-vvvv", "k", ":9");
	assert_int_equal(cfg.verbose, TTT_VERBOSE_MAX);	/* counted up to its bound */
	REFUSED("--quiet and --verbose together", "-q", "-v", "k", ":9");
	REFUSED("--quiet and --verbose together", "--verbose", "--quiet", "k", ":9");
	ACCEPTED("-d", "k", ":9");
	assert_int_equal(cfg.daemonize, 1);
	ACCEPTED("--syslog", "k", ":9");
	assert_int_equal(cfg.use_syslog, 1);
	ACCEPTED("--no-offload", "k", ":9");
	assert_int_equal(cfg.no_offload, 1);
	REFUSED("unknown option '--no-offload=1'", "--no-offload=1", "k", ":9");
	ACCEPTED("--no-sched-batch", "k", ":9");
	assert_int_equal(cfg.no_sched_batch, 1);
	REFUSED("unknown option '--no-sched-batch=1'", "--no-sched-batch=1", "k", ":9");
	assert_int_equal(cfg.daemonize, 0);
}

static void
test_actions(void **state)
{
	(void)state;
	ACCEPTED("--help");
	assert_int_equal(cfg.action, TTT_CLI_HELP);
	/* Help wins, whatever follows. */
	ACCEPTED("-h", "--mtu", "1", "--frobnicate");
	assert_int_equal(cfg.action, TTT_CLI_HELP);
	ACCEPTED("--version");
	assert_int_equal(cfg.action, TTT_CLI_VERSION);
	ACCEPTED("--genkey");
	assert_int_equal(cfg.action, TTT_CLI_GENKEY);
	REFUSED("bad --mtu '1' (a number from 68 to 9000)", "--genkey", "--mtu", "1");
	/* A configuration for any action but running is no worker's. */
	assert_int_equal(parse("--version", NULL), 0);
	assert_int_equal(ttt_config_check(&cfg), -EBADMSG);
}

static void
test_unknown_and_missing(void **state)
{
	(void)state;
	REFUSED("unknown option '--frobnicate'", "--frobnicate", "k", ":9");
	REFUSED("unknown option '-x'", "-x", "k", ":9");
	REFUSED("option '--user' needs a value", "k", ":9", "--user");
	REFUSED("option '-i' needs a value", "k", ":9", "-i");
	REFUSED("unknown option '--worker-internal'", "--worker-internal", "k", ":9");
	/* The parser starts afresh each time, even after an error mid-group. */
	REFUSED("unknown option '-vx'", "-vx", "k", ":9");	/* the word, as given */
	ACCEPTED("-q", "k", ":9");
	assert_int_equal(cfg.verbose, 0);
}

/* The worker's check reads the same table as the parser. */
static void
test_check_follows_the_table(void **state)
{
	static struct ttt_config c;

	(void)state;
	ACCEPTED("k", ":9");
	cfg.mtu = TTT_DEFAULT_MTU6;	/* as the parent chooses it before any worker sees it */
	c = cfg;
	assert_int_equal(ttt_config_check(&c), 0);
	for (size_t i = 0; i < ttt_cli_noptions; i++) {
		const struct ttt_option *o = &ttt_cli_options[i];
		int64_t v;

		c = cfg;
		if (o->kind == TTT_OPT_STR) {
			memset((char *)&c + o->offset, 'x', o->size);	/* unterminated */
			assert_int_equal(ttt_config_check(&c), -EBADMSG);
			continue;
		}
		if (o->kind == TTT_OPT_ACTION)
			continue;
		v = o->max + 1;
		memcpy((char *)&c + o->offset, &v, sizeof(v));
		assert_int_equal(ttt_config_check(&c), -EBADMSG);
		v = (o->kind == TTT_OPT_NUM ? o->min : 0) - 1;
		memcpy((char *)&c + o->offset, &v, sizeof(v));
		assert_int_equal(ttt_config_check(&c), -EBADMSG);
	}
	c = cfg;
	c.version++;
	assert_int_equal(ttt_config_check(&c), -EBADMSG);
	/* A received --mac is checked as the parser checks it. */
	c = cfg;
	memcpy(c.mac, "ff:ff:ff:ff:ff:ff", sizeof(c.mac));
	assert_int_equal(ttt_config_check(&c), -EBADMSG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_numbers_at_their_bounds),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_resolves_peer),
		cmocka_unit_test(test_positional_counts),
		cmocka_unit_test(test_flags_and_levels),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_unknown_and_missing),
		cmocka_unit_test(test_check_follows_the_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

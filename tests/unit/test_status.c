/*
 * The status and metrics files (src/status.c): a worker's times are
 * checked against its life; the documents hold exactly the figures given,
 * escaped, whole or not at all; the file is replaced atomically, 0644,
 * and a symlink planted at the path or at its temporary name is never
 * followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "ipc.h"
#include "status.h"
#include "wire.h"

#define S TTT_NSEC_PER_SEC
#define MS TTT_NSEC_PER_MSEC

static void
test_report_times_within_the_workers_life(void **state)
{
	struct ttt_worker_report r = { 0 };
	const int64_t born = 100 * S, now = 200 * S;

	(void)state;
	assert_true(ttt_status_report_sane(&r, born, now));	/* nothing yet */
	r.last_rx_ns = born;
	r.last_tx_ns = now;
	assert_true(ttt_status_report_sane(&r, born, now));
	r.last_rx_ns = born - 1;	/* before the worker existed */
	assert_false(ttt_status_report_sane(&r, born, now));
	r.last_rx_ns = born;
	r.last_tx_ns = now + 1;		/* in the parent's future */
	assert_false(ttt_status_report_sane(&r, born, now));
}

/* A status with every counter set to its index + 1. */
static void
fill(struct ttt_status_track *t, const struct ttt_config *cfg, int rotating)
{
	struct ttt_stats ended = { { 0 } }, cur = { { 0 } };
	struct ttt_status_key key = { rotating, 150 * 1000 };
	struct ttt_worker_report r = { .last_rx_ns = 120 * S, .last_tx_ns = 0 };

	for (unsigned i = 0; i < TTT_STAT_N; i++)
		cur.v[i] = i + 1;
	ended.v[TTT_STAT_RX_REPLAY] = UINT64_MAX;	/* saturates, never wraps */
	ttt_status_track_init(t, 100 * S);
	ttt_status_worker_started(t, INT64_C(1700000000) * S);
	ttt_status_worker_started(t, INT64_C(1700000005) * S);
	ttt_status_take_report(t, &r);
	ttt_status_fill(t, cfg, "tap\"0\x01", &key, 4242, &ended, &cur, 130 * S + 5 * MS,
	    INT64_C(1700000030) * S);
}

static struct ttt_config
config(void)
{
	struct ttt_config c;

	memset(&c, 0, sizeof(c));
	c.mtu = 1418;
	(void)snprintf(c.local, sizeof(c.local), ":9001");
	c.run.flags = TTT_CONFIG_HAVE_PEER;
	c.run.peer.family = 2;	/* AF_INET */
	c.run.peer.port = htons(9002);
	c.run.peer.addr[0] = 192;
	c.run.peer.addr[2] = 2;
	c.run.peer.addr[3] = 2;
	return c;
}

static void
test_fill_tracks_workers_keys_and_ages(void **state)
{
	static struct ttt_status_track t;
	struct ttt_config c = config();

	(void)state;
	fill(&t, &c, 0);
	assert_int_equal(t.st.restarts, 1);
	assert_int_equal(t.st.worker_started_wall_s, 1700000005);
	assert_int_equal(t.st.uptime_s, 30);
	assert_int_equal(t.st.last_rx_age_ms, 10005);
	assert_int_equal(t.st.last_tx_age_ms, -1);
	assert_string_equal(t.st.peer, "192.0.2.2:9002");
	assert_int_equal(t.st.peer_source, TTT_PEER_LEARNT);
	assert_int_equal(t.st.rotation, TTT_ROTATION_NONE);
	assert_int_equal(t.st.key_generation, 1);
	assert_true(t.st.totals.v[TTT_STAT_RX_REPLAY] == UINT64_MAX);
	/* A rotation: waiting until a report after the key says confirmed. */
	fill(&t, &c, 1);
	ttt_status_new_key(&t);
	assert_int_equal(t.st.key_generation, 2);
	assert_int_equal(t.st.rotation, TTT_ROTATION_WAITING);
	assert_int_equal(t.st.rotation_deadline_ms, 150000 - 130005);
}

static void
test_json_escapes_and_is_whole_or_nothing(void **state)
{
	static struct ttt_status_track t;
	static char buf[TTT_STATUS_BUF_MAX];
	struct ttt_config c = config();
	size_t n;

	(void)state;
	fill(&t, &c, 0);
	n = ttt_status_json(&t.st, buf, sizeof(buf));
	assert_true(n > 0 && n == strlen(buf));
	assert_non_null(strstr(buf, "\"name\": \"tap\\\"0\\u0001\""));
	assert_non_null(strstr(buf, "\"replay\": 18446744073709551615"));
	assert_non_null(strstr(buf, "\"last_tx_age_ms\": null"));
	assert_non_null(strstr(buf, "\"pid\": 4242"));
	assert_null(strstr(buf, "key\": \"")); /* no key material, ever: only its state */
	/* One byte short: nothing, not a cut document. */
	assert_int_equal(ttt_status_json(&t.st, buf, n), 0);
	assert_string_equal(buf, "");
}

static void
test_prom_families_have_help_and_type(void **state)
{
	static struct ttt_status_track t;
	static char buf[TTT_STATUS_BUF_MAX];
	struct ttt_config c = config();
	char *line, *save = NULL, family[128] = "";

	(void)state;
	fill(&t, &c, 0);
	assert_true(ttt_status_prom(&t.st, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "tinytaptunnel_rx_refused_total{interface=\"tap\\\"0?\","
	    "reason=\"wrong-peer\"} 21\n"));
	assert_non_null(strstr(buf, "tinytaptunnel_rx_frames_total{interface=\"tap\\\"0?\"} 12\n"));
	assert_non_null(strstr(buf, "tinytaptunnel_last_rx_seconds{interface=\"tap\\\"0?\"} 10.005\n"));
	assert_null(strstr(buf, "last_tx_seconds"));	/* never: left out */
	/* Every sample follows its family's HELP and TYPE. */
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# TYPE ", 7) == 0) {
			(void)snprintf(family, sizeof(family), "%.*s", (int)strcspn(line + 7, " "),
			    line + 7);
		} else if (line[0] != '#') {
			assert_int_equal(strncmp(line, family, strlen(family)), 0);
			assert_true(strchr(" {", line[strlen(family)]) != NULL);
		}
	}
}

static char dir[] = "/tmp/ttt-test-status.XXXXXX";

static void
path_in(char *out, size_t cap, const char *name)
{
	(void)snprintf(out, cap, "%s/%s", dir, name);
}

static void
test_write_replaces_symlinks_never_follows(void **state)
{
	char path[PATH_MAX], tmp[PATH_MAX], target[PATH_MAX], buf[16];
	struct stat sb;
	mode_t old = umask(077);
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path_in(path, sizeof(path), "status.json");
	path_in(tmp, sizeof(tmp), "status.json.tmp");
	path_in(target, sizeof(target), "target");
	fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0 && write(fd, "precious", 8) == 8 && close(fd) == 0);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(symlink(target, tmp), 0);
	assert_int_equal(ttt_status_write_file(path, "{}\n", 3), 0);
	/* The target is untouched; the path is a regular file, 0644; no temporary. */
	fd = open(target, O_RDONLY);
	assert_true(fd >= 0 && read(fd, buf, sizeof(buf)) == 8 && close(fd) == 0);
	assert_memory_equal(buf, "precious", 8);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0644);
	assert_int_equal(sb.st_size, 3);
	assert_int_equal(lstat(tmp, &sb), -1);
	assert_int_equal(ttt_status_write_file("/nonexistent-dir/x", "{}", 2), -ENOENT);
	(void)umask(old);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(unlink(target), 0);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_times_within_the_workers_life),
		cmocka_unit_test(test_fill_tracks_workers_keys_and_ages),
		cmocka_unit_test(test_json_escapes_and_is_whole_or_nothing),
		cmocka_unit_test(test_prom_families_have_help_and_type),
		cmocka_unit_test(test_write_replaces_symlinks_never_follows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

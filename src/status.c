/*
 * The status and metrics files (see status.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "ipc.h"
#include "status.h"
#include "text.h"
#include "wire.h"

enum group { G_PLAIN, G_DROP, G_ERR };

/*
 * Every counter, once: its direction, its group, its key in the JSON
 * object and the Prometheus family it belongs to (a family's lines are
 * consecutive: its HELP and TYPE are written before its first one).
 */
static const struct counter {
	enum ttt_stat stat;
	int rx;
	enum group g;
	const char *key, *metric, *help;
} counters[] = {
	{ TTT_STAT_TX_FRAMES, 0, G_PLAIN, "frames", "tx_frames_total",
	  "Frames read from the tap and sent to the peer." },
	{ TTT_STAT_TX_BYTES, 0, G_PLAIN, "bytes", "tx_bytes_total",
	  "Bytes of the frames sent (Ethernet header and payload)." },
	{ TTT_STAT_TX_SEGMENTED, 0, G_PLAIN, "segmented", "tx_segmented_frames_total",
	  "Frames sent in one message with others (UDP GSO)." },
	{ TTT_STAT_TX_KEEPALIVE, 0, G_PLAIN, "keepalives", "tx_keepalives_total",
	  "Keepalive frames sent after a quiet spell (--keepalive); not in frames." },
	{ TTT_STAT_TX_SPLIT, 0, G_PLAIN, "split", "tx_split_superframes_total",
	  "Super-frames the tap handed over (TSO), cut into frames." },
	{ TTT_STAT_TX_OFFLOAD_OFF, 0, G_PLAIN, "offload-refused", "tx_offload_refused_total",
	  "Workers started on a tap whose kernel refused an offload." },
	{ TTT_STAT_TX_NOPEER, 0, G_DROP, "no-peer", "tx_dropped_total",
	  "Tap frames not sent, by reason." },
	{ TTT_STAT_TX_LONG, 0, G_DROP, "long", "tx_dropped_total", NULL },
	{ TTT_STAT_TX_BAD_OFFLOAD, 0, G_DROP, "bad-offload", "tx_dropped_total", NULL },
	{ TTT_STAT_TX_TAP_ERR, 0, G_ERR, "tap", "tx_errors_total",
	  "Errors on the send path, by where they happened." },
	{ TTT_STAT_TX_SOCK_ERR, 0, G_ERR, "socket", "tx_errors_total", NULL },
	{ TTT_STAT_RX_FRAMES, 1, G_PLAIN, "frames", "rx_frames_total",
	  "Authenticated frames received and written to the tap." },
	{ TTT_STAT_RX_BYTES, 1, G_PLAIN, "bytes", "rx_bytes_total",
	  "Bytes of the frames received (Ethernet header and payload)." },
	{ TTT_STAT_RX_COALESCED, 1, G_PLAIN, "coalesced", "rx_coalesced_datagrams_total",
	  "Datagrams received in one message with others (UDP GRO)." },
	{ TTT_STAT_RX_KEEPALIVE, 1, G_PLAIN, "keepalives", "rx_keepalives_total",
	  "Authenticated keepalive frames received; never written to the tap." },
	{ TTT_STAT_RX_MERGED, 1, G_PLAIN, "merged", "rx_merged_frames_total",
	  "Frames written to the tap in one super-frame with others (TCP and UDP coalescing)." },
	{ TTT_STAT_RX_MERGED_UDP, 1, G_PLAIN, "merged-udp", "rx_merged_udp_frames_total",
	  "Of those, UDP datagrams (the tap's UDP segmentation offload)." },
	{ TTT_STAT_RX_SHORT, 1, G_DROP, "short", "rx_refused_total",
	  "Datagrams refused, by reason." },
	{ TTT_STAT_RX_LONG, 1, G_DROP, "long", "rx_refused_total", NULL },
	{ TTT_STAT_RX_BADMAC, 1, G_DROP, "badmac", "rx_refused_total", NULL },
	{ TTT_STAT_RX_STALE, 1, G_DROP, "stale", "rx_refused_total", NULL },
	{ TTT_STAT_RX_FUTURE, 1, G_DROP, "future", "rx_refused_total", NULL },
	{ TTT_STAT_RX_REPLAY, 1, G_DROP, "replay", "rx_refused_total", NULL },
	{ TTT_STAT_RX_REFLECTED, 1, G_DROP, "reflected", "rx_refused_total", NULL },
	{ TTT_STAT_RX_WRONG_PEER, 1, G_DROP, "wrong-peer", "rx_refused_total", NULL },
	{ TTT_STAT_RX_TAP_ERR, 1, G_ERR, "tap", "rx_errors_total",
	  "Errors on the receive path, by where they happened." },
	{ TTT_STAT_RX_SOCK_ERR, 1, G_ERR, "socket", "rx_errors_total", NULL },
};
#define NCOUNTERS (sizeof(counters) / sizeof(counters[0]))
_Static_assert(NCOUNTERS == TTT_STAT_N, "every counter in the table once");

const char *
ttt_status_counter_key(enum ttt_stat s)
{
	for (size_t i = 0; i < NCOUNTERS; i++)
		if (counters[i].stat == s)
			return counters[i].key;
	return "unknown";
}

/* An output buffer that remembers running out of room. */
/* A JSON string: quote and backslash escaped, any other byte outside
 * printable ASCII as \u00XX (an interface name may hold anything but '/'). */
static void
put_json_str(struct ttt_text *o, const char *s)
{
	ttt_text_put(o, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			ttt_text_put(o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			ttt_text_put(o, "\\u%04x", c);
		else
			ttt_text_put(o, "%c", c);
	}
	ttt_text_put(o, "\"");
}

/* A Prometheus label value: backslash, quote and newline escaped; any other
 * byte outside printable ASCII as '?', so the file is always valid UTF-8. */
static void
put_label(struct ttt_text *o, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			ttt_text_put(o, "\\%c", c);
		else if (c == '\n')
			ttt_text_put(o, "\\n");
		else
			ttt_text_put(o, "%c", c >= 0x20 && c < 0x7f ? c : '?');
	}
}

static void
put_opt(struct ttt_text *o, int64_t v)
{
	if (v < 0)
		ttt_text_put(o, "null");
	else
		ttt_text_put(o, "%lld", (long long)v);
}

static size_t
finish(struct ttt_text *o)
{
	if (o->full || o->cap == 0) {
		if (o->cap > 0)
			o->buf[0] = '\0';
		return 0;
	}
	return o->len;
}

static const char *
peer_source_name(enum ttt_peer_source p)
{
	return p == TTT_PEER_FIXED ? "fixed" : p == TTT_PEER_LEARNT ? "learnt" : "none";
}

static const char *
rotation_name(enum ttt_rotation r)
{
	return r == TTT_ROTATION_WAITING ? "waiting" : r == TTT_ROTATION_CONFIRMED ?
	    "confirmed" : "none";
}

/* One direction's counters: the plain ones, then the refusals, then the errors. */
static void
json_direction(struct ttt_text *o, const struct ttt_stats *t, int rx)
{
	static const char *const sub[] = { NULL, NULL, "errors" };
	int first = 1;

	ttt_text_put(o, "  \"%s\": {", rx ? "rx" : "tx");
	for (int g = G_PLAIN; g <= G_ERR; g++) {
		int open = 0;

		for (size_t i = 0; i < NCOUNTERS; i++) {
			if (counters[i].rx != rx || (int)counters[i].g != g)
				continue;
			if (g != G_PLAIN && !open) {
				ttt_text_put(o, ",\n    \"%s\": {", g == G_DROP ? (rx ? "refused" : "dropped") :
				    sub[g]);
				open = 1;
				first = 1;
			}
			ttt_text_put(o, "%s\n%s\"%s\": %llu", first ? "" : ",", g == G_PLAIN ? "    " :
			    "      ", counters[i].key, (unsigned long long)t->v[counters[i].stat]);
			first = 0;
		}
		if (open)
			ttt_text_put(o, "\n    }");
	}
	ttt_text_put(o, "\n  }");
}

size_t
ttt_status_json(const struct ttt_status *st, char *buf, size_t cap)
{
	struct ttt_text o = { .buf = buf, .cap = cap };

	ttt_text_put(&o, "{\n  \"version\": ");
	put_json_str(&o, st->version);
	ttt_text_put(&o, ",\n  \"written_at\": %lld,\n  \"uptime_s\": %lld,\n", (long long)st->now_wall_s,
	    (long long)st->uptime_s);
	ttt_text_put(&o, "  \"interface\": {\n    \"name\": ");
	put_json_str(&o, st->ifname);
	ttt_text_put(&o, ",\n    \"mtu\": %lld,\n    \"local\": ", (long long)st->mtu);
	put_json_str(&o, st->local);
	ttt_text_put(&o, "\n  },\n  \"peer\": {\n    \"address\": ");
	put_json_str(&o, st->peer);
	ttt_text_put(&o, ",\n    \"source\": \"%s\"\n  },\n  \"last_rx_age_ms\": ",
	    peer_source_name(st->peer_source));
	put_opt(&o, st->last_rx_age_ms);
	ttt_text_put(&o, ",\n  \"last_tx_age_ms\": ");
	put_opt(&o, st->last_tx_age_ms);
	ttt_text_put(&o, ",\n  \"worker\": {\n    \"pid\": ");
	put_opt(&o, st->worker_pid > 0 ? st->worker_pid : -1);
	ttt_text_put(&o, ",\n    \"started_at\": ");
	put_opt(&o, st->worker_started_wall_s > 0 ? st->worker_started_wall_s : -1);
	ttt_text_put(&o, ",\n    \"restarts\": %llu,\n    \"last_exit\": ", (unsigned long long)st->restarts);
	put_json_str(&o, st->last_exit);
	ttt_text_put(&o, "\n  },\n  \"key\": {\n    \"generation\": %llu,\n    \"rotation\": \"%s\",\n"
	    "    \"rotation_deadline_ms\": ", (unsigned long long)st->key_generation,
	    rotation_name(st->rotation));
	put_opt(&o, st->rotation == TTT_ROTATION_NONE ? -1 : st->rotation_deadline_ms);
	ttt_text_put(&o, "\n  },\n");
	json_direction(&o, &st->totals, 0);
	ttt_text_put(&o, ",\n");
	json_direction(&o, &st->totals, 1);
	ttt_text_put(&o, "\n}\n");
	return finish(&o);
}

static void
prom_family(struct ttt_text *o, const char *name, const char *type, const char *help)
{
	ttt_text_put(o, "# HELP tinytaptunnel_%s %s\n# TYPE tinytaptunnel_%s %s\n", name, help, name, type);
}

/*
 * A sample's name and labels, up to its value: every sample carries the
 * interface, so several tunnels' files can sit in one collector.
 */
static void
prom_sample(struct ttt_text *o, const struct ttt_status *st, const char *name, const char *label,
    const char *value)
{
	ttt_text_put(o, "tinytaptunnel_%s{interface=\"", name);
	put_label(o, st->ifname);
	ttt_text_put(o, "\"");
	if (label != NULL)
		ttt_text_put(o, ",%s=\"%s\"", label, value);
	ttt_text_put(o, "} ");
}

static void
prom_value(struct ttt_text *o, const struct ttt_status *st, const char *name, const char *type,
    const char *help, unsigned long long v)
{
	prom_family(o, name, type, help);
	prom_sample(o, st, name, NULL, NULL);
	ttt_text_put(o, "%llu\n", v);
}

/* A gauge in seconds from milliseconds, left out when unknown (< 0). */
static void
prom_seconds(struct ttt_text *o, const struct ttt_status *st, const char *name, const char *help,
    int64_t ms)
{
	if (ms < 0)
		return;
	prom_family(o, name, "gauge", help);
	prom_sample(o, st, name, NULL, NULL);
	ttt_text_put(o, "%lld.%03lld\n", (long long)(ms / 1000), (long long)(ms % 1000));
}

static void
prom_counters(struct ttt_text *o, const struct ttt_status *st)
{
	for (size_t i = 0; i < NCOUNTERS; i++) {
		const struct counter *c = &counters[i];

		if (c->help != NULL)
			prom_family(o, c->metric, "counter", c->help);
		prom_sample(o, st, c->metric, c->g == G_PLAIN ? NULL : c->g == G_DROP ? "reason" :
		    "source", c->key);
		ttt_text_put(o, "%llu\n", (unsigned long long)st->totals.v[c->stat]);
	}
}

size_t
ttt_status_prom(const struct ttt_status *st, char *buf, size_t cap)
{
	struct ttt_text o = { .buf = buf, .cap = cap };

	prom_family(&o, "info", "gauge", "Always 1; the version as a label.");
	prom_sample(&o, st, "info", "version", st->version);
	ttt_text_put(&o, "1\n");
	prom_value(&o, st, "uptime_seconds", "gauge", "Seconds since the daemon started.",
	    (unsigned long long)st->uptime_s);
	prom_value(&o, st, "peer_known", "gauge", "1 when the peer's address is known.",
	    st->peer_source != TTT_PEER_NONE);
	prom_seconds(&o, st, "last_rx_seconds", "Seconds since the last authenticated frame "
	    "was received (absent: none yet).", st->last_rx_age_ms);
	prom_seconds(&o, st, "last_tx_seconds", "Seconds since the last frame was sent "
	    "(absent: none yet).", st->last_tx_age_ms);
	prom_value(&o, st, "worker_restarts_total", "counter", "Workers started after the first.",
	    st->restarts);
	prom_value(&o, st, "worker_up", "gauge", "1 while a worker runs.", st->worker_pid > 0);
	prom_value(&o, st, "key_generation", "gauge", "1 for the key read at start, plus one "
	    "for each new key read on SIGHUP.", st->key_generation);
	prom_value(&o, st, "key_rotation_pending", "gauge", "1 while the old key is still "
	    "honoured and the peer has not yet sent under the new one.",
	    st->rotation == TTT_ROTATION_WAITING);
	prom_counters(&o, st);
	return finish(&o);
}

/* PATH.tmp, created anew: a stale file or a planted symlink there is
 * removed (unlink never follows a symlink), never written through. */
static int
create_tmp(const char *tmp)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    TTT_STATUS_FILE_MODE);

		if (fd >= 0)
			return fd;
		if (errno != EEXIST || attempt > 0 || unlink(tmp) != 0)
			return -errno;
	}
	return -EEXIST;
}

int
ttt_status_write_file(const char *path, const char *data, size_t len)
{
	char tmp[TTT_CONFIG_PATH_MAX + sizeof(TTT_STATUS_TMP_SUFFIX)];
	int n = snprintf(tmp, sizeof(tmp), "%s%s", path, TTT_STATUS_TMP_SUFFIX), fd, rc = 0;
	size_t off = 0;

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	if ((fd = create_tmp(tmp)) < 0)
		return fd;
	/* The umask may have taken the others' read bit: readers need it. */
	if (fchmod(fd, TTT_STATUS_FILE_MODE) != 0)
		rc = -errno;
	while (rc == 0 && off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno != EINTR)
			rc = -errno;
		else if (w > 0)
			off += (size_t)w;
	}
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		(void)unlink(tmp);
	return rc;
}

void
ttt_status_track_init(struct ttt_status_track *t, int64_t mono_ns)
{
	memset(t, 0, sizeof(*t));
	t->born_ns = mono_ns;
	t->st.key_generation = 1;
}

void
ttt_status_worker_started(struct ttt_status_track *t, int64_t wall_ns)
{
	t->st.worker_started_wall_s = wall_ns / TTT_NSEC_PER_SEC;
	t->st.restarts += t->spawned++ > 0;
	t->key_confirmed = 0;
}

void
ttt_status_new_key(struct ttt_status_track *t)
{
	t->st.key_generation++;
	t->key_confirmed = 0;
}

static int
time_in(int64_t t, int64_t born_ns, int64_t now_ns)
{
	return t == 0 || (t >= born_ns && t <= now_ns);
}

int
ttt_status_report_sane(const struct ttt_worker_report *r, int64_t born_ns, int64_t now_ns)
{
	return time_in(r->last_rx_ns, born_ns, now_ns) && time_in(r->last_tx_ns, born_ns, now_ns);
}

void
ttt_status_take_report(struct ttt_status_track *t, const struct ttt_worker_report *r)
{
	if (r->last_rx_ns > t->last_rx_ns)
		t->last_rx_ns = r->last_rx_ns;
	if (r->last_tx_ns > t->last_tx_ns)
		t->last_tx_ns = r->last_tx_ns;
	t->key_confirmed = r->key_confirmed != 0;
}

static void
fill_peer(struct ttt_status *st, const struct ttt_config *cfg)
{
	struct ttt_addr a;

	st->peer[0] = '\0';
	st->peer_source = TTT_PEER_NONE;
	if ((cfg->run.flags & TTT_CONFIG_HAVE_PEER) && ttt_ipc_peer_to_addr(&cfg->run.peer, &a) == 0) {
		ttt_addr_format(&a, st->peer, sizeof(st->peer));
		st->peer_source = (cfg->run.flags & TTT_CONFIG_FIXED_PEER) ? TTT_PEER_FIXED :
		    TTT_PEER_LEARNT;
	}
}

static int64_t
age_ms(int64_t then_ns, int64_t now_ns)
{
	return then_ns > 0 && then_ns <= now_ns ? (now_ns - then_ns) / TTT_NSEC_PER_MSEC : -1;
}

void
ttt_status_fill(struct ttt_status_track *t, const struct ttt_config *cfg, const char *ifname,
    const struct ttt_status_key *key, long worker_pid, const struct ttt_stats *ended,
    const struct ttt_stats *current, int64_t mono_ns, int64_t wall_ns)
{
	struct ttt_status *st = &t->st;
	long long now_ms = mono_ns / TTT_NSEC_PER_MSEC;

	st->version = TTT_VERSION;
	st->ifname = ifname;
	st->local = cfg->local;
	st->mtu = cfg->mtu;
	st->now_wall_s = wall_ns / TTT_NSEC_PER_SEC;
	st->uptime_s = (mono_ns - t->born_ns) / TTT_NSEC_PER_SEC;
	fill_peer(st, cfg);
	st->last_rx_age_ms = age_ms(t->last_rx_ns, mono_ns);
	st->last_tx_age_ms = age_ms(t->last_tx_ns, mono_ns);
	st->worker_pid = worker_pid;
	st->totals = *ended;
	ttt_stats_add(&st->totals, current);
	st->rotation = TTT_ROTATION_NONE;
	st->rotation_deadline_ms = -1;
	if (key->rotating && now_ms < key->until_ms) {
		st->rotation = t->key_confirmed ? TTT_ROTATION_CONFIRMED : TTT_ROTATION_WAITING;
		st->rotation_deadline_ms = key->until_ms - now_ms;
	}
}

static int
write_doc(const char *path, const char *buf, size_t len)
{
	if (path[0] == '\0')
		return 0;
	return len == 0 ? -EMSGSIZE : ttt_status_write_file(path, buf, len);
}

int
ttt_status_write_json(const char *path, const struct ttt_status *st, char *buf, size_t cap)
{
	return path[0] == '\0' ? 0 : write_doc(path, buf, ttt_status_json(st, buf, cap));
}

int
ttt_status_write_prom(const char *path, const struct ttt_status *st, char *buf, size_t cap)
{
	return path[0] == '\0' ? 0 : write_doc(path, buf, ttt_status_prom(st, buf, cap));
}

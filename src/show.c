/*
 * The human summary of a status file (see show.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "show.h"
#include "text.h"

/* What status.c writes, and of which kind: anything else is not our file. */
#define NUM_OR_NULL (-1)
static const struct {
	const char *path;
	int kind;
} required[] = {
	{ "version", TTT_JSON_STR }, { "written_at", TTT_JSON_NUM }, { "uptime_s", TTT_JSON_NUM },
	{ "interface.name", TTT_JSON_STR }, { "interface.mtu", TTT_JSON_NUM },
	{ "interface.local", TTT_JSON_STR }, { "peer.address", TTT_JSON_STR },
	{ "peer.source", TTT_JSON_STR }, { "last_rx_age_ms", NUM_OR_NULL },
	{ "last_tx_age_ms", NUM_OR_NULL }, { "worker.pid", NUM_OR_NULL },
	{ "worker.started_at", NUM_OR_NULL }, { "worker.restarts", TTT_JSON_NUM },
	{ "worker.last_exit", TTT_JSON_STR }, { "key.generation", TTT_JSON_NUM },
	{ "key.rotation", TTT_JSON_STR }, { "key.rotation_deadline_ms", NUM_OR_NULL },
	{ "tx.frames", TTT_JSON_NUM }, { "tx.bytes", TTT_JSON_NUM },
	{ "rx.frames", TTT_JSON_NUM }, { "rx.bytes", TTT_JSON_NUM },
};

int
ttt_show_read(const char *path, char *buf, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	size_t n = 0;

	if (fd < 0)
		return -errno;
	while (n < cap - 1) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = -errno;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	if (rc == 0 && n == cap - 1) {
		char extra;

		rc = read(fd, &extra, 1) > 0 ? -EFBIG : 0;
	}
	(void)close(fd);
	buf[n] = '\0';
	*len = n;
	return rc;
}

/* "name:" in bold and a colour, as wg show marks its sections. */
static void
label(struct ttt_text *o, const char *ansi, const char *name)
{
	if (o->colour)
		ttt_text_put(o, "\033[%sm%s\033[0m:", ansi, name);
	else
		ttt_text_put(o, "%s:", name);
}

#define HEAD(o, colour_code, name) label(o, "1;" colour_code, name)
#define FIELD(o, name) (ttt_text_put(o, "  "), label(o, "1", name))

static uint64_t
num(const struct ttt_json_doc *d, const char *path)
{
	uint64_t v = 0;

	(void)ttt_json_u64(d, path, &v);
	return v;
}

static const char *
str(const struct ttt_json_doc *d, const char *path)
{
	const char *s = ttt_json_str(d, path);

	return s != NULL ? s : "";
}

/* "2 h 5 min": the two largest units. */
static void
put_duration(struct ttt_text *o, uint64_t s)
{
	if (s < 60)
		ttt_text_put(o, "%llu s", (unsigned long long)s);
	else if (s < 3600)
		ttt_text_put(o, "%llu min %llu s", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
	else if (s < 86400)
		ttt_text_put(o, "%llu h %llu min", (unsigned long long)(s / 3600),
		    (unsigned long long)(s % 3600 / 60));
	else
		ttt_text_put(o, "%llu d %llu h", (unsigned long long)(s / 86400),
		    (unsigned long long)(s % 86400 / 3600));
}

static void
put_age(struct ttt_text *o, const struct ttt_json_doc *d, const char *path)
{
	uint64_t ms;

	if (ttt_json_u64(d, path, &ms) != 0) {
		ttt_text_put(o, " never\n");
		return;
	}
	ttt_text_put(o, " ");
	put_duration(o, ms / 1000);
	ttt_text_put(o, " ago\n");
}

static void
put_bytes(struct ttt_text *o, uint64_t v)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	uint64_t div = 1024;
	size_t u = 0;

	if (v < 1024) {
		ttt_text_put(o, "%llu B", (unsigned long long)v);
		return;
	}
	while (u + 1 < sizeof(unit) / sizeof(unit[0]) && v / div >= 1024) {
		div *= 1024;
		u++;
	}
	ttt_text_put(o, "%llu.%02llu %s", (unsigned long long)(v / div),
	    (unsigned long long)(v % div * 100 / div), unit[u]);
}

#define SHOW_DATE_MAX UINT64_C(253402300799)	/* 9999-12-31 23:59:59 */

/* A date in UTC, so the output does not depend on the reader's zone. */
static void
put_date(struct ttt_text *o, uint64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t > SHOW_DATE_MAX || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		ttt_text_put(o, "?");
	else
		ttt_text_put(o, "%s", buf);
}

/* The non-zero counters under prefix ("rx.refused."), "none" if all are 0. */
static void
put_nonzero(struct ttt_text *o, const struct ttt_json_doc *d, const char *prefix)
{
	size_t plen = strlen(prefix);
	int any = 0;

	for (size_t i = 0; i < d->n; i++) {
		const struct ttt_json_item *it = &d->item[i];

		if (strncmp(it->path, prefix, plen) != 0 || it->kind != TTT_JSON_NUM || it->num == 0)
			continue;
		ttt_text_put(o, "%s %s %llu", any ? "," : "", it->path + plen, (unsigned long long)it->num);
		any = 1;
	}
	ttt_text_put(o, "%s\n", any ? "" : " none");
}

static int
check_fields(const struct ttt_json_doc *d)
{
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		const struct ttt_json_item *it = ttt_json_find(d, required[i].path);

		if (it == NULL)
			return -EBADMSG;
		if (required[i].kind == NUM_OR_NULL ? it->kind != TTT_JSON_NUM &&
		    it->kind != TTT_JSON_NULL : (int)it->kind != required[i].kind)
			return -EBADMSG;
		if (it->kind == TTT_JSON_NUM && it->neg)
			return -EBADMSG;
	}
	return 0;
}

static void
show_tunnel(struct ttt_text *o, const struct ttt_json_doc *d, const char *name)
{
	HEAD(o, "32", "interface");
	ttt_text_put(o, " %s\n", str(d, "interface.name"));
	FIELD(o, "status file");
	ttt_text_put(o, " ");
	/* The name comes from the command line or a directory: no escape codes. */
	for (; *name != '\0'; name++)
		ttt_text_put(o, "%c", *name >= 0x20 && *name < 0x7f ? *name : '?');
	ttt_text_put(o, "\n");
	FIELD(o, "version");
	ttt_text_put(o, " %s\n", str(d, "version"));
	FIELD(o, "listening on");
	ttt_text_put(o, " %s, MTU %llu\n", str(d, "interface.local"),
	    (unsigned long long)num(d, "interface.mtu"));
	FIELD(o, "up");
	ttt_text_put(o, " ");
	put_duration(o, num(d, "uptime_s"));
	ttt_text_put(o, ", file written ");
	put_date(o, num(d, "written_at"));
	ttt_text_put(o, "\n\n");
	HEAD(o, "33", "peer");
	ttt_text_put(o, " %s (%s)\n", str(d, "peer.address")[0] != '\0' ? str(d, "peer.address") :
	    "unknown", str(d, "peer.source"));
	FIELD(o, "latest frame received");
	put_age(o, d, "last_rx_age_ms");
	FIELD(o, "latest frame sent");
	put_age(o, d, "last_tx_age_ms");
	FIELD(o, "transfer");
	ttt_text_put(o, " ");
	put_bytes(o, num(d, "rx.bytes"));
	ttt_text_put(o, " received, ");
	put_bytes(o, num(d, "tx.bytes"));
	ttt_text_put(o, " sent\n");
	FIELD(o, "frames");
	ttt_text_put(o, " %llu received, %llu sent\n", (unsigned long long)num(d, "rx.frames"),
	    (unsigned long long)num(d, "tx.frames"));
}

static void
show_process(struct ttt_text *o, const struct ttt_json_doc *d)
{
	uint64_t v;

	ttt_text_put(o, "\n");
	HEAD(o, "36", "worker");
	if (ttt_json_u64(d, "worker.pid", &v) == 0)
		ttt_text_put(o, " pid %llu, started ", (unsigned long long)v);
	else
		ttt_text_put(o, " not running, last started ");
	if (ttt_json_u64(d, "worker.started_at", &v) == 0)
		put_date(o, v);
	else
		ttt_text_put(o, "never");
	ttt_text_put(o, "\n");
	FIELD(o, "restarts");
	ttt_text_put(o, " %llu%s%s\n", (unsigned long long)num(d, "worker.restarts"),
	    str(d, "worker.last_exit")[0] != '\0' ? ", the last one " : "", str(d, "worker.last_exit"));
	HEAD(o, "36", "key");
	ttt_text_put(o, " generation %llu, rotation %s", (unsigned long long)num(d, "key.generation"),
	    str(d, "key.rotation"));
	if (ttt_json_u64(d, "key.rotation_deadline_ms", &v) == 0) {
		ttt_text_put(o, ", old key dropped in ");
		put_duration(o, (v + 999) / 1000);
	}
	ttt_text_put(o, "\n\n");
	HEAD(o, "31", "refused");
	put_nonzero(o, d, "rx.refused.");
	HEAD(o, "31", "not sent");
	put_nonzero(o, d, "tx.dropped.");
	HEAD(o, "31", "receive errors");
	put_nonzero(o, d, "rx.errors.");
	HEAD(o, "31", "send errors");
	put_nonzero(o, d, "tx.errors.");
}

int
ttt_show_format(const struct ttt_json_doc *d, const char *name, int colour, char *out,
    size_t cap)
{
	struct ttt_text o = { .buf = out, .cap = cap, .colour = colour };

	if (check_fields(d) != 0)
		return -EBADMSG;
	if (cap == 0)
		return -ENOSPC;
	show_tunnel(&o, d, name);
	show_process(&o, d);
	if (o.full) {
		out[0] = '\0';
		return -ENOSPC;
	}
	return (int)o.len;
}

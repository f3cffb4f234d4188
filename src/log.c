/*
 * Logging to stderr (foreground, with timestamps) or syslog.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_name = "tinytaptunnel";
static int log_max = TTT_LOG_INFO;
static int log_syslog;
static ttt_log_sink log_sink;

static const int syslog_prio[] = {
	[TTT_LOG_ERR] = LOG_ERR,
	[TTT_LOG_WARN] = LOG_WARNING,
	[TTT_LOG_INFO] = LOG_INFO,
	[TTT_LOG_DEBUG] = LOG_DEBUG,
};
static const char *const level_tag[] = {
	[TTT_LOG_ERR] = "error",
	[TTT_LOG_WARN] = "warning",
	[TTT_LOG_INFO] = "info",
	[TTT_LOG_DEBUG] = "debug",
};

void
ttt_log_init(const char *name, int level, int to_syslog)
{
	log_name = name;
	log_max = level;
	log_syslog = to_syslog;
	if (to_syslog)
		openlog(name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
ttt_log_set_name(const char *name)
{
	log_name = name;
}

int
ttt_log_level(void)
{
	return log_max;
}

void
ttt_log_set_sink(ttt_log_sink sink)
{
	log_sink = sink;
}

static void
write_stderr(enum ttt_log_level lvl, const char *line)
{
	char stamp[32];
	struct timespec ts;
	struct tm tm;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	/* One fprintf per line so lines from parent and worker do not interleave. */
	(void)fprintf(stderr, "%s.%03ldZ %s[%ld]: %s: %s\n", stamp, ts.tv_nsec / 1000000L,
	    log_name, (long)getpid(), level_tag[lvl], line);
}

void
ttt_vlog(enum ttt_log_level lvl, const char *fmt, va_list ap)
{
	char line[TTT_LOG_LINE_MAX];
	int n;

	if ((int)lvl > log_max)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	/* Say so when a line was cut, rather than cutting it silently. */
	if ((size_t)n >= sizeof(line))
		memcpy(line + sizeof(line) - 4, "...", 4);
	if (log_sink != NULL)
		log_sink(lvl, line);
	else if (log_syslog)
		syslog(syslog_prio[lvl], "%s", line);
	else
		write_stderr(lvl, line);
}

void
ttt_log(enum ttt_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ttt_vlog(lvl, fmt, ap);
	va_end(ap);
}

void
ttt_ratelimit_init(struct ttt_ratelimit *rl, unsigned per_sec, unsigned burst)
{
	rl->per_sec = per_sec;
	rl->burst = burst;
	rl->tokens_ms = (long long)burst * 1000;
	rl->last_ms = -1;
	rl->suppressed = 0;
}

int
ttt_ratelimit_allow(struct ttt_ratelimit *rl, long long now_ms)
{
	long long cap = (long long)rl->burst * 1000;

	if (rl->last_ms >= 0 && now_ms > rl->last_ms)
		rl->tokens_ms += (now_ms - rl->last_ms) * rl->per_sec;
	if (rl->last_ms < 0 || now_ms > rl->last_ms)
		rl->last_ms = now_ms;
	if (rl->tokens_ms > cap)
		rl->tokens_ms = cap;
	if (rl->tokens_ms < 1000) {
		rl->suppressed++;
		return 0;
	}
	rl->tokens_ms -= 1000;
	return 1;
}

/*
 * Logging for the daemon processes. Library modules never log; the process
 * that decides an error is fatal logs it once, with context.
 */
#ifndef TTT_LOG_H
#define TTT_LOG_H

#include <stdarg.h>

enum ttt_log_level {
	TTT_LOG_ERR = 0,
	TTT_LOG_WARN,
	TTT_LOG_INFO,
	TTT_LOG_DEBUG,
};

#define TTT_LOG_LINE_MAX 512	/* one log line, longer is cut with "..." */

/* name: the process ("tinytaptunnel", "worker"); to_syslog: else stderr with timestamps. */
void ttt_log_init(const char *name, int level, int to_syslog);
void ttt_log_set_name(const char *name);
int ttt_log_level(void);
void ttt_log(enum ttt_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ttt_vlog(enum ttt_log_level lvl, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Where worker lines go instead of stderr (the parent relays them). */
typedef void (*ttt_log_sink)(enum ttt_log_level lvl, const char *line);
void ttt_log_set_sink(ttt_log_sink sink);

#define log_err(...)   ttt_log(TTT_LOG_ERR, __VA_ARGS__)
#define log_warn(...)  ttt_log(TTT_LOG_WARN, __VA_ARGS__)
#define log_info(...)  ttt_log(TTT_LOG_INFO, __VA_ARGS__)
#define log_debug(...) ttt_log(TTT_LOG_DEBUG, __VA_ARGS__)

/*
 * A token bucket so a flood of bad datagrams cannot flood the log: at most
 * burst lines at once and per_sec lines a second after that.
 */
struct ttt_ratelimit {
	long long tokens_ms;	/* tokens, in thousandths */
	long long last_ms;
	unsigned per_sec, burst;
	unsigned long suppressed;
};
void ttt_ratelimit_init(struct ttt_ratelimit *rl, unsigned per_sec, unsigned burst);
/* 1: log this one. now_ms: a monotonic clock in milliseconds. */
int ttt_ratelimit_allow(struct ttt_ratelimit *rl, long long now_ms);

#endif

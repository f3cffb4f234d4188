/*
 * The parent's decisions between two workers (see respawn.h).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "respawn.h"

void
ttt_backoff_init(struct ttt_backoff *b)
{
	b->last_ms = 0;
}

int64_t
ttt_backoff_next(struct ttt_backoff *b, int64_t lived_ms)
{
	int64_t healthy = b->last_ms / 2 > TTT_BACKOFF_HEALTHY_MS ? b->last_ms / 2 :
	    TTT_BACKOFF_HEALTHY_MS;

	if (lived_ms >= healthy)
		b->last_ms = 0;		/* a rare fault: replace it now */
	else if (b->last_ms == 0)
		b->last_ms = TTT_BACKOFF_MIN_MS;
	else	/* a loop: wait twice as long, up to the maximum */
		b->last_ms = b->last_ms > TTT_BACKOFF_MAX_MS / 2 ? TTT_BACKOFF_MAX_MS :
		    b->last_ms * 2;
	return b->last_ms;
}

static int64_t
add_sat(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

int64_t
ttt_respawn_first_floor(int64_t wall_now, int64_t window_ns)
{
	return add_sat(wall_now, window_ns);
}

int64_t
ttt_respawn_floor(int64_t prev_floor, int64_t published, int64_t wall_now, int64_t window_ns)
{
	int64_t floor = published > prev_floor ? published : prev_floor;
	int64_t cap = add_sat(wall_now, window_ns);

	return floor < cap ? floor : cap;
}

int64_t
ttt_respawn_grace_left_ms(int have_old_key, long long until_ms, long long now_ms)
{
	return have_old_key && now_ms < until_ms ? (int64_t)(until_ms - now_ms) : 0;
}

int
ttt_respawn_keep_peer(int wait_status, int dropped)
{
	return !dropped && !(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGSYS);
}

void
ttt_respawn_describe_status(int status, char *buf, size_t cap)
{
	if (WIFEXITED(status)) {
		(void)snprintf(buf, cap, "exited with status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *abbrev = sigabbrev_np(sig);

		(void)snprintf(buf, cap, "killed by signal SIG%s (%d)%s",
		    abbrev != NULL ? abbrev : "?", sig,
		    sig == SIGSYS ? ": a system call outside its seccomp policy" : "");
	} else {
		(void)snprintf(buf, cap, "ended with wait status 0x%x", (unsigned)status);
	}
}

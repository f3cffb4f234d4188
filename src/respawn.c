/*
 * The parent's decisions between two workers (see respawn.h).
 */
#include <signal.h>
#include <sys/wait.h>

#include "respawn.h"
#include "wire.h"

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
ttt_respawn_prepare(struct ttt_config *cfg, struct ttt_stamps *page, int have_old_key,
    long long old_until_ms, long long mono_ms, int64_t wall_now)
{
	cfg->run.floor_ns = ttt_respawn_floor(cfg->run.floor_ns, ttt_stamps_newest(page), wall_now,
	    cfg->window_ms * TTT_NSEC_PER_MSEC);
	ttt_stamps_reset(page, cfg->run.floor_ns);
	cfg->run.rekey_left_ms = ttt_respawn_grace_left_ms(have_old_key, old_until_ms, mono_ms);
	return cfg->run.rekey_left_ms;
}

void
ttt_respawn_first(struct ttt_config *cfg, struct ttt_stamps *page, int64_t wall_now)
{
	cfg->run.floor_ns = ttt_respawn_first_floor(wall_now, cfg->window_ms * TTT_NSEC_PER_MSEC);
	ttt_stamps_reset(page, cfg->run.floor_ns);
}

int64_t
ttt_respawn_grace_left_ms(int have_old_key, long long until_ms, long long now_ms)
{
	return have_old_key && now_ms < until_ms ? (int64_t)(until_ms - now_ms) : 0;
}

int
ttt_respawn_keep_peer(int wait_status, int dropped, uint32_t flags)
{
	if (flags & TTT_CONFIG_FIXED_PEER)
		return 1;	/* the command line's, not the worker's */
	return !dropped && !(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGSYS);
}

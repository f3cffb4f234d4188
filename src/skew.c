/*
 * The watch on the peer's clock (see skew.h).
 */
#include <string.h>

#include "skew.h"

void
ttt_skew_init(struct ttt_skew *s, int64_t window_ns)
{
	memset(s, 0, sizeof(*s));
	s->off_ns = window_ns / 2;
	s->back_ns = window_ns / 4;
	s->on = 1;
}

/* ts - wall, saturated: both are any int64 the peer's key signed. */
static int64_t
offset_of(int64_t ts, int64_t wall)
{
	if (wall < 0 && ts > INT64_MAX + wall)
		return INT64_MAX;
	if (wall > 0 && ts < INT64_MIN + wall)
		return INT64_MIN + 1;
	return ts - wall;
}

static int64_t
magnitude(int64_t v)
{
	return v < 0 ? -v : v;	/* offset_of never returns INT64_MIN */
}

enum ttt_skew_event
ttt_skew_observe(struct ttt_skew *s, int64_t ts, int64_t wall, int64_t mono,
    int64_t *offset_ns)
{
	int64_t off = offset_of(ts, wall);
	int side = s->off ? magnitude(off) <= s->back_ns : magnitude(off) > s->off_ns;

	if (!s->on)
		return TTT_SKEW_NONE;
	if (!side) {
		s->run = 0;
		return TTT_SKEW_NONE;
	}
	if (s->run == 0 || magnitude(off) < magnitude(s->nearest_ns))
		s->nearest_ns = off;
	if (s->run < TTT_SKEW_RUN)
		s->run++;
	if (s->run < TTT_SKEW_RUN)
		return TTT_SKEW_NONE;
	/* One line every TTT_SKEW_GAP_NS at most, whatever the peer's frames do. */
	if (s->have_event && mono - s->last_event_ns < TTT_SKEW_GAP_NS)
		return TTT_SKEW_NONE;
	s->have_event = 1;
	s->last_event_ns = mono;
	s->off = !s->off;
	s->run = 0;
	*offset_ns = s->nearest_ns;
	return s->off ? TTT_SKEW_OFF : TTT_SKEW_BACK;
}

/*
 * Strictly increasing sender timestamps (see stamp.h).
 */
#include "stamp.h"

void
ttt_stamper_init(struct ttt_stamper *s)
{
	s->last = 0;
	s->have_last = 0;
}

int64_t
ttt_stamp_next(struct ttt_stamper *s, int64_t now)
{
	int64_t ts = now;

	if (s->have_last && ts <= s->last)
		ts = s->last < INT64_MAX ? s->last + 1 : INT64_MAX;
	s->last = ts;
	s->have_last = 1;
	return ts;
}

/*
 * Opening the extra queues of --queues (see queues.h). Parent only.
 */
#include <errno.h>
#include <unistd.h>

#include "queues.h"
#include "tap.h"
#include "udp.h"

/* The offloads the first queue got, as ttt_tap_open said them. */
static unsigned
first_got(const struct ttt_parent *p)
{
	uint32_t f = p->cfg.run.flags;

	return (f & TTT_CONFIG_TAP_VNET ? TTT_TAP_VNET : 0) |
	    (f & TTT_CONFIG_TAP_TSO ? TTT_TAP_TSO : 0) | (f & TTT_CONFIG_TAP_USO ? TTT_TAP_USO : 0);
}

static void
close_from(struct ttt_parent *p, unsigned first)
{
	for (unsigned k = first; k < p->nqueues && k < TTT_QUEUES_MAX; k++) {
		if (p->tap[k] >= 0)
			(void)close(p->tap[k]);
		if (p->udp[k] >= 0)
			(void)close(p->udp[k]);
		p->tap[k] = p->udp[k] = -1;
	}
}

int
ttt_queues_open(struct ttt_parent *p, const char **what)
{
	int rc = 0;

	if (p->nqueues < 1 || p->nqueues > TTT_QUEUES_MAX) {
		*what = "the number of queues";
		return -EINVAL;
	}
	for (unsigned k = 1; k < p->nqueues; k++)
		p->tap[k] = p->udp[k] = -1;
	for (unsigned k = 1; rc == 0 && k < p->nqueues; k++) {
		if ((p->tap[k] = ttt_tap_open_queue(p->ifname, first_got(p))) < 0) {
			*what = "opening a tap queue";
			rc = p->tap[k];
		} else if ((p->udp[k] = ttt_udp_open_same(p->udp[0])) < 0) {
			*what = "binding a socket to the same port (SO_REUSEPORT)";
			rc = p->udp[k];
		}
	}
	if (rc == 0 && p->nqueues > 1 && (rc = ttt_udp_steer(p->udp[0], p->nqueues)) != 0)
		*what = "attaching the steering program (SO_ATTACH_REUSEPORT_CBPF)";
	if (rc != 0)
		close_from(p, 1);
	return rc;
}

void
ttt_queues_close(struct ttt_parent *p)
{
	close_from(p, 0);
}

/*
 * The worker's own image, tinytaptunnel-worker (worker.h): linked
 * statically, without ld.so and without a shared library, so that it maps
 * only the code it runs and an end does not count libc's pages twice. It
 * never looks anything up by name (users, hosts): the parent does, in its
 * look-up children, so no NSS module is needed here.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "worker.h"

int
main(int argc, char **argv)
{
	/* Started by the parent's execveat, with the hidden argument only. */
	if (argc == 2 && strcmp(argv[1], TTT_WORKER_ARG) == 0)
		(void)ttt_worker_main();
	(void)fprintf(stderr, "tinytaptunnel-worker: for the daemon's own use: run "
	    "tinytaptunnel, which starts it with its channel, tap and socket at "
	    "descriptors %d to %d\n", TTT_WORKER_IPC_FD, TTT_WORKER_MAX_FD);
	return EX_USAGE;
}

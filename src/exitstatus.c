/*
 * Why a process ended, in words (see exitstatus.h).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "exitstatus.h"

void
ttt_parent_describe_status(int status, char *buf, size_t cap)
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

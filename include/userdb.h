/*
 * The worker's user, looked up by name in a short-lived child.
 *
 * getpwnam goes through nsswitch ("passwd: files systemd" on Debian), which
 * loads libnss_systemd, and libm with it, into the caller for the rest of
 * its life: about 620 KiB of the parent's resident memory for one answer it
 * needs once, at start. So a forked child asks and writes the answer into a
 * pipe, and the parent never maps the modules.
 *
 * Its promise: the answer is the one getpwnam would have given the caller
 * (the child is the same image, with the same privileges, a moment later),
 * read in full from the child, which must then exit 0; anything else is an
 * error, never a user. Checking the answer (uid and gid 0 refused) stays
 * with the caller, exactly as for getpwnam's.
 */
#ifndef TTT_USERDB_H
#define TTT_USERDB_H

#include <sys/types.h>

struct ttt_user {
	uid_t uid;
	gid_t gid;
};

/*
 * Look name up. Returns 1 and fills *out if the user exists, 0 if getpwnam
 * found no such user (or failed: it does not tell the two apart), or -errno
 * when the child could not be started or did not answer in full (-EIO).
 * Call it before any thread starts: it forks.
 */
int ttt_user_lookup(const char *name, struct ttt_user *out);

#endif

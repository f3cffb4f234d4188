/*
 * The worker's privilege drops (the parent's: parent_sandbox.h), in the
 * order that makes each step possible and each later step unable to undo
 * an earlier one.
 */
#ifndef TTT_PRIVDROP_H
#define TTT_PRIVDROP_H

#include <sys/types.h>

#define TTT_DEFAULT_USER     "tinytaptunnel"
#define TTT_FALLBACK_USER    "nobody"
#define TTT_DEFAULT_CHROOT   "/var/empty"
#define TTT_CHROOT_MODE      0755

struct ttt_drop {
	uid_t uid;
	gid_t gid;
	const char *chroot_dir;
	int max_fd;		/* the highest descriptor the worker keeps */
};

/*
 * Check (creating it when absent) that dir is a root-owned directory that
 * nobody else can write and that holds nothing. Returns 0 or -errno
 * (-ENOTEMPTY, -EPERM for bad ownership or mode, -ENOTDIR).
 */
int ttt_chroot_check(const char *dir);

/*
 * The worker's drop: chroot, empty bounding set, groups, gid, uid (checked
 * to be irrevocable), no capabilities, no new privileges, not dumpable,
 * resource limits. On failure returns -errno and sets *step to its name.
 */
int ttt_privdrop_worker(const struct ttt_drop *d, const char **step);

/* After the worker's threads exist: it may never create a task again. */
int ttt_privdrop_no_procs(void);

#endif

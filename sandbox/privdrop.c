/*
 * The worker's privilege drop (see privdrop.h). By system calls, not
 * libcap-ng: the worker's static image then links no libcap-ng, whose
 * object also holds getpwuid and initgroups (NSS).
 *
 * The worker's order, and why:
 *   1. chroot + chdir     needs CAP_SYS_CHROOT, so before the uid changes
 *   2. bounding set       needs CAP_SETPCAP, so before the uid changes
 *   3. setgroups, setresgid, setresuid   groups and gid first: after the
 *                         uid changes we could no longer change them
 *   4. verify             setresuid(0) must fail, or the drop is not real
 *   5. capabilities       cleared (already lost with the uid; made sure)
 *   6. no_new_privs       no exec can regain anything (and seccomp wants it)
 *   7. not dumpable       no core file, no ptrace by our own uid
 *   8. rlimits            no files, no core, no descriptors beyond ours
 * The seccomp filter comes last, in seccomp.c.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "privdrop.h"

static int
dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (d == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	}
	(void)closedir(d);
	return empty;
}

/*
 * Every directory above dir (absolute) must be root's and writable by no one
 * else, or sticky (like /tmp, where others cannot rename what is root's):
 * otherwise whoever can write one could swap the chroot between the check
 * and a later worker's chroot by path. stat() follows links, as chroot()
 * will; a link's own directory is the one before it, already checked.
 */
static int
ancestors_safe(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	size_t len = strlen(dir);

	if (dir[0] != '/' || len >= sizeof(path))
		return -EINVAL;
	for (size_t i = 1; i <= len; i++) {
		if (dir[i] != '/' && dir[i] != '\0')
			continue;
		/* the prefix up to, not including, this slash; "/" for the root */
		memcpy(path, dir, i > 1 ? i : 1);
		path[i > 1 ? i : 1] = '\0';
		if (dir[i] == '\0')
			break;	/* dir itself: checked by the caller, with lstat */
		if (stat(path, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
		if (st.st_uid != 0 || ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
		    (st.st_mode & S_ISVTX) == 0))
			return -EPERM;
	}
	return 0;
}

int
ttt_chroot_check(const char *dir)
{
	struct stat st;
	int empty, rc;

	if ((rc = ancestors_safe(dir)) != 0)
		return rc;
	if (mkdir(dir, TTT_CHROOT_MODE) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* A worker root that someone else can write could be filled with
	 * files (a fake /etc, devices) that the worker would then trust. */
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return -EPERM;
	empty = dir_is_empty(dir);
	if (empty < 0)
		return empty;
	return empty ? 0 : -ENOTEMPTY;
}

static int
set_limit(int resource, rlim_t value)
{
	struct rlimit rl = { .rlim_cur = value, .rlim_max = value };

	return setrlimit(resource, &rl);
}

/* Fail with the step's name, so the caller can say exactly what broke. */
#define STEP(name, call) do {			\
	if ((call) != 0) {			\
		int e_ = errno ? errno : EPERM;	\
		*step = (name);			\
		return -e_;			\
	}					\
} while (0)

static int
verify_ids(uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
		return -1;
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid)
		return -1;
	if (getgroups(0, NULL) != 0)
		return -1;
	/* The drop is only real if it cannot be undone. */
	if (uid != 0 && (setresuid(0, 0, 0) == 0 || setresgid(0, 0, 0) == 0))
		return -1;
	errno = 0;
	return 0;
}

/* Every capability up to the kernel's last leaves the bounding set (past
 * the last, PR_CAPBSET_READ says EINVAL). Needs CAP_SETPCAP: still root. */
static int
drop_bounding_set(void)
{
	for (int c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0)
			return -1;
	errno = 0;
	return 0;
}

/* No capability permitted, effective or inheritable (which clears the
 * ambient set too); the change of uid has emptied them already. */
static int
clear_capabilities(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	return syscall(SYS_capset, &h, d) == 0 ? 0 : -1;
}

/*
 * Ask the kernel, not what the calls above meant to apply: no
 * capability permitted, effective, inheritable, bounding or ambient.
 */
static int
no_capabilities(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d) != 0)
		return -1;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (d[i].effective != 0 || d[i].permitted != 0 || d[i].inheritable != 0)
			return -1;
	/* Up to the kernel's last capability: past it, prctl says EINVAL. */
	for (int c = 0, in_bset; (in_bset = prctl(PR_CAPBSET_READ, c, 0, 0, 0)) >= 0; c++)
		if (in_bset != 0 || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) != 0)
			return -1;
	errno = 0;
	return 0;
}

int
ttt_privdrop_worker(const struct ttt_drop *d, const char **step)
{
	errno = 0;
	STEP("chroot", chroot(d->chroot_dir));
	STEP("chdir", chdir("/"));
	STEP("bounding set", drop_bounding_set());
	STEP("setgroups", setgroups(0, NULL));
	STEP("setresgid", setresgid(d->gid, d->gid, d->gid));
	STEP("setresuid", setresuid(d->uid, d->uid, d->uid));
	STEP("verify ids", verify_ids(d->uid, d->gid));
	STEP("capabilities", clear_capabilities());
	STEP("capabilities check", no_capabilities());
	STEP("no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	STEP("dumpable", prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
	/* Credentials changed, which cleared any parent-death signal: set it now. */
	STEP("pdeathsig", prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0));
	STEP("rlimit core", set_limit(RLIMIT_CORE, 0));
	STEP("rlimit fsize", set_limit(RLIMIT_FSIZE, 0));
	STEP("rlimit nofile", set_limit(RLIMIT_NOFILE, (rlim_t)d->max_fd + 1));
	return 0;
}

int
ttt_privdrop_no_procs(void)
{
	return set_limit(RLIMIT_NPROC, 0) == 0 ? 0 : -errno;
}

/*
 * The parent's confinement beyond its capabilities (see parent_sandbox.h).
 *
 * Landlock, when the kernel has it, decides what the parent may open:
 *   read        the key file (SIGHUP), and the worker's image
 *   execute     the worker's image (worker_image.h): static, it maps no
 *               library, so no library, ld.so or ld.so.cache is granted
 *   create, replace, remove   files in the status, metrics and pid files'
 *               directories only
 *   connect     no TCP port (ABI 4); signal no process outside our
 *               domain, reach no abstract socket outside it (ABI 6)
 * A new worker inherits the domain; it opens nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cap-ng.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "parent_sandbox.h"
#include "seccomp_policy.h"

/* Landlock rights newer than Debian 12's header (ABI 3 to 6). */
#define LL_FS_ABI1       ((UINT64_C(1) << 13) - 1)	/* EXECUTE .. MAKE_SYM */
#define LL_FS_REFER      (UINT64_C(1) << 13)		/* ABI 2 */
#define LL_FS_TRUNCATE   (UINT64_C(1) << 14)		/* ABI 3 */
#define LL_FS_IOCTL_DEV  (UINT64_C(1) << 15)		/* ABI 5 */
#define LL_NET_BIND_TCP    (UINT64_C(1) << 0)		/* ABI 4 */
#define LL_NET_CONNECT_TCP (UINT64_C(1) << 1)
#define LL_SCOPE_ABSTRACT_UNIX (UINT64_C(1) << 0)	/* ABI 6 */
#define LL_SCOPE_SIGNAL        (UINT64_C(1) << 1)
#define LL_RULE_NET_PORT 2

#define LL_READ   LANDLOCK_ACCESS_FS_READ_FILE
#define LL_EXEC   (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE)
/* Write a file anew (O_EXCL), rename it over the old one, remove it. */
#define LL_WRITE_DIR (LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_WRITE_FILE | \
    LANDLOCK_ACCESS_FS_REMOVE_FILE)
#define DNS_PORT 53
#define NFILES(t) (sizeof(t) / sizeof((t)[0]))

/* The attribute as of ABI 6; older kernels take a prefix of it. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs, handled_access_net, scoped;
};

struct ll_net_port {
	uint64_t allowed_access, port;
};

/* What glibc's getaddrinfo reads on each call (NSS modules stay loaded). */
static const char *const resolver_files[] = {
	"/etc/hosts", "/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/gai.conf",
	"/etc/host.conf",
};

/* fd, moved to slot (whatever sat there is closed). */
static int
move_to_slot(int fd, int slot)
{
	int rc = 0;

	if (fd == slot)
		return 0;
	if (dup3(fd, slot, O_CLOEXEC) < 0)
		rc = -errno;
	(void)close(fd);
	return rc;
}

int
ttt_parent_early(void)
{
	struct rlimit none = { 0, 0 };
	int fd, rc;

	/* Whatever the caller left open is not ours to hold (nor a worker's). */
	if (close_range(STDERR_FILENO + 1, ~0U, 0) != 0)
		return -errno;
	/* A core file of the parent would hold the key. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || setrlimit(RLIMIT_CORE, &none) != 0)
		return -errno;
	/* Hold the pidfds' numbers, so nothing opened later takes them. */
	for (int slot = TTT_PARENT_PIDFD_FD; slot <= TTT_LOOKUP_PIDFD_FD; slot++) {
		if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
			return -errno;
		if ((rc = move_to_slot(fd, slot)) != 0)
			return rc;
	}
	return 0;
}

int
ttt_privdrop_parent(void)
{
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
	    CAP_SETUID, CAP_SETGID, CAP_SYS_CHROOT, CAP_SETPCAP, CAP_KILL, -1) != 0)
		return -1;
	return capng_apply(CAPNG_SELECT_BOTH) == 0 ? 0 : -1;
}

int
ttt_parent_needs_resolver(const struct ttt_config *cfg)
{
	/* --peer-timeout with a peer name: the look-up child inherits all this. */
	return ttt_config_resolves_peer(cfg);
}

int
ttt_pidfd_pin(pid_t pid, int slot)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return -errno;
	return move_to_slot(fd, slot);
}

int
ttt_pidfd_signal(int slot, int sig)
{
	return syscall(SYS_pidfd_send_signal, slot, sig, NULL, 0) == 0 ? 0 : -errno;
}

/* ---- Landlock ---- */

static int
ll_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

#ifdef TTT_TEST_HOOKS
	/* The tests' view of a kernel without Landlock: seccomp alone. */
	if (getenv("TTT_TEST_NO_LANDLOCK") != NULL)
		abi = 0;
#endif

	return abi > 0 ? (int)abi : 0;
}

static int
ll_allow_fd(int ruleset, int fd, uint64_t access)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = access, .parent_fd = fd };

	return syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == 0 ?
	    0 : -errno;
}

/* A rule on path; a path that does not exist needs none. */
static int
ll_allow(int ruleset, const char *path, uint64_t access)
{
	int fd = open(path, O_PATH | O_CLOEXEC), rc;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	rc = ll_allow_fd(ruleset, fd, access);
	(void)close(fd);
	return rc;
}

/* The directory a file of ours is written in ("" for none). */
static int
ll_allow_dir_of(int ruleset, const char *file)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(file, '/');
	int n;

	if (file[0] == '\0')
		return 0;
	if (slash == NULL)
		return ll_allow(ruleset, ".", LL_WRITE_DIR);
	n = snprintf(dir, sizeof(dir), "%.*s", slash == file ? 1 : (int)(slash - file), file);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return -ENAMETOOLONG;
	return ll_allow(ruleset, dir, LL_WRITE_DIR);
}

/*
 * A resolver file: its inode, and where it is a link (resolv.conf to
 * systemd-resolved's or NetworkManager's copy under /run), the directory
 * it points into, whose files those daemons replace by rename.
 */
static int
ll_allow_resolver_file(int ruleset, const char *path)
{
	char real[PATH_MAX], *slash;
	struct stat st;
	int rc = ll_allow(ruleset, path, LL_READ);

	if (rc != 0 || lstat(path, &st) != 0 || !S_ISLNK(st.st_mode) ||
	    realpath(path, real) == NULL || (slash = strrchr(real, '/')) == NULL || slash == real)
		return rc;
	*slash = '\0';
	/* Never all of /etc: /etc/shadow is there. */
	return strcmp(real, "/etc") == 0 ? 0 : ll_allow(ruleset, real, LL_READ);
}

static int
ll_rules(int ruleset, const struct ttt_config *cfg, int exe, const struct ttt_parent_policy *pol)
{
	int rc;

	if ((rc = ll_allow(ruleset, cfg->keyfile, LL_READ)) != 0 ||
	    (rc = ll_allow_fd(ruleset, exe, LL_EXEC)) != 0)
		return rc;
	if ((rc = ll_allow_dir_of(ruleset, cfg->status_file)) != 0 ||
	    (rc = ll_allow_dir_of(ruleset, cfg->metrics_file)) != 0 ||
	    (rc = ll_allow_dir_of(ruleset, cfg->pidfile)) != 0)
		return rc;
	for (size_t i = 0; pol->needs_resolver && i < NFILES(resolver_files); i++)
		if ((rc = ll_allow_resolver_file(ruleset, resolver_files[i])) != 0)
			return rc;
	if (pol->needs_resolver && pol->landlock_abi >= 4) {
		/* DNS falls back to TCP for a long answer. */
		struct ll_net_port dns = { LL_NET_CONNECT_TCP, DNS_PORT };

		if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_NET_PORT, &dns, 0) != 0)
			return -errno;
	}
	return 0;
}

/* Every right the kernel's ABI knows is handled: what no rule grants is refused. */
static size_t
ll_attr(int abi, struct ll_ruleset_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->handled_access_fs = LL_FS_ABI1 | (abi >= 2 ? LL_FS_REFER : 0) |
	    (abi >= 3 ? LL_FS_TRUNCATE : 0) | (abi >= 5 ? LL_FS_IOCTL_DEV : 0);
	if (abi >= 4)
		a->handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
	if (abi >= 6)
		a->scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
	return abi >= 6 ? sizeof(*a) : abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
}

static int
landlock(const struct ttt_config *cfg, int exe, const struct ttt_parent_policy *pol)
{
	struct ll_ruleset_attr attr;
	size_t size = ll_attr(pol->landlock_abi, &attr);
	int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0), rc;

	if (ruleset < 0)
		return -errno;
	rc = ll_rules(ruleset, cfg, exe, pol);
	if (rc == 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)
		rc = -errno;
	(void)close(ruleset);
	return rc;
}

int
ttt_parent_confine(const struct ttt_config *cfg, int exe, struct ttt_parent_policy *pol)
{
	int rc;

	pol->syslog = cfg->use_syslog || cfg->daemonize;
	pol->needs_resolver = ttt_parent_needs_resolver(cfg);
	pol->writes_files = cfg->status_file[0] != '\0' || cfg->metrics_file[0] != '\0' ||
	    cfg->pidfile[0] != '\0';
	pol->landlock_abi = ll_abi();
	/* Landlock without CAP_SYS_ADMIN wants it; seccomp would set it anyway. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -errno;
	if (pol->landlock_abi > 0 && (rc = landlock(cfg, exe, pol)) != 0)
		return rc;
	return ttt_seccomp_parent(pol);
}

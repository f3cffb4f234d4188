/*
 * tinytaptunnel: a point-to-point layer-2 tunnel over UDP, privilege-separated.
 *
 *   parse the command line
 *   read the key                      (parent, root)
 *   open the tap, bind the socket     (parent, root)
 *   drop to what respawning needs, confine the parent
 *   supervise: fork and re-execute a worker (a fresh image), the tap and
 *     the socket at fixed descriptors; send it the configuration and the
 *     key; the worker chroots, drops to its user, confines itself, forwards
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "cli.h"
#include "detach.h"
#include "hwaddr.h"
#include "keyfile.h"
#include "log.h"
#include "parent.h"
#include "parent_sandbox.h"
#include "pidfile.h"
#include "privdrop.h"
#include "schedpol.h"
#include "show.h"
#include "queues.h"
#include "tap.h"
#include "udp.h"
#include "userdb.h"
#include "worker_image.h"

/* The Makefile says where this build's worker image is (worker_image.h). */
#ifndef TTT_WORKER_PATH
#error "TTT_WORKER_PATH: where the worker image is, fixed at build time"
#endif

static const char *progname = "tinytaptunnel";

/* One clear line on standard error, before logging is set up. */
__attribute__((format(printf, 2, 3))) static int
fail(int status, const char *fmt, ...)
{
	va_list ap;

	(void)fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fputc('\n', stderr);
	return status;
}

static int
genkey(void)
{
	char text[TTT_KEY_B64_MAX + 2];
	int ok, n = ttt_key_generate_text(text, sizeof(text));

	if (n < 0)
		return fail(EX_OSERR, "generating a key: %s", strerror(-n));
	ok = fwrite(text, 1, (size_t)n, stdout) == (size_t)n && fflush(stdout) == 0;
	explicit_bzero(text, sizeof(text));
	if (!ok)
		return fail(EX_IOERR, "writing the key: %s", strerror(errno));
	return 0;
}

static int
key_status_exit(enum ttt_key_status st, int err)
{
	switch (st) {
	case TTT_KEY_UNPROTECTED:
	case TTT_KEY_BADOWNER:
		return EX_NOPERM;
	case TTT_KEY_IO:
		return err == EACCES || err == EPERM ? EX_NOPERM : EX_NOINPUT;
	case TTT_KEY_NOENT:
		return EX_NOINPUT;
	default:
		return EX_CONFIG;
	}
}

static int
read_key(const char *path, struct ttt_parent *p)
{
	enum ttt_key_status st;
	int err = 0;

	st = ttt_keyfile_load(path, p->key, sizeof(p->key), &p->keylen, &err);
	if (st == TTT_KEY_NOENT) {
		/* v1.4 creates a missing key file; so do we, but never weakly. */
		st = ttt_keyfile_create(path, &err);
		if (st == TTT_KEY_OK)
			(void)fprintf(stderr, "%s: created key file %s with a new random key; "
			    "copy it to the peer\n", progname, path);
		if (st == TTT_KEY_OK || st == TTT_KEY_EXISTS)
			st = ttt_keyfile_load(path, p->key, sizeof(p->key), &p->keylen, &err);
	}
	if (st == TTT_KEY_OK)
		return 0;
	if (st == TTT_KEY_UNPROTECTED)
		return fail(EX_NOPERM, "key file %s is readable or writable by group or "
		    "others; fix with: chmod 600 %s", path, path);
	if (st == TTT_KEY_BADOWNER)
		return fail(EX_NOPERM, "key file %s is owned by another user, who could "
		    "replace the key; fix with: chown root %s", path, path);
	if (st == TTT_KEY_IO)
		return fail(key_status_exit(st, err), "key file %s: %s", path, strerror(err));
	return fail(key_status_exit(st, err), "key file %s %s", path, ttt_key_strerror(st));
}

/*
 * The worker's user: never root, whose drop would be no drop at all. Without
 * --user and without our own user, nobody, with *shared set: every other
 * process running as nobody could signal the worker, so that is warned about.
 * Looked up in a child (userdb.h): the parent never maps the NSS modules.
 */
static int
resolve_user(const char *name, struct ttt_parent *p, int *shared)
{
	struct ttt_user u;
	int rc;

	*shared = 0;
	if (name[0] == '\0') {
		name = TTT_DEFAULT_USER;
		rc = ttt_user_lookup(name, &u);
		if (rc == 0) {
			name = TTT_FALLBACK_USER;
			rc = ttt_user_lookup(name, &u);
			*shared = 1;
		}
	} else {
		rc = ttt_user_lookup(name, &u);
	}
	if (rc < 0)
		return fail(EX_OSERR, "looking up user '%s' for the worker: %s", name,
		    strerror(-rc));
	if (rc == 0)
		return fail(EX_CONFIG, "unknown user '%s' for the worker (see --user)", name);
	if (u.uid == 0 || u.gid == 0)
		return fail(EX_CONFIG, "user '%s' has uid or gid 0; the worker must not run "
		    "as root (see --user)", name);
	p->cfg.run.uid = u.uid;
	p->cfg.run.gid = u.gid;
	return 0;
}

static int
check_chroot(const char *dir)
{
	int rc = ttt_chroot_check(dir);

	if (rc == 0)
		return 0;
	if (rc == -ENOTEMPTY)
		return fail(EX_CONFIG, "chroot directory %s is not empty (see --chroot)", dir);
	if (rc == -EPERM)
		return fail(EX_CONFIG, "chroot directory %s must be owned by root and "
		    "writable by nobody else, as must every directory above it (see --chroot)",
		    dir);
	return fail(rc == -EACCES ? EX_NOPERM : EX_CONFIG, "chroot directory %s: %s",
	    dir, strerror(-rc));
}

static int
resolve_addresses(const struct ttt_config *cfg, struct ttt_addr *local, struct ttt_parent *p)
{
	struct ttt_addr peer;
	enum ttt_addr_status st;
	int gai = 0;

	st = ttt_addr_resolve_local(cfg->local, local, &gai);
	if (st != TTT_ADDR_OK)
		return fail(st == TTT_ADDR_RESOLVE ? EX_NOHOST : EX_USAGE,
		    "local address '%s': %s%s%s", cfg->local, ttt_addr_strerror(st),
		    st == TTT_ADDR_RESOLVE ? ": " : "", st == TTT_ADDR_RESOLVE ? gai_strerror(gai) : "");
	p->cfg.run.sock_family = (uint32_t)local->ss.ss_family;
	if (cfg->peer[0] == '\0')
		return 0;
	/* Before any sandbox: glibc loads what its look-ups need now, so the
	 * look-ups --peer-timeout makes later (resolve.h) find it loaded. */
	st = ttt_addr_resolve_peer(cfg->peer, local->ss.ss_family, &peer, &gai);
	if (st != TTT_ADDR_OK)
		return fail(st == TTT_ADDR_RESOLVE ? EX_NOHOST : EX_USAGE,
		    "peer address '%s': %s%s%s", cfg->peer, ttt_addr_strerror(st),
		    st == TTT_ADDR_RESOLVE ? ": " : "", st == TTT_ADDR_RESOLVE ? gai_strerror(gai) : "");
	ttt_ipc_peer_from_addr(&peer, &p->cfg.run.peer);
	/* Every worker would refuse it (ipc.c): say so now, not in a crash loop. */
	if (ttt_ipc_peer_to_addr(&p->cfg.run.peer, &peer) != 0)
		return fail(EX_USAGE, "peer address '%s': not one host (unspecified, multicast "
		    "or broadcast)", cfg->peer);
	/* A peer given on the command line is the only source we accept. */
	p->cfg.run.flags |= TTT_CONFIG_FIXED_PEER | TTT_CONFIG_HAVE_PEER;
	return 0;
}

/* What start-up learnt, kept for a warning once logging is set up. */
struct underlay {
	int v6;			/* datagrams leave as IPv6 */
	int64_t route_mtu;	/* to the fixed peer; 0: unknown, or no fixed peer */
	int shared_user;	/* the worker runs as the shared fallback user */
};

/*
 * The tap MTU, unless --mtu gave it: the largest whose datagrams cross the
 * underlay unfragmented (ttt_udp_default_mtu). Only a fixed peer has a route
 * to ask; a peer unreachable now leaves the family's default.
 */
static void
choose_mtu(struct ttt_parent *p, const struct ttt_addr *local, struct underlay *u)
{
	struct ttt_addr peer;
	int fixed = (p->cfg.run.flags & TTT_CONFIG_FIXED_PEER) != 0 &&
	    ttt_ipc_peer_to_addr(&p->cfg.run.peer, &peer) == 0;
	int r = fixed ? ttt_udp_route_mtu(&peer) : 0;

	u->v6 = ttt_udp_sends_v6(local, fixed ? &peer : NULL);
	u->route_mtu = r > 0 ? r : 0;
	if (p->cfg.mtu == TTT_MTU_AUTO)
		p->cfg.mtu = ttt_udp_default_mtu(u->v6, u->route_mtu);
}

/* A fragmented datagram is lost whole when one fragment is: say so at start. */
static void
warn_fragments(const struct ttt_config *cfg, const struct underlay *u)
{
	int64_t largest = ttt_udp_largest_packet(u->v6, cfg->mtu);

	if (u->route_mtu > 0 && largest > u->route_mtu)
		log_warn("MTU %lld makes IPv%d packets of up to %lld bytes, over the %lld "
		    "bytes of the route to %s: they will be fragmented (--mtu %lld fits)",
		    (long long)cfg->mtu, u->v6 ? 6 : 4, (long long)largest,
		    (long long)u->route_mtu, cfg->peer,
		    (long long)ttt_udp_default_mtu(u->v6, u->route_mtu));
}

/*
 * The tap's address: --mac, else one derived from the machine id and the name
 * the kernel gave the tap (which "tap%d" only names once it exists), so that
 * a restart brings back the address the peer's neighbour table holds.
 * Returns 1 with mac set; 0 to keep the kernel's random address, with
 * p->machine_id_err saying why.
 */
static int
choose_hwaddr(const struct ttt_config *cfg, struct ttt_parent *p, uint8_t mac[TTT_HWADDR_LEN])
{
	uint8_t id[TTT_MACHINE_ID_LEN];
	int rc;

	if (cfg->mac[0] != '\0')
		return ttt_hwaddr_parse(cfg->mac, mac) == 0;	/* the parser checked it */
	if ((rc = ttt_machine_id_read(TTT_MACHINE_ID_PATH, id)) != 0) {
		p->machine_id_err = rc;
		return 0;
	}
	ttt_hwaddr_derive(id, sizeof(id), p->ifname, mac);
	explicit_bzero(id, sizeof(id));
	return 1;
}

static int
open_tap(const struct ttt_config *cfg, struct ttt_parent *p)
{
	uint8_t mac[TTT_HWADDR_LEN];
	unsigned got;
	int fd = ttt_tap_open(cfg->ifname, p->ifname, !cfg->no_offload, cfg->queues > 1, &got), rc;

	if (fd == -ENOENT || fd == -ENODEV)
		return -fail(EX_OSERR, "cannot open %s: %s (is the tun module loaded?)",
		    TTT_TUN_PATH, strerror(-fd));
	if (fd == -EPERM || fd == -EACCES)
		return -fail(EX_NOPERM, "cannot create tap interface %s: %s (run as root, "
		    "or with CAP_NET_ADMIN)", cfg->ifname, strerror(-fd));
	if (fd < 0)
		return -fail(EX_OSERR, "cannot create tap interface %s: %s", cfg->ifname,
		    strerror(-fd));
	p->cfg.run.flags |= (got & TTT_TAP_VNET ? TTT_CONFIG_TAP_VNET : 0) |
	    (got & TTT_TAP_REFUSED ? TTT_CONFIG_TAP_REFUSED : 0) |
	    (got & TTT_TAP_USO ? TTT_CONFIG_TAP_USO : 0) |
	    (got & TTT_TAP_TSO ? TTT_CONFIG_TAP_TSO : 0);
	if (choose_hwaddr(cfg, p, mac)) {
		ttt_hwaddr_format(mac, p->hwaddr);
		/* Before the interface is up: no frame leaves from the kernel's address. */
		if ((rc = ttt_tap_set_hwaddr(p->ifname, mac)) != 0) {
			(void)close(fd);
			return -fail(EX_OSERR, "cannot set the Ethernet address of %s to %s: %s",
			    p->ifname, p->hwaddr, strerror(-rc));
		}
	}
	rc = ttt_tap_configure(p->ifname, (int)cfg->mtu);
	if (rc != 0) {
		(void)close(fd);	/* the interface goes with its last descriptor */
		return -fail(EX_OSERR, "cannot set MTU %lld and bring up %s: %s", (long long)cfg->mtu,
		    p->ifname, strerror(-rc));
	}
	return fd;
}

static int
open_socket(const char *spec, const struct ttt_addr *local, int reuse)
{
	int fd = ttt_udp_open_reuse(local, reuse);

	if (fd == -EADDRINUSE)
		return -fail(EX_OSERR, "local address '%s' is already in use", spec);
	if (fd == -EACCES || fd == -EPERM)
		return -fail(EX_NOPERM, "cannot bind '%s': %s", spec, strerror(-fd));
	if (fd < 0)
		return -fail(EX_OSERR, "cannot bind '%s': %s", spec, strerror(-fd));
	return fd;
}

static int
setup(const struct ttt_config *cfg, struct ttt_parent *p, struct underlay *u)
{
	struct ttt_addr local;
	const char *what = "";
	int rc;

	if ((rc = resolve_user(cfg->user, p, &u->shared_user)) != 0 ||
	    (rc = check_chroot(cfg->chroot_dir)) != 0 || (rc = read_key(cfg->keyfile, p)) != 0 ||
	    (rc = resolve_addresses(cfg, &local, p)) != 0)
		return rc;
	choose_mtu(p, &local, u);
	p->nqueues = (unsigned)cfg->queues;
	if ((p->tap[0] = open_tap(cfg, p)) < 0)
		return -p->tap[0];
	if ((p->udp[0] = open_socket(cfg->local, &local, p->nqueues > 1)) < 0) {
		rc = -p->udp[0];
		(void)close(p->tap[0]);
		return rc;
	}
	if ((rc = ttt_queues_open(p, &what)) != 0) {
		ttt_queues_close(p);	/* the first queue too, and the interface with it */
		return fail(EX_OSERR, "--queues %u on %s: %s: %s", p->nqueues, p->ifname, what,
		    strerror(-rc));
	}
	return 0;
}

/*
 * Every worker runs the image opened here, whatever later happens on disk to
 * its path (worker_image.h). Missing, or writable by anyone but root, the
 * daemon refuses to start: a worker holds the key.
 */
static int
open_worker_image(struct ttt_parent *p)
{
	char name[TTT_WORKER_IMAGE_NAME_MAX];
	int fd = ttt_worker_image_open(TTT_WORKER_PATH, name, sizeof(name));

	if (fd >= 0) {
		p->exe = fd;
		return 0;
	}
	if (fd == -EPERM)
		return fail(EX_NOPERM, "worker image %s is not owned by root or is writable "
		    "by its group or others: refusing to run it; fix with: chown root %s && "
		    "chmod go-w %s", name, name, name);
	if (fd == -ENOEXEC)
		return fail(EX_CONFIG, "worker image %s is not a regular file (a link?)", name);
	return fail(fd == -ENOENT ? EX_OSFILE : EX_OSERR, "worker image %s: %s%s", name,
	    strerror(-fd), fd == -ENOENT ? " (the daemon needs its worker: reinstall, or "
	    "make in the build tree)" : "");
}

/* The pid file, locked for our life in *fd (pidfile.h); a status on failure. */
static int
take_pidfile(const char *path, int *fd)
{
	long holder;
	int rc;

	if (path[0] == '\0')
		return 0;
	rc = ttt_pidfile_acquire(path, getpid(), &holder);
	if (rc >= 0) {
		*fd = rc;
		return 0;
	}
	if (rc == -EWOULDBLOCK)
		log_err("pid file %s is locked by a running instance (pid %ld): not starting "
		    "a second one", path, holder);
	else if (rc == -EPERM || rc == -ELOOP)
		log_err("pid file %s is not a regular file of ours with a single link: "
		    "refusing to write it", path);
	else
		log_err("pid file %s: %s", path, strerror(-rc));
	return EX_CANTCREAT;
}

static int
confine_parent(struct ttt_config *cfg, int exe, int *pidfd)
{
	struct ttt_parent_policy pol;
	int rc;

	if (cfg->daemonize && (rc = ttt_daemonize()) != 0)
		return fail(EX_OSERR, "detaching: %s", strerror(-rc));
	ttt_log_init(progname, ttt_config_log_level(cfg), cfg->use_syslog || cfg->daemonize);
	if ((rc = take_pidfile(cfg->pidfile, pidfd)) != 0)
		return rc;
	if (ttt_privdrop_parent() != 0) {
		log_err("dropping the parent's capabilities failed");
		return EX_OSERR;
	}
	/* Before the filter, which forbids it; every worker inherits it. */
	if ((rc = ttt_schedpol_set(cfg->no_sched_batch == 0)) < 0)
		log_warn("keeping the normal scheduling policy: SCHED_BATCH: %s", strerror(-rc));
	/* Only a policy we chose is ours to switch: chrt -b's stays batch. */
	if (rc == 1)
		cfg->run.flags |= TTT_CONFIG_SCHED_OURS;
	if ((rc = ttt_parent_confine(cfg, exe, &pol)) != 0) {
		log_err("confining the parent (Landlock, seccomp): %s", strerror(-rc));
		return EX_OSERR;
	}
	if (pol.landlock_abi > 0)
		log_info("parent confined by seccomp and Landlock ABI %d", pol.landlock_abi);
	else
		log_warn("Landlock is unavailable: the parent is confined by seccomp alone");
	return 0;
}

/* Once logging is set up: the tap's address, or why it is the kernel's. */
static void
log_hwaddr(const struct ttt_parent *p)
{
	int err = -p->machine_id_err;

	if (p->hwaddr[0] != '\0')
		log_info("%s has Ethernet address %s (%s)", p->ifname, p->hwaddr,
		    p->cfg.mac[0] != '\0' ? "--mac" : "derived from " TTT_MACHINE_ID_PATH);
	else
		log_warn("no usable machine id in %s (%s): %s keeps the kernel's random Ethernet "
		    "address, a new one at each start, and the peer's neighbours send to the "
		    "old one until their entries expire; give --mac for a stable address",
		    TTT_MACHINE_ID_PATH, err == EINVAL ? "not 32 hex digits" : strerror(err),
		    p->ifname);
}

/* One status file, summarised on standard output (show.h). */
static int
show_one(const char *path, int colour, int first)
{
	static char buf[TTT_JSON_INPUT_MAX + 1], out[TTT_SHOW_OUT_MAX];
	static struct ttt_json_doc doc;
	enum ttt_json_status st;
	uint64_t at;
	size_t len;
	int rc = ttt_show_read(path, buf, sizeof(buf), &len);

	if (rc != 0)
		return fail(rc == -EFBIG ? EX_DATAERR : EX_NOINPUT, "%s: %s", path,
		    rc == -EFBIG ? "larger than any status file" : strerror(-rc));
	if ((st = ttt_json_parse(buf, len, &doc)) != TTT_JSON_OK)
		return fail(EX_DATAERR, "%s: %s", path, ttt_json_strerror(st));
	if ((rc = ttt_show_format(&doc, path, colour, out, sizeof(out))) < 0)
		return fail(EX_DATAERR, "%s: %s", path, rc == -EBADMSG ?
		    "a field is missing or of another kind: not a tinytaptunnel status file" :
		    "too much to show");
	if ((!first && putchar('\n') == EOF) || fwrite(out, 1, (size_t)rc, stdout) != (size_t)rc ||
	    fflush(stdout) != 0)
		return fail(EX_IOERR, "writing the summary: %s", strerror(errno));
	if (ttt_json_u64(&doc, "written_at", &at) == 0 && time(NULL) - (time_t)at > TTT_SHOW_STALE_S)
		(void)fprintf(stderr, "%s: %s was last written %lld s ago: is the daemon running?\n",
		    progname, path, (long long)(time(NULL) - (time_t)at));
	return 0;
}

/* tinytaptunnel show [STATUS_FILE]: the file, or every one systemd's units write. */
static int
show(int n, char **args)
{
	int colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL, rc = 0, r;
	glob_t g;

	if (n > 1)
		return fail(EX_USAGE, "show takes at most one status file");
	if (n == 1)
		return show_one(args[0], colour, 1);
	if (glob(TTT_SHOW_GLOB, 0, NULL, &g) != 0)
		return fail(EX_NOINPUT, "no status file matches %s", TTT_SHOW_GLOB);
	for (size_t i = 0; i < g.gl_pathc; i++)
		if ((r = show_one(g.gl_pathv[i], colour, i == 0)) != 0)
			rc = r;
	globfree(&g);
	return rc;
}

int
main(int argc, char **argv)
{
	static struct ttt_parent parent;
	const struct ttt_config *cfg = &parent.cfg;
	char err[TTT_CLI_ERR_MAX];
	struct underlay u;
	int rc, pidfd = -1;

	/* Before anything is opened: see ttt_sanitise_stdfd. */
	if (ttt_sanitise_stdfd() != 0)
		return EX_OSERR;
	/* A subcommand, not a key file: a key file named so is written ./show. */
	if (argc >= 2 && strcmp(argv[1], TTT_SHOW_CMD) == 0)
		return show(argc - 2, argv + 2);
	if ((rc = ttt_parent_early()) != 0)
		return fail(EX_OSERR, "setting up the parent's descriptors: %s", strerror(-rc));
	parent.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (parent.devnull < 0)
		return fail(EX_OSERR, "opening /dev/null: %s", strerror(errno));
	/* Shared with each worker: its last stamps bound the next one's floor. */
	parent.stamps_fd = ttt_stamps_create(&parent.stamps);
	if (parent.stamps_fd < 0)
		return fail(EX_OSERR, "the stamps page (memfd): %s", strerror(-parent.stamps_fd));
	rc = ttt_cli_parse(argc, argv, &parent.cfg, err, sizeof(err));
	if (rc != 0) {
		(void)fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n",
		    progname, err, progname);
		return rc;
	}
	switch (cfg->action) {
	case TTT_CLI_HELP:
		(void)fputs(ttt_cli_usage, stdout);
		return 0;
	case TTT_CLI_VERSION:
		(void)printf("tinytaptunnel %s (wire format v1.4)\n", TTT_VERSION);
		return 0;
	case TTT_CLI_GENKEY:
		return genkey();
	case TTT_CLI_RUN:
		break;
	}
	if ((rc = open_worker_image(&parent)) != 0)
		return rc;
	if ((rc = setup(cfg, &parent, &u)) != 0)
		return rc;
	if ((rc = confine_parent(&parent.cfg, parent.exe, &pidfd)) != 0) {
		ttt_pidfile_release(cfg->pidfile, pidfd);
		return rc;
	}
	if (u.shared_user)
		log_warn("no user '%s': the worker runs as the shared user '%s', whose every "
		    "process may signal it; create '%s' or give --user", TTT_DEFAULT_USER,
		    TTT_FALLBACK_USER, TTT_DEFAULT_USER);
	log_info("tunnel on %s, mtu %lld, listening on %s%s%s", parent.ifname,
	    (long long)cfg->mtu, cfg->local,
	    cfg->peer[0] != '\0' ? ", peer " : ", peer learnt from traffic", cfg->peer);
	warn_fragments(cfg, &u);
	log_hwaddr(&parent);
	rc = ttt_parent_run(&parent);
	explicit_bzero(parent.key, sizeof(parent.key));
	/* Closing the last descriptor removes the tap interface. */
	ttt_queues_close(&parent);
	ttt_pidfile_release(cfg->pidfile, pidfd);
	return rc;
}

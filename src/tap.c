/*
 * Tap device set-up (parent only).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if_arp.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "tap.h"
#include "tso.h"

/* An interface request for name, everything else zero. */
static void
ifreq_for(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	memcpy(ifr->ifr_name, name, strnlen(name, IFNAMSIZ - 1));
}

/* A socket to ask the kernel about interface name, and its request: the
 * descriptor, or -errno. */
static int
ctl_socket(struct ifreq *ifr, const char *name)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	ifreq_for(ifr, name);
	return s;
}

/* Linux 6.2's flags (UDP segmentation offload); older headers lack them,
 * older kernels refuse them (EINVAL). */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

/* Offloads to ask for, the most first: what each refusal falls back to,
 * and what each rung got (tap.h). tun takes USO4 and USO6 only together. */
static const struct {
	unsigned flags, got;
} offload_ladder[] = {
	{ TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6, TTT_TAP_TSO | TTT_TAP_USO },
	{ TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6, TTT_TAP_TSO },
	{ TUN_F_CSUM, 0 },
	{ 0, 0 },
};
#define NLADDER (sizeof(offload_ladder) / sizeof(offload_ladder[0]))

#ifdef TTT_TEST_HOOKS
/*
 * Test builds only: TTT_TEST_REFUSE_OFFLOAD=n refuses the first n rungs of
 * the ladder as a kernel without those flags would (EINVAL), and n past
 * them the vnet header too, so the e2e tests can walk the fallback.
 */
static int
refused_for_test(unsigned rung)
{
	const char *s = getenv("TTT_TEST_REFUSE_OFFLOAD");
	char *end;
	unsigned long n;

	if (s == NULL)
		return 0;
	n = strtoul(s, &end, 10);
	return *end == '\0' && rung < n;
}
#else
static int
refused_for_test(unsigned rung)
{
	(void)rung;
	return 0;
}
#endif

/* A fresh tap, with extra flags (IFF_VNET_HDR or none). */
static int
open_tap(const char *want, char name[IFNAMSIZ], short extra)
{
	struct ifreq ifr;
	int fd, err;

	fd = open(TTT_TUN_PATH, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	/* No packet-information header: v1.4 carries bare Ethernet frames. */
	ifr.ifr_flags = (short)(IFF_TAP | IFF_NO_PI | extra);
	memcpy(ifr.ifr_name, want, strlen(want));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = errno;
		(void)close(fd);
		return -err;
	}
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = '\0';
	return fd;
}

/* The vnet header's size, then the most offload the kernel takes; 0 and
 * *got, or -errno when not even the header is taken. */
static int
set_offload(int fd, unsigned *got)
{
	int hdr = TTT_VNET_LEN;

	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0)
		return -errno;
	for (unsigned i = 0; i < NLADDER; i++) {
		if (refused_for_test(i)) {
			errno = EINVAL;
		} else if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)offload_ladder[i].flags) == 0) {
			*got = TTT_TAP_VNET | offload_ladder[i].got | (i > 0 ? TTT_TAP_REFUSED : 0);
			return 0;
		}
		/* EINVAL: flags this kernel does not know; anything else is
		 * not about the flags. */
		if (errno != EINVAL)
			return -errno;
	}
	return -EINVAL;
}

int
ttt_tap_open(const char *want, char name[IFNAMSIZ], int offload, int multi, unsigned *got)
{
	/* Only asked for: a single-queue tap stays exactly as it was. */
	short mq = multi ? IFF_MULTI_QUEUE : 0;
	int fd;

	*got = 0;
	if (strlen(want) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	if (offload) {
		fd = refused_for_test(NLADDER) ? -EINVAL :
		    open_tap(want, name, (short)(IFF_VNET_HDR | mq));
		if (fd >= 0 && set_offload(fd, got) == 0)
			return fd;
		/* Permissions and names fail alike without the header. */
		if (fd < 0 && fd != -EINVAL)
			return fd;
		if (fd >= 0)
			(void)close(fd);	/* a vnet header cannot be taken back */
		*got = TTT_TAP_REFUSED;
	}
	return open_tap(want, name, mq);
}

int
ttt_tap_open_queue(const char *name, unsigned got)
{
	char same[IFNAMSIZ];
	unsigned again = 0;
	/* The first queue's flags exactly: the kernel takes a queue's flags
	 * for the whole device, so one without the vnet header would take it
	 * from every queue. */
	int fd = open_tap(name, same, (short)(IFF_MULTI_QUEUE | (got & TTT_TAP_VNET ?
	    IFF_VNET_HDR : 0))), rc;

	if (fd < 0 || !(got & TTT_TAP_VNET))
		return fd;
	if ((rc = set_offload(fd, &again)) != 0 ||
	    (rc = (again & ~TTT_TAP_REFUSED) == (got & ~TTT_TAP_REFUSED) ? 0 : -EPROTO) != 0) {
		(void)close(fd);
		return rc;
	}
	return fd;
}

int
ttt_tap_configure(const char *name, int mtu)
{
	struct ifreq ifr;
	int s, err = 0;

	s = ctl_socket(&ifr, name);
	if (s < 0)
		return s;
	ifr.ifr_mtu = mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0)
		err = -errno;
	if (err == 0 && ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		err = -errno;
	if (err == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			err = -errno;
	}
	(void)close(s);
	return err;
}

int
ttt_tap_set_hwaddr(const char *name, const uint8_t mac[TTT_HWADDR_LEN])
{
	struct ifreq ifr;
	int s, err = 0;

	s = ctl_socket(&ifr, name);
	if (s < 0)
		return s;
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, TTT_HWADDR_LEN);
	if (ioctl(s, SIOCSIFHWADDR, &ifr) < 0)
		err = -errno;
	(void)close(s);
	return err;
}

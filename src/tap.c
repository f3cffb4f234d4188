/*
 * Tap device set-up (parent only).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <net/if_arp.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "tap.h"

/* An interface request for name, everything else zero. */
static void
ifreq_for(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	memcpy(ifr->ifr_name, name, strnlen(name, IFNAMSIZ - 1));
}

int
ttt_tap_open(const char *want, char name[IFNAMSIZ])
{
	struct ifreq ifr;
	int fd, err;

	if (strlen(want) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	fd = open(TTT_TUN_PATH, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	/* No packet-information header: v1.4 carries bare Ethernet frames. */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
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

int
ttt_tap_configure(const char *name, int mtu)
{
	struct ifreq ifr;
	int s, err = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	ifreq_for(&ifr, name);
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

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	ifreq_for(&ifr, name);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, TTT_HWADDR_LEN);
	if (ioctl(s, SIOCSIFHWADDR, &ifr) < 0)
		err = -errno;
	(void)close(s);
	return err;
}

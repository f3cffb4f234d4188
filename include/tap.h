/*
 * The tap device: opened and configured by the privileged parent only.
 */
#ifndef TTT_TAP_H
#define TTT_TAP_H

#include <stdint.h>
#include <net/if.h>

#include "hwaddr.h"

#define TTT_TUN_PATH "/dev/net/tun"
#define TTT_TAP_DEFAULT_NAME "tap%d"	/* the kernel picks the number */

/*
 * Open a non-persistent tap (IFF_TAP | IFF_NO_PI) named want (a pattern with
 * %d is allowed), O_NONBLOCK and close-on-exec. The interface disappears with
 * its last descriptor. Returns the fd, or -errno; name gets the real name.
 */
int ttt_tap_open(const char *want, char name[IFNAMSIZ]);

/*
 * Set the interface's Ethernet address (SIOCSIFHWADDR). Call it before
 * ttt_tap_configure brings the interface up, so no frame ever leaves from the
 * kernel's random address. Returns 0 or -errno.
 */
int ttt_tap_set_hwaddr(const char *name, const uint8_t mac[TTT_HWADDR_LEN]);

/* Set the MTU and bring the interface up. Returns 0 or -errno. */
int ttt_tap_configure(const char *name, int mtu);

#endif

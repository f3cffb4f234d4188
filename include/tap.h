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

/* What ttt_tap_open got from the kernel (*got). */
#define TTT_TAP_VNET    0x1u	/* every read and write starts with a struct virtio_net_hdr */
#define TTT_TAP_TSO     0x2u	/* and the kernel hands over TCP super-frames (tso.h) */
#define TTT_TAP_REFUSED 0x4u	/* offloads were asked for and the kernel refused some */
#define TTT_TAP_USO     0x8u	/* and takes (and hands over) UDP super-frames (coalesce.h) */

/*
 * Open a non-persistent tap (IFF_TAP | IFF_NO_PI) named want (a pattern with
 * %d is allowed), O_NONBLOCK and close-on-exec. The interface disappears with
 * its last descriptor. Returns the fd, or -errno; name gets the real name.
 *
 * offload: also ask for a vnet header (IFF_VNET_HDR, TUNSETVNETHDRSZ) and
 * checksum, TCP and UDP segmentation offload (TUNSETOFFLOAD TUN_F_CSUM |
 * TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6), as wireguard-go
 * does for its tun: the kernel then skips its own segmentation and
 * checksums for frames to the tap, and takes super-frames written to it.
 * What the kernel refuses it falls back from (USO, Linux 6.2, first), as
 * far as no vnet header at all (a plain tap, as without offload), and says
 * so in *got (TTT_TAP_REFUSED).
 */
int ttt_tap_open(const char *want, char name[IFNAMSIZ], int offload, int multi, unsigned *got);

/*
 * multi (--queues over 1): the tap is multi-queue (IFF_MULTI_QUEUE) and fd
 * its first queue. ttt_tap_open_queue opens one more queue of the tap
 * called name, with the first's flags and offloads (got, from
 * ttt_tap_open); -EPROTO if the kernel now grants other offloads. The
 * kernel spreads the frames it sends into the tap across the queues by
 * flow. Returns the fd, or -errno.
 */
int ttt_tap_open_queue(const char *name, unsigned got);

/*
 * Set the interface's Ethernet address (SIOCSIFHWADDR). Call it before
 * ttt_tap_configure brings the interface up, so no frame ever leaves from the
 * kernel's random address. Returns 0 or -errno.
 */
int ttt_tap_set_hwaddr(const char *name, const uint8_t mac[TTT_HWADDR_LEN]);

/* Set the MTU and bring the interface up. Returns 0 or -errno. */
int ttt_tap_configure(const char *name, int mtu);

#endif

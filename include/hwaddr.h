/*
 * The tap's Ethernet address: parsed from --mac, or derived from the
 * machine's id and the interface's name so that it survives a restart.
 * Without a stable address a restarted peer comes back with the kernel's
 * new random one, and its neighbours keep sending to the old one until
 * their ARP and ND entries expire.
 *
 * The derivation follows the idea of systemd's MACAddressPolicy=persistent
 * (a keyed hash of the machine id and the interface name), not its code:
 *   HMAC-SHA256(key = the machine id's 32 hex digits,
 *               message = TTT_HWADDR_DOMAIN, its NUL, the interface name)
 * and the first 6 bytes of it, with the first octet's locally administered
 * bit set and its group (multicast) bit clear. The machine id is the key,
 * never the message, as machine-id(5) asks: the address tells nobody the
 * id, though it is a stable identifier of this machine and interface.
 */
#ifndef TTT_HWADDR_H
#define TTT_HWADDR_H

#include <stddef.h>
#include <stdint.h>

#define TTT_HWADDR_LEN      6	/* an Ethernet address */
#define TTT_HWADDR_TEXT_MAX 18	/* "xx:xx:xx:xx:xx:xx" and its NUL */
#define TTT_HWADDR_GROUP    0x01u	/* first octet: multicast/broadcast */
#define TTT_HWADDR_LOCAL    0x02u	/* first octet: locally administered */
/* Changing it changes every derived address: neighbours would go stale once. */
#define TTT_HWADDR_DOMAIN   "tinytaptunnel stable tap MAC v1"

#define TTT_MACHINE_ID_PATH "/etc/machine-id"
#define TTT_MACHINE_ID_LEN  32	/* hex digits, machine-id(5) */

/*
 * "xx:xx:xx:xx:xx:xx", hex digits in either case, into mac. Refuses
 * anything else, a group (multicast or broadcast) address and the all-zero
 * one, none of which can be an interface's own. Pure. Returns 0 or -EINVAL.
 */
int ttt_hwaddr_parse(const char *s, uint8_t mac[TTT_HWADDR_LEN]);

/* mac as "xx:xx:xx:xx:xx:xx", lower case. Pure. */
void ttt_hwaddr_format(const uint8_t mac[TTT_HWADDR_LEN], char out[TTT_HWADDR_TEXT_MAX]);

/*
 * The stable address for interface ifname on the machine whose id is
 * id[0..idlen) (the digits as read, see ttt_machine_id_read): the HMAC
 * above, locally administered and unicast. Pure.
 */
void ttt_hwaddr_derive(const uint8_t *id, size_t idlen, const char *ifname,
    uint8_t mac[TTT_HWADDR_LEN]);

/*
 * Read a machine id from path: exactly 32 hex digits, then a newline or
 * nothing. Returns 0, -errno from open or read, or -EINVAL for anything else
 * (an empty file, "uninitialized", a short or long id).
 */
int ttt_machine_id_read(const char *path, uint8_t id[TTT_MACHINE_ID_LEN]);

#endif

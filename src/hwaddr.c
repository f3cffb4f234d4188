/*
 * The tap's Ethernet address (see hwaddr.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bearssl_hmac.h>

#include "hwaddr.h"
#include "text.h"

#define HEX_PER_OCTET 2

int
ttt_hwaddr_parse(const char *s, uint8_t mac[TTT_HWADDR_LEN])
{
	uint8_t m[TTT_HWADDR_LEN], any = 0;

	for (size_t i = 0; i < TTT_HWADDR_LEN; i++) {
		const char *o = s + i * (HEX_PER_OCTET + 1);	/* within s: each ':' was checked */
		int hi = ttt_hex_digit(o[0]), lo = hi < 0 ? -1 : ttt_hex_digit(o[1]);
		char sep = i + 1 < TTT_HWADDR_LEN ? ':' : '\0';

		if (lo < 0 || o[HEX_PER_OCTET] != sep)
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
		any |= m[i];
	}
	/* The kernel refuses both as an interface's own (is_valid_ether_addr);
	 * saying so here gives the user a clear line instead of EADDRNOTAVAIL. */
	if ((m[0] & TTT_HWADDR_GROUP) != 0 || any == 0)
		return -EINVAL;
	memcpy(mac, m, sizeof(m));
	return 0;
}

void
ttt_hwaddr_format(const uint8_t mac[TTT_HWADDR_LEN], char out[TTT_HWADDR_TEXT_MAX])
{
	(void)snprintf(out, TTT_HWADDR_TEXT_MAX, "%02x:%02x:%02x:%02x:%02x:%02x",
	    mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

void
ttt_hwaddr_derive(const uint8_t *id, size_t idlen, const char *ifname,
    uint8_t mac[TTT_HWADDR_LEN])
{
	static const char domain[] = TTT_HWADDR_DOMAIN;
	uint8_t out[br_sha256_SIZE];
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, id, idlen);
	br_hmac_init(&hc, &kc, 0);
	/* The domain's NUL ends it, so no name can be read as part of it. */
	br_hmac_update(&hc, domain, sizeof(domain));
	br_hmac_update(&hc, ifname, strlen(ifname));
	br_hmac_out(&hc, out);
	memcpy(mac, out, TTT_HWADDR_LEN);
	mac[0] = (uint8_t)((mac[0] | TTT_HWADDR_LOCAL) & ~TTT_HWADDR_GROUP);
	/* The key is the machine id, which machine-id(5) asks to keep to ourselves. */
	explicit_bzero(&kc, sizeof(kc));
	explicit_bzero(&hc, sizeof(hc));
}

int
ttt_machine_id_read(const char *path, uint8_t id[TTT_MACHINE_ID_LEN])
{
	/* Two more than an id: its newline, and a byte that shows it is too long. */
	char buf[TTT_MACHINE_ID_LEN + 2];
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err = -errno;
	(void)close(fd);
	if (err != 0)
		return err;
	if (n < TTT_MACHINE_ID_LEN || (n > TTT_MACHINE_ID_LEN && (n > TTT_MACHINE_ID_LEN + 1 ||
	    buf[TTT_MACHINE_ID_LEN] != '\n')))
		return -EINVAL;
	for (size_t i = 0; i < TTT_MACHINE_ID_LEN; i++)
		if (ttt_hex_digit(buf[i]) < 0)
			return -EINVAL;
	memcpy(id, buf, TTT_MACHINE_ID_LEN);
	return 0;
}

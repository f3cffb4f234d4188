/*
 * The tap's Ethernet address (src/hwaddr.c): --mac's parser, the derived
 * default (stable, one per interface name, locally administered unicast,
 * and a known answer computed apart from this code), and the reading of a
 * machine id.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hwaddr.h"

static const uint8_t test_id[TTT_MACHINE_ID_LEN] = "0123456789abcdef0123456789abcdef";

static void
derive_text(const uint8_t *id, const char *ifname, char out[TTT_HWADDR_TEXT_MAX])
{
	uint8_t mac[TTT_HWADDR_LEN];

	ttt_hwaddr_derive(id, TTT_MACHINE_ID_LEN, ifname, mac);
	ttt_hwaddr_format(mac, out);
}

static void
test_parse(void **state)
{
	static const char *const bad[] = {
		"", "02:11:22:33:44", "02:11:22:33:44:55:66", "02:11:22:33:44:5",
		"02:11:22:33:44:555", "02-11-22-33-44-55", "0211.2233.4455", "02:11:22:33:44:5g",
		" 02:11:22:33:44:55", "02:11:22:33:44:55 ", "2:11:22:33:44:55",
		"01:00:5e:00:00:01",	/* multicast */
		"ff:ff:ff:ff:ff:ff",	/* broadcast */
		"03:11:22:33:44:55",	/* group bit with the local bit */
		"00:00:00:00:00:00",
	};
	uint8_t mac[TTT_HWADDR_LEN] = { 0 };
	char text[TTT_HWADDR_TEXT_MAX];

	(void)state;
	assert_int_equal(ttt_hwaddr_parse("02:11:22:33:44:55", mac), 0);
	assert_memory_equal(mac, "\x02\x11\x22\x33\x44\x55", TTT_HWADDR_LEN);
	assert_int_equal(ttt_hwaddr_parse("AA:bb:Cc:dD:0e:F0", mac), 0);
	ttt_hwaddr_format(mac, text);
	assert_string_equal(text, "aa:bb:cc:dd:0e:f0");
	/* A globally administered unicast address is the user's to give. */
	assert_int_equal(ttt_hwaddr_parse("00:00:00:00:00:01", mac), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(mac, 0x77, sizeof(mac));
		assert_int_equal(ttt_hwaddr_parse(bad[i], mac), -EINVAL);
		assert_memory_equal(mac, "\x77\x77\x77\x77\x77\x77", TTT_HWADDR_LEN);	/* untouched */
	}
}

/*
 * Known answers, from outside this code:
 *   printf 'tinytaptunnel stable tap MAC v1\0ttt0' |
 *     openssl dgst -sha256 -mac HMAC -macopt key:0123456789abcdef0123456789abcdef
 * gives 9fec6a70cb41..., so 9e:ec:6a:70:cb:41 (group bit cleared); for tap0,
 * ce02c93fc8b9... gives ce:02:c9:3f:c8:b9.
 */
static void
test_derive_known_answer(void **state)
{
	char text[TTT_HWADDR_TEXT_MAX];

	(void)state;
	derive_text(test_id, "ttt0", text);
	assert_string_equal(text, "9e:ec:6a:70:cb:41");
	derive_text(test_id, "tap0", text);
	assert_string_equal(text, "ce:02:c9:3f:c8:b9");
}

/* The same inputs give the same address; another name or machine, another. */
static void
test_derive_stable_and_distinct(void **state)
{
	static const char *const names[] = { "tap0", "tap1", "tap10", "ttt0", "t", "tap%d" };
	uint8_t other_id[TTT_MACHINE_ID_LEN];
	char a[TTT_HWADDR_TEXT_MAX], b[TTT_HWADDR_TEXT_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		derive_text(test_id, names[i], a);
		derive_text(test_id, names[i], b);
		assert_string_equal(a, b);
		for (size_t j = 0; j < i; j++) {
			derive_text(test_id, names[j], b);
			assert_string_not_equal(a, b);
		}
	}
	memcpy(other_id, test_id, sizeof(other_id));
	other_id[0] = '1';
	derive_text(test_id, "tap0", a);
	derive_text(other_id, "tap0", b);
	assert_string_not_equal(a, b);
}

/* Locally administered and unicast, whatever the hash gives: 256 names
 * cover every value of the first byte's two low bits many times over. */
static void
test_derive_bits(void **state)
{
	uint8_t mac[TTT_HWADDR_LEN], again[TTT_HWADDR_LEN], seen_high = 0;
	char name[16], text[TTT_HWADDR_TEXT_MAX];

	(void)state;
	for (int i = 0; i < 256; i++) {
		(void)snprintf(name, sizeof(name), "tap%d", i);
		ttt_hwaddr_derive(test_id, sizeof(test_id), name, mac);
		assert_int_equal(mac[0] & TTT_HWADDR_LOCAL, TTT_HWADDR_LOCAL);
		assert_int_equal(mac[0] & TTT_HWADDR_GROUP, 0);
		seen_high |= mac[0];
		/* And --mac accepts every address we derive. */
		ttt_hwaddr_format(mac, text);
		assert_int_equal(ttt_hwaddr_parse(text, again), 0);
		assert_memory_equal(again, mac, sizeof(mac));
	}
	assert_int_equal(seen_high & 0xfc, 0xfc);	/* the other bits do vary */
}

static void
id_file(const char *content, size_t len, char path[64])
{
	int fd;

	(void)snprintf(path, 64, "/tmp/ttt-test-machine-id.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static int
read_id(const char *content, uint8_t id[TTT_MACHINE_ID_LEN])
{
	char path[64];
	int rc;

	id_file(content, strlen(content), path);
	rc = ttt_machine_id_read(path, id);
	assert_int_equal(unlink(path), 0);
	return rc;
}

static void
test_machine_id_read(void **state)
{
	uint8_t id[TTT_MACHINE_ID_LEN];

	(void)state;
	assert_int_equal(read_id("0123456789abcdef0123456789abcdef\n", id), 0);
	assert_memory_equal(id, test_id, sizeof(id));
	assert_int_equal(read_id("0123456789abcdef0123456789abcdef", id), 0);
	assert_int_equal(read_id("", id), -EINVAL);
	assert_int_equal(read_id("uninitialized\n", id), -EINVAL);
	assert_int_equal(read_id("0123456789abcdef0123456789abcde\n", id), -EINVAL);
	assert_int_equal(read_id("0123456789abcdef0123456789abcdef0\n", id), -EINVAL);
	assert_int_equal(read_id("0123456789abcdef0123456789abcdef\n\n", id), -EINVAL);
	assert_int_equal(read_id("0123456789abcdef0123456789abcdeg\n", id), -EINVAL);
	assert_int_equal(ttt_machine_id_read("/nonexistent/machine-id", id), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_derive_known_answer),
		cmocka_unit_test(test_derive_stable_and_distinct),
		cmocka_unit_test(test_derive_bits),
		cmocka_unit_test(test_machine_id_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

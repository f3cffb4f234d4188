/*
 * Tests for src/udp.c's choice of the default tap MTU: the arithmetic of
 * wire.h against the numbers of issue 14 (1418 over IPv4, 1398 over IPv6 on
 * a 1500-byte path), which family a peer's datagrams leave in, and a route
 * probe on loopback (nothing is sent).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "udp.h"
#include "wire.h"

#define PORT 9123
#define PPPOE_HLEN 8	/* PPPoE and PPP headers: a DSL path carries 1492 */
#define VLAN_HLEN  4	/* an 802.1Q tag inside the tunnel */

static struct ttt_addr
v4(const char *ip)
{
	struct ttt_addr a;
	struct sockaddr_in *s = (struct sockaddr_in *)&a.ss;

	memset(&a, 0, sizeof(a));
	s->sin_family = AF_INET;
	s->sin_port = htons(PORT);
	assert_int_equal(inet_pton(AF_INET, ip, &s->sin_addr), 1);
	a.len = sizeof(*s);
	return a;
}

static struct ttt_addr
v6(const char *ip)
{
	struct ttt_addr a;
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)&a.ss;

	memset(&a, 0, sizeof(a));
	s->sin6_family = AF_INET6;
	s->sin6_port = htons(PORT);
	assert_int_equal(inet_pton(AF_INET6, ip, &s->sin6_addr), 1);
	a.len = sizeof(*s);
	return a;
}

/* The numbers the documents give, from the constants. */
static void
test_arithmetic(void **state)
{
	(void)state;
	assert_int_equal(TTT_DEFAULT_MTU, 1418);
	assert_int_equal(TTT_DEFAULT_MTU6, 1398);
	assert_int_equal(TTT_DEFAULT_MAX_FRAME, 1432);
	/* v1.4's largest datagram: 1472 bytes of payload, 1500 over IPv4, 1520 over IPv6. */
	assert_int_equal(ttt_udp_largest_packet(0, TTT_DEFAULT_MTU), TTT_ETHERNET_MTU);
	assert_int_equal(ttt_udp_largest_packet(1, TTT_DEFAULT_MTU), 1520);
	assert_int_equal(ttt_udp_largest_packet(1, TTT_DEFAULT_MTU6), TTT_ETHERNET_MTU);
	/* PPPoE: the path carries 8 bytes less. */
	assert_int_equal(ttt_udp_default_mtu(0, TTT_ETHERNET_MTU - PPPOE_HLEN), 1410);
	assert_int_equal(ttt_udp_default_mtu(1, TTT_ETHERNET_MTU - PPPOE_HLEN), 1390);
	/* VLAN trunking: the tagged frame is 4 bytes longer, so --mtu 4 less. */
	assert_int_equal(TTT_FRAME_MAX(TTT_DEFAULT_MTU - VLAN_HLEN) + VLAN_HLEN,
	    TTT_DEFAULT_MAX_FRAME);
}

static void
test_default_mtu(void **state)
{
	(void)state;
	/* Unknown route: the family's default on an Ethernet path. */
	assert_int_equal(ttt_udp_default_mtu(0, 0), TTT_DEFAULT_MTU);
	assert_int_equal(ttt_udp_default_mtu(1, 0), TTT_DEFAULT_MTU6);
	/* A larger first hop (jumbo, loopback) raises nothing. */
	assert_int_equal(ttt_udp_default_mtu(0, 9000), TTT_DEFAULT_MTU);
	assert_int_equal(ttt_udp_default_mtu(1, 65536), TTT_DEFAULT_MTU6);
	/* A smaller one lowers it exactly: the largest packet fills the route. */
	assert_int_equal(ttt_udp_largest_packet(0, ttt_udp_default_mtu(0, 1400)), 1400);
	assert_int_equal(ttt_udp_largest_packet(1, ttt_udp_default_mtu(1, 1280)), 1280);
	assert_int_equal(ttt_udp_largest_packet(1, ttt_udp_default_mtu(1, 1499)), 1499);
	/* Never below what --mtu allows, even if that fragments. */
	assert_int_equal(ttt_udp_default_mtu(0, 68), TTT_MIN_MTU);
	assert_int_equal(ttt_udp_default_mtu(0, TTT_TUNNEL_OVERHEAD(TTT_IPV4_HLEN) + TTT_MIN_MTU),
	    TTT_MIN_MTU);
}

static void
test_sends_v6(void **state)
{
	struct ttt_addr any6 = v6("::"), any4 = v4("0.0.0.0");
	struct ttt_addr p4 = v4("192.0.2.1"), p6 = v6("2001:db8::1"), mapped = v6("::ffff:192.0.2.1");

	(void)state;
	assert_false(ttt_udp_sends_v6(&any6, &p4));
	assert_false(ttt_udp_sends_v6(&any6, &mapped));	/* leaves as IPv4 */
	assert_true(ttt_udp_sends_v6(&any6, &p6));
	/* No peer yet: a dual-stack socket may meet an IPv6 one. */
	assert_true(ttt_udp_sends_v6(&any6, NULL));
	assert_false(ttt_udp_sends_v6(&any4, NULL));
}

static void
test_route_mtu_loopback(void **state)
{
	struct ttt_addr lo4 = v4("127.0.0.1"), mapped = v6("::ffff:127.0.0.1"), lo6 = v6("::1");
	int m4 = ttt_udp_route_mtu(&lo4);

	(void)state;
	assert_true(m4 >= TTT_ETHERNET_MTU);	/* lo: 65536 */
	assert_int_equal(ttt_udp_route_mtu(&mapped), m4);
	/* ::1 only where IPv6 is on. */
	if (ttt_udp_route_mtu(&lo6) != -EADDRNOTAVAIL && ttt_udp_route_mtu(&lo6) != -EAFNOSUPPORT)
		assert_true(ttt_udp_route_mtu(&lo6) >= TTT_ETHERNET_MTU);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arithmetic),
		cmocka_unit_test(test_default_mtu),
		cmocka_unit_test(test_sends_v6),
		cmocka_unit_test(test_route_mtu_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Tests for src/addr.c: splitting every accepted form and every refusal,
 * resolving local and peer addresses (literals, /etc/hosts, v4-mapping, the
 * family checks), comparing and printing.
 *
 * Name resolution stays on this machine: "localhost" comes from /etc/hosts,
 * and the name that must not resolve has characters glibc refuses before
 * asking any DNS server (checked with strace: no packet is sent), so the test
 * is as fast and as deterministic without a network as with one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>

#include "addr.h"

#define PORT        9123
#define CANARY      0x5a
#define SMALL_CAP   5

/* ---- helpers ---------------------------------------------------------- */

static struct sockaddr_in
as_in(const struct ttt_addr *a)
{
	struct sockaddr_in sin;

	assert_int_equal(a->ss.ss_family, AF_INET);
	assert_int_equal(a->len, sizeof(sin));
	memcpy(&sin, &a->ss, sizeof(sin));
	return sin;
}

static struct sockaddr_in6
as_in6(const struct ttt_addr *a)
{
	struct sockaddr_in6 sin6;

	assert_int_equal(a->ss.ss_family, AF_INET6);
	assert_int_equal(a->len, sizeof(sin6));
	memcpy(&sin6, &a->ss, sizeof(sin6));
	return sin6;
}

static void
expect_in(const struct ttt_addr *a, const char *ip, uint16_t port)
{
	struct sockaddr_in sin = as_in(a);
	struct in_addr want;

	assert_int_equal(inet_pton(AF_INET, ip, &want), 1);
	assert_int_equal(sin.sin_addr.s_addr, want.s_addr);
	assert_int_equal(ntohs(sin.sin_port), port);
}

static void
expect_in6(const struct ttt_addr *a, const char *ip, uint16_t port,
    uint32_t scope)
{
	struct sockaddr_in6 sin6 = as_in6(a);
	struct in6_addr want;

	assert_int_equal(inet_pton(AF_INET6, ip, &want), 1);
	assert_memory_equal(&sin6.sin6_addr, &want, sizeof(want));
	assert_int_equal(ntohs(sin6.sin6_port), port);
	assert_int_equal(sin6.sin6_scope_id, scope);
}

static void
split_ok(const char *spec, int allow0, const char *host, uint16_t port)
{
	char h[TTT_HOST_MAX];
	uint16_t p = 1;

	memset(h, CANARY, sizeof(h));
	if (ttt_addr_split(spec, h, sizeof(h), &p, allow0) != TTT_ADDR_OK)
		fail_msg("split '%s' refused", spec);
	assert_string_equal(h, host);
	assert_int_equal(p, port);
}

static void
split_bad(const char *spec, int allow0, enum ttt_addr_status want)
{
	char h[TTT_HOST_MAX];
	enum ttt_addr_status st;
	uint16_t p = 0;

	st = ttt_addr_split(spec, h, sizeof(h), &p, allow0);
	if (st != want)
		fail_msg("split '%s': status %d (%s), want %d (%s)", spec, st,
		    ttt_addr_strerror(st), want, ttt_addr_strerror(want));
}

static void
local_ok(const char *spec, struct ttt_addr *a)
{
	enum ttt_addr_status st;
	int gai = 0;

	memset(a, CANARY, sizeof(*a));
	st = ttt_addr_resolve_local(spec, a, &gai);
	if (st != TTT_ADDR_OK)
		fail_msg("local '%s': status %d (%s), gai %d (%s)", spec, st,
		    ttt_addr_strerror(st), gai, gai != 0 ? gai_strerror(gai) : "");
}

static void
peer_ok(const char *spec, int family, struct ttt_addr *a)
{
	enum ttt_addr_status st;
	int gai = 0;

	memset(a, CANARY, sizeof(*a));
	st = ttt_addr_resolve_peer(spec, family, a, &gai);
	if (st != TTT_ADDR_OK)
		fail_msg("peer '%s': status %d (%s), gai %d (%s)", spec, st,
		    ttt_addr_strerror(st), gai, gai != 0 ? gai_strerror(gai) : "");
}

static void
peer_bad(const char *spec, int family, enum ttt_addr_status want)
{
	struct ttt_addr a;
	enum ttt_addr_status st;
	int gai = 0;

	st = ttt_addr_resolve_peer(spec, family, &a, &gai);
	if (st != want)
		fail_msg("peer '%s': status %d (%s), want %d (%s)", spec, st,
		    ttt_addr_strerror(st), want, ttt_addr_strerror(want));
}

static void
expect_format(const struct ttt_addr *a, const char *want)
{
	char buf[TTT_ADDR_STR_MAX];

	ttt_addr_format(a, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

/* ---- splitting -------------------------------------------------------- */

static void
test_split_forms(void **state)
{
	(void)state;
	split_ok(":9123", 0, "", PORT);
	split_ok("host:9123", 0, "host", PORT);
	split_ok("tunnel.example.org:9123", 0, "tunnel.example.org", PORT);
	split_ok("203.0.113.15:9123", 0, "203.0.113.15", PORT);
	split_ok("[2001:db8::1]:9123", 0, "2001:db8::1", PORT);
	split_ok("[::]:9123", 0, "::", PORT);
	split_ok("[fe80::1%eth0]:9123", 0, "fe80::1%eth0", PORT);
	split_ok("[]:9123", 0, "", PORT);
	split_ok("h:1", 0, "h", 1);
	split_ok("h:65535", 0, "h", UINT16_MAX);
	/* Leading zeros are still a decimal number. */
	split_ok("h:09123", 0, "h", PORT);
	/* Port 0 only where asked for: a local address may take any port. */
	split_ok(":0", 1, "", 0);
	split_ok("[::]:0", 1, "::", 0);
}

static void
test_split_port_errors(void **state)
{
	(void)state;
	split_bad("h:abc", 0, TTT_ADDR_PORT);
	split_bad("h:65536", 0, TTT_ADDR_PORT);
	split_bad("h:99999999999999999999999", 0, TTT_ADDR_PORT);
	split_bad("h:-1", 0, TTT_ADDR_PORT);
	split_bad("h:+1", 0, TTT_ADDR_PORT);
	split_bad("h:", 0, TTT_ADDR_PORT);
	split_bad(":", 0, TTT_ADDR_PORT);
	split_bad(":", 1, TTT_ADDR_PORT);
	split_bad("[::1]:", 0, TTT_ADDR_PORT);
	split_bad("h: 80", 0, TTT_ADDR_PORT);
	split_bad("h:80 ", 0, TTT_ADDR_PORT);
	split_bad("h:0x50", 0, TTT_ADDR_PORT);
	split_bad("h:domain", 0, TTT_ADDR_PORT);	/* no service names */
	split_bad("h:0", 0, TTT_ADDR_PORT);
	split_bad(":0", 0, TTT_ADDR_PORT);
	split_bad("[::1]:9123]", 0, TTT_ADDR_PORT);
}

static void
test_split_syntax_errors(void **state)
{
	(void)state;
	split_bad("", 0, TTT_ADDR_SYNTAX);
	split_bad("host", 0, TTT_ADDR_SYNTAX);		/* no colon */
	split_bad("9123", 1, TTT_ADDR_SYNTAX);
	split_bad("2001:db8::1:9123", 0, TTT_ADDR_SYNTAX);	/* bare IPv6 */
	split_bad("::1:9123", 0, TTT_ADDR_SYNTAX);
	split_bad("::9123", 1, TTT_ADDR_SYNTAX);
	split_bad("[2001:db8::1:9123", 0, TTT_ADDR_SYNTAX);	/* unterminated */
	split_bad("[2001:db8::1", 0, TTT_ADDR_SYNTAX);
	split_bad("[::1]", 0, TTT_ADDR_SYNTAX);		/* no port */
	split_bad("[::1]9123", 0, TTT_ADDR_SYNTAX);
	split_bad("[::1]x:9123", 0, TTT_ADDR_SYNTAX);
	split_bad("[a[b]:9123", 0, TTT_ADDR_SYNTAX);
	split_bad("a]:9123", 0, TTT_ADDR_SYNTAX);
	split_bad("a[b:9123", 0, TTT_ADDR_SYNTAX);
}

static void
test_split_lengths(void **state)
{
	char spec[TTT_ADDR_SPEC_MAX + 2], host[TTT_HOST_MAX], small[8];
	char big[2 * TTT_HOST_MAX];
	uint16_t port = 0;
	size_t n;

	(void)state;
	/* The longest host, TTT_HOST_MAX - 1 characters, is accepted. */
	memset(spec, 'a', TTT_HOST_MAX - 1);
	memcpy(spec + TTT_HOST_MAX - 1, ":9123", sizeof(":9123"));
	assert_int_equal(ttt_addr_split(spec, host, sizeof(host), &port, 0),
	    TTT_ADDR_OK);
	assert_int_equal(strlen(host), TTT_HOST_MAX - 1);
	assert_int_equal(port, PORT);

	/* One more is too long. */
	memset(spec, 'a', TTT_HOST_MAX);
	memcpy(spec + TTT_HOST_MAX, ":9123", sizeof(":9123"));
	split_bad(spec, 0, TTT_ADDR_TOOLONG);

	/* TTT_HOST_MAX bounds the host even when the caller's buffer is larger. */
	assert_int_equal(ttt_addr_split(spec, big, sizeof(big), &port, 0),
	    TTT_ADDR_TOOLONG);

	/* So is a host the caller's buffer cannot hold. */
	assert_int_equal(ttt_addr_split("abcdefgh:9123", small, sizeof(small),
	    &port, 0), TTT_ADDR_TOOLONG);
	assert_int_equal(ttt_addr_split("abcdefg:9123", small, sizeof(small),
	    &port, 0), TTT_ADDR_OK);
	assert_string_equal(small, "abcdefg");

	/* The whole argument: TTT_ADDR_SPEC_MAX is judged on length alone
	 * (its host would be too long anyway), one more is TOOLONG too, and
	 * never read past. */
	n = TTT_ADDR_SPEC_MAX + 1;
	memset(spec, '9', n);
	spec[0] = ':';
	spec[n] = '\0';
	split_bad(spec, 0, TTT_ADDR_TOOLONG);
	spec[TTT_ADDR_SPEC_MAX] = '\0';
	split_bad(spec, 0, TTT_ADDR_PORT);	/* short enough; then a bad port */
}

/* ---- local addresses -------------------------------------------------- */

static void
test_local_any(void **state)
{
	struct ttt_addr a;

	(void)state;
	local_ok(":9123", &a);
	expect_in6(&a, "::", PORT, 0);
	local_ok("[::]:9123", &a);
	expect_in6(&a, "::", PORT, 0);
	local_ok(":0", &a);
	expect_in6(&a, "::", 0, 0);
	local_ok("0.0.0.0:9123", &a);
	expect_in(&a, "0.0.0.0", PORT);
}

static void
test_local_literals(void **state)
{
	struct ttt_addr a;
	unsigned lo;

	(void)state;
	local_ok("127.0.0.1:9123", &a);
	expect_in(&a, "127.0.0.1", PORT);
	local_ok("203.0.113.15:0", &a);
	expect_in(&a, "203.0.113.15", 0);
	local_ok("[::1]:9123", &a);
	expect_in6(&a, "::1", PORT, 0);
	local_ok("[2001:db8::1]:9123", &a);
	expect_in6(&a, "2001:db8::1", PORT, 0);

	/* A scope by interface name and by number. */
	lo = if_nametoindex("lo");
	assert_true(lo != 0);
	local_ok("[fe80::1%lo]:9123", &a);
	expect_in6(&a, "fe80::1", PORT, lo);
	local_ok("[fe80::1%1]:9123", &a);
	expect_in6(&a, "fe80::1", PORT, 1);
}

static void
test_local_name(void **state)
{
	struct ttt_addr a;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	(void)state;
	/* /etc/hosts may list localhost as 127.0.0.1, ::1 or both, in either
	 * order: accept the loopback of whichever family comes first. */
	local_ok("localhost:9123", &a);
	if (a.ss.ss_family == AF_INET) {
		sin = as_in(&a);
		assert_int_equal(ntohl(sin.sin_addr.s_addr), INADDR_LOOPBACK);
		assert_int_equal(ntohs(sin.sin_port), PORT);
	} else {
		sin6 = as_in6(&a);
		assert_true(IN6_IS_ADDR_LOOPBACK(&sin6.sin6_addr));
		assert_int_equal(ntohs(sin6.sin6_port), PORT);
	}
}

static void
test_local_errors(void **state)
{
	struct ttt_addr a;
	int gai = 0;

	(void)state;
	assert_int_equal(ttt_addr_resolve_local("9123", &a, &gai), TTT_ADDR_SYNTAX);
	assert_int_equal(ttt_addr_resolve_local(":65536", &a, &gai), TTT_ADDR_PORT);
	assert_int_equal(ttt_addr_resolve_local("::9123", &a, &gai), TTT_ADDR_SYNTAX);
	assert_int_equal(ttt_addr_resolve_local("bad host name:9123", &a, &gai),
	    TTT_ADDR_RESOLVE);
	assert_int_not_equal(gai, 0);
	gai = 0;
	assert_int_equal(ttt_addr_resolve_local("[fe80::1%nosuchif0]:9123", &a, &gai),
	    TTT_ADDR_RESOLVE);
	assert_int_not_equal(gai, 0);
}

/* ---- peer addresses --------------------------------------------------- */

static void
test_peer_literals(void **state)
{
	struct ttt_addr a;

	(void)state;
	/* An IPv4 socket reaches an IPv4 peer as it is. */
	peer_ok("203.0.113.15:9123", AF_INET, &a);
	expect_in(&a, "203.0.113.15", PORT);
	/* A dual-stack socket reaches it v4-mapped. */
	peer_ok("203.0.113.15:9123", AF_INET6, &a);
	expect_in6(&a, "::ffff:203.0.113.15", PORT, 0);
	peer_ok("[2001:db8::1]:9123", AF_INET6, &a);
	expect_in6(&a, "2001:db8::1", PORT, 0);
	peer_ok("[fe80::1%1]:9123", AF_INET6, &a);
	expect_in6(&a, "fe80::1", PORT, 1);
}

static void
test_peer_name(void **state)
{
	struct ttt_addr a;
	struct sockaddr_in6 sin6;
	static const uint8_t mapped_lo[] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1
	};

	(void)state;
	/* An IPv4 socket needs localhost's IPv4 address (/etc/hosts). */
	peer_ok("localhost:9123", AF_INET, &a);
	expect_in(&a, "127.0.0.1", PORT);

	/* A dual-stack socket gets ::1 or v4-mapped 127.0.0.1, never plain IPv4. */
	peer_ok("localhost:9123", AF_INET6, &a);
	sin6 = as_in6(&a);
	assert_int_equal(ntohs(sin6.sin6_port), PORT);
	assert_true(IN6_IS_ADDR_LOOPBACK(&sin6.sin6_addr) ||
	    memcmp(&sin6.sin6_addr, mapped_lo, sizeof(mapped_lo)) == 0);
}

static void
test_peer_errors(void **state)
{
	struct ttt_addr a;
	int gai = 0;

	(void)state;
	peer_bad(":9123", AF_INET6, TTT_ADDR_NOHOST);
	peer_bad("[]:9123", AF_INET, TTT_ADDR_NOHOST);
	peer_bad("203.0.113.15:0", AF_INET6, TTT_ADDR_PORT);
	peer_bad("203.0.113.15:", AF_INET6, TTT_ADDR_PORT);
	peer_bad("203.0.113.15:65536", AF_INET6, TTT_ADDR_PORT);
	peer_bad("203.0.113.15", AF_INET6, TTT_ADDR_SYNTAX);
	peer_bad("2001:db8::1:9123", AF_INET6, TTT_ADDR_SYNTAX);
	/* An IPv4 socket cannot send to IPv6, v4-mapped or not. */
	peer_bad("[2001:db8::1]:9123", AF_INET, TTT_ADDR_FAMILY);
	peer_bad("[::1]:9123", AF_INET, TTT_ADDR_FAMILY);
	peer_bad("[::ffff:203.0.113.15]:9123", AF_INET, TTT_ADDR_FAMILY);
	/* A local family that is neither. */
	peer_bad("203.0.113.15:9123", AF_UNIX, TTT_ADDR_FAMILY);

	assert_int_equal(ttt_addr_resolve_peer("bad host name:9123", AF_INET6,
	    &a, &gai), TTT_ADDR_RESOLVE);
	assert_int_not_equal(gai, 0);
	gai = 0;
	assert_int_equal(ttt_addr_resolve_peer("bad_host!:9123", AF_INET,
	    &a, &gai), TTT_ADDR_RESOLVE);
	assert_int_not_equal(gai, 0);
}

/* ---- compare and print ------------------------------------------------ */

static void
test_equal(void **state)
{
	struct ttt_addr a, b;
	struct sockaddr_in6 sin6;

	(void)state;
	peer_ok("203.0.113.15:9123", AF_INET, &a);
	peer_ok("203.0.113.15:9123", AF_INET, &b);
	assert_true(ttt_addr_equal(&a, &b));
	/* Bytes outside the address itself do not matter. */
	memset((char *)&b.ss + sizeof(struct sockaddr_in), 0x77,
	    sizeof(b.ss) - sizeof(struct sockaddr_in));
	assert_true(ttt_addr_equal(&a, &b));
	peer_ok("203.0.113.15:9124", AF_INET, &b);
	assert_false(ttt_addr_equal(&a, &b));
	peer_ok("203.0.113.16:9123", AF_INET, &b);
	assert_false(ttt_addr_equal(&a, &b));
	/* The same IPv4 host v4-mapped is another family. */
	peer_ok("203.0.113.15:9123", AF_INET6, &b);
	assert_false(ttt_addr_equal(&a, &b));
	assert_false(ttt_addr_equal(&b, &a));

	peer_ok("[2001:db8::1]:9123", AF_INET6, &a);
	peer_ok("[2001:db8:0::1]:9123", AF_INET6, &b);
	assert_true(ttt_addr_equal(&a, &b));
	peer_ok("[2001:db8::2]:9123", AF_INET6, &b);
	assert_false(ttt_addr_equal(&a, &b));
	peer_ok("[2001:db8::1]:9124", AF_INET6, &b);
	assert_false(ttt_addr_equal(&a, &b));
	peer_ok("[fe80::1%1]:9123", AF_INET6, &a);
	peer_ok("[fe80::1%1]:9123", AF_INET6, &b);
	assert_true(ttt_addr_equal(&a, &b));
	memcpy(&sin6, &b.ss, sizeof(sin6));
	sin6.sin6_scope_id = 2;
	memcpy(&b.ss, &sin6, sizeof(sin6));
	assert_false(ttt_addr_equal(&a, &b));

	/* An unknown family is never equal, not even to itself. */
	memset(&a, 0, sizeof(a));
	a.ss.ss_family = AF_UNIX;
	assert_false(ttt_addr_equal(&a, &a));
}

static void
test_format(void **state)
{
	struct ttt_addr a;
	struct sockaddr_in6 sin6;

	(void)state;
	peer_ok("203.0.113.15:9123", AF_INET, &a);
	expect_format(&a, "203.0.113.15:9123");
	peer_ok("203.0.113.15:9123", AF_INET6, &a);
	expect_format(&a, "203.0.113.15:9123");	/* v4-mapped shown as IPv4 */
	peer_ok("[2001:db8::1]:9123", AF_INET6, &a);
	expect_format(&a, "[2001:db8::1]:9123");
	peer_ok("[fe80::1%1]:9123", AF_INET6, &a);
	expect_format(&a, "[fe80::1%1]:9123");
	local_ok(":0", &a);
	expect_format(&a, "[::]:0");
	local_ok("0.0.0.0:65535", &a);
	expect_format(&a, "0.0.0.0:65535");

	/* The longest IPv6 text, scope and port still fit TTT_ADDR_STR_MAX. */
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	memset(&sin6.sin6_addr, 0xff, sizeof(sin6.sin6_addr));
	sin6.sin6_port = htons(UINT16_MAX);
	sin6.sin6_scope_id = UINT32_MAX;
	memset(&a, 0, sizeof(a));
	memcpy(&a.ss, &sin6, sizeof(sin6));
	a.len = sizeof(sin6);
	expect_format(&a,
	    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535");
}

static void
test_format_truncates(void **state)
{
	char buf[TTT_ADDR_STR_MAX];
	struct ttt_addr a;

	(void)state;
	peer_ok("203.0.113.15:9123", AF_INET, &a);
	memset(buf, CANARY, sizeof(buf));
	ttt_addr_format(&a, buf, SMALL_CAP);
	assert_string_equal(buf, "203.");
	for (size_t i = SMALL_CAP; i < sizeof(buf); i++)
		assert_int_equal((unsigned char)buf[i], CANARY);

	peer_ok("[2001:db8::1]:9123", AF_INET6, &a);
	memset(buf, CANARY, sizeof(buf));
	ttt_addr_format(&a, buf, SMALL_CAP);
	assert_string_equal(buf, "[200");
	assert_int_equal((unsigned char)buf[SMALL_CAP], CANARY);

	memset(buf, CANARY, sizeof(buf));
	ttt_addr_format(&a, buf, 1);
	assert_string_equal(buf, "");
	assert_int_equal((unsigned char)buf[1], CANARY);

	/* cap 0: nothing written at all. */
	memset(buf, CANARY, sizeof(buf));
	ttt_addr_format(&a, buf, 0);
	assert_int_equal((unsigned char)buf[0], CANARY);

	/* An unknown family still prints something, within bounds. */
	memset(&a, 0, sizeof(a));
	a.ss.ss_family = AF_UNIX;
	memset(buf, CANARY, sizeof(buf));
	ttt_addr_format(&a, buf, sizeof(buf));
	assert_true(strlen(buf) > 0 && strlen(buf) < sizeof(buf));
}

static void
test_strerror(void **state)
{
	const char *a, *b;

	(void)state;
	for (int i = 0; i < TTT_ADDR_NSTATUS; i++) {
		a = ttt_addr_strerror((enum ttt_addr_status)i);
		assert_non_null(a);
		assert_true(strlen(a) > 0);
		for (int j = 0; j < i; j++) {
			b = ttt_addr_strerror((enum ttt_addr_status)j);
			assert_string_not_equal(a, b);
		}
	}
	/* The syntax error says how to write an IPv6 address. */
	assert_non_null(strstr(ttt_addr_strerror(TTT_ADDR_SYNTAX), "brackets"));
	assert_non_null(strstr(ttt_addr_strerror(TTT_ADDR_PORT), "65535"));
	assert_non_null(ttt_addr_strerror(TTT_ADDR_NSTATUS));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_forms),
		cmocka_unit_test(test_split_port_errors),
		cmocka_unit_test(test_split_syntax_errors),
		cmocka_unit_test(test_split_lengths),
		cmocka_unit_test(test_local_any),
		cmocka_unit_test(test_local_literals),
		cmocka_unit_test(test_local_name),
		cmocka_unit_test(test_local_errors),
		cmocka_unit_test(test_peer_literals),
		cmocka_unit_test(test_peer_name),
		cmocka_unit_test(test_peer_errors),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Command-line addresses into ttt_addr_split, and socket addresses into
 * ttt_addr_format. Nothing here resolves: the resolve functions would do DNS.
 *
 * Input: flags (1 byte), then
 *   flags bit 1 clear: the address text (NUL-terminated by the harness);
 *       bit 0: allow_port0; bits 2-7: host buffer size (0: TTT_HOST_MAX,
 *       else that many bytes, so the "too long for the caller" path runs).
 *   flags bit 1 set: a socket address (family selector 1, port 2, scope 4,
 *       address 16) and an output size (1), for ttt_addr_format.
 *
 * Split is compared with a reference written from addr.h and the grammar of
 * Go's net.SplitHostPort that v1.4 uses: "[host]:port" (host may hold ':'),
 * or "host:port" with no ':' or brackets in host; port all digits, at most
 * 65535, 0 only when allowed. On OK the host is put back together and split
 * again, which must give the same host and port.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "fuzz_common.h"
#include "addr.h"

static enum ttt_addr_status
ref_split(const char *s, size_t hcap, int allow0, char *host, uint16_t *port)
{
	const char *h, *hend, *p;
	size_t hlen;
	unsigned long v = 0;

	if (strlen(s) > TTT_ADDR_SPEC_MAX)
		return TTT_ADDR_TOOLONG;
	if (s[0] == '[') {
		h = s + 1;
		hend = strchr(h, ']');
		if (hend == NULL || hend[1] != ':')
			return TTT_ADDR_SYNTAX;
		p = hend + 2;
	} else {
		h = s;
		hend = strrchr(s, ':');
		if (hend == NULL)
			return TTT_ADDR_SYNTAX;
		p = hend + 1;
	}
	hlen = (size_t)(hend - h);
	for (size_t i = 0; i < hlen; i++) {
		if (h[i] == '[' || h[i] == ']')
			return TTT_ADDR_SYNTAX;
		if (h[i] == ':' && s[0] != '[')
			return TTT_ADDR_SYNTAX;
	}
	if (hlen >= TTT_HOST_MAX || hlen >= hcap)
		return TTT_ADDR_TOOLONG;
	if (*p == '\0')
		return TTT_ADDR_PORT;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return TTT_ADDR_PORT;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			return TTT_ADDR_PORT;
	}
	if (v == 0 && !allow0)
		return TTT_ADDR_PORT;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (uint16_t)v;
	return TTT_ADDR_OK;
}

static void
split_mode(uint8_t flags, const uint8_t *data, size_t size)
{
	static char ref_host[TTT_ADDR_SPEC_MAX + 1];
	char *spec, *host, again[TTT_ADDR_SPEC_MAX + 16], host2[TTT_HOST_MAX];
	size_t hcap = (flags >> 2) != 0 ? (size_t)(flags >> 2) : TTT_HOST_MAX;
	int allow0 = flags & 1;
	uint16_t port = 0, ref_port = 0, port2 = 0;
	enum ttt_addr_status st, want;

	/* Exact-size NUL-terminated copy; bounded by -max_len anyway. */
	spec = malloc(size + 1);
	FUZZ_CHECK(spec != NULL);
	if (size > 0)
		memcpy(spec, data, size);
	spec[size] = '\0';
	host = malloc(hcap);
	FUZZ_CHECK(host != NULL);

	st = ttt_addr_split(spec, host, hcap, &port, allow0);
	FUZZ_CHECK((unsigned)st < TTT_ADDR_NSTATUS);
	FUZZ_CHECK(ttt_addr_strerror(st) != NULL);
	want = ref_split(spec, hcap, allow0, ref_host, &ref_port);
	if (st != want) {
		fprintf(stderr, "addr: split says %d (%s), reference says %d (%s); "
		    "hcap %zu allow_port0 %d\n", st, ttt_addr_strerror(st), want,
		    ttt_addr_strerror(want), hcap, allow0);
		abort();
	}
	if (st != TTT_ADDR_OK)
		goto out;
	FUZZ_CHECK(memchr(host, '\0', hcap) != NULL);
	FUZZ_CHECK(strcmp(host, ref_host) == 0 && port == ref_port);
	FUZZ_CHECK(port != 0 || allow0);

	/* Put it back together the way a user would write it, split again. */
	(void)snprintf(again, sizeof(again), strchr(host, ':') != NULL ? "[%s]:%u" : "%s:%u",
	    host, (unsigned)port);
	FUZZ_CHECK(ttt_addr_split(again, host2, sizeof(host2), &port2, allow0) == TTT_ADDR_OK);
	FUZZ_CHECK(strcmp(host2, host) == 0 && port2 == port);
out:
	free(host);
	free(spec);
}

/* Format any socket address into any room: always NUL-terminated, never
 * past the room, and an IPv4 or plain IPv6 result splits back to itself. */
static void
format_mode(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct ttt_addr a;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	uint8_t fam = fuzz_u8(&in), addr[16], ip[16];
	uint16_t port = fuzz_u16(&in), port2 = 0;
	uint32_t scope = (uint32_t)fuzz_u16(&in) << 16 | fuzz_u16(&in);
	size_t cap;
	char *buf, host[TTT_HOST_MAX];
	struct in6_addr a6;
	int v4 = 0, v6 = 0, mapped;

	for (size_t i = 0; i < sizeof(addr); i++)
		addr[i] = fuzz_u8(&in);
	cap = fuzz_u8(&in);
	memcpy(&a6, addr, sizeof(a6));
	mapped = IN6_IS_ADDR_V4MAPPED(&a6);

	memset(&a, 0, sizeof(a));
	if (fam % 3 == 0) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		memcpy(&sin.sin_addr, addr, 4);
		memcpy(&a.ss, &sin, sizeof(sin));
		a.len = sizeof(sin);
		v4 = 1;
	} else if (fam % 3 == 1) {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		sin6.sin6_scope_id = scope;
		memcpy(&sin6.sin6_addr, addr, 16);
		memcpy(&a.ss, &sin6, sizeof(sin6));
		a.len = sizeof(sin6);
		v6 = 1;
	} else {
		/* Any family at all, e.g. AF_UNIX or garbage. */
		a.ss.ss_family = (sa_family_t)(port ^ scope);
	}
	if (v4 || v6)
		FUZZ_CHECK(ttt_addr_equal(&a, &a));

	buf = malloc(cap > 0 ? cap : 1);
	FUZZ_CHECK(buf != NULL);
	ttt_addr_format(&a, buf, cap);
	if (cap == 0)
		goto out;
	FUZZ_CHECK(memchr(buf, '\0', cap) != NULL);
	/* TTT_ADDR_STR_MAX is enough for any IPv4 or IPv6 address: then nothing
	 * was cut, and the text must split back to the same address and port. */
	if (cap < TTT_ADDR_STR_MAX || !(v4 || v6))
		goto out;
	FUZZ_CHECK(strlen(buf) < TTT_ADDR_STR_MAX);
	if (v6 && scope != 0 && !mapped)
		goto out;	/* "%N" is a scope number, which inet_pton does not parse */
	FUZZ_CHECK(ttt_addr_split(buf, host, sizeof(host), &port2, 1) == TTT_ADDR_OK);
	FUZZ_CHECK(port2 == port);
	if (v4 || mapped) {
		FUZZ_CHECK(inet_pton(AF_INET, host, ip) == 1);
		FUZZ_CHECK(memcmp(ip, v4 ? addr : addr + 12, 4) == 0);
	} else {
		FUZZ_CHECK(inet_pton(AF_INET6, host, ip) == 1);
		FUZZ_CHECK(memcmp(ip, addr, 16) == 0);
	}
out:
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t flags;

	if (size < 1)
		return 0;
	flags = data[0];
	if (flags & 2)
		format_mode(data + 1, size - 1);
	else
		split_mode(flags, data + 1, size - 1);
	return 0;
}

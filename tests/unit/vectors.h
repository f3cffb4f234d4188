/*
 * Decoders for the test vectors' text fields, shared by the unit tests:
 * written independently of src/keyfile.c, so the vectors check the daemon's
 * parser rather than the parser checking itself.
 */
#ifndef TTT_TEST_VECTORS_H
#define TTT_TEST_VECTORS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline int
tv_hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* n hex digits into out (cap bytes): the byte count, or -1 when malformed. */
static inline long
tv_hex_decode(const char *hex, size_t n, uint8_t *out, size_t cap)
{
	if (n % 2 != 0 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = tv_hex_nibble(hex[2 * i]), lo = tv_hex_nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

static inline int
tv_b64_value(char c)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c != '\0' ? strchr(alphabet, c) : NULL;

	return p != NULL ? (int)(p - alphabet) : -1;
}

/* Strict padded standard base64 (RFC 4648 section 4), n characters: the
 * byte count, or -1 when malformed or over cap. */
static inline long
tv_b64_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
	size_t o = 0;

	if (n % 4 != 0)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		uint32_t w;

		for (size_t j = 0; j < 4; j++) {
			if (s[i + j] == '=' && i + 4 == n && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[j] = tv_b64_value(s[i + j])) < 0)
				return -1;
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		if (o + 3 - (size_t)pad > cap)
			return -1;
		out[o++] = (uint8_t)(w >> 16);
		if (pad < 2)
			out[o++] = (uint8_t)(w >> 8);
		if (pad < 1)
			out[o++] = (uint8_t)w;
	}
	return (long)o;
}

#endif

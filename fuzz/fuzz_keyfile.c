/*
 * Arbitrary key-file text into ttt_key_parse, compared with a reference
 * parser written from keyfile.h and tests/vectors/keyfiles.txt:
 *   - over TTT_KEYFILE_MAX bytes: too long;
 *   - surrounding white space (Go's strings.TrimSpace, ASCII: space, \t,
 *     \n, \v, \f, \r) is trimmed; nothing left: empty;
 *   - CR and LF inside are skipped; the rest must be RFC 4648 section 4
 *     base64 in groups of four, '=' only as the last one or two characters:
 *     else invalid;
 *   - then fewer than TTT_KEY_MIN bytes: weak; more than TTT_KEY_MAX or the
 *     caller's room: too long.
 * On OK: TTT_KEY_MIN <= len <= TTT_KEY_MAX, the bytes are the reference's,
 * and ttt_base64_encode of the key parses back to the same key. The key
 * buffers are exact-size heap blocks, so ASan sees any write past the room
 * the caller gave, and the text is libFuzzer's exact-size copy, so any read
 * past len (the text is not NUL-terminated) is caught too.
 */
#include "fuzz_common.h"
#include "keyfile.h"

static int
ref_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int
ref_value(uint8_t c)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c != 0 ? strchr(alphabet, c) : NULL;

	return p != NULL ? (int)(p - alphabet) : -1;
}

/* out has room for TTT_KEYFILE_MAX bytes, more than any text can carry. */
static enum ttt_key_status
ref_parse(const uint8_t *t, size_t len, size_t cap, uint8_t *out, size_t *outlen)
{
	static uint8_t s[TTT_KEYFILE_MAX];
	size_t a = 0, b = len, n = 0, pad = 0, o = 0;
	uint32_t w = 0;

	if (len > TTT_KEYFILE_MAX)
		return TTT_KEY_TOOLONG;
	while (a < b && ref_space(t[a]))
		a++;
	while (b > a && ref_space(t[b - 1]))
		b--;
	if (a == b)
		return TTT_KEY_EMPTY;
	for (size_t i = a; i < b; i++)
		if (t[i] != '\r' && t[i] != '\n')
			s[n++] = t[i];
	if (n % 4 != 0)
		return TTT_KEY_INVALID;
	while (pad < n && s[n - 1 - pad] == '=')
		pad++;
	if (pad > 2)
		return TTT_KEY_INVALID;
	for (size_t i = 0; i < n - pad; i++) {
		int v = ref_value(s[i]);

		if (v < 0)
			return TTT_KEY_INVALID;
		w = w << 6 | (uint32_t)v;
		if (i % 4 == 3) {
			out[o++] = (uint8_t)(w >> 16);
			out[o++] = (uint8_t)(w >> 8);
			out[o++] = (uint8_t)w;
			w = 0;
		}
	}
	/* The bits of a padded group beyond its last whole byte are ignored,
	 * as Go's (non-strict) StdEncoding ignores them. */
	if (pad == 2) {
		out[o++] = (uint8_t)(w >> 4);
	} else if (pad == 1) {
		out[o++] = (uint8_t)(w >> 10);
		out[o++] = (uint8_t)(w >> 2);
	}
	if (o < TTT_KEY_MIN)
		return TTT_KEY_WEAK;
	if (o > TTT_KEY_MAX || o > cap)
		return TTT_KEY_TOOLONG;
	*outlen = o;
	return TTT_KEY_OK;
}

static void
expect(enum ttt_key_status got, enum ttt_key_status want, const char *what, size_t len)
{
	if (got == want)
		return;
	fprintf(stderr, "%s: ttt_key_parse says %d (%s), reference says %d (%s); "
	    "text of %zu bytes\n", what, got, ttt_key_strerror(got), want,
	    ttt_key_strerror(want), len);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t want_key[TTT_KEYFILE_MAX];
	enum ttt_key_status st, want;
	size_t keylen = 0, want_len = 0, len2 = 0;
	uint8_t *key, *key2;
	char *text;
	long tl;

	key = malloc(TTT_KEY_MAX);
	FUZZ_CHECK(key != NULL);
	st = ttt_key_parse((const char *)data, size, key, TTT_KEY_MAX, &keylen);
	FUZZ_CHECK((unsigned)st < TTT_KEY_NSTATUS);
	FUZZ_CHECK(ttt_key_strerror(st) != NULL);
	want = ref_parse(data, size, TTT_KEY_MAX, want_key, &want_len);
	expect(st, want, "parse", size);
	if (st != TTT_KEY_OK)
		goto out;

	FUZZ_CHECK(keylen >= TTT_KEY_MIN && keylen <= TTT_KEY_MAX);
	FUZZ_CHECK(keylen == want_len && memcmp(key, want_key, keylen) == 0);

	/* Exactly enough room works; one byte less is refused, writing nothing
	 * out of bounds. */
	key2 = malloc(keylen);
	FUZZ_CHECK(key2 != NULL);
	expect(ttt_key_parse((const char *)data, size, key2, keylen, &len2),
	    TTT_KEY_OK, "parse into exact room", size);
	FUZZ_CHECK(len2 == keylen && memcmp(key2, key, keylen) == 0);
	expect(ttt_key_parse((const char *)data, size, key2, keylen - 1, &len2),
	    TTT_KEY_TOOLONG, "parse into one byte less", size);
	free(key2);

	/* Re-encode: canonical base64, exactly 4 * ceil(len / 3) characters
	 * and a NUL, refused with one byte less room. */
	{
		size_t need = (keylen + 2) / 3 * 4;

		text = malloc(need + 1);
		FUZZ_CHECK(text != NULL);
		FUZZ_CHECK(ttt_base64_encode(key, keylen, text, need) == -1);
		tl = ttt_base64_encode(key, keylen, text, need + 1);
		FUZZ_CHECK(tl == (long)need && text[need] == '\0');
		key2 = malloc(TTT_KEY_MAX);
		FUZZ_CHECK(key2 != NULL);
		expect(ttt_key_parse(text, need, key2, TTT_KEY_MAX, &len2), TTT_KEY_OK,
		    "parse of the re-encoded key", need);
		FUZZ_CHECK(len2 == keylen && memcmp(key2, key, keylen) == 0);
		free(key2);
		free(text);
	}
out:
	free(key);
	return 0;
}

/*
 * Tests for src/keyfile.c: every vector of tests/vectors/keyfiles.txt through
 * both the parser and a real 0600 file, the file checks (mode, type,
 * existence, size), key creation, and base64 encoding against a plain
 * table-driven reference written here.
 *
 * Files live in a fresh mkdtemp directory, removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vectors.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"

#define VECTORS_FILE    TTT_SRCDIR "/tests/vectors/keyfiles.txt"
#define VECTORS_MAX     (64 * 1024)	/* the vector file is read whole */
#define VECTOR_FIELDS   3		/* name|content hex|expect */
#define NAME_MAX_LEN    128
#define ROUND_TRIP_MAX  70		/* encode lengths 0..this */
#define B64_OUT_MAX     (((TTT_KEY_MAX + 3) / 3) * 4 + 1)
#define TEXT_MAX        (TTT_KEYFILE_MAX + 2)
#define WATCHDOG_SECS   10	/* a blocking open of a FIFO kills the test, not CI */
#define NFTW_FDS        8
#define KEY_MODE        0600
#define MODE_BITS       07777

static const char b64_ref_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* A 32-byte key and its text, from the vector file's first line. */
static const char key32_text[] = "c92P2+zHd3OC2pYwL82DeaGdyy8Yck0kF4nP47GiCpg=";
static const uint8_t key32[] = {
	0x73, 0xdd, 0x8f, 0xdb, 0xec, 0xc7, 0x77, 0x73, 0x82, 0xda, 0x96, 0x30,
	0x2f, 0xcd, 0x83, 0x79, 0xa1, 0x9d, 0xcb, 0x2f, 0x18, 0x72, 0x4d, 0x24,
	0x17, 0x89, 0xcf, 0xe3, 0xb1, 0xa2, 0x0a, 0x98,
};

static const uint8_t zero16[TTT_KEY_MIN];

static char tmpdir[PATH_MAX];

/* ---- helpers ---------------------------------------------------------- */

static void
path_in_tmp(char *out, size_t cap, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", tmpdir, name);

	assert_true(n > 0 && (size_t)n < cap);
}

static void
write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	const char *p = data;
	size_t done = 0;
	ssize_t r;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, KEY_MODE);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	while (done < len) {
		r = write(fd, p + done, len - done);
		assert_true(r > 0);
		done += (size_t)r;
	}
	assert_int_equal(close(fd), 0);
}

static size_t
read_small_file(const char *path, char *buf, size_t cap)
{
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	r = read(fd, buf, cap);
	assert_true(r >= 0);
	assert_int_equal(close(fd), 0);
	return (size_t)r;
}

#define hex_decode tv_hex_decode

/* The obvious table-driven encoder, to check the branch-free one against. */
static size_t
ref_encode(const uint8_t *in, size_t len, char *out)
{
	size_t o = 0, i = 0;
	uint32_t w;

	for (; i + 3 <= len; i += 3) {
		w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64_ref_alphabet[w >> 18 & 63];
		out[o++] = b64_ref_alphabet[w >> 12 & 63];
		out[o++] = b64_ref_alphabet[w >> 6 & 63];
		out[o++] = b64_ref_alphabet[w & 63];
	}
	if (len - i == 1) {
		w = (uint32_t)in[i] << 16;
		out[o++] = b64_ref_alphabet[w >> 18 & 63];
		out[o++] = b64_ref_alphabet[w >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64_ref_alphabet[w >> 18 & 63];
		out[o++] = b64_ref_alphabet[w >> 12 & 63];
		out[o++] = b64_ref_alphabet[w >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static enum ttt_key_status
parse_str(const char *s, uint8_t *key, size_t *keylen)
{
	return ttt_key_parse(s, strlen(s), key, TTT_KEY_MAX, keylen);
}

/* ---- the vector file -------------------------------------------------- */

struct vector {
	char name[NAME_MAX_LEN];
	uint8_t content[TTT_KEYFILE_MAX + 1];
	size_t clen;
	enum ttt_key_status want;
	uint8_t key[TTT_KEY_MAX];
	size_t keylen;
};

static int
reason_status(const char *s, size_t len, enum ttt_key_status *st)
{
	static const struct {
		const char *word;
		enum ttt_key_status st;
	} reasons[] = {
		{ "empty", TTT_KEY_EMPTY },
		{ "invalid", TTT_KEY_INVALID },
		{ "weak", TTT_KEY_WEAK },
		{ "toolong", TTT_KEY_TOOLONG },
	};

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (strlen(reasons[i].word) == len &&
		    memcmp(reasons[i].word, s, len) == 0) {
			*st = reasons[i].st;
			return 1;
		}
	}
	return 0;
}

/* Fill v from one "name|hex|expect" line, or fail the test naming the line. */
static void
parse_vector_line(const char *line, size_t len, struct vector *v)
{
	const char *f[VECTOR_FIELDS + 1];
	size_t flen[VECTOR_FIELDS];
	const char *p = line, *end = line + len, *bar;
	long n;
	int k;

	for (k = 0; k < VECTOR_FIELDS; k++) {
		bar = memchr(p, '|', (size_t)(end - p));
		if (bar == NULL)
			bar = end;
		f[k] = p;
		flen[k] = (size_t)(bar - p);
		p = bar + 1;
		if (bar == end && k < VECTOR_FIELDS - 1)
			fail_msg("vector line '%.*s': fewer than %d fields",
			    (int)len, line, VECTOR_FIELDS);
	}
	if (p <= end)
		fail_msg("vector line '%.*s': more than %d fields", (int)len,
		    line, VECTOR_FIELDS);
	if (flen[0] == 0 || flen[0] >= sizeof(v->name))
		fail_msg("vector line '%.*s': bad name", (int)len, line);
	memcpy(v->name, f[0], flen[0]);
	v->name[flen[0]] = '\0';

	n = hex_decode(f[1], flen[1], v->content, sizeof(v->content));
	if (n < 0)
		fail_msg("vector %s: bad content hex", v->name);
	v->clen = (size_t)n;

	v->keylen = 0;
	if (reason_status(f[2], flen[2], &v->want))
		return;
	v->want = TTT_KEY_OK;
	n = hex_decode(f[2], flen[2], v->key, sizeof(v->key));
	if (n <= 0)
		fail_msg("vector %s: expect is neither a reason nor key hex",
		    v->name);
	v->keylen = (size_t)n;
}

static void
check_vector_result(const struct vector *v, const char *how,
    enum ttt_key_status got, const uint8_t *key, size_t keylen)
{
	if (got != v->want)
		fail_msg("vector %s (%s): status %d (%s), want %d (%s)", v->name,
		    how, got, ttt_key_strerror(got), v->want,
		    ttt_key_strerror(v->want));
	if (got != TTT_KEY_OK)
		return;
	if (keylen != v->keylen || memcmp(key, v->key, keylen) != 0)
		fail_msg("vector %s (%s): wrong key bytes (%zu, want %zu)",
		    v->name, how, keylen, v->keylen);
}

static void
run_vector(const struct vector *v)
{
	uint8_t key[TTT_KEY_MAX];
	size_t keylen = 0;
	char path[PATH_MAX];
	enum ttt_key_status st;
	int err = 0;

	st = ttt_key_parse((const char *)v->content, v->clen, key, sizeof(key),
	    &keylen);
	check_vector_result(v, "parse", st, key, keylen);

	/* The same bytes through a real file must give the same answer. */
	path_in_tmp(path, sizeof(path), "vector.key");
	write_file(path, v->content, v->clen, KEY_MODE);
	keylen = 0;
	memset(key, 0, sizeof(key));
	st = ttt_keyfile_load(path, key, sizeof(key), &keylen, &err);
	check_vector_result(v, "load", st, key, keylen);
	assert_int_equal(unlink(path), 0);
}

/* Lines that are not comments, counted apart from the loop that runs them. */
static size_t
count_vector_lines(const char *text, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int starts_line = i == 0 || text[i - 1] == '\n';

		if (starts_line && text[i] != '#')
			n++;
	}
	return n;
}

static void
test_vectors(void **state)
{
	static char text[VECTORS_MAX + 1];
	static struct vector v;
	size_t len, lines = 0, ran = 0;
	FILE *fp;

	(void)state;
	fp = fopen(VECTORS_FILE, "re");
	if (fp == NULL)
		fail_msg("cannot open %s: %s", VECTORS_FILE, strerror(errno));
	len = fread(text, 1, sizeof(text), fp);
	assert_int_equal(ferror(fp), 0);
	assert_int_equal(fclose(fp), 0);
	if (len > VECTORS_MAX)
		fail_msg("%s is larger than %d bytes", VECTORS_FILE, VECTORS_MAX);

	for (size_t at = 0; at < len;) {
		const char *line = text + at, *nl;
		size_t llen;

		nl = memchr(line, '\n', len - at);
		llen = nl != NULL ? (size_t)(nl - line) : len - at;
		at += llen + 1;
		if (llen > 0 && line[0] == '#')
			continue;
		parse_vector_line(line, llen, &v);
		run_vector(&v);
		ran++;
	}
	lines = count_vector_lines(text, len);
	print_message("ran %zu key-file vectors\n", ran);
	if (ran == 0)
		fail_msg("%s holds no vectors", VECTORS_FILE);
	assert_int_equal(ran, lines);
}

/* ---- parsing beyond the vector file ----------------------------------- */

/* Parse text, expect status want; on OK, expect the key in want_key. */
static void
parse_is(const char *text, enum ttt_key_status want, const uint8_t *want_key,
    size_t want_len)
{
	uint8_t key[TTT_KEY_MAX];
	size_t keylen = 0;
	enum ttt_key_status st;

	st = parse_str(text, key, &keylen);
	if (st != want)
		fail_msg("parsing \"%s\": status %d (%s), want %d (%s)", text, st,
		    ttt_key_strerror(st), want, ttt_key_strerror(want));
	if (st != TTT_KEY_OK)
		return;
	assert_int_equal(keylen, want_len);
	assert_memory_equal(key, want_key, want_len);
}

static void
test_parse_whitespace(void **state)
{
	(void)state;
	/* All six trimmed characters, on both sides. */
	parse_is(" \t\r\n\v\f" "c92P2+zHd3OC2pYwL82DeaGdyy8Yck0kF4nP47GiCpg="
	    "\f\v\n\r\t ", TTT_KEY_OK, key32, sizeof(key32));
	/* CR and LF anywhere inside, even between the padding characters. */
	parse_is("c92P\r\n2+zHd3OC2pY\nwL82DeaGdyy8Yck0kF4nP47GiC\rpg\n=",
	    TTT_KEY_OK, key32, sizeof(key32));
	parse_is("AAAAAAAAAAAAAAAAAAAAAA=\r\n=", TTT_KEY_OK, zero16,
	    sizeof(zero16));

	/* Any other white space inside is refused. */
	parse_is("c92P2+zHd3OC2pYw\tL82DeaGdyy8Yck0kF4nP47GiCpg=",
	    TTT_KEY_INVALID, NULL, 0);
	parse_is("c92P2+zHd3OC2pYw L82DeaGdyy8Yck0kF4nP47GiCpg=",
	    TTT_KEY_INVALID, NULL, 0);
	parse_is("c92P2+zHd3OC2pYw\vL82DeaGdyy8Yck0kF4nP47GiCpg=",
	    TTT_KEY_INVALID, NULL, 0);
	parse_is("c92P2+zHd3OC2pYw\fL82DeaGdyy8Yck0kF4nP47GiCpg=",
	    TTT_KEY_INVALID, NULL, 0);
	parse_is("\r\n\r\n", TTT_KEY_EMPTY, NULL, 0);
	parse_is("", TTT_KEY_EMPTY, NULL, 0);
}

static void
test_parse_padding(void **state)
{
	static const uint8_t zero17[TTT_KEY_MIN + 1];

	(void)state;
	/* 16 bytes: "...AA==" then one "=" too many, or missing. */
	parse_is("AAAAAAAAAAAAAAAAAAAAAA==", TTT_KEY_OK, zero16, sizeof(zero16));
	parse_is("AAAAAAAAAAAAAAAAAAAAAA=", TTT_KEY_INVALID, NULL, 0);
	parse_is("AAAAAAAAAAAAAAAAAAAAAA", TTT_KEY_INVALID, NULL, 0);
	parse_is("AAAAAAAAAAAAAAAAAAAAAA===", TTT_KEY_INVALID, NULL, 0);
	parse_is("AAAAAAAAAAAAAAAAAAAAA===", TTT_KEY_INVALID, NULL, 0);
	parse_is("AAAAAAAAAAAAAAAAAAAA====", TTT_KEY_INVALID, NULL, 0);
	/* Padding in the middle, even at a group boundary. */
	parse_is("AA==AAAAAAAAAAAAAAAAAAAAAA==", TTT_KEY_INVALID, NULL, 0);
	parse_is("AAA=AAAAAAAAAAAAAAAAAAAAAAA=", TTT_KEY_INVALID, NULL, 0);
	parse_is("AAAAAAAAAAAAAAAAAAAAA=A=", TTT_KEY_INVALID, NULL, 0);
	parse_is("=AAAAAAAAAAAAAAAAAAAAAAA", TTT_KEY_INVALID, NULL, 0);
	/* 17 bytes: "xxx=" carries two. */
	parse_is("AAAAAAAAAAAAAAAAAAAAAAA=", TTT_KEY_OK, zero17, sizeof(zero17));
	/* Non-zero bits under the padding are accepted, as Go's non-strict
	 * StdEncoding (v1.4) accepts them: "AB==" is the byte 0x00. */
	parse_is("AAAAAAAAAAAAAAAAAAAAAB==", TTT_KEY_OK, zero16, sizeof(zero16));
	parse_is("AAAAAAAAAAAAAAAAAAAAAAB=", TTT_KEY_OK, zero17, sizeof(zero17));
}

static void
test_parse_alphabet(void **state)
{
	uint8_t key[TTT_KEY_MAX];
	char back[B64_OUT_MAX];
	size_t keylen = 0;

	(void)state;
	/* All 64 characters decode to what the reference encodes back. */
	assert_int_equal(parse_str(b64_ref_alphabet, key, &keylen), TTT_KEY_OK);
	assert_int_equal(keylen, (sizeof(b64_ref_alphabet) - 1) / 4 * 3);
	ref_encode(key, keylen, back);
	assert_string_equal(back, b64_ref_alphabet);

	/* Every byte value but the alphabet, '=', CR and LF is refused inside
	 * the text, NUL and the other white space included. */
	for (unsigned c = 0; c <= UCHAR_MAX; c++) {
		char text[] = "AAAAAAAAAA?AAAAAAAAAAA==";

		if ((c != 0 && strchr(b64_ref_alphabet, (int)c) != NULL) ||
		    c == '=' || c == '\r' || c == '\n')
			continue;
		text[10] = (char)c;
		if (ttt_key_parse(text, sizeof(text) - 1, key, sizeof(key),
		    &keylen) != TTT_KEY_INVALID)
			fail_msg("character 0x%02x accepted inside a key", c);
	}
}

static void
test_parse_lengths(void **state)
{
	static uint8_t raw[TTT_KEY_MAX + 1];
	static char text[TEXT_MAX];
	uint8_t key[TTT_KEY_MAX];
	size_t keylen = 0, n;

	(void)state;
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 131 + 7);

	/* Exactly TTT_KEY_MAX bytes is fine; one more is too long. */
	n = ref_encode(raw, TTT_KEY_MAX, text);
	assert_int_equal(ttt_key_parse(text, n, key, sizeof(key), &keylen), TTT_KEY_OK);
	assert_int_equal(keylen, TTT_KEY_MAX);
	assert_memory_equal(key, raw, TTT_KEY_MAX);
	n = ref_encode(raw, TTT_KEY_MAX + 1, text);
	assert_int_equal(ttt_key_parse(text, n, key, sizeof(key), &keylen),
	    TTT_KEY_TOOLONG);

	/* A caller's buffer smaller than the key is never overrun. */
	n = ref_encode(raw, TTT_KEY_GEN_LEN, text);
	memset(key, 0xa5, sizeof(key));
	assert_int_equal(ttt_key_parse(text, n, key, TTT_KEY_GEN_LEN - 1, &keylen),
	    TTT_KEY_TOOLONG);
	for (size_t i = 0; i < sizeof(key); i++)
		assert_int_equal(key[i], 0xa5);

	/* Text over TTT_KEYFILE_MAX is refused even when it is mostly space;
	 * exactly TTT_KEYFILE_MAX is still read. */
	memset(text, ' ', sizeof(text));
	n = ref_encode(raw, TTT_KEY_GEN_LEN, text);
	text[n] = ' ';
	assert_int_equal(ttt_key_parse(text, TTT_KEYFILE_MAX, key, sizeof(key), &keylen),
	    TTT_KEY_OK);
	assert_int_equal(keylen, TTT_KEY_GEN_LEN);
	assert_int_equal(ttt_key_parse(text, TTT_KEYFILE_MAX + 1, key, sizeof(key), &keylen),
	    TTT_KEY_TOOLONG);
}

/* ---- files ------------------------------------------------------------ */

static void
test_load_ok(void **state)
{
	uint8_t key[TTT_KEY_MAX];
	char path[PATH_MAX], text[sizeof(key32_text) + 1];
	size_t keylen = 0;
	int err = 0;

	(void)state;
	path_in_tmp(path, sizeof(path), "ok.key");
	memcpy(text, key32_text, sizeof(key32_text) - 1);
	text[sizeof(key32_text) - 1] = '\n';
	write_file(path, text, sizeof(key32_text), KEY_MODE);
	assert_int_equal(ttt_keyfile_load(path, key, sizeof(key), &keylen, &err),
	    TTT_KEY_OK);
	assert_int_equal(keylen, sizeof(key32));
	assert_memory_equal(key, key32, sizeof(key32));

	/* Owner-only modes other than 0600 are fine too. */
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(ttt_keyfile_load(path, key, sizeof(key), &keylen, &err),
	    TTT_KEY_OK);
	assert_int_equal(unlink(path), 0);
}

static void
test_load_unprotected(void **state)
{
	static const mode_t named[] = { 0644, 0640, 0660, 0604 };
	uint8_t key[TTT_KEY_MAX];
	char path[PATH_MAX];
	size_t keylen = 0;
	int err = 0;

	(void)state;
	path_in_tmp(path, sizeof(path), "open.key");
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		write_file(path, key32_text, strlen(key32_text), named[i]);
		if (ttt_keyfile_load(path, key, sizeof(key), &keylen, &err) !=
		    TTT_KEY_UNPROTECTED)
			fail_msg("mode %04o not refused", (unsigned)named[i]);
	}
	/* And each group or other bit on its own, execute bits included. */
	for (mode_t bit = 01; bit <= 040; bit <<= 1) {
		write_file(path, key32_text, strlen(key32_text), KEY_MODE | bit);
		if (ttt_keyfile_load(path, key, sizeof(key), &keylen, &err) !=
		    TTT_KEY_UNPROTECTED)
			fail_msg("mode %04o not refused", (unsigned)(KEY_MODE | bit));
	}
	assert_int_equal(unlink(path), 0);
}

/* A file someone else owns could have its key replaced by them. */
static void
test_load_bad_owner(void **state)
{
	uint8_t key[TTT_KEY_MAX];
	char path[PATH_MAX];
	size_t keylen = 0;
	int err = 0;
	const uid_t other = 65534;	/* nobody */

	(void)state;
	if (geteuid() != 0)
		skip();	/* only root can give a file away */
	path_in_tmp(path, sizeof(path), "owned.key");
	write_file(path, key32_text, strlen(key32_text), KEY_MODE);
	assert_int_equal(chown(path, other, (gid_t)-1), 0);
	assert_int_equal(ttt_keyfile_load(path, key, sizeof(key), &keylen, &err),
	    TTT_KEY_BADOWNER);
	assert_int_equal(chown(path, 0, (gid_t)-1), 0);
	assert_int_equal(ttt_keyfile_load(path, key, sizeof(key), &keylen, &err),
	    TTT_KEY_OK);
	assert_int_equal(unlink(path), 0);
}

static void
test_load_not_regular(void **state)
{
	uint8_t key[TTT_KEY_MAX];
	char path[PATH_MAX];
	size_t keylen = 0;
	int err = 0;

	(void)state;
	path_in_tmp(path, sizeof(path), "dir.key");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(ttt_keyfile_load(path, key, sizeof(key), &keylen, &err),
	    TTT_KEY_NOTREG);
	assert_int_equal(rmdir(path), 0);

	/* A FIFO must be refused, not waited on for a writer. */
	path_in_tmp(path, sizeof(path), "fifo.key");
	assert_int_equal(mkfifo(path, KEY_MODE), 0);
	(void)alarm(WATCHDOG_SECS);
	assert_int_equal(ttt_keyfile_load(path, key, sizeof(key), &keylen, &err),
	    TTT_KEY_NOTREG);
	(void)alarm(0);
	assert_int_equal(unlink(path), 0);

	/* A device is refused too, before anything is read from it. */
	assert_int_equal(ttt_keyfile_load("/dev/null", key, sizeof(key), &keylen,
	    &err), TTT_KEY_NOTREG);
}

/* A symbolic link is never followed, even to a good key file of ours. */
static void
test_load_symlink(void **state)
{
	uint8_t key[TTT_KEY_MAX];
	char path[PATH_MAX], link[PATH_MAX];
	size_t keylen = 0;
	int err = 0;

	(void)state;
	path_in_tmp(path, sizeof(path), "symtarget.key");
	path_in_tmp(link, sizeof(link), "sym.key");
	write_file(path, key32_text, strlen(key32_text), KEY_MODE);
	assert_int_equal(ttt_keyfile_load(path, key, sizeof(key), &keylen, &err), TTT_KEY_OK);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(ttt_keyfile_load(link, key, sizeof(key), &keylen, &err),
	    TTT_KEY_SYMLINK);
	/* A dangling one is no missing file to create either. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(ttt_keyfile_load(link, key, sizeof(key), &keylen, &err),
	    TTT_KEY_SYMLINK);
	assert_int_equal(unlink(link), 0);
}

static void
test_load_missing(void **state)
{
	uint8_t key[TTT_KEY_MAX];
	char path[PATH_MAX];
	size_t keylen = 0;
	int err = 0;

	(void)state;
	path_in_tmp(path, sizeof(path), "missing.key");
	assert_int_equal(ttt_keyfile_load(path, key, sizeof(key), &keylen, &err),
	    TTT_KEY_NOENT);

	/* A path through a regular file is an I/O error carrying errno. */
	path_in_tmp(path, sizeof(path), "file");
	write_file(path, "x", 1, KEY_MODE);
	path_in_tmp(path, sizeof(path), "file/key");
	err = 0;
	assert_int_equal(ttt_keyfile_load(path, key, sizeof(key), &keylen, &err),
	    TTT_KEY_IO);
	assert_int_equal(err, ENOTDIR);
	path_in_tmp(path, sizeof(path), "file");
	assert_int_equal(unlink(path), 0);
}

static void
test_load_oversize(void **state)
{
	static char text[TTT_KEYFILE_MAX + 1];
	uint8_t key[TTT_KEY_MAX];
	char path[PATH_MAX];
	size_t keylen = 0;
	int err = 0;

	(void)state;
	path_in_tmp(path, sizeof(path), "big.key");
	/* A valid key followed by white space: only the size is wrong. */
	memset(text, '\n', sizeof(text));
	memcpy(text, key32_text, strlen(key32_text));
	write_file(path, text, sizeof(text), KEY_MODE);
	assert_int_equal(ttt_keyfile_load(path, key, sizeof(key), &keylen, &err),
	    TTT_KEY_TOOLONG);

	/* One byte less is at the limit and loads. */
	write_file(path, text, TTT_KEYFILE_MAX, KEY_MODE);
	assert_int_equal(ttt_keyfile_load(path, key, sizeof(key), &keylen, &err),
	    TTT_KEY_OK);
	assert_int_equal(keylen, sizeof(key32));
	assert_memory_equal(key, key32, sizeof(key32));
	assert_int_equal(unlink(path), 0);
}

static void
check_created(const char *path, uint8_t *key, size_t *keylen)
{
	char text[TTT_KEY_B64_MAX + 2];
	struct stat st;
	size_t n;
	int err = 0;

	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & MODE_BITS, KEY_MODE);
	assert_int_equal(st.st_size, TTT_KEY_B64_MAX + 1);
	n = read_small_file(path, text, sizeof(text));
	assert_int_equal(n, TTT_KEY_B64_MAX + 1);
	assert_int_equal(text[TTT_KEY_B64_MAX], '\n');
	assert_int_equal(ttt_keyfile_load(path, key, TTT_KEY_MAX, keylen, &err),
	    TTT_KEY_OK);
	assert_int_equal(*keylen, TTT_KEY_GEN_LEN);
}

static void
test_create(void **state)
{
	uint8_t k1[TTT_KEY_MAX], k2[TTT_KEY_MAX];
	char p1[PATH_MAX], p2[PATH_MAX];
	size_t l1 = 0, l2 = 0;
	mode_t old;
	int err = 0;

	(void)state;
	path_in_tmp(p1, sizeof(p1), "new1.key");
	path_in_tmp(p2, sizeof(p2), "new2.key");

	/* umask 0 must not widen the mode; 0277 must not narrow it. */
	old = umask(0);
	assert_int_equal(ttt_keyfile_create(p1, &err), TTT_KEY_OK);
	(void)umask(0277);
	assert_int_equal(ttt_keyfile_create(p2, &err), TTT_KEY_OK);
	(void)umask(old);

	check_created(p1, k1, &l1);
	check_created(p2, k2, &l2);
	/* Two fresh keys differ (a 2^-256 false failure). */
	assert_memory_not_equal(k1, k2, TTT_KEY_GEN_LEN);
	assert_int_equal(unlink(p1), 0);
	assert_int_equal(unlink(p2), 0);
}

static void
test_create_exists(void **state)
{
	char path[PATH_MAX], target[PATH_MAX], before[TEXT_MAX], after[TEXT_MAX];
	size_t nb, na;
	int err = 0, r, e;

	(void)state;
	path_in_tmp(path, sizeof(path), "old.key");
	write_file(path, key32_text, strlen(key32_text), KEY_MODE);
	nb = read_small_file(path, before, sizeof(before));
	assert_int_equal(ttt_keyfile_create(path, &err), TTT_KEY_EXISTS);
	na = read_small_file(path, after, sizeof(after));
	assert_int_equal(na, nb);
	assert_memory_equal(after, before, nb);

	/* A symbolic link, even a dangling one, is never written through. */
	path_in_tmp(target, sizeof(target), "target.key");
	path_in_tmp(path, sizeof(path), "link.key");
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(ttt_keyfile_create(path, &err), TTT_KEY_EXISTS);
	r = access(target, F_OK);
	e = errno;
	assert_int_equal(r, -1);
	assert_int_equal(e, ENOENT);
	assert_int_equal(unlink(path), 0);
	path_in_tmp(path, sizeof(path), "old.key");
	assert_int_equal(unlink(path), 0);

	/* No directory to create in: an I/O error with errno, no file. */
	path_in_tmp(path, sizeof(path), "nodir/new.key");
	err = 0;
	assert_int_equal(ttt_keyfile_create(path, &err), TTT_KEY_IO);
	assert_int_equal(err, ENOENT);
}

static void
test_generate_text(void **state)
{
	char text[TTT_KEY_B64_MAX + 2], small[TTT_KEY_B64_MAX + 1];
	uint8_t key[TTT_KEY_MAX];
	size_t keylen = 0;
	int n;

	(void)state;
	n = ttt_key_generate_text(text, sizeof(text));
	assert_int_equal(n, TTT_KEY_B64_MAX + 1);
	assert_int_equal(strlen(text), (size_t)n);
	assert_int_equal(text[n - 1], '\n');
	assert_int_equal(ttt_key_parse(text, (size_t)n, key, sizeof(key), &keylen),
	    TTT_KEY_OK);
	assert_int_equal(keylen, TTT_KEY_GEN_LEN);
	assert_int_equal(ttt_key_generate_text(small, sizeof(small)), -ERANGE);
}

/* ---- base64 encoding -------------------------------------------------- */

static void
test_encode_rfc4648(void **state)
{
	/* RFC 4648 section 10. */
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	char out[B64_OUT_MAX];
	long n;

	(void)state;
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		n = ttt_base64_encode((const uint8_t *)vec[i][0], strlen(vec[i][0]),
		    out, sizeof(out));
		assert_int_equal(n, strlen(vec[i][1]));
		assert_string_equal(out, vec[i][1]);
	}
	/* The NUL needs room: cap equal to the text length is too small. */
	assert_int_equal(ttt_base64_encode((const uint8_t *)"foo", 3, out, 4), -1);
	assert_int_equal(ttt_base64_encode((const uint8_t *)"foo", 3, out, 5), 4);
	assert_int_equal(ttt_base64_encode((const uint8_t *)"", 0, out, 0), -1);
}

static void
test_encode_round_trip(void **state)
{
	uint8_t in[ROUND_TRIP_MAX] = { 0 }, key[TTT_KEY_MAX];
	char out[B64_OUT_MAX], ref[B64_OUT_MAX];
	size_t keylen;
	long n;

	(void)state;
	for (size_t len = 0; len <= ROUND_TRIP_MAX; len++) {
		for (size_t i = 0; i < len; i++)
			in[i] = (uint8_t)(i * 37 + len * 11 + 5);
		n = ttt_base64_encode(in, len, out, sizeof(out));
		assert_int_equal(n, (len + 2) / 3 * 4);
		assert_int_equal(ref_encode(in, len, ref), (size_t)n);
		assert_string_equal(out, ref);

		keylen = 0;
		if (len == 0) {
			assert_int_equal(parse_str(out, key, &keylen), TTT_KEY_EMPTY);
		} else if (len < TTT_KEY_MIN) {
			assert_int_equal(parse_str(out, key, &keylen), TTT_KEY_WEAK);
		} else {
			assert_int_equal(parse_str(out, key, &keylen), TTT_KEY_OK);
			assert_int_equal(keylen, len);
			assert_memory_equal(key, in, len);
		}
	}
}

static void
test_encode_all_bytes(void **state)
{
	uint8_t in[256], key[TTT_KEY_MAX];
	char out[B64_OUT_MAX], ref[B64_OUT_MAX];
	size_t keylen = 0;

	(void)state;
	/* Every byte value in every position of a group. */
	for (size_t shift = 0; shift < 3; shift++) {
		for (size_t i = 0; i < sizeof(in); i++)
			in[i] = (uint8_t)(i + shift);
		assert_int_equal(ttt_base64_encode(in, sizeof(in), out, sizeof(out)),
		    ref_encode(in, sizeof(in), ref));
		assert_string_equal(out, ref);
		assert_int_equal(parse_str(out, key, &keylen), TTT_KEY_OK);
		assert_int_equal(keylen, sizeof(in));
		assert_memory_equal(key, in, sizeof(in));
	}
}

static void
test_strerror(void **state)
{
	const char *a, *b;

	(void)state;
	for (int i = 0; i < TTT_KEY_NSTATUS; i++) {
		a = ttt_key_strerror((enum ttt_key_status)i);
		assert_non_null(a);
		assert_true(strlen(a) > 0);
		for (int j = 0; j < i; j++) {
			b = ttt_key_strerror((enum ttt_key_status)j);
			assert_string_not_equal(a, b);
		}
	}
	assert_non_null(strstr(ttt_key_strerror(TTT_KEY_INVALID), "base64"));
	assert_non_null(strstr(ttt_key_strerror(TTT_KEY_UNPROTECTED), "chmod 600"));
	assert_non_null(ttt_key_strerror(TTT_KEY_NSTATUS));
}

/* ---- fixtures --------------------------------------------------------- */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) == 0 ? 0 : -1;
}

static int
setup(void **state)
{
	const char *base = getenv("TMPDIR");
	int n;

	(void)state;
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	n = snprintf(tmpdir, sizeof(tmpdir), "%s/ttt-keyfile.XXXXXX", base);
	if (n < 0 || (size_t)n >= sizeof(tmpdir))
		return -1;
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, NFTW_FDS, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_parse_whitespace),
		cmocka_unit_test(test_parse_padding),
		cmocka_unit_test(test_parse_alphabet),
		cmocka_unit_test(test_parse_lengths),
		cmocka_unit_test(test_load_ok),
		cmocka_unit_test(test_load_unprotected),
		cmocka_unit_test(test_load_bad_owner),
		cmocka_unit_test(test_load_not_regular),
		cmocka_unit_test(test_load_symlink),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_oversize),
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_create_exists),
		cmocka_unit_test(test_generate_text),
		cmocka_unit_test(test_encode_rfc4648),
		cmocka_unit_test(test_encode_round_trip),
		cmocka_unit_test(test_encode_all_bytes),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

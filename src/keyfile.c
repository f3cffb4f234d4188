/*
 * Key files (see keyfile.h): strict padded base64 of the preshared key.
 *
 * Every buffer that holds key text or key bytes lives on the stack of the
 * function that fills it and is wiped with explicit_bzero before that function
 * returns, on every path. Nothing is allocated.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define B64_QUAD   4	/* characters in one base64 group */
#define B64_TRIPLE 3	/* bytes one group carries */
#define B64_MAXPAD 2	/* a group ends in at most "==" */
#define KEY_MODE   0600	/* owner only: a key file is as secret as the key */
#define KEY_OPEN_MASK 077 /* any group or other permission bit */

#define UBITS (sizeof(unsigned) * CHAR_BIT)

static const char *const key_errors[TTT_KEY_NSTATUS] = {
	[TTT_KEY_OK] = "is valid",
	[TTT_KEY_EMPTY] = ("is empty; it should hold a base64 key "
	    "(generate one with --genkey)"),
	[TTT_KEY_INVALID] = "is not valid base64 (RFC 4648, padded)",
	[TTT_KEY_WEAK] = ("holds a key shorter than " STR(TTT_KEY_MIN)
	    " bytes, which is too weak; generate one with --genkey"),
	[TTT_KEY_TOOLONG] = ("is too long (a key is at most " STR(TTT_KEY_MAX)
	    " bytes, a key file at most " STR(TTT_KEYFILE_MAX) " bytes)"),
	[TTT_KEY_NOENT] = "does not exist",
	[TTT_KEY_EXISTS] = "already exists; refusing to overwrite it",
	[TTT_KEY_UNPROTECTED] = ("is readable or writable by group or others; "
	    "fix with: chmod 600 FILE"),
	[TTT_KEY_NOTREG] = "is not a regular file",
	[TTT_KEY_BADOWNER] = ("is owned by another user, who could replace the key; "
	    "fix with: chown root FILE"),
	[TTT_KEY_IO] = "could not be read or written",
	[TTT_KEY_SYMLINK] = "is a symbolic link; give the file itself",
};

const char *
ttt_key_strerror(enum ttt_key_status st)
{
	if ((unsigned)st >= TTT_KEY_NSTATUS)
		return "has an unknown problem";
	return key_errors[st];
}

/*
 * Branch-free character classes for base64, so neither the timing nor the
 * cache footprint of encoding or decoding depends on the key bits. Where the
 * line breaks and the padding are is not secret, so those may branch.
 * Arguments are below 2^8, so a - b wraps to a set top bit exactly when a < b.
 */
static unsigned
lt_mask(unsigned a, unsigned b)
{
	return 0u - ((a - b) >> (UBITS - 1));
}

static unsigned
range_mask(unsigned c, unsigned lo, unsigned hi)
{
	return ~(lt_mask(c, lo) | lt_mask(hi, c));
}

/* 0..63 to its character in the RFC 4648 section 4 alphabet. */
static char
b64_char(unsigned v)
{
	unsigned c = v + 'A';

	c += lt_mask(25, v) & ('a' - 'A' - 26);		/* 26..51: a..z */
	c -= lt_mask(51, v) & ('a' - 26 - ('0' - 52));	/* 52..61: 0..9 */
	c -= lt_mask(61, v) & ('0' + 10 - '+');		/* 62: + */
	c += lt_mask(62, v) & ('/' - '+' - 1);		/* 63: / */
	return (char)c;
}

/* A character's value 0..63, or -1 when it is outside the alphabet. */
static int
b64_value(unsigned char ch)
{
	unsigned c = ch, v = 0, ok = 0, m;

	m = range_mask(c, 'A', 'Z');
	v |= m & (c - 'A');
	ok |= m;
	m = range_mask(c, 'a', 'z');
	v |= m & (c - 'a' + 26);
	ok |= m;
	m = range_mask(c, '0', '9');
	v |= m & (c - '0' + 52);
	ok |= m;
	m = range_mask(c, '+', '+');
	v |= m & 62;
	ok |= m;
	m = range_mask(c, '/', '/');
	v |= m & 63;
	ok |= m;
	/* Only validity leaks here, and an invalid file is refused outright. */
	return ok != 0 ? (int)v : -1;
}

long
ttt_base64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t groups, need, i, o = 0;
	uint32_t w;

	groups = len / B64_TRIPLE + (len % B64_TRIPLE != 0);
	if (groups > (size_t)(LONG_MAX / B64_QUAD) - 1)
		return -1;
	need = groups * B64_QUAD;
	if (cap < need + 1)
		return -1;

	for (i = 0; i + B64_TRIPLE <= len; i += B64_TRIPLE) {
		w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64_char(w >> 18 & 63);
		out[o++] = b64_char(w >> 12 & 63);
		out[o++] = b64_char(w >> 6 & 63);
		out[o++] = b64_char(w & 63);
	}
	if (len - i == 1) {
		w = (uint32_t)in[i] << 16;
		out[o++] = b64_char(w >> 18 & 63);
		out[o++] = b64_char(w >> 12 & 63);
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64_char(w >> 18 & 63);
		out[o++] = b64_char(w >> 12 & 63);
		out[o++] = b64_char(w >> 6 & 63);
		out[o++] = '=';
	}
	out[o] = '\0';
	explicit_bzero(&w, sizeof(w));
	return (long)o;
}

/* The white space strings.TrimSpace removes in ASCII, as v1.4 trims. */
static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

/* Line breaks inside the text are skipped, as Go's base64 decoder does. */
static int
is_break(char c)
{
	return c == '\r' || c == '\n';
}

/*
 * Check text[from..to) is padded base64 and count what it decodes to. Padding
 * is only legal at the very end and at most two characters, so one pass over
 * the characters with a "padding seen" state is enough. (Indices into the
 * whole text rather than a shifted pointer: make prove's analysis then
 * bounds every read by to <= len without relating two offsets.)
 */
static enum ttt_key_status
b64_check(const char *text, size_t from, size_t to, size_t *outlen)
{
	size_t n = 0, pad = 0;

	for (size_t i = from; i < to; i++) {
		if (is_break(text[i]))
			continue;
		n++;
		if (text[i] == '=') {
			if (++pad > B64_MAXPAD)
				return TTT_KEY_INVALID;
			continue;
		}
		if (pad > 0 || b64_value((unsigned char)text[i]) < 0)
			return TTT_KEY_INVALID;
	}
	if (n == 0)
		return TTT_KEY_EMPTY;
	if (n % B64_QUAD != 0)
		return TTT_KEY_INVALID;
	*outlen = n / B64_QUAD * B64_TRIPLE - pad;
	return TTT_KEY_OK;
}

/* One decoded byte, never past cap: b64_check counted exactly cap bytes for
 * this text, and the bound says so where the write is, so the two passes
 * could not overrun out even if they ever disagreed. */
static void
put_byte(uint8_t *out, size_t cap, size_t *o, uint32_t b)
{
	if (*o < cap)
		out[(*o)++] = (uint8_t)b;
}

/* Decode text[from..to), already accepted by b64_check, into out[0..cap). */
static void
b64_decode(const char *text, size_t from, size_t to, uint8_t *out, size_t cap)
{
	uint32_t w = 0;
	size_t o = 0;
	unsigned k = 0;

	for (size_t i = from; i < to && text[i] != '='; i++) {
		if (is_break(text[i]))
			continue;
		w = w << 6 | (uint32_t)b64_value((unsigned char)text[i]);
		if (++k < B64_QUAD)
			continue;
		put_byte(out, cap, &o, w >> 16);
		put_byte(out, cap, &o, w >> 8);
		put_byte(out, cap, &o, w);
		w = 0;
		k = 0;
	}
	/* A padded last group: "xx==" carries one byte, "xxx=" two. */
	if (k == 2) {
		put_byte(out, cap, &o, w >> 4);
	} else if (k == 3) {
		put_byte(out, cap, &o, w >> 10);
		put_byte(out, cap, &o, w >> 2);
	}
	explicit_bzero(&w, sizeof(w));
}

enum ttt_key_status
ttt_key_parse(const char *text, size_t len, uint8_t *key, size_t cap,
    size_t *keylen)
{
	enum ttt_key_status st;
	size_t start = 0, end = len, n = 0;

	/* The same bound whether the text came from a file or elsewhere. */
	if (len > TTT_KEYFILE_MAX)
		return TTT_KEY_TOOLONG;
	while (start < end && is_space(text[start]))
		start++;
	while (end > start && is_space(text[end - 1]))
		end--;
	if (start == end)
		return TTT_KEY_EMPTY;

	st = b64_check(text, start, end, &n);
	if (st != TTT_KEY_OK)
		return st;
	/* v1.4 takes any key; a short one makes the MAC guessable offline. */
	if (n < TTT_KEY_MIN)
		return TTT_KEY_WEAK;
	if (n > TTT_KEY_MAX || n > cap)
		return TTT_KEY_TOOLONG;

	b64_decode(text, start, end, key, n);
	*keylen = n;
	return TTT_KEY_OK;
}

/* Read up to cap bytes, through short reads and signals, until EOF. */
static ssize_t
read_full(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t r;

	while (got < cap) {
		r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Check what the descriptor is, not what the path was: no TOCTOU window. */
static enum ttt_key_status
check_file(int fd, int *err)
{
	struct stat st;

	if (fstat(fd, &st) == -1) {
		*err = errno;
		return TTT_KEY_IO;
	}
	if (!S_ISREG(st.st_mode))
		return TTT_KEY_NOTREG;
	/* Refuse as OpenSSH refuses an unprotected private key: a key others
	 * could read is already disclosed, one others could write is theirs. */
	if ((st.st_mode & KEY_OPEN_MASK) != 0)
		return TTT_KEY_UNPROTECTED;
	/* Whoever owns the file can rewrite the key: only us or root. */
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return TTT_KEY_BADOWNER;
	/* Known too long before reading; the bounded read stays the last word. */
	if (st.st_size > TTT_KEYFILE_MAX)
		return TTT_KEY_TOOLONG;
	return TTT_KEY_OK;
}

static enum ttt_key_status
load_fd(int fd, uint8_t *key, size_t cap, size_t *keylen, int *err)
{
	/* One byte more than allowed, so an oversized file is seen, not cut. */
	char buf[TTT_KEYFILE_MAX + 1];
	enum ttt_key_status st;
	ssize_t n;

	st = check_file(fd, err);
	if (st != TTT_KEY_OK)
		return st;
	n = read_full(fd, buf, sizeof(buf));
	if (n < 0) {
		*err = errno;
		st = TTT_KEY_IO;
	} else if ((size_t)n > TTT_KEYFILE_MAX) {
		st = TTT_KEY_TOOLONG;
	} else {
		st = ttt_key_parse(buf, (size_t)n, key, cap, keylen);
	}
	explicit_bzero(buf, sizeof(buf));
	return st;
}

enum ttt_key_status
ttt_keyfile_load(const char *path, uint8_t *key, size_t cap, size_t *keylen,
    int *err)
{
	enum ttt_key_status st;
	int fd;

	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
	 * writer before fstat could refuse it; it changes nothing for a file.
	 * O_NOFOLLOW: whoever may write the key's directory must not point us
	 * at another key, or at a device whose open alone has effects. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if (fd == -1 && errno == ENOENT)
		return TTT_KEY_NOENT;
	if (fd == -1 && errno == ELOOP)
		return TTT_KEY_SYMLINK;
	if (fd == -1) {
		*err = errno;
		return TTT_KEY_IO;
	}
	st = load_fd(fd, key, cap, keylen, err);
	if (close(fd) == -1 && st == TTT_KEY_OK) {
		*err = errno;
		explicit_bzero(key, *keylen);
		*keylen = 0;
		st = TTT_KEY_IO;
	}
	return st;
}

/* getrandom blocks until the pool is initialised, never returns weak bytes. */
static int
random_bytes(uint8_t *buf, size_t len)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		r = getrandom(buf + got, len - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		got += (size_t)r;
	}
	return 0;
}

int
ttt_key_generate_text(char *out, size_t cap)
{
	uint8_t key[TTT_KEY_GEN_LEN];
	long n;
	int rc;

	if (cap < TTT_KEY_B64_MAX + 2)
		return -ERANGE;
	rc = random_bytes(key, sizeof(key));
	if (rc != 0) {
		explicit_bzero(key, sizeof(key));
		return rc;
	}
	n = ttt_base64_encode(key, sizeof(key), out, cap - 1);
	explicit_bzero(key, sizeof(key));
	if (n < 0)
		return -ERANGE;
	out[n++] = '\n';
	out[n] = '\0';
	return (int)n;
}

static int
write_full(int fd, const char *buf, size_t len)
{
	size_t done = 0;
	ssize_t r;

	while (done < len) {
		r = write(fd, buf + done, len - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		/* Not expected for a regular file; do not spin on it. */
		if (r == 0) {
			errno = EIO;
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

/* Everything after the file exists; -1 with errno set on the first failure. */
static int
fill_file(int fd, const char *text, size_t len)
{
	/* The mode given to open is filtered by the umask; set it exactly. */
	if (fchmod(fd, KEY_MODE) == -1)
		return -1;
	if (write_full(fd, text, len) == -1)
		return -1;
	/* A key the daemon reports as written must survive a crash. */
	if (fsync(fd) == -1)
		return -1;
	return 0;
}

enum ttt_key_status
ttt_keyfile_create(const char *path, int *err)
{
	char text[TTT_KEY_B64_MAX + 2];
	int fd, len, saved;

	/* Draw the key first, so a getrandom failure leaves no file behind. */
	len = ttt_key_generate_text(text, sizeof(text));
	if (len < 0) {
		*err = -len;
		return TTT_KEY_IO;
	}
	/* O_EXCL: never overwrite a key; O_NOFOLLOW: never write through a link. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    KEY_MODE);
	if (fd == -1) {
		saved = errno;
		explicit_bzero(text, sizeof(text));
		if (saved == EEXIST)
			return TTT_KEY_EXISTS;
		*err = saved;
		return TTT_KEY_IO;
	}
	if (fill_file(fd, text, (size_t)len) == -1) {
		saved = errno;
		/* Already failing: the first error is the one to report. */
		(void)close(fd);
		goto fail;
	}
	explicit_bzero(text, sizeof(text));
	/* close can report a deferred write error (NFS): the key may be lost. */
	if (close(fd) == -1) {
		saved = errno;
		goto fail;
	}
	return TTT_KEY_OK;

fail:
	explicit_bzero(text, sizeof(text));
	/* A partial key file would be refused or, worse, used; remove it. Its
	 * failure is not reported: the first error is the one that matters. */
	(void)unlink(path);
	*err = saved;
	return TTT_KEY_IO;
}

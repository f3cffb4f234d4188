/*
 * Key files: standard base64 (RFC 4648 section 4, '=' padding required) of the
 * raw preshared key, as v1.4 writes them. Surrounding white space is trimmed
 * and CR/LF inside the text are ignored; anything else refuses the file.
 *
 * Library code: returns a status, never prints. The caller names the file.
 */
#ifndef TTT_KEYFILE_H
#define TTT_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#define TTT_KEY_MIN       16	/* below this a key is refused as weak (v1.4 takes any) */
#define TTT_KEY_GEN_LEN   32	/* what we generate: SHA-256's block half, v1.4's size */
#define TTT_KEY_MAX       1024	/* decoded; HMAC hashes anything over 64 bytes anyway */
#define TTT_KEYFILE_MAX   4096	/* bytes read from a key file; more is refused */
#define TTT_KEY_B64_MAX   (((TTT_KEY_GEN_LEN + 2) / 3) * 4)

enum ttt_key_status {
	TTT_KEY_OK = 0,
	TTT_KEY_EMPTY,		/* nothing but white space */
	TTT_KEY_INVALID,	/* not standard padded base64 */
	TTT_KEY_WEAK,		/* fewer than TTT_KEY_MIN bytes */
	TTT_KEY_TOOLONG,	/* more than TTT_KEY_MAX bytes, or file over TTT_KEYFILE_MAX */
	TTT_KEY_NOENT,		/* the file does not exist */
	TTT_KEY_EXISTS,		/* create: the file exists, never overwritten */
	TTT_KEY_UNPROTECTED,	/* group or others may read or write it */
	TTT_KEY_NOTREG,		/* not a regular file */
	TTT_KEY_BADOWNER,	/* owned by neither us nor root */
	TTT_KEY_IO,		/* a system call failed; see *err */
	TTT_KEY_SYMLINK,	/* the path names a symbolic link: never followed */
	TTT_KEY_NSTATUS
};

/* A short description for the caller's error line, e.g. "is not valid base64". */
const char *ttt_key_strerror(enum ttt_key_status st);

/* Parse key-file text (need not be NUL-terminated) into key[0..*keylen). */
enum ttt_key_status ttt_key_parse(const char *text, size_t len, uint8_t *key,
    size_t cap, size_t *keylen);

/*
 * Read and parse a key file. Refuses a file group or others can access, the
 * way OpenSSH refuses an unprotected private key. The path is opened without
 * following a symbolic link and without blocking, and the descriptor is
 * checked (regular file, owner, mode, size) before a byte is read. On TTT_KEY_IO, *err is the
 * errno. Every copy of the key material but key[] is wiped before returning.
 */
enum ttt_key_status ttt_keyfile_load(const char *path, uint8_t *key, size_t cap,
    size_t *keylen, int *err);

/*
 * Create path with TTT_KEY_GEN_LEN random bytes (getrandom), base64 and a
 * newline, atomically: O_CREAT|O_EXCL, mode 0600, written in full, fsync'd.
 * Never overwrites an existing file (TTT_KEY_EXISTS).
 */
enum ttt_key_status ttt_keyfile_create(const char *path, int *err);

/*
 * A fresh key as base64 text with a trailing newline, NUL-terminated, into
 * out (cap >= TTT_KEY_B64_MAX + 2). Returns the text length, or -errno.
 */
int ttt_key_generate_text(char *out, size_t cap);

/* Standard padded base64 of in[0..len) into out; returns the length written
 * (without the NUL it adds), or -1 when cap is too small. */
long ttt_base64_encode(const uint8_t *in, size_t len, char *out, size_t cap);

#endif

/*
 * A small, strict, bounded reader of exactly the JSON that status.c writes,
 * for `tinytaptunnel show`: the file is anyone's to edit, so it is parsed
 * as hostile input.
 *
 * Accepted: one top-level object; nested objects down to TTT_JSON_DEPTH_MAX;
 * keys of [a-z0-9_-], at most TTT_JSON_KEY_MAX bytes, never repeated;
 * strings of printable ASCII with the escapes \" \\ \/ and \u00XX (decoded;
 * a control or non-ASCII byte becomes '?'); whole numbers, optionally
 * negative, without leading zeros, within 64 bits; true, false, null;
 * whitespace. Refused: arrays, fractions and exponents, any other escape,
 * raw bytes outside printable ASCII, anything after the object, more than
 * TTT_JSON_INPUT_MAX bytes or TTT_JSON_ITEMS_MAX values.
 *
 * Each value becomes one item named by its dotted path ("rx.refused.replay").
 * Pure: no allocation, no I/O; the recursion is bounded by the depth limit.
 */
#ifndef TTT_JSON_H
#define TTT_JSON_H

#include <stddef.h>
#include <stdint.h>

#define TTT_JSON_INPUT_MAX 16384	/* status.c writes under 2 KiB */
#define TTT_JSON_DEPTH_MAX 4		/* status.c nests 3 deep ("rx.refused.replay") */
#define TTT_JSON_KEY_MAX   32
#define TTT_JSON_PATH_MAX  (TTT_JSON_DEPTH_MAX * (TTT_JSON_KEY_MAX + 1))
#define TTT_JSON_STR_MAX   256		/* decoded, with its NUL */
#define TTT_JSON_ITEMS_MAX 96		/* status.c writes 44 values */

enum ttt_json_status {
	TTT_JSON_OK = 0,
	TTT_JSON_TOO_LONG,	/* input, key, string or number over its bound */
	TTT_JSON_SYNTAX,
	TTT_JSON_DEPTH,
	TTT_JSON_TOO_MANY,	/* more than TTT_JSON_ITEMS_MAX values */
	TTT_JSON_DUPLICATE,	/* a key twice in one object */
	TTT_JSON_RANGE,		/* a number outside 64 bits */
};

enum ttt_json_kind { TTT_JSON_NULL = 0, TTT_JSON_BOOL, TTT_JSON_NUM, TTT_JSON_STR };

struct ttt_json_item {
	char path[TTT_JSON_PATH_MAX];
	enum ttt_json_kind kind;
	int neg;		/* NUM: negative (num holds the magnitude) */
	uint64_t num;		/* NUM: magnitude; BOOL: 0 or 1 */
	char str[TTT_JSON_STR_MAX];	/* STR: printable ASCII, NUL-terminated */
};

struct ttt_json_doc {
	size_t n;
	struct ttt_json_item item[TTT_JSON_ITEMS_MAX];
};

enum ttt_json_status ttt_json_parse(const char *in, size_t len, struct ttt_json_doc *doc);
const char *ttt_json_strerror(enum ttt_json_status st);

/* The item at path, or NULL. */
const struct ttt_json_item *ttt_json_find(const struct ttt_json_doc *d, const char *path);
/* A non-negative number at path: 0, or -ENOENT (absent), -EINVAL (null or
 * another kind or negative). */
int ttt_json_u64(const struct ttt_json_doc *d, const char *path, uint64_t *out);
/* The string at path, or NULL. */
const char *ttt_json_str(const struct ttt_json_doc *d, const char *path);

#endif

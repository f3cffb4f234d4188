/*
 * The strict reader of status.c's JSON (see json.h).
 */
#include <errno.h>
#include <string.h>

#include "json.h"
#include "text.h"

struct parser {
	const char *p, *end;
	struct ttt_json_doc *doc;
	char path[TTT_JSON_PATH_MAX];
	size_t plen;
};

static void
skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' ||
	    *ps->p == '\r'))
		ps->p++;
}

static int
eat(struct parser *ps, char c)
{
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == c) {
		ps->p++;
		return 1;
	}
	return 0;
}

/* \u00XX only: status.c escapes single bytes, nothing wider. */
static enum ttt_json_status
unicode_escape(struct parser *ps, char *out)
{
	int hi, lo;

	if (ps->end - ps->p < 4 || ps->p[0] != '0' || ps->p[1] != '0' ||
	    (hi = ttt_hex_digit(ps->p[2])) < 0 || (lo = ttt_hex_digit(ps->p[3])) < 0)
		return TTT_JSON_SYNTAX;
	ps->p += 4;
	*out = (hi << 4 | lo) >= 0x20 && (hi << 4 | lo) < 0x7f ? (char)(hi << 4 | lo) : '?';
	return TTT_JSON_OK;
}

/* A string after its opening quote, into out (cap bytes with the NUL). */
static enum ttt_json_status
string(struct parser *ps, char *out, size_t cap)
{
	size_t n = 0;

	for (;;) {
		char c;
		enum ttt_json_status st;

		if (ps->p >= ps->end)
			return TTT_JSON_SYNTAX;
		c = *ps->p++;
		if (c == '"')
			break;
		if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
			return TTT_JSON_SYNTAX;
		if (c == '\\') {
			if (ps->p >= ps->end)
				return TTT_JSON_SYNTAX;
			c = *ps->p++;
			if (c == 'u') {
				if ((st = unicode_escape(ps, &c)) != TTT_JSON_OK)
					return st;
			} else if (c != '"' && c != '\\' && c != '/') {
				return TTT_JSON_SYNTAX;
			}
		}
		if (n + 1 >= cap)
			return TTT_JSON_TOO_LONG;
		out[n++] = c;
	}
	out[n] = '\0';
	return TTT_JSON_OK;
}

static enum ttt_json_status
number(struct parser *ps, struct ttt_json_item *it)
{
	uint64_t v = 0;
	int digits = 0;

	if (ps->p < ps->end && *ps->p == '-') {
		it->neg = 1;
		ps->p++;
	}
	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
		unsigned d = (unsigned)(*ps->p - '0');

		if (digits == 1 && v == 0)
			return TTT_JSON_SYNTAX;	/* a leading zero */
		if (v > (UINT64_MAX - d) / 10)
			return TTT_JSON_RANGE;
		v = v * 10 + d;
		digits++;
		ps->p++;
	}
	if (digits == 0 || (it->neg && (v == 0 || v > (uint64_t)INT64_MAX + 1)))
		return digits == 0 ? TTT_JSON_SYNTAX : TTT_JSON_RANGE;
	if (ps->p < ps->end && (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E'))
		return TTT_JSON_SYNTAX;
	it->kind = TTT_JSON_NUM;
	it->num = v;
	return TTT_JSON_OK;
}

static int
word(struct parser *ps, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0)
		return 0;
	ps->p += n;
	return 1;
}

static enum ttt_json_status object(struct parser *ps, int depth);

/* A value at the current path: an object, or one item. */
static enum ttt_json_status
value(struct parser *ps, int depth)
{
	struct ttt_json_item *it;

	skip_ws(ps);
	if (eat(ps, '{'))
		return object(ps, depth + 1);
	if (ps->doc->n >= TTT_JSON_ITEMS_MAX)
		return TTT_JSON_TOO_MANY;
	it = &ps->doc->item[ps->doc->n];
	memset(it, 0, sizeof(*it));
	memcpy(it->path, ps->path, ps->plen + 1);
	if (eat(ps, '"')) {
		it->kind = TTT_JSON_STR;
		if (string(ps, it->str, sizeof(it->str)) != TTT_JSON_OK)
			return TTT_JSON_SYNTAX;
	} else if (word(ps, "true") || word(ps, "false")) {
		it->kind = TTT_JSON_BOOL;
		it->num = ps->p[-1] == 'e' && ps->p[-2] == 'u';
	} else if (word(ps, "null")) {
		it->kind = TTT_JSON_NULL;
	} else {
		enum ttt_json_status st = number(ps, it);

		if (st != TTT_JSON_OK)
			return st;
	}
	ps->doc->n++;
	return TTT_JSON_OK;
}

/* A key, appended to the path; refused if this object already had it. */
static enum ttt_json_status
key(struct parser *ps, size_t base)
{
	char k[TTT_JSON_KEY_MAX + 1];
	enum ttt_json_status st;
	size_t n;

	if (!eat(ps, '"'))
		return TTT_JSON_SYNTAX;
	if ((st = string(ps, k, sizeof(k))) != TTT_JSON_OK)
		return st;
	n = strlen(k);
	if (n == 0 || strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return TTT_JSON_SYNTAX;
	ps->plen = base;
	if (base > 0)
		ps->path[ps->plen++] = '.';
	memcpy(ps->path + ps->plen, k, n + 1);
	ps->plen += n;
	/* A repeated key repeats a path: an item, or a prefix of one (an object). */
	for (size_t i = 0; i < ps->doc->n; i++) {
		const char *p = ps->doc->item[i].path;

		if (strncmp(p, ps->path, ps->plen) == 0 && (p[ps->plen] == '\0' ||
		    p[ps->plen] == '.'))
			return TTT_JSON_DUPLICATE;
	}
	return eat(ps, ':') ? TTT_JSON_OK : TTT_JSON_SYNTAX;
}

/* An object after its '{'. */
static enum ttt_json_status
object(struct parser *ps, int depth)
{
	size_t base = ps->plen;
	enum ttt_json_status st;

	if (depth > TTT_JSON_DEPTH_MAX)
		return TTT_JSON_DEPTH;
	if (eat(ps, '}'))
		return TTT_JSON_OK;
	do {
		if ((st = key(ps, base)) != TTT_JSON_OK || (st = value(ps, depth)) != TTT_JSON_OK)
			return st;
	} while (eat(ps, ','));
	ps->plen = base;
	ps->path[base] = '\0';
	return eat(ps, '}') ? TTT_JSON_OK : TTT_JSON_SYNTAX;
}

enum ttt_json_status
ttt_json_parse(const char *in, size_t len, struct ttt_json_doc *doc)
{
	struct parser ps = { in, in + len, doc, "", 0 };
	enum ttt_json_status st;

	doc->n = 0;
	if (len > TTT_JSON_INPUT_MAX)
		return TTT_JSON_TOO_LONG;
	if (!eat(&ps, '{'))
		return TTT_JSON_SYNTAX;
	if ((st = object(&ps, 1)) != TTT_JSON_OK)
		return st;
	skip_ws(&ps);
	return ps.p == ps.end ? TTT_JSON_OK : TTT_JSON_SYNTAX;
}

const char *
ttt_json_strerror(enum ttt_json_status st)
{
	switch (st) {
	case TTT_JSON_OK:
		return "ok";
	case TTT_JSON_TOO_LONG:
		return "too long (the file, a key, a string or a number)";
	case TTT_JSON_SYNTAX:
		return "not the JSON tinytaptunnel writes";
	case TTT_JSON_DEPTH:
		return "nested too deep";
	case TTT_JSON_TOO_MANY:
		return "too many values";
	case TTT_JSON_DUPLICATE:
		return "a key repeated";
	case TTT_JSON_RANGE:
		return "a number outside 64 bits";
	}
	return "unknown error";
}

const struct ttt_json_item *
ttt_json_find(const struct ttt_json_doc *d, const char *path)
{
	for (size_t i = 0; i < d->n && i < TTT_JSON_ITEMS_MAX; i++)
		if (strcmp(d->item[i].path, path) == 0)
			return &d->item[i];
	return NULL;
}

int
ttt_json_u64(const struct ttt_json_doc *d, const char *path, uint64_t *out)
{
	const struct ttt_json_item *it = ttt_json_find(d, path);

	if (it == NULL)
		return -ENOENT;
	if (it->kind != TTT_JSON_NUM || it->neg)
		return -EINVAL;
	*out = it->num;
	return 0;
}

const char *
ttt_json_str(const struct ttt_json_doc *d, const char *path)
{
	const struct ttt_json_item *it = ttt_json_find(d, path);

	return it != NULL && it->kind == TTT_JSON_STR ? it->str : NULL;
}

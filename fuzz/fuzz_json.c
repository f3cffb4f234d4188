/*
 * The status file's reader (json.h) and `show` (show.h) on any bytes: a
 * file anyone with write access to its directory may have crafted.
 *
 * Input: the file's bytes. Checked: the parser stays within its bounds and
 * its contract (every item's path is dotted keys of [a-z0-9_-], at most
 * TTT_JSON_DEPTH_MAX of them, no path twice; strings are printable ASCII,
 * NUL-terminated; booleans are 0 or 1; a negative number is not zero);
 * the first byte past the input is never read (the input is copied to an
 * allocation of its exact size); and the summary of whatever parsed, into
 * a buffer of every size up to the full one, is whole or empty, never
 * overruns, and holds no control byte but newlines and (with colour) ESC.
 */
#include <errno.h>

#include "fuzz_common.h"
#include "json.h"
#include "show.h"

static void
check_items(const struct ttt_json_doc *d)
{
	FUZZ_CHECK(d->n <= TTT_JSON_ITEMS_MAX);
	for (size_t i = 0; i < d->n; i++) {
		const struct ttt_json_item *it = &d->item[i];
		size_t plen = strnlen(it->path, sizeof(it->path)), dots = 0;

		FUZZ_CHECK(plen > 0 && plen < sizeof(it->path));
		for (size_t k = 0; k < plen; k++) {
			char c = it->path[k];

			dots += c == '.';
			FUZZ_CHECK(c == '.' || c == '_' || c == '-' || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9'));
		}
		FUZZ_CHECK(dots < TTT_JSON_DEPTH_MAX);
		if (it->kind == TTT_JSON_STR) {
			size_t slen = strnlen(it->str, sizeof(it->str));

			FUZZ_CHECK(slen < sizeof(it->str));
			for (size_t k = 0; k < slen; k++)
				FUZZ_CHECK(it->str[k] >= 0x20 && it->str[k] < 0x7f);
		}
		FUZZ_CHECK(it->kind != TTT_JSON_BOOL || it->num <= 1);
		FUZZ_CHECK(it->kind != TTT_JSON_NUM || !it->neg || it->num != 0);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(d->item[j].path, it->path) != 0);
	}
}

static void
check_show(const struct ttt_json_doc *d, int colour)
{
	static char out[TTT_SHOW_OUT_MAX + 1];
	int full = ttt_show_format(d, "status.json", colour, out, TTT_SHOW_OUT_MAX);

	if (full < 0) {
		FUZZ_CHECK(full == -EBADMSG || full == -ENOSPC);
		return;
	}
	FUZZ_CHECK((size_t)full < TTT_SHOW_OUT_MAX && out[full] == '\0');
	for (int k = 0; k < full; k++)
		FUZZ_CHECK(out[k] == '\n' || (colour && out[k] == '\033') ||
		    (out[k] >= 0x20 && out[k] < 0x7f));
	/* One byte short: nothing, and nothing written past the buffer. */
	out[full] = 0x5a;
	FUZZ_CHECK(ttt_show_format(d, "status.json", colour, out, (size_t)full) == -ENOSPC);
	FUZZ_CHECK(out[0] == '\0' && out[full] == 0x5a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ttt_json_doc doc;
	char *in = malloc(size + 1);
	enum ttt_json_status st;

	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	st = ttt_json_parse(in, size, &doc);
	FUZZ_CHECK(st >= TTT_JSON_OK && st <= TTT_JSON_RANGE);
	FUZZ_CHECK(size <= TTT_JSON_INPUT_MAX || st == TTT_JSON_TOO_LONG);
	if (st == TTT_JSON_OK) {
		check_items(&doc);
		check_show(&doc, size & 1);
	}
	free(in);
	return 0;
}

/*
 * EVA driver: ttt_key_parse, the base64 key decoder, on any key-file text
 * the loader can hand it (any length up to its buffer, TTT_KEYFILE_MAX + 1,
 * any bytes) into a key buffer of any capacity up to TTT_KEY_MAX.
 *
 * prove-sources: src/keyfile.c
 */
#include "__fc_builtin.h"
#include "keyfile.h"
#include "prove.h"

int
main(void)
{
	uint8_t textbuf[TTT_KEYFILE_MAX + 1];
	uint8_t keybuf[TTT_KEY_MAX];
	size_t len, keylen;
	const char *text = (const char *)any_input(textbuf, sizeof(textbuf), &len);
	size_t cap = Frama_C_size_t_interval(0, sizeof(keybuf));

	(void)ttt_key_parse(text, len, keybuf, cap, &keylen);
	Frama_C_show_each_reached();
	return 0;
}

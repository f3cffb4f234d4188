/*
 * `tinytaptunnel show` (src/show.c): the summary of a fixed status file,
 * byte for byte (tests/show/status.txt, no colour); colour only when asked;
 * a file without a field status.c writes is refused; a short buffer gives
 * nothing rather than a cut summary.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "show.h"

static char in[TTT_JSON_INPUT_MAX + 1], want[TTT_SHOW_OUT_MAX], out[TTT_SHOW_OUT_MAX];
static struct ttt_json_doc doc;
#define NAME "tests/show/status.json"

static void
load(void)
{
	size_t len, wlen;

	assert_int_equal(ttt_show_read(TTT_SRCDIR "/" NAME, in, sizeof(in), &len), 0);
	assert_int_equal(ttt_json_parse(in, len, &doc), TTT_JSON_OK);
	assert_int_equal(ttt_show_read(TTT_SRCDIR "/tests/show/status.txt", want, sizeof(want),
	    &wlen), 0);
}

static void
test_golden_output(void **state)
{
	int n;

	(void)state;
	load();
	n = ttt_show_format(&doc, NAME, 0, out, sizeof(out));
	assert_true(n > 0);
	assert_string_equal(out, want);
	assert_null(strchr(out, '\033'));
}

static void
test_colour_only_when_asked(void **state)
{
	(void)state;
	load();
	assert_true(ttt_show_format(&doc, NAME, 1, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "\033[1;32minterface\033[0m: ttt0\n"));
}

static void
test_refuses_other_files_and_short_buffers(void **state)
{
	int n;

	(void)state;
	load();
	n = ttt_show_format(&doc, NAME, 0, out, sizeof(out));
	assert_int_equal(ttt_show_format(&doc, NAME, 0, out, (size_t)n), -ENOSPC);
	assert_string_equal(out, "");
	/* A name cannot carry escape codes to the terminal. */
	assert_true(ttt_show_format(&doc, "a\033[2Jb", 0, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "a?[2Jb"));
	assert_int_equal(ttt_json_parse("{\"version\": \"1\"}", 16, &doc), TTT_JSON_OK);
	assert_int_equal(ttt_show_format(&doc, NAME, 0, out, sizeof(out)), -EBADMSG);
	assert_int_equal(ttt_show_read("/nonexistent/status.json", in, sizeof(in), &(size_t){ 0 }),
	    -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_output),
		cmocka_unit_test(test_colour_only_when_asked),
		cmocka_unit_test(test_refuses_other_files_and_short_buffers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

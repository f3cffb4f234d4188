/*
 * The strict JSON reader (src/json.c): it reads back every value status.c
 * writes, and refuses everything outside the subset json.h describes,
 * within its bounds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"
#include "status.h"

static struct ttt_json_doc doc;

static enum ttt_json_status
parse(const char *s)
{
	return ttt_json_parse(s, strlen(s), &doc);
}

static void
test_reads_back_what_status_writes(void **state)
{
	static struct ttt_status st;
	static char buf[TTT_STATUS_BUF_MAX];
	uint64_t v;

	(void)state;
	st.version = "0.1.0";
	st.ifname = "tap\"\\\x1b";
	st.local = ":9001";
	st.last_rx_age_ms = 5;
	st.last_tx_age_ms = -1;
	st.rotation = TTT_ROTATION_NONE;
	st.key_generation = 1;
	for (unsigned i = 0; i < TTT_STAT_N; i++)
		st.totals.v[i] = UINT64_MAX - i;
	assert_true(ttt_status_json(&st, buf, sizeof(buf)) > 0);
	assert_int_equal(parse(buf), TTT_JSON_OK);
	assert_string_equal(ttt_json_str(&doc, "interface.name"), "tap\"\\?");
	assert_int_equal(ttt_json_u64(&doc, "last_rx_age_ms", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(ttt_json_u64(&doc, "last_tx_age_ms", &v), -EINVAL);	/* null */
	assert_int_equal(ttt_json_u64(&doc, "nothing", &v), -ENOENT);
	/* Every counter, under its key, exactly. */
	for (unsigned i = 0; i < TTT_STAT_N; i++) {
		int found = 0;

		for (size_t k = 0; k < doc.n; k++) {
			const char *p = doc.item[k].path, *key = ttt_status_counter_key((enum ttt_stat)i);
			size_t pl = strlen(p), kl = strlen(key);

			if ((p[0] == 'r' || p[0] == 't') && p[1] == 'x' && pl > kl &&
			    strcmp(p + pl - kl, key) == 0 && p[pl - kl - 1] == '.' &&
			    doc.item[k].num == UINT64_MAX - i)
				found = 1;
		}
		assert_true(found);
	}
}

static void
test_refuses_what_status_never_writes(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"a\": 1}"), TTT_JSON_OK);
	assert_int_equal(parse(" {\"a\": {\"b\": true, \"c\": false}, \"d\": null}\n"), TTT_JSON_OK);
	assert_int_equal(doc.n, 3);
	assert_int_equal(parse("[1]"), TTT_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\": [1]}"), TTT_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\": 1.5}"), TTT_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\": 1e3}"), TTT_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\": 01}"), TTT_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\": -0}"), TTT_JSON_RANGE);
	assert_int_equal(parse("{\"a\": 18446744073709551615}"), TTT_JSON_OK);
	assert_int_equal(parse("{\"a\": 18446744073709551616}"), TTT_JSON_RANGE);
	assert_int_equal(parse("{\"a\": -9223372036854775808}"), TTT_JSON_OK);
	assert_int_equal(parse("{\"a\": -9223372036854775809}"), TTT_JSON_RANGE);
	assert_int_equal(parse("{\"a\": 1, \"a\": 2}"), TTT_JSON_DUPLICATE);
	assert_int_equal(parse("{\"a\": {\"b\": 1}, \"a\": {\"c\": 1}}"), TTT_JSON_DUPLICATE);
	assert_int_equal(parse("{\"A\": 1}"), TTT_JSON_SYNTAX);	/* keys as we write them */
	assert_int_equal(parse("{\"a\": \"\\u0041\\\"\\/\"}"), TTT_JSON_OK);
	assert_string_equal(doc.item[0].str, "A\"/");
	assert_int_equal(parse("{\"a\": \"\\u1234\"}"), TTT_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\": \"\\n\"}"), TTT_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\": \"\x1b[2J\"}"), TTT_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\": \"\xc3\xa9\"}"), TTT_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\": 1} x"), TTT_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\": 1,}"), TTT_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\": \"x"), TTT_JSON_SYNTAX);
	assert_int_equal(parse(""), TTT_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\":{\"b\":{\"c\":{\"d\":1}}}}"), TTT_JSON_OK);
	assert_string_equal(doc.item[0].path, "a.b.c.d");
	assert_int_equal(parse("{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":1}}}}}"), TTT_JSON_DEPTH);
}

static void
test_bounds(void **state)
{
	static char buf[TTT_JSON_INPUT_MAX + 64];
	size_t n = 0;

	(void)state;
	/* A key of TTT_JSON_KEY_MAX bytes, and one more. */
	n = (size_t)snprintf(buf, sizeof(buf), "{\"%0*d\": 1}", TTT_JSON_KEY_MAX, 0);
	assert_int_equal(ttt_json_parse(buf, n, &doc), TTT_JSON_OK);
	n = (size_t)snprintf(buf, sizeof(buf), "{\"%0*d\": 1}", TTT_JSON_KEY_MAX + 1, 0);
	assert_int_equal(ttt_json_parse(buf, n, &doc), TTT_JSON_TOO_LONG);
	/* A string of TTT_JSON_STR_MAX - 1 bytes, and one more. */
	n = (size_t)snprintf(buf, sizeof(buf), "{\"a\": \"%0*d\"}", TTT_JSON_STR_MAX - 1, 0);
	assert_int_equal(ttt_json_parse(buf, n, &doc), TTT_JSON_OK);
	n = (size_t)snprintf(buf, sizeof(buf), "{\"a\": \"%0*d\"}", TTT_JSON_STR_MAX, 0);
	assert_int_equal(ttt_json_parse(buf, n, &doc), TTT_JSON_SYNTAX);
	/* TTT_JSON_ITEMS_MAX values, and one more. */
	n = 0;
	buf[n++] = '{';
	for (int i = 0; i <= TTT_JSON_ITEMS_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\"k%d\": %d", i ? ", " : "", i, i);
	buf[n++] = '}';
	assert_int_equal(ttt_json_parse(buf, n, &doc), TTT_JSON_TOO_MANY);
	/* Input over TTT_JSON_INPUT_MAX, even if well-formed. */
	memset(buf, ' ', sizeof(buf));
	memcpy(buf, "{}", 2);
	assert_int_equal(ttt_json_parse(buf, TTT_JSON_INPUT_MAX, &doc), TTT_JSON_OK);
	assert_int_equal(ttt_json_parse(buf, TTT_JSON_INPUT_MAX + 1, &doc), TTT_JSON_TOO_LONG);
	for (int s = TTT_JSON_OK; s <= TTT_JSON_RANGE; s++)
		assert_non_null(ttt_json_strerror((enum ttt_json_status)s));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_back_what_status_writes),
		cmocka_unit_test(test_refuses_what_status_never_writes),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

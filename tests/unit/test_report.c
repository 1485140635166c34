/* The report tree rendered as JSON and as text, compared byte for byte. */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "core/report.h"

typedef void (*build_fn)(struct report *r);

/* Linked with -Wl,--wrap=realloc so the buffer's growth can be made to fail. */
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);
static bool fail_realloc;

void *__wrap_realloc(void *p, size_t n)
{
	if (fail_realloc)
		return NULL;
	return __real_realloc(p, n);
}

static void check(build_fn build, enum report_format fmt, const char *want)
{
	struct report *r = report_new(fmt);
	const char *got;
	size_t len = 0;

	assert_non_null(r);
	build(r);
	got = report_finish(r, &len);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	report_free(r);
}

/* Runs build in a child and tells whether it aborted (fatal()). */
static bool aborts(build_fn build)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct report *r = report_new(REPORT_JSON);

		freopen("/dev/null", "w", stderr);
		build(r);
		report_finish(r, NULL);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void build_status(struct report *r)
{
	report_str(r, "name", "gw1");
	report_int(r, "delta", -5);
	report_int(r, "min", INT64_MIN);
	report_uint(r, "rx", UINT64_MAX);
	report_bool(r, "up", true);
	report_str(r, "endpoint", NULL);
	report_obj_begin(r, "wg");
	report_uint(r, "port", 51820);
	report_obj_end(r);
	report_arr_begin(r, "addrs");
	report_str(r, NULL, "10.0.0.1");
	report_str(r, NULL, "fd00::1");
	report_arr_end(r);
	report_arr_begin(r, "peers");
	report_obj_begin(r, NULL);
	report_str(r, "name", "a");
	report_bool(r, "up", false);
	report_obj_end(r);
	report_obj_begin(r, NULL);
	report_str(r, "name", "b");
	report_obj_end(r);
	report_arr_end(r);
	report_arr_begin(r, "empty");
	report_arr_end(r);
	report_obj_begin(r, "eo");
	report_obj_end(r);
}

static void test_json_tree(void **state)
{
	check(build_status, REPORT_JSON,
	      "{\"name\":\"gw1\",\"delta\":-5,\"min\":-9223372036854775808,"
	      "\"rx\":18446744073709551615,\"up\":true,\"endpoint\":null,"
	      "\"wg\":{\"port\":51820},\"addrs\":[\"10.0.0.1\",\"fd00::1\"],"
	      "\"peers\":[{\"name\":\"a\",\"up\":false},{\"name\":\"b\"}],"
	      "\"empty\":[],\"eo\":{}}\n");
}

static void test_text_tree(void **state)
{
	check(build_status, REPORT_TEXT,
	      "name: gw1\n"
	      "delta: -5\n"
	      "min: -9223372036854775808\n"
	      "rx: 18446744073709551615\n"
	      "up: yes\n"
	      "endpoint: (none)\n"
	      "wg:\n"
	      "  port: 51820\n"
	      "addrs: 10.0.0.1, fd00::1\n"
	      "peers:\n"
	      "  name: a\n"
	      "  up: no\n"
	      "\n"
	      "  name: b\n"
	      "empty: (none)\n"
	      "eo:\n");
}

static void build_deep_blocks(struct report *r)
{
	report_arr_begin(r, "peers");
	report_obj_begin(r, NULL);
	report_str(r, "name", "a");
	report_arr_begin(r, "allowed");
	report_str(r, NULL, "10.0.0.0/24");
	report_str(r, NULL, "10.1.0.0/24");
	report_arr_end(r);
	report_obj_begin(r, "stats");
	report_uint(r, "rx", 1);
	report_obj_end(r);
	report_obj_end(r);
	report_obj_begin(r, NULL);
	report_str(r, "name", "b");
	report_arr_begin(r, "allowed");
	report_arr_end(r);
	report_obj_end(r);
	report_arr_end(r);
	report_str(r, "after", "x");
	report_arr_begin(r, "m");
	report_arr_begin(r, NULL);
	report_int(r, NULL, 1);
	report_int(r, NULL, 2);
	report_arr_end(r);
	report_arr_begin(r, NULL);
	report_int(r, NULL, 3);
	report_arr_end(r);
	report_arr_end(r);
}

static void test_nested_blocks(void **state)
{
	check(build_deep_blocks, REPORT_TEXT,
	      "peers:\n"
	      "  name: a\n"
	      "  allowed: 10.0.0.0/24, 10.1.0.0/24\n"
	      "  stats:\n"
	      "    rx: 1\n"
	      "\n"
	      "  name: b\n"
	      "  allowed: (none)\n"
	      "after: x\n"
	      "m:\n"
	      "  1, 2\n"
	      "\n"
	      "  3\n");
	check(build_deep_blocks, REPORT_JSON,
	      "{\"peers\":[{\"name\":\"a\",\"allowed\":[\"10.0.0.0/24\",\"10.1.0.0/24\"],"
	      "\"stats\":{\"rx\":1}},{\"name\":\"b\",\"allowed\":[]}],\"after\":\"x\","
	      "\"m\":[[1,2],[3]]}\n");
}

/* An array that starts inline and then meets an object switches to blocks. */
static void build_mixed(struct report *r)
{
	report_arr_begin(r, "x");
	report_str(r, NULL, "a");
	report_obj_begin(r, NULL);
	report_str(r, "k", "v");
	report_obj_end(r);
	report_str(r, NULL, "b");
	report_arr_end(r);
}

static void test_mixed_array(void **state)
{
	check(build_mixed, REPORT_TEXT, "x: a\n\n  k: v\n\n  b\n");
	check(build_mixed, REPORT_JSON, "{\"x\":[\"a\",{\"k\":\"v\"},\"b\"]}\n");
}

static void build_escapes(struct report *r)
{
	report_str(r, "ctl", "q\"b\\s/\n\t\x01\x1f\x7f.");
	report_str(r, "utf8", "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	report_str(r, "bad", "\xff|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82|\xc3");
	report_str(r, "k\"\n", "v");
}

static void test_json_escapes(void **state)
{
	check(build_escapes, REPORT_JSON,
	      "{\"ctl\":\"q\\\"b\\\\s/\\u000a\\u0009\\u0001\\u001f\x7f.\","
	      "\"utf8\":\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
	      "\"bad\":\"\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|"
	      "\\ufffd\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd|\\ufffd\","
	      "\"k\\\"\\u000a\":\"v\"}\n");
}

static void test_text_escapes(void **state)
{
	check(build_escapes, REPORT_TEXT,
	      "ctl: q\"b\\s/\\x0a\\x09\\x01\\x1f\\x7f.\n"
	      "utf8: \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n"
	      "bad: \xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|"
	      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
	      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
	      "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\n"
	      "k\"\\x0a: v\n");
}

static void build_formats(struct report *r)
{
	char want[600];

	report_strf(r, "endpoint", "%s:%u", "192.0.2.1", 51820u);
	/* Longer than the formatter's stack buffer. */
	memset(want, 'z', 500);
	want[500] = '\0';
	report_strf(r, "long", "<%s>", want);
	report_strf(r, "empty", "%s", "");
	report_arr_begin(r, "n");
	report_strf(r, NULL, "%d", 7);
	report_arr_end(r);
}

static void test_formats(void **state)
{
	char want[700];

	snprintf(want, sizeof(want), "{\"endpoint\":\"192.0.2.1:51820\",\"long\":\"<%0500d>\","
	         "\"empty\":\"\",\"n\":[\"7\"]}\n", 0);
	for (char *p = strchr(want, '<') + 1; *p == '0'; p++)
		*p = 'z';
	check(build_formats, REPORT_JSON, want);
}

static void build_nothing(struct report *r)
{
}

static void build_unclosed(struct report *r)
{
	report_obj_begin(r, "a");
	report_arr_begin(r, "b");
	report_int(r, NULL, 1);
}

static void test_empty_and_unclosed(void **state)
{
	check(build_nothing, REPORT_JSON, "{}\n");
	check(build_nothing, REPORT_TEXT, "");
	check(build_unclosed, REPORT_JSON, "{\"a\":{\"b\":[1]}}\n");
	check(build_unclosed, REPORT_TEXT, "a:\n  b: 1\n");
}

static void test_finish_twice_and_growth(void **state)
{
	struct report *r = report_new(REPORT_JSON);
	const char *a, *b;
	size_t la, lb;

	assert_non_null(r);
	report_arr_begin(r, "n");
	for (int i = 0; i < 100000; i++)
		report_int(r, NULL, i % 10);
	report_arr_end(r);
	a = report_finish(r, &la);
	b = report_finish(r, &lb);
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_int_equal(la, lb);
	/* {"n":[ + 100000 digits + 99999 commas + ]}\n */
	assert_int_equal(la, 6 + 100000 + 99999 + 3);
	assert_memory_equal(a, "{\"n\":[0,1,2", 11);
	assert_memory_equal(a + la - 6, "8,9]}\n", 6);
	report_free(r);
}

static void test_out_of_memory(void **state)
{
	struct report *r = report_new(REPORT_TEXT);
	char big[1000];

	assert_non_null(r);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	report_str(r, "small", "fits");
	fail_realloc = true;
	report_str(r, "big", big);
	fail_realloc = false;
	/* Later writes that would fit change nothing: the output stays lost. */
	report_str(r, "after", "x");
	report_obj_begin(r, "o");
	report_obj_end(r);
	assert_null(report_finish(r, NULL));
	report_free(r);
}

static void build_depth16(struct report *r)
{
	for (int i = 0; i < 16; i++)
		report_obj_begin(r, "o");
	for (int i = 0; i < 16; i++)
		report_obj_end(r);
}

static void build_depth17(struct report *r)
{
	for (int i = 0; i < 17; i++)
		report_arr_begin(r, i ? NULL : "a");
}

static void build_unbalanced(struct report *r)
{
	report_obj_begin(r, "o");
	report_arr_end(r);
}

static void build_top_end(struct report *r)
{
	report_obj_end(r);
}

static void build_keyless_member(struct report *r)
{
	report_str(r, NULL, "x");
}

static void build_keyed_element(struct report *r)
{
	report_arr_begin(r, "a");
	report_str(r, "k", "x");
}

static void build_after_finish(struct report *r)
{
	report_finish(r, NULL);
	report_int(r, "late", 1);
}

static void test_programming_errors(void **state)
{
	assert_false(aborts(build_depth16));
	assert_true(aborts(build_depth17));
	assert_true(aborts(build_unbalanced));
	assert_true(aborts(build_top_end));
	assert_true(aborts(build_keyless_member));
	assert_true(aborts(build_keyed_element));
	assert_true(aborts(build_after_finish));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_tree),
		cmocka_unit_test(test_text_tree),
		cmocka_unit_test(test_nested_blocks),
		cmocka_unit_test(test_mixed_array),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_text_escapes),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_empty_and_unclosed),
		cmocka_unit_test(test_finish_twice_and_growth),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_programming_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* lib/addr: parsing, formatting, masking and containment of prefixes. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "lib/addr.h"

static void parses_and_formats(void **state)
{
	static const char *const ok[] = {
		"10.77.0.1/16", "0.0.0.0/0", "255.255.255.255/32", "fd77::1/64", "::/0",
		"2001:db8::/32", "::ffff:10.0.0.1/128",
	};
	char buf[MG_PREFIX_STRLEN];
	struct mg_prefix p;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(mg_prefix_parse(ok[i], true, &p), 0);
		assert_string_equal(mg_prefix_fmt(&p, buf, sizeof(buf)), ok[i]);
	}
}

static void rejects_malformed(void **state)
{
	static const char *const bad[] = {
		"", "/", "10.0.0.1", "10.0.0.1/", "10.0.0.1/33", "fd77::1/129", "10.0.0/8",
		"10.0.0.1/ 8", "10.0.0.1/+8", "10.0.0.1/0x8", "10.0.0.1/8 ", " 10.0.0.1/8",
		"10.0.0.1/08a", "10.0.0.256/8", "fd77:::1/64", "hello/8", "10.0.0.1/1000",
		"10.0.0.1//8", "1.2.3.4.5/8",
	};
	struct mg_prefix p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mg_prefix_parse(bad[i], true, &p), -EINVAL);
	assert_int_equal(mg_prefix_parse(NULL, true, &p), -EINVAL);
}

static void host_bits(void **state)
{
	struct mg_prefix p;
	char buf[MG_PREFIX_STRLEN];

	assert_int_equal(mg_prefix_parse("10.77.0.1/16", false, &p), -EINVAL);
	assert_int_equal(mg_prefix_parse("10.77.0.0/16", false, &p), 0);
	assert_int_equal(mg_prefix_parse("fd77::1/64", false, &p), -EINVAL);
	assert_int_equal(mg_prefix_parse("10.77.1.129/25", true, &p), 0);
	mg_prefix_mask(&p);
	assert_string_equal(mg_prefix_fmt(&p, buf, sizeof(buf)), "10.77.1.128/25");
	assert_int_equal(mg_prefix_parse("fd77:ffff::1/17", true, &p), 0);
	mg_prefix_mask(&p);
	assert_string_equal(mg_prefix_fmt(&p, buf, sizeof(buf)), "fd77:8000::/17");
}

static void containment(void **state)
{
	struct mg_prefix p;
	struct mg_addr a;

	assert_int_equal(mg_prefix_parse("192.168.1.0/24", false, &p), 0);
	assert_int_equal(mg_addr_parse("192.168.1.77", &a), 0);
	assert_true(mg_prefix_contains(&p, &a));
	assert_int_equal(mg_addr_parse("192.168.2.1", &a), 0);
	assert_false(mg_prefix_contains(&p, &a));
	assert_int_equal(mg_addr_parse("::ffff:192.168.1.77", &a), 0);
	assert_false(mg_prefix_contains(&p, &a));   /* families never mix */
	assert_int_equal(mg_prefix_parse("0.0.0.0/0", false, &p), 0);
	assert_int_equal(mg_addr_parse("8.8.8.8", &a), 0);
	assert_true(mg_prefix_contains(&p, &a));
}

static void equality(void **state)
{
	struct mg_prefix a, b;

	assert_int_equal(mg_prefix_parse("fd77::1/64", true, &a), 0);
	assert_int_equal(mg_prefix_parse("fd77:0::1/64", true, &b), 0);
	assert_true(mg_prefix_eq(&a, &b));
	assert_int_equal(mg_prefix_parse("fd77::1/65", true, &b), 0);
	assert_false(mg_prefix_eq(&a, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_and_formats),
		cmocka_unit_test(rejects_malformed),
		cmocka_unit_test(host_bits),
		cmocka_unit_test(containment),
		cmocka_unit_test(equality),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

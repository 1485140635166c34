/* lib/cursor: bounds, byte order, and the sticky error. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/cursor.h"

static void reads_in_order_and_byte_order(void **state)
{
	static const uint8_t buf[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
	                               0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
	struct rcur c = rcur_init(buf, sizeof(buf));

	assert_int_equal(rcur_u8(&c), 0x01);
	assert_int_equal(rcur_be16(&c), 0x0203);
	assert_int_equal(rcur_be32(&c), 0x04050607);
	assert_int_equal(rcur_le32(&c), 0x0b0a0908);
	assert_int_equal(rcur_left(&c), 4);
	assert_false(c.err);
	c = rcur_init(buf, 8);
	assert_true(rcur_le64(&c) == 0x0807060504030201ULL);
	c = rcur_init(buf, 8);
	assert_true(rcur_be64(&c) == 0x0102030405060708ULL);
}

static void short_read_is_sticky_and_zero(void **state)
{
	static const uint8_t buf[] = { 0xff, 0xff, 0xff };
	uint8_t out[4] = { 1, 2, 3, 4 };
	struct rcur c = rcur_init(buf, sizeof(buf));

	assert_int_equal(rcur_be32(&c), 0);
	assert_true(c.err);
	assert_int_equal(rcur_u8(&c), 0);          /* nothing more after an error */
	assert_int_equal(rcur_left(&c), 0);
	rcur_bytes(&c, out, sizeof(out));
	assert_int_equal(out[0] | out[1] | out[2] | out[3], 0);
	c = rcur_init(buf, sizeof(buf));
	assert_null(rcur_take(&c, SIZE_MAX));       /* no overflow in the bound check */
	assert_true(c.err);
}

static void writes_and_refuses_overflow(void **state)
{
	uint8_t buf[16];
	struct wcur w = wcur_init(buf, sizeof(buf));
	struct rcur r;

	wcur_u8(&w, 0xaa);
	wcur_be16(&w, 0x1234);
	wcur_le32(&w, 0xdeadbeef);
	wcur_le64(&w, 0x0102030405060708ULL);
	assert_false(w.err);
	assert_int_equal(w.off, 15);
	r = rcur_init(buf, w.off);
	assert_int_equal(rcur_u8(&r), 0xaa);
	assert_int_equal(rcur_be16(&r), 0x1234);
	assert_int_equal(rcur_le32(&r), 0xdeadbeef);
	assert_true(rcur_le64(&r) == 0x0102030405060708ULL);
	wcur_be16(&w, 1);                           /* 1 byte left: refused whole */
	assert_true(w.err);
	assert_int_equal(w.off, 15);
	assert_null(wcur_reserve(&w, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_in_order_and_byte_order),
		cmocka_unit_test(short_read_is_sticky_and_zero),
		cmocka_unit_test(writes_and_refuses_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

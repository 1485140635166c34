/* lib/base64: RFC 4648 vectors, WireGuard keys, strictness. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/base64.h"

static void rfc4648_vectors(void **state)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char out[16];
	uint8_t back[8];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = strlen(v[i].in);

		base64_encode(out, (const uint8_t *)v[i].in, n);
		assert_string_equal(out, v[i].out);
		assert_int_equal(base64_decode_exact(back, n, out), 0);
		assert_memory_equal(back, v[i].in, n);
	}
}

static void key_round_trip(void **state)
{
	uint8_t key[32], back[32];
	char text[BASE64_LEN(32) + 1];

	srand(7);
	for (int r = 0; r < 1000; r++) {
		for (int i = 0; i < 32; i++)
			key[i] = (uint8_t)rand();
		base64_encode(text, key, 32);
		assert_int_equal(strlen(text), 44);
		assert_int_equal(text[43], '=');
		assert_int_equal(base64_decode_exact(back, 32, text), 0);
		assert_memory_equal(back, key, 32);
	}
}

static void strict(void **state)
{
	uint8_t out[32];

	/* a real wg key, then broken copies of it */
	assert_int_equal(base64_decode_exact(out, 32,
	                 "YNqHwpcAmVj0lVzPSt3oUnQvlBLaKBXx1JDRUb3gLEo="), 0);
	assert_int_equal(base64_decode_exact(out, 32,
	                 "YNqHwpcAmVj0lVzPSt3oUnQvlBLaKBXx1JDRUb3gLEo"), -EINVAL);
	assert_int_equal(base64_decode_exact(out, 32,
	                 "YNqHwpcAmVj0lVzPSt3oUnQvlBLaKBXx1JDRUb3gLEo=="), -EINVAL);
	assert_int_equal(base64_decode_exact(out, 32,
	                 "YNqHwpcAmVj0lVzPSt3oUnQvlBLaKBXx1JDRUb3gLEp="), -EINVAL);   /* stray bits */
	assert_int_equal(base64_decode_exact(out, 32,
	                 "YNqHwpcAmVj0lVzPSt3oUnQvlBLaKBXx1JDRUb3g Eo="), -EINVAL);
	assert_int_equal(base64_decode_exact(out, 32,
	                 "YNqHwpcAmVj0lVzPSt3oUnQvlBLaKBXx1JDRUb3gL=o="), -EINVAL);
	assert_int_equal(base64_decode_exact(out, 32,
	                 "YNqHwpcAmVj0lVzPSt3oUnQvlBLaKBXx1JDRUb3gLE-="), -EINVAL);
	assert_int_equal(base64_decode_exact(out, 2, "Zm9v"), -EINVAL);
	assert_int_equal(base64_decode_exact(out, 3, "Zm9="), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc4648_vectors),
		cmocka_unit_test(key_round_trip),
		cmocka_unit_test(strict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

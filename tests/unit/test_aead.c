/* vpn/aead (OpenSSL) against libsodium's ChaCha20-Poly1305 on random
 * packets: the same bytes both ways, forgeries refused. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sodium.h>
#include <cmocka.h>

#include "vpn/aead.h"

static void nonce_of(uint8_t n[12], uint64_t counter)
{
	memset(n, 0, 4);
	for (int i = 0; i < 8; i++)
		n[4 + i] = (uint8_t)(counter >> (8 * i));
}

static void agrees_with_libsodium(void **state)
{
	static uint8_t plain[2048], a[2048 + 16], b[2048 + 16], back[2048];
	uint8_t key[32], nonce[12];
	unsigned long long blen;

	for (int round = 0; round < 2000; round++) {
		size_t len = randombytes_uniform(round < 40 ? 40 : 2049);
		uint64_t counter = round % 3 ? randombytes_random() : UINT64_MAX - (uint64_t)round;

		randombytes_buf(key, sizeof(key));
		randombytes_buf(plain, len);
		nonce_of(nonce, counter);
		assert_int_equal(aead_seal(key, counter, a, plain, len), 0);
		crypto_aead_chacha20poly1305_ietf_encrypt(b, &blen, plain, len, NULL, 0, NULL, nonce,
		                                          key);
		assert_int_equal(blen, len + AEAD_TAG_LEN);
		assert_memory_equal(a, b, len + AEAD_TAG_LEN);
		assert_int_equal(aead_open(key, counter, back, a, len + AEAD_TAG_LEN), 0);
		if (len)
			assert_memory_equal(back, plain, len);
		/* in place, as the engine does it */
		memcpy(b, plain, len);
		assert_int_equal(aead_seal(key, counter, b, b, len), 0);
		assert_memory_equal(a, b, len + AEAD_TAG_LEN);
		assert_int_equal(aead_open(key, counter, b, b, len + AEAD_TAG_LEN), 0);
		if (len)
			assert_memory_equal(b, plain, len);
	}
}

static void refuses_forgeries(void **state)
{
	uint8_t key[32], buf[100 + 16], copy[100 + 16], out[100];

	randombytes_buf(key, sizeof(key));
	randombytes_buf(buf, 100);
	assert_int_equal(aead_seal(key, 42, buf, buf, 100), 0);
	for (size_t bit = 0; bit < sizeof(buf) * 8; bit += 7) {
		memcpy(copy, buf, sizeof(buf));
		copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(aead_open(key, 42, out, copy, sizeof(copy)), -EBADMSG);
	}
	assert_int_equal(aead_open(key, 43, out, buf, sizeof(buf)), -EBADMSG);   /* counter */
	key[0] ^= 1;
	assert_int_equal(aead_open(key, 42, out, buf, sizeof(buf)), -EBADMSG);   /* key */
	key[0] ^= 1;
	assert_int_equal(aead_open(key, 42, out, buf, 15), -EBADMSG);             /* short */
	assert_int_equal(aead_open(key, 42, out, buf, sizeof(buf)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(agrees_with_libsodium),
		cmocka_unit_test(refuses_forgeries),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

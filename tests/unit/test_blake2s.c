/* vpn/blake2s: RFC 7693's vectors, wireguard-go's KDF vectors, and random
 * differential runs against OpenSSL's BLAKE2s, BLAKE2SMAC and HMAC. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#define TU_RND_SEED 0x6d657368676174ULL
#include "tests/unit/testutil.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "vpn/blake2s.h"



static void rfc7693_abc(void **state)
{
	uint8_t out[32];

	(void)state;
	blake2s(out, 32, NULL, 0, "abc", 3);
	assert_hex(out, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982", 32);
	blake2s(out, 32, NULL, 0, "", 0);
	assert_hex(out, "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9", 32);
}

/* RFC 7693 Appendix E: the generator and the BLAKE2s grand hash. */
static void selftest_seq(uint8_t *out, size_t len, uint32_t seed)
{
	uint32_t a = 0xDEAD4BAD * seed, b = 1, t;
	size_t i;

	for (i = 0; i < len; i++) {
		t = a + b;
		a = b;
		b = t;
		out[i] = (uint8_t)(t >> 24);
	}
}

static void rfc7693_selftest(void **state)
{
	static const size_t md_len[] = { 16, 20, 28, 32 };
	static const size_t in_len[] = { 0, 3, 64, 65, 255, 1024 };
	uint8_t in[1024], md[32], key[32], grand[32];
	struct blake2s_state g;
	size_t i, j;

	(void)state;
	blake2s_init(&g, 32);
	for (i = 0; i < 4; i++) {
		for (j = 0; j < 6; j++) {
			selftest_seq(in, in_len[j], (uint32_t)in_len[j]);
			blake2s(md, md_len[i], NULL, 0, in, in_len[j]);
			blake2s_update(&g, md, md_len[i]);
			selftest_seq(key, md_len[i], (uint32_t)md_len[i]);
			blake2s(md, md_len[i], key, md_len[i], in, in_len[j]);
			blake2s_update(&g, md, md_len[i]);
		}
	}
	blake2s_final(&g, grand);
	assert_hex(grand, "6a411f08ce25adcdfb02aba641451cec53c598b24f4fc787fbdc88797f4c1dfe", 32);
}

/* Splitting the input anywhere gives the same digest. */
static void streaming_equals_one_shot(void **state)
{
	uint8_t in[300], a[32], b[32], key[32];
	struct blake2s_state s;
	size_t i, cut1, cut2;

	(void)state;
	rnd_fill(in, sizeof(in));
	rnd_fill(key, sizeof(key));
	for (i = 0; i < 200; i++) {
		cut1 = rnd() % (sizeof(in) + 1);
		cut2 = cut1 + rnd() % (sizeof(in) - cut1 + 1);
		blake2s(a, 32, key, i % 33, in, sizeof(in));
		blake2s_init_key(&s, 32, key, i % 33);
		blake2s_update(&s, in, cut1);
		blake2s_update(&s, in + cut1, cut2 - cut1);
		blake2s_update(&s, in + cut2, sizeof(in) - cut2);
		blake2s_final(&s, b);
		assert_memory_equal(a, b, 32);
	}
}

static void differential_hash_vs_openssl(void **state)
{
	uint8_t in[2048], ours[32], theirs[32];
	unsigned int theirs_len;
	EVP_MD *md = EVP_MD_fetch(NULL, "BLAKE2S-256", NULL);
	int i;
	size_t len;

	(void)state;
	assert_non_null(md);
	for (i = 0; i < 500; i++) {
		len = i < 130 ? (size_t)i : rnd() % sizeof(in);
		rnd_fill(in, len);
		blake2s(ours, 32, NULL, 0, in, len);
		assert_int_equal(EVP_Digest(in, len, theirs, &theirs_len, md, NULL), 1);
		assert_int_equal(theirs_len, 32);
		assert_memory_equal(ours, theirs, 32);
	}
	EVP_MD_free(md);
}

static void differential_keyed_vs_openssl(void **state)
{
	uint8_t in[1024], key[32], ours[32], theirs[32];
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "BLAKE2SMAC", NULL);
	size_t len, keylen, outlen, got;
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;
	int i;

	(void)state;
	assert_non_null(mac);
	for (i = 0; i < 500; i++) {
		len = rnd() % sizeof(in);
		keylen = 1 + rnd() % 32;
		outlen = i % 2 ? 16 : 1 + rnd() % 32;	/* WireGuard's MAC is 16 */
		rnd_fill(in, len);
		rnd_fill(key, keylen);
		blake2s(ours, outlen, key, keylen, in, len);

		ctx = EVP_MAC_CTX_new(mac);
		assert_non_null(ctx);
		params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &outlen);
		params[1] = OSSL_PARAM_construct_end();
		assert_int_equal(EVP_MAC_init(ctx, key, keylen, params), 1);
		assert_int_equal(EVP_MAC_update(ctx, in, len), 1);
		assert_int_equal(EVP_MAC_final(ctx, theirs, &got, sizeof(theirs)), 1);
		assert_int_equal(got, outlen);
		assert_memory_equal(ours, theirs, outlen);
		EVP_MAC_CTX_free(ctx);
	}
	EVP_MAC_free(mac);
}

static void differential_hmac_vs_openssl(void **state)
{
	uint8_t in[512], key[100], ours[32], theirs[32];
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	char digest[] = "BLAKE2S-256";
	size_t len, keylen, got;
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;
	int i;

	(void)state;
	assert_non_null(mac);
	for (i = 0; i < 300; i++) {
		len = rnd() % sizeof(in);
		keylen = i % 3 == 0 ? 32 : 1 + rnd() % sizeof(key);	/* > 64 is hashed */
		rnd_fill(in, len);
		rnd_fill(key, keylen);
		blake2s_hmac(ours, key, keylen, in, len);

		ctx = EVP_MAC_CTX_new(mac);
		assert_non_null(ctx);
		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
		params[1] = OSSL_PARAM_construct_end();
		assert_int_equal(EVP_MAC_init(ctx, key, keylen, params), 1);
		assert_int_equal(EVP_MAC_update(ctx, in, len), 1);
		assert_int_equal(EVP_MAC_final(ctx, theirs, &got, sizeof(theirs)), 1);
		assert_int_equal(got, 32);
		assert_memory_equal(ours, theirs, 32);
		EVP_MAC_CTX_free(ctx);
	}
	EVP_MAC_free(mac);
}

/* The KDF vectors wireguard-go tests its KDF1/2/3 with. */
static void kdf_wireguard_go_vectors(void **state)
{
	static const struct {
		const char *key, *input, *t0, *t1, *t2;
	} v[] = {
		{ "746573742d6b6579", "746573742d696e707574",
		  "6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633",
		  "df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a",
		  "fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24" },
		{ "776972656775617264", "776972656775617264",
		  "491d43bbfdaa8750aaf535e334ecbfe5129967cd64635101c566d4caefda96e8",
		  "1e71a379baefd8a79aa4662212fcafe19a23e2b609a3db7d6bcba8f560e3d25f",
		  "31e1ae48bddfbe5de38f295e5452b1909a1b4e38e183926af3780b0c1e1f0160" },
		{ "", "",
		  "8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0",
		  "58a0e5f6faefccf4807bff1f05fa8a9217945762040bcec2f4b4a62bdfe0e86e",
		  "0ce6ea98ec548f8e281e93e32db65621c45eb18dc6f0a7ad94178610a2f7338e" },
	};
	uint8_t key[16], in[16], t0[32], t1[32], t2[32];
	size_t i, klen, ilen;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		klen = strlen(v[i].key) / 2;
		ilen = strlen(v[i].input) / 2;
		unhex(key, v[i].key, klen);
		unhex(in, v[i].input, ilen);

		wg_kdf(t0, t1, t2, key, klen, in, ilen);
		assert_hex(t0, v[i].t0, 32);
		assert_hex(t1, v[i].t1, 32);
		assert_hex(t2, v[i].t2, 32);
		memset(t1, 0, 32);
		wg_kdf(t0, t1, NULL, key, klen, in, ilen);
		assert_hex(t0, v[i].t0, 32);
		assert_hex(t1, v[i].t1, 32);
		wg_kdf(t0, NULL, NULL, key, klen, in, ilen);
		assert_hex(t0, v[i].t0, 32);
	}
}

/* The noise code chains the KDF in place: output over its own key. */
static void kdf_in_place(void **state)
{
	uint8_t ck[32], copy[32], a[32], b[32], k1[32], k2[32];

	(void)state;
	rnd_fill(ck, sizeof(ck));
	rnd_fill(b, sizeof(b));
	memcpy(copy, ck, sizeof(ck));
	wg_kdf(a, k1, NULL, copy, 32, b, 32);
	wg_kdf(ck, k2, NULL, ck, 32, b, 32);
	assert_memory_equal(ck, a, 32);
	assert_memory_equal(k1, k2, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc7693_abc),
		cmocka_unit_test(rfc7693_selftest),
		cmocka_unit_test(streaming_equals_one_shot),
		cmocka_unit_test(differential_hash_vs_openssl),
		cmocka_unit_test(differential_keyed_vs_openssl),
		cmocka_unit_test(differential_hmac_vs_openssl),
		cmocka_unit_test(kdf_wireguard_go_vectors),
		cmocka_unit_test(kdf_in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* ChaCha20-Poly1305 for the data path: libsodium against OpenSSL 3, sealing
 * and opening WireGuard-sized packets in place, as the engine does. Prints
 * MB/s for each and the ratio. usage: aead_bench [SECONDS_PER_CASE] */
#include "config.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TAG 16

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nonce_of(uint8_t n[12], uint64_t counter)
{
	memset(n, 0, 4);
	for (int i = 0; i < 8; i++)
		n[4 + i] = (uint8_t)(counter >> (8 * i));
}

static int sodium_seal(const uint8_t *key, uint64_t ctr, uint8_t *buf, size_t len)
{
	uint8_t n[12];

	nonce_of(n, ctr);
	return crypto_aead_chacha20poly1305_ietf_encrypt(buf, NULL, buf, len, NULL, 0, NULL, n, key);
}

static int sodium_open(const uint8_t *key, uint64_t ctr, uint8_t *buf, size_t len)
{
	uint8_t n[12];

	nonce_of(n, ctr);
	return crypto_aead_chacha20poly1305_ietf_decrypt(buf, NULL, NULL, buf, len, NULL, 0, n, key);
}

static EVP_CIPHER_CTX *ossl_ctx;
static EVP_CIPHER *ossl_cipher;

static int ossl_seal(const uint8_t *key, uint64_t ctr, uint8_t *buf, size_t len)
{
	uint8_t n[12];
	int out;

	nonce_of(n, ctr);
	if (!EVP_EncryptInit_ex2(ossl_ctx, ossl_cipher, key, n, NULL) ||
	    !EVP_EncryptUpdate(ossl_ctx, buf, &out, buf, (int)len) ||
	    !EVP_EncryptFinal_ex(ossl_ctx, buf + out, &out) ||
	    !EVP_CIPHER_CTX_ctrl(ossl_ctx, EVP_CTRL_AEAD_GET_TAG, TAG, buf + len))
		return -1;
	return 0;
}

static int ossl_open(const uint8_t *key, uint64_t ctr, uint8_t *buf, size_t len)
{
	uint8_t n[12];
	int out;

	nonce_of(n, ctr);
	if (!EVP_DecryptInit_ex2(ossl_ctx, ossl_cipher, key, n, NULL) ||
	    !EVP_CIPHER_CTX_ctrl(ossl_ctx, EVP_CTRL_AEAD_SET_TAG, TAG, buf + len - TAG) ||
	    !EVP_DecryptUpdate(ossl_ctx, buf, &out, buf, (int)(len - TAG)) ||
	    EVP_DecryptFinal_ex(ossl_ctx, buf + out, &out) <= 0)
		return -1;
	return 0;
}

typedef int (*aead_fn)(const uint8_t *key, uint64_t ctr, uint8_t *buf, size_t len);

/* Seals then opens packets of `len` bytes for `secs`; returns MB/s of
 * plaintext through both (one seal + one open per packet). */
static double run(aead_fn seal, aead_fn open, size_t len, double secs)
{
	static uint8_t buf[65536 + TAG];
	uint8_t key[32];
	uint64_t ctr = 0, bytes = 0;
	double t0 = now_s(), t;

	randombytes_buf(key, sizeof(key));
	randombytes_buf(buf, len);
	do {
		for (int i = 0; i < 256; i++, ctr++) {
			if (seal(key, ctr, buf, len) || open(key, ctr, buf, len + TAG)) {
				fprintf(stderr, "aead_bench: round trip failed\n");
				exit(1);
			}
			bytes += len;
		}
		t = now_s() - t0;
	} while (t < secs);
	return (double)bytes / t / 1e6;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 64, 1420, 8192 };
	double secs = argc > 1 ? atof(argv[1]) : 1.0;

	if (sodium_init() < 0)
		return 1;
	ossl_ctx = EVP_CIPHER_CTX_new();
	ossl_cipher = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	if (!ossl_ctx || !ossl_cipher) {
		fprintf(stderr, "aead_bench: OpenSSL has no ChaCha20-Poly1305\n");
		return 1;
	}
	/* Both must agree on the bytes before their speed means anything. */
	{
		uint8_t a[1420 + TAG], b[1420 + TAG], key[32];

		randombytes_buf(key, sizeof(key));
		randombytes_buf(a, 1420);
		memcpy(b, a, 1420);
		if (sodium_seal(key, 7, a, 1420) || ossl_seal(key, 7, b, 1420) || memcmp(a, b, sizeof(a))) {
			fprintf(stderr, "aead_bench: libsodium and OpenSSL disagree\n");
			return 1;
		}
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double s = run(sodium_seal, sodium_open, sizes[i], secs);
		double o = run(ossl_seal, ossl_open, sizes[i], secs);

		printf("aead %5zu-byte packets: libsodium %7.0f MB/s, OpenSSL %7.0f MB/s, "
		       "OpenSSL/libsodium %.2f\n", sizes[i], s, o, o / s);
	}
	EVP_CIPHER_free(ossl_cipher);
	EVP_CIPHER_CTX_free(ossl_ctx);
	return 0;
}

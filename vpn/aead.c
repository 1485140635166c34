#include "config.h"

#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <string.h>

#include "vpn/aead.h"

static _Thread_local EVP_CIPHER_CTX *ctx;
static _Thread_local EVP_CIPHER *cipher;

static int setup(void)
{
	if (ctx)
		return 0;
	cipher = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	ctx = EVP_CIPHER_CTX_new();
	if (!cipher || !ctx) {
		EVP_CIPHER_free(cipher);
		EVP_CIPHER_CTX_free(ctx);
		cipher = NULL;
		ctx = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void nonce_of(uint8_t n[12], uint64_t counter)
{
	memset(n, 0, 4);
	for (int i = 0; i < 8; i++)
		n[4 + i] = (uint8_t)(counter >> (8 * i));
}

int aead_seal(const uint8_t key[AEAD_KEY_LEN], uint64_t counter, uint8_t *dst,
              const uint8_t *src, size_t len)
{
	uint8_t nonce[12];
	int out = 0, fin = 0;

	if (setup() < 0 || len > INT_MAX)
		return -ENOMEM;
	nonce_of(nonce, counter);
	if (!EVP_EncryptInit_ex2(ctx, cipher, key, nonce, NULL) ||
	    !EVP_EncryptUpdate(ctx, dst, &out, src, (int)len) ||
	    !EVP_EncryptFinal_ex(ctx, dst + out, &fin) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, AEAD_TAG_LEN, dst + len))
		return -ENOMEM;
	return 0;
}

int aead_open(const uint8_t key[AEAD_KEY_LEN], uint64_t counter, uint8_t *dst,
              const uint8_t *src, size_t len)
{
	uint8_t nonce[12], tag[AEAD_TAG_LEN];
	int out = 0, fin = 0;

	if (len < AEAD_TAG_LEN)
		return -EBADMSG;
	if (setup() < 0 || len > INT_MAX)
		return -ENOMEM;
	/* In place, the tag would be overwritten by nothing, but copy it first
	 * anyway: OpenSSL reads it only at Final. */
	memcpy(tag, src + len - AEAD_TAG_LEN, AEAD_TAG_LEN);
	nonce_of(nonce, counter);
	if (!EVP_DecryptInit_ex2(ctx, cipher, key, nonce, NULL) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, AEAD_TAG_LEN, tag) ||
	    !EVP_DecryptUpdate(ctx, dst, &out, src, (int)(len - AEAD_TAG_LEN)))
		return -ENOMEM;
	if (EVP_DecryptFinal_ex(ctx, dst + out, &fin) <= 0)
		return -EBADMSG;
	return 0;
}

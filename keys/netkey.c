#include "config.h"

#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "keys/netkey.h"

_Static_assert(NETKEY_PUB_LEN == crypto_sign_ed25519_PUBLICKEYBYTES, "public key size");
_Static_assert(NETKEY_SECRET_LEN == crypto_sign_ed25519_SECRETKEYBYTES, "secret key size");
_Static_assert(NETKEY_SEED_LEN == crypto_sign_ed25519_SEEDBYTES, "seed size");
_Static_assert(NETKEY_SIG_LEN == crypto_sign_ed25519_BYTES, "signature size");

#define CTX_MAX 32

void netkey_generate(uint8_t pub[NETKEY_PUB_LEN], uint8_t secret[NETKEY_SECRET_LEN])
{
	crypto_sign_ed25519_keypair(pub, secret);
}

void netkey_from_seed(uint8_t pub[NETKEY_PUB_LEN], uint8_t secret[NETKEY_SECRET_LEN],
                      const uint8_t seed[NETKEY_SEED_LEN])
{
	crypto_sign_ed25519_seed_keypair(pub, secret, seed);
}

void netkey_public(uint8_t pub[NETKEY_PUB_LEN], const uint8_t secret[NETKEY_SECRET_LEN])
{
	crypto_sign_ed25519_sk_to_pk(pub, secret);
}

void netkey_fingerprint(uint8_t fp[NETKEY_FP_LEN], const uint8_t pub[NETKEY_PUB_LEN])
{
	static const uint8_t personal[crypto_generichash_blake2b_PERSONALBYTES] = "meshgate-net-fp1";

	crypto_generichash_blake2b_salt_personal(fp, NETKEY_FP_LEN, pub, NETKEY_PUB_LEN,
	                                         NULL, 0, NULL, personal);
}

/* ctx, its NUL, msg into buf (the NUL keeps one context from being a
 * prefix of another); the total length, or 0 if it does not fit. */
static size_t frame(uint8_t *buf, const char *ctx, const uint8_t *msg, size_t len)
{
	size_t c = strlen(ctx) + 1;

	if (c > CTX_MAX || len > NETKEY_MSG_MAX)
		return 0;
	memcpy(buf, ctx, c);
	if (len)
		memcpy(buf + c, msg, len);
	return c + len;
}

int netkey_sign(uint8_t sig[NETKEY_SIG_LEN], const char *ctx, const uint8_t *msg,
                size_t len, const uint8_t secret[NETKEY_SECRET_LEN])
{
	uint8_t buf[CTX_MAX + NETKEY_MSG_MAX];
	size_t n = frame(buf, ctx, msg, len);

	if (!n)
		return -EINVAL;
	crypto_sign_ed25519_detached(sig, NULL, buf, n, secret);
	return 0;
}

int netkey_verify(const uint8_t sig[NETKEY_SIG_LEN], const char *ctx, const uint8_t *msg,
                  size_t len, const uint8_t pub[NETKEY_PUB_LEN])
{
	uint8_t buf[CTX_MAX + NETKEY_MSG_MAX];
	size_t n = frame(buf, ctx, msg, len);

	if (!n)
		return -EINVAL;
	return crypto_sign_ed25519_verify_detached(sig, buf, n, pub) == 0 ? 0 : -EBADMSG;
}

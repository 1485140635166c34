/* BLAKE2s (RFC 7693) and the constructions WireGuard builds on it:
 * HASH (32-byte digest), MAC (keyed, 16-byte digest), HMAC-BLAKE2s and the
 * HKDF-style KDF1/KDF2/KDF3 of the whitepaper. libsodium has no BLAKE2s,
 * hence this small in-tree one; the tests check it against OpenSSL. */
#ifndef MG_VPN_BLAKE2S_H
#define MG_VPN_BLAKE2S_H

#include <stddef.h>
#include <stdint.h>

#define BLAKE2S_BLOCK_LEN 64
#define BLAKE2S_HASH_LEN 32		/* also the largest digest and key */
#define BLAKE2S_KEY_LEN 32

struct blake2s_state {
	uint32_t h[8];
	uint32_t t[2];			/* bytes compressed so far */
	uint8_t buf[BLAKE2S_BLOCK_LEN];
	size_t buflen;
	size_t outlen;
};

/* outlen 1..32, keylen 0..32 (0: unkeyed). Out-of-range lengths are a
 * programming error and abort(). */
void blake2s_init(struct blake2s_state *s, size_t outlen);
void blake2s_init_key(struct blake2s_state *s, size_t outlen, const void *key, size_t keylen);
void blake2s_update(struct blake2s_state *s, const void *in, size_t inlen);
/* Writes outlen bytes and wipes the state. */
void blake2s_final(struct blake2s_state *s, uint8_t *out);

/* One shot; key may be NULL when keylen is 0. */
void blake2s(uint8_t *out, size_t outlen, const void *key, size_t keylen,
	     const void *in, size_t inlen);

/* HMAC (RFC 2104) over BLAKE2s-256; any key length. */
void blake2s_hmac(uint8_t out[BLAKE2S_HASH_LEN], const void *key, size_t keylen,
		  const void *in, size_t inlen);

/* WireGuard's KDF_n(key, input): t0 = HMAC(key, input), t1 = HMAC(t0, 0x1),
 * t_i = HMAC(t0, t_{i-1} || i). Writes t1 to out1 and, when non-NULL, t2
 * and t3 to out2 and out3 (out3 only with out2). Outputs may alias key or
 * input. */
void wg_kdf(uint8_t out1[BLAKE2S_HASH_LEN], uint8_t out2[BLAKE2S_HASH_LEN],
	    uint8_t out3[BLAKE2S_HASH_LEN], const void *key, size_t keylen,
	    const void *in, size_t inlen);

#endif

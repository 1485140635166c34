/* BLAKE2s per RFC 7693, written for clarity over speed: it runs a few
 * dozen times per handshake and for cookies, never per data packet. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vpn/blake2s.h"

static const uint32_t blake2s_iv[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static const uint8_t blake2s_sigma[10][16] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	{ 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3 },
	{ 11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4 },
	{ 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8 },
	{ 9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13 },
	{ 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9 },
	{ 12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11 },
	{ 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10 },
	{ 6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5 },
	{ 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0 },
};

static inline uint32_t ror32(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

static inline uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The mixing function G of RFC 7693 section 3.1. */
static inline void g(uint32_t v[16], int a, int b, int c, int d, uint32_t x, uint32_t y)
{
	v[a] = v[a] + v[b] + x;
	v[d] = ror32(v[d] ^ v[a], 16);
	v[c] = v[c] + v[d];
	v[b] = ror32(v[b] ^ v[c], 12);
	v[a] = v[a] + v[b] + y;
	v[d] = ror32(v[d] ^ v[a], 8);
	v[c] = v[c] + v[d];
	v[b] = ror32(v[b] ^ v[c], 7);
}

static void compress(struct blake2s_state *s, const uint8_t block[BLAKE2S_BLOCK_LEN], int last)
{
	uint32_t m[16], v[16];
	int i, r;

	for (i = 0; i < 16; i++)
		m[i] = load_le32(block + 4 * i);
	for (i = 0; i < 8; i++) {
		v[i] = s->h[i];
		v[i + 8] = blake2s_iv[i];
	}
	v[12] ^= s->t[0];
	v[13] ^= s->t[1];
	if (last)
		v[14] = ~v[14];
	for (r = 0; r < 10; r++) {
		const uint8_t *z = blake2s_sigma[r];

		g(v, 0, 4, 8, 12, m[z[0]], m[z[1]]);
		g(v, 1, 5, 9, 13, m[z[2]], m[z[3]]);
		g(v, 2, 6, 10, 14, m[z[4]], m[z[5]]);
		g(v, 3, 7, 11, 15, m[z[6]], m[z[7]]);
		g(v, 0, 5, 10, 15, m[z[8]], m[z[9]]);
		g(v, 1, 6, 11, 12, m[z[10]], m[z[11]]);
		g(v, 2, 7, 8, 13, m[z[12]], m[z[13]]);
		g(v, 3, 4, 9, 14, m[z[14]], m[z[15]]);
	}
	for (i = 0; i < 8; i++)
		s->h[i] ^= v[i] ^ v[i + 8];
	sodium_memzero(m, sizeof(m));
	sodium_memzero(v, sizeof(v));
}

static void add_counter(struct blake2s_state *s, uint32_t n)
{
	s->t[0] += n;
	if (s->t[0] < n)
		s->t[1]++;
}

void blake2s_init_key(struct blake2s_state *s, size_t outlen, const void *key, size_t keylen)
{
	int i;

	if (outlen == 0 || outlen > BLAKE2S_HASH_LEN || keylen > BLAKE2S_KEY_LEN ||
	    (keylen && !key))
		abort();
	memset(s, 0, sizeof(*s));
	for (i = 0; i < 8; i++)
		s->h[i] = blake2s_iv[i];
	/* Parameter block word 0: digest length, key length, fanout 1, depth 1. */
	s->h[0] ^= 0x01010000 ^ (uint32_t)keylen << 8 ^ (uint32_t)outlen;
	s->outlen = outlen;
	if (keylen) {
		/* The key is the first block, zero padded. */
		memcpy(s->buf, key, keylen);
		s->buflen = BLAKE2S_BLOCK_LEN;
	}
}

void blake2s_init(struct blake2s_state *s, size_t outlen)
{
	blake2s_init_key(s, outlen, NULL, 0);
}

void blake2s_update(struct blake2s_state *s, const void *in, size_t inlen)
{
	const uint8_t *p = in;
	size_t fill;

	while (inlen > 0) {
		/* A full buffer is compressed only once more input arrives,
		 * because the last block needs the final flag. */
		if (s->buflen == BLAKE2S_BLOCK_LEN) {
			add_counter(s, BLAKE2S_BLOCK_LEN);
			compress(s, s->buf, 0);
			s->buflen = 0;
		}
		fill = BLAKE2S_BLOCK_LEN - s->buflen;
		if (fill > inlen)
			fill = inlen;
		memcpy(s->buf + s->buflen, p, fill);
		s->buflen += fill;
		p += fill;
		inlen -= fill;
	}
}

void blake2s_final(struct blake2s_state *s, uint8_t *out)
{
	uint8_t full[BLAKE2S_HASH_LEN];
	int i;

	add_counter(s, (uint32_t)s->buflen);
	memset(s->buf + s->buflen, 0, BLAKE2S_BLOCK_LEN - s->buflen);
	compress(s, s->buf, 1);
	for (i = 0; i < 8; i++) {
		full[4 * i] = (uint8_t)s->h[i];
		full[4 * i + 1] = (uint8_t)(s->h[i] >> 8);
		full[4 * i + 2] = (uint8_t)(s->h[i] >> 16);
		full[4 * i + 3] = (uint8_t)(s->h[i] >> 24);
	}
	memcpy(out, full, s->outlen);
	sodium_memzero(full, sizeof(full));
	sodium_memzero(s, sizeof(*s));
}

void blake2s(uint8_t *out, size_t outlen, const void *key, size_t keylen,
	     const void *in, size_t inlen)
{
	struct blake2s_state s;

	blake2s_init_key(&s, outlen, key, keylen);
	blake2s_update(&s, in, inlen);
	blake2s_final(&s, out);
}

void blake2s_hmac(uint8_t out[BLAKE2S_HASH_LEN], const void *key, size_t keylen,
		  const void *in, size_t inlen)
{
	uint8_t pad[BLAKE2S_BLOCK_LEN], inner[BLAKE2S_HASH_LEN];
	struct blake2s_state s;
	int i;

	memset(pad, 0, sizeof(pad));
	if (keylen > BLAKE2S_BLOCK_LEN)
		blake2s(pad, BLAKE2S_HASH_LEN, NULL, 0, key, keylen);
	else if (keylen)
		memcpy(pad, key, keylen);

	for (i = 0; i < BLAKE2S_BLOCK_LEN; i++)
		pad[i] ^= 0x36;
	blake2s_init(&s, BLAKE2S_HASH_LEN);
	blake2s_update(&s, pad, sizeof(pad));
	blake2s_update(&s, in, inlen);
	blake2s_final(&s, inner);

	for (i = 0; i < BLAKE2S_BLOCK_LEN; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	blake2s_init(&s, BLAKE2S_HASH_LEN);
	blake2s_update(&s, pad, sizeof(pad));
	blake2s_update(&s, inner, sizeof(inner));
	blake2s_final(&s, out);

	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
}

void wg_kdf(uint8_t out1[BLAKE2S_HASH_LEN], uint8_t out2[BLAKE2S_HASH_LEN],
	    uint8_t out3[BLAKE2S_HASH_LEN], const void *key, size_t keylen,
	    const void *in, size_t inlen)
{
	uint8_t prk[BLAKE2S_HASH_LEN], t[BLAKE2S_HASH_LEN + 1];

	blake2s_hmac(prk, key, keylen, in, inlen);

	t[0] = 1;
	blake2s_hmac(t, prk, sizeof(prk), t, 1);
	memcpy(out1, t, BLAKE2S_HASH_LEN);
	if (!out2)
		goto out;

	t[BLAKE2S_HASH_LEN] = 2;
	blake2s_hmac(t, prk, sizeof(prk), t, sizeof(t));
	memcpy(out2, t, BLAKE2S_HASH_LEN);
	if (!out3)
		goto out;

	t[BLAKE2S_HASH_LEN] = 3;
	blake2s_hmac(t, prk, sizeof(prk), t, sizeof(t));
	memcpy(out3, t, BLAKE2S_HASH_LEN);
out:
	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(t, sizeof(t));
}

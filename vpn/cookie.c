#include "config.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "vpn/blake2s.h"
#include "vpn/cookie.h"

_Static_assert(WG_COOKIE_NONCE_LEN == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES &&
	       WG_AUTHTAG_LEN == crypto_aead_xchacha20poly1305_ietf_ABYTES,
	       "XChaCha20-Poly1305 sizes");

#define COOKIE_SECRET_MAX_AGE_NS WG_SEC_TO_NS(WG_COOKIE_SECRET_MAX_AGE)
#define COOKIE_USABLE_NS WG_SEC_TO_NS(WG_COOKIE_SECRET_MAX_AGE - WG_COOKIE_SECRET_LATENCY)

/* key = HASH(label || public) */
static void label_key(uint8_t key[WG_KEY_LEN], const char *label, const uint8_t pub[WG_KEY_LEN])
{
	struct blake2s_state s;

	blake2s_init(&s, WG_KEY_LEN);
	blake2s_update(&s, label, 8);
	blake2s_update(&s, pub, WG_KEY_LEN);
	blake2s_final(&s, key);
}

/* mac1 covers the message up to mac1, mac2 up to mac2. */
static void compute_mac1(uint8_t mac[WG_MAC_LEN], const uint8_t *msg, size_t len,
			 const uint8_t key[WG_KEY_LEN])
{
	blake2s(mac, WG_MAC_LEN, key, WG_KEY_LEN, msg, len - WG_MACS_LEN);
}

static void compute_mac2(uint8_t mac[WG_MAC_LEN], const uint8_t *msg, size_t len,
			 const uint8_t cookie[WG_COOKIE_LEN])
{
	blake2s(mac, WG_MAC_LEN, cookie, WG_COOKIE_LEN, msg, len - WG_MAC_LEN);
}

void cookie_checker_init(struct cookie_checker *c, const uint8_t local_public[WG_KEY_LEN],
			 void (*rng)(void *arg, void *buf, size_t len), void *rng_arg)
{
	memset(c, 0, sizeof(*c));
	c->rng = rng;
	c->rng_arg = rng_arg;
	cookie_checker_set_key(c, local_public);
}

void cookie_checker_set_key(struct cookie_checker *c, const uint8_t local_public[WG_KEY_LEN])
{
	c->has_key = local_public != NULL;
	if (c->has_key) {
		label_key(c->mac1_key, WG_LABEL_MAC1, local_public);
		label_key(c->cookie_key, WG_LABEL_COOKIE, local_public);
	} else {
		sodium_memzero(c->mac1_key, sizeof(c->mac1_key));
		sodium_memzero(c->cookie_key, sizeof(c->cookie_key));
	}
}

void cookie_checker_fini(struct cookie_checker *c)
{
	sodium_memzero(c, sizeof(*c));
}

/* cookie = MAC(secret, address bytes || port big endian); the secret is
 * replaced once it is two minutes old. */
static void make_cookie(struct cookie_checker *c, uint8_t cookie[WG_COOKIE_LEN],
			const struct mg_addr *src, uint16_t port, uint64_t now)
{
	struct blake2s_state s;
	uint8_t be_port[2] = { (uint8_t)(port >> 8), (uint8_t)port };

	if (!c->has_secret || now - c->secret_birth >= COOKIE_SECRET_MAX_AGE_NS ||
	    now < c->secret_birth) {
		if (c->rng)
			c->rng(c->rng_arg, c->secret, sizeof(c->secret));
		else
			randombytes_buf(c->secret, sizeof(c->secret));
		c->secret_birth = now;
		c->has_secret = true;
	}
	blake2s_init_key(&s, WG_COOKIE_LEN, c->secret, sizeof(c->secret));
	blake2s_update(&s, src->u.bytes, mg_addr_len(src));
	blake2s_update(&s, be_port, sizeof(be_port));
	blake2s_final(&s, cookie);
}

enum cookie_verdict cookie_check(struct cookie_checker *c, const uint8_t *msg, size_t len,
				 const struct mg_addr *src, uint16_t port, bool under_load,
				 uint64_t now)
{
	uint8_t mac[WG_MAC_LEN], cookie[WG_COOKIE_LEN];
	enum cookie_verdict v = COOKIE_DROP;

	if (!c->has_key || len < WG_HEADER_LEN + WG_MACS_LEN)
		return COOKIE_DROP;
	compute_mac1(mac, msg, len, c->mac1_key);
	if (sodium_memcmp(mac, msg + len - WG_MACS_LEN, WG_MAC_LEN) != 0)
		goto out;
	v = COOKIE_ACCEPT;
	if (!under_load)
		goto out;
	make_cookie(c, cookie, src, port, now);
	compute_mac2(mac, msg, len, cookie);
	v = sodium_memcmp(mac, msg + len - WG_MAC_LEN, WG_MAC_LEN) == 0 ? COOKIE_ACCEPT_COOKIE
									 : COOKIE_SEND_REPLY;
out:
	sodium_memzero(cookie, sizeof(cookie));
	return v;
}

int cookie_reply_create(struct cookie_checker *c, struct wg_cookie_reply *out,
			const uint8_t *msg, size_t len, uint32_t sender_index,
			const struct mg_addr *src, uint16_t port, uint64_t now)
{
	uint8_t cookie[WG_COOKIE_LEN];

	memset(out, 0, sizeof(*out));
	if (!c->has_key || len < WG_HEADER_LEN + WG_MACS_LEN)
		return -EINVAL;
	out->receiver_index = sender_index;
	if (c->rng)
		c->rng(c->rng_arg, out->nonce, sizeof(out->nonce));
	else
		randombytes_buf(out->nonce, sizeof(out->nonce));
	make_cookie(c, cookie, src, port, now);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out->encrypted_cookie, NULL, cookie,
						   sizeof(cookie), msg + len - WG_MACS_LEN,
						   WG_MAC_LEN, NULL, out->nonce, c->cookie_key);
	sodium_memzero(cookie, sizeof(cookie));
	return 0;
}

void cookie_maker_init(struct cookie_maker *m, const uint8_t remote_public[WG_KEY_LEN])
{
	memset(m, 0, sizeof(*m));
	label_key(m->mac1_key, WG_LABEL_MAC1, remote_public);
	label_key(m->cookie_key, WG_LABEL_COOKIE, remote_public);
}

void cookie_maker_fini(struct cookie_maker *m)
{
	sodium_memzero(m, sizeof(*m));
}

void cookie_add_macs(struct cookie_maker *m, uint8_t *msg, size_t len, uint64_t now)
{
	uint8_t *mac1 = msg + len - WG_MACS_LEN, *mac2 = msg + len - WG_MAC_LEN;

	compute_mac1(mac1, msg, len, m->mac1_key);
	memcpy(m->last_mac1_sent, mac1, WG_MAC_LEN);
	m->have_sent_mac1 = true;
	if (m->is_cookie_valid && now >= m->cookie_birth &&
	    now - m->cookie_birth < COOKIE_USABLE_NS)
		compute_mac2(mac2, msg, len, m->cookie);
	else
		memset(mac2, 0, WG_MAC_LEN);
}

int cookie_reply_consume(struct cookie_maker *m, const struct wg_cookie_reply *msg,
			 uint64_t now)
{
	uint8_t cookie[WG_COOKIE_LEN];

	if (!m->have_sent_mac1)
		return -EPROTO;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(cookie, NULL, NULL, msg->encrypted_cookie,
						       sizeof(msg->encrypted_cookie),
						       m->last_mac1_sent, WG_MAC_LEN, msg->nonce,
						       m->cookie_key) != 0) {
		sodium_memzero(cookie, sizeof(cookie));
		return -EBADMSG;
	}
	memcpy(m->cookie, cookie, sizeof(cookie));
	m->cookie_birth = now;
	m->is_cookie_valid = true;
	m->have_sent_mac1 = false;
	sodium_memzero(cookie, sizeof(cookie));
	return 0;
}

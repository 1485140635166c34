/* mac1, mac2 and cookies (whitepaper section 5.4.4 and 5.4.7).
 *
 * Every handshake message ends with mac1 = MAC(HASH(LABEL_MAC1 || receiver's
 * static public), msg up to mac1), which proves the sender knows whom it
 * talks to, and mac2 = MAC(cookie, msg up to mac2), which under load proves
 * it can receive at its source address. A responder under load answers a
 * message without a valid mac2 with a cookie reply: the cookie
 * MAC(secret, source address || port) sealed with XChaCha20-Poly1305 under
 * HASH(LABEL_COOKIE || responder's static public), with the message's mac1
 * as associated data. The secret changes every two minutes.
 *
 * Pure: times are monotonic ns passed in; macs are read from and written to
 * packed messages (the last 32 bytes of a handshake message). */
#ifndef MG_VPN_COOKIE_H
#define MG_VPN_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "vpn/messages.h"

/* Receiving side: checks macs, makes cookies and cookie replies. */
struct cookie_checker {
	uint8_t mac1_key[WG_KEY_LEN];		/* HASH(LABEL_MAC1 || our public) */
	uint8_t cookie_key[WG_KEY_LEN];		/* HASH(LABEL_COOKIE || our public) */
	bool has_key;
	uint8_t secret[WG_HASH_LEN];
	uint64_t secret_birth;			/* ns, while has_secret */
	bool has_secret;
	void (*rng)(void *arg, void *buf, size_t len);	/* NULL: randombytes_buf */
	void *rng_arg;
};

/* Sending side, one per peer: adds macs, keeps the peer's latest cookie. */
struct cookie_maker {
	uint8_t mac1_key[WG_KEY_LEN];		/* HASH(LABEL_MAC1 || peer's public) */
	uint8_t cookie_key[WG_KEY_LEN];		/* HASH(LABEL_COOKIE || peer's public) */
	uint8_t cookie[WG_COOKIE_LEN];
	uint64_t cookie_birth;			/* ns, while is_cookie_valid */
	bool is_cookie_valid;
	uint8_t last_mac1_sent[WG_MAC_LEN];
	bool have_sent_mac1;			/* one cookie reply per mac1 sent */
};

/* What a received handshake message's macs allow. */
enum cookie_verdict {
	COOKIE_DROP,		/* mac1 wrong: drop silently */
	COOKIE_SEND_REPLY,	/* under load, no valid mac2: answer with a cookie reply */
	COOKIE_ACCEPT,		/* not under load, mac1 valid */
	COOKIE_ACCEPT_COOKIE,	/* under load, mac1 and mac2 valid: the source is proven
				 * and may be rate limited per address */
};

/* rng may be NULL (randombytes_buf). local_public may be NULL (no identity
 * yet: every mac1 then fails until cookie_checker_set_key()). */
void cookie_checker_init(struct cookie_checker *c, const uint8_t local_public[WG_KEY_LEN],
			 void (*rng)(void *arg, void *buf, size_t len), void *rng_arg);
void cookie_checker_set_key(struct cookie_checker *c, const uint8_t local_public[WG_KEY_LEN]);
void cookie_checker_fini(struct cookie_checker *c);

/* Checks a packed initiation or response (len is its whole size). mac2 is
 * only looked at when the caller says it is under load. */
enum cookie_verdict cookie_check(struct cookie_checker *c, const uint8_t *msg, size_t len,
				 const struct mg_addr *src, uint16_t port, bool under_load,
				 uint64_t now);

/* The cookie reply to a packed handshake message from src:port whose sender
 * index is `sender_index`. 0 or -EINVAL (len too short for macs). */
int cookie_reply_create(struct cookie_checker *c, struct wg_cookie_reply *out,
			const uint8_t *msg, size_t len, uint32_t sender_index,
			const struct mg_addr *src, uint16_t port, uint64_t now);

void cookie_maker_init(struct cookie_maker *m, const uint8_t remote_public[WG_KEY_LEN]);
void cookie_maker_fini(struct cookie_maker *m);

/* Writes mac1 and mac2 into the last 32 bytes of a packed handshake message
 * (mac2 zero unless the latest cookie is younger than 120 - 5 s). */
void cookie_add_macs(struct cookie_maker *m, uint8_t *msg, size_t len, uint64_t now);

/* Takes the cookie from a reply to the last message this maker put macs
 * on. The caller found m through msg->receiver_index. 0, -EPROTO (no mac1
 * sent since the last accepted reply) or -EBADMSG. */
int cookie_reply_consume(struct cookie_maker *m, const struct wg_cookie_reply *msg,
			 uint64_t now);

#endif

/* WireGuard's wire: message types and sizes, protocol strings, the limits
 * and timeouts of the whitepaper (section 6), and plain structs for parsed
 * messages. The structs are not wire images; messages.c packs and unpacks
 * them through the bounded cursor. All integers on the wire are little
 * endian except inside the TAI64N label. */
#ifndef MG_VPN_MESSAGES_H
#define MG_VPN_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

/* Message types: the first byte, followed by three zero bytes. */
enum wg_message_type {
	WG_MSG_INITIATION = 1,
	WG_MSG_RESPONSE = 2,
	WG_MSG_COOKIE_REPLY = 3,
	WG_MSG_DATA = 4,
};

/* Noise parameters and protocol strings (used without their NUL). */
#define WG_CONSTRUCTION "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
#define WG_IDENTIFIER "WireGuard v1 zx2c4 Jason@zx2c4.com"
#define WG_LABEL_MAC1 "mac1----"
#define WG_LABEL_COOKIE "cookie--"
#define WG_STRLEN(s) (sizeof(s) - 1)

#define WG_KEY_LEN 32			/* X25519 private, public and symmetric keys */
#define WG_HASH_LEN 32
#define WG_TIMESTAMP_LEN 12		/* TAI64N */
#define WG_AUTHTAG_LEN 16		/* Poly1305 */
#define WG_ENCRYPTED_LEN(plain) ((plain) + WG_AUTHTAG_LEN)
#define WG_MAC_LEN 16			/* mac1, mac2 */
#define WG_COOKIE_LEN 16
#define WG_COOKIE_NONCE_LEN 24		/* XChaCha20-Poly1305 */
#define WG_DATA_NONCE_LEN 12		/* ChaCha20-Poly1305: 4 zero bytes, LE64 counter */

/* Wire sizes and offsets. */
#define WG_HEADER_LEN 4			/* type + 3 reserved bytes */
#define WG_INITIATION_LEN 148
#define WG_RESPONSE_LEN 92
#define WG_COOKIE_REPLY_LEN 64
#define WG_DATA_HEADER_LEN 16		/* header, receiver, counter */
#define WG_DATA_MIN_LEN (WG_DATA_HEADER_LEN + WG_ENCRYPTED_LEN(0))	/* keepalive */
#define WG_MACS_LEN (2 * WG_MAC_LEN)	/* mac1 || mac2 close both handshake messages */
#define WG_DATA_PADDING 16		/* plaintext padded to a multiple of this */

_Static_assert(WG_HEADER_LEN + 4 + WG_KEY_LEN + WG_ENCRYPTED_LEN(WG_KEY_LEN) +
	       WG_ENCRYPTED_LEN(WG_TIMESTAMP_LEN) + WG_MACS_LEN == WG_INITIATION_LEN,
	       "initiation is 148 bytes");
_Static_assert(WG_HEADER_LEN + 4 + 4 + WG_KEY_LEN + WG_ENCRYPTED_LEN(0) + WG_MACS_LEN ==
	       WG_RESPONSE_LEN, "response is 92 bytes");
_Static_assert(WG_HEADER_LEN + 4 + WG_COOKIE_NONCE_LEN + WG_ENCRYPTED_LEN(WG_COOKIE_LEN) ==
	       WG_COOKIE_REPLY_LEN, "cookie reply is 64 bytes");
_Static_assert(WG_HEADER_LEN + 4 + 8 == WG_DATA_HEADER_LEN, "data header is 16 bytes");
_Static_assert(WG_DATA_MIN_LEN == 32, "a keepalive is 32 bytes");
_Static_assert(WG_STRLEN(WG_CONSTRUCTION) == 37 && WG_STRLEN(WG_IDENTIFIER) == 34 &&
	       WG_STRLEN(WG_LABEL_MAC1) == 8 && WG_STRLEN(WG_LABEL_COOKIE) == 8,
	       "protocol strings");

/* Limits (whitepaper section 6.1; messages counted per keypair). */
#define WG_REKEY_AFTER_MESSAGES (1ULL << 60)
#define WG_REJECT_AFTER_MESSAGES (UINT64_MAX - (1ULL << 13))	/* 2^64 - 2^13 - 1 */
#define WG_COUNTER_WINDOW_BITS 8192	/* replay window the reject limit leaves room for */

/* Timers, in seconds. */
#define WG_REKEY_AFTER_TIME 120
#define WG_REJECT_AFTER_TIME 180
#define WG_REKEY_ATTEMPT_TIME 90
#define WG_REKEY_TIMEOUT 5
#define WG_REKEY_TIMEOUT_JITTER_MAX_MS 333
#define WG_KEEPALIVE_TIMEOUT 10
#define WG_MAX_TIMER_HANDSHAKES (WG_REKEY_ATTEMPT_TIME / WG_REKEY_TIMEOUT)
#define WG_COOKIE_SECRET_MAX_AGE 120	/* responder rotates its cookie secret */
#define WG_COOKIE_SECRET_LATENCY 5	/* initiator stops using a cookie this much earlier */
#define WG_INITIATIONS_PER_SECOND 50	/* per peer, accepted by a responder */

#define WG_NSEC_PER_SEC 1000000000ULL
#define WG_SEC_TO_NS(s) ((uint64_t)(s) * WG_NSEC_PER_SEC)

/* Parsed messages. Index fields are host order here (little endian on the
 * wire); byte arrays are copied as they are. */
struct wg_initiation {
	uint32_t sender_index;
	uint8_t ephemeral[WG_KEY_LEN];
	uint8_t encrypted_static[WG_ENCRYPTED_LEN(WG_KEY_LEN)];
	uint8_t encrypted_timestamp[WG_ENCRYPTED_LEN(WG_TIMESTAMP_LEN)];
	uint8_t mac1[WG_MAC_LEN];
	uint8_t mac2[WG_MAC_LEN];
};

struct wg_response {
	uint32_t sender_index;
	uint32_t receiver_index;
	uint8_t ephemeral[WG_KEY_LEN];
	uint8_t encrypted_nothing[WG_ENCRYPTED_LEN(0)];
	uint8_t mac1[WG_MAC_LEN];
	uint8_t mac2[WG_MAC_LEN];
};

struct wg_cookie_reply {
	uint32_t receiver_index;
	uint8_t nonce[WG_COOKIE_NONCE_LEN];
	uint8_t encrypted_cookie[WG_ENCRYPTED_LEN(WG_COOKIE_LEN)];
};

/* A data message points into the buffer it was unpacked from. */
struct wg_data {
	uint32_t receiver_index;
	uint64_t counter;
	const uint8_t *ciphertext;	/* padded plaintext + tag */
	size_t ciphertext_len;		/* >= WG_AUTHTAG_LEN */
};

/* The type of a message whose header is well formed (a known type and zero
 * reserved bytes), or -EINVAL. Sizes are checked by the unpackers. */
int wg_message_type(const uint8_t *buf, size_t len);

/* Unpackers: 0, or -EINVAL on a wrong type, size or non-zero reserved byte.
 * Handshake and cookie messages have one exact size. */
int wg_initiation_unpack(struct wg_initiation *m, const uint8_t *buf, size_t len);
int wg_response_unpack(struct wg_response *m, const uint8_t *buf, size_t len);
int wg_cookie_reply_unpack(struct wg_cookie_reply *m, const uint8_t *buf, size_t len);
int wg_data_unpack(struct wg_data *m, const uint8_t *buf, size_t len);

/* Packers write exactly the message's size: 0, or -ENOSPC if cap is short. */
int wg_initiation_pack(const struct wg_initiation *m, uint8_t *buf, size_t cap);
int wg_response_pack(const struct wg_response *m, uint8_t *buf, size_t cap);
int wg_cookie_reply_pack(const struct wg_cookie_reply *m, uint8_t *buf, size_t cap);
/* The 16-byte header; the sealed payload follows it in the same buffer. */
int wg_data_header_pack(uint32_t receiver_index, uint64_t counter, uint8_t *buf, size_t cap);

/* Nonce of a data message: 4 zero bytes, then the counter little endian. */
static inline void wg_data_nonce(uint8_t nonce[WG_DATA_NONCE_LEN], uint64_t counter)
{
	int i;

	nonce[0] = nonce[1] = nonce[2] = nonce[3] = 0;
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(counter >> (8 * i));
}

#endif

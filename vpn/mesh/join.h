/* Joining with an invitation: the exchange before any session exists.
 * Pure: bytes in, bytes out, a clock passed in; sockets live elsewhere.
 *
 * Only the inviter and the invitee hold the token's secret. Two values are
 * derived from it (libsodium crypto_kdf, context "mgjoin01"): the invite
 * id (subkey 1, 16 bytes, public: it names the invitation on the wire and
 * on disk) and an XChaCha20-Poly1305 key (subkey 2). A joiner proves it
 * holds the secret by sending a ciphertext that opens.
 *
 * Datagrams on the WireGuard port whose first byte can never be a
 * WireGuard message type (1-4):
 *   0x81 JOIN_REQUEST  type | id (16) | nonce (24) | AEAD(plain 72) (88)
 *        plain: joiner's WireGuard public key (32) | its Ed25519 node key
 *        (32) | its clock, u64 BE unix seconds (informational)
 *   0x82 JOIN_REPLY    type | id | nonce | AEAD(TLV)
 *        TLV under the rules of keys/record.h:
 *          1 status          1        enum join_status
 *          2 message         1..200   printable ASCII; errors only, optional
 *          3 network key     32       ok only
 *          4 record          ..1200   ok only: the joiner's signed record
 *          5 inviter record  ..1200   ok only
 *          6 inviter announce ..1200  ok only, optional: its endpoints
 *          7 network name    1..63    ok only, optional: what the inviter calls the network
 *   0x83 JOIN_UNKNOWN  type | id, in the clear: the inviter has no such
 *        invitation (it has no key to seal with; unauthenticated).
 * The AEAD's associated data is every byte before the ciphertext, so the
 * type and id are bound to it; requests and replies share the key and
 * differ in the type byte. */
#ifndef MG_VPN_MESH_JOIN_H
#define MG_VPN_MESH_JOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/announce.h"
#include "keys/invites.h"
#include "keys/netkey.h"
#include "keys/record.h"
#include "keys/token.h"

#define JOIN_T_REQUEST 0x81
#define JOIN_T_REPLY 0x82
#define JOIN_T_UNKNOWN 0x83

#define JOIN_ID_LEN INVITE_ID_LEN
#define JOIN_KEY_LEN 32
#define JOIN_NONCE_LEN 24
#define JOIN_TAG_LEN 16
#define JOIN_HDR_LEN 41                 /* type | id | nonce */
#define JOIN_REQUEST_PLAIN_LEN 72
#define JOIN_REQUEST_LEN 129
#define JOIN_UNKNOWN_LEN 17
#define JOIN_TEXT_MAX 200
#define JOIN_REPLY_PLAIN_MIN 4          /* a status alone */
#define JOIN_REPLY_PLAIN_MAX 3917
#define JOIN_REPLY_MIN (JOIN_HDR_LEN + JOIN_REPLY_PLAIN_MIN + JOIN_TAG_LEN)
#define JOIN_MSG_MAX 3974               /* the longest reply; one UDP datagram */

struct join_keys {
	uint8_t id[JOIN_ID_LEN];
	uint8_t key[JOIN_KEY_LEN];
};

enum join_status {
	JOIN_OK = 0,
	JOIN_EXPIRED = 1,
	JOIN_USED = 2,                  /* by another joiner */
	JOIN_REFUSED = 3,               /* anything else, said in the message */
};

struct join_request {
	uint8_t wg_pub[32];
	uint8_t node_pub[NETKEY_PUB_LEN];
	uint64_t timestamp;
};

struct join_reply {
	uint8_t status;                          /* enum join_status; others read as refusals */
	char message[JOIN_TEXT_MAX + 1];         /* "" for none */
	uint8_t network_pub[NETKEY_PUB_LEN];
	size_t record_len;
	uint8_t record[RECORD_WIRE_MAX];
	size_t inviter_record_len;
	uint8_t inviter_record[RECORD_WIRE_MAX];
	size_t announce_len;                     /* 0 for none */
	uint8_t announce[ANNOUNCE_WIRE_MAX];
	char network_name[WIRE_LABEL_MAX + 1];   /* "" for none */
};

void join_keys_from_secret(const uint8_t secret[TOKEN_SECRET_LEN], struct join_keys *k);
void join_keys_wipe(struct join_keys *k);

/* The type and id of a join datagram, its length checked against its type.
 * 0 or -EINVAL (not a join message, or of the wrong length). */
int join_peek(const uint8_t *msg, size_t len, uint8_t *type, uint8_t id[JOIN_ID_LEN]);

/* Builders write into buf[cap] (JOIN_MSG_MAX always suffices): 0, -EINVAL
 * (a field out of range), -ENOBUFS. A fresh random nonce each time. */
int join_request_build(const struct join_keys *k, const struct join_request *req,
                       uint8_t *buf, size_t cap, size_t *len);
int join_reply_build(const struct join_keys *k, const struct join_reply *rep,
                     uint8_t *buf, size_t cap, size_t *len);
int join_unknown_build(const uint8_t id[JOIN_ID_LEN], uint8_t *buf, size_t cap, size_t *len);

/* Openers: 0; -EINVAL malformed (before or after opening) or another
 * invitation's id; -EBADMSG does not open with this key. */
int join_request_open(const struct join_keys *k, const uint8_t *msg, size_t len,
                      struct join_request *req);
int join_reply_open(const struct join_keys *k, const uint8_t *msg, size_t len,
                    struct join_reply *rep);
int join_unknown_parse(const uint8_t *msg, size_t len, uint8_t id[JOIN_ID_LEN]);

/* The reply's plaintext TLV alone (what the AEAD seals). 0, -EINVAL, -ENOBUFS. */
int join_reply_encode(const struct join_reply *rep, uint8_t *buf, size_t cap, size_t *len);
int join_reply_decode(const uint8_t *buf, size_t len, struct join_reply *rep);

/* What a status means, for people. */
const char *join_status_str(uint8_t status);

/* ---- the inviter's side ---- */

enum join_verdict {
	JOIN_ACCEPT,                    /* issue a record, mark the invitation used */
	JOIN_RESEND,                    /* same joiner again (our reply was lost): same record */
	JOIN_REFUSE_EXPIRED,
	JOIN_REFUSE_USED,               /* used by a joiner with other keys */
};

/* Decides on an opened request for a stored invitation. *reason is a
 * constant string for the log. */
enum join_verdict join_decide(const struct invite *inv, const struct join_request *req,
                              uint64_t now, const char **reason);

/* A record for an accepted joiner, short of its mesh addresses and the
 * signature: the invitation's name, site and role, the request's keys,
 * sequence 1, issued now, valid RECORD_LIFETIME. */
void join_record_init(struct record *rec, const struct invite *inv,
                      const struct join_request *req, uint64_t now);

struct join_inviter {
	void *ctx;
	/* The invitation named id: 0, -ENOENT (answered JOIN_UNKNOWN), or
	 * another -errno (nothing is sent). */
	int (*find)(void *ctx, const uint8_t id[JOIN_ID_LEN], struct invite *inv);
	/* Makes the accepted joiner's signed record into rec[RECORD_WIRE_MAX]:
	 * mesh addresses (vpn/mesh/alloc.h), join_record_init, record_sign,
	 * record_encode. 0 or -errno: the joiner is refused. */
	int (*issue)(void *ctx, const struct invite *inv, const struct join_request *req,
	             uint64_t now, uint8_t *rec, size_t *rec_len);
	/* Stores that inv was used by req for rec (invites_mark_used). 0 or
	 * -errno: the joiner is refused and the record is not sent. */
	int (*mark_used)(void *ctx, struct invite *inv, const struct join_request *req,
	                 const uint8_t *rec, size_t rec_len, uint64_t now);
	/* In every accepted reply; the announcement may be absent (len 0). */
	const uint8_t *network_pub;
	const uint8_t *own_record;
	size_t own_record_len;
	const uint8_t *own_announce;
	size_t own_announce_len;
	const char *network_name;               /* NULL: none */
};

/* Answers a JOIN_REQUEST. 0 with out[*out_len] (a reply or JOIN_UNKNOWN)
 * to send back to the request's source; or an error and nothing to send:
 * -EINVAL malformed, -EBADMSG sealed with another key (someone who saw
 * the id but lacks the secret), -ENOBUFS (cap under JOIN_MSG_MAX), or
 * find's error. *reason always says what happened, for the log. */
int join_inviter_answer(const struct join_inviter *iv, const uint8_t *msg, size_t len,
                        uint64_t now, uint8_t *out, size_t cap, size_t *out_len,
                        const char **reason);

#endif

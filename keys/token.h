/* Invitation tokens: the one line `meshgate invite` prints and
 * `meshgate join` takes, like tinc 1.1's invitations.
 *
 * The line is base64url without padding (RFC 4648 section 5) of TLV
 * fields under the rules of keys/record.h (types rising, each once, no
 * unknown type, nothing left over):
 *   1    version     1        1 (a token of another version is refused as such)
 *   2    endpoints   4..1024  1..4 of host length (u8) | host | port (u16 BE, not 0);
 *                             a host is an IPv4/IPv6 literal or a DNS name
 *   3    network     32       network id: netkey_fingerprint(network public key)
 *   4    secret      32       one-time secret the invitee proves it holds
 *   5    name        1..63    the invitee's node name (a DNS label)
 *   6    site        1..63    its site; absent for none
 *   7    role        1        1 gateway, 2 client (a gateway has a site)
 *   8    expires_at  8        u64 unix seconds
 * The secret is the only thing that makes a token worth anything: wipe it
 * (token_wipe) and compare it with token_secret_equal. */
#ifndef MG_KEYS_TOKEN_H
#define MG_KEYS_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/netkey.h"
#include "keys/wire.h"

#define TOKEN_VERSION 1
#define TOKEN_ENDPOINTS_MAX 4
#define TOKEN_SECRET_LEN 32
#define TOKEN_WIRE_MAX 1248
/* The longest line: base64url of TOKEN_WIRE_MAX bytes, without padding. */
#define TOKEN_TEXT_MAX ((TOKEN_WIRE_MAX * 4 + 2) / 3)

enum token_field {
	TOKEN_T_VERSION = 1,
	TOKEN_T_ENDPOINTS = 2,
	TOKEN_T_NETWORK = 3,
	TOKEN_T_SECRET = 4,
	TOKEN_T_NAME = 5,
	TOKEN_T_SITE = 6,
	TOKEN_T_ROLE = 7,
	TOKEN_T_EXPIRES = 8,
};

struct token_endpoint {
	char host[WIRE_HOST_MAX + 1];
	uint16_t port;
};

struct token {
	uint8_t version;
	uint8_t n_endpoints;
	struct token_endpoint endpoints[TOKEN_ENDPOINTS_MAX];
	uint8_t network_id[NETKEY_FP_LEN];
	uint8_t secret[TOKEN_SECRET_LEN];
	char name[WIRE_LABEL_MAX + 1];
	char site[WIRE_LABEL_MAX + 1];           /* "" for none */
	uint8_t role;                            /* enum record_role */
	uint64_t expires_at;
};

bool token_valid(const struct token *tok);

/* Binary form. 0, -EINVAL, -ENOBUFS (TOKEN_WIRE_MAX always suffices). */
int token_encode(const struct token *tok, uint8_t *buf, size_t cap, size_t *len);
/* 0, -EINVAL malformed, -EPROTONOSUPPORT another version. */
int token_decode(const uint8_t *buf, size_t len, struct token *tok);

/* The printable line (NUL-terminated, no newline) into text[cap];
 * TOKEN_TEXT_MAX + 1 always suffices. 0, -EINVAL, -ENOBUFS. */
int token_format(const struct token *tok, char *text, size_t cap);
/* Parses a line as pasted: spaces, tabs and line ends around it are
 * ignored, nothing else is. 0, -EINVAL (not a token: bad length,
 * character or field), -EPROTONOSUPPORT (a token of another version). */
int token_parse(const char *text, struct token *tok);

/* Fills the secret from the system's random source. */
void token_new_secret(struct token *tok);
bool token_expired(const struct token *tok, uint64_t now);
/* Constant-time comparison of two secrets. */
bool token_secret_equal(const uint8_t a[TOKEN_SECRET_LEN], const uint8_t b[TOKEN_SECRET_LEN]);
/* Wipes the whole token. */
void token_wipe(struct token *tok);

#endif

/* Node records: who a member of the network is, signed by the network key.
 *
 * Wire format, version 1. TLV fields: type (u8) | length (u16 BE) | value,
 * types strictly increasing (each field once, in this order), no unknown
 * type, nothing after the signature, at most 1200 bytes in all (the
 * largest valid record is 967). Integers are big endian.
 *
 *   type name        length   value
 *   1    version     1        1
 *   2    network     32       network id: netkey_fingerprint(network public key)
 *   3    name        1..63    node name, a DNS label: a-z 0-9 '-', no '-' at the ends
 *   4    site        1..63    site name, same rules; absent for none
 *   5    role        1        1 gateway, 2 client
 *   6    wg_key      32       WireGuard (X25519) public key
 *   7    node_key    32       the node's Ed25519 key for its announcements
 *   8    mesh        6..72    1..4 mesh addresses (host bits kept)
 *   9    subnets     6..288   1..16 site subnets (host bits clear); absent for none
 *   10   domain      1..253   site DNS domain, lower case, no trailing dot; absent for none
 *   11   sequence    8        u64; a higher sequence replaces a lower one
 *   12   issued_at   8        u64 unix seconds
 *   13   expires_at  8        u64 unix seconds, above issued_at
 *   255  signature   64       Ed25519 by the network key over
 *                             "meshgate record v1" NUL || every byte before this field
 *
 * A prefix is family (4 or 6) | prefix length (u8) | address (4 or 16
 * bytes); duplicates are refused. A gateway has a site; only gateways
 * carry subnets and a domain. Empty optional fields are absent, never
 * zero-length, so decoding then encoding gives back the same bytes. */
#ifndef MG_KEYS_RECORD_H
#define MG_KEYS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/netkey.h"
#include "keys/wire.h"
#include "lib/addr.h"

#define RECORD_VERSION 1
#define RECORD_WIRE_MAX 1200
#define RECORD_MESH_MAX 4
#define RECORD_SUBNETS_MAX 16
#define RECORD_RENEW_WINDOW (30ULL * 86400)   /* warn a month before expiry */
#define RECORD_LIFETIME (365ULL * 86400)      /* a year unless told */

enum record_role {
	RECORD_ROLE_GATEWAY = 1,
	RECORD_ROLE_CLIENT = 2,
};

enum record_field {
	RECORD_T_VERSION = 1,
	RECORD_T_NETWORK = 2,
	RECORD_T_NAME = 3,
	RECORD_T_SITE = 4,
	RECORD_T_ROLE = 5,
	RECORD_T_WG_KEY = 6,
	RECORD_T_NODE_KEY = 7,
	RECORD_T_MESH = 8,
	RECORD_T_SUBNETS = 9,
	RECORD_T_DOMAIN = 10,
	RECORD_T_SEQUENCE = 11,
	RECORD_T_ISSUED = 12,
	RECORD_T_EXPIRES = 13,
	RECORD_T_SIGNATURE = 255,
};

struct record {
	uint8_t version;
	uint8_t network_id[NETKEY_FP_LEN];
	char name[WIRE_LABEL_MAX + 1];
	char site[WIRE_LABEL_MAX + 1];           /* "" for none */
	uint8_t role;                            /* enum record_role */
	uint8_t wg_key[32];
	uint8_t node_key[NETKEY_PUB_LEN];
	uint8_t n_mesh;
	struct mg_prefix mesh[RECORD_MESH_MAX];
	uint8_t n_subnets;
	struct mg_prefix subnets[RECORD_SUBNETS_MAX];
	char domain[WIRE_DOMAIN_MAX + 1];        /* "" for none */
	uint64_t sequence;
	uint64_t issued_at;
	uint64_t expires_at;
	uint8_t sig[NETKEY_SIG_LEN];
};

/* Whether every field is within the rules above (the signature is not checked). */
bool record_valid(const struct record *rec);

/* Encodes rec with its signature. 0, -EINVAL for an invalid record,
 * -ENOBUFS if cap is too small (RECORD_WIRE_MAX always suffices). */
int record_encode(const struct record *rec, uint8_t *buf, size_t cap, size_t *len);

/* Parses len bytes; checks form only, not the signature. 0 or -EINVAL;
 * never reads outside buf. */
int record_decode(const uint8_t *buf, size_t len, struct record *rec);

/* Sets version, network id and signature from the network's secret key.
 * 0 or -EINVAL for an invalid record. */
int record_sign(struct record *rec, const uint8_t network_secret[NETKEY_SECRET_LEN]);

/* Decodes and checks a record received from anyone: 0; -EINVAL malformed;
 * -EBADMSG not signed by this network's key (or another network's id);
 * -EKEYEXPIRED signed but now >= expires_at. rec (may be NULL) is filled
 * whenever the bytes decode. */
int record_verify(const uint8_t *buf, size_t len, const uint8_t network_pub[NETKEY_PUB_LEN],
                  uint64_t now, struct record *rec);

/* A strict total order on records: higher sequence first, then the
 * signature bytes, then the encoding, compared as unsigned bytes. Every
 * node that sees the same two records keeps the same one. <0, 0, >0. */
int record_cmp(const struct record *a, const struct record *b);
/* Whether a replaces b. */
bool record_newer(const struct record *a, const struct record *b);

bool record_expired(const struct record *rec, uint64_t now);
/* True from `window` seconds before expiry on (and once expired). */
bool record_expiring_soon(const struct record *rec, uint64_t now, uint64_t window);

#endif

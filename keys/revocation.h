/* Revocations: the network key's word that a node is out. A revocation
 * names the node, its WireGuard key and the last record sequence it
 * revokes; a record it covers is never accepted again.
 *
 * Wire format, version 1, the TLV rules of keys/record.h:
 *   1    version       1    1
 *   2    network       32   network id
 *   3    name          1..63  the revoked node's name
 *   6    wg_key        32   the revoked node's WireGuard key
 *   11   last_sequence 8    records of that name up to this sequence are revoked
 *   12   issued_at     8    u64 unix seconds
 *   255  signature     64   Ed25519 by the network key over
 *                           "meshgate revocation v1" NUL || every byte before */
#ifndef MG_KEYS_REVOCATION_H
#define MG_KEYS_REVOCATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/netkey.h"
#include "keys/record.h"
#include "keys/wire.h"

#define REVOCATION_VERSION 1
#define REVOCATION_WIRE_MAX 256

enum revocation_field {
	REVOCATION_T_VERSION = 1,
	REVOCATION_T_NETWORK = 2,
	REVOCATION_T_NAME = 3,
	REVOCATION_T_WG_KEY = 6,
	REVOCATION_T_LAST_SEQUENCE = 11,
	REVOCATION_T_ISSUED = 12,
	REVOCATION_T_SIGNATURE = 255,
};

struct revocation {
	uint8_t version;
	uint8_t network_id[NETKEY_FP_LEN];
	char name[WIRE_LABEL_MAX + 1];
	uint8_t wg_key[32];
	uint64_t last_sequence;
	uint64_t issued_at;
	uint8_t sig[NETKEY_SIG_LEN];
};

/* A revocation of rec as it stands (its name, key and sequence). */
void revocation_of(struct revocation *rev, const struct record *rec, uint64_t now);

bool revocation_valid(const struct revocation *rev);
/* 0, -EINVAL, -ENOBUFS (REVOCATION_WIRE_MAX always suffices). */
int revocation_encode(const struct revocation *rev, uint8_t *buf, size_t cap, size_t *len);
/* 0 or -EINVAL; form only. */
int revocation_decode(const uint8_t *buf, size_t len, struct revocation *rev);
int revocation_sign(struct revocation *rev, const uint8_t network_secret[NETKEY_SECRET_LEN]);
/* 0, -EINVAL malformed, -EBADMSG not this network's. Revocations do not expire. */
int revocation_verify(const uint8_t *buf, size_t len,
                      const uint8_t network_pub[NETKEY_PUB_LEN], struct revocation *rev);

/* Whether rev rules rec out: the same WireGuard key at any sequence (the
 * key is burnt), or the same name at a sequence up to last_sequence.
 * Both must be of the same network. */
bool revocation_covers(const struct revocation *rev, const struct record *rec);

#endif

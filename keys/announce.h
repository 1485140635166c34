/* A node's own announcement of what changes often: where it can be
 * reached now, and later its VRRP role and health. Signed by the node
 * key its record certifies, so it needs no network key.
 *
 * Wire format, version 1, the TLV rules of keys/record.h, at most 1200 bytes:
 *   1    version     1        1
 *   3    name        1..63    the announcing node, as in its record
 *   11   sequence    8        u64, rises with every announcement
 *   12   timestamp   8        u64 unix seconds when made
 *   20   endpoints   7..152   1..8 of family (4 or 6) | address | port (u16 BE,
 *                             not 0), no duplicates; absent for none
 *   128..254         0..      carried through unread (VRRP role, health...),
 *                             ANNOUNCE_OPAQUE_MAX bytes of such fields at most
 *   255  signature   64       Ed25519 by the record's node key over
 *                             "meshgate announce v1" NUL || every byte before */
#ifndef MG_KEYS_ANNOUNCE_H
#define MG_KEYS_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/netkey.h"
#include "keys/record.h"
#include "keys/wire.h"
#include "lib/addr.h"

#define ANNOUNCE_VERSION 1
#define ANNOUNCE_WIRE_MAX 1200
#define ANNOUNCE_ENDPOINTS_MAX 8
#define ANNOUNCE_OPAQUE_MAX 768
#define ANNOUNCE_OPAQUE_FIRST 128    /* types from here to 254 are carried opaque */
/* Opaque field 130: since when (u64 BE unix seconds) this gateway is the
 * VRRP master of its site; absent when it is not. The mesh routes a
 * site's subnets to the gateway that became master last. */
#define ANNOUNCE_T_ACTIVE_SINCE 130

enum announce_field {
	ANNOUNCE_T_VERSION = 1,
	ANNOUNCE_T_NAME = 3,
	ANNOUNCE_T_SEQUENCE = 11,
	ANNOUNCE_T_TIMESTAMP = 12,
	ANNOUNCE_T_ENDPOINTS = 20,
	ANNOUNCE_T_SIGNATURE = 255,
};

struct announce_endpoint {
	struct mg_addr addr;
	uint16_t port;
};

struct announce {
	uint8_t version;
	char name[WIRE_LABEL_MAX + 1];
	uint64_t sequence;
	uint64_t timestamp;
	uint8_t n_endpoints;
	struct announce_endpoint endpoints[ANNOUNCE_ENDPOINTS_MAX];
	size_t opaque_len;                   /* the opaque fields, framing and all */
	uint8_t opaque[ANNOUNCE_OPAQUE_MAX];
	uint8_t sig[NETKEY_SIG_LEN];
};

bool announce_valid(const struct announce *ann);
/* 0, -EINVAL, -ENOBUFS (ANNOUNCE_WIRE_MAX always suffices). */
int announce_encode(const struct announce *ann, uint8_t *buf, size_t cap, size_t *len);
/* 0 or -EINVAL; form only. */
int announce_decode(const uint8_t *buf, size_t len, struct announce *ann);
/* Signs with the node's secret key. 0 or -EINVAL. */
int announce_sign(struct announce *ann, const uint8_t node_secret[NETKEY_SECRET_LEN]);
/* Checks an announcement against the (already verified) record of its
 * node: 0, -EINVAL malformed, -EBADMSG other name or bad signature. */
int announce_verify(const uint8_t *buf, size_t len, const struct record *rec,
                    struct announce *ann);

/* Appends an opaque field; its type must be above the last one's and
 * within 128..254. 0, -EINVAL or -ENOBUFS. */
int announce_opaque_add(struct announce *ann, uint8_t type, const void *val, size_t len);
/* Finds an opaque field: 0 with val and len pointing into ann, or -ENOENT. */
int announce_opaque_find(const struct announce *ann, uint8_t type,
                         const uint8_t **val, size_t *len);

/* Higher sequence wins, then the signature bytes: <0, 0, >0. */
int announce_cmp(const struct announce *a, const struct announce *b);

#endif

/* The membership store of one network: every node's record, the
 * revocations, and each node's latest announcement, all verified and each
 * kept as its exact signed bytes (to forward and to persist). Pure: time
 * is an argument (unix seconds).
 *
 * Rules, the same on every node so that stores holding the same objects
 * agree whatever order they came in:
 * - A record replaces the one of its name that record_cmp ranks below it.
 * - A record covered by a held revocation is refused; a new revocation
 *   removes every record it covers, with its node's announcement.
 * - Revocations merge: of those naming one node and one WireGuard key only
 *   the highest last_sequence (then signature) is kept, as it covers all
 *   the others cover.
 * - Two live names may not share a WireGuard key: of the two records the
 *   one issued later (then the one record_cmp ranks higher) stays, the
 *   other is refused (CONFLICT) or removed. An expired holder never wins.
 * - An announcement needs its node's record and replaces a lower one
 *   (announce_cmp); it goes when its node goes, or when its node's new
 *   record carries another node key it is not signed by.
 *
 * Callbacks run after the store has changed; they must not change it nor
 * call into the gossip over it. They fire for this node's own record too
 * (mesh_node.self). */
#ifndef MG_VPN_MESH_STORE_H
#define MG_VPN_MESH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/announce.h"
#include "keys/netkey.h"
#include "keys/record.h"
#include "keys/revocation.h"
#include "lib/addr.h"
#include "vpn/mesh/frame.h"

enum mesh_verdict {
	MESH_NEW,
	MESH_UPDATED,
	MESH_DUPLICATE,
	MESH_STALE,                  /* lower sequence, or equal and losing the order */
	MESH_MALFORMED,
	MESH_BAD_SIGNATURE,          /* or another network's */
	MESH_EXPIRED,
	MESH_REVOKED,                /* covered by a held revocation */
	MESH_UNKNOWN_NODE,           /* an announcement for a node with no record */
	MESH_CONFLICT,               /* its WireGuard key is a live other name's */
	MESH_NO_MEMORY,
};
#define MESH_VERDICTS 11

enum mesh_removal {
	MESH_GONE_REVOKED,
	MESH_GONE_EXPIRED,
	MESH_GONE_CONFLICT,          /* its key went to a record issued later */
};
#define MESH_REMOVALS 3

static inline bool mesh_verdict_accepted(enum mesh_verdict v)
{
	return v == MESH_NEW || v == MESH_UPDATED;
}
const char *mesh_verdict_name(enum mesh_verdict v);
const char *mesh_removal_name(enum mesh_removal r);

/* Where a node was last reached, set by the daemon and persisted. */
struct mesh_endpoint {
	struct mg_addr addr;         /* family 0: none */
	uint16_t port;
	uint64_t when;               /* unix seconds it last worked */
};

/* One member. Read-only outside store.c. */
struct mesh_node {
	char name[WIRE_LABEL_MAX + 1];
	bool self;                   /* this node's own record */
	uint8_t wg_key[32];
	uint8_t node_key[NETKEY_PUB_LEN];
	uint64_t sequence;
	uint64_t issued_at;
	uint64_t expires_at;
	uint8_t record_digest[MESH_DIGEST_LEN];
	uint8_t *record;             /* the signed bytes */
	uint16_t record_len;
	uint16_t announce_len;
	uint8_t *announce;           /* NULL when none */
	uint64_t announce_sequence;
	uint8_t announce_digest[MESH_DIGEST_LEN];
	struct mesh_endpoint endpoint;
};

/* One revocation. Read-only outside store.c. */
struct mesh_revocation {
	char name[WIRE_LABEL_MAX + 1];
	uint8_t wg_key[32];
	uint64_t last_sequence;
	uint8_t sig[NETKEY_SIG_LEN];
	uint8_t *bytes;
	uint16_t len;
};

struct mesh_store_ops {
	void (*node_added)(void *arg, const struct mesh_node *node, const struct record *rec);
	/* its record was replaced; old is the one before */
	void (*node_changed)(void *arg, const struct mesh_node *node, const struct record *rec,
	                     const struct record *old);
	/* node is valid during the call only */
	void (*node_removed)(void *arg, const struct mesh_node *node, enum mesh_removal why);
	/* a new or replaced announcement; NULL when dropped for a node key change */
	void (*announce_changed)(void *arg, const struct mesh_node *node,
	                         const struct announce *ann);
};

struct mesh_store_stats {
	uint64_t verdicts[MESH_VERDICTS];    /* every offer, by verdict */
	uint64_t removed[MESH_REMOVALS];
};

struct mesh_store;

/* A store for the network with this public key; self is this node's name.
 * ops (copied) and its callbacks may be NULL. NULL on -ENOMEM or an
 * invalid self name (errno set). */
struct mesh_store *mesh_store_new(const uint8_t network_pub[NETKEY_PUB_LEN], const char *self,
                                  const struct mesh_store_ops *ops, void *arg);
void mesh_store_free(struct mesh_store *s);

/* Verifies a signed object (kind: enum mesh_kind) and keeps it if it is
 * new or newer; nothing changes unless the verdict is NEW or UPDATED. */
enum mesh_verdict mesh_store_offer(struct mesh_store *s, uint8_t kind, const uint8_t *bytes,
                                   size_t len, uint64_t now);
/* Removes the records expired at now (and their announcements); how many. */
size_t mesh_store_expire(struct mesh_store *s, uint64_t now);

const struct mesh_node *mesh_store_find(const struct mesh_store *s, const char *name);
const struct mesh_node *mesh_store_find_wg(const struct mesh_store *s, const uint8_t wg_key[32]);
size_t mesh_store_count(const struct mesh_store *s);
/* Nodes in name order, 0 <= i < mesh_store_count. */
const struct mesh_node *mesh_store_node_at(const struct mesh_store *s, size_t i);
size_t mesh_store_revocation_count(const struct mesh_store *s);
/* Revocations by name, then WireGuard key. */
const struct mesh_revocation *mesh_store_revocation_at(const struct mesh_store *s, size_t i);
/* Decodes a node's record or announcement (-ENOENT: none). 0 or -errno. */
int mesh_node_record(const struct mesh_node *n, struct record *rec);
int mesh_node_announce(const struct mesh_node *n, struct announce *ann);

/* Records where a node was last reached (family 0 clears). 0, -ENOENT, -EINVAL. */
int mesh_store_set_endpoint(struct mesh_store *s, const char *name,
                            const struct mesh_endpoint *ep);

const struct mesh_store_stats *mesh_store_stats(const struct mesh_store *s);
/* Heap bytes the store holds, itself included. */
size_t mesh_store_memory(const struct mesh_store *s);

/* ---- summaries (see vpn/mesh/frame.h) ---- */

/* The root: BLAKE2b-256 over every summary entry in key order, each as it
 * is on the wire, and how many entries there are. Equal stores give equal
 * roots on every node. */
void mesh_store_root(struct mesh_store *s, uint8_t root[MESH_ROOT_LEN], uint32_t *count);
/* The first summary entry above after (NULL: the first of all): 1, or 0
 * past the end. */
int mesh_store_next_entry(const struct mesh_store *s, const struct mesh_key *after,
                          struct mesh_entry *out);
/* Fills the summary chunk that starts above after (NULL: from the start)
 * with as many entries as fit one frame; the next chunk starts above its
 * last entry, until one has MESH_SUMMARY_TO_END. */
void mesh_store_summary_chunk(const struct mesh_store *s, const struct mesh_key *after,
                              struct mesh_summary *out);
/* Compares a peer's chunk with this store. Keys the peer holds newer or
 * this store lacks go to *want (at most one per entry). push(arg, key) is
 * called, in key order, for each key this store holds newer or that the
 * peer lacks inside the chunk's range, until it returns false. Differing
 * revocation keys go both ways, as revocations merge. Records already
 * revoked here are not wanted. */
void mesh_store_compare(const struct mesh_store *s, const struct mesh_summary *chunk,
                        struct mesh_want *want,
                        bool (*push)(void *arg, const struct mesh_key *key), void *arg);
/* The i-th signed object held under key (one, or for revocations one per
 * WireGuard key): 0 with bytes and len pointing into the store, or -ENOENT. */
int mesh_store_get(const struct mesh_store *s, const struct mesh_key *key, size_t i,
                   const uint8_t **bytes, size_t *len);

#endif

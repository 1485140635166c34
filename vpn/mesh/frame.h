/* Control frames between meshgate nodes, carried as the payload of a
 * WireGuard session (so authenticated and encrypted by it). Pure.
 *
 * Wire format, version 1. Integers are big endian.
 *
 *   offset  size  field
 *   0       1     0x11: high nibble 1 = meshgate control (an IPv4 packet
 *                 starts with 4, IPv6 with 6), low nibble = version 1
 *   1       1     type: 1 HASH, 2 SUMMARY, 3 WANT, 4 OBJECT
 *   2       2     body length
 *   4       ...   body; header and body are at most 1400 bytes. Anything
 *                 after the body (WireGuard pads to 16) is ignored.
 *
 * A key names one gossiped object (or, for revocations, the group of them
 * for one node): kind (u8: 1 revocation, 2 record, 3 announcement) |
 * name length (u8, 1..63) | name (a DNS label, see wire_label_valid).
 * Keys order by kind, then name as unsigned bytes.
 *
 *   HASH     root (32) | entry count (u32): the digest of the sender's whole
 *            summary (see mesh_store_root), to tell cheaply whether two
 *            nodes hold the same objects.
 *   SUMMARY  flags (u8: 1 from start, 2 to end; no other bits) |
 *            after (a key, present unless "from start") |
 *            count (u8, 0..64) | count entries, keys strictly increasing,
 *            each above `after`: key | sequence (u64) | digest (8).
 *            The chunk covers the keys above `after` (all, from start) up
 *            to and including its last entry (all, to end): a key inside
 *            that range that has no entry is one the sender does not hold.
 *            A chunk with no entries must be "to end".
 *   WANT     count (u8, 1..64) | count keys, strictly increasing.
 *   OBJECT   kind (u8) | the signed object as keys/ encodes it (1..1200
 *            bytes, the rest of the body).
 *
 * An entry's digest is the first 8 bytes of the object's signature; for
 * a revocation key holding several revocations (one per WireGuard key),
 * the first 8 bytes of BLAKE2b-256 over their signatures in WireGuard key
 * order, and the highest last_sequence as its sequence. */
#ifndef MG_VPN_MESH_FRAME_H
#define MG_VPN_MESH_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/wire.h"

#define MESH_FRAME_MAGIC 0x11
#define MESH_FRAME_HDR 4
#define MESH_FRAME_MAX 1400
#define MESH_FRAME_BODY_MAX (MESH_FRAME_MAX - MESH_FRAME_HDR)
#define MESH_LIST_MAX 64             /* entries of a SUMMARY, keys of a WANT */
#define MESH_DIGEST_LEN 8
#define MESH_ROOT_LEN 32
#define MESH_HASH_BODY (MESH_ROOT_LEN + 4)
#define MESH_KEY_WIRE_MAX (2 + WIRE_LABEL_MAX)
#define MESH_ENTRY_WIRE_MAX (MESH_KEY_WIRE_MAX + 8 + MESH_DIGEST_LEN)
#define MESH_SUMMARY_FIXED_MAX (1 + MESH_KEY_WIRE_MAX + 1)

#define MESH_SUMMARY_FROM_START 0x01
#define MESH_SUMMARY_TO_END 0x02

enum mesh_frame_type {
	MESH_FRAME_HASH = 1,
	MESH_FRAME_SUMMARY = 2,
	MESH_FRAME_WANT = 3,
	MESH_FRAME_OBJECT = 4,
};
#define MESH_FRAME_TYPES 5           /* for counters indexed by type */

/* Numbered in the order summaries list them: revocations first, so a
 * node catching up learns what is revoked before the records. */
enum mesh_kind {
	MESH_KIND_REVOCATION = 1,
	MESH_KIND_RECORD = 2,
	MESH_KIND_ANNOUNCE = 3,
};
#define MESH_KINDS 4

struct mesh_key {
	uint8_t kind;                        /* enum mesh_kind */
	char name[WIRE_LABEL_MAX + 1];
};

struct mesh_entry {
	struct mesh_key key;
	uint64_t sequence;
	uint8_t digest[MESH_DIGEST_LEN];
};

struct mesh_summary {
	uint8_t flags;                       /* MESH_SUMMARY_* */
	struct mesh_key after;               /* unless MESH_SUMMARY_FROM_START */
	uint8_t n;
	struct mesh_entry e[MESH_LIST_MAX];
};

struct mesh_want {
	uint8_t n;
	struct mesh_key keys[MESH_LIST_MAX];
};

struct mesh_frame {
	uint8_t type;                        /* enum mesh_frame_type */
	union {
		struct {
			uint8_t root[MESH_ROOT_LEN];
			uint32_t count;
		} hash;
		struct mesh_summary summary;
		struct mesh_want want;
		struct {
			uint8_t kind;
			const uint8_t *bytes;  /* into the decoded buffer */
			size_t len;
		} object;
	} u;
};

/* A summary with the longest names still fits one frame. */
_Static_assert(MESH_SUMMARY_FIXED_MAX + MESH_ENTRY_WIRE_MAX <= MESH_FRAME_BODY_MAX,
               "a summary chunk holds at least one entry");
/* An OBJECT frame carries any signed object. */
_Static_assert(1 + WIRE_OBJECT_MAX <= MESH_FRAME_BODY_MAX, "objects fit a frame");
/* A WANT answering a chunk is no bigger than the chunk: each of its keys is
 * smaller than the entry it answers, and it has no `after`. */
_Static_assert(MESH_KEY_WIRE_MAX < MESH_ENTRY_WIRE_MAX, "a chunk's WANT fits one frame");
_Static_assert(MESH_LIST_MAX <= UINT8_MAX, "list counts are one byte");

/* Whether a decrypted payload is a meshgate control frame of any version
 * (and so not an IP packet). */
static inline bool mesh_frame_is_control(const uint8_t *p, size_t len)
{
	return len >= 1 && (p[0] >> 4) == 1;
}

/* Kind, then name: <0, 0, >0. */
int mesh_key_cmp(const struct mesh_key *a, const struct mesh_key *b);
bool mesh_key_valid(const struct mesh_key *k);

/* Bytes a key, an entry or a whole summary body take on the wire. */
size_t mesh_key_wire_size(const struct mesh_key *k);
size_t mesh_entry_wire_size(const struct mesh_entry *e);
size_t mesh_summary_body_size(const struct mesh_summary *s);

/* Encodes f (which must follow every rule above) into buf: 0 with *len
 * set, -EINVAL for a frame the decoder would refuse, -ENOBUFS if cap is
 * too small (MESH_FRAME_MAX always suffices). */
int mesh_frame_encode(const struct mesh_frame *f, uint8_t *buf, size_t cap, size_t *len);
/* An OBJECT frame straight from the object's bytes. 0, -EINVAL, -ENOBUFS. */
int mesh_frame_object(uint8_t kind, const uint8_t *obj, size_t obj_len, uint8_t *buf,
                      size_t cap, size_t *len);

/* Parses a received payload of len bytes (padding included): 0 or
 * -EINVAL for anything malformed. Never reads outside buf; an OBJECT's
 * bytes point into buf. */
int mesh_frame_decode(const uint8_t *buf, size_t len, struct mesh_frame *f);

#endif

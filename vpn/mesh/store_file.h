/* The membership store on disk, so a restarted node knows every member
 * and where it last reached them without a bootstrap node.
 *
 * File format, version 1. Integers are big endian.
 *   magic        6    "MGMESH"
 *   version      2    1
 *   entries      ...  type (u8) | length (u16) | value:
 *                     1 revocation, 2 record, 3 announcement: the signed
 *                       bytes (1..1200) as keys/ encodes them
 *                     16 endpoint: name length (u8) | name | family (4 or 6)
 *                       | address (4 or 16) | port (u16) | unix time (u64)
 *   checksum     32   BLAKE2b-256 of every byte before it
 *
 * Written whole through lib/atomicfile.h, mode 0600. Loading checks the
 * magic, version, framing and checksum before touching the store, then
 * offers every object to it (revocations, records, announcements in that
 * order) so each is verified again: a tampered file adds nothing, and
 * records expired meanwhile are dropped. */
#ifndef MG_VPN_MESH_STORE_FILE_H
#define MG_VPN_MESH_STORE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "vpn/mesh/store.h"

#define MESH_FILE_VERSION 1
#define MESH_FILE_MAX (64u << 20)    /* refuse to read more */

enum mesh_file_entry {
	MESH_FILE_REVOCATION = MESH_KIND_REVOCATION,
	MESH_FILE_RECORD = MESH_KIND_RECORD,
	MESH_FILE_ANNOUNCE = MESH_KIND_ANNOUNCE,
	MESH_FILE_ENDPOINT = 16,
};

struct mesh_file_stats {
	uint64_t verdicts[MESH_VERDICTS];    /* of the objects offered */
	uint64_t endpoints;                  /* restored onto held nodes */
};

/* The file's bytes for s, in a buffer the caller frees. 0 or -ENOMEM. */
int mesh_store_file_build(const struct mesh_store *s, uint8_t **buf, size_t *len);
/* Loads a file's bytes into s. 0; -EBADMSG (bad magic, version, framing
 * or checksum: s is untouched). st may be NULL. */
int mesh_store_file_parse(struct mesh_store *s, const uint8_t *buf, size_t len, uint64_t now,
                          struct mesh_file_stats *st);

/* Writes s to path (mode 0600, replacing it atomically). 0 or -errno. */
int mesh_store_save(const struct mesh_store *s, const char *path);
/* Reads path into s: 0, -ENOENT (no file yet), -EBADMSG (refused: log it
 * and go on empty), -EFBIG, or another -errno from reading. */
int mesh_store_load(struct mesh_store *s, const char *path, uint64_t now,
                    struct mesh_file_stats *st);

#endif

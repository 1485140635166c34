/* Secret key files: "<kind>\n<base64 of the secret>\n", mode 0600.
 *
 * Writing never leaves a half-written key where a key was: the bytes go
 * to a temporary file in the same directory, which is synced and then
 * renamed (or linked, when not replacing) over the name, and the
 * directory is synced. A crash leaves the old file or the new one, and at
 * worst a stray ".NAME.XXXXXX" temporary beside it.
 *
 * Reading refuses, like ssh does with private keys, a file that its group
 * or others may read or write: -EPERM. */
#ifndef MG_KEYS_KEYFILE_H
#define MG_KEYS_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#define KEYFILE_NETWORK "meshgate-network-key v1"   /* the network's Ed25519 seed */
#define KEYFILE_NODE "meshgate-node-key v1"         /* a node's Ed25519 seed */
#define KEYFILE_SECRET_MAX 64
#define KEYFILE_REPLACE 1u           /* replace an existing file instead of -EEXIST */

/* 0 or -errno: -EEXIST (exists, KEYFILE_REPLACE not given), -EINVAL (kind
 * or length out of range), or what the file system said. */
int keyfile_write(const char *path, const char *kind, const uint8_t *secret, size_t len,
                  unsigned flags);

/* Reads exactly len secret bytes. 0, -EPERM (group or others have access),
 * -EINVAL (not a key file of this kind and length), or -errno of open/read. */
int keyfile_read(const char *path, const char *kind, uint8_t *secret, size_t len);

/* What an error of keyfile_read or keyfile_write means for the operator. */
const char *keyfile_strerror(int err);

#endif

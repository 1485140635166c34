/* The data path's ChaCha20-Poly1305 (RFC 8439, no associated data), with
 * WireGuard's nonce: 4 zero bytes and the little-endian 64-bit counter.
 *
 * OpenSSL 3 rather than libsodium here: on WireGuard-sized packets it
 * measured faster (bench/aead_bench), and Debian's OpenSSL has the NEON code
 * for the Raspberry Pis that Debian's libsodium 1.0.18 lacks. Handshake
 * crypto stays with libsodium. One cipher context per thread, made on first
 * use, so the engine never allocates per packet. */
#ifndef MG_VPN_AEAD_H
#define MG_VPN_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define AEAD_KEY_LEN 32
#define AEAD_TAG_LEN 16

/* Writes len + AEAD_TAG_LEN bytes to dst (may equal src). 0 or -ENOMEM. */
int aead_seal(const uint8_t key[AEAD_KEY_LEN], uint64_t counter, uint8_t *dst,
              const uint8_t *src, size_t len);
/* Reads len >= AEAD_TAG_LEN bytes, writes len - AEAD_TAG_LEN to dst (may equal
 * src). 0, -EBADMSG (forged or corrupt) or -ENOMEM. dst is garbage on error. */
int aead_open(const uint8_t key[AEAD_KEY_LEN], uint64_t counter, uint8_t *dst,
              const uint8_t *src, size_t len);

#endif

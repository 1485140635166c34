/* Ed25519 keys of the network and of nodes: generation, the network's
 * fingerprint, and signatures bound to the kind of object they sign.
 * Callers run sodium_init() once before any of this. */
#ifndef MG_KEYS_NETKEY_H
#define MG_KEYS_NETKEY_H

#include <stddef.h>
#include <stdint.h>

#define NETKEY_PUB_LEN 32
#define NETKEY_SEED_LEN 32           /* what key files hold */
#define NETKEY_SECRET_LEN 64         /* libsodium's seed || public key */
#define NETKEY_SIG_LEN 64
#define NETKEY_FP_LEN 32

/* Signing contexts: a signature made for one kind of object never
 * verifies as another kind, whatever the bytes. */
#define NETKEY_CTX_RECORD "meshgate record v1"
#define NETKEY_CTX_REVOCATION "meshgate revocation v1"
#define NETKEY_CTX_ANNOUNCE "meshgate announce v1"
/* Longest message netkey_sign and netkey_verify take (records and
 * announcements are at most 1200 bytes). */
#define NETKEY_MSG_MAX 1200

/* A fresh key pair (random seed), or the pair a seed stands for. */
void netkey_generate(uint8_t pub[NETKEY_PUB_LEN], uint8_t secret[NETKEY_SECRET_LEN]);
void netkey_from_seed(uint8_t pub[NETKEY_PUB_LEN], uint8_t secret[NETKEY_SECRET_LEN],
                      const uint8_t seed[NETKEY_SEED_LEN]);
void netkey_public(uint8_t pub[NETKEY_PUB_LEN], const uint8_t secret[NETKEY_SECRET_LEN]);

/* The network id: BLAKE2b-256 of the public key, personalised
 * "meshgate-net-fp1" so it is no other hash of the same bytes. */
void netkey_fingerprint(uint8_t fp[NETKEY_FP_LEN], const uint8_t pub[NETKEY_PUB_LEN]);

/* Ed25519 over ctx || NUL || msg. 0, or -EINVAL for a message over NETKEY_MSG_MAX. */
int netkey_sign(uint8_t sig[NETKEY_SIG_LEN], const char *ctx, const uint8_t *msg,
                size_t len, const uint8_t secret[NETKEY_SECRET_LEN]);
/* 0, -EBADMSG for a bad signature, -EINVAL for a message too long. */
int netkey_verify(const uint8_t sig[NETKEY_SIG_LEN], const char *ctx, const uint8_t *msg,
                  size_t len, const uint8_t pub[NETKEY_PUB_LEN]);

#endif

/* Keyed hash for every table a client can fill with names of its choosing
 * (cache, zone names): SipHash-1-3, so colliding names cannot be guessed
 * without the key. */
#ifndef MG_DNS_HASH_H
#define MG_DNS_HASH_H

#include <stddef.h>
#include <stdint.h>

#define DNS_HASH_KEYLEN 16

uint64_t dns_hash(const uint8_t key[DNS_HASH_KEYLEN], const void *data, size_t len);

#endif

/* A map from names (lower-case wire form) to pointers, with exact and
 * longest-suffix lookup. Open addressing; the caller owns the names, which
 * must stay put while they are in the map. Lookups do not allocate. */
#ifndef MG_DNS_NAMESET_H
#define MG_DNS_NAMESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/hash.h"

struct dns_nameset_slot {
	uint64_t hash;
	const uint8_t *name;	/* NULL: empty */
	void *val;
	uint8_t len;
};

struct dns_nameset {
	struct dns_nameset_slot *slots;
	size_t cap, n;		/* cap: a power of two, or 0 */
	uint8_t key[DNS_HASH_KEYLEN];
	uint64_t lens[4];	/* bitmap of the lengths present: skips most suffixes */
	uint16_t len_count[256];
};

void dns_nameset_init(struct dns_nameset *s, const uint8_t key[DNS_HASH_KEYLEN]);
void dns_nameset_fini(struct dns_nameset *s);
/* -EEXIST if the name is there, -ENOMEM. */
int dns_nameset_add(struct dns_nameset *s, const uint8_t *name, size_t len, void *val);
void *dns_nameset_get(const struct dns_nameset *s, const uint8_t *name, size_t len);
/* The value of the longest entry that name equals or lies below, and that
 * entry's length in *mlen; NULL (and *mlen 0) if none. */
void *dns_nameset_longest(const struct dns_nameset *s, const uint8_t *name, size_t len,
			  size_t *mlen);
/* Returns the removed value, or NULL. */
void *dns_nameset_del(struct dns_nameset *s, const uint8_t *name, size_t len);

#endif

/* The forwarding cache. Key: lower-cased name, type, class and the DO and
 * CD bits. Value: the upstream reply in stored form (dns/reply.h) with the
 * offset of every TTL. Memory is taken once at creation (entries, a hash
 * table, fixed-size blocks for the bytes): a hit copies into the caller's
 * buffer, sets the client's id and question case and writes each TTL as
 * TTL - age, with no allocation. Negative answers per RFC 2308, serve-stale
 * per RFC 8767, least recently used entries evicted first. DNSSEC records
 * and the AD/CD/DO bits are kept as upstream sent them. Times are
 * nanoseconds on the loop's monotonic scale. */
#ifndef MG_DNS_CACHE_H
#define MG_DNS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/hash.h"
#include "dns/wire.h"

#define DNS_CACHE_MAX_MSG	16384	/* larger replies are relayed, not kept */
#define DNS_CACHE_MAX_RRS	2048
#define DNS_CACHE_BLOCK		128

struct dns_cache_conf {
	size_t max_entries;
	size_t max_bytes;	/* block memory */
	uint32_t max_ttl;	/* longer TTLs are cut to this */
	uint32_t neg_max_ttl;	/* NXDOMAIN and NODATA */
	uint32_t stale_window;	/* s past expiry an entry may serve a failing upstream; 0: never */
	uint32_t stale_ttl;	/* the TTL such answers carry (RFC 8767: 30) */
	uint8_t hash_key[DNS_HASH_KEYLEN];
};

struct dns_cache_stats {
	uint64_t hits, misses, stale_served, insertions, evictions, expired;
	uint64_t entries, bytes, blocks_used, blocks;
};

struct dns_cache;

void dns_cache_conf_default(struct dns_cache_conf *c);
struct dns_cache *dns_cache_new(const struct dns_cache_conf *conf);
void dns_cache_free(struct dns_cache *c);

/* Keeps an upstream reply to the query q. 0; -EINVAL (malformed, or not
 * the answer to q); -ENOTSUP (not cacheable: rcode, TC, TTL 0, a negative
 * answer without SOA, an OPT record in the middle); -ENOSPC (too big). */
int dns_cache_insert(struct dns_cache *c, uint64_t now, const struct dns_query *q,
		     const uint8_t *reply, size_t len);
/* A reply to q from the cache into out, at most limit bytes (see
 * dns_answer_limit()); its length, or 0 on a miss. With allow_stale an
 * entry expired less than stale_window ago is used, with stale_ttl. */
size_t dns_cache_answer(struct dns_cache *c, uint64_t now, const struct dns_query *q,
			bool allow_stale, uint16_t our_udp, size_t limit, uint8_t *out, size_t cap);
void dns_cache_flush(struct dns_cache *c);
void dns_cache_stats(const struct dns_cache *c, struct dns_cache_stats *s);

#endif

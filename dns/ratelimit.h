/* Per-client token buckets: each source address may send `rate` queries a
 * second with bursts of `burst`. A fixed table keyed by a keyed hash of the
 * address; a client that finds its few slots taken by others replaces the
 * one idle longest (and starts with a full bucket). Pure: the caller gives
 * the time, nanoseconds on the loop's monotonic scale. */
#ifndef MG_DNS_RATELIMIT_H
#define MG_DNS_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/hash.h"
#include "lib/addr.h"

#define DNS_RL_PROBE	8	/* slots a client may sit in */

struct dns_rl_slot {
	uint8_t addr[16];
	uint8_t family;		/* 0: free */
	uint64_t last;		/* when the bucket was last filled */
	uint64_t tokens;	/* in millionths of a query */
};

struct dns_ratelimit {
	struct dns_rl_slot *slots;
	size_t mask;		/* slots - 1: a power of two */
	uint32_t rate, burst;	/* rate 0: everything passes */
	uint8_t key[DNS_HASH_KEYLEN];
	uint64_t limited, evicted;
};

/* At least `slots` (rounded up to a power of two) clients tracked. 0 or
 * -ENOMEM. */
int dns_rl_init(struct dns_ratelimit *rl, size_t slots, const uint8_t key[DNS_HASH_KEYLEN]);
void dns_rl_fini(struct dns_ratelimit *rl);
/* burst 0: twice the rate. Buckets already filled keep their tokens, up to
 * the new burst. */
void dns_rl_set(struct dns_ratelimit *rl, uint32_t rate, uint32_t burst);
/* Takes a token for a's query at now: false if there is none. */
bool dns_rl_allow(struct dns_ratelimit *rl, const struct mg_addr *a, uint64_t now);

#endif

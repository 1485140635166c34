/* The rate limit on handshake messages under load (the kernel's
 * ratelimiter.c): once a message's cookie has proven its source address,
 * that address (an IPv6 one by its /64) may start 20 handshakes a second
 * with bursts of 5. Token bucket per address, in a fixed table allocated on
 * first use: addresses idle for a second are forgotten, and when a set of
 * the table is full of busy addresses a new one is refused, as the kernel
 * refuses one when its table is full. Keyed hashing, so nobody can aim at
 * a set. */
#ifndef MG_VPN_RATELIMIT_H
#define MG_VPN_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"

#define WG_RATELIMIT_PER_SECOND 20
#define WG_RATELIMIT_BURST 5
#define WG_RATELIMIT_SETS 512
#define WG_RATELIMIT_WAYS 8

struct wg_ratelimit_entry;

struct wg_ratelimit {
	struct wg_ratelimit_entry *table;	/* SETS * WAYS, NULL until needed */
	uint8_t key[16];
};

/* key: random bytes for the hash. */
void wg_ratelimit_init(struct wg_ratelimit *r, const uint8_t key[16]);
void wg_ratelimit_fini(struct wg_ratelimit *r);
/* True if a handshake from a may go ahead at now (ns). */
bool wg_ratelimit_allow(struct wg_ratelimit *r, const struct mg_addr *a, uint64_t now);
/* The set of the table a falls in (for tests). */
unsigned int wg_ratelimit_set(const struct wg_ratelimit *r, const struct mg_addr *a);

#endif

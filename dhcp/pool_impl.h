/* The allocator's insides, shared by its construction (pool_build.c) and
 * its operations (pool.c): addresses in one array (each subnet's range
 * addresses contiguous, then addresses reserved outside ranges), a sorted
 * segment list from address to slot, a hash of clients chained through
 * the slots, a min-heap of expiry times, two summary bitmaps of free range
 * addresses (all free, and free remembered by nobody), hash tables of
 * reservations and the name table. */
#ifndef MG_DHCP_POOL_IMPL_H
#define MG_DHCP_POOL_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/fbits.h"
#include "dhcp/pool.h"

#define POOL_NONE UINT32_MAX

struct pool_subnet {
	uint32_t network, mask;
	uint32_t base, count;		/* its range slots */
};

struct pool_seg {
	uint32_t first, count, slot;
};

struct pool_res {
	struct dhcp_key cid, mac;	/* each len 0 if not matched by it */
	uint16_t subnet;
	uint32_t slot;
};

struct dhcp_pool {
	struct pool_subnet *subnets;
	size_t nsubnets;
	struct dhcp_lease *slots;
	size_t nslots, ndyn;
	struct pool_seg *segs;
	size_t nsegs;
	struct pool_res *res;
	size_t nres;
	uint32_t *rcid, *rmac;		/* open hash tables of reservations */
	size_t rmask;
	uint32_t *buckets;
	size_t bmask;
	uint32_t *heap;
	size_t nheap;
	struct fbits free, fresh;	/* range slots FREE; FREE and remembered by nobody */
	struct dhcp_names *names;
	size_t live, nstate[DHCP_NSTATES];
};

/* The slot of addr among the first n (sorted) segments, or POOL_NONE. */
uint32_t pool_slot_in(const struct dhcp_pool *p, size_t n, uint32_t addr);
/* The reservation for a client identifier key (by_mac false) or a MAC
 * key (dhcp_key_from_hw), or POOL_NONE. */
uint32_t pool_res_find(const struct dhcp_pool *p, bool by_mac, unsigned subnet,
		       const struct dhcp_key *k);

#endif

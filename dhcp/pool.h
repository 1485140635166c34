/* The address allocator: every address of every configured range and
 * reservation, its state, its client and its host name. Pure: time is an
 * argument, nothing is written anywhere (the server journals changes).
 *
 * Choosing an address for a client in a subnet (dhcp_pool_pick):
 *   1. its reservation, unless that address is quarantined or still
 *      leased to someone else;
 *   2. the address it holds or last held there (a free address remembers
 *      its last client);
 *   3. the address it asks for, if free and remembered by nobody;
 *   4. the first free address remembered by nobody at or after a position
 *      given by a hash of its identity, wrapping around the subnet's
 *      ranges: the same client gets the same address after a restart even
 *      if its lease is gone;
 *   5. the same with any free address, taking it from the client that
 *      last held it;
 *   else -ENOSPC.
 * Every operation is O(1) or O(log n) in the number of addresses. */
#ifndef MG_DHCP_POOL_H
#define MG_DHCP_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp.h"

#define DHCP_POOL_MAX (1u << 20)	/* addresses, all subnets together */

#define DHCP_LEASE_DYNAMIC 0x01		/* in a range */
#define DHCP_LEASE_RESERVED 0x02	/* a reservation's address */
#define DHCP_LEASE_FIXED_NAME 0x04	/* its name is the reservation's */

/* One address. Read only outside pool.c. */
struct dhcp_lease {
	struct dhcp_binding b;
	uint16_t subnet;		/* index in the configuration */
	uint8_t flags;
	uint32_t res;			/* reservation, internal */
	uint32_t next, heap;		/* client hash chain, expiry heap: internal */
};

struct dhcp_pool;

/* Builds the pool of subnets[0..n), all free. 0, -ENOMEM, or -EINVAL with
 * *why (may be NULL) saying what is wrong with the configuration. */
int dhcp_pool_new(const struct dhcp_subnet_conf *subnets, size_t n,
		  struct dhcp_pool **out, const char **why);
void dhcp_pool_free(struct dhcp_pool *p);

/* The subnet whose network holds addr, or -ENOENT. */
int dhcp_pool_subnet_of(const struct dhcp_pool *p, uint32_t addr);
/* Every address, in no particular order: i < dhcp_pool_size(). */
size_t dhcp_pool_size(const struct dhcp_pool *p);
const struct dhcp_lease *dhcp_pool_at(const struct dhcp_pool *p, size_t i);
const struct dhcp_lease *dhcp_pool_by_addr(const struct dhcp_pool *p, uint32_t addr);
/* The address bound to (or remembering) the client in a subnet, or NULL. */
const struct dhcp_lease *dhcp_pool_by_client(const struct dhcp_pool *p, unsigned subnet,
					     const struct dhcp_key *k);
/* The client's reserved address in a subnet, matched by client identifier
 * or by Ethernet address, or NULL. */
const struct dhcp_lease *dhcp_pool_reserved_for(const struct dhcp_pool *p, unsigned subnet,
						const struct dhcp_key *k, uint8_t htype,
						const uint8_t *hw, uint8_t hlen);
/* Whether the client may be given l now: not quarantined, not bound to
 * another client, not reserved for another. */
bool dhcp_pool_can_take(const struct dhcp_pool *p, const struct dhcp_lease *l,
			const struct dhcp_key *k, uint8_t htype, const uint8_t *hw, uint8_t hlen);
/* Chooses an address as above (requested 0: none). Changes nothing. */
int dhcp_pool_pick(const struct dhcp_pool *p, unsigned subnet, const struct dhcp_key *k,
		   uint8_t htype, const uint8_t *hw, uint8_t hlen, uint32_t requested,
		   const struct dhcp_lease **out);
/* Binds l to the client as OFFERED or LEASED until expires. Any other
 * address the client had in the subnet is freed and forgotten; it is
 * returned in *displaced (may be NULL) so the caller can journal it.
 * -EINVAL for another state. */
int dhcp_pool_bind(struct dhcp_pool *p, const struct dhcp_lease *l, enum dhcp_state state,
		   const struct dhcp_key *k, uint8_t htype, const uint8_t *hw, uint8_t hlen,
		   uint64_t expires, const struct dhcp_lease **displaced);
/* Frees l; it remembers its client unless forget. Its name goes. */
void dhcp_pool_release(struct dhcp_pool *p, const struct dhcp_lease *l, bool forget);
/* Quarantines l until `until`, forgetting its client and name. */
void dhcp_pool_decline(struct dhcp_pool *p, const struct dhcp_lease *l, uint64_t until);
/* Gives a LEASED l the host name (a valid label; "" drops its name).
 * 0, -EEXIST (someone holds it), -EPERM (l has its reservation's name),
 * -EINVAL (not leased, or not a label). */
int dhcp_pool_set_name(struct dhcp_pool *p, const struct dhcp_lease *l, const char *name);
/* Who holds a name: 0 and *l, or -ENOENT. */
int dhcp_pool_name_owner(const struct dhcp_pool *p, const char *name,
			 const struct dhcp_lease **l);

/* Called for each lease about to expire, before it changes. */
typedef void dhcp_expire_fn(void *ctx, const struct dhcp_lease *l);
/* Ends offers, leases and quarantines whose time is <= now: an offer or
 * lease becomes free remembering its client, a quarantine plain free.
 * Returns the next expiry, or UINT64_MAX if none. */
uint64_t dhcp_pool_sweep(struct dhcp_pool *p, uint64_t now, dhcp_expire_fn *fn, void *ctx);
uint64_t dhcp_pool_next_expiry(const struct dhcp_pool *p);

/* Puts back a binding read from the journal (later ones override earlier).
 * -ENOENT if its address is no longer configured, -EINVAL if malformed. A
 * name someone else holds is dropped. Call dhcp_pool_sweep after. */
int dhcp_pool_restore(struct dhcp_pool *p, const struct dhcp_binding *b);
/* Whether l says more than a fresh pool would, so a rewritten journal
 * must keep it; and how many addresses do. */
bool dhcp_pool_persistent(const struct dhcp_lease *l);
size_t dhcp_pool_live(const struct dhcp_pool *p);
/* Addresses in a state, over all subnets. */
size_t dhcp_pool_count(const struct dhcp_pool *p, enum dhcp_state s);

/* The hash that places a client in its subnet's ranges (rule 4). */
uint64_t dhcp_key_hash(const struct dhcp_key *k);
/* Checks every internal index against the addresses: 0 or -EFAULT. For
 * tests and fuzzing; O(n). */
int dhcp_pool_check(const struct dhcp_pool *p);

#endif

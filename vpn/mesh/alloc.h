/* Mesh addresses for new members. Pure.
 *
 * The same joiner gets the same address from the same range and the same
 * addresses in use, on any inviter: a hash of the seed (the joiner's
 * WireGuard public key) picks a starting host number, and the first free
 * one from there upwards (wrapping around) is taken. Never chosen:
 *   IPv4  the range's network and broadcast addresses (so a /31 or /32
 *         has none to give);
 *   IPv6  the range's host 0 (the subnet-router anycast address, and ::
 *         in ::/n), and the reserved subnet anycast interface ids of
 *         RFC 2526 (the last 128 of a /64).
 * The result keeps the range's prefix length: 10.77.3.9/16. */
#ifndef MG_VPN_MESH_ALLOC_H
#define MG_VPN_MESH_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

/* Whether an address is taken. */
typedef bool (*alloc_used_fn)(void *ctx, const struct mg_addr *a);

/* Whether the rules above ever allow a in range (in it, not reserved). */
bool alloc_usable(const struct mg_prefix *range, const struct mg_addr *a);

/* Picks from range (its host bits are ignored) asking used() about each
 * candidate, at most max_probes times. 0 with *out; -ENOSPC when no free
 * address was found within max_probes (or the range has none at all);
 * -EINVAL for a range of no known family or an IPv6 ::/0. */
int alloc_pick_cb(const struct mg_prefix *range, const uint8_t *seed, size_t seed_len,
                  alloc_used_fn used, void *ctx, uint64_t max_probes, struct mg_prefix *out);

/* The same with the addresses in use given as an array (of any family,
 * inside the range or not). Exact: -ENOSPC only when the range is full.
 * -ENOMEM possible (a sorted copy of the array is made). */
int alloc_pick(const struct mg_prefix *range, const uint8_t *seed, size_t seed_len,
               const struct mg_addr *in_use, size_t n_in_use, struct mg_prefix *out);

#endif

/* Longest-prefix-match table for IPv4 and IPv6 (WireGuard's allowed IPs):
 * prefixes map to an opaque value, usually a peer.
 *
 * A path-compressed binary trie per family: every node holds a prefix, and a
 * node without a value exists only to join two subtrees. Lookup walks at most
 * one node per prefix length, reads only, and never allocates.
 *
 * Concurrency: lookup, walk and count only read, so any number of threads may
 * call them at once provided no insert, remove or free runs at the same time.
 * The caller serialises writers against readers (a rwlock, or pausing the
 * workers); the table has no lock of its own. */
#ifndef MG_LIB_TRIE_H
#define MG_LIB_TRIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

struct trie;

/* Called for each prefix; a non-zero return stops the walk and is returned. */
typedef int (*trie_walk_fn)(void *ctx, const struct mg_prefix *p, void *value);

struct trie *trie_new(void);                                   /* NULL: no memory */
void trie_free(struct trie *t);                                /* NULL is fine */

/* Maps p (host bits ignored) to value, replacing the value of the identical
 * prefix if there is one. 0, -EINVAL (bad family or length, NULL value) or
 * -ENOMEM, in which case the table is unchanged. */
int trie_insert(struct trie *t, const struct mg_prefix *p, void *value);
/* 0, -ENOENT if the exact prefix (host bits ignored) is not in the table,
 * or -EINVAL for a bad family or length. */
int trie_remove(struct trie *t, const struct mg_prefix *p);
/* Removes every prefix mapped to value; returns how many went. */
size_t trie_remove_by_value(struct trie *t, const void *value);

/* The value of the longest prefix containing a, or NULL. IPv4-mapped IPv6
 * addresses are IPv6: they never match IPv4 prefixes. */
void *trie_lookup(const struct trie *t, const struct mg_addr *a);
/* The same on raw network-order bytes, 4 for AF_INET or 16 for AF_INET6,
 * straight from a packet header. */
void *trie_lookup_bytes(const struct trie *t, int family, const uint8_t *bytes);

/* Visits the prefixes mapped to value, or all of them when value is NULL:
 * IPv4 before IPv6, by address, then shorter first. The callback must not
 * change the table. */
int trie_walk(const struct trie *t, const void *value, trie_walk_fn fn, void *ctx);
size_t trie_count(const struct trie *t);

/* Checks the structural invariants (for tests): true when sound. */
bool trie_check(const struct trie *t);

#endif

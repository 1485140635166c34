/* The device's local indices: the 32-bit receiver index every incoming
 * response, cookie reply and data message names, mapped to the handshake or
 * keypair it belongs to. Indices are random, so they say nothing about how
 * many sessions exist (the kernel's index_hashtable does the same).
 *
 * Entries live inside their owners (a peer's handshake and keypair slots);
 * the table only links them, so nothing here allocates. */
#ifndef MG_VPN_INDEX_H
#define MG_VPN_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WG_INDEX_BITS 13
#define WG_INDEX_BUCKETS (1u << WG_INDEX_BITS)

struct wg_peer;
struct wg_keypair;

enum wg_index_kind {
	WG_INDEX_HANDSHAKE = 1,
	WG_INDEX_KEYPAIR = 2,
};

struct wg_index_entry {
	struct wg_index_entry *next;	/* bucket chain */
	struct wg_peer *peer;
	struct wg_keypair *keypair;	/* WG_INDEX_KEYPAIR only */
	uint32_t index;			/* meaningful while linked */
	enum wg_index_kind kind;
	bool linked;
};

struct wg_index_table {
	struct wg_index_entry *buckets[WG_INDEX_BUCKETS];
	size_t count;
};

/* Where fresh indices come from. */
typedef uint32_t (*wg_index_rand_fn)(void *arg);

void wg_index_init(struct wg_index_table *t);
/* Links e under a fresh random index not in use (unlinking it first if it
 * was linked). 0, or -EAGAIN if the random source kept naming used ones. */
int wg_index_insert(struct wg_index_table *t, struct wg_index_entry *e, wg_index_rand_fn rand,
		    void *arg);
/* Unlinks e; nothing if it is not linked. */
void wg_index_remove(struct wg_index_table *t, struct wg_index_entry *e);
/* new takes old's index (a handshake's index passing to its keypair). */
void wg_index_replace(struct wg_index_table *t, struct wg_index_entry *old,
		      struct wg_index_entry *new);
/* The entry holding index if its kind is in the mask `kinds`, or NULL. */
struct wg_index_entry *wg_index_lookup(const struct wg_index_table *t, uint32_t index,
				       unsigned int kinds);

#endif

#include "config.h"

#include <errno.h>
#include <string.h>

#include "vpn/index.h"

/* A random source that keeps hitting used indices is broken; give up
 * rather than spin. With a few thousand sessions in 2^32 one retry is rare. */
#define INSERT_TRIES 64

static struct wg_index_entry **bucket(const struct wg_index_table *t, uint32_t index)
{
	uint32_t h = index * 0x9e3779b1u;	/* Fibonacci hashing */

	return (struct wg_index_entry **)&t->buckets[h >> (32 - WG_INDEX_BITS)];
}

static struct wg_index_entry *find(const struct wg_index_table *t, uint32_t index)
{
	struct wg_index_entry *e;

	for (e = *bucket(t, index); e; e = e->next)
		if (e->index == index)
			return e;
	return NULL;
}

static void link_entry(struct wg_index_table *t, struct wg_index_entry *e, uint32_t index)
{
	struct wg_index_entry **b = bucket(t, index);

	e->index = index;
	e->next = *b;
	*b = e;
	e->linked = true;
	t->count++;
}

void wg_index_init(struct wg_index_table *t)
{
	memset(t, 0, sizeof(*t));
}

void wg_index_remove(struct wg_index_table *t, struct wg_index_entry *e)
{
	struct wg_index_entry **pp;

	if (!e->linked)
		return;
	for (pp = bucket(t, e->index); *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			t->count--;
			break;
		}
	}
	e->next = NULL;
	e->linked = false;
}

int wg_index_insert(struct wg_index_table *t, struct wg_index_entry *e, wg_index_rand_fn rand,
		    void *arg)
{
	uint32_t index;
	int i;

	for (i = 0; i < INSERT_TRIES; i++) {
		index = rand(arg);
		if (!find(t, index))
			goto found;
	}
	return -EAGAIN;
found:
	wg_index_remove(t, e);
	link_entry(t, e, index);
	return 0;
}

void wg_index_replace(struct wg_index_table *t, struct wg_index_entry *old,
		      struct wg_index_entry *new)
{
	uint32_t index = old->index;

	if (!old->linked)
		return;
	wg_index_remove(t, old);
	wg_index_remove(t, new);
	link_entry(t, new, index);
}

struct wg_index_entry *wg_index_lookup(const struct wg_index_table *t, uint32_t index,
				       unsigned int kinds)
{
	struct wg_index_entry *e = find(t, index);

	return e && (e->kind & kinds) ? e : NULL;
}

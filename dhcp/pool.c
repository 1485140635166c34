/* The allocator's operations. Every change goes through slot_set, which
 * keeps the indexes (pool_impl.h) in step with the addresses. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/hostname.h"
#include "dhcp/options.h"
#include "dhcp/pool_impl.h"

#define NONE POOL_NONE

uint64_t dhcp_key_hash(const struct dhcp_key *k)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < k->len; i++)
		h = (h ^ k->b[i]) * 0x100000001b3ULL;
	/* FNV's low bits mix poorly; fold the high ones in. */
	return h ^ (h >> 29) ^ (h >> 47);
}

static uint32_t idx(const struct dhcp_pool *p, const struct dhcp_lease *l)
{
	return (uint32_t)(l - p->slots);
}

static bool timed(uint8_t st)
{
	return st == DHCP_OFFERED || st == DHCP_LEASED || st == DHCP_DECLINED;
}

bool dhcp_pool_persistent(const struct dhcp_lease *l)
{
	return l->b.key.len || timed(l->b.state);
}

/* ---- expiry heap ---- */

static uint64_t exp_at(const struct dhcp_pool *p, size_t k)
{
	return p->slots[p->heap[k]].b.expires;
}

static void heap_put(struct dhcp_pool *p, size_t k, uint32_t s)
{
	p->heap[k] = s;
	p->slots[s].heap = (uint32_t)k;
}

static void heap_fix(struct dhcp_pool *p, size_t k)
{
	uint32_t s = p->heap[k];
	uint64_t e = p->slots[s].b.expires;

	while (k && exp_at(p, (k - 1) / 2) > e) {
		heap_put(p, k, p->heap[(k - 1) / 2]);
		k = (k - 1) / 2;
	}
	for (;;) {
		size_t c = 2 * k + 1;

		if (c >= p->nheap)
			break;
		if (c + 1 < p->nheap && exp_at(p, c + 1) < exp_at(p, c))
			c++;
		if (exp_at(p, c) >= e)
			break;
		heap_put(p, k, p->heap[c]);
		k = c;
	}
	heap_put(p, k, s);
}

static void heap_remove(struct dhcp_pool *p, uint32_t s)
{
	size_t k = p->slots[s].heap;

	if (k == NONE)
		return;
	p->slots[s].heap = NONE;
	if (k == --p->nheap)
		return;
	heap_put(p, k, p->heap[p->nheap]);
	heap_fix(p, k);
}

static void heap_update(struct dhcp_pool *p, uint32_t s)
{
	if (p->slots[s].heap == NONE) {
		p->slots[s].heap = (uint32_t)p->nheap;
		p->heap[p->nheap++] = s;
	}
	heap_fix(p, p->slots[s].heap);
}

/* ---- clients ---- */

static uint32_t *bucket(const struct dhcp_pool *p, const struct dhcp_key *k)
{
	return &p->buckets[dhcp_key_hash(k) & p->bmask];
}

static void chain_remove(struct dhcp_pool *p, uint32_t s)
{
	uint32_t *pp = bucket(p, &p->slots[s].b.key);

	while (*pp != s)
		pp = &p->slots[*pp].next;
	*pp = p->slots[s].next;
	p->slots[s].next = NONE;
}

static uint32_t find_client(const struct dhcp_pool *p, unsigned subnet, const struct dhcp_key *k)
{
	uint32_t s;

	for (s = *bucket(p, k); s != NONE; s = p->slots[s].next)
		if (p->slots[s].subnet == subnet && dhcp_key_eq(&p->slots[s].b.key, k))
			return s;
	return NONE;
}

/* ---- the one place state changes ---- */

static void drop_name(struct dhcp_pool *p, uint32_t s)
{
	struct dhcp_lease *l = &p->slots[s];

	if (l->flags & DHCP_LEASE_FIXED_NAME || !l->b.name[0])
		return;
	dhcp_names_drop(p->names, l->b.name, s);
	l->b.name[0] = '\0';
}

/* Sets slot s to state st for client k (NULL: nobody) until expires. A
 * slot the client held elsewhere in the subnet is freed and forgotten and
 * its index put in *displaced. */
static void slot_set(struct dhcp_pool *p, uint32_t s, uint8_t st, const struct dhcp_key *k,
		     uint8_t htype, const uint8_t *hw, uint8_t hlen, uint64_t expires,
		     uint32_t *displaced)
{
	struct dhcp_lease *l = &p->slots[s];
	bool reserved = l->flags & DHCP_LEASE_RESERVED;

	if (displaced)
		*displaced = NONE;
	p->live -= dhcp_pool_persistent(l);
	p->nstate[l->b.state]--;
	if (l->b.key.len && (!k || !dhcp_key_eq(&l->b.key, k))) {
		chain_remove(p, s);
		memset(&l->b.key, 0, sizeof(l->b.key));
		l->b.htype = l->b.hlen = 0;
		memset(l->b.hw, 0, sizeof(l->b.hw));
		drop_name(p, s);
	}
	if (k && !l->b.key.len) {
		uint32_t old = find_client(p, l->subnet, k);

		if (old != NONE) {
			slot_set(p, old, DHCP_FREE, NULL, 0, NULL, 0, 0, NULL);
			if (displaced)
				*displaced = old;
		}
		l->b.key = *k;
		l->next = *bucket(p, k);
		*bucket(p, k) = s;
	}
	if (k) {
		if (hlen > DHCP_CHADDR_LEN)
			hlen = DHCP_CHADDR_LEN;
		l->b.htype = htype;
		l->b.hlen = hlen;
		memset(l->b.hw, 0, sizeof(l->b.hw));
		if (hlen)
			memcpy(l->b.hw, hw, hlen);
	}
	if (st == DHCP_FREE && reserved)
		st = DHCP_RESERVED;
	else if (st == DHCP_RESERVED && !reserved)
		st = DHCP_FREE;
	l->b.state = st;
	if (st != DHCP_LEASED)
		drop_name(p, s);
	l->b.expires = timed(st) ? expires : 0;
	if (timed(st))
		heap_update(p, s);
	else
		heap_remove(p, s);
	if (s < p->ndyn) {
		if (st == DHCP_FREE)
			fbits_set(&p->free, s);
		else
			fbits_clear(&p->free, s);
		if (st == DHCP_FREE && !l->b.key.len)
			fbits_set(&p->fresh, s);
		else
			fbits_clear(&p->fresh, s);
	}
	p->nstate[st]++;
	p->live += dhcp_pool_persistent(l);
}

/* ---- building ---- */

/* ---- lookups ---- */

static uint32_t slot_of(const struct dhcp_pool *p, uint32_t addr)
{
	return pool_slot_in(p, p->nsegs, addr);
}


int dhcp_pool_subnet_of(const struct dhcp_pool *p, uint32_t addr)
{
	size_t i;

	for (i = 0; i < p->nsubnets; i++)
		if ((addr & p->subnets[i].mask) == p->subnets[i].network)
			return (int)i;
	return -ENOENT;
}

size_t dhcp_pool_size(const struct dhcp_pool *p)
{
	return p->nslots;
}

const struct dhcp_lease *dhcp_pool_at(const struct dhcp_pool *p, size_t i)
{
	return i < p->nslots ? &p->slots[i] : NULL;
}

const struct dhcp_lease *dhcp_pool_by_addr(const struct dhcp_pool *p, uint32_t addr)
{
	uint32_t s = slot_of(p, addr);

	return s == NONE ? NULL : &p->slots[s];
}

const struct dhcp_lease *dhcp_pool_by_client(const struct dhcp_pool *p, unsigned subnet,
					     const struct dhcp_key *k)
{
	uint32_t s = find_client(p, subnet, k);

	return s == NONE ? NULL : &p->slots[s];
}

static bool res_matches(const struct pool_res *r, const struct dhcp_key *k, uint8_t htype,
			const uint8_t *hw, uint8_t hlen)
{
	if (r->cid.len && dhcp_key_eq(&r->cid, k))
		return true;
	return r->mac.len && htype == DHCP_HTYPE_ETHER && hlen == 6 && !memcmp(r->mac.b + 2, hw, 6);
}

const struct dhcp_lease *dhcp_pool_reserved_for(const struct dhcp_pool *p, unsigned subnet,
						const struct dhcp_key *k, uint8_t htype,
						const uint8_t *hw, uint8_t hlen)
{
	struct dhcp_key mac;
	uint32_t ri;

	/* A reservation by client identifier wins over one by MAC. */
	ri = pool_res_find(p, false, subnet, k);
	if (ri == NONE && htype == DHCP_HTYPE_ETHER && hlen == 6) {
		dhcp_key_from_hw(&mac, htype, hw, hlen);
		ri = pool_res_find(p, true, subnet, &mac);
	}
	return ri == NONE ? NULL : &p->slots[p->res[ri].slot];
}

bool dhcp_pool_can_take(const struct dhcp_pool *p, const struct dhcp_lease *l,
			const struct dhcp_key *k, uint8_t htype, const uint8_t *hw, uint8_t hlen)
{
	if (l->b.state == DHCP_DECLINED)
		return false;
	if (l->flags & DHCP_LEASE_RESERVED &&
	    !res_matches(&p->res[l->res], k, htype, hw, hlen))
		return false;
	if (l->b.state == DHCP_OFFERED || l->b.state == DHCP_LEASED)
		return dhcp_key_eq(&l->b.key, k);
	return true;
}

/* The first member of bits in the subnet's slots at or after pos, wrapping. */
static uint32_t probe(const struct fbits *bits, const struct pool_subnet *sn, size_t pos)
{
	size_t end = (size_t)sn->base + sn->count, i;

	i = fbits_next(bits, pos, end);
	if (i == FBITS_NONE)
		i = fbits_next(bits, sn->base, pos);
	return i == FBITS_NONE ? NONE : (uint32_t)i;
}

int dhcp_pool_pick(const struct dhcp_pool *p, unsigned subnet, const struct dhcp_key *k,
		   uint8_t htype, const uint8_t *hw, uint8_t hlen, uint32_t requested,
		   const struct dhcp_lease **out)
{
	const struct pool_subnet *sn;
	const struct dhcp_lease *l;
	uint32_t s;
	size_t pos;

	if (subnet >= p->nsubnets)
		return -EINVAL;
	sn = &p->subnets[subnet];
	l = dhcp_pool_reserved_for(p, subnet, k, htype, hw, hlen);
	if (l && dhcp_pool_can_take(p, l, k, htype, hw, hlen))
		goto found;
	s = find_client(p, subnet, k);
	if (s != NONE && dhcp_pool_can_take(p, &p->slots[s], k, htype, hw, hlen)) {
		l = &p->slots[s];
		goto found;
	}
	s = requested ? slot_of(p, requested) : NONE;
	if (s != NONE && s < p->ndyn && p->slots[s].subnet == subnet && fbits_test(&p->fresh, s)) {
		l = &p->slots[s];
		goto found;
	}
	if (!sn->count)
		return -ENOSPC;
	pos = sn->base + (size_t)(dhcp_key_hash(k) % sn->count);
	s = probe(&p->fresh, sn, pos);
	if (s == NONE)
		s = probe(&p->free, sn, pos);
	if (s == NONE)
		return -ENOSPC;
	l = &p->slots[s];
found:
	*out = l;
	return 0;
}

/* ---- changes ---- */

int dhcp_pool_bind(struct dhcp_pool *p, const struct dhcp_lease *l, enum dhcp_state state,
		   const struct dhcp_key *k, uint8_t htype, const uint8_t *hw, uint8_t hlen,
		   uint64_t expires, const struct dhcp_lease **displaced)
{
	uint32_t d;

	if ((state != DHCP_OFFERED && state != DHCP_LEASED) || !k->len)
		return -EINVAL;
	slot_set(p, idx(p, l), (uint8_t)state, k, htype, hw, hlen, expires, &d);
	if (displaced)
		*displaced = d == NONE ? NULL : &p->slots[d];
	return 0;
}

void dhcp_pool_release(struct dhcp_pool *p, const struct dhcp_lease *l, bool forget)
{
	uint32_t s = idx(p, l);

	if (forget || !l->b.key.len)
		slot_set(p, s, DHCP_FREE, NULL, 0, NULL, 0, 0, NULL);
	else
		slot_set(p, s, DHCP_FREE, &l->b.key, l->b.htype, l->b.hw, l->b.hlen, 0, NULL);
}

void dhcp_pool_decline(struct dhcp_pool *p, const struct dhcp_lease *l, uint64_t until)
{
	slot_set(p, idx(p, l), DHCP_DECLINED, NULL, 0, NULL, 0, until, NULL);
}

int dhcp_pool_set_name(struct dhcp_pool *p, const struct dhcp_lease *l, const char *name)
{
	uint32_t s = idx(p, l);
	struct dhcp_lease *w = &p->slots[s];
	int r;

	if (l->flags & DHCP_LEASE_FIXED_NAME)
		return strcmp(l->b.name, name) ? -EPERM : 0;
	if (l->b.state != DHCP_LEASED || (*name && !dhcp_label_valid(name)))
		return -EINVAL;
	if (!strcmp(l->b.name, name))
		return 0;
	/* The table finds an owner's name through the slot, so the old
	 * entry goes first; it comes back if the new name is taken. */
	if (w->b.name[0])
		dhcp_names_drop(p->names, w->b.name, s);
	if (*name) {
		r = dhcp_names_claim(p->names, name, s);
		if (r) {
			if (w->b.name[0])
				dhcp_names_claim(p->names, w->b.name, s);
			return r;
		}
	}
	strcpy(w->b.name, name);
	return 0;
}

int dhcp_pool_name_owner(const struct dhcp_pool *p, const char *name,
			 const struct dhcp_lease **l)
{
	uint32_t s;

	if (dhcp_names_owner(p->names, name, &s))
		return -ENOENT;
	*l = &p->slots[s];
	return 0;
}

uint64_t dhcp_pool_next_expiry(const struct dhcp_pool *p)
{
	return p->nheap ? exp_at(p, 0) : UINT64_MAX;
}

uint64_t dhcp_pool_sweep(struct dhcp_pool *p, uint64_t now, dhcp_expire_fn *fn, void *ctx)
{
	while (p->nheap && exp_at(p, 0) <= now) {
		uint32_t s = p->heap[0];
		struct dhcp_lease *l = &p->slots[s];

		if (fn)
			fn(ctx, l);
		if (l->b.state == DHCP_DECLINED)
			slot_set(p, s, DHCP_FREE, NULL, 0, NULL, 0, 0, NULL);
		else
			slot_set(p, s, DHCP_FREE, &l->b.key, l->b.htype, l->b.hw, l->b.hlen, 0, NULL);
	}
	return dhcp_pool_next_expiry(p);
}

int dhcp_pool_restore(struct dhcp_pool *p, const struct dhcp_binding *b)
{
	const struct dhcp_key *k = b->key.len ? &b->key : NULL;
	uint32_t s = slot_of(p, b->addr);
	char name[DHCP_LABEL_MAX + 1];

	if (b->state >= DHCP_NSTATES || b->key.len > DHCP_KEY_MAX || b->hlen > DHCP_CHADDR_LEN ||
	    ((b->state == DHCP_OFFERED || b->state == DHCP_LEASED) && !k))
		return -EINVAL;
	if (s == NONE)
		return -ENOENT;
	if (b->state == DHCP_DECLINED)
		k = NULL;
	slot_set(p, s, b->state, k, b->htype, b->hw, b->hlen, b->expires, NULL);
	memcpy(name, b->name, sizeof(name));
	name[DHCP_LABEL_MAX] = '\0';
	if (b->state == DHCP_LEASED && name[0] && !(p->slots[s].flags & DHCP_LEASE_FIXED_NAME))
		dhcp_pool_set_name(p, &p->slots[s], name);	/* taken or bad: no name */
	return 0;
}

size_t dhcp_pool_live(const struct dhcp_pool *p)
{
	return p->live;
}

size_t dhcp_pool_count(const struct dhcp_pool *p, enum dhcp_state s)
{
	return (unsigned)s < DHCP_NSTATES ? p->nstate[s] : 0;
}

/* ---- self-check ---- */

int dhcp_pool_check(const struct dhcp_pool *p)
{
	size_t i, live = 0, nstate[DHCP_NSTATES] = { 0 }, named = 0;

	for (i = 0; i < p->nheap; i++)
		if (p->slots[p->heap[i]].heap != i || (i && exp_at(p, (i - 1) / 2) > exp_at(p, i)))
			return -EFAULT;
	for (i = 0; i < p->nslots; i++) {
		const struct dhcp_lease *l = &p->slots[i];
		bool reserved = l->flags & DHCP_LEASE_RESERVED;
		uint32_t owner;

		if (l->b.state >= DHCP_NSTATES || slot_of(p, l->b.addr) != i)
			return -EFAULT;
		nstate[l->b.state]++;
		live += dhcp_pool_persistent(l);
		if ((l->b.state == DHCP_FREE && reserved) || (l->b.state == DHCP_RESERVED && !reserved))
			return -EFAULT;
		if (timed(l->b.state) != (l->heap != NONE))
			return -EFAULT;
		if ((l->b.state == DHCP_OFFERED || l->b.state == DHCP_LEASED) && !l->b.key.len)
			return -EFAULT;
		if (l->b.state == DHCP_DECLINED && l->b.key.len)
			return -EFAULT;
		if (i < p->ndyn) {
			if (fbits_test(&p->free, i) != (l->b.state == DHCP_FREE) ||
			    fbits_test(&p->fresh, i) != (l->b.state == DHCP_FREE && !l->b.key.len))
				return -EFAULT;
		}
		if (l->b.key.len) {
			/* On its chain, and the client's only slot in the subnet. */
			if (find_client(p, l->subnet, &l->b.key) != i)
				return -EFAULT;
		} else if (l->next != NONE) {
			return -EFAULT;
		}
		if (l->b.name[0]) {
			named++;
			if (dhcp_names_owner(p->names, l->b.name, &owner) || owner != i)
				return -EFAULT;
			if (!(l->flags & DHCP_LEASE_FIXED_NAME) && l->b.state != DHCP_LEASED)
				return -EFAULT;
		}
	}
	if (live != p->live || named != dhcp_names_count(p->names) ||
	    memcmp(nstate, p->nstate, sizeof(nstate)))
		return -EFAULT;
	return 0;
}

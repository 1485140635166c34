/* Building the allocator from the configuration, which is checked on
 * the way: subnets and ranges that overlap, addresses outside their
 * subnet, reservations that clash. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/hostname.h"
#include "dhcp/options.h"
#include "dhcp/pool_impl.h"
#include "dhcp/wire.h"

static const char *slot_name(void *ctx, uint32_t owner)
{
	const struct dhcp_pool *p = ctx;

	return p->slots[owner].b.name;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_range(const void *a, const void *b)
{
	return cmp_u32(((const struct dhcp_range *)a)->first, ((const struct dhcp_range *)b)->first);
}

static int cmp_seg(const void *a, const void *b)
{
	return cmp_u32(((const struct pool_seg *)a)->first, ((const struct pool_seg *)b)->first);
}

static bool in_net(const struct pool_subnet *sn, uint32_t a)
{
	return (a & sn->mask) == sn->network && a != sn->network && a != (sn->network | ~sn->mask);
}

static int check_subnets(const struct dhcp_subnet_conf *c, size_t n, size_t *total,
			 const char **why)
{
	size_t i, j, k;
	uint64_t sum = 0;

	for (i = 0; i < n; i++) {
		uint32_t mask;

		if (c[i].prefix_len < 1 || c[i].prefix_len > 30) {
			*why = "subnet prefix length must be 1..30";
			return -EINVAL;
		}
		mask = ~0u << (32 - c[i].prefix_len);
		if (c[i].network & ~mask) {
			*why = "subnet has host bits set";
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			uint32_t m2 = ~0u << (32 - c[j].prefix_len), m = mask & m2;

			if ((c[i].network & m) == (c[j].network & m)) {
				*why = "subnets overlap";
				return -EINVAL;
			}
		}
		for (k = 0; k < c[i].nranges; k++) {
			const struct dhcp_range *r = &c[i].ranges[k];
			struct pool_subnet sn = { .network = c[i].network, .mask = mask };

			if (r->first > r->last || !in_net(&sn, r->first) || !in_net(&sn, r->last)) {
				*why = "range outside its subnet, or backwards";
				return -EINVAL;
			}
			sum += (uint64_t)r->last - r->first + 1;
		}
		sum += c[i].nreservations;
	}
	if (sum > DHCP_POOL_MAX) {
		*why = "too many addresses";
		return -EINVAL;
	}
	*total = (size_t)sum;
	return 0;
}

static int lay_out_ranges(struct dhcp_pool *p, const struct dhcp_subnet_conf *c, size_t n,
			  const char **why)
{
	size_t i, k, s = 0;

	for (i = 0; i < n; i++) {
		struct dhcp_range *r = malloc((c[i].nranges ? c[i].nranges : 1) * sizeof(*r));

		if (!r)
			return -ENOMEM;
		if (c[i].nranges)
			memcpy(r, c[i].ranges, c[i].nranges * sizeof(*r));
		qsort(r, c[i].nranges, sizeof(*r), cmp_range);
		p->subnets[i].network = c[i].network;
		p->subnets[i].mask = ~0u << (32 - c[i].prefix_len);
		p->subnets[i].base = (uint32_t)s;
		for (k = 0; k < c[i].nranges; k++) {
			uint32_t a;

			if (k && r[k].first <= r[k - 1].last) {
				free(r);
				*why = "ranges overlap";
				return -EINVAL;
			}
			p->segs[p->nsegs++] = (struct pool_seg){
				.first = r[k].first, .count = r[k].last - r[k].first + 1,
				.slot = (uint32_t)s,
			};
			for (a = r[k].first;; a++) {
				p->slots[s].b.addr = a;
				p->slots[s].subnet = (uint16_t)i;
				p->slots[s].flags = DHCP_LEASE_DYNAMIC;
				s++;
				if (a == r[k].last)
					break;
			}
		}
		p->subnets[i].count = (uint32_t)(s - p->subnets[i].base);
		free(r);
	}
	p->ndyn = s;
	p->nslots = s;
	return 0;
}

/* The slot of addr among the first n (sorted) segments, or POOL_NONE. */
uint32_t pool_slot_in(const struct dhcp_pool *p, size_t n, uint32_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct pool_seg *g = &p->segs[mid];

		if (addr < g->first)
			hi = mid;
		else if (addr - g->first >= g->count)
			lo = mid + 1;
		else
			return g->slot + (addr - g->first);
	}
	return POOL_NONE;
}

static size_t res_pos(const struct dhcp_pool *p, unsigned subnet, const struct dhcp_key *k)
{
	return (size_t)(dhcp_key_hash(k) + subnet * 0x9e3779b97f4a7c15ULL) & p->rmask;
}

uint32_t pool_res_find(const struct dhcp_pool *p, bool by_mac, unsigned subnet,
		       const struct dhcp_key *k)
{
	const uint32_t *t = by_mac ? p->rmac : p->rcid;
	size_t i;

	for (i = res_pos(p, subnet, k); t[i] != POOL_NONE; i = (i + 1) & p->rmask) {
		const struct pool_res *r = &p->res[t[i]];

		if (r->subnet == subnet && dhcp_key_eq(by_mac ? &r->mac : &r->cid, k))
			return t[i];
	}
	return POOL_NONE;
}

static int res_insert(struct dhcp_pool *p, bool by_mac, uint32_t ri)
{
	const struct pool_res *r = &p->res[ri];
	const struct dhcp_key *k = by_mac ? &r->mac : &r->cid;
	uint32_t *t = by_mac ? p->rmac : p->rcid;
	size_t i;

	if (!k->len)
		return 0;
	if (pool_res_find(p, by_mac, r->subnet, k) != POOL_NONE)
		return -EEXIST;
	for (i = res_pos(p, r->subnet, k); t[i] != POOL_NONE; i = (i + 1) & p->rmask)
		;
	t[i] = ri;
	return 0;
}

static int add_reservations(struct dhcp_pool *p, const struct dhcp_subnet_conf *c, size_t n,
			    const char **why)
{
	size_t i, k, dyn_segs = p->nsegs;

	for (i = 0; i < n; i++) {
		for (k = 0; k < c[i].nreservations; k++) {
			const struct dhcp_reservation *rc = &c[i].reservations[k];
			uint32_t ri = (uint32_t)p->nres, s;
			struct pool_res *r = &p->res[ri];

			if (!in_net(&p->subnets[i], rc->addr) || (!rc->cid_len && !rc->has_mac) ||
			    (rc->name && !dhcp_label_valid(rc->name))) {
				*why = "reservation outside its subnet, without a client, or with a bad name";
				return -EINVAL;
			}
			/* In a range, or a slot of its own after the ranges' (a
			 * second reservation of it shows as overlapping segments). */
			s = pool_slot_in(p, dyn_segs, rc->addr);
			if (s != POOL_NONE && p->slots[s].flags & DHCP_LEASE_RESERVED) {
				*why = "address reserved twice";
				return -EINVAL;
			}
			if (s == POOL_NONE) {
				s = (uint32_t)p->nslots++;
				p->slots[s].b.addr = rc->addr;
				p->slots[s].subnet = (uint16_t)i;
				p->segs[p->nsegs++] = (struct pool_seg){ .first = rc->addr, .count = 1, .slot = s };
			}
			p->slots[s].flags |= DHCP_LEASE_RESERVED;
			p->slots[s].res = ri;
			memset(r, 0, sizeof(*r));
			if (rc->cid_len)
				dhcp_key_from_cid(&r->cid, rc->cid, rc->cid_len);
			if (rc->has_mac)
				dhcp_key_from_hw(&r->mac, DHCP_HTYPE_ETHER, rc->mac, 6);
			r->subnet = (uint16_t)i;
			r->slot = s;
			p->nres++;
			if (res_insert(p, false, ri) || res_insert(p, true, ri)) {
				*why = "two reservations for one client";
				return -EINVAL;
			}
			if (rc->name) {
				strcpy(p->slots[s].b.name, rc->name);
				p->slots[s].flags |= DHCP_LEASE_FIXED_NAME;
				if (dhcp_names_claim(p->names, rc->name, s)) {
					*why = "two reservations with one name";
					return -EINVAL;
				}
			}
		}
	}
	return 0;
}

int dhcp_pool_new(const struct dhcp_subnet_conf *subnets, size_t n,
		  struct dhcp_pool **out, const char **why)
{
	struct dhcp_pool *p;
	const char *dummy;
	size_t total, i, nres = 0, size = 16, rsize = 16;
	int r;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (n > UINT16_MAX) {
		*why = "too many subnets";
		return -EINVAL;
	}
	r = check_subnets(subnets, n, &total, why);
	if (r)
		return r;
	for (i = 0; i < n; i++)
		nres += subnets[i].nreservations;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	while (size < total)
		size <<= 1;
	while (rsize < 2 * nres)
		rsize <<= 1;
	p->nsubnets = n;
	p->subnets = calloc(n ? n : 1, sizeof(*p->subnets));
	p->slots = calloc(total ? total : 1, sizeof(*p->slots));
	p->segs = calloc(total ? total : 1, sizeof(*p->segs));
	p->res = calloc(nres ? nres : 1, sizeof(*p->res));
	p->buckets = malloc(size * sizeof(*p->buckets));
	p->heap = malloc((total ? total : 1) * sizeof(*p->heap));
	p->bmask = size - 1;
	p->rcid = malloc(rsize * sizeof(*p->rcid));
	p->rmac = malloc(rsize * sizeof(*p->rmac));
	p->rmask = rsize - 1;
	p->names = dhcp_names_new(total, slot_name, p);
	r = -ENOMEM;
	if (!p->subnets || !p->slots || !p->segs || !p->res || !p->buckets || !p->heap ||
	    !p->names || !p->rcid || !p->rmac)
		goto fail;
	memset(p->buckets, 0xff, size * sizeof(*p->buckets));
	memset(p->rcid, 0xff, rsize * sizeof(*p->rcid));
	memset(p->rmac, 0xff, rsize * sizeof(*p->rmac));
	for (i = 0; i < total; i++)
		p->slots[i].next = p->slots[i].heap = p->slots[i].res = POOL_NONE;
	r = lay_out_ranges(p, subnets, n, why);
	if (r)
		goto fail;
	qsort(p->segs, p->nsegs, sizeof(*p->segs), cmp_seg);
	r = add_reservations(p, subnets, n, why);
	if (r)
		goto fail;
	qsort(p->segs, p->nsegs, sizeof(*p->segs), cmp_seg);
	for (i = 1; i < p->nsegs; i++)
		if (p->segs[i].first - p->segs[i - 1].first < p->segs[i - 1].count) {
			*why = "ranges overlap, or an address is reserved twice";
			r = -EINVAL;
			goto fail;
		}
	r = -ENOMEM;
	if (fbits_init(&p->free, p->ndyn) || fbits_init(&p->fresh, p->ndyn))
		goto fail;
	for (i = 0; i < p->nslots; i++) {
		struct dhcp_lease *l = &p->slots[i];

		l->b.state = l->flags & DHCP_LEASE_RESERVED ? DHCP_RESERVED : DHCP_FREE;
		p->nstate[l->b.state]++;
		if (i < p->ndyn && l->b.state == DHCP_FREE) {
			fbits_set(&p->free, i);
			fbits_set(&p->fresh, i);
		}
	}
	*out = p;
	return 0;
fail:
	dhcp_pool_free(p);
	return r;
}

void dhcp_pool_free(struct dhcp_pool *p)
{
	if (!p)
		return;
	fbits_free(&p->free);
	fbits_free(&p->fresh);
	dhcp_names_free(p->names);
	free(p->subnets);
	free(p->slots);
	free(p->segs);
	free(p->res);
	free(p->rcid);
	free(p->rmac);
	free(p->buckets);
	free(p->heap);
	free(p);
}


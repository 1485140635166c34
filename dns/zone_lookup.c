#include "config.h"

#include <string.h>

#include "dns/zone_priv.h"

size_t zone_match(const struct zone_db *db, const uint8_t *name, size_t len)
{
	size_t m;

	dns_nameset_longest(&db->apexes, name, len, &m);
	return m;
}

static bool link_live(const struct znode *r, const struct zlink *l, uint64_t now)
{
	return !l->dyn || zdyn_live(&l->host->dyn[r->fam], now);
}

static bool node_live(const struct znode *n, uint64_t now)
{
	if (n->nrr || n->apex || n->desc || zdyn_live(&n->dyn[0], now) || zdyn_live(&n->dyn[1], now))
		return true;
	for (unsigned i = 0; i < n->nptr; i++)
		if (link_live(n, &n->ptr[i], now))
			return true;
	return false;
}

static void add_an(struct zone_result *res, const uint8_t *owner, uint8_t owner_len,
		   uint16_t type, uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	if (res->nan >= ZONE_MAX_AN)
		return;
	res->an[res->nan++] = (struct zone_rr){
		.owner = owner, .owner_len = owner_len, .type = type, .ttl = ttl,
		.rdata = rdata, .rdlen = (uint16_t)rdlen,
	};
}

static unsigned collect(const struct zone_db *db, const struct znode *n, uint16_t qtype,
			uint64_t now, const uint8_t *owner, struct zone_result *res)
{
	unsigned before = res->nan;
	bool any = qtype == DNS_T_ANY;
	uint8_t olen = owner ? n->len : 0;

	if (n->apex && (any || qtype == DNS_T_SOA))
		add_an(res, owner, olen, DNS_T_SOA, db->p.ttl, n->apex->soa, n->apex->soa_len);
	if (n->apex && (any || qtype == DNS_T_NS))
		add_an(res, owner, olen, DNS_T_NS, db->p.ttl, n->apex->ns, n->apex->ns_len);
	for (unsigned i = 0; i < n->nrr; i++)
		if (any || n->rr[i].type == qtype)
			add_an(res, owner, olen, n->rr[i].type, n->rr[i].ttl, n->rr[i].rdata,
			       n->rr[i].rdlen);
	if ((any || qtype == DNS_T_A) && zdyn_live(&n->dyn[0], now))
		add_an(res, owner, olen, DNS_T_A, db->p.dyn_ttl, n->dyn[0].addr, 4);
	if ((any || qtype == DNS_T_AAAA) && zdyn_live(&n->dyn[1], now))
		add_an(res, owner, olen, DNS_T_AAAA, db->p.dyn_ttl, n->dyn[1].addr, 16);
	if (any || qtype == DNS_T_PTR)
		for (unsigned i = 0; i < n->nptr; i++)
			if (link_live(n, &n->ptr[i], now))
				add_an(res, owner, olen, DNS_T_PTR,
				       n->ptr[i].dyn ? db->p.dyn_ttl : db->p.ttl,
				       n->ptr[i].host->name, n->ptr[i].host->len);
	return res->nan - before;
}

static enum zone_status negative(const struct zone_db *db, const struct zone *z,
				 enum zone_status st, struct zone_result *res)
{
	res->ns[0] = (struct zone_rr){
		.owner = z->apex, .owner_len = z->apex_len, .type = DNS_T_SOA,
		.ttl = db->p.neg_ttl, .rdata = z->soa, .rdlen = z->soa_len,
	};
	res->nns = 1;
	return res->status = st;
}

enum zone_status zone_lookup(const struct zone_db *db, const uint8_t *name, size_t len,
			     uint16_t qtype, uint64_t now, struct zone_result *res)
{
	const struct zone *z;
	const uint8_t *owner = NULL;
	uint8_t target[DNS_NAME_MAX];
	size_t m;

	res->nan = res->nns = 0;
	z = dns_nameset_longest(&db->apexes, name, len, &res->apex_len);
	if (!z)
		return res->status = ZONE_NOT_OURS;
	for (unsigned hop = 0;; hop++) {
		const struct znode *n = znode_get(db, name, len);
		const struct zrr *cname;

		if (!n || !node_live(n, now))
			return negative(db, z, ZONE_NXDOMAIN, res);
		if (owner)
			owner = n->name;
		cname = znode_cname(n);
		if (cname && qtype != DNS_T_CNAME && qtype != DNS_T_ANY) {
			const struct zone *tz;

			add_an(res, owner, owner ? n->len : 0, DNS_T_CNAME, cname->ttl,
			       cname->rdata, cname->rdlen);
			if (hop + 1 >= ZONE_CHASE_MAX || res->nan >= ZONE_MAX_AN)
				return res->status = ZONE_ANSWER;
			dns_name_lower(target, cname->rdata, cname->rdlen);
			tz = dns_nameset_longest(&db->apexes, target, cname->rdlen, &m);
			if (!tz)
				return res->status = ZONE_ANSWER;	/* the client asks on */
			z = tz;
			name = target;
			len = cname->rdlen;
			owner = target;		/* replaced by the node's own copy */
			continue;
		}
		if (collect(db, n, qtype, now, owner, res))
			return res->status = ZONE_ANSWER;
		return negative(db, z, ZONE_NODATA, res);
	}
}

unsigned zone_count(const struct zone_db *db)
{
	return db->nzones;
}

const uint8_t *zone_apex(const struct zone_db *db, unsigned i, size_t *len)
{
	if (i >= db->nzones)
		return NULL;
	*len = db->zones[i]->apex_len;
	return db->zones[i]->apex;
}

uint32_t zone_serial(const struct zone_db *db)
{
	return db->serial;
}

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns/answer.h"
#include "dns/cache.h"
#include "dns/reply.h"

#define NONE		UINT32_MAX
#define KEY_DO		1
#define KEY_CD		2
#define NS_PER_S	1000000000ULL

/* An entry's bytes live in a chain of blocks: the stored-form reply, then
 * (at an even offset) its TTL offsets as native uint16_t. */
struct centry {
	uint64_t hash;
	uint64_t stored;	/* when, ns */
	uint32_t ttl;		/* seconds it is fresh */
	uint32_t head;		/* first block; NONE: entry unused */
	uint32_t nblocks;
	uint32_t prev, next;	/* LRU list; next also links the free entries */
	uint16_t msg_len, ar_off, nttl;
	uint16_t type, class_;
	uint8_t qlen, flags;
};

struct dns_cache {
	struct dns_cache_conf conf;
	struct centry *e;
	uint32_t nent, free_ent, used_ent;
	uint32_t *slot;		/* entry index + 1; 0: empty */
	size_t mask;
	uint8_t *blk;
	uint32_t *bnext;
	uint32_t nblk, free_blk, nfree_blk;
	uint32_t mru, lru;
	struct dns_cache_stats st;
	/* Insertion builds the entry here before it goes into blocks. */
	uint16_t scratch_ttl[DNS_CACHE_MAX_RRS];
	uint8_t scratch[DNS_CACHE_MAX_MSG + 2 * DNS_CACHE_MAX_RRS + 2];
};

void dns_cache_conf_default(struct dns_cache_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->max_entries = 10000;
	c->max_bytes = 10000 * 512;
	c->max_ttl = 86400;
	c->neg_max_ttl = 3600;
	c->stale_window = 86400;
	c->stale_ttl = 30;
}

static void reset(struct dns_cache *c)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		c->e[i].head = NONE;
		c->e[i].next = i + 1 < c->nent ? i + 1 : NONE;
	}
	c->free_ent = 0;
	c->used_ent = 0;
	for (uint32_t i = 0; i < c->nblk; i++)
		c->bnext[i] = i + 1 < c->nblk ? i + 1 : NONE;
	c->free_blk = 0;
	c->nfree_blk = c->nblk;
	memset(c->slot, 0, (c->mask + 1) * sizeof(*c->slot));
	c->mru = c->lru = NONE;
	c->st.entries = c->st.bytes = 0;
}

struct dns_cache *dns_cache_new(const struct dns_cache_conf *conf)
{
	struct dns_cache *c;
	size_t slots = 16;

	if (!conf->max_entries || conf->max_entries >= NONE / 2 ||
	    conf->max_bytes / DNS_CACHE_BLOCK >= NONE || conf->max_bytes < DNS_CACHE_BLOCK)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->conf = *conf;
	c->nent = (uint32_t)conf->max_entries;
	c->nblk = (uint32_t)(conf->max_bytes / DNS_CACHE_BLOCK);
	while (slots < 2 * conf->max_entries)
		slots *= 2;
	c->mask = slots - 1;
	c->e = calloc(c->nent, sizeof(*c->e));
	c->slot = calloc(slots, sizeof(*c->slot));
	c->blk = malloc((size_t)c->nblk * DNS_CACHE_BLOCK);
	c->bnext = malloc((size_t)c->nblk * sizeof(*c->bnext));
	if (!c->e || !c->slot || !c->blk || !c->bnext) {
		dns_cache_free(c);
		return NULL;
	}
	c->st.blocks = c->nblk;
	reset(c);
	return c;
}

void dns_cache_free(struct dns_cache *c)
{
	if (!c)
		return;
	free(c->e);
	free(c->slot);
	free(c->blk);
	free(c->bnext);
	free(c);
}

void dns_cache_flush(struct dns_cache *c)
{
	reset(c);
}

void dns_cache_stats(const struct dns_cache *c, struct dns_cache_stats *s)
{
	*s = c->st;
	s->blocks_used = c->nblk - c->nfree_blk;
}

/* ---- keys ---- */

static uint8_t key_flags(const struct dns_query *q)
{
	return (uint8_t)((q->edns.present && q->edns.do_bit ? KEY_DO : 0) |
			 (q->hdr.flags & DNS_F_CD ? KEY_CD : 0));
}

static uint64_t key_hash(const struct dns_cache *c, const struct dns_query *q, uint8_t flags)
{
	uint8_t k[DNS_NAME_MAX + 5];

	memcpy(k, q->lname, q->qname_len);
	dns_wr16(k + q->qname_len, q->qtype);
	dns_wr16(k + q->qname_len + 2, q->qclass);
	k[q->qname_len + 4] = flags;
	return dns_hash(c->conf.hash_key, k, q->qname_len + 5u);
}

/* ---- block chains ---- */

static void chain_read(const struct dns_cache *c, const struct centry *e, uint8_t *dst,
		       size_t n)
{
	uint32_t b = e->head;

	while (n) {
		size_t k = n < DNS_CACHE_BLOCK ? n : DNS_CACHE_BLOCK;

		memcpy(dst, c->blk + (size_t)b * DNS_CACHE_BLOCK, k);
		dst += k;
		n -= k;
		b = c->bnext[b];
	}
}

static bool chain_eq(const struct dns_cache *c, const struct centry *e, size_t off,
		     const uint8_t *data, size_t n)
{
	uint32_t b = e->head;

	for (; off >= DNS_CACHE_BLOCK; off -= DNS_CACHE_BLOCK)
		b = c->bnext[b];
	while (n) {
		size_t k = DNS_CACHE_BLOCK - off;

		if (k > n)
			k = n;
		if (memcmp(c->blk + (size_t)b * DNS_CACHE_BLOCK + off, data, k))
			return false;
		data += k;
		n -= k;
		off = 0;
		b = c->bnext[b];
	}
	return true;
}

/* ---- entries ---- */

static void lru_unlink(struct dns_cache *c, uint32_t i)
{
	struct centry *e = &c->e[i];

	if (e->prev != NONE)
		c->e[e->prev].next = e->next;
	else
		c->mru = e->next;
	if (e->next != NONE)
		c->e[e->next].prev = e->prev;
	else
		c->lru = e->prev;
}

static void lru_push(struct dns_cache *c, uint32_t i)
{
	struct centry *e = &c->e[i];

	e->prev = NONE;
	e->next = c->mru;
	if (c->mru != NONE)
		c->e[c->mru].prev = i;
	c->mru = i;
	if (c->lru == NONE)
		c->lru = i;
}

static size_t slot_of(const struct dns_cache *c, uint32_t i)
{
	size_t s;

	for (s = c->e[i].hash & c->mask; c->slot[s] != i + 1; s = (s + 1) & c->mask)
		;
	return s;
}

static void slot_del(struct dns_cache *c, size_t i)
{
	size_t j;

	/* Backward shift: no tombstones, probes stay short. */
	for (j = (i + 1) & c->mask; c->slot[j]; j = (j + 1) & c->mask) {
		size_t home = c->e[c->slot[j] - 1].hash & c->mask;

		if (((j - home) & c->mask) >= ((j - i) & c->mask)) {
			c->slot[i] = c->slot[j];
			i = j;
		}
	}
	c->slot[i] = 0;
}

static size_t entry_size(size_t msg_len, unsigned nttl)
{
	return ((msg_len + 1) & ~(size_t)1) + 2u * nttl;
}

static void entry_remove(struct dns_cache *c, uint32_t i)
{
	struct centry *e = &c->e[i];
	uint32_t last = e->head;

	slot_del(c, slot_of(c, i));
	lru_unlink(c, i);
	for (uint32_t k = 1; k < e->nblocks; k++)
		last = c->bnext[last];
	c->bnext[last] = c->free_blk;
	c->free_blk = e->head;
	c->nfree_blk += e->nblocks;
	c->st.bytes -= entry_size(e->msg_len, e->nttl);
	c->st.entries--;
	c->used_ent--;
	e->head = NONE;
	e->next = c->free_ent;
	c->free_ent = i;
}

static uint32_t entry_find(const struct dns_cache *c, const struct dns_query *q, uint8_t flags,
			   uint64_t h)
{
	for (size_t s = h & c->mask; c->slot[s]; s = (s + 1) & c->mask) {
		uint32_t i = c->slot[s] - 1;
		const struct centry *e = &c->e[i];

		if (e->hash == h && e->qlen == q->qname_len && e->type == q->qtype &&
		    e->class_ == q->qclass && e->flags == flags &&
		    chain_eq(c, e, DNS_HDR_LEN, q->lname, q->qname_len))
			return i;
	}
	return NONE;
}

/* ---- hits ---- */

static void rewrite_ttls(const struct dns_cache *c, const struct centry *e, uint8_t *out,
			 size_t len, uint32_t age, bool stale)
{
	size_t pos = (e->msg_len + 1u) & ~(size_t)1;
	uint32_t b = e->head;

	for (size_t skip = pos / DNS_CACHE_BLOCK; skip; skip--)
		b = c->bnext[b];
	for (unsigned i = 0; i < e->nttl; i++, pos += 2) {
		uint16_t o;
		uint32_t t;

		if (i && pos % DNS_CACHE_BLOCK == 0)
			b = c->bnext[b];
		memcpy(&o, c->blk + (size_t)b * DNS_CACHE_BLOCK + pos % DNS_CACHE_BLOCK, 2);
		if ((size_t)o + 4 > len)
			continue;	/* in a section left out */
		t = dns_rd32(out + o);
		dns_wr32(out + o, stale ? c->conf.stale_ttl : t > age ? t - age : 0);
	}
}

size_t dns_cache_answer(struct dns_cache *c, uint64_t now, const struct dns_query *q,
			bool allow_stale, uint16_t our_udp, size_t limit, uint8_t *out, size_t cap)
{
	uint8_t flags = key_flags(q);
	struct dns_relay_plan p;
	struct centry *e;
	uint64_t age;
	uint32_t i;
	bool stale;

	i = entry_find(c, q, flags, key_hash(c, q, flags));
	if (i == NONE) {
		c->st.misses++;
		return 0;
	}
	e = &c->e[i];
	age = now > e->stored ? (now - e->stored) / NS_PER_S : 0;
	stale = age >= e->ttl;
	if (stale && age >= (uint64_t)e->ttl + c->conf.stale_window) {
		entry_remove(c, i);
		c->st.expired++;
		c->st.misses++;
		return 0;
	}
	if (stale && !allow_stale) {
		c->st.misses++;
		return 0;
	}
	if (limit > cap)
		limit = cap;
	dns_relay_plan(q, e->msg_len, e->ar_off, limit, &p);
	if (p.copy_len + (q->edns.present ? DNS_OPT_LEN : 0) > limit) {
		c->st.misses++;
		return 0;
	}
	chain_read(c, e, out, p.copy_len);
	rewrite_ttls(c, e, out, p.copy_len, (uint32_t)age, stale);
	lru_unlink(c, i);
	lru_push(c, i);
	if (stale)
		c->st.stale_served++;
	else
		c->st.hits++;
	return dns_relay_finish(q, &p, out, our_udp);
}

/* ---- insertion ---- */

static int cache_ttl(const struct dns_cache *c, const struct dns_reply_info *ri, bool *neg)
{
	uint32_t ttl;
	uint8_t rcode = ri->hdr.flags & DNS_F_RCODE;

	if (rcode != DNS_RC_NOERROR && rcode != DNS_RC_NXDOMAIN)
		return -ENOTSUP;
	*neg = rcode == DNS_RC_NXDOMAIN || ri->hdr.ancount == 0;
	if (*neg) {
		if (!ri->has_soa)
			return -ENOTSUP;	/* RFC 2308 5: no SOA, no caching */
		ttl = ri->neg_ttl < ri->min_ttl ? ri->neg_ttl : ri->min_ttl;
		if (ttl > c->conf.neg_max_ttl)
			ttl = c->conf.neg_max_ttl;
	} else {
		ttl = ri->min_ttl < c->conf.max_ttl ? ri->min_ttl : c->conf.max_ttl;
	}
	if (ttl == 0)
		return -ENOTSUP;
	return (int)(ttl > INT32_MAX ? INT32_MAX : ttl);
}

static uint32_t take_entry(struct dns_cache *c, uint32_t nblocks)
{
	uint32_t i;

	while (c->free_ent == NONE || c->nfree_blk < nblocks) {
		entry_remove(c, c->lru);
		c->st.evictions++;
	}
	i = c->free_ent;
	c->free_ent = c->e[i].next;
	return i;
}

int dns_cache_insert(struct dns_cache *c, uint64_t now, const struct dns_query *q,
		     const uint8_t *reply, size_t len)
{
	struct dns_reply_info ri;
	uint8_t flags = key_flags(q);
	uint32_t i, b, nblocks, cap_ttl;
	size_t size, msg_len, off, s;
	struct centry *e;
	uint64_t h;
	bool neg;
	int ttl;

	if (dns_reply_scan(reply, len, &ri, c->scratch_ttl, DNS_CACHE_MAX_RRS))
		return -EINVAL;
	if (!(ri.hdr.flags & DNS_F_QR) || DNS_OPCODE(ri.hdr.flags) != DNS_OPCODE_QUERY ||
	    ri.qname_len != q->qname_len || memcmp(ri.qname, q->lname, q->qname_len) ||
	    ri.qtype != q->qtype || ri.qclass != q->qclass)
		return -EINVAL;
	if (ri.hdr.flags & DNS_F_TC || (ri.edns.present && ri.edns.ext_rcode) || !ri.opt_movable)
		return -ENOTSUP;
	if (ri.stored_len > DNS_CACHE_MAX_MSG || ri.nttl > DNS_CACHE_MAX_RRS)
		return -ENOSPC;
	ttl = cache_ttl(c, &ri, &neg);
	if (ttl < 0)
		return ttl;
	msg_len = ri.stored_len;
	size = entry_size(msg_len, ri.nttl);
	nblocks = (uint32_t)((size + DNS_CACHE_BLOCK - 1) / DNS_CACHE_BLOCK);
	if (nblocks > c->nblk)
		return -ENOSPC;

	/* The stored form, with the question lower-cased (a hit puts the
	 * client's case back) and TTLs cut to our limits. */
	dns_reply_copy(reply, &ri, 0, msg_len, c->scratch);
	memcpy(c->scratch + DNS_HDR_LEN, q->lname, q->qname_len);
	cap_ttl = neg ? c->conf.neg_max_ttl : c->conf.max_ttl;
	for (unsigned k = 0; k < ri.nttl; k++) {
		uint8_t *p = c->scratch + c->scratch_ttl[k];

		if (dns_rd32(p) > cap_ttl)
			dns_wr32(p, cap_ttl);
	}
	if (neg && dns_rd32(c->scratch + ri.soa_ttl_off) > ri.neg_ttl)
		dns_wr32(c->scratch + ri.soa_ttl_off, ri.neg_ttl);
	off = (msg_len + 1) & ~(size_t)1;
	memcpy(c->scratch + off, c->scratch_ttl, 2u * ri.nttl);

	h = key_hash(c, q, flags);
	i = entry_find(c, q, flags, h);
	if (i != NONE)
		entry_remove(c, i);
	i = take_entry(c, nblocks);
	e = &c->e[i];
	memset(e, 0, sizeof(*e));
	e->hash = h;
	e->stored = now;
	e->ttl = (uint32_t)ttl;
	e->nblocks = nblocks;
	e->msg_len = (uint16_t)msg_len;
	e->ar_off = (uint16_t)ri.ar_off;
	e->nttl = (uint16_t)ri.nttl;
	e->type = q->qtype;
	e->class_ = q->qclass;
	e->qlen = q->qname_len;
	e->flags = flags;

	/* Blocks off the free list, filled in order. */
	e->head = c->free_blk;
	b = e->head;
	for (size_t done = 0; done < size; done += DNS_CACHE_BLOCK) {
		size_t k = size - done < DNS_CACHE_BLOCK ? size - done : DNS_CACHE_BLOCK;

		memcpy(c->blk + (size_t)b * DNS_CACHE_BLOCK, c->scratch + done, k);
		if (done + DNS_CACHE_BLOCK < size)
			b = c->bnext[b];
	}
	c->free_blk = c->bnext[b];
	c->bnext[b] = NONE;
	c->nfree_blk -= nblocks;

	for (s = h & c->mask; c->slot[s]; s = (s + 1) & c->mask)
		;
	c->slot[s] = i + 1;
	lru_push(c, i);
	c->used_ent++;
	c->st.entries++;
	c->st.bytes += size;
	c->st.insertions++;
	return 0;
}

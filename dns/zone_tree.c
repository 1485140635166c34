#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns/rev.h"
#include "dns/zone_priv.h"

void znode_free(struct znode *n)
{
	for (unsigned i = 0; i < n->nrr; i++)
		free(n->rr[i].rdata);
	free(n->rr);
	free(n->ptr);
	free(n);
}

bool znode_has_data(const struct znode *n)
{
	return n->nrr || n->apex || n->dyn[0].set || n->dyn[1].set || n->nptr;
}

size_t znode_stop(const struct zone_db *db, const uint8_t *name, size_t len)
{
	size_t m;

	if (dns_name_under(name, len, ZONE_V4_SUFFIX, ZONE_V4_SUFFIX_LEN))
		return ZONE_V4_SUFFIX_LEN;
	if (dns_name_under(name, len, ZONE_V6_SUFFIX, ZONE_V6_SUFFIX_LEN))
		return ZONE_V6_SUFFIX_LEN;
	dns_nameset_longest(&db->apexes, name, len, &m);
	return m;
}

struct znode *znode_get(const struct zone_db *db, const uint8_t *name, size_t len)
{
	return dns_nameset_get(&db->nodes, name, len);
}

static struct znode *znode_make(struct zone_db *db, const uint8_t *name, size_t len, size_t stop)
{
	struct znode *n = znode_get(db, name, len);

	if (n)
		return n;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	memcpy(n->name, name, len);
	n->len = (uint8_t)len;
	n->stop = (uint8_t)stop;
	n->fam = dns_name_under(name, len, ZONE_V6_SUFFIX, ZONE_V6_SUFFIX_LEN);
	if (dns_nameset_add(&db->nodes, n->name, len, n)) {
		free(n);
		return NULL;
	}
	return n;
}

/* A node and all its ancestors, created before any data changes so that a
 * failure leaves the counts as they were. */
struct znode *znode_make_path(struct zone_db *db, const uint8_t *name, size_t len)
{
	size_t stop = znode_stop(db, name, len), off;

	if (!stop)
		return NULL;
	for (off = dns_name_parent(name, len); len - off > stop; off += 1u + name[off])
		if (!znode_make(db, name + off, len - off, stop))
			return NULL;
	return znode_make(db, name, len, stop);
}

void znode_maybe_free(struct zone_db *db, struct znode *n)
{
	if (znode_has_data(n) || n->desc)
		return;
	dns_nameset_del(&db->nodes, n->name, n->len);
	znode_free(n);
}

/* Call after changing n's data, with whether it had any before. */
void znode_changed(struct zone_db *db, struct znode *n, bool before)
{
	bool after = znode_has_data(n);
	uint8_t name[DNS_NAME_MAX];
	size_t len = n->len, stop = n->stop, off;

	if (before == after)
		return;
	memcpy(name, n->name, len);
	if (!after)
		znode_maybe_free(db, n);
	for (off = dns_name_parent(name, len); len - off > stop; off += 1u + name[off]) {
		struct znode *a = znode_get(db, name + off, len - off);

		if (!a)
			continue;
		if (after) {
			a->desc++;
		} else {
			a->desc--;
			znode_maybe_free(db, a);
		}
	}
}

const struct zrr *znode_cname(const struct znode *n)
{
	for (unsigned i = 0; i < n->nrr; i++)
		if (n->rr[i].type == DNS_T_CNAME)
			return &n->rr[i];
	return NULL;
}

int zlink_add(struct zone_db *db, struct znode *host, const uint8_t *addr, int fam,
		    bool dyn)
{
	struct mg_addr a = { .family = fam ? AF_INET6 : AF_INET };
	uint8_t name[DNS_NAME_MAX];
	struct znode *r;
	struct zlink *p;
	bool before;
	size_t len;

	memcpy(a.u.bytes, addr, fam ? 16 : 4);
	len = dns_rev_name(&a, name);
	r = znode_make_path(db, name, len);
	if (!r)
		return -ENOMEM;
	for (unsigned i = 0; i < r->nptr; i++)
		if (r->ptr[i].host == host && r->ptr[i].dyn == dyn)
			return 0;
	p = realloc(r->ptr, (r->nptr + 1) * sizeof(*p));
	if (!p) {
		znode_maybe_free(db, r);
		return -ENOMEM;
	}
	before = znode_has_data(r);
	r->ptr = p;
	r->ptr[r->nptr++] = (struct zlink){ .host = host, .dyn = dyn };
	znode_changed(db, r, before);
	return 0;
}

void zlink_del(struct zone_db *db, struct znode *host, const uint8_t *addr, int fam,
		     bool dyn)
{
	struct mg_addr a = { .family = fam ? AF_INET6 : AF_INET };
	uint8_t name[DNS_NAME_MAX];
	struct znode *r;
	size_t len;

	memcpy(a.u.bytes, addr, fam ? 16 : 4);
	len = dns_rev_name(&a, name);
	r = znode_get(db, name, len);
	if (!r)
		return;
	for (unsigned i = 0; i < r->nptr; i++) {
		if (r->ptr[i].host != host || r->ptr[i].dyn != dyn)
			continue;
		r->ptr[i] = r->ptr[--r->nptr];
		znode_changed(db, r, true);
		return;
	}
}

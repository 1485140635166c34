#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns/zone_priv.h"

static void dyn_clear(struct zone_db *db, struct znode *n, int fam)
{
	bool before = znode_has_data(n);

	if (!n->dyn[fam].set)
		return;
	zlink_del(db, n, n->dyn[fam].addr, fam, true);
	n->dyn[fam].set = false;
	znode_changed(db, n, before);
}

int zone_dyn_set(struct zone_db *db, const char *name, const struct mg_addr *addr,
		 uint64_t expires)
{
	uint8_t owner[DNS_NAME_MAX];
	int fam = addr->family == AF_INET6, n = zone_qualify(db, name, owner), r;
	uint16_t type = fam ? DNS_T_AAAA : DNS_T_A;
	size_t alen = mg_addr_len(addr);
	struct znode *node;
	bool before;

	if (n < 0)
		return n;
	if (addr->family != AF_INET && addr->family != AF_INET6)
		return -EINVAL;
	if (znode_stop(db, owner, (size_t)n) == 0 || !zone_match(db, owner, (size_t)n))
		return -ENOENT;
	node = znode_make_path(db, owner, (size_t)n);
	if (!node)
		return -ENOMEM;
	if (znode_cname(node))
		return -EEXIST;
	for (unsigned i = 0; i < node->nrr; i++)
		if (node->rr[i].type == type)
			return -EEXIST;
	if (node->dyn[fam].set && memcmp(node->dyn[fam].addr, addr->u.bytes, alen) == 0) {
		node->dyn[fam].expires = expires;
		return 0;
	}
	dyn_clear(db, node, fam);
	/* dyn_clear may have freed a node that held nothing else. */
	node = znode_make_path(db, owner, (size_t)n);
	if (!node)
		return -ENOMEM;
	r = zlink_add(db, node, addr->u.bytes, fam, true);
	if (r) {
		znode_maybe_free(db, node);
		return r;
	}
	before = znode_has_data(node);
	node->dyn[fam].set = true;
	memcpy(node->dyn[fam].addr, addr->u.bytes, alen);
	node->dyn[fam].expires = expires;
	znode_changed(db, node, before);
	zone_serial_bump(db);
	return 0;
}

int zone_dyn_remove(struct zone_db *db, const char *name, int family)
{
	uint8_t owner[DNS_NAME_MAX];
	int n = zone_qualify(db, name, owner);
	struct znode *node;
	bool any = false;

	if (n < 0)
		return n;
	node = znode_get(db, owner, (size_t)n);
	for (int fam = 0; fam < 2 && node; fam++) {
		if ((family == AF_INET && fam) || (family == AF_INET6 && !fam) ||
		    !node->dyn[fam].set)
			continue;
		any = true;
		dyn_clear(db, node, fam);
		node = znode_get(db, owner, (size_t)n);	/* may be gone now */
	}
	if (!any)
		return -ENOENT;
	zone_serial_bump(db);
	return 0;
}

uint64_t zone_expire(struct zone_db *db, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	struct znode **gone = NULL;
	size_t ngone = 0, i;
	bool changed = false;

	/* Collect first: freeing nodes moves others around in the table. */
	for (i = 0; i < db->nodes.cap; i++) {
		struct znode *n = db->nodes.slots[i].val;

		if (!db->nodes.slots[i].name)
			continue;
		for (int fam = 0; fam < 2; fam++) {
			if (!n->dyn[fam].set)
				continue;
			if (n->dyn[fam].expires <= now) {
				struct znode **g = realloc(gone, (ngone + 1) * sizeof(*g));

				if (!g)
					return now;	/* try again soon */
				gone = g;
				gone[ngone++] = n;
				break;
			}
			if (n->dyn[fam].expires < next)
				next = n->dyn[fam].expires;
		}
	}
	for (i = 0; i < ngone; i++) {
		uint8_t name[DNS_NAME_MAX];
		size_t len = gone[i]->len;
		struct znode *n = gone[i];

		memcpy(name, n->name, len);
		for (int fam = 0; fam < 2 && n; fam++) {
			if (!n->dyn[fam].set)
				continue;
			if (n->dyn[fam].expires <= now) {
				dyn_clear(db, n, fam);
				changed = true;
				n = znode_get(db, name, len);
			} else if (n->dyn[fam].expires < next) {
				next = n->dyn[fam].expires;
			}
		}
	}
	free(gone);
	if (changed)
		zone_serial_bump(db);
	return next;
}

void zone_dyn_walk(const struct zone_db *db, uint64_t now,
		   void (*cb)(void *arg, const uint8_t *name, size_t len, const struct mg_addr *a,
			      uint64_t expires),
		   void *arg)
{
	for (size_t i = 0; i < db->nodes.cap; i++) {
		const struct znode *n = db->nodes.slots[i].val;

		if (!db->nodes.slots[i].name)
			continue;
		for (int fam = 0; fam < 2; fam++) {
			struct mg_addr a = { .family = fam ? AF_INET6 : AF_INET };

			if (!zdyn_live(&n->dyn[fam], now))
				continue;
			memcpy(a.u.bytes, n->dyn[fam].addr, fam ? 16 : 4);
			cb(arg, n->name, n->len, &a, n->dyn[fam].expires);
		}
	}
}

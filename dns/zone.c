#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/ldns.h>

#include "dns/rev.h"
#include "dns/zone_priv.h"

void zone_params_default(struct zone_params *p)
{
	memset(p, 0, sizeof(*p));
	p->ttl = 3600;
	p->dyn_ttl = 60;
	p->neg_ttl = 60;
	p->refresh = 3600;
	p->retry = 600;
	p->expire = 86400;
	p->serial = 1;
}

struct zone_db *zone_db_new(const struct zone_params *p, const uint8_t hash_key[16])
{
	struct zone_db *db = calloc(1, sizeof(*db));
	int n;

	if (!db)
		return NULL;
	db->p = *p;
	db->p.ns_name = db->p.hostmaster = NULL;
	db->serial = p->serial;
	if (p->ns_name) {
		if ((n = dns_name_from_str(p->ns_name, db->ns, sizeof(db->ns))) < 0)
			goto fail;
		db->ns_len = (uint8_t)n;
	}
	if (p->hostmaster) {
		if ((n = dns_name_from_str(p->hostmaster, db->hm, sizeof(db->hm))) < 0)
			goto fail;
		db->hm_len = (uint8_t)n;
	}
	dns_nameset_init(&db->apexes, hash_key);
	dns_nameset_init(&db->nodes, hash_key);
	return db;
fail:
	free(db);
	return NULL;
}

void zone_db_free(struct zone_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->nodes.cap; i++)
		if (db->nodes.slots[i].name)
			znode_free(db->nodes.slots[i].val);
	for (unsigned i = 0; i < db->nzones; i++)
		free(db->zones[i]);
	free(db->zones);
	dns_nameset_fini(&db->apexes);
	dns_nameset_fini(&db->nodes);
	free(db);
}

/* ---- zones ---- */

static void soa_build(struct zone_db *db, struct zone *z)
{
	uint8_t *p = z->soa;
	const uint8_t *hm = db->hm;
	size_t hm_len = db->hm_len;
	uint8_t def[DNS_NAME_MAX];
	const struct zone *base = db->first_fwd ? db->first_fwd : z;

	if (!hm_len) {
		/* hostmaster.<zone>, or the zone itself if that is too long. */
		static const uint8_t hml[] = "\012hostmaster";

		if (base->apex_len + sizeof(hml) - 1 <= DNS_NAME_MAX) {
			memcpy(def, hml, sizeof(hml) - 1);
			memcpy(def + sizeof(hml) - 1, base->apex, base->apex_len);
			hm_len = sizeof(hml) - 1 + base->apex_len;
		} else {
			memcpy(def, base->apex, base->apex_len);
			hm_len = base->apex_len;
		}
		hm = def;
	}
	memcpy(p, z->ns, z->ns_len);
	p += z->ns_len;
	memcpy(p, hm, hm_len);
	p += hm_len;
	dns_wr32(p, db->serial);
	dns_wr32(p + 4, db->p.refresh);
	dns_wr32(p + 8, db->p.retry);
	dns_wr32(p + 12, db->p.expire);
	dns_wr32(p + 16, db->p.neg_ttl);
	z->soa_len = (uint16_t)(p + 20 - z->soa);
}

void zone_serial_bump(struct zone_db *db)
{
	db->serial++;
	for (unsigned i = 0; i < db->nzones; i++)
		dns_wr32(db->zones[i]->soa + db->zones[i]->soa_len - 20, db->serial);
}

static int zone_new(struct zone_db *db, const uint8_t *apex, size_t len, bool reverse)
{
	struct zone *z, **zs;
	struct znode *n;
	const struct zone *base;
	bool before;

	if (dns_nameset_get(&db->apexes, apex, len))
		return -EEXIST;
	z = calloc(1, sizeof(*z));
	if (!z)
		return -ENOMEM;
	memcpy(z->apex, apex, len);
	z->apex_len = (uint8_t)len;
	z->reverse = reverse;
	base = !reverse || !db->first_fwd ? z : db->first_fwd;
	if (db->ns_len) {
		memcpy(z->ns, db->ns, db->ns_len);
		z->ns_len = db->ns_len;
	} else if (base->apex_len + 3 <= DNS_NAME_MAX) {
		memcpy(z->ns, "\002ns", 3);
		memcpy(z->ns + 3, base->apex, base->apex_len);
		z->ns_len = (uint8_t)(base->apex_len + 3);
	} else {
		memcpy(z->ns, base->apex, base->apex_len);
		z->ns_len = base->apex_len;
	}
	zs = realloc(db->zones, (db->nzones + 1) * sizeof(*zs));
	if (!zs)
		goto fail;
	db->zones = zs;
	if (dns_nameset_add(&db->apexes, z->apex, len, z))
		goto fail;
	n = znode_make_path(db, z->apex, len);
	if (!n) {
		dns_nameset_del(&db->apexes, z->apex, len);
		goto fail;
	}
	before = znode_has_data(n);
	n->apex = z;
	znode_changed(db, n, before);
	db->zones[db->nzones++] = z;
	if (!reverse && !db->first_fwd)
		db->first_fwd = z;
	soa_build(db, z);
	return 0;
fail:
	free(z);
	return -ENOMEM;
}

int zone_add_domain(struct zone_db *db, const char *apex)
{
	uint8_t name[DNS_NAME_MAX];
	int n = dns_name_from_str(apex, name, sizeof(name));

	if (n < 0)
		return n;
	return zone_new(db, name, (size_t)n, false);
}

static int rev_zone_cb(void *arg, const uint8_t *name, size_t len)
{
	int r = zone_new(arg, name, len, true);

	return r == -EEXIST ? 0 : r;
}

int zone_add_subnet(struct zone_db *db, const struct mg_prefix *subnet)
{
	return dns_rev_zones(subnet, rev_zone_cb, db);
}

/* ---- static data ---- */

static int rr_add(struct zone_db *db, struct znode *n, uint16_t type, uint32_t ttl,
		  const uint8_t *rdata, size_t rdlen)
{
	const struct zrr *cname = znode_cname(n);
	struct zrr *rr;
	bool before = znode_has_data(n);
	int fam = type == DNS_T_AAAA, r;

	if ((cname && type != DNS_T_CNAME) ||
	    (type == DNS_T_CNAME && (before || n->desc)))
		return cname && type == DNS_T_CNAME &&
		       dns_name_eq(cname->rdata, cname->rdlen, rdata, rdlen) ? 0 : -EEXIST;
	if ((type == DNS_T_A && rdlen != 4) || (type == DNS_T_AAAA && rdlen != 16) ||
	    rdlen > UINT16_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < n->nrr; i++)
		if (n->rr[i].type == type && n->rr[i].rdlen == rdlen &&
		    memcmp(n->rr[i].rdata, rdata, rdlen) == 0)
			return 0;
	if (n->nrr == UINT16_MAX)
		return -ENOSPC;
	rr = realloc(n->rr, (n->nrr + 1) * sizeof(*rr));
	if (!rr)
		return -ENOMEM;
	n->rr = rr;
	rr = &n->rr[n->nrr];
	rr->rdata = malloc(rdlen ? rdlen : 1);
	if (!rr->rdata)
		return -ENOMEM;
	memcpy(rr->rdata, rdata, rdlen);
	rr->type = type;
	rr->ttl = ttl;
	rr->rdlen = (uint16_t)rdlen;
	if (type == DNS_T_A || type == DNS_T_AAAA) {
		r = zlink_add(db, n, rdata, fam, false);
		if (r) {
			free(rr->rdata);
			return r;
		}
	}
	n->nrr++;
	znode_changed(db, n, before);
	return 0;
}

static int add_at(struct zone_db *db, const uint8_t *owner, size_t len, uint16_t type,
		  uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	struct znode *n;
	int r;

	if (!zone_match(db, owner, len))
		return -ENOENT;
	n = znode_make_path(db, owner, len);
	if (!n)
		return -ENOMEM;
	r = rr_add(db, n, type, ttl, rdata, rdlen);
	if (r)
		znode_maybe_free(db, n);
	else
		zone_serial_bump(db);
	return r;
}

static bool type_ok(uint16_t t)
{
	return t == DNS_T_A || t == DNS_T_AAAA || t == DNS_T_PTR || t == DNS_T_CNAME ||
	       t == DNS_T_TXT || t == DNS_T_MX || t == DNS_T_SRV;
}

int zone_add_record(struct zone_db *db, const char *text, char *err, size_t errlen)
{
	ldns_rdf *origin = NULL;
	ldns_buffer *buf = NULL;
	ldns_rr *rr = NULL;
	ldns_status st;
	uint8_t owner[DNS_NAME_MAX];
	const ldns_rdf *o;
	int r = -EINVAL;

	if (err && errlen)
		err[0] = '\0';
	if (db->first_fwd) {
		origin = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, db->first_fwd->apex_len,
					       db->first_fwd->apex);
		if (!origin)
			return -ENOMEM;
	}
	st = ldns_rr_new_frm_str(&rr, text, db->p.ttl, origin, NULL);
	if (st != LDNS_STATUS_OK) {
		if (err)
			snprintf(err, errlen, "%s", ldns_get_errorstr_by_id(st));
		goto out;
	}
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
		if (err)
			snprintf(err, errlen, "only class IN");
		goto out;
	}
	if (!type_ok((uint16_t)ldns_rr_get_type(rr))) {
		if (err)
			snprintf(err, errlen, "type not served (A, AAAA, PTR, CNAME, TXT, MX, SRV)");
		r = -EPROTONOSUPPORT;
		goto out;
	}
	o = ldns_rr_owner(rr);
	if (!o || ldns_rdf_size(o) > DNS_NAME_MAX ||
	    dns_name_check(ldns_rdf_data(o), ldns_rdf_size(o)) != (int)ldns_rdf_size(o)) {
		if (err)
			snprintf(err, errlen, "bad owner name");
		goto out;
	}
	dns_name_lower(owner, ldns_rdf_data(o), ldns_rdf_size(o));
	buf = ldns_buffer_new(512);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	if (ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK) {
		if (err)
			snprintf(err, errlen, "bad record data");
		goto out;
	}
	r = add_at(db, owner, ldns_rdf_size(o), (uint16_t)ldns_rr_get_type(rr), ldns_rr_ttl(rr),
		   ldns_buffer_begin(buf), ldns_buffer_position(buf));
	if (r && err) {
		if (r == -ENOENT)
			snprintf(err, errlen, "owner is not in a local zone");
		else if (r == -EEXIST)
			snprintf(err, errlen, "a CNAME cannot share its name with other data");
		else
			snprintf(err, errlen, "%s", strerror(-r));
	}
out:
	ldns_buffer_free(buf);
	ldns_rr_free(rr);
	ldns_rdf_deep_free(origin);
	return r;
}

int zone_qualify(const struct zone_db *db, const char *name, uint8_t *out)
{
	int n = dns_name_from_str(name, out, DNS_NAME_MAX);

	if (n < 0)
		return n;
	if (!strchr(name, '.')) {
		if (!db->first_fwd || (size_t)n - 1 + db->first_fwd->apex_len > DNS_NAME_MAX)
			return -EINVAL;
		memcpy(out + n - 1, db->first_fwd->apex, db->first_fwd->apex_len);
		n += db->first_fwd->apex_len - 1;
	}
	return n;
}

int zone_add_addr(struct zone_db *db, const char *name, const struct mg_addr *addr)
{
	uint8_t owner[DNS_NAME_MAX];
	int n = zone_qualify(db, name, owner);

	if (n < 0)
		return n;
	return add_at(db, owner, (size_t)n, addr->family == AF_INET ? DNS_T_A : DNS_T_AAAA,
		      db->p.ttl, addr->u.bytes, mg_addr_len(addr));
}

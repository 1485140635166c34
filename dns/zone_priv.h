/* Inside the zone store, shared by zone.c (zones and static data),
 * zone_tree.c (names and their ancestors), zone_dyn.c (names with an
 * expiry) and zone_lookup.c. Not for other modules. */
#ifndef MG_DNS_ZONE_PRIV_H
#define MG_DNS_ZONE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/nameset.h"
#include "dns/zone.h"

/* A name we hold: static records, dynamic addresses, links from a reverse
 * name to the hosts whose address it is. Every name between a node with
 * data and its zone apex exists too, so empty non-terminals are found and
 * answered NODATA; desc counts the descendants with data. */
struct zrr {
	uint16_t type;
	uint16_t rdlen;
	uint32_t ttl;
	uint8_t *rdata;
};

struct zdyn {
	bool set;
	uint8_t addr[16];
	uint64_t expires;
};

struct zlink {
	struct znode *host;
	bool dyn;
};

struct zone;

struct znode {
	uint8_t name[DNS_NAME_MAX];
	uint8_t len;
	uint8_t stop;		/* ancestors are the names longer than this */
	uint8_t fam;		/* a reverse name: 0 for in-addr.arpa, 1 for ip6.arpa */
	struct zone *apex;	/* the zone whose apex this is, or NULL */
	unsigned desc;
	struct zrr *rr;
	unsigned nrr;
	struct zdyn dyn[2];	/* [0] IPv4, [1] IPv6 */
	struct zlink *ptr;
	unsigned nptr;
};

struct zone {
	uint8_t apex[DNS_NAME_MAX];
	uint8_t apex_len;
	bool reverse;
	uint8_t ns[DNS_NAME_MAX];
	uint8_t ns_len;
	uint8_t soa[2 * DNS_NAME_MAX + 20];
	uint16_t soa_len;
};

struct zone_db {
	struct zone_params p;
	uint8_t ns[DNS_NAME_MAX], hm[DNS_NAME_MAX];
	uint8_t ns_len, hm_len;		/* 0: derived from the zone */
	uint32_t serial;
	struct zone **zones;
	unsigned nzones;
	struct zone *first_fwd;
	struct dns_nameset apexes, nodes;
};

#define ZONE_V4_SUFFIX		((const uint8_t *)"\007in-addr\004arpa")
#define ZONE_V4_SUFFIX_LEN	14	/* with the root's 0 */
#define ZONE_V6_SUFFIX		((const uint8_t *)"\003ip6\004arpa")
#define ZONE_V6_SUFFIX_LEN	10

static inline bool zdyn_live(const struct zdyn *d, uint64_t now)
{
	return d->set && d->expires > now;
}

/* ---- zone_tree.c ---- */
void znode_free(struct znode *n);
bool znode_has_data(const struct znode *n);
/* Length of the name a new node's ancestors stop at: its zone apex, or
 * in-addr.arpa / ip6.arpa; 0 if the name is nowhere of ours. */
size_t znode_stop(const struct zone_db *db, const uint8_t *name, size_t len);
struct znode *znode_get(const struct zone_db *db, const uint8_t *name, size_t len);
/* The node and every ancestor, made before data changes so a failure
 * (NULL) leaves the counts as they were. */
struct znode *znode_make_path(struct zone_db *db, const uint8_t *name, size_t len);
/* Frees n if it holds nothing and nothing below it does. */
void znode_maybe_free(struct zone_db *db, struct znode *n);
/* Call after changing n's data, with whether it had any before; may free n. */
void znode_changed(struct zone_db *db, struct znode *n, bool before);
const struct zrr *znode_cname(const struct znode *n);
/* The PTR side of an address of host: fam 0 IPv4, 1 IPv6. */
int zlink_add(struct zone_db *db, struct znode *host, const uint8_t *addr, int fam, bool dyn);
void zlink_del(struct zone_db *db, struct znode *host, const uint8_t *addr, int fam, bool dyn);

/* ---- zone.c ---- */
void zone_serial_bump(struct zone_db *db);
/* "host" is host.<first zone>; a name with a dot is absolute. Length or
 * -EINVAL. */
int zone_qualify(const struct zone_db *db, const char *name, uint8_t *out);

#endif

/* Authoritative data: the site's domain and its other forward zones (the
 * mesh zone), reverse zones for its subnets, static records from config,
 * and names with an expiry (DHCP leases, mesh members). PTR answers in the
 * reverse zones come from the same A/AAAA data. Loading allocates; lookups
 * do not. Times are nanoseconds on the loop's monotonic scale. */
#ifndef MG_DNS_ZONE_H
#define MG_DNS_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/wire.h"
#include "lib/addr.h"

struct zone_params {
	const char *ns_name;	/* the gateway's name: NS and SOA MNAME (default ns.<zone>) */
	const char *hostmaster;	/* SOA RNAME as a name (default hostmaster.<zone>) */
	uint32_t ttl;		/* static records given without a TTL; SOA, NS */
	uint32_t dyn_ttl;	/* names from DHCP and the mesh */
	uint32_t neg_ttl;	/* SOA minimum: NXDOMAIN and NODATA */
	uint32_t refresh, retry, expire;
	uint32_t serial;	/* first serial (the wall clock in seconds, say) */
};

#define ZONE_MAX_AN		32	/* records per answer; the rest are left out */
#define ZONE_CHASE_MAX		8	/* CNAMEs followed inside our zones */

enum zone_status {
	ZONE_NOT_OURS,		/* not under any of our zones: forward it */
	ZONE_ANSWER,		/* NOERROR with records */
	ZONE_NODATA,		/* NOERROR, empty answer, SOA in authority */
	ZONE_NXDOMAIN,		/* SOA in authority */
};

struct zone_rr {
	const uint8_t *owner;	/* NULL: the question's name */
	uint8_t owner_len;
	uint16_t type;
	uint32_t ttl;
	const uint8_t *rdata;
	uint16_t rdlen;
};

/* Points into the zone data: valid until the next change to it. */
struct zone_result {
	enum zone_status status;
	size_t apex_len;	/* the zone the name fell in (0: not ours) */
	unsigned nan, nns;
	struct zone_rr an[ZONE_MAX_AN];
	struct zone_rr ns[1];
};

struct zone_db;

void zone_params_default(struct zone_params *p);
struct zone_db *zone_db_new(const struct zone_params *p, const uint8_t hash_key[16]);
void zone_db_free(struct zone_db *db);

/* A forward zone ("flat1.int.example"). The first is the default for
 * relative names. -EEXIST, -EINVAL, -ENOMEM. */
int zone_add_domain(struct zone_db *db, const char *apex);
/* The reverse zones of a subnet (a /22 is four /24 zones). */
int zone_add_subnet(struct zone_db *db, const struct mg_prefix *subnet);
/* A record in zone-file syntax, parsed with ldns: "printer A 192.168.1.20",
 * "www 300 CNAME printer", "_ipp._tcp SRV 0 0 631 printer.flat1.int.example.".
 * Names without a trailing dot are relative to the first zone. A, AAAA, PTR,
 * CNAME, TXT, MX, SRV in class IN; the owner must lie in one of our zones.
 * On error, err says why. -EINVAL, -ENOENT (not ours), -EEXIST (CNAME and
 * other data), -EPROTONOSUPPORT (type), -ENOMEM. */
int zone_add_record(struct zone_db *db, const char *text, char *err, size_t errlen);
/* A static address (hosts file, the gateway itself). A name without a dot
 * is a host in the first zone; with one it is absolute. */
int zone_add_addr(struct zone_db *db, const char *name, const struct mg_addr *addr);

/* A name with an expiry: one address per family, replacing the previous
 * one of that family. Naming as zone_add_addr. -EEXIST if the name has
 * static data (a CNAME, or an address of that family): static wins. */
int zone_dyn_set(struct zone_db *db, const char *name, const struct mg_addr *addr,
		 uint64_t expires);
/* family AF_UNSPEC removes both. -ENOENT if there was nothing. */
int zone_dyn_remove(struct zone_db *db, const char *name, int family);
/* Drops what expired by now; returns the next expiry (UINT64_MAX: none).
 * Lookups already ignore expired names; this frees them. */
uint64_t zone_expire(struct zone_db *db, uint64_t now);

/* Length of the longest zone apex that name (lower-case wire) lies under,
 * 0 if none. */
size_t zone_match(const struct zone_db *db, const uint8_t *name, size_t len);
/* name: lower-case wire form. Only class IN data exists. */
enum zone_status zone_lookup(const struct zone_db *db, const uint8_t *name, size_t len,
			     uint16_t qtype, uint64_t now, struct zone_result *res);

unsigned zone_count(const struct zone_db *db);
/* The i-th zone's apex, lower-case wire; NULL past the end. */
const uint8_t *zone_apex(const struct zone_db *db, unsigned i, size_t *len);
uint32_t zone_serial(const struct zone_db *db);
/* Every live name with an expiry, for `meshgate dns`. */
void zone_dyn_walk(const struct zone_db *db, uint64_t now,
		   void (*cb)(void *arg, const uint8_t *name, size_t len, const struct mg_addr *a,
			      uint64_t expires),
		   void *arg);

#endif

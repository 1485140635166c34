/* What a site's services learn from the mesh's records, so nobody writes
 * dnsmasq's server= and rev-server= lines or static routes by hand:
 *  - each gateway of another site becomes a DNS forwarding rule for that
 *    site's domain and reverse zones, to the gateway's mesh address (a site
 *    with several gateways gets several resolvers);
 *  - the other sites' subnets become DHCP option 121 routes through this
 *    gateway;
 *  - every member gets NAME.<[dns] mesh-domain>.
 * mesh_learn() is pure. */
#ifndef MG_DAEMON_MESH_LEARN_H
#define MG_DAEMON_MESH_LEARN_H

#include <stddef.h>

#include "core/cfg.h"
#include "daemon/dns.h"
#include "keys/record.h"

#define MESH_LEARN_SITES 64	/* gateways of other sites, as the DNS service takes */
#define MESH_LEARN_ROUTES 256	/* distinct subnets, as the DHCP service takes */

struct dns_service;

struct mesh_learned {
	struct dns_site sites[MESH_LEARN_SITES];	/* point into the records */
	size_t nsites;
	struct mg_prefix routes[MESH_LEARN_ROUTES];	/* IPv4 and IPv6, each once */
	size_t nroutes;
	size_t dropped;					/* gateways or subnets past the limits */
};

/* recs: the other members' records in name order; own_site: this node's
 * [site] name ("" for none), whose gateways are skipped. */
void mesh_learn(const struct record *recs, size_t n, const char *own_site,
		struct mesh_learned *out);

/* Gives the DNS service every record's name and mesh addresses, and
 * takes away the names of members no longer there. */
void mesh_learn_names(const struct record *recs, size_t n, struct dns_service *dns);

#endif

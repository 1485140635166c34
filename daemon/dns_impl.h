/* The DNS service's insides, shared by daemon/dns.c (life cycle, mesh and
 * DHCP hooks), daemon/dns_zones.c (what the config makes: zones, rules,
 * checks) and daemon/dns_report.c (`meshgate dns`). */
#ifndef MG_DAEMON_DNS_IMPL_H
#define MG_DAEMON_DNS_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/conf.h"
#include "daemon/dns.h"
#include "dns/engine.h"
#include "dns/server.h"
#include "dns/upstream.h"

struct loop_timer;

#define DNS_SVC_MAX_SITES	64
#define DNS_SVC_SUBNETS		16
#define DNS_SVC_MEMBER_ADDRS	4

struct dns_member {
	char name[64];
	struct mg_addr addrs[DNS_SVC_MEMBER_ADDRS];
	size_t n;
	struct dns_member *next;
};

/* A learned site as given, for `meshgate dns` and to see a repeat. */
struct dns_site_copy {
	char name[64];
	char domain[254];
	struct mg_prefix subnets[DNS_SVC_SUBNETS];
	size_t nsubnets;
	struct mg_addr resolver;
	uint16_t port;
};

struct dns_service {
	struct loop *loop;
	struct dns_conf conf;		/* in force */
	struct site_conf site;
	char node[64];
	struct cfg_prefix_list mesh_addr;
	uint8_t key[16];
	bool enabled;			/* [dns] listen is set */
	struct zone_db *zones;
	struct dns_cache *cache;
	struct dns_fwd *fwd;
	struct dns_rebind *rebind;
	struct dns_engine engine;
	struct dns_upstream *up;
	struct dns_server *srv;
	struct loop_timer *expire;
	struct dns_member *members;
	struct dns_site_copy *sites;
	size_t nsites;
	unsigned zone_errors;		/* records and hosts lines left out at the last build */
	uint64_t flushes;
};

/* ---- daemon/dns_zones.c ---- */

/* Calls cb for each item of a comma- (and, with spaces, blank-) separated
 * list, trimmed; commas inside double quotes do not split. Stops at cb's
 * first non-zero return and returns it. */
int dns_list_each(const char *text, bool spaces, int (*cb)(void *arg, const char *item),
		  void *arg);
/* The zones c describes, dynamic names of old copied over (may be NULL).
 * Problems are logged and counted in *errors. NULL: out of memory. */
struct zone_db *dns_zones_build(const struct dns_service *s, const struct mg_conf *c,
				const struct zone_db *old, uint64_t now, unsigned *errors);
/* [dns] server and rev-server as manual rules (the old ones dropped). */
int dns_rules_manual(struct dns_fwd *f, const struct dns_conf *dc);
struct dns_rebind *dns_rebind_build(const uint8_t *key, const struct dns_conf *dc);
/* The allow list in force: [dns] allow, else the site's subnets, the mesh
 * and loopback. */
#define DNS_SVC_MAX_ALLOW (3 * CFG_LIST_MAX + 2)
size_t dns_allow_list(const struct cfg_prefix_list *allow, const struct cfg_prefix_list *subnets,
		      const struct cfg_prefix_list *mesh, struct mg_prefix *out, size_t max);

#endif

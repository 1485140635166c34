/* The mesh's records made into DNS forwarding rules, DHCP routes and
 * member names (see mesh_learn.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/mesh_learn.h"

/* The address other sites' resolvers reach a gateway at: its first IPv4
 * mesh address, else its first one. */
static const struct mg_addr *resolver_of(const struct record *r)
{
	for (int k = 0; k < r->n_mesh; k++)
		if (r->mesh[k].addr.family == AF_INET)
			return &r->mesh[k].addr;
	return r->n_mesh ? &r->mesh[0].addr : NULL;
}

static void add_route(struct mesh_learned *out, const struct mg_prefix *p)
{
	struct mg_prefix masked = *p;

	mg_prefix_mask(&masked);
	for (size_t i = 0; i < out->nroutes; i++)
		if (mg_prefix_eq(&out->routes[i], &masked))
			return;
	if (out->nroutes == MESH_LEARN_ROUTES) {
		out->dropped++;
		return;
	}
	out->routes[out->nroutes++] = masked;
}

void mesh_learn(const struct record *recs, size_t n, const char *own_site,
		struct mesh_learned *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const struct record *r = &recs[i];
		const struct mg_addr *resolver = resolver_of(r);

		if (r->role != RECORD_ROLE_GATEWAY || !r->site[0] ||
		    (own_site[0] && strcmp(r->site, own_site) == 0))
			continue;
		for (int k = 0; k < r->n_subnets; k++)
			add_route(out, &r->subnets[k]);
		if (!resolver || (!r->domain[0] && !r->n_subnets))
			continue;
		if (out->nsites == MESH_LEARN_SITES) {
			out->dropped++;
			continue;
		}
		out->sites[out->nsites++] = (struct dns_site){
			.name = r->site,
			.domain = r->domain,
			.subnets = r->subnets,
			.nsubnets = r->n_subnets,
			.resolver = *resolver,
			.port = 53,
		};
	}
}

struct names {
	const struct record *recs;
	size_t n;
};

static bool has_name(const char *name, void *arg)
{
	const struct names *l = arg;

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->recs[i].name, name) == 0)
			return true;
	return false;
}

void mesh_learn_names(const struct record *recs, size_t n, struct dns_service *dns)
{
	struct names l = { recs, n };

	dns_service_prune_members(dns, has_name, &l);
	for (size_t i = 0; i < n; i++) {
		struct mg_addr addrs[RECORD_MESH_MAX];

		for (int a = 0; a < recs[i].n_mesh; a++)
			addrs[a] = recs[i].mesh[a].addr;
		dns_service_set_member(dns, recs[i].name, addrs, (size_t)recs[i].n_mesh);
	}
}

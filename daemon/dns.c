/* The DNS service's life cycle: the engine's parts built from the config,
 * the sockets and the upstream channel opened, and what a reload swaps. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>

#include "core/log.h"
#include "core/loop.h"
#include "daemon/dns_impl.h"
#include "dns/forward.h"
#include "dns/rebind.h"
#include "dns/zone.h"

#define MAX_ALLOW DNS_SVC_MAX_ALLOW

static void arm_expiry(struct dns_service *s);

static void on_expire(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	arm_expiry(arg);
}

static void arm_expiry(struct dns_service *s)
{
	uint64_t next;

	if (!s->zones) {
		loop_timer_disarm(s->expire);
		return;
	}
	next = zone_expire(s->zones, loop_now(s->loop));
	if (next == UINT64_MAX)
		loop_timer_disarm(s->expire);
	else
		loop_timer_arm_at(s->expire, next);
}

/* ---- the parts ---- */

static bool cache_same(const struct dns_conf *a, const struct dns_conf *b)
{
	return a->cache_size == b->cache_size && a->cache_bytes == b->cache_bytes &&
	       a->stale_window_ms == b->stale_window_ms;
}

static int make_cache(struct dns_service *s, const struct dns_conf *dc, struct dns_cache **out)
{
	struct dns_cache_conf cc;

	*out = NULL;
	if (!dc->cache_size)
		return 0;
	dns_cache_conf_default(&cc);
	cc.max_entries = dc->cache_size;
	cc.max_bytes = dc->cache_bytes;
	cc.stale_window = (uint32_t)(dc->stale_window_ms / 1000);
	memcpy(cc.hash_key, s->key, sizeof(cc.hash_key));
	*out = dns_cache_new(&cc);
	return *out ? 0 : -ENOMEM;
}

static bool upstream_same(const struct dns_conf *a, const struct dns_conf *b)
{
	return cfg_addr_list_eq(&a->upstream, &b->upstream) &&
	       a->upstream_timeout_ms == b->upstream_timeout_ms &&
	       cfg_addr_list_eq(&a->listen, &b->listen) && a->port == b->port;
}

static int make_upstream(struct dns_service *s, const struct dns_conf *dc,
			 struct dns_upstream **out)
{
	struct dns_upstream_conf uc;

	dns_upstream_conf_default(&uc);
	uc.servers = dc->upstream.v;
	uc.nservers = dc->upstream.n;
	uc.self = dc->listen.v;
	uc.nself = dc->listen.n;
	uc.self_port = (uint16_t)dc->port;
	uc.timeout_ms = (unsigned)dc->upstream_timeout_ms;
	uc.tries = 2;
	return dns_upstream_new(s->loop, &uc, &s->engine, out);
}

static void policy_of(const struct mg_conf *c, struct mg_prefix *allow,
		      struct dns_server_policy *p)
{
	p->allow = allow;
	p->nallow = dns_allow_list(&c->dns.allow, &c->site.subnet, &c->mesh.address, allow,
				   MAX_ALLOW);
	p->rate = c->dns.rate_limit;
	p->burst = 0;
}

static int make_server(struct dns_service *s, const struct mg_conf *c, struct dns_server **out)
{
	struct mg_prefix allow[MAX_ALLOW];
	struct dns_server_conf sc;

	dns_server_conf_default(&sc);
	sc.listen = c->dns.listen.v;
	sc.nlisten = c->dns.listen.n;
	sc.port = (uint16_t)c->dns.port;
	policy_of(c, allow, &sc.policy);
	return dns_server_new(s->loop, &sc, &s->engine, s->up, out);
}

static void stop_serving(struct dns_service *s)
{
	dns_server_free(s->srv);
	s->srv = NULL;
	dns_upstream_free(s->up);
	s->up = NULL;
	s->engine.zones = NULL;
	s->engine.cache = NULL;
	s->engine.rebind = NULL;
	zone_db_free(s->zones);
	s->zones = NULL;
	dns_cache_free(s->cache);
	s->cache = NULL;
	dns_rebind_free(s->rebind);
	s->rebind = NULL;
	loop_timer_disarm(s->expire);
	s->enabled = false;
}

/* Learned rules again, after the site or its domain changed. */
static void apply_sites(struct dns_service *s);
static void apply_members(struct dns_service *s);

static void take_conf(struct dns_service *s, const struct mg_conf *c)
{
	s->conf = c->dns;
	s->site = c->site;
	s->mesh_addr = c->mesh.address;
	snprintf(s->node, sizeof(s->node), "%s", c->node.name);
}

/* Sockets last: they are the only part that can fail for reasons outside
 * us (a port in use), and then the rest is in place for the next try. */
static int apply(struct dns_service *s, const struct mg_conf *c)
{
	struct dns_conf old = s->conf;
	struct dns_engine_conf ec;
	struct zone_db *zones;
	struct dns_rebind *rb;
	struct dns_cache *cache = NULL;
	struct dns_upstream *up = NULL;
	bool had = s->enabled, new_cache, reopen;
	unsigned errors = 0;
	int r;

	if (!c->dns.listen.n) {
		if (had)
			log_notice("dns: [dns] listen is empty: no longer serving");
		stop_serving(s);
		take_conf(s, c);
		return 0;
	}
	new_cache = !had || !cache_same(&old, &c->dns);
	zones = dns_zones_build(s, c, s->zones, loop_now(s->loop), &errors);
	rb = dns_rebind_build(s->key, &c->dns);
	if (!zones || !rb || (new_cache && make_cache(s, &c->dns, &cache) < 0)) {
		zone_db_free(zones);
		dns_rebind_free(rb);
		return -ENOMEM;
	}
	take_conf(s, c);
	s->zone_errors = errors;
	dns_rules_manual(s->fwd, &c->dns);
	dns_engine_conf_default(&ec);
	ec.udp_size = (uint16_t)c->dns.edns_size;
	ec.rebind_protect = c->dns.rebind_protection;
	s->engine.conf = ec;
	zone_db_free(s->zones);
	s->zones = zones;
	s->engine.zones = zones;
	dns_rebind_free(s->rebind);
	s->rebind = rb;
	s->engine.rebind = rb;
	if (new_cache) {
		if (s->cache)
			log_notice("dns: cache settings changed: the cache starts empty");
		dns_cache_free(s->cache);
		s->cache = cache;
		s->engine.cache = cache;
	}
	s->engine.fwd = s->fwd;
	s->enabled = true;
	apply_sites(s);
	apply_members(s);
	arm_expiry(s);

	reopen = !had || !s->srv || !cfg_addr_list_eq(&old.listen, &c->dns.listen) ||
		 old.port != c->dns.port;
	if (!had || !s->up || !upstream_same(&old, &c->dns)) {
		r = make_upstream(s, &c->dns, &up);
		if (r < 0) {
			log_err("dns: cannot set up forwarding upstream: %s", strerror(-r));
		} else {
			if (s->srv)
				dns_server_set_upstream(s->srv, up);
			dns_upstream_free(s->up);
			s->up = up;
		}
	}
	if (reopen) {
		dns_server_free(s->srv);
		s->srv = NULL;
		return make_server(s, c, &s->srv);
	}
	{
		struct mg_prefix allow[MAX_ALLOW];
		struct dns_server_policy p;

		policy_of(c, allow, &p);
		return dns_server_set_policy(s->srv, &p);
	}
}

/* ---- life cycle ---- */

int dns_service_new(struct loop *loop, const struct mg_conf *c, struct dns_service **out)
{
	struct dns_service *s;
	struct dns_engine_conf ec;
	struct dns_fwd_conf fc;
	int r;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	r = -EIO;
	if (getrandom(s->key, sizeof(s->key), 0) != (ssize_t)sizeof(s->key))
		goto fail;
	dns_fwd_conf_default(&fc);
	r = -ENOMEM;
	s->fwd = dns_fwd_new(&fc, s->key);
	if (!s->fwd)
		goto fail;
	r = loop_timer_new(loop, on_expire, s, &s->expire);
	if (r < 0)
		goto fail;
	dns_engine_conf_default(&ec);
	dns_engine_init(&s->engine, &ec);
	s->engine.fwd = s->fwd;
	r = apply(s, c);
	if (r < 0) {
		log_err("cannot serve DNS: %s", strerror(-r));
		goto fail;
	}
	if (s->enabled) {
		char buf[MG_PREFIX_STRLEN];

		log_notice("dns: serving on %s%s port %u", mg_addr_fmt(&c->dns.listen.v[0], buf,
			   sizeof(buf)), c->dns.listen.n > 1 ? " and more" : "",
			   dns_server_port(s->srv));
	}
	*out = s;
	return 0;
fail:
	dns_service_free(s);
	return r;
}

void dns_service_free(struct dns_service *s)
{
	struct dns_member *m;

	if (!s)
		return;
	stop_serving(s);
	if (s->expire)
		loop_timer_free(s->expire);
	dns_fwd_free(s->fwd);
	while ((m = s->members)) {
		s->members = m->next;
		free(m);
	}
	free(s->sites);
	free(s);
}

int dns_service_reload(struct dns_service *s, const struct mg_conf *next)
{
	struct mg_conf *old;
	bool was = dns_service_serving(s);
	int r;

	if (!s)
		return 0;
	old = calloc(1, sizeof(*old));
	if (!old)
		return -ENOMEM;
	old->dns = s->conf;
	old->site = s->site;
	old->mesh.address = s->mesh_addr;
	snprintf(old->node.name, sizeof(old->node.name), "%s", s->node);
	r = apply(s, next);
	/* The new sockets cannot be had: back to the old ones if they still
	 * can, so the site keeps its DNS. */
	if (r < 0 && was && !s->srv) {
		log_err("dns: cannot serve the new [dns] (%s): back to the previous listen "
			"addresses", strerror(-r));
		if (make_server(s, old, &s->srv) < 0)
			log_err("dns: not serving: the previous listen addresses fail too");
	}
	free(old);
	return r;
}

bool dns_service_serving(const struct dns_service *s)
{
	return s && s->enabled && s->srv;
}

/* ---- the mesh: other sites and members ---- */

static bool site_is_ours(const struct dns_service *s, const struct dns_site_copy *site)
{
	return s->site.domain[0] && strcasecmp(site->domain, s->site.domain) == 0;
}

static bool subnet_is_ours(const struct dns_service *s, const struct mg_prefix *p)
{
	for (uint32_t i = 0; i < s->site.subnet.n; i++)
		if (mg_prefix_contains(&s->site.subnet.v[i], &p->addr) ||
		    mg_prefix_contains(p, &s->site.subnet.v[i].addr))
			return true;
	return false;
}

static void apply_sites(struct dns_service *s)
{
	char buf[MG_PREFIX_STRLEN];

	dns_fwd_clear(s->fwd, DNS_FWD_LEARNED);
	for (size_t i = 0; i < s->nsites; i++) {
		const struct dns_site_copy *st = &s->sites[i];
		int r = 0;

		if (site_is_ours(s, st))
			continue;
		if (st->domain[0])
			r = dns_fwd_add_domain(s->fwd, st->domain, &st->resolver, st->port,
					       DNS_FWD_LEARNED, st->name);
		for (size_t k = 0; r == 0 && k < st->nsubnets; k++)
			if (!subnet_is_ours(s, &st->subnets[k]))
				r = dns_fwd_add_rev(s->fwd, &st->subnets[k], &st->resolver, st->port,
						    DNS_FWD_LEARNED, st->name);
		if (r < 0)
			log_warn("dns: cannot forward site %s to %s: %s", st->name,
				 mg_addr_fmt(&st->resolver, buf, sizeof(buf)), strerror(-r));
	}
}

static void copy_site(struct dns_site_copy *d, const struct dns_site *s)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", s->name ? s->name : "");
	snprintf(d->domain, sizeof(d->domain), "%s", s->domain ? s->domain : "");
	d->nsubnets = s->nsubnets < DNS_SVC_SUBNETS ? s->nsubnets : DNS_SVC_SUBNETS;
	for (size_t k = 0; k < d->nsubnets; k++) {
		d->subnets[k] = s->subnets[k];
		mg_prefix_mask(&d->subnets[k]);
	}
	d->resolver = s->resolver;
	d->port = s->port ? s->port : 53;
}

void dns_service_set_sites(struct dns_service *s, const struct dns_site *sites, size_t n)
{
	struct dns_site_copy *copy;
	size_t others = 0;

	if (!s)
		return;
	if (n > DNS_SVC_MAX_SITES)
		n = DNS_SVC_MAX_SITES;
	copy = n ? calloc(n, sizeof(*copy)) : NULL;
	if (n && !copy) {
		log_err("dns: cannot learn the other sites: %s", strerror(ENOMEM));
		return;
	}
	for (size_t i = 0; i < n; i++)
		copy_site(&copy[i], &sites[i]);
	/* The same set again keeps each server's reachability. */
	if (n == s->nsites && (!n || memcmp(copy, s->sites, n * sizeof(*copy)) == 0)) {
		free(copy);
		return;
	}
	free(s->sites);
	s->sites = copy;
	s->nsites = n;
	apply_sites(s);
	for (size_t i = 0; i < s->nsites; i++)
		others += !site_is_ours(s, &s->sites[i]);
	log_info("dns: forwarding to %zu gateway%s of other sites learned from the mesh", others,
		 others == 1 ? "" : "s");
}

static bool valid_label(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

static void member_zone(struct dns_service *s, const struct dns_member *m)
{
	char name[64 + 256];
	bool fam[2] = { false, false };

	if (!s->zones || !s->conf.mesh_domain[0])
		return;
	snprintf(name, sizeof(name), "%s.%s.", m->name, s->conf.mesh_domain);
	zone_dyn_remove(s->zones, name, AF_UNSPEC);
	for (size_t i = 0; i < m->n; i++) {
		int f = m->addrs[i].family == AF_INET6;

		if (fam[f])
			continue;
		fam[f] = true;
		zone_dyn_set(s->zones, name, &m->addrs[i], UINT64_MAX);
	}
}

static void apply_members(struct dns_service *s)
{
	for (struct dns_member *m = s->members; m; m = m->next)
		member_zone(s, m);
}

void dns_service_set_member(struct dns_service *s, const char *name, const struct mg_addr *addrs,
			    size_t n)
{
	struct dns_member *m;

	if (!s || !name || !valid_label(name))
		return;
	for (m = s->members; m; m = m->next)
		if (strcasecmp(m->name, name) == 0)
			break;
	if (!m) {
		m = calloc(1, sizeof(*m));
		if (!m)
			return;
		snprintf(m->name, sizeof(m->name), "%s", name);
		m->next = s->members;
		s->members = m;
	}
	m->n = 0;
	for (size_t i = 0; i < n && m->n < DNS_SVC_MEMBER_ADDRS; i++)
		m->addrs[m->n++] = addrs[i];
	member_zone(s, m);
}

/* Unlinks *pp's member and takes its name out of the mesh zone. */
static void member_drop(struct dns_service *s, struct dns_member **pp)
{
	struct dns_member *m = *pp;
	char full[64 + 256];

	*pp = m->next;
	if (s->zones && s->conf.mesh_domain[0]) {
		snprintf(full, sizeof(full), "%s.%s.", m->name, s->conf.mesh_domain);
		zone_dyn_remove(s->zones, full, AF_UNSPEC);
	}
	free(m);
}

void dns_service_remove_member(struct dns_service *s, const char *name)
{
	struct dns_member **pp;

	if (!s || !name)
		return;
	for (pp = &s->members; *pp; pp = &(*pp)->next)
		if (strcasecmp((*pp)->name, name) == 0) {
			member_drop(s, pp);
			return;
		}
}

void dns_service_prune_members(struct dns_service *s, bool (*keep)(const char *name, void *arg),
			       void *arg)
{
	struct dns_member **pp;

	if (!s)
		return;
	for (pp = &s->members; *pp; )
		if (keep((*pp)->name, arg))
			pp = &(*pp)->next;
		else
			member_drop(s, pp);
}

/* ---- DHCP leases ---- */

int dns_service_set_host(struct dns_service *s, const char *name, const struct mg_addr *addr,
			 uint64_t expires_ns)
{
	char full[64 + 256];
	int r;

	if (!s || !s->zones || !s->site.domain[0])
		return -ENOENT;
	if (!valid_label(name))
		return -EINVAL;
	snprintf(full, sizeof(full), "%s.%s.", name, s->site.domain);
	r = zone_dyn_set(s->zones, full, addr, expires_ns);
	if (r == 0)
		arm_expiry(s);
	return r;
}

int dns_service_remove_host(struct dns_service *s, const char *name, int family)
{
	char full[64 + 256];

	if (!s || !s->zones || !s->site.domain[0])
		return -ENOENT;
	if (!valid_label(name))
		return -EINVAL;
	snprintf(full, sizeof(full), "%s.%s.", name, s->site.domain);
	return zone_dyn_remove(s->zones, full, family);
}

void dns_service_lease_name(void *ctx, const char *name, uint32_t addr, uint64_t expires)
{
	struct dns_service *s = ctx;
	struct mg_addr a = { .family = AF_INET };
	uint64_t wall = (uint64_t)time(NULL), now;

	if (!s)
		return;
	a.u.v4.s_addr = htonl(addr);
	if (expires <= wall) {
		dns_service_remove_host(s, name, AF_INET);
		return;
	}
	now = loop_now(s->loop);
	dns_service_set_host(s, name, &a, now + (expires - wall) * LOOP_NSEC_PER_SEC);
}

/* Only while the name still points there: a renamed or moved lease may
 * have given it another address already. */
void dns_service_lease_name_gone(void *ctx, const char *name, uint32_t addr)
{
	struct dns_service *s = ctx;
	struct zone_result res;
	uint8_t wire[DNS_NAME_MAX];
	char full[64 + 256];
	uint32_t be = htonl(addr);
	int n;

	if (!s || !s->zones || !s->site.domain[0] || !valid_label(name))
		return;
	snprintf(full, sizeof(full), "%s.%s.", name, s->site.domain);
	n = dns_name_from_str(full, wire, sizeof(wire));
	if (n < 0 || zone_lookup(s->zones, wire, (size_t)n, DNS_T_A, loop_now(s->loop), &res) !=
	    ZONE_ANSWER)
		return;
	for (unsigned i = 0; i < res.nan; i++) {
		if (res.an[i].type == DNS_T_A && res.an[i].rdlen == 4 &&
		    memcmp(res.an[i].rdata, &be, 4) == 0) {
			zone_dyn_remove(s->zones, full, AF_INET);
			return;
		}
	}
}

/* [dhcp] and [dhcp-reservation]: their texts parsed and made into the
 * server's subnet configuration. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "daemon/dhcp_impl.h"
#include "dhcp/hostname.h"
#include "dhcp/options.h"

const char *dhcp_ip_fmt(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
	return buf;
}

/* ---- the texts ---- */

/* Splits text at commas into trimmed items in buf; calls fn for each. */
typedef int item_fn(void *ctx, char *item, char *why, size_t len);

static int each_item(const char *text, item_fn *fn, void *ctx, char *why, size_t len)
{
	char buf[CONF_DHCP_TEXT], *p, *next;
	int r;

	snprintf(buf, sizeof(buf), "%s", text);
	if (!buf[0])
		return 0;
	for (p = buf; p; p = next) {
		char *end;

		next = strchr(p, ',');
		if (next)
			*next++ = '\0';

		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!*p) {
			snprintf(why, len, "an empty item between commas");
			return -EINVAL;
		}
		r = fn(ctx, p, why, len);
		if (r)
			return r;
	}
	return 0;
}

static int ipv4(const char *s, uint32_t *out)
{
	struct mg_addr a;

	if (mg_addr_parse(s, &a) || a.family != AF_INET)
		return -EINVAL;
	*out = dhcp_v4(&a);
	return 0;
}

struct list_ctx {
	void *out;
	size_t max, n;
};

static int one_range(void *ctx, char *item, char *why, size_t len)
{
	struct list_ctx *l = ctx;
	struct dhcp_range *r = (struct dhcp_range *)l->out + l->n;
	char *dash = strchr(item, '-'), *last = item;

	if (dash) {
		*dash = '\0';
		last = dash + 1;
		while (*last == ' ')
			last++;
		for (char *e = dash; e > item && e[-1] == ' '; )
			*--e = '\0';
	}
	if (l->n == l->max) {
		snprintf(why, len, "too many ranges: at most %zu", l->max);
		return -EINVAL;
	}
	if (ipv4(item, &r->first) || (dash && !*last) || ipv4(last, &r->last)) {
		snprintf(why, len, "'%.40s%s%.40s' is not a range of IPv4 addresses: write "
			 "FIRST-LAST, like 192.168.1.100-192.168.1.199", item, dash ? "-" : "",
			 dash ? last : "");
		return -EINVAL;
	}
	if (r->first > r->last) {
		snprintf(why, len, "%s-%s runs backwards: write the lower address first", item,
			 last);
		return -EINVAL;
	}
	l->n++;
	return 0;
}

int dhcp_parse_ranges(const char *text, struct dhcp_range *out, size_t max, size_t *n,
		      char *why, size_t len)
{
	struct list_ctx l = { out, max, 0 };
	int r = each_item(text, one_range, &l, why, len);

	*n = l.n;
	return r;
}

static int one_route(void *ctx, char *item, char *why, size_t len)
{
	struct list_ctx *l = ctx;
	struct dhcp_route *rt = (struct dhcp_route *)l->out + l->n;
	char *via = strstr(item, " via "), *net = item;
	struct mg_prefix p;

	if (l->n == l->max) {
		snprintf(why, len, "too many routes: at most %zu", l->max);
		return -EINVAL;
	}
	rt->gw = 0;
	if (via) {
		*via = '\0';
		via += 5;
		while (*via == ' ')
			via++;
		if (ipv4(via, &rt->gw)) {
			snprintf(why, len, "'via %.40s' is not an IPv4 address: write NETWORK via "
				 "ROUTER, like 10.9.0.0/16 via 192.168.1.254", via);
			return -EINVAL;
		}
	}
	for (char *e = net + strlen(net); e > net && e[-1] == ' '; )
		*--e = '\0';
	if (strchr(net, ' ') || mg_prefix_parse(net, false, &p) || p.addr.family != AF_INET) {
		snprintf(why, len, "'%.60s' is not an IPv4 network: write NETWORK [via ROUTER], "
			 "like 10.9.0.0/16 via 192.168.1.254 (host bits clear)", net);
		return -EINVAL;
	}
	rt->dest = dhcp_v4(&p.addr);
	rt->len = p.len;
	l->n++;
	return 0;
}

int dhcp_parse_routes(const char *text, struct dhcp_route *out, size_t max, size_t *n,
		      char *why, size_t len)
{
	struct list_ctx l = { out, max, 0 };
	int r = each_item(text, one_route, &l, why, len);

	*n = l.n;
	return r;
}

struct search_ctx {
	char *buf;
	size_t cap, used;
	const char **names;
	size_t max, n;
};

static int one_domain(void *ctx, char *item, char *why, size_t len)
{
	struct search_ctx *s = ctx;
	uint8_t wire[DHCP_DNAME_MAX + 2];
	size_t n = strlen(item);

	for (const char *p = item; *p; p++) {
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-' &&
		    *p != '.') {
			snprintf(why, len, "'%.60s' is not a domain: lower-case letters, digits, "
				 "'-' and dots, like flat1.example", item);
			return -EINVAL;
		}
	}
	if (dhcp_dname_encode(wire, sizeof(wire), item) < 0) {
		snprintf(why, len, "'%.60s' is not a domain: empty or over-long labels", item);
		return -EINVAL;
	}
	if (s->n == s->max || s->used + n + 1 > s->cap) {
		snprintf(why, len, "too many search domains: at most %zu", s->max);
		return -EINVAL;
	}
	memcpy(s->buf + s->used, item, n + 1);
	s->names[s->n++] = s->buf + s->used;
	s->used += n + 1;
	return 0;
}

int dhcp_parse_search(const char *text, char *buf, size_t cap, const char **names, size_t max,
		      size_t *n, char *why, size_t len)
{
	struct search_ctx s = { buf, cap, 0, names, max, 0 };
	int r = each_item(text, one_domain, &s, why, len);

	*n = s.n;
	return r;
}

/* Hex bytes separated by ':' (or '-'): 0 and how many, or -EINVAL. */
static int hex_bytes(const char *text, uint8_t *out, size_t max, size_t *n)
{
	const char *p = text;

	*n = 0;
	while (*p) {
		unsigned v;
		int used;

		if (*n == max || !isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
		    sscanf(p, "%2x%n", &v, &used) != 1 || used != 2)
			return -EINVAL;
		out[(*n)++] = (uint8_t)v;
		p += 2;
		if (*p == ':' || *p == '-') {
			if (!p[1])
				return -EINVAL;
			p++;
		} else if (*p) {
			return -EINVAL;
		}
	}
	return *n ? 0 : -EINVAL;
}

int dhcp_parse_mac(const char *text, uint8_t mac[6])
{
	size_t n;

	return hex_bytes(text, mac, 6, &n) || n != 6 ? -EINVAL : 0;
}

int dhcp_parse_cid(const char *text, uint8_t *cid, size_t max, size_t *n)
{
	return hex_bytes(text, cid, max, n);
}

/* ---- inputs and the build ---- */

static void copy_addrs(struct cfg_addr_list *to, const struct cfg_addr_list *from)
{
	to->n = from->n;
	for (uint32_t i = 0; i < from->n; i++) {
		to->v[i].family = from->v[i].family;
		memcpy(to->v[i].u.bytes, from->v[i].u.bytes, mg_addr_len(&from->v[i]));
	}
}

static void copy_addr(struct mg_addr *to, const struct mg_addr *from)
{
	to->family = from->family;
	if (from->family)
		memcpy(to->u.bytes, from->u.bytes, mg_addr_len(from));
}

#define COPY_STR(to, from) snprintf((to), sizeof(to), "%s", (from))

void dhcp_inputs_from_conf(struct dhcp_inputs *in, const struct mg_conf *c)
{
	const struct dhcp_conf *d = &c->dhcp;
	struct dhcp_conf *o = &in->dhcp;

	memset(in, 0, sizeof(*in));
	COPY_STR(o->interface, d->interface);
	/* No subnet: the site's IPv4 subnets. */
	for (uint32_t i = 0; i < d->subnet.n; i++) {
		copy_addr(&o->subnet.v[o->subnet.n].addr, &d->subnet.v[i].addr);
		o->subnet.v[o->subnet.n++].len = d->subnet.v[i].len;
	}
	for (uint32_t i = 0; i < c->site.subnet.n && !d->subnet.n; i++) {
		if (c->site.subnet.v[i].addr.family != AF_INET)
			continue;
		copy_addr(&o->subnet.v[o->subnet.n].addr, &c->site.subnet.v[i].addr);
		o->subnet.v[o->subnet.n++].len = c->site.subnet.v[i].len;
	}
	COPY_STR(o->range, d->range);
	o->lease_time_ms = d->lease_time_ms;
	copy_addrs(&o->router, &d->router);
	copy_addrs(&o->dns, &d->dns);
	COPY_STR(o->domain, d->domain);
	COPY_STR(o->search, d->search);
	copy_addrs(&o->ntp, &d->ntp);
	o->mtu = d->mtu;
	COPY_STR(o->route, d->route);
	COPY_STR(o->leases_file, d->leases_file);
	o->offer_hold_ms = d->offer_hold_ms;
	o->decline_hold_ms = d->decline_hold_ms;
	copy_addr(&o->server_id, &d->server_id);

	in->nres = c->ndhcp_reservations;
	for (uint32_t i = 0; i < in->nres; i++) {
		const struct dhcp_reservation_conf *r = &c->dhcp_reservations[i];

		COPY_STR(in->res[i].mac, r->mac);
		COPY_STR(in->res[i].client_id, r->client_id);
		copy_addr(&in->res[i].address, &r->address);
		COPY_STR(in->res[i].name, r->name);
	}
	COPY_STR(in->site_domain, c->site.domain);
	in->dns_serves = c->dns.listen.n > 0;
	/* The VIP clients should use: a [vrrp] IPv4 address on our interface. */
	for (uint32_t i = 0; i < c->nvrrp && !in->vip; i++) {
		const struct vrrp_conf *v = &c->vrrp[i];

		if (strcmp(v->interface, d->interface))
			continue;
		for (uint32_t k = 0; k < v->virtual_address.n && !in->vip; k++) {
			const struct mg_prefix *p = &v->virtual_address.v[k];

			for (uint32_t j = 0; j < o->subnet.n && p->addr.family == AF_INET; j++)
				if (dhcp_in_net(dhcp_v4(&o->subnet.v[j].addr), o->subnet.v[j].len,
						dhcp_v4(&p->addr)))
					in->vip = dhcp_v4(&p->addr);
		}
	}
	if (d->leases_file[0])
		COPY_STR(in->leases_path, d->leases_file);
	else
		snprintf(in->leases_path, sizeof(in->leases_path), "%s/dhcp.leases",
			 c->node.state_dir);
}

static int subnet_of(const struct dhcp_build *b, uint32_t a)
{
	for (size_t i = 0; i < b->sc.nsubnets; i++)
		if (dhcp_in_net(b->subnets[i].network, b->subnets[i].prefix_len, a))
			return (int)i;
	return -1;
}

size_t dhcp_build_routes(const struct dhcp_build *b, unsigned i, const struct mg_prefix *mesh,
			 size_t nmesh, struct dhcp_route *out, size_t max)
{
	size_t n = 0;

	for (size_t k = 0; k < b->nstatics && n < max; k++) {
		const struct dhcp_route *r = &b->statics[k];

		if (r->gw ? subnet_of(b, r->gw) == (int)i : (int)i == b->local && b->gw) {
			out[n] = *r;
			if (!out[n].gw)
				out[n].gw = b->gw;
			n++;
		}
	}
	if ((int)i != b->local || !b->gw)
		return n;
	for (size_t k = 0; k < nmesh && n < max; k++) {
		const struct mg_prefix *p = &mesh[k];
		uint32_t dest;
		bool ours = false;

		if (p->addr.family != AF_INET || p->len > 32)
			continue;
		dest = dhcp_v4(&p->addr) & dhcp_mask(p->len);
		/* A site's own subnets are on-link, not through us. */
		for (size_t j = 0; j < b->sc.nsubnets && !ours; j++) {
			uint8_t l = p->len < b->subnets[j].prefix_len ? p->len :
				    b->subnets[j].prefix_len;

			ours = (dest & dhcp_mask(l)) == (b->subnets[j].network & dhcp_mask(l));
		}
		if (!ours && p->len)
			out[n++] = (struct dhcp_route){ .dest = dest, .len = p->len, .gw = b->gw };
	}
	return n;
}

int dhcp_build_conf(struct dhcp_build *b, const struct dhcp_inputs *in, uint32_t gw,
		    char *why, size_t len)
{
	const struct dhcp_conf *d = &in->dhcp;
	struct dhcp_range ranges[DHCP_MAX_RANGES];
	size_t nranges = 0, nrouters = 0, nroutes = 0, nsearch = 0, used = 0;
	uint32_t sid = d->server_id.family == AF_INET ? dhcp_v4(&d->server_id) : 0;

	memset(b, 0, sizeof(*b));
	b->local = -1;
	b->gw = gw;
	if (dhcp_parse_ranges(d->range, ranges, DHCP_MAX_RANGES, &nranges, why, len) ||
	    dhcp_parse_routes(d->route, b->statics, DHCP_MAX_STATIC_ROUTES, &b->nstatics, why,
			      len) ||
	    dhcp_parse_search(d->search, b->search_buf, sizeof(b->search_buf), b->search,
			      DHCP_MAX_SEARCH, &nsearch, why, len))
		return -EINVAL;
	COPY_STR(b->domain, d->domain[0] ? d->domain : in->site_domain);
	for (uint32_t i = 0; i < d->dns.n; i++)
		b->dns[i] = dhcp_v4(&d->dns.v[i]);
	if (!d->dns.n && in->dns_serves && gw)
		b->dns[0] = gw;
	for (uint32_t i = 0; i < d->ntp.n; i++)
		b->ntp[i] = dhcp_v4(&d->ntp.v[i]);

	b->sc.subnets = b->subnets;
	b->sc.nsubnets = d->subnet.n;
	b->sc.offer_hold = (uint32_t)(d->offer_hold_ms / 1000);
	b->sc.decline_hold = (uint32_t)(d->decline_hold_ms / 1000);
	for (uint32_t i = 0; i < d->subnet.n; i++) {
		struct dhcp_subnet_conf *s = &b->subnets[i];

		s->network = dhcp_v4(&d->subnet.v[i].addr);
		s->prefix_len = d->subnet.v[i].len;
		if (gw && dhcp_in_net(s->network, s->prefix_len, gw) && b->local < 0)
			b->local = (int)i;
	}
	for (uint32_t i = 0; i < d->subnet.n; i++) {
		struct dhcp_subnet_conf *s = &b->subnets[i];

		s->lease_time = (uint32_t)(d->lease_time_ms / 1000);
		s->server_id = sid;
		s->ranges = b->ranges + used;
		for (size_t k = 0; k < nranges; k++)
			if (dhcp_in_net(s->network, s->prefix_len, ranges[k].first))
				b->ranges[used + s->nranges++] = ranges[k];
		used += s->nranges;
		s->routers = b->routers + nrouters;
		for (uint32_t k = 0; k < d->router.n; k++)
			if (dhcp_in_net(s->network, s->prefix_len, dhcp_v4(&d->router.v[k])))
				b->routers[nrouters + s->nrouters++] = dhcp_v4(&d->router.v[k]);
		if (!s->nrouters && (int)i == b->local)
			b->routers[nrouters + s->nrouters++] = gw;
		nrouters += s->nrouters;
		s->dns = b->dns;
		s->ndns = d->dns.n ? d->dns.n : b->dns[0] ? 1 : 0;
		s->ntp = b->ntp;
		s->nntp = d->ntp.n;
		s->domain = b->domain[0] ? b->domain : NULL;
		s->search = b->search;
		s->nsearch = nsearch;
		s->mtu = (uint16_t)d->mtu;
		s->routes = b->routes + nroutes;
		s->nroutes = dhcp_build_routes(b, i, NULL, 0, b->routes + nroutes,
					       DHCP_MAX_STATIC_ROUTES - nroutes);
		nroutes += s->nroutes;
	}
	/* Reservations, in their subnets' order (the pool wants them per subnet). */
	used = 0;
	for (uint32_t i = 0; i < d->subnet.n; i++) {
		struct dhcp_subnet_conf *s = &b->subnets[i];

		s->reservations = b->res + used;
		for (uint32_t k = 0; k < in->nres; k++) {
			const struct dhcp_reservation_conf *rc = &in->res[k];
			struct dhcp_reservation *r = &b->res[used + s->nreservations];
			size_t n = 0;

			if (rc->address.family != AF_INET ||
			    !dhcp_in_net(s->network, s->prefix_len, dhcp_v4(&rc->address)))
				continue;
			memset(r, 0, sizeof(*r));
			r->addr = dhcp_v4(&rc->address);
			r->has_mac = rc->mac[0] && dhcp_parse_mac(rc->mac, r->mac) == 0;
			if (rc->client_id[0] &&
			    dhcp_parse_cid(rc->client_id, r->cid, sizeof(r->cid), &n) == 0)
				r->cid_len = (uint8_t)n;
			r->name = rc->name[0] ? rc->name : NULL;
			s->nreservations++;
		}
		used += s->nreservations;
	}
	return 0;
}

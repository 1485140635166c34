/* --check-config's look at [dhcp] and [dhcp-reservation]: every error
 * names the file and line of the key at fault (the section header's if
 * the key is absent) and says what to write instead. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/conf_where.h"
#include "daemon/dhcp_impl.h"
#include "dhcp/pool.h"

struct where {
	struct conf_where at;        /* first: the checks' files and text */
	cfg_error_fn err;
	void *arg;
	int errors;
};

static void fail(struct where *w, const char *section, uint32_t nth, const char *key,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void fail(struct where *w, const char *section, uint32_t nth, const char *key,
		 const char *fmt, ...)
{
	char msg[512];
	const char *file;
	unsigned line = conf_where_line(&w->at, section, strcmp(section, "dhcp") != 0, nth, key,
					&file);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->errors++;
	if (w->err)
		w->err(w->arg, file, line, msg);
}

#define DFAIL(w, key, ...) fail((w), "dhcp", 0, (key), __VA_ARGS__)

static int subnet_in(const struct dhcp_conf *d, uint32_t a)
{
	for (uint32_t i = 0; i < d->subnet.n; i++)
		if (d->subnet.v[i].addr.family == AF_INET &&
		    dhcp_in_net(dhcp_v4(&d->subnet.v[i].addr), d->subnet.v[i].len, a))
			return (int)i;
	return -1;
}

static void check_list(struct where *w, const char *key, const struct cfg_addr_list *l,
		       const struct dhcp_conf *d, bool on_link)
{
	char buf[MG_PREFIX_STRLEN];

	for (uint32_t i = 0; i < l->n; i++) {
		if (l->v[i].family != AF_INET)
			DFAIL(w, key, "[dhcp] %s = %s: DHCPv4 hands out IPv4 addresses only", key,
			      mg_addr_fmt(&l->v[i], buf, sizeof(buf)));
		else if (on_link && subnet_in(d, dhcp_v4(&l->v[i])) < 0)
			DFAIL(w, key, "[dhcp] %s = %s is in no [dhcp] subnet: a client can only "
			      "reach a router on its own network", key,
			      mg_addr_fmt(&l->v[i], buf, sizeof(buf)));
	}
}

static void check_subnets(struct where *w, const struct dhcp_conf *d)
{
	char buf[MG_PREFIX_STRLEN];

	if (!d->subnet.n)
		DFAIL(w, "subnet", "[dhcp] needs subnet: the network to serve, like subnet = "
		      "192.168.1.0/24 (or [site] subnet, which it defaults to)");
	for (uint32_t i = 0; i < d->subnet.n; i++) {
		const struct mg_prefix *p = &d->subnet.v[i];

		if (p->addr.family != AF_INET || p->len < 8 || p->len > 30)
			DFAIL(w, "subnet", "[dhcp] subnet = %s: expected an IPv4 network from /8 "
			      "to /30", mg_prefix_fmt(p, buf, sizeof(buf)));
	}
}

static void check_ranges(struct where *w, const struct dhcp_conf *d)
{
	struct dhcp_range r[DHCP_MAX_RANGES];
	char why[300], a[16], b[16];
	size_t n;

	if (!d->range[0]) {
		DFAIL(w, "range", "[dhcp] needs range: the addresses to hand out, like range = "
		      "192.168.1.100-192.168.1.199");
		return;
	}
	if (dhcp_parse_ranges(d->range, r, DHCP_MAX_RANGES, &n, why, sizeof(why))) {
		DFAIL(w, "range", "[dhcp] range: %s", why);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int s = subnet_in(d, r[i].first);
		const struct mg_prefix *p = s >= 0 ? &d->subnet.v[s] : NULL;
		uint32_t net = p ? dhcp_v4(&p->addr) : 0, bcast = p ? net | ~dhcp_mask(p->len) : 0;

		dhcp_ip_fmt(r[i].first, a);
		dhcp_ip_fmt(r[i].last, b);
		if (!p || !dhcp_in_net(net, p->len, r[i].last))
			DFAIL(w, "range", "[dhcp] range %s-%s is not inside one [dhcp] subnet: "
			      "add its network to subnet, or fix the range", a, b);
		else if (r[i].first == net || r[i].last == bcast)
			DFAIL(w, "range", "[dhcp] range %s-%s includes the subnet's network or "
			      "broadcast address: start after it and end before it", a, b);
		for (size_t k = 0; k < i; k++)
			if (r[i].first <= r[k].last && r[k].first <= r[i].last)
				DFAIL(w, "range", "[dhcp] range %s-%s overlaps another range: give "
				      "each address once", a, b);
	}
}

static void check_texts(struct where *w, const struct dhcp_conf *d)
{
	struct dhcp_route rt[DHCP_MAX_STATIC_ROUTES];
	const char *names[DHCP_MAX_SEARCH];
	char buf[CONF_DHCP_TEXT], why[300], a[16];
	size_t n;

	if (dhcp_parse_routes(d->route, rt, DHCP_MAX_STATIC_ROUTES, &n, why, sizeof(why)))
		DFAIL(w, "route", "[dhcp] route: %s", why);
	else
		for (size_t i = 0; i < n; i++)
			if (rt[i].gw && subnet_in(d, rt[i].gw) < 0)
				DFAIL(w, "route", "[dhcp] route via %s: the router is in no [dhcp] "
				      "subnet; clients reach only routers on their own network",
				      dhcp_ip_fmt(rt[i].gw, a));
	if (dhcp_parse_search(d->search, buf, sizeof(buf), names, DHCP_MAX_SEARCH, &n, why,
			      sizeof(why)))
		DFAIL(w, "search", "[dhcp] search: %s", why);
	if (d->mtu && d->mtu < 68)
		DFAIL(w, "mtu", "[dhcp] mtu = %u: IPv4 needs at least 68 (0: not sent)", d->mtu);
	if (d->server_id.family && d->server_id.family != AF_INET)
		DFAIL(w, "server-id", "[dhcp] server-id: expected this server's IPv4 address");
	check_list(w, "router", &d->router, d, true);
	check_list(w, "dns", &d->dns, d, false);
	check_list(w, "ntp", &d->ntp, d, false);
}

static void check_reservations(struct where *w, const struct mg_conf *c,
			       const struct dhcp_conf *d)
{
	uint8_t mac[6], cid[DHCP_KEY_MAX];
	char a[16];
	size_t n;

	for (uint32_t i = 0; i < c->ndhcp_reservations; i++) {
		const struct dhcp_reservation_conf *r = &c->dhcp_reservations[i];
		uint32_t addr = r->address.family == AF_INET ? dhcp_v4(&r->address) : 0;
		int s = addr ? subnet_in(d, addr) : -1;

		if (r->mac[0] && dhcp_parse_mac(r->mac, mac))
			fail(w, "dhcp-reservation", i, "mac", "[dhcp-reservation] mac = %s: "
			     "expected six hex bytes, like 02:00:00:00:00:01", r->mac);
		if (r->client_id[0] && dhcp_parse_cid(r->client_id, cid, DHCP_KEY_MAX - 1, &n))
			fail(w, "dhcp-reservation", i, "client-id", "[dhcp-reservation] "
			     "client-id = %.64s: expected 1 to 63 hex bytes, like "
			     "01:02:00:00:00:00:01", r->client_id);
		if (!r->mac[0] && !r->client_id[0])
			fail(w, "dhcp-reservation", i, "mac", "[dhcp-reservation] needs mac or "
			     "client-id: the client the address is for");
		if (!addr)
			fail(w, "dhcp-reservation", i, "address", "[dhcp-reservation] address: "
			     "expected an IPv4 address");
		else if (s < 0)
			fail(w, "dhcp-reservation", i, "address", "[dhcp-reservation] address %s "
			     "is in no [dhcp] subnet: reserve an address of the LAN",
			     dhcp_ip_fmt(addr, a));
		for (uint32_t k = 0; k < i; k++) {
			const struct dhcp_reservation_conf *o = &c->dhcp_reservations[k];

			if (addr && mg_addr_eq(&o->address, &r->address))
				fail(w, "dhcp-reservation", i, "address", "[dhcp-reservation] "
				     "address %s is already reserved by [dhcp-reservation] %u: "
				     "give each client its own", dhcp_ip_fmt(addr, a), k + 1);
			if (r->mac[0] && !strcasecmp(o->mac, r->mac))
				fail(w, "dhcp-reservation", i, "mac", "[dhcp-reservation] mac %s "
				     "already has [dhcp-reservation] %u: one address per client",
				     r->mac, k + 1);
			if (r->name[0] && !strcmp(o->name, r->name))
				fail(w, "dhcp-reservation", i, "name", "[dhcp-reservation] name %s "
				     "is already [dhcp-reservation] %u's: names must differ",
				     r->name, k + 1);
		}
	}
}

int dhcp_conf_check(const struct mg_conf *c, const char *file, const char *text,
		    cfg_error_fn err, void *arg)
{
	struct where *w = calloc(1, sizeof(*w));
	struct dhcp_inputs *in = NULL;
	struct dhcp_build *b = NULL;
	struct dhcp_pool *pool = NULL;
	const struct dhcp_conf *d;
	const char *why = NULL;
	char msg[300];
	int errors;

	if (!w)
		return 1;
	*w = (struct where){ .at = { .file = file, .text = text }, .err = err, .arg = arg };
	if (!c->dhcp.interface[0]) {
		if (c->dhcp.subnet.n || c->dhcp.range[0] || c->ndhcp_reservations)
			DFAIL(w, "interface", "[dhcp] needs interface: the LAN interface to serve "
			      "on (without it [dhcp] is off)");
		goto out;
	}
	in = malloc(sizeof(*in));
	b = malloc(sizeof(*b));
	if (!in || !b) {
		DFAIL(w, "interface", "out of memory");
		goto out;
	}
	dhcp_inputs_from_conf(in, c);
	d = &in->dhcp;
	check_subnets(w, d);
	if (!d->subnet.n)
		goto out;		/* everything else is checked against it */
	check_ranges(w, d);
	check_texts(w, d);
	check_reservations(w, c, d);
	if (w->errors)
		goto out;
	/* What only the whole pool can tell (a reservation for an address in
	 * a range of another subnet, too many addresses). */
	if (dhcp_build_conf(b, in, 0, msg, sizeof(msg))) {
		DFAIL(w, "interface", "[dhcp]: %s", msg);
		goto out;
	}
	if (dhcp_pool_new(b->subnets, b->sc.nsubnets, &pool, &why) == -EINVAL)
		DFAIL(w, "subnet", "[dhcp]: %s", why ? why : "the address pool cannot be built");
	dhcp_pool_free(pool);
out:
	errors = w->errors;
	free(b);
	free(in);
	free(w);
	return errors;
}

/* The DHCP service's life cycle: [dhcp] made into a running server, kept
 * through reloads, waiting for its interface when it must. */
#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "core/loop.h"
#include "core/nlmon.h"
#include "daemon/dhcp_impl.h"
#include "dhcp/io.h"

#define RETRY_NS LOOP_NSEC_PER_SEC

/* ---- the DNS side, through whatever is connected now ---- */

static void on_name(void *ctx, const char *name, uint32_t addr, uint64_t expires)
{
	struct dhcp_service *s = ctx;

	if (s->names.on_lease_name)
		s->names.on_lease_name(s->names.ctx, name, addr, expires);
}

static void on_name_gone(void *ctx, const char *name, uint32_t addr)
{
	struct dhcp_service *s = ctx;

	if (s->names.on_lease_name_gone)
		s->names.on_lease_name_gone(s->names.ctx, name, addr);
}

/* Every named lease's name goes: the server that held them is going. */
static void names_all_gone(struct dhcp_service *s, struct dhcp_server *srv)
{
	const struct dhcp_pool *p = dhcp_server_pool(srv);

	for (size_t i = 0; i < dhcp_pool_size(p) && s->names.on_lease_name_gone; i++) {
		const struct dhcp_lease *l = dhcp_pool_at(p, i);

		if (l->b.state == DHCP_LEASED && l->b.name[0])
			on_name_gone(s, l->b.name, l->b.addr);
	}
}

/* ---- waiting ---- */

static void wait_for(struct dhcp_service *s, bool retry, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void wait_for(struct dhcp_service *s, bool retry, const char *fmt, ...)
{
	char why[sizeof(s->waiting)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (strcmp(why, s->waiting))
		log_notice("dhcp: waiting: %s", why);
	snprintf(s->waiting, sizeof(s->waiting), "%s", why);
	if (retry)
		loop_timer_arm_in(s->retry, RETRY_NS);
}

/* This gateway's address: the VIP, else the interface's own address in
 * a subnet. 0 if there is none yet. */
static uint32_t gateway_address(const struct dhcp_service *s)
{
	const struct dhcp_conf *d = &s->in.dhcp;
	struct ifaddrs *ifa, *i;
	uint32_t gw = 0;

	if (s->in.vip)
		return s->in.vip;
	if (getifaddrs(&ifa) < 0)
		return 0;
	for (i = ifa; i && !gw; i = i->ifa_next) {
		uint32_t a;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, d->interface))
			continue;
		a = ntohl(((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr.s_addr);
		for (uint32_t k = 0; k < d->subnet.n; k++)
			if (dhcp_in_net(dhcp_v4(&d->subnet.v[k].addr), d->subnet.v[k].len, a))
				gw = a;
	}
	freeifaddrs(ifa);
	return gw;
}

/* ---- running ---- */

/* Option 121 of the local subnet: [dhcp] route and the mesh's. */
static int apply_routes(struct dhcp_service *s, struct dhcp_server *srv, struct dhcp_build *b)
{
	size_t n;

	if (b->local < 0)
		return 0;
	n = dhcp_build_routes(b, (unsigned)b->local, s->mesh, s->nmesh, s->route_scratch,
			      sizeof(s->route_scratch) / sizeof(s->route_scratch[0]));
	return dhcp_server_set_routes(srv, (unsigned)b->local, s->route_scratch, n);
}

/* A server for s->in; the caller swaps it in. */
static int build_server(struct dhcp_service *s, uint32_t gw, struct dhcp_build **bout,
			struct dhcp_server **sout)
{
	const struct dhcp_name_ops ops = { on_name, on_name_gone, s };
	struct dhcp_build *b = malloc(sizeof(*b));
	const char *why = NULL;
	char msg[300];
	int r;

	if (!b)
		return -ENOMEM;
	r = dhcp_build_conf(b, &s->in, gw, msg, sizeof(msg));
	if (r) {
		log_err("dhcp: %s", msg);
		goto fail;
	}
	r = dhcp_server_new(&b->sc, s->in.leases_path, &ops, dhcp_io_wall_now(), sout, &why);
	if (r) {
		log_err("dhcp: cannot start the server with lease journal %s: %s%s%s",
			s->in.leases_path, strerror(-r), why ? ": " : "", why ? why : "");
		goto fail;
	}
	if (apply_routes(s, *sout, b) < 0)
		log_err("dhcp: the mesh's routes do not fit in option 121: serving [dhcp] "
			"route only");
	*bout = b;
	return 0;
fail:
	free(b);
	return r;
}

static void stop(struct dhcp_service *s)
{
	dhcp_io_free(s->io);
	s->io = NULL;
	if (s->srv) {
		names_all_gone(s, s->srv);
		dhcp_server_free(s->srv);
	}
	s->srv = NULL;
	free(s->build);
	s->build = NULL;
	loop_timer_disarm(s->retry);
}

static void try_start(struct dhcp_service *s)
{
	const char *ifn = s->in.dhcp.interface;
	uint32_t gw;
	char a[16];
	int r;

	if (s->srv || s->broken || !ifn[0])
		return;
	if (!if_nametoindex(ifn)) {
		wait_for(s, true, "interface %s does not exist", ifn);
		return;
	}
	gw = gateway_address(s);
	if (!gw) {
		wait_for(s, true, "interface %s has no IPv4 address in a [dhcp] subnet", ifn);
		return;
	}
	r = build_server(s, gw, &s->build, &s->srv);
	if (r) {
		/* A configuration or journal the checks let through: a retry
		 * would only repeat it. Say so in status; a reload may fix it. */
		s->broken = r == -EINVAL || r == -EPROTO;
		wait_for(s, !s->broken, "cannot start the server: %s (see the log)", strerror(-r));
		return;
	}
	r = dhcp_io_new(s->loop, s->srv, ifn, &s->io);
	if (r) {
		stop(s);
		wait_for(s, true, "cannot open DHCP sockets on %s: %s", ifn, strerror(-r));
		return;
	}
	s->waiting[0] = '\0';
	log_notice("dhcp: serving on %s as %s, %zu lease%s restored from %s", ifn,
		   dhcp_ip_fmt(gw, a), dhcp_pool_count(dhcp_server_pool(s->srv), DHCP_LEASED),
		   dhcp_pool_count(dhcp_server_pool(s->srv), DHCP_LEASED) == 1 ? "" : "s",
		   s->in.leases_path);
	dhcp_server_announce(s->srv, dhcp_io_wall_now());
}

static void on_retry(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	try_start(arg);
}

/* ---- the service ---- */

int dhcp_service_new(struct loop *loop, const struct mg_conf *c, struct dhcp_service **out)
{
	struct dhcp_service *s = calloc(1, sizeof(*s));
	int r;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	r = loop_timer_new(loop, on_retry, s, &s->retry);
	if (r < 0) {
		free(s);
		return r;
	}
	dhcp_inputs_from_conf(&s->in, c);
	try_start(s);
	*out = s;
	return 0;
}

void dhcp_service_free(struct dhcp_service *s)
{
	if (!s)
		return;
	stop(s);
	loop_timer_free(s->retry);
	free(s->mesh);
	free(s);
}

int dhcp_service_reload(struct dhcp_service *s, const struct mg_conf *next)
{
	static struct dhcp_inputs in, old;	/* large: not on the stack */
	struct dhcp_build *b;
	struct dhcp_server *srv;
	uint32_t gw;
	int r;

	if (!s)
		return 0;
	dhcp_inputs_from_conf(&in, next);
	if (!memcmp(&in, &s->in, sizeof(in)))
		return 0;
	s->rebuilds++;
	s->broken = false;
	/* Same interface, serving: the sockets stay, the server is rebuilt
	 * from the same journal and swapped in. */
	if (s->io && !strcmp(in.dhcp.interface, s->in.dhcp.interface)) {
		old = s->in;
		s->in = in;
		gw = gateway_address(s);
		r = gw ? build_server(s, gw, &b, &srv) : -EADDRNOTAVAIL;
		if (r) {
			s->in = old;
			log_err("dhcp: reload: keeping the server in force");
			return r;
		}
		names_all_gone(s, s->srv);
		dhcp_server_free(s->srv);
		free(s->build);
		s->srv = srv;
		s->build = b;
		dhcp_io_set_server(s->io, srv);
		dhcp_server_announce(srv, dhcp_io_wall_now());
		log_notice("dhcp: reloaded: the server was rebuilt from %s", s->in.leases_path);
		return 0;
	}
	stop(s);
	s->in = in;
	s->waiting[0] = '\0';
	try_start(s);
	return 0;
}

void dhcp_service_set_names(struct dhcp_service *s, const struct dhcp_service_names *names)
{
	if (!s)
		return;
	s->names = *names;
	if (s->srv)
		dhcp_server_announce(s->srv, dhcp_io_wall_now());
}

int dhcp_service_set_routes(struct dhcp_service *s, const struct mg_prefix *subnets, size_t n)
{
	struct mg_prefix *copy = NULL, *prev;
	size_t prevn;
	int r;

	if (!s)
		return 0;
	if (n > DHCP_MAX_MESH_ROUTES)
		return -E2BIG;
	if (n) {
		copy = malloc(n * sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, subnets, n * sizeof(*copy));
	}
	prev = s->mesh;
	prevn = s->nmesh;
	s->mesh = copy;
	s->nmesh = n;
	if (s->srv) {
		r = apply_routes(s, s->srv, s->build);
		if (r < 0) {
			s->mesh = prev;
			s->nmesh = prevn;
			free(copy);
			return r == -ENOSPC ? -E2BIG : r;
		}
	}
	free(prev);
	return 0;
}

void dhcp_service_netlink(struct dhcp_service *s, const struct nlmon_event *ev)
{
	if (!s || !s->in.dhcp.interface[0])
		return;
	if (s->io && ev->ifindex == dhcp_io_ifindex(s->io) && ev->kind == NLMON_LINK_DEL) {
		log_warn("dhcp: interface %s is gone", s->in.dhcp.interface);
		stop(s);
		wait_for(s, true, "interface %s is gone", s->in.dhcp.interface);
		return;
	}
	if (!s->srv && !s->broken && (ev->kind == NLMON_LINK_NEW || ev->kind == NLMON_ADDR_NEW))
		try_start(s);
}

#include "config.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "core/netlink.h"
#include "daemon/iface.h"

static bool list_has(const struct cfg_prefix_list *l, const struct mg_prefix *p)
{
	for (uint32_t i = 0; i < l->n; i++)
		if (mg_prefix_eq(&l->v[i], p))
			return true;
	return false;
}

static bool routes_has(const struct iface_routes *l, const struct mg_prefix *p)
{
	for (uint32_t i = 0; i < l->n; i++)
		if (mg_prefix_eq(&l->v[i], p))
			return true;
	return false;
}

static void log_prefix_err(const char *what, const char *ifname, const struct mg_prefix *p,
                           int r)
{
	char buf[MG_PREFIX_STRLEN];

	log_err("%s %s on %s: %s", what, mg_prefix_fmt(p, buf, sizeof(buf)), ifname, strerror(-r));
}

/* Brings the addresses and routes on the device from `applied` to `want`.
 * Removals first, so a prefix that moves from address to route works. */
static int sync_lists(struct iface *i, struct nl *nl, const struct mesh_conf *want,
                      const struct iface_routes *want_routes)
{
	struct mesh_conf *have = &i->applied;
	struct iface_routes *have_routes = &i->routes;
	int r, err = 0;

	for (uint32_t k = 0; k < have_routes->n; k++) {
		const struct mg_prefix *p = &have_routes->v[k];

		if (routes_has(want_routes, p) && want->route_metric == have->route_metric)
			continue;
		r = nl_route_del(nl, i->ifindex, p, have->route_metric);
		if (r < 0)
			log_prefix_err("cannot remove route", i->tun.name, p, r);
	}
	for (uint32_t k = 0; k < have->address.n; k++) {
		const struct mg_prefix *p = &have->address.v[k];

		if (list_has(&want->address, p))
			continue;
		r = nl_addr_del(nl, i->ifindex, p);
		if (r < 0)
			log_prefix_err("cannot remove address", i->tun.name, p, r);
	}
	have->address.n = 0;
	for (uint32_t k = 0; k < want->address.n; k++) {
		const struct mg_prefix *p = &want->address.v[k];

		r = nl_addr_add(nl, i->ifindex, p);
		if (r < 0) {
			log_prefix_err("cannot add address", i->tun.name, p, r);
			err = r;
			continue;
		}
		have->address.v[have->address.n++] = *p;
	}
	have_routes->n = 0;
	have->route_metric = want->route_metric;
	for (uint32_t k = 0; k < want_routes->n; k++) {
		const struct mg_prefix *p = &want_routes->v[k];

		r = nl_route_add(nl, i->ifindex, p, want->route_metric);
		if (r < 0) {
			log_prefix_err("cannot add route", i->tun.name, p, r);
			err = r;
			continue;
		}
		have_routes->v[have_routes->n++] = *p;
	}
	return err;
}

int iface_create(struct iface *i, struct nl *nl, const struct mesh_conf *mc,
                 const struct iface_routes *routes)
{
	int r;

	memset(i, 0, sizeof(*i));
	i->tun.fd = -1;
	r = tun_open_offload(mc->interface, &i->tun);
	if (r < 0) {
		log_err("cannot create TUN interface %s: %s%s", mc->interface, strerror(-r),
		        r == -ENOENT ? " (is the tun module loaded? modprobe tun)" : "");
		return r;
	}
	if (i->tun.vnet_hdr)
		log_info("interface %s: segmentation offload on (TCP%s)", i->tun.name,
		         i->tun.uso ? " and UDP" : "");
	else
		log_notice("interface %s: the kernel refused segmentation offload (%s): "
		           "packets go one by one", i->tun.name, strerror(-i->tun.offload_err));
	r = nl_link_index(nl, i->tun.name, &i->ifindex);
	if (r < 0)
		goto fail;
	snprintf(i->applied.interface, sizeof(i->applied.interface), "%s", i->tun.name);
	r = nl_link_set_mtu(nl, i->ifindex, mc->mtu);
	if (r < 0)
		goto fail;
	i->applied.mtu = i->mtu = mc->mtu;
	r = nl_link_set_up(nl, i->ifindex, true);
	if (r < 0)
		goto fail;
	i->up = i->present = true;
	r = sync_lists(i, nl, mc, routes);
	if (r < 0)
		goto fail;
	log_info("interface %s up: mtu %u, %u addresses, %u routes", i->tun.name, mc->mtu,
	         mc->address.n, routes->n);
	return 0;
fail:
	log_err("cannot configure %s: %s", i->tun.name, strerror(-r));
	iface_destroy(i, nl);
	return r;
}

int iface_apply(struct iface *i, struct nl *nl, const struct mesh_conf *mc,
                const struct iface_routes *routes)
{
	int r;

	if (mc->mtu != i->applied.mtu) {
		r = nl_link_set_mtu(nl, i->ifindex, mc->mtu);
		if (r < 0) {
			log_err("cannot set mtu %u on %s: %s", mc->mtu, i->tun.name, strerror(-r));
			return r;
		}
		i->applied.mtu = i->mtu = mc->mtu;
	}
	return sync_lists(i, nl, mc, routes);
}

void iface_destroy(struct iface *i, struct nl *nl)
{
	static const struct iface_routes no_routes;
	struct mesh_conf none;

	if (i->tun.fd < 0)
		return;
	if (i->present) {
		memset(&none, 0, sizeof(none));
		sync_lists(i, nl, &none, &no_routes);
	}
	/* Not persistent: closing the last descriptor removes the device. */
	tun_close(&i->tun);
	i->tun.fd = -1;
	i->present = false;
	log_info("interface %s removed", i->applied.interface);
}

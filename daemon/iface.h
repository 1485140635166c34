/* The mesh interface as configured: the TUN device plus the MTU, addresses and
 * routes meshgated put on it. Reload applies the difference, so an unchanged
 * address or route is never removed and re-added. */
#ifndef MG_DAEMON_IFACE_H
#define MG_DAEMON_IFACE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/tun.h"
#include "daemon/conf.h"

struct nl;

/* Every network routed into the interface: [mesh] route plus the peers'
 * allowed-ips (daemon/vpn.c merges them). */
#define IFACE_MAX_ROUTES (CFG_LIST_MAX * (CONF_MAX_PEERS + 1))

struct iface_routes {
	uint32_t n;
	struct mg_prefix v[IFACE_MAX_ROUTES];
};

struct iface {
	struct tun tun;
	int ifindex;
	struct mesh_conf applied;    /* what is on the device now (its route
	                              * list unused: see routes) */
	struct iface_routes routes;  /* routes on the device now */
	bool up;                     /* as last reported by the kernel */
	bool seen_up;                /* a kernel event has reported it up */
	bool present;
	uint32_t mtu;                /* as last reported by the kernel */
};

/* The TUN is opened with segmentation offloads where the kernel has them
 * (i->tun.vnet_hdr says). routes replaces mc's route list. */
int iface_create(struct iface *i, struct nl *nl, const struct mesh_conf *mc,
                 const struct iface_routes *routes);
int iface_apply(struct iface *i, struct nl *nl, const struct mesh_conf *mc,
                const struct iface_routes *routes);
/* Removes routes and addresses it added and closes the device. */
void iface_destroy(struct iface *i, struct nl *nl);

#endif

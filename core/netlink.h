/* Interface configuration through rtnetlink (libnl-route-3): the mesh TUN
 * device's MTU, state, addresses and routes. Synchronous; used at start-up,
 * on reload and at shutdown. Every call returns 0 or -errno. */
#ifndef MG_CORE_NETLINK_H
#define MG_CORE_NETLINK_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"

struct nl;

int nl_open(struct nl **out);
/* Not nl_close: libnl-3 exports that name, and ours would interpose it. */
void nl_free(struct nl *nl);

int nl_link_index(struct nl *nl, const char *ifname, int *ifindex);   /* -ENODEV if absent */
int nl_link_set_mtu(struct nl *nl, int ifindex, uint32_t mtu);
int nl_link_set_up(struct nl *nl, int ifindex, bool up);
int nl_link_delete(struct nl *nl, int ifindex);                        /* -ENODEV if absent */

/* Interface addresses: p keeps its host bits (10.77.0.1/16). Adding an
 * address that exists is 0; deleting one that is absent is 0. */
int nl_addr_add(struct nl *nl, int ifindex, const struct mg_prefix *p);
int nl_addr_del(struct nl *nl, int ifindex, const struct mg_prefix *p);

/* Routes to dst through the device (scope link, main table), metric given.
 * Same idempotence as addresses. */
int nl_route_add(struct nl *nl, int ifindex, const struct mg_prefix *dst, uint32_t metric);
int nl_route_del(struct nl *nl, int ifindex, const struct mg_prefix *dst, uint32_t metric);

#endif

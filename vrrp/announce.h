/* Telling the LAN who holds the virtual addresses now: a gratuitous ARP
 * for each IPv4 address and an unsolicited neighbour advertisement for each
 * IPv6 one, sent as whole Ethernet frames from the interface's own MAC (the
 * real MAC, as keepalived does without use_vmac), so switches and neighbour
 * caches move to the new master at once. The frame builders are pure. */
#ifndef MG_VRRP_ANNOUNCE_H
#define MG_VRRP_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define VRRP_MAC_LEN 6
#define VRRP_ETH_HLEN 14
#define VRRP_GARP_LEN (VRRP_ETH_HLEN + 28)		/* Ethernet + ARP for IPv4 */
#define VRRP_NA_LEN (VRRP_ETH_HLEN + 40 + 24 + 8)	/* + IPv6 + NA + target LL option */

_Static_assert(VRRP_GARP_LEN == 42, "gratuitous ARP frame is 42 bytes");
_Static_assert(VRRP_NA_LEN == 86, "unsolicited NA frame is 86 bytes");

/* An ARP request from mac for vip with vip as both sender and target
 * address (RFC 5227's announcement), to the broadcast address. Returns the
 * frame's length or -ENOSPC / -EINVAL (vip not IPv4). */
int vrrp_garp_build(uint8_t *buf, size_t cap, const uint8_t mac[VRRP_MAC_LEN],
		    const struct mg_addr *vip);

/* An unsolicited neighbour advertisement (RFC 4861 7.2.6) for vip, from
 * vip to all nodes (ff02::1), Override set, Router set if router, with the
 * target link-layer address option. Returns the length or -ENOSPC / -EINVAL. */
int vrrp_na_build(uint8_t *buf, size_t cap, const uint8_t mac[VRRP_MAC_LEN],
		  const struct mg_addr *vip, bool router);

/* The sending half: one AF_PACKET socket bound to the interface. */
struct vrrp_announcer {
	int fd;
	int ifindex;
};

int vrrp_announcer_open(struct vrrp_announcer *a, int ifindex);	/* 0 or -errno */
void vrrp_announcer_close(struct vrrp_announcer *a);

/* One frame for each address (the interface's current MAC, read now).
 * Returns how many were sent, or -errno of the first failure. */
int vrrp_announce(struct vrrp_announcer *a, const struct mg_prefix *addrs, size_t n,
		  bool router);

#endif

/* The virtual addresses on the interface, through rtnetlink.
 *
 * Every address added here carries the address protocol tag IFA_PROTO =
 * VRRP_VIP_PROTO (`ip -d addr` shows "proto 0x6d"; Linux 6.1 and later keep
 * it). That is how a meshgated that starts after a crash finds the virtual
 * addresses an earlier run left behind, even ones no longer configured, and
 * removes them without touching addresses the administrator added. On older
 * kernels the tag is dropped, and only the configured addresses are removed
 * at start (vrrp_vip_del is harmless for an absent address).
 *
 * IPv6 virtual addresses are added without duplicate address detection:
 * the VRRP election, not DAD, decides who holds them. Synchronous calls,
 * returning 0 or -errno. */
#ifndef MG_VRRP_VIP_H
#define MG_VRRP_VIP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define VRRP_VIP_PROTO 0x6d		/* 'm': added by meshgated's VRRP */

struct vrrp_vip;

int vrrp_vip_open(struct vrrp_vip **out);
void vrrp_vip_close(struct vrrp_vip *v);

/* Adds p (host bits kept) tagged as ours: 0, or 1 if it was already there
 * (then it may be someone else's, such as an address owner's own). */
int vrrp_vip_add(struct vrrp_vip *v, int ifindex, const struct mg_prefix *p);

/* Removes p; an absent address is 0. */
int vrrp_vip_del(struct vrrp_vip *v, int ifindex, const struct mg_prefix *p);

/* Removes every address tagged as ours on ifindex (0: on every interface),
 * copying up to max of them into removed (may be NULL) for the log. Returns
 * how many were removed, or -errno. */
int vrrp_vip_flush(struct vrrp_vip *v, int ifindex, struct mg_prefix *removed, size_t max);

/* Whether p is on ifindex now, tagged or not: 1, 0, or -errno. */
int vrrp_vip_present(struct vrrp_vip *v, int ifindex, const struct mg_prefix *p);

/* The address this router speaks from: the interface's first primary IPv4
 * address, or its first IPv6 link-local one, that is neither tagged as ours
 * nor in skip. -EADDRNOTAVAIL if there is none (yet). */
int vrrp_vip_primary(struct vrrp_vip *v, int ifindex, sa_family_t family,
		     const struct mg_prefix *skip, size_t nskip, struct mg_addr *out);

#endif

/* VRRPv3 (RFC 5798) protocol constants and wire sizes, for IPv4 and IPv6.
 * One advertisement is an 8-byte header followed by the virtual router's
 * addresses, all of the family of the IP packet carrying it. */
#ifndef MG_VRRP_VRRP_H
#define MG_VRRP_VRRP_H

#include <stdint.h>

#define VRRP_VERSION 3
#define VRRP_TYPE_ADVERT 1
#define VRRP_IPPROTO 112		/* IPv4 protocol and IPv6 next header */
#define VRRP_TTL 255			/* IPv4 TTL and IPv6 hop limit, sent and required */

/* Multicast groups, network order. */
#define VRRP_MCAST_V4 { 224, 0, 0, 18 }
#define VRRP_MCAST_V6 { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12 }

/* Priorities. */
#define VRRP_PRIO_STOP 0		/* the master resigns */
#define VRRP_PRIO_DEFAULT 100
#define VRRP_PRIO_BACKUP_MAX 254
#define VRRP_PRIO_OWNER 255		/* owns the virtual addresses */

/* Max Adver Int: 12 bits of centiseconds; the top 4 bits are reserved. */
#define VRRP_ADVER_INT_MASK 0x0fff
#define VRRP_ADVER_INT_MIN 1
#define VRRP_ADVER_INT_MAX 4095
#define VRRP_ADVER_INT_DEFAULT 100	/* 1 s */
#define VRRP_NS_PER_CS 10000000ULL

/* Wire layout: version/type, VRID, priority, count, rsvd/interval, checksum. */
#define VRRP_HDR_LEN 8
#define VRRP_OFF_CSUM 6
#define VRRP_ADDR4_LEN 4
#define VRRP_ADDR6_LEN 16
#define VRRP_MAX_ADDRS 255		/* the count is one byte */
#define VRRP_MAX_LEN (VRRP_HDR_LEN + VRRP_MAX_ADDRS * VRRP_ADDR6_LEN)

/* Checksum pseudo-headers: IPv4 (RFC 768 style) and IPv6 (RFC 8200 8.1). */
#define VRRP_PSEUDO4_LEN 12		/* src, dst, zero, protocol, length16 */
#define VRRP_PSEUDO6_LEN 40		/* src, dst, length32, 3 zeros, next header */

_Static_assert(1 + 1 + 1 + 1 + 2 + 2 == VRRP_HDR_LEN, "VRRPv3 header is 8 bytes");
_Static_assert(VRRP_OFF_CSUM + 2 == VRRP_HDR_LEN, "checksum closes the header");
_Static_assert(4 + 4 + 1 + 1 + 2 == VRRP_PSEUDO4_LEN, "IPv4 pseudo-header is 12 bytes");
_Static_assert(16 + 16 + 4 + 3 + 1 == VRRP_PSEUDO6_LEN, "IPv6 pseudo-header is 40 bytes");
_Static_assert(VRRP_MAX_LEN == 4088, "255 IPv6 addresses fit in one advertisement");
_Static_assert(VRRP_ADVER_INT_MAX == VRRP_ADVER_INT_MASK, "interval is 12 bits");

/* Virtual router MAC: 00-00-5E-00-01-{VRID} (IPv4), 00-00-5E-00-02-{VRID} (IPv6). */
#define VRRP_VMAC_LEN 6
static inline void vrrp_vmac(uint8_t mac[VRRP_VMAC_LEN], int ipv6, uint8_t vrid)
{
	mac[0] = 0x00;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = 0x00;
	mac[4] = ipv6 ? 0x02 : 0x01;
	mac[5] = vrid;
}

#endif

/* VRRPv3 advertisements: parse and build the VRRP message (the IP payload).
 * The I/O layer reads the IP header and passes the fields the checks need;
 * nothing here touches a socket. */
#ifndef MG_VRRP_WIRE_H
#define MG_VRRP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "vrrp/vrrp.h"

/* How the IPv4 checksum is computed; RFC 5798 is ambiguous about it.
 * IPv6 always uses the pseudo-header. */
enum vrrp_csum_mode {
	VRRP_CSUM_PSEUDO = 0,	/* with the pseudo-header: keepalived, FRR (default) */
	VRRP_CSUM_PLAIN,	/* the VRRP message alone: Cisco, Juniper */
};

/* What the parser needs from the IP header. */
struct vrrp_ip {
	struct mg_addr src;	/* its family is the advertisement's family */
	struct mg_addr dst;	/* the group, or our address for unicast peers */
	uint8_t ttl;		/* IPv4 TTL or IPv6 hop limit */
};

/* A parsed advertisement. addrs points into the parsed buffer. */
struct vrrp_advert {
	sa_family_t family;
	uint8_t vrid;
	uint8_t priority;
	uint8_t count;
	uint16_t max_adver_int;	/* centiseconds, reserved bits dropped */
	enum vrrp_csum_mode csum;	/* the checksum that matched */
	const uint8_t *addrs;	/* count addresses of 4 or 16 bytes */
};

/* Why a packet was dropped: each its own counter. */
enum vrrp_rx_error {
	VRRP_RX_OK = 0,
	VRRP_RX_BAD_TTL,	/* TTL / hop limit not 255: not from this link */
	VRRP_RX_SHORT,		/* shorter than the fixed header */
	VRRP_RX_BAD_VERSION,	/* not 3 */
	VRRP_RX_BAD_TYPE,	/* not 1 (advertisement) */
	VRRP_RX_BAD_FAMILY,	/* src/dst families differ, or the list is the other family's */
	VRRP_RX_NO_ADDRS,	/* count 0: the RFC's minimum is 1 */
	VRRP_RX_TRUNCATED,	/* fewer bytes than count addresses need */
	VRRP_RX_COUNT_MISMATCH,	/* more bytes than count addresses */
	VRRP_RX_BAD_CHECKSUM,	/* matches neither checksum */
	VRRP_RX_BAD_VRID,	/* VRID 0 */
	VRRP_RX_BAD_INTERVAL,	/* Max Adver Int 0: the master-down interval would be 0 */
	VRRP_RX_NREASONS
};

/* Checks in the order of RFC 5798 section 7.1 and fills *out. Returns
 * VRRP_RX_OK or the reason; *out is meaningful only on VRRP_RX_OK. */
enum vrrp_rx_error vrrp_advert_parse(const uint8_t *buf, size_t len,
				     const struct vrrp_ip *ip, struct vrrp_advert *out);

/* Short stable name for counters and logs ("bad_ttl"), "?" if out of range. */
const char *vrrp_rx_error_name(enum vrrp_rx_error e);

/* Address i of a parsed advertisement. 0 or -EINVAL if i >= count. */
int vrrp_advert_addr(const struct vrrp_advert *a, unsigned int i, struct mg_addr *out);

/* What to send. Every address must be of the family of src and dst. */
struct vrrp_advert_tx {
	uint8_t vrid;			/* 1..255 */
	uint8_t priority;		/* 0 to resign */
	uint16_t max_adver_int;		/* centiseconds, 1..4095 */
	const struct mg_addr *addrs;
	size_t count;			/* 1..255 */
	enum vrrp_csum_mode csum;	/* IPv4 only; IPv6 always uses the pseudo-header */
};

/* Writes the message into buf. Returns its length, -EINVAL for a bad
 * field or a family mix, -ENOSPC if cap is too small. */
int vrrp_advert_build(uint8_t *buf, size_t cap, const struct vrrp_advert_tx *tx,
		      const struct mg_addr *src, const struct mg_addr *dst);

#endif

/* A reply to a client that has no address yet and cannot take a broadcast
 * goes to the address offered, at the client's MAC, before the client
 * answers ARP for it (RFC 2131 4.1). No ARP entry is set for it: the
 * kernel's neighbour table is small and shared. The frame is built whole
 * here (Ethernet, IPv4, UDP, both checksums) and sent on an AF_PACKET
 * socket by dhcp/io. Pure. */
#ifndef MG_DHCP_RAW_H
#define MG_DHCP_RAW_H

#include <stddef.h>
#include <stdint.h>

#define DHCP_RAW_MAC_LEN 6
#define DHCP_RAW_ETH_LEN 14
#define DHCP_RAW_IP_LEN 20		/* no IP options */
#define DHCP_RAW_UDP_LEN 8
#define DHCP_RAW_HDR_LEN (DHCP_RAW_ETH_LEN + DHCP_RAW_IP_LEN + DHCP_RAW_UDP_LEN)
#define DHCP_RAW_TTL 64

_Static_assert(DHCP_RAW_HDR_LEN == 42, "Ethernet + IPv4 + UDP headers are 42 bytes");

struct dhcp_raw_hdr {
	uint8_t dst_mac[DHCP_RAW_MAC_LEN];
	uint8_t src_mac[DHCP_RAW_MAC_LEN];
	uint32_t src, dst;		/* IPv4, host byte order */
	uint16_t sport, dport;
};

/* Writes the frame carrying payload[0..len) into buf. Returns its length,
 * or -ENOSPC if it does not fit in cap, -EMSGSIZE if the datagram would
 * be longer than IPv4 allows. */
int dhcp_raw_build(uint8_t *buf, size_t cap, const struct dhcp_raw_hdr *h,
		   const uint8_t *payload, size_t len);

/* The Internet checksum (RFC 1071): dhcp_raw_sum adds bytes to a running
 * (folded) sum as big-endian 16-bit words, every piece but the last of
 * even length; dhcp_raw_csum folds and complements it. */
uint32_t dhcp_raw_sum(uint32_t acc, const uint8_t *p, size_t n);
uint16_t dhcp_raw_csum(uint32_t acc);

#endif

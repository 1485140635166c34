/* Ethernet + IPv4 + UDP around a DHCP reply, with its checksums. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "dhcp/raw.h"
#include "lib/cursor.h"

#define ETHERTYPE_IPV4 0x0800
#define IPPROTO_UDP_NUM 17

uint32_t dhcp_raw_sum(uint32_t acc, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2) {
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
		if (acc >> 31)
			acc = (acc & 0xffff) + (acc >> 16);
	}
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	/* Folded, so a caller may add any number of pieces. */
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return acc;
}

uint16_t dhcp_raw_csum(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

int dhcp_raw_build(uint8_t *buf, size_t cap, const struct dhcp_raw_hdr *h,
		   const uint8_t *payload, size_t len)
{
	size_t ip_len = DHCP_RAW_IP_LEN + DHCP_RAW_UDP_LEN + len;
	struct wcur c = wcur_init(buf, cap);
	uint8_t *ip, *udp, pseudo[12];
	uint16_t sum;
	uint32_t acc;

	if (ip_len > 0xffff)
		return -EMSGSIZE;
	if (cap < DHCP_RAW_HDR_LEN + len)
		return -ENOSPC;
	wcur_bytes(&c, h->dst_mac, DHCP_RAW_MAC_LEN);
	wcur_bytes(&c, h->src_mac, DHCP_RAW_MAC_LEN);
	wcur_be16(&c, ETHERTYPE_IPV4);

	ip = buf + c.off;
	wcur_u8(&c, 0x45);			/* version 4, 5 words */
	wcur_u8(&c, 0);				/* DSCP, ECN */
	wcur_be16(&c, (uint16_t)ip_len);
	wcur_be16(&c, 0);			/* id: never fragmented */
	wcur_be16(&c, 0);			/* flags, fragment offset */
	wcur_u8(&c, DHCP_RAW_TTL);
	wcur_u8(&c, IPPROTO_UDP_NUM);
	wcur_be16(&c, 0);			/* checksum, below */
	wcur_be32(&c, h->src);
	wcur_be32(&c, h->dst);

	udp = buf + c.off;
	wcur_be16(&c, h->sport);
	wcur_be16(&c, h->dport);
	wcur_be16(&c, (uint16_t)(DHCP_RAW_UDP_LEN + len));
	wcur_be16(&c, 0);			/* checksum, below */
	wcur_bytes(&c, payload, len);
	if (c.err)
		return -ENOSPC;

	sum = dhcp_raw_csum(dhcp_raw_sum(0, ip, DHCP_RAW_IP_LEN));
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;

	/* The pseudo-header: addresses, zero, protocol, UDP length. */
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP_NUM;
	pseudo[10] = udp[4];
	pseudo[11] = udp[5];
	acc = dhcp_raw_sum(0, pseudo, sizeof(pseudo));
	acc = dhcp_raw_sum(acc, udp, DHCP_RAW_UDP_LEN + len);
	sum = dhcp_raw_csum(acc);
	if (!sum)
		sum = 0xffff;			/* 0 would mean "no checksum" (RFC 768) */
	udp[6] = (uint8_t)(sum >> 8);
	udp[7] = (uint8_t)sum;
	return (int)c.off;
}

/* The few fields of a tunnelled IP packet the engine reads: the version,
 * the addresses that route it (destination out, source in) and the length
 * its header claims, which trims the padding off a decrypted packet. */
#ifndef MG_VPN_INNER_H
#define MG_VPN_INNER_H

#include <stddef.h>
#include <stdint.h>

#define WG_IPV4_HEADER_LEN 20
#define WG_IPV6_HEADER_LEN 40

struct wg_inner {
	int family;		/* AF_INET or AF_INET6 */
	const uint8_t *src;	/* 4 or 16 bytes inside the packet */
	const uint8_t *dst;
	size_t len;		/* IPv4 total length, or IPv6 payload length + 40 */
};

/* 0, or -EPROTONOSUPPORT when pkt is neither IPv4 nor IPv6 or is shorter
 * than its fixed header. The claimed length is not checked: the caller
 * decides what to do with a packet that lies about it. */
int wg_inner_parse(struct wg_inner *out, const uint8_t *pkt, size_t len);

#endif

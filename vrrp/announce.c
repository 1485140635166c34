/* Gratuitous ARP and unsolicited NA: the frames, then AF_PACKET. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "lib/cursor.h"
#include "vrrp/announce.h"

#define ND_NEIGHBOR_ADVERT 136
#define ND_OPT_TARGET_LL 2
#define NA_FLAG_ROUTER 0x80000000u
#define NA_FLAG_OVERRIDE 0x20000000u
#define NA_ICMP_LEN 32			/* header, target, option */

static const uint8_t bcast[VRRP_MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t all_nodes_mac[VRRP_MAC_LEN] = { 0x33, 0x33, 0, 0, 0, 0x01 };
static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };

static void eth_header(struct wcur *c, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	wcur_bytes(c, dst, VRRP_MAC_LEN);
	wcur_bytes(c, src, VRRP_MAC_LEN);
	wcur_be16(c, type);
}

int vrrp_garp_build(uint8_t *buf, size_t cap, const uint8_t mac[VRRP_MAC_LEN],
		    const struct mg_addr *vip)
{
	struct wcur c = wcur_init(buf, cap);

	if (vip->family != AF_INET)
		return -EINVAL;
	eth_header(&c, bcast, mac, ETH_P_ARP);
	wcur_be16(&c, ARPHRD_ETHER);
	wcur_be16(&c, ETH_P_IP);
	wcur_u8(&c, VRRP_MAC_LEN);
	wcur_u8(&c, 4);
	wcur_be16(&c, ARPOP_REQUEST);
	wcur_bytes(&c, mac, VRRP_MAC_LEN);	/* sender: us */
	wcur_bytes(&c, vip->u.bytes, 4);
	wcur_zeros(&c, VRRP_MAC_LEN);		/* target: unknown, as RFC 5227 says */
	wcur_bytes(&c, vip->u.bytes, 4);
	return c.err ? -ENOSPC : (int)c.off;
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

int vrrp_na_build(uint8_t *buf, size_t cap, const uint8_t mac[VRRP_MAC_LEN],
		  const struct mg_addr *vip, bool router)
{
	struct wcur c = wcur_init(buf, cap);
	uint8_t *icmp;
	uint32_t sum;
	uint16_t csum;

	if (vip->family != AF_INET6)
		return -EINVAL;
	eth_header(&c, all_nodes_mac, mac, ETH_P_IPV6);
	wcur_be32(&c, 6u << 28);		/* version, no traffic class or flow */
	wcur_be16(&c, NA_ICMP_LEN);
	wcur_u8(&c, IPPROTO_ICMPV6);
	wcur_u8(&c, 255);			/* hop limit: receivers require 255 */
	wcur_bytes(&c, vip->u.bytes, 16);
	wcur_bytes(&c, all_nodes, 16);
	icmp = wcur_reserve(&c, NA_ICMP_LEN);
	if (c.err || !icmp)
		return -ENOSPC;
	c = wcur_init(icmp, NA_ICMP_LEN);
	wcur_u8(&c, ND_NEIGHBOR_ADVERT);
	wcur_u8(&c, 0);
	wcur_be16(&c, 0);			/* checksum, below */
	wcur_be32(&c, NA_FLAG_OVERRIDE | (router ? NA_FLAG_ROUTER : 0));
	wcur_bytes(&c, vip->u.bytes, 16);
	wcur_u8(&c, ND_OPT_TARGET_LL);
	wcur_u8(&c, 1);				/* option length in units of 8 bytes */
	wcur_bytes(&c, mac, VRRP_MAC_LEN);

	/* Pseudo-header: source, destination, length, next header. */
	sum = sum16(0, vip->u.bytes, 16);
	sum = sum16(sum, all_nodes, 16);
	sum += NA_ICMP_LEN + IPPROTO_ICMPV6;
	sum = sum16(sum, icmp, NA_ICMP_LEN);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	csum = (uint16_t)~sum;
	icmp[2] = (uint8_t)(csum >> 8);
	icmp[3] = (uint8_t)csum;
	return VRRP_NA_LEN;
}

int vrrp_announcer_open(struct vrrp_announcer *a, int ifindex)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_ifindex = ifindex,
	};

	a->ifindex = ifindex;
	/* Protocol 0: this socket only sends, it never receives a frame. */
	a->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (a->fd < 0)
		return -errno;
	if (bind(a->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int r = -errno;

		close(a->fd);
		a->fd = -1;
		return r;
	}
	return 0;
}

void vrrp_announcer_close(struct vrrp_announcer *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}

static int read_mac(int fd, int ifindex, uint8_t mac[VRRP_MAC_LEN])
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (!if_indextoname((unsigned)ifindex, ifr.ifr_name))
		return -errno;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		return -errno;
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return -EOPNOTSUPP;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, VRRP_MAC_LEN);
	return 0;
}

int vrrp_announce(struct vrrp_announcer *a, const struct mg_prefix *addrs, size_t n,
		  bool router)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = a->ifindex,
				  .sll_halen = VRRP_MAC_LEN };
	uint8_t mac[VRRP_MAC_LEN], frame[VRRP_NA_LEN];
	int sent = 0, len, r;

	r = read_mac(a->fd, a->ifindex, mac);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const struct mg_addr *vip = &addrs[i].addr;

		if (vip->family == AF_INET)
			len = vrrp_garp_build(frame, sizeof(frame), mac, vip);
		else
			len = vrrp_na_build(frame, sizeof(frame), mac, vip, router);
		if (len < 0)
			return len;
		memcpy(to.sll_addr, frame, VRRP_MAC_LEN);
		to.sll_protocol = htons(vip->family == AF_INET ? ETH_P_ARP : ETH_P_IPV6);
		if (sendto(a->fd, frame, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			return -errno;
		sent++;
	}
	return sent;
}

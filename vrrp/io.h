/* VRRP's sockets: one raw socket (IP protocol 112) per virtual router,
 * bound to its interface, for one address family.
 *
 * Multicast: IPv4 to 224.0.0.18 with IP_ADD_MEMBERSHIP on the interface,
 * IPv6 to ff02::12 with IPV6_JOIN_GROUP; TTL / hop limit 255 on send, and
 * on receive the TTL (IPv4 header) or hop limit (IPV6_RECVHOPLIMIT) must be
 * 255 and the arrival interface (IP_PKTINFO / IPV6_RECVPKTINFO) ours.
 * Unicast peers (keepalived's unicast_peer): the same advertisement sent to
 * each peer instead, and only the peers' advertisements heard. Our own
 * multicast is not looped back.
 *
 * The checksum covers the destination, so a message is built per
 * destination; receiving parses with vrrp/wire and drops what it rejects,
 * counting why. */
#ifndef MG_VRRP_IO_H
#define MG_VRRP_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include "lib/addr.h"
#include "vrrp/wire.h"

#define VRRP_IO_MAX_PEERS 32

struct vrrp_io_conf {
	int ifindex;
	char ifname[IFNAMSIZ];
	sa_family_t family;
	struct mg_addr src;		/* our address: IPv4 primary, IPv6 link-local */
	const struct mg_addr *peers;	/* unicast peers; none: multicast */
	size_t npeers;
	enum vrrp_csum_mode csum;	/* IPv4 send; receive accepts both */
};

struct vrrp_io_stats {
	uint64_t rx;			/* advertisements handed on */
	uint64_t tx;
	uint64_t tx_errors;
	uint64_t rx_dropped[VRRP_RX_NREASONS];	/* by vrrp/wire's reason */
	uint64_t rx_bad_ip;		/* IP header unusable, fragment, wrong protocol */
	uint64_t rx_wrong_if;		/* arrived on another interface */
	uint64_t rx_wrong_dst;		/* not to the group (multicast) or to us (unicast) */
	uint64_t rx_not_peer;		/* unicast: from an address that is not a peer */
	uint64_t rx_other_vrid;		/* for another virtual router: not ours to count */
};

struct vrrp_io {
	int fd;
	struct vrrp_io_conf conf;
	struct mg_addr group;
	struct mg_addr peers[VRRP_IO_MAX_PEERS];
	struct vrrp_io_stats stats;
	uint8_t buf[VRRP_MAX_LEN + 128];	/* one packet, with its IPv4 header */
};

/* An advertisement received: the message is in io->buf until the next call. */
struct vrrp_io_rx {
	struct vrrp_ip ip;
	struct vrrp_advert adv;
};

/* 0 or -errno. -EINVAL for a family mismatch or too many peers. */
int vrrp_io_open(struct vrrp_io *io, const struct vrrp_io_conf *conf);
void vrrp_io_close(struct vrrp_io *io);

/* Sends tx to the group or to every peer. 0, or -errno of the last failure
 * (counted in tx_errors). */
int vrrp_io_send(struct vrrp_io *io, const struct vrrp_advert_tx *tx);

/* Reads one packet. 1: *out holds a valid advertisement for vrid; 0: a
 * packet was dropped (counted); -EAGAIN: nothing to read; other -errno. */
int vrrp_io_recv(struct vrrp_io *io, uint8_t vrid, struct vrrp_io_rx *out);

/* Checks an IPv4 packet's header and fills ip; returns the offset of the
 * VRRP message, or -1 if the header is unusable. Pure, for tests. */
int vrrp_io_parse_ipv4(const uint8_t *pkt, size_t len, struct vrrp_ip *ip, size_t *msg_len);

#endif

/* The data plane's I/O: the TUN device and the UDP sockets in the event loop.
 *
 * vpn_io implements the engine's callbacks (struct wg_ops): datagrams the
 * engine sends are batched and flushed once per event (sendmmsg, or one
 * sendmsg with UDP_SEGMENT when consecutive datagrams go to one endpoint);
 * decrypted packets are coalesced (vpn/gso.h GRO) and written to the TUN at
 * the end of the batch; TUN reads of 64 KiB super-packets (IFF_VNET_HDR with
 * TSO offloads) are split (GSO) and handed to the engine segment by segment;
 * UDP reads use UDP_GRO and recvmmsg. Replies leave from the local address
 * the peer wrote to (IP_PKTINFO / IPV6_RECVPKTINFO): a gateway reached through
 * a virtual IP answers from it. Buffers are allocated once, never per packet.
 *
 * io.c with udp.c and tun_io.c are the only files of vpn/ that touch
 * sockets or the loop. */
#ifndef MG_VPN_IO_H
#define MG_VPN_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "vpn/device.h"

struct loop;
struct vpn_io;

struct vpn_io_conf {
	int tun_fd;              /* borrowed: non-blocking, opened by core/tun.c */
	bool tun_vnet_hdr;       /* opened with IFF_VNET_HDR and TSO offloads */
	uint16_t listen_port;    /* 0: any free port */
};

struct vpn_io_stats {
	uint64_t tun_read_packets, tun_read_bytes, tun_write_packets, tun_write_bytes;
	uint64_t udp_read_datagrams, udp_read_bytes, udp_sent_datagrams, udp_sent_bytes;
	uint64_t udp_send_errors, tun_write_errors, tun_bad_vnet;  /* counted, then dropped */
	uint64_t udp_read_foreign;       /* datagrams handed to hooks.foreign */
};

/* Datagrams whose first byte is at least this are not WireGuard's (its
 * types are 1 to 4): the mesh's messages before a session exists. */
#define VPN_IO_FOREIGN_FIRST 0x80

/* What the mesh layer above takes from the sockets and the sessions. */
struct vpn_io_hooks {
	/* A control message inside a peer's session (struct wg_ops control):
	 * msg still carries WireGuard's padding. */
	void (*control)(void *arg, struct wg_peer *peer, const uint8_t *msg, size_t len);
	/* A datagram starting with a byte >= VPN_IO_FOREIGN_FIRST. */
	void (*foreign)(void *arg, const struct wg_endpoint *from, const uint8_t *buf,
	                size_t len);
	void *arg;
};

int vpn_io_new(struct loop *loop, const struct vpn_io_conf *c, struct vpn_io **out);
void vpn_io_free(struct vpn_io *io);          /* closes its sockets, frees the device */
struct wg_device *vpn_io_device(struct vpn_io *io);
uint16_t vpn_io_port(const struct vpn_io *io);
/* Rebinds both sockets to port (wg set listen-port); 0 or -errno, the old
 * sockets stay if the new port cannot be bound. */
int vpn_io_set_port(struct vpn_io *io, uint16_t port);
const struct vpn_io_stats *vpn_io_stats(const struct vpn_io *io);

/* Sets (NULL: clears) the hooks; without a control hook, payloads that
 * are not IP packets are dropped as stock WireGuard drops them, and
 * foreign datagrams go to the engine, which counts them as bad types. */
void vpn_io_set_hooks(struct vpn_io *io, const struct vpn_io_hooks *h);
/* One datagram that is not WireGuard's to ep, from the WireGuard port
 * (so NAT mappings and port forwards serve both). */
void vpn_io_send_raw(struct vpn_io *io, const struct wg_endpoint *ep, const uint8_t *buf,
                     size_t len);

/* Peers carry the I/O layer's timers in their user pointer: add and remove
 * them through these (wg_peer_add()/wg_peer_remove() as the device.h
 * says, plus the timers). Errors as wg_peer_add(). */
int vpn_io_peer_add(struct vpn_io *io, const uint8_t public_key[WG_KEY_LEN],
                    struct wg_peer **out);
void vpn_io_peer_remove(struct vpn_io *io, struct wg_peer *p);

#endif

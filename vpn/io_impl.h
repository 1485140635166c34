/* vpn_io's insides, shared by io.c (the engine's callbacks, timers, the
 * loop), udp.c (the sockets) and tun_io.c (the TUN device). Not an API. */
#ifndef MG_VPN_IO_IMPL_H
#define MG_VPN_IO_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/log.h"
#include "vpn/device.h"
#include "vpn/gso.h"
#include "vpn/io.h"
#include "vpn/io_batch.h"

struct loop;
struct loop_fd;
struct loop_timer;

/* UDP receive: recvmmsg slots, each big enough for what UDP_GRO coalesces. */
#define IO_RX_SLOTS 16
#define IO_RX_SLOT_LEN 65536
/* UDP send: the queue flushed once per event, or when full. */
#define IO_TX_RUNS 128
#define IO_TX_ARENA (512 * 1024)
/* TUN reads per event, so the sockets get their turn. */
#define IO_TUN_READS 16
/* Segments of one super-packet: enough for 64 KiB at the smallest MSS. */
#define IO_TUN_SEGS 1400
#define IO_TUN_SEG_ARENA (256 * 1024)
/* Decrypted packets waiting to be coalesced, each in a 64 KiB buffer. */
#define IO_GRO_BUFS 16
/* Handshakes a second past which cookies are asked for. */
#define IO_LOAD_HANDSHAKES 1024
/* Peers whose source address a send refused, fixed after the event. */
#define IO_SRC_FIXES 16

union io_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

struct io_sock {
	int fd;
	struct loop_fd *w;
	int family;
};

struct vpn_io {
	struct loop *loop;
	struct wg_device *dev;
	struct wg_ops ops;
	struct vpn_io_hooks hooks;
	struct vpn_io_stats stats;
	uint64_t now;                  /* the current event's time */
	bool in_event;                 /* sends are flushed when it ends */
	struct loop_timer *flush_timer;
	struct io_load load;
	struct log_ratelimit send_rl;

	/* sockets (udp.c) */
	struct io_sock s4, s6;
	uint16_t port;
	bool gso, gro_on;            /* UDP_SEGMENT, UDP_GRO usable */
	struct mmsghdr *rx_msgs;
	struct iovec *rx_iov;
	union io_sockaddr *rx_names;
	uint8_t *rx_ctl;
	uint8_t *rx_bufs;
	struct io_txq txq;
	struct io_txq_run *tx_runs;
	uint8_t *tx_arena;
	struct mmsghdr *tx_msgs;
	struct iovec *tx_iov;
	uint8_t *tx_ctl;
	struct wg_peer *src_fix[IO_SRC_FIXES];
	unsigned int nsrc_fix;

	/* TUN (tun_io.c) */
	int tun_fd;
	bool vnet;
	struct loop_fd *tun_w;
	uint8_t *tun_buf;              /* one read, with room around it */
	uint8_t *seg_arena;
	struct gso_seg *segs;
	struct gro_batch *gro;
	uint8_t *gro_bufs;             /* IO_GRO_BUFS buffers */
	unsigned int gro_used;         /* buffers the batch holds */
	struct gro_pkt *gro_out;
};

/* io.c */
void io_event_begin(struct vpn_io *io);
void io_event_end(struct vpn_io *io);

/* udp.c */
int io_udp_init(struct vpn_io *io);            /* buffers */
void io_udp_fini(struct vpn_io *io);
int io_udp_bind(struct vpn_io *io, uint16_t port);   /* opens and watches both sockets */
void io_udp_close(struct vpn_io *io);
void io_udp_send(struct vpn_io *io, struct wg_peer *peer, const struct wg_endpoint *ep,
                 const uint8_t *buf, size_t len);
void io_udp_flush(struct vpn_io *io);

/* tun_io.c */
int io_tun_init(struct vpn_io *io);
void io_tun_fini(struct vpn_io *io);
void io_tun_deliver(struct vpn_io *io, uint8_t *pkt, size_t len);
void io_tun_flush(struct vpn_io *io);

#endif

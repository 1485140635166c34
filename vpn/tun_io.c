/* The TUN side. Reads: with the virtio header, a 64 KiB TCP super-packet
 * is cut into MTU-sized segments (vpn/gso.h) that the engine seals where
 * they lie; a plain packet goes to the engine from the read buffer itself.
 * Writes: decrypted TCP segments of one flow are coalesced into one
 * super-packet per batch, so the kernel's stack takes 64 KiB at a time. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "vpn/io_impl.h"

/* The read buffer: the packet lands at WG_TX_HEADROOM, its virtio header
 * just before it, and the engine's tailroom follows the largest packet. */
#define TUN_BUF_LEN (WG_TX_HEADROOM + GSO_MAX_PACKET + WG_TX_TAILROOM)
/* The largest IPv4 + TCP headers (60 + 60): a segment's room beyond its
 * payload when the kernel's hint is not usable. */
#define SEG_HDR_MAX 120
#define ALIGN16(x) (((x) + 15) & ~(size_t)15)
#define ALIGN64(x) (((x) + 63) & ~(size_t)63)
/* A coalesced packet: its virtio header, then up to 64 KiB. */
#define GRO_OFF 16
#define GRO_BUF_LEN ALIGN64(GRO_OFF + GSO_MAX_PACKET)

static void on_tun(struct loop *loop, int fd, uint32_t events, void *arg);

int io_tun_init(struct vpn_io *io)
{
	io->tun_buf = malloc(TUN_BUF_LEN);
	if (!io->tun_buf)
		return -ENOMEM;
	if (io->vnet) {
		io->seg_arena = malloc(IO_TUN_SEG_ARENA);
		io->segs = calloc(IO_TUN_SEGS, sizeof(*io->segs));
		io->gro = malloc(sizeof(*io->gro));
		io->gro_bufs = malloc((size_t)IO_GRO_BUFS * GRO_BUF_LEN);
		io->gro_out = calloc(GRO_MAX_ITEMS, sizeof(*io->gro_out));
		if (!io->seg_arena || !io->segs || !io->gro || !io->gro_bufs || !io->gro_out)
			return -ENOMEM;
		gro_init(io->gro);
	}
	return loop_fd_add(io->loop, io->tun_fd, EPOLLIN, on_tun, io, &io->tun_w);
}

void io_tun_fini(struct vpn_io *io)
{
	if (io->tun_w)
		loop_fd_del(io->loop, io->tun_w);
	io->tun_w = NULL;
	free(io->tun_buf);
	free(io->seg_arena);
	free(io->segs);
	free(io->gro);
	free(io->gro_bufs);
	free(io->gro_out);
}

/* A packet the kernel handed over with a virtio header: sealed in place
 * when it needs nothing done, else cut (or checksummed) into segments. */
static void tx_vnet(struct vpn_io *io, size_t n)
{
	uint8_t *pkt = io->tun_buf + WG_TX_HEADROOM;
	size_t len = n - VNET_HDR_LEN, stride, nsegs, hdrs;
	struct vnet_hdr h;
	int i, k;

	if (vnet_hdr_parse(pkt - VNET_HDR_LEN, n, &h) < 0) {
		io->stats.tun_bad_vnet++;
		return;
	}
	if (h.gso_type == VNET_GSO_NONE && !(h.flags & VNET_F_NEEDS_CSUM)) {
		wg_device_tx(io->dev, io->tun_buf, len, io->now);
		return;
	}
	/* Segments as tight as the headers allow, so that 64 KiB cut at the
	 * smallest MSS still fits. A wrong hint only makes gso_split() fail. */
	hdrs = h.hdr_len && h.hdr_len <= SEG_HDR_MAX ? h.hdr_len : SEG_HDR_MAX;
	if (h.gso_type == VNET_GSO_NONE)
		stride = IO_TUN_SEG_ARENA;
	else
		stride = ALIGN16(WG_TX_HEADROOM + hdrs + (size_t)h.gso_size + WG_TX_TAILROOM);
	nsegs = IO_TUN_SEG_ARENA / stride;
	if (nsegs > IO_TUN_SEGS)
		nsegs = IO_TUN_SEGS;
	for (i = 0; i < (int)nsegs; i++) {
		io->segs[i].buf = io->seg_arena + (size_t)i * stride;
		io->segs[i].cap = stride - WG_TX_TAILROOM;
	}
	k = gso_split(&h, pkt, len, io->segs, nsegs, WG_TX_HEADROOM);
	if (k < 0) {
		io->stats.tun_bad_vnet++;
		return;
	}
	for (i = 0; i < k; i++)
		wg_device_tx(io->dev, io->segs[i].buf, io->segs[i].len, io->now);
}

/* The device was deleted under us (ip link del): its descriptor would
 * report an error forever. Stop reading; writes fail and are counted. */
static void tun_gone(struct vpn_io *io, int err)
{
	log_err("wireguard: cannot read the TUN device (%s): no longer reading it",
	        strerror(err));
	loop_fd_del(io->loop, io->tun_w);
	io->tun_w = NULL;
}

static void on_tun(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct vpn_io *io = arg;
	size_t off = io->vnet ? WG_TX_HEADROOM - VNET_HDR_LEN : WG_TX_HEADROOM;
	size_t room = (io->vnet ? VNET_HDR_LEN : 0) + GSO_MAX_PACKET;
	ssize_t n;
	int k;

	(void)events;
	io_event_begin(io);
	for (k = 0; k < IO_TUN_READS; k++) {
		n = read(fd, io->tun_buf + off, room);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				tun_gone(io, errno);
			break;
		}
		io->now = loop_now(loop);
		if (io->vnet) {
			if ((size_t)n < VNET_HDR_LEN) {
				io->stats.tun_bad_vnet++;
				continue;
			}
			io->stats.tun_read_packets++;
			io->stats.tun_read_bytes += (size_t)n - VNET_HDR_LEN;
			tx_vnet(io, (size_t)n);
		} else if (n > 0) {
			io->stats.tun_read_packets++;
			io->stats.tun_read_bytes += (size_t)n;
			wg_device_tx(io->dev, io->tun_buf, (size_t)n, io->now);
		}
	}
	io_event_end(io);
}

static void tun_write(struct vpn_io *io, const uint8_t *data, size_t len, size_t ip_len)
{
	if (write(io->tun_fd, data, len) < 0) {
		io->stats.tun_write_errors++;
		return;
	}
	io->stats.tun_write_packets++;
	io->stats.tun_write_bytes += ip_len;
}

void io_tun_flush(struct vpn_io *io)
{
	int i, n;

	if (!io->vnet || !io->gro_used)
		return;
	n = gro_finish(io->gro, io->gro_out, GRO_MAX_ITEMS);
	for (i = 0; i < n; i++)
		tun_write(io, io->gro_out[i].data, io->gro_out[i].len,
		          io->gro_out[i].len - VNET_HDR_LEN);
	io->gro_used = 0;
}

void io_tun_deliver(struct vpn_io *io, uint8_t *pkt, size_t len)
{
	uint8_t *buf;
	int r;

	if (!io->vnet) {
		tun_write(io, pkt, len, len);
		return;
	}
	if (len > GSO_MAX_PACKET) {
		io->stats.tun_write_errors++;
		return;
	}
	if (io->gro_used == IO_GRO_BUFS)
		io_tun_flush(io);
	buf = io->gro_bufs + (size_t)io->gro_used * GRO_BUF_LEN;
	memcpy(buf + GRO_OFF, pkt, len);
	r = gro_add(io->gro, buf, GRO_BUF_LEN, GRO_OFF, len);
	if (r == -ENOSPC) {
		io_tun_flush(io);
		buf = io->gro_bufs;
		memcpy(buf + GRO_OFF, pkt, len);
		r = gro_add(io->gro, buf, GRO_BUF_LEN, GRO_OFF, len);
	}
	if (r == 1)
		io->gro_used++;
	else if (r < 0)
		io->stats.tun_write_errors++;
}

/* The two UDP sockets, as wireguard-go has them: an IPv6 one with
 * IPV6_V6ONLY and an IPv4 one on the same port. Datagrams are read in
 * recvmmsg batches with UDP_GRO (one slot may hold many datagrams of one
 * size) and sent in sendmmsg batches with UDP_SEGMENT; the local address a
 * peer wrote to comes with each datagram (pktinfo) and replies leave from
 * it. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "vpn/io_impl.h"

#ifndef SOL_UDP
#define SOL_UDP 17
#endif

#define IO_CTL_LEN 64                  /* one datagram's control messages */
#define IO_SOCK_BUF (7 << 20)          /* wireguard-go's socket buffers */

int io_udp_init(struct vpn_io *io)
{
	io->s4.fd = io->s6.fd = -1;
	io->s4.family = AF_INET;
	io->s6.family = AF_INET6;
	io->rx_msgs = calloc(IO_RX_SLOTS, sizeof(*io->rx_msgs));
	io->rx_iov = calloc(IO_RX_SLOTS, sizeof(*io->rx_iov));
	io->rx_names = calloc(IO_RX_SLOTS, sizeof(*io->rx_names));
	io->rx_ctl = calloc(IO_RX_SLOTS, IO_CTL_LEN);
	io->rx_bufs = malloc((size_t)IO_RX_SLOTS * IO_RX_SLOT_LEN);
	io->tx_runs = calloc(IO_TX_RUNS, sizeof(*io->tx_runs));
	io->tx_arena = malloc(IO_TX_ARENA);
	io->tx_msgs = calloc(IO_TX_RUNS, sizeof(*io->tx_msgs));
	io->tx_iov = calloc(IO_TX_RUNS, sizeof(*io->tx_iov));
	io->tx_ctl = calloc(IO_TX_RUNS, IO_CTL_LEN);
	if (!io->rx_msgs || !io->rx_iov || !io->rx_names || !io->rx_ctl || !io->rx_bufs ||
	    !io->tx_runs || !io->tx_arena || !io->tx_msgs || !io->tx_iov || !io->tx_ctl)
		return -ENOMEM;
	io_txq_init(&io->txq, io->tx_arena, IO_TX_ARENA, io->tx_runs, IO_TX_RUNS, 1);
	return 0;
}

void io_udp_fini(struct vpn_io *io)
{
	io_udp_close(io);
	free(io->rx_msgs);
	free(io->rx_iov);
	free(io->rx_names);
	free(io->rx_ctl);
	free(io->rx_bufs);
	free(io->tx_runs);
	free(io->tx_arena);
	free(io->tx_msgs);
	free(io->tx_iov);
	free(io->tx_ctl);
}

static void sock_close(struct vpn_io *io, struct io_sock *s)
{
	if (s->w)
		loop_fd_del(io->loop, s->w);
	s->w = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

void io_udp_close(struct vpn_io *io)
{
	sock_close(io, &io->s4);
	sock_close(io, &io->s6);
}

static void set_buffer(int fd, int force, int plain)
{
	int v = IO_SOCK_BUF;

	/* The forcing variant needs CAP_NET_ADMIN; without it, take what
	 * net.core.[rw]mem_max allows. */
	if (setsockopt(fd, SOL_SOCKET, force, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, plain, &v, sizeof(v));
}

/* A bound socket of the family, with pktinfo, big buffers and UDP_GRO where
 * the kernel has it. 0 or -errno; *gro and *gso are cleared when the
 * kernel lacks them. */
static int sock_open(int family, uint16_t port, int *out, bool *gro, bool *gso)
{
	union io_sockaddr a;
	socklen_t alen;
	int fd, one = 1, r;
	socklen_t olen = sizeof(int);
	int v;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&a, 0, sizeof(a));
	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0)
			goto fail;
		a.in6.sin6_family = AF_INET6;
		a.in6.sin6_port = htons(port);
		alen = sizeof(a.in6);
	} else {
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0)
			goto fail;
		a.in4.sin_family = AF_INET;
		a.in4.sin_port = htons(port);
		alen = sizeof(a.in4);
	}
	set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF);
	set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF);
	if (setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) < 0)
		*gro = false;
	if (getsockopt(fd, SOL_UDP, UDP_SEGMENT, &v, &olen) < 0)
		*gso = false;
	if (bind(fd, &a.sa, alen) < 0)
		goto fail;
	*out = fd;
	return 0;
fail:
	r = -errno;
	close(fd);
	return r;
}

static uint16_t sock_port(int fd)
{
	union io_sockaddr a;
	socklen_t alen = sizeof(a);

	if (getsockname(fd, &a.sa, &alen) < 0)
		return 0;
	return ntohs(a.sa.sa_family == AF_INET6 ? a.in6.sin6_port : a.in4.sin_port);
}

static void on_readable(struct loop *loop, int fd, uint32_t events, void *arg);

/* Both sockets on one port. With port 0 the IPv6 socket picks it and the
 * IPv4 one follows, trying again when that port is taken for IPv4. A host
 * without IPv6 gets the IPv4 socket alone. */
static int open_pair(uint16_t port, int *fd4, int *fd6, bool *gro, bool *gso)
{
	int tries, r;

	for (tries = 0; tries < 100; tries++) {
		uint16_t p = port;

		*fd4 = *fd6 = -1;
		r = sock_open(AF_INET6, p, fd6, gro, gso);
		if (r == -EAFNOSUPPORT) {
			*fd6 = -1;
		} else if (r < 0) {
			return r;
		} else if (!p) {
			p = sock_port(*fd6);
		}
		r = sock_open(AF_INET, p, fd4, gro, gso);
		if (r == 0)
			return 0;
		if (*fd6 >= 0)
			close(*fd6);
		*fd6 = -1;
		if (r != -EADDRINUSE || port != 0)
			return r;
	}
	return -EADDRINUSE;
}

int io_udp_bind(struct vpn_io *io, uint16_t port)
{
	struct io_sock n4 = { -1, NULL, AF_INET }, n6 = { -1, NULL, AF_INET6 };
	bool gro = true, gso = true;
	int r;

	r = open_pair(port, &n4.fd, &n6.fd, &gro, &gso);
	if (r < 0)
		return r;
	r = loop_fd_add(io->loop, n4.fd, EPOLLIN, on_readable, io, &n4.w);
	if (r == 0 && n6.fd >= 0)
		r = loop_fd_add(io->loop, n6.fd, EPOLLIN, on_readable, io, &n6.w);
	if (r < 0) {
		sock_close(io, &n4);
		sock_close(io, &n6);
		return r;
	}
	/* Anything queued for the old sockets goes out through the new ones. */
	io_udp_close(io);
	io->s4 = n4;
	io->s6 = n6;
	io->port = sock_port(n4.fd);
	io->gro_on = gro;
	io->gso = gso;
	io->txq.max_segs = gso ? IO_GSO_MAX_SEGS : 1;
	return 0;
}

/* ---- receiving ---- */

/* The peer's address, and the local address and interface it wrote to. */
static void parse_rx(const struct mmsghdr *m, struct wg_endpoint *from, size_t *gso_size)
{
	const struct msghdr *h = &m->msg_hdr;
	struct cmsghdr *c;

	memset(from, 0, sizeof(*from));
	*gso_size = 0;
	if (h->msg_namelen <= sizeof(from->addr))
		memcpy(&from->addr, h->msg_name, h->msg_namelen);
	for (c = CMSG_FIRSTHDR((struct msghdr *)h); c; c = CMSG_NXTHDR((struct msghdr *)h, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			from->src.v4 = pi.ipi_spec_dst;
			from->src_ifindex = pi.ipi_ifindex;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
		           c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			from->src.v6 = pi.ipi6_addr;
			from->src_ifindex = (int)pi.ipi6_ifindex;
		} else if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
		           c->cmsg_len >= CMSG_LEN(sizeof(uint16_t))) {
			uint16_t g;

			memcpy(&g, CMSG_DATA(c), sizeof(g));
			*gso_size = g;
		}
	}
}

static void rx_message(struct vpn_io *io, const struct mmsghdr *m, uint8_t *buf)
{
	struct wg_endpoint from;
	size_t gso_size, off, len, total = m->msg_len;

	if (m->msg_hdr.msg_flags & MSG_TRUNC)
		return;     /* longer than any WireGuard message: not ours */
	parse_rx(m, &from, &gso_size);
	if (from.addr.sa.sa_family != AF_INET && from.addr.sa.sa_family != AF_INET6)
		return;
	for (off = 0; io_rx_next(total, gso_size, off, &len); off += len) {
		if (buf[off] >= VPN_IO_FOREIGN_FIRST && io->hooks.foreign) {
			io->stats.udp_read_foreign++;
			io->hooks.foreign(io->hooks.arg, &from, buf + off, len);
			continue;
		}
		/* handshake initiations and responses, the expensive ones */
		if (buf[off] == 1 || buf[off] == 2)
			io_load_note_handshake(&io->load, io->now);
		io->stats.udp_read_datagrams++;
		io->stats.udp_read_bytes += len;
		wg_device_rx(io->dev, &from, buf + off, len, io->now);
	}
}

static void rx_batch(struct vpn_io *io, int fd)
{
	int i, n;

	for (i = 0; i < IO_RX_SLOTS; i++) {
		struct msghdr *h = &io->rx_msgs[i].msg_hdr;

		io->rx_iov[i].iov_base = io->rx_bufs + (size_t)i * IO_RX_SLOT_LEN;
		io->rx_iov[i].iov_len = IO_RX_SLOT_LEN;
		h->msg_name = &io->rx_names[i];
		h->msg_namelen = sizeof(io->rx_names[i]);
		h->msg_iov = &io->rx_iov[i];
		h->msg_iovlen = 1;
		h->msg_control = io->rx_ctl + (size_t)i * IO_CTL_LEN;
		h->msg_controllen = IO_CTL_LEN;
		h->msg_flags = 0;
	}
	n = recvmmsg(fd, io->rx_msgs, IO_RX_SLOTS, MSG_DONTWAIT, NULL);
	for (i = 0; i < n; i++)
		rx_message(io, &io->rx_msgs[i], io->rx_iov[i].iov_base);
}

static void on_readable(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct vpn_io *io = arg;

	(void)loop;
	(void)events;
	io_event_begin(io);
	rx_batch(io, fd);
	io_event_end(io);
}

/* ---- sending ---- */

static bool has_src(const struct wg_endpoint *ep)
{
	static const uint8_t zero[sizeof(ep->src)];

	if (ep->addr.sa.sa_family == AF_INET)
		return ep->src.v4.s_addr != 0;
	return memcmp(&ep->src, zero, sizeof(zero)) != 0;
}

/* Fills h for len bytes at data to ep, in segments of seg (0: one
 * datagram), from ep's source address when it has one. */
static void build_msg(struct msghdr *h, struct iovec *iov, uint8_t *ctl,
                      struct wg_endpoint *ep, uint8_t *data, size_t len, uint16_t seg)
{
	struct cmsghdr *c;
	size_t clen = 0;

	memset(h, 0, sizeof(*h));
	iov->iov_base = data;
	iov->iov_len = len;
	h->msg_iov = iov;
	h->msg_iovlen = 1;
	h->msg_name = &ep->addr;
	h->msg_namelen = ep->addr.sa.sa_family == AF_INET6 ? sizeof(ep->addr.in6) :
	                                                     sizeof(ep->addr.in4);
	memset(ctl, 0, IO_CTL_LEN);
	h->msg_control = ctl;
	h->msg_controllen = IO_CTL_LEN;
	c = CMSG_FIRSTHDR(h);
	if (seg) {
		c->cmsg_level = SOL_UDP;
		c->cmsg_type = UDP_SEGMENT;
		c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		memcpy(CMSG_DATA(c), &seg, sizeof(seg));
		clen += CMSG_SPACE(sizeof(uint16_t));
		c = CMSG_NXTHDR(h, c);
	}
	if (has_src(ep) && ep->addr.sa.sa_family == AF_INET) {
		struct in_pktinfo pi = { .ipi_spec_dst = ep->src.v4 };

		/* As the kernel's wireguard: the source address, no interface,
		 * so the route decides where it leaves. */
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		clen += CMSG_SPACE(sizeof(pi));
	} else if (has_src(ep)) {
		struct in6_pktinfo pi = { .ipi6_addr = ep->src.v6 };

		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		clen += CMSG_SPACE(sizeof(pi));
	}
	h->msg_controllen = clen;
	if (!clen)
		h->msg_control = NULL;
}

static void build_run(struct vpn_io *io, size_t i, struct mmsghdr *m)
{
	struct io_txq_run *r = &io->txq.runs[i];

	build_msg(&m->msg_hdr, &io->tx_iov[i], io->tx_ctl + i * IO_CTL_LEN, &r->ep,
	          io->txq.arena + r->off, r->len, r->n > 1 ? r->seg : 0);
}

static void count_drop(struct vpn_io *io, const struct io_txq_run *r, int err)
{
	io->stats.udp_send_errors += r->n;
	if (log_ratelimit_ok(&io->send_rl, io->now))
		log_info("wireguard: cannot send %u datagram%s: %s", r->n, r->n == 1 ? "" : "s",
		          strerror(err));
}

/* A run the kernel would not take in one piece: one datagram at a time. */
static void send_split(struct vpn_io *io, int fd, size_t i)
{
	struct io_txq_run *r = &io->txq.runs[i];
	struct msghdr h;
	struct iovec iov;
	size_t off, len;

	for (off = 0; io_rx_next(r->len, r->seg, off, &len); off += len) {
		build_msg(&h, &iov, io->tx_ctl + i * IO_CTL_LEN, &r->ep, io->txq.arena + r->off + off,
		          len, 0);
		if (sendmsg(fd, &h, MSG_DONTWAIT) < 0) {
			io->stats.udp_send_errors++;
			continue;
		}
		io->stats.udp_sent_datagrams++;
		io->stats.udp_sent_bytes += len;
	}
}

static void note_src_fix(struct vpn_io *io, struct wg_peer *peer)
{
	unsigned int k;

	if (!peer)
		return;
	for (k = 0; k < io->nsrc_fix; k++)
		if (io->src_fix[k] == peer)
			return;
	if (io->nsrc_fix < IO_SRC_FIXES)
		io->src_fix[io->nsrc_fix++] = peer;
}

/* Runs first..first+n-1, all of one family, through fd. */
static void send_runs(struct vpn_io *io, int fd, size_t first, size_t n)
{
	size_t a = first, end = first + n, k;
	int sent, err;

	for (k = first; k < end; k++)
		build_run(io, k, &io->tx_msgs[k]);
	while (a < end) {
		struct io_txq_run *r = &io->txq.runs[a];

		sent = sendmmsg(fd, &io->tx_msgs[a], (unsigned int)(end - a), MSG_DONTWAIT);
		if (sent > 0) {
			for (k = a; k < a + (size_t)sent; k++) {
				io->stats.udp_sent_datagrams += io->txq.runs[k].n;
				io->stats.udp_sent_bytes += io->txq.runs[k].len;
			}
			a += (size_t)sent;
			continue;
		}
		err = errno;
		if (err == EINTR)
			continue;
		if (err == EINVAL && has_src(&r->ep)) {
			/* The address the peer wrote to is gone: let the
			 * kernel choose, now and from now on. */
			memset(&r->ep.src, 0, sizeof(r->ep.src));
			r->ep.src_ifindex = 0;
			note_src_fix(io, r->peer);
			build_run(io, a, &io->tx_msgs[a]);
			continue;
		}
		if ((err == EIO || err == EINVAL) && r->n > 1) {
			/* EIO: the device cannot checksum for UDP_SEGMENT;
			 * EINVAL: a segment is over the path MTU, which the
			 * kernel would rather fragment. */
			if (err == EIO) {
				io->gso = false;
				io->txq.max_segs = 1;
				log_notice("wireguard: UDP segmentation offload refused by the "
				           "kernel; sending datagrams one by one");
			}
			send_split(io, fd, a);
		} else {
			count_drop(io, r, err);
		}
		a++;
	}
}

void io_udp_flush(struct vpn_io *io)
{
	size_t i = 0, j;

	while (i < io->txq.nruns) {
		int fam = io->txq.runs[i].ep.addr.sa.sa_family;
		int fd = fam == AF_INET6 ? io->s6.fd : io->s4.fd;

		for (j = i + 1; j < io->txq.nruns && io->txq.runs[j].ep.addr.sa.sa_family == fam; j++)
			;
		if (fd < 0) {
			for (; i < j; i++)
				count_drop(io, &io->txq.runs[i], EAFNOSUPPORT);
			continue;
		}
		send_runs(io, fd, i, j - i);
		i = j;
	}
	io_txq_reset(&io->txq);
}

void io_udp_send(struct vpn_io *io, struct wg_peer *peer, const struct wg_endpoint *ep,
                 const uint8_t *buf, size_t len)
{
	int r;

	if (ep->addr.sa.sa_family != AF_INET && ep->addr.sa.sa_family != AF_INET6) {
		io->stats.udp_send_errors++;
		return;
	}
	r = io_txq_add(&io->txq, peer, ep, buf, len);
	if (r == -ENOBUFS) {
		io_udp_flush(io);
		r = io_txq_add(&io->txq, peer, ep, buf, len);
	}
	if (r < 0) {
		io->stats.udp_send_errors++;
		return;
	}
	if (!io->in_event && !loop_timer_armed(io->flush_timer))
		loop_timer_arm_in(io->flush_timer, 0);
}

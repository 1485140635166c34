/* The DHCP server's sockets, batches and expiry timer. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "core/log.h"
#include "core/loop.h"
#include "dhcp/io.h"
#include "dhcp/raw.h"
#include "dhcp/server.h"

#define BATCH DHCP_BATCH_MAX
#define RX_LEN (DHCP_MAX_LEN + 1)	/* one more: a longer datagram shows as truncated */
#define ROUNDS_PER_WAKEUP 16		/* then let the loop's other work run */
#define TICK_MAX_S 60			/* follow a wall clock that jumps */
#define RCVBUF (4 << 20)
#define CMSG_LEN_PKTINFO CMSG_SPACE(sizeof(struct in_pktinfo))

struct dhcp_io {
	struct loop *loop;
	struct dhcp_server *srv;
	char ifname[IF_NAMESIZE];
	int ifindex;
	int fd, raw_fd;
	struct loop_fd *watch;
	struct loop_timer *tick;
	uint64_t tick_wall;		/* wall-clock second the timer is armed for; 0: none */
	struct dhcp_io_stats st;
	struct log_ratelimit rl;

	/* receiving */
	struct mmsghdr rx_msg[BATCH];
	struct iovec rx_iov[BATCH];
	struct sockaddr_in rx_from[BATCH];
	uint8_t rx_cmsg[BATCH][CMSG_LEN_PKTINFO];
	uint8_t rx_buf[BATCH][RX_LEN];

	/* sending */
	struct mmsghdr tx_msg[BATCH], raw_msg[BATCH];
	struct iovec tx_iov[BATCH], raw_iov[BATCH];
	struct sockaddr_in tx_to[BATCH];
	struct sockaddr_ll raw_to[BATCH];
	uint8_t tx_cmsg[BATCH][CMSG_LEN_PKTINFO];
	uint8_t raw_buf[BATCH][DHCP_RAW_HDR_LEN + DHCP_REPLY_MAX];
};

uint64_t dhcp_io_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

/* ---- expiry ---- */

/* Arms the timer for the server's next expiry if that is sooner. */
static void arm_tick(struct dhcp_io *io, uint64_t next)
{
	uint64_t now = dhcp_io_wall_now(), in;

	if (next == UINT64_MAX)
		next = now + TICK_MAX_S;
	if (io->tick_wall && io->tick_wall <= next && loop_timer_armed(io->tick))
		return;
	in = next > now ? next - now : 0;
	if (in > TICK_MAX_S)
		in = TICK_MAX_S;
	io->tick_wall = now + in;
	loop_timer_arm_in(io->tick, in * LOOP_NSEC_PER_SEC);
}

/* The timer: called when the earliest offer, lease or quarantine is due. */
static void on_tick(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct dhcp_io *io = arg;

	(void)loop;
	(void)t;
	io->tick_wall = 0;
	arm_tick(io, dhcp_server_tick(io->srv, dhcp_io_wall_now()));
}

/* ---- sending ---- */

static void set_pktinfo(struct msghdr *h, uint8_t *buf, uint32_t src, int ifindex)
{
	struct in_pktinfo pi;
	struct cmsghdr *cm;

	memset(buf, 0, CMSG_LEN_PKTINFO);
	h->msg_control = buf;
	h->msg_controllen = CMSG_LEN_PKTINFO;
	cm = CMSG_FIRSTHDR(h);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memset(&pi, 0, sizeof(pi));
	pi.ipi_ifindex = ifindex;
	pi.ipi_spec_dst.s_addr = htonl(src);
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
}

static int own_mac(struct dhcp_io *io, uint8_t mac[DHCP_RAW_MAC_LEN])
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, io->ifname, sizeof(ifr.ifr_name));
	if (ioctl(io->fd, SIOCGIFHWADDR, &ifr) < 0)
		return -errno;
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return -EPFNOSUPPORT;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, DHCP_RAW_MAC_LEN);
	return 0;
}

/* Queues r as a whole frame; false if it must go another way. */
static bool queue_raw(struct dhcp_io *io, const struct dhcp_reply *r, const uint8_t *mac,
		      unsigned i)
{
	struct dhcp_raw_hdr h = {
		.src = r->src, .dst = r->dst, .sport = DHCP_SERVER_PORT, .dport = r->port,
	};
	struct sockaddr_ll *to = &io->raw_to[i];
	int n;

	if (!mac || r->hlen != DHCP_RAW_MAC_LEN)
		return false;
	memcpy(h.dst_mac, r->hw, DHCP_RAW_MAC_LEN);
	memcpy(h.src_mac, mac, DHCP_RAW_MAC_LEN);
	n = dhcp_raw_build(io->raw_buf[i], sizeof(io->raw_buf[i]), &h, r->buf, r->len);
	if (n < 0)
		return false;
	memset(to, 0, sizeof(*to));
	to->sll_family = AF_PACKET;
	to->sll_protocol = htons(ETH_P_IP);
	to->sll_ifindex = io->ifindex;
	to->sll_halen = DHCP_RAW_MAC_LEN;
	memcpy(to->sll_addr, r->hw, DHCP_RAW_MAC_LEN);
	io->raw_iov[i] = (struct iovec){ .iov_base = io->raw_buf[i], .iov_len = (size_t)n };
	memset(&io->raw_msg[i], 0, sizeof(io->raw_msg[i]));
	io->raw_msg[i].msg_hdr.msg_name = to;
	io->raw_msg[i].msg_hdr.msg_namelen = sizeof(*to);
	io->raw_msg[i].msg_hdr.msg_iov = &io->raw_iov[i];
	io->raw_msg[i].msg_hdr.msg_iovlen = 1;
	return true;
}

static void queue_udp(struct dhcp_io *io, const struct dhcp_reply *r, bool broadcast, unsigned i)
{
	struct sockaddr_in *to = &io->tx_to[i];
	struct msghdr *h = &io->tx_msg[i].msg_hdr;

	memset(to, 0, sizeof(*to));
	to->sin_family = AF_INET;
	to->sin_port = htons(broadcast ? DHCP_CLIENT_PORT : r->port);
	to->sin_addr.s_addr = htonl(broadcast ? INADDR_BROADCAST : r->dst);
	io->tx_iov[i] = (struct iovec){ .iov_base = (void *)r->buf, .iov_len = r->len };
	memset(h, 0, sizeof(*h));
	h->msg_name = to;
	h->msg_namelen = sizeof(*to);
	h->msg_iov = &io->tx_iov[i];
	h->msg_iovlen = 1;
	set_pktinfo(h, io->tx_cmsg[i], r->src, broadcast ? io->ifindex : 0);
}

/* Sends msg[0..n) on fd, going on past a datagram that fails. */
static void send_all(struct dhcp_io *io, int fd, struct mmsghdr *msg, unsigned n, uint64_t *ok)
{
	unsigned done = 0;

	while (done < n) {
		int r = sendmmsg(fd, msg + done, n - done, MSG_DONTWAIT);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			if (log_ratelimit_ok(&io->rl, loop_now(io->loop)))
				log_warn("dhcp: cannot send a reply on %s: %s", io->ifname,
					 strerror(errno));
			io->st.tx_errors++;
			done++;			/* that one is lost; the client asks again */
			continue;
		}
		*ok += (uint64_t)r;
		done += (unsigned)r;
	}
}

/* Commits the batch, then sends what it releases. */
static void flush(struct dhcp_io *io)
{
	const struct dhcp_reply *out;
	uint8_t mac[DHCP_RAW_MAC_LEN];
	bool have_mac = false, asked = false;
	unsigned nudp = 0, nraw = 0;
	size_t n = dhcp_server_flush(io->srv, &out);

	io->st.rx_batches++;
	for (size_t i = 0; i < n; i++) {
		const struct dhcp_reply *r = &out[i];
		bool bcast = r->dest == DHCP_DEST_BROADCAST;

		if (r->dest == DHCP_DEST_HWADDR) {
			if (!asked) {
				/* Read once a batch: the MAC may change under us. */
				have_mac = own_mac(io, mac) == 0 && io->raw_fd >= 0;
				asked = true;
			}
			if (queue_raw(io, r, have_mac ? mac : NULL, nraw)) {
				nraw++;
				continue;
			}
			bcast = true;		/* no link layer we can address: broadcast */
		}
		queue_udp(io, r, bcast, nudp++);
	}
	if (nudp)
		send_all(io, io->fd, io->tx_msg, nudp, &io->st.tx);
	if (nraw)
		send_all(io, io->raw_fd, io->raw_msg, nraw, &io->st.tx_raw);
	arm_tick(io, dhcp_pool_next_expiry(dhcp_server_pool(io->srv)));
}

/* ---- receiving ---- */

static void rx_reset(struct dhcp_io *io)
{
	for (unsigned i = 0; i < BATCH; i++) {
		struct msghdr *h = &io->rx_msg[i].msg_hdr;

		io->rx_iov[i] = (struct iovec){ .iov_base = io->rx_buf[i], .iov_len = RX_LEN };
		h->msg_name = &io->rx_from[i];
		h->msg_namelen = sizeof(io->rx_from[i]);
		h->msg_iov = &io->rx_iov[i];
		h->msg_iovlen = 1;
		h->msg_control = io->rx_cmsg[i];
		h->msg_controllen = CMSG_LEN_PKTINFO;
		h->msg_flags = 0;
	}
}

/* Where a datagram came from and to; false if it is not ours to answer. */
static bool rx_info(struct dhcp_io *io, unsigned i, struct dhcp_rx_info *rx)
{
	struct msghdr *h = &io->rx_msg[i].msg_hdr;
	struct in_pktinfo pi;
	struct cmsghdr *cm;
	bool found = false;

	for (cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			found = true;
		}
	}
	if (!found || pi.ipi_ifindex != io->ifindex) {
		io->st.rx_wrong_if++;
		return false;
	}
	rx->ifindex = (uint32_t)pi.ipi_ifindex;
	rx->local_addr = ntohl(pi.ipi_spec_dst.s_addr);
	rx->src_addr = ntohl(io->rx_from[i].sin_addr.s_addr);
	return true;
}

static void handle(struct dhcp_io *io, unsigned i, uint64_t now)
{
	struct dhcp_rx_info rx;
	size_t len = io->rx_msg[i].msg_len;

	io->st.rx++;
	if (io->rx_msg[i].msg_hdr.msg_flags & MSG_TRUNC || len > DHCP_MAX_LEN) {
		io->st.rx_truncated++;
		return;
	}
	if (!rx_info(io, i, &rx))
		return;
	if (dhcp_server_input(io->srv, io->rx_buf[i], len, &rx, now) == -ENOBUFS) {
		/* The batch is full: commit it, then this one starts the next. */
		flush(io);
		dhcp_server_input(io->srv, io->rx_buf[i], len, &rx, now);
	}
}

static void on_readable(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct dhcp_io *io = arg;

	(void)loop;
	(void)events;
	for (int round = 0; round < ROUNDS_PER_WAKEUP; round++) {
		uint64_t now;
		int n;

		rx_reset(io);
		n = recvmmsg(fd, io->rx_msg, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				io->st.rx_errors++;
				if (log_ratelimit_ok(&io->rl, loop_now(io->loop)))
					log_warn("dhcp: receive on %s: %s", io->ifname,
						 strerror(errno));
			}
			return;
		}
		now = dhcp_io_wall_now();
		for (unsigned i = 0; i < (unsigned)n; i++)
			handle(io, i, now);
		flush(io);
		if (n < BATCH)
			return;
	}
}

/* ---- life cycle ---- */

static int open_udp(struct dhcp_io *io)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(DHCP_SERVER_PORT),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int one = 1, size = RCVBUF;

	io->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (io->fd < 0)
		return -errno;
	/* Several servers may each hold port 67 on their own interface. */
	if (setsockopt(io->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(io->fd, SOL_SOCKET, SO_BINDTODEVICE, io->ifname,
		       (socklen_t)strlen(io->ifname)) < 0 ||
	    setsockopt(io->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(io->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0)
		return -errno;
	/* Bursts (a LAN powering up) must queue while a batch syncs; beyond
	 * rmem_max only with CAP_NET_ADMIN, so try that first. */
	if (setsockopt(io->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(io->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(io->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -errno;
	return 0;
}

static int open_raw(struct dhcp_io *io)
{
	/* Protocol 0: it only sends, never receives a frame. */
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_protocol = 0, .sll_ifindex = io->ifindex,
	};

	io->raw_fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (io->raw_fd < 0)
		return -errno;
	if (bind(io->raw_fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -errno;
	return 0;
}

int dhcp_io_new(struct loop *loop, struct dhcp_server *srv, const char *ifname,
		struct dhcp_io **out)
{
	struct dhcp_io *io;
	int r;

	*out = NULL;
	if (strlen(ifname) >= IF_NAMESIZE)
		return -EINVAL;
	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->loop = loop;
	io->srv = srv;
	io->fd = io->raw_fd = -1;
	io->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(10 * LOOP_NSEC_PER_SEC, 5);
	memcpy(io->ifname, ifname, strlen(ifname) + 1);
	io->ifindex = (int)if_nametoindex(ifname);
	if (!io->ifindex) {
		r = -ENODEV;
		goto fail;
	}
	r = open_udp(io);
	if (r == 0)
		r = open_raw(io);
	if (r == 0)
		r = loop_fd_add(loop, io->fd, EPOLLIN, on_readable, io, &io->watch);
	if (r == 0)
		r = loop_timer_new(loop, on_tick, io, &io->tick);
	if (r < 0)
		goto fail;
	arm_tick(io, dhcp_server_tick(srv, dhcp_io_wall_now()));
	*out = io;
	return 0;
fail:
	dhcp_io_free(io);
	return r;
}

void dhcp_io_free(struct dhcp_io *io)
{
	if (!io)
		return;
	if (io->watch)
		loop_fd_del(io->loop, io->watch);
	if (io->tick)
		loop_timer_free(io->tick);
	if (io->fd >= 0)
		close(io->fd);
	if (io->raw_fd >= 0)
		close(io->raw_fd);
	free(io);
}

void dhcp_io_set_server(struct dhcp_io *io, struct dhcp_server *srv)
{
	io->srv = srv;
	io->tick_wall = 0;
	loop_timer_disarm(io->tick);
	arm_tick(io, dhcp_server_tick(srv, dhcp_io_wall_now()));
}

int dhcp_io_ifindex(const struct dhcp_io *io)
{
	return io->ifindex;
}

const struct dhcp_io_stats *dhcp_io_stats(const struct dhcp_io *io)
{
	return &io->st;
}

/* Raw VRRP sockets for IPv4 and IPv6. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "vrrp/io.h"

static const uint8_t group4[4] = VRRP_MCAST_V4;
static const uint8_t group6[16] = VRRP_MCAST_V6;

static int setint(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof(v)) < 0 ? -errno : 0;
}

static int open4(struct vrrp_io *io)
{
	struct ip_mreqn mreq = { .imr_ifindex = io->conf.ifindex };
	int fd = io->fd, r;

	memcpy(&mreq.imr_multiaddr, group4, 4);
	if ((r = setint(fd, IPPROTO_IP, IP_PKTINFO, 1)) ||
	    (r = setint(fd, IPPROTO_IP, IP_TTL, VRRP_TTL)) ||
	    (r = setint(fd, IPPROTO_IP, IP_MULTICAST_TTL, VRRP_TTL)) ||
	    (r = setint(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0)))
		return r;
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq)) < 0)
		return -errno;
	/* Unicast routers join too: a multicast speaker on the link is still
	 * heard (and counted as not a peer) instead of silently missed. */
	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
		return -errno;
	return 0;
}

static int open6(struct vrrp_io *io)
{
	struct ipv6_mreq mreq = { .ipv6mr_interface = (unsigned)io->conf.ifindex };
	int fd = io->fd, r;

	memcpy(&mreq.ipv6mr_multiaddr, group6, 16);
	if ((r = setint(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)) ||
	    (r = setint(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)) ||
	    (r = setint(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, VRRP_TTL)) ||
	    (r = setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, VRRP_TTL)) ||
	    (r = setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0)) ||
	    (r = setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, io->conf.ifindex)))
		return r;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof(mreq)) < 0)
		return -errno;
	return 0;
}

int vrrp_io_open(struct vrrp_io *io, const struct vrrp_io_conf *conf)
{
	int r;

	memset(io, 0, sizeof(*io));
	io->fd = -1;
	if ((conf->family != AF_INET && conf->family != AF_INET6) ||
	    conf->src.family != conf->family || conf->npeers > VRRP_IO_MAX_PEERS)
		return -EINVAL;
	for (size_t i = 0; i < conf->npeers; i++)
		if (conf->peers[i].family != conf->family)
			return -EINVAL;
	io->conf = *conf;
	memcpy(io->peers, conf->peers, conf->npeers * sizeof(*conf->peers));
	io->conf.peers = io->peers;
	io->group.family = conf->family;
	memcpy(io->group.u.bytes, conf->family == AF_INET ? group4 : group6,
	       conf->family == AF_INET ? 4 : 16);

	io->fd = socket(conf->family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_IPPROTO);
	if (io->fd < 0)
		return -errno;
	if (setsockopt(io->fd, SOL_SOCKET, SO_BINDTODEVICE, conf->ifname,
		       (socklen_t)strlen(conf->ifname)) < 0) {
		r = -errno;
		goto fail;
	}
	r = conf->family == AF_INET ? open4(io) : open6(io);
	if (r < 0)
		goto fail;
	return 0;
fail:
	vrrp_io_close(io);
	return r;
}

void vrrp_io_close(struct vrrp_io *io)
{
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}

static int send_to(struct vrrp_io *io, const uint8_t *msg, size_t len, const struct mg_addr *dst)
{
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} to;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = { .msg_name = &to, .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf.buf };
	struct cmsghdr *cm;

	memset(&to, 0, sizeof(to));
	memset(&cbuf, 0, sizeof(cbuf));
	cm = (struct cmsghdr *)cbuf.buf;
	/* The source is fixed: the checksum was computed with it. */
	if (dst->family == AF_INET) {
		struct in_pktinfo pi = { .ipi_ifindex = io->conf.ifindex };

		to.v4.sin_family = AF_INET;
		memcpy(&to.v4.sin_addr, dst->u.bytes, 4);
		mh.msg_namelen = sizeof(to.v4);
		memcpy(&pi.ipi_spec_dst, io->conf.src.u.bytes, 4);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
	} else {
		struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned)io->conf.ifindex };

		to.v6.sin6_family = AF_INET6;
		memcpy(&to.v6.sin6_addr, dst->u.bytes, 16);
		to.v6.sin6_scope_id = (uint32_t)io->conf.ifindex;
		mh.msg_namelen = sizeof(to.v6);
		memcpy(&pi.ipi6_addr, io->conf.src.u.bytes, 16);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
	}
	if (sendmsg(io->fd, &mh, 0) < 0)
		return -errno;
	return 0;
}

int vrrp_io_send(struct vrrp_io *io, const struct vrrp_advert_tx *tx)
{
	uint8_t msg[VRRP_MAX_LEN];
	struct vrrp_advert_tx t = *tx;
	size_t n = io->conf.npeers ? io->conf.npeers : 1;
	int r = 0, len, e;

	t.csum = io->conf.csum;
	for (size_t i = 0; i < n; i++) {
		const struct mg_addr *dst = io->conf.npeers ? &io->peers[i] : &io->group;

		len = vrrp_advert_build(msg, sizeof(msg), &t, &io->conf.src, dst);
		if (len < 0) {
			io->stats.tx_errors++;
			return len;
		}
		e = send_to(io, msg, (size_t)len, dst);
		if (e < 0) {
			io->stats.tx_errors++;
			r = e;
		} else {
			io->stats.tx++;
		}
	}
	return r;
}

int vrrp_io_parse_ipv4(const uint8_t *pkt, size_t len, struct vrrp_ip *ip, size_t *msg_len)
{
	size_t ihl, total;

	if (len < 20 || pkt[0] >> 4 != 4)
		return -1;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	total = (size_t)(pkt[2] << 8 | pkt[3]);
	/* The kernel hands raw sockets whole datagrams: a fragment field
	 * other than zero (DF aside) means a header we cannot trust. */
	if (ihl < 20 || total < ihl || total > len || pkt[9] != VRRP_IPPROTO ||
	    ((pkt[6] & 0x3f) | pkt[7]))
		return -1;
	memset(ip, 0, sizeof(*ip));
	ip->ttl = pkt[8];
	ip->src.family = AF_INET;
	memcpy(ip->src.u.bytes, pkt + 12, 4);
	ip->dst.family = AF_INET;
	memcpy(ip->dst.u.bytes, pkt + 16, 4);
	*msg_len = total - ihl;
	return (int)ihl;
}

static bool is_peer(const struct vrrp_io *io, const struct mg_addr *a)
{
	for (size_t i = 0; i < io->conf.npeers; i++)
		if (mg_addr_eq(&io->peers[i], a))
			return true;
	return false;
}

int vrrp_io_recv(struct vrrp_io *io, uint8_t vrid, struct vrrp_io_rx *out)
{
	struct sockaddr_in6 from;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int)) + 64];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = io->buf, .iov_len = sizeof(io->buf) };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = cbuf.buf,
			     .msg_controllen = sizeof(cbuf.buf) };
	const uint8_t *msg = io->buf;
	size_t len;
	ssize_t n;
	int ifindex = 0, off;
	enum vrrp_rx_error e;

	n = recvmsg(io->fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	len = (size_t)n;
	memset(out, 0, sizeof(*out));
	if ((mh.msg_flags & MSG_TRUNC) || (mh.msg_flags & MSG_CTRUNC)) {
		io->stats.rx_bad_ip++;
		return 0;
	}
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			ifindex = pi.ipi_ifindex;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			ifindex = (int)pi.ipi6_ifindex;
			out->ip.dst.family = AF_INET6;
			memcpy(out->ip.dst.u.bytes, &pi.ipi6_addr, 16);
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT) {
			int hl;

			memcpy(&hl, CMSG_DATA(cm), sizeof(hl));
			out->ip.ttl = (uint8_t)hl;
		}
	}
	if (io->conf.family == AF_INET) {
		off = vrrp_io_parse_ipv4(io->buf, len, &out->ip, &len);
		if (off < 0) {
			io->stats.rx_bad_ip++;
			return 0;
		}
		msg += off;
	} else {
		if (from.sin6_family != AF_INET6 || out->ip.dst.family != AF_INET6) {
			io->stats.rx_bad_ip++;
			return 0;
		}
		out->ip.src.family = AF_INET6;
		memcpy(out->ip.src.u.bytes, &from.sin6_addr, 16);
	}
	if (ifindex != io->conf.ifindex) {
		io->stats.rx_wrong_if++;
		return 0;
	}
	/* The VRID first: another router's traffic on this link is normal. */
	if (len >= 2 && msg[1] != vrid) {
		io->stats.rx_other_vrid++;
		return 0;
	}
	if (io->conf.npeers ? !mg_addr_eq(&out->ip.dst, &io->conf.src) :
			      !mg_addr_eq(&out->ip.dst, &io->group)) {
		io->stats.rx_wrong_dst++;
		return 0;
	}
	if (io->conf.npeers && !is_peer(io, &out->ip.src)) {
		io->stats.rx_not_peer++;
		return 0;
	}
	e = vrrp_advert_parse(msg, len, &out->ip, &out->adv);
	if (e != VRRP_RX_OK) {
		io->stats.rx_dropped[e]++;
		return 0;
	}
	io->stats.rx++;
	return 1;
}

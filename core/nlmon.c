#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "core/log.h"
#include "core/loop.h"
#include "core/nlmon.h"

/* A link message with every attribute the kernel knows is a few KiB; one
 * datagram carries one message for these groups. */
#define NLMON_BUFSIZE   32768
/* Datagrams per wakeup, so an event storm cannot starve the loop. */
#define NLMON_BATCH     64
#define NLMON_RCVBUF    (1 << 20)

struct nlmon {
	struct loop *loop;
	struct mnl_socket *sk;
	struct loop_fd *watch;
	nlmon_cb cb;
	void *arg;
	struct nlmon_stats stats;
	struct log_ratelimit overrun_rl;
	struct log_ratelimit malformed_rl;
	/* uint32_t for the 4-byte alignment nlmon_parse needs */
	uint32_t buf[NLMON_BUFSIZE / sizeof(uint32_t)];
};

/* ---- parsing: pure, for kernel bytes and fuzzers alike ---- */

typedef int (*attr_fn)(const struct nlattr *a, void *data);

/* Walks the attributes after a family header of hdrlen bytes. Unlike
 * mnl_attr_parse, an attribute running past the message is an error, not
 * the silent end of the list. */
static int walk_attrs(const struct nlmsghdr *nlh, size_t hdrlen, attr_fn fn, void *data)
{
	const struct nlattr *a = mnl_nlmsg_get_payload_offset(nlh, hdrlen);
	int rem = (int)nlh->nlmsg_len - (int)(MNL_NLMSG_HDRLEN + MNL_ALIGN(hdrlen));
	int err;

	while (rem > 0) {
		if (!mnl_attr_ok(a, rem))
			return -EINVAL;
		err = fn(a, data);
		if (err)
			return err;
		rem -= (int)MNL_ALIGN(a->nla_len);
		if (rem <= 0)
			break;
		a = mnl_attr_next(a);
	}
	return 0;
}

static int link_attr(const struct nlattr *a, void *data)
{
	struct nlmon_event *ev = data;
	size_t plen = mnl_attr_get_payload_len(a);

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 || plen > IFNAMSIZ)
			return -EINVAL;
		/* NUL-terminated inside plen: validated above */
		memcpy(ev->ifname, mnl_attr_get_payload(a), plen);
		break;
	case IFLA_MTU:
		if (plen != sizeof(uint32_t))
			return -EINVAL;
		ev->mtu = mnl_attr_get_u32(a);
		break;
	default:
		break;
	}
	return 0;
}

struct addr_attrs {
	sa_family_t family;
	size_t alen;
	const struct nlattr *local;
	const struct nlattr *address;
};

static int addr_attr(const struct nlattr *a, void *data)
{
	struct addr_attrs *aa = data;
	uint16_t type = mnl_attr_get_type(a);

	switch (type) {
	case IFA_ADDRESS:
	case IFA_LOCAL:
		if (mnl_attr_get_payload_len(a) != aa->alen)
			return -EINVAL;
		if (type == IFA_LOCAL)
			aa->local = a;
		else
			aa->address = a;
		break;
	case IFA_LABEL:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return -EINVAL;
		break;
	case IFA_FLAGS:
		if (mnl_attr_get_payload_len(a) != sizeof(uint32_t))
			return -EINVAL;
		break;
	default:
		break;
	}
	return 0;
}

/* 1 if an event was filled, 0 if the message is of no interest. */
static int parse_link(const struct nlmsghdr *nlh, struct nlmon_event *ev)
{
	const struct ifinfomsg *ifi;
	int err;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifi)))
		return -EINVAL;
	ifi = mnl_nlmsg_get_payload(nlh);
	/* AF_BRIDGE port messages share the group; they are not link changes */
	if (ifi->ifi_family != AF_UNSPEC)
		return 0;
	if (ifi->ifi_index <= 0)
		return -EINVAL;
	ev->kind = nlh->nlmsg_type == RTM_NEWLINK ? NLMON_LINK_NEW : NLMON_LINK_DEL;
	ev->ifindex = ifi->ifi_index;
	ev->up = ifi->ifi_flags & IFF_UP;
	ev->running = ifi->ifi_flags & IFF_RUNNING;
	err = walk_attrs(nlh, sizeof(*ifi), link_attr, ev);
	return err ? err : 1;
}

static int parse_addr(const struct nlmsghdr *nlh, struct nlmon_event *ev)
{
	const struct ifaddrmsg *ifa;
	struct addr_attrs aa = { 0 };
	const struct nlattr *a;
	int err;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifa)))
		return -EINVAL;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family == AF_INET)
		aa.alen = 4;
	else if (ifa->ifa_family == AF_INET6)
		aa.alen = 16;
	else
		return 0;
	aa.family = ifa->ifa_family;
	if (ifa->ifa_prefixlen > aa.alen * 8)
		return -EINVAL;
	if (ifa->ifa_index == 0 || ifa->ifa_index > INT_MAX)
		return -EINVAL;
	err = walk_attrs(nlh, sizeof(*ifa), addr_attr, &aa);
	if (err)
		return err;
	/* IFA_LOCAL is our own end; IFA_ADDRESS is the peer on a
	 * point-to-point link and the only one IPv6 usually sends. */
	a = aa.local ? aa.local : aa.address;
	if (!a)
		return -EINVAL;
	ev->kind = nlh->nlmsg_type == RTM_NEWADDR ? NLMON_ADDR_NEW : NLMON_ADDR_DEL;
	ev->ifindex = (int)ifa->ifa_index;
	ev->addr.addr.family = aa.family;
	memcpy(ev->addr.addr.u.bytes, mnl_attr_get_payload(a), aa.alen);
	ev->addr.len = ifa->ifa_prefixlen;
	return 1;
}

int nlmon_parse(const void *buf, size_t len, nlmon_cb cb, void *arg)
{
	const struct nlmsghdr *nlh = buf;
	struct nlmon_event ev;
	int rem, n = 0, r;

	/* netlink messages are 4-byte aligned; the kernel's buffers are */
	if (len > INT_MAX || (len && ((uintptr_t)buf % MNL_ALIGNTO)))
		return -EINVAL;
	rem = (int)len;
	while (rem > 0) {
		/* mnl_nlmsg_ok compares nlmsg_len as an int: a length of
		 * 2^31 or more passes it as negative, so check it as unsigned */
		if (!mnl_nlmsg_ok(nlh, rem) || nlh->nlmsg_len > (uint32_t)rem)
			return -EINVAL;
		memset(&ev, 0, sizeof(ev));
		switch (nlh->nlmsg_type) {
		case RTM_NEWLINK:
		case RTM_DELLINK:
			r = parse_link(nlh, &ev);
			break;
		case RTM_NEWADDR:
		case RTM_DELADDR:
			r = parse_addr(nlh, &ev);
			break;
		default:
			r = 0;
			break;
		}
		if (r < 0)
			return r;
		if (r > 0) {
			cb(&ev, arg);
			n++;
		}
		/* the last message may omit its padding */
		rem -= (int)MNL_ALIGN(nlh->nlmsg_len);
		if (rem <= 0)
			break;
		nlh = (const struct nlmsghdr *)((const char *)nlh + MNL_ALIGN(nlh->nlmsg_len));
	}
	return n;
}

/* ---- the socket in the loop ---- */

static void deliver(const struct nlmon_event *ev, void *arg)
{
	struct nlmon *m = arg;

	m->stats.events++;
	m->cb(ev, m->arg);
}

/* Drains up to NLMON_BATCH datagrams; the loop calls again while more wait.
 * The callback must not free the monitor. */
static void on_readable(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct nlmon *m = arg;
	struct sockaddr_nl sa;
	struct iovec iov = { .iov_base = m->buf, .iov_len = sizeof(m->buf) };
	struct msghdr msg;
	ssize_t n;

	for (int i = 0; i < NLMON_BATCH; i++) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &sa;
		msg.msg_namelen = sizeof(sa);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		n = recvmsg(fd, &msg, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == ENOBUFS) {
				/* the kernel dropped events; the socket goes on */
				m->stats.overruns++;
				if (log_ratelimit_ok(&m->overrun_rl, loop_now(loop)))
					log_warn("netlink monitor: kernel dropped events (receive buffer full)");
				continue;
			}
			if (log_ratelimit_ok(&m->malformed_rl, loop_now(loop)))
				log_err("netlink monitor: recvmsg: %s", strerror(errno));
			return;
		}
		/* only the kernel may speak on these groups */
		if (msg.msg_namelen != sizeof(sa) || sa.nl_pid != 0)
			continue;
		if ((msg.msg_flags & MSG_TRUNC) ||
		    nlmon_parse(m->buf, (size_t)n, deliver, m) < 0) {
			m->stats.malformed++;
			if (log_ratelimit_ok(&m->malformed_rl, loop_now(loop)))
				log_warn("netlink monitor: dropped a malformed message");
		}
	}
}

int nlmon_new(struct loop *loop, nlmon_cb cb, void *arg, struct nlmon **out)
{
	const struct log_ratelimit rl = LOG_RATELIMIT_INIT(60 * LOOP_NSEC_PER_SEC, 1);
	struct nlmon *m;
	int fd, sz = NLMON_RCVBUF, err;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->loop = loop;
	m->cb = cb;
	m->arg = arg;
	m->overrun_rl = rl;
	m->malformed_rl = rl;
	m->sk = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!m->sk) {
		err = -errno;
		goto fail;
	}
	fd = mnl_socket_get_fd(m->sk);
	/* a large buffer makes overruns rare; FORCE needs CAP_NET_ADMIN */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (mnl_socket_bind(m->sk, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
			    MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto fail;
	}
	err = loop_fd_add(loop, fd, EPOLLIN, on_readable, m, &m->watch);
	if (err)
		goto fail;
	*out = m;
	return 0;
fail:
	if (m->sk)
		mnl_socket_close(m->sk);
	free(m);
	return err;
}

void nlmon_free(struct nlmon *m)
{
	if (!m)
		return;
	if (m->watch)
		loop_fd_del(m->loop, m->watch);
	mnl_socket_close(m->sk);
	free(m);
}

const struct nlmon_stats *nlmon_get_stats(const struct nlmon *m)
{
	return &m->stats;
}

/* RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR with libmnl: libnl-route 3.7 has
 * no IFA_PROTO, which tags our addresses. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "vrrp/vip.h"

#ifndef IFA_PROTO
#define IFA_PROTO 11			/* Linux 6.1 */
#endif

#define VIP_FLUSH_MAX 64

struct vrrp_vip {
	struct mnl_socket *sk;
	uint32_t seq;
	uint32_t portid;
	/* uint32_t for alignment; the kernel fills dump datagrams up to the
	 * reader's buffer size, at most 32 KiB. */
	uint32_t buf[32768 / sizeof(uint32_t)];
};

int vrrp_vip_open(struct vrrp_vip **out)
{
	struct vrrp_vip *v = calloc(1, sizeof(*v));
	int r;

	*out = NULL;
	if (!v)
		return -ENOMEM;
	v->sk = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!v->sk) {
		r = -errno;
		free(v);
		return r;
	}
	if (mnl_socket_bind(v->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		vrrp_vip_close(v);
		return r;
	}
	v->portid = mnl_socket_get_portid(v->sk);
	v->seq = (uint32_t)time(NULL);
	*out = v;
	return 0;
}

void vrrp_vip_close(struct vrrp_vip *v)
{
	if (!v)
		return;
	mnl_socket_close(v->sk);
	free(v);
}

/* Sends the request in v->buf and reads until its answer; cb (may be NULL)
 * sees each message of a dump. 0 or -errno from the kernel. */
static int transact(struct vrrp_vip *v, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int r;

	if (mnl_socket_sendto(v->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(v->sk, v->buf, sizeof(v->buf));
		if (n < 0)
			return -errno;
		r = mnl_cb_run(v->buf, (size_t)n, seq, v->portid, cb, data);
		if (r < 0)
			return -errno;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static struct nlmsghdr *addr_msg(struct vrrp_vip *v, uint16_t type, uint16_t flags, int ifindex,
				 const struct mg_prefix *p)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(v->buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++v->seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = p ? (uint8_t)p->addr.family : AF_UNSPEC;
	ifa->ifa_prefixlen = p ? p->len : 0;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	if (p) {
		size_t alen = mg_addr_len(&p->addr);

		mnl_attr_put(nlh, IFA_LOCAL, alen, p->addr.u.bytes);
		mnl_attr_put(nlh, IFA_ADDRESS, alen, p->addr.u.bytes);
	}
	return nlh;
}

int vrrp_vip_add(struct vrrp_vip *v, int ifindex, const struct mg_prefix *p)
{
	struct nlmsghdr *nlh;
	int r;

	nlh = addr_msg(v, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, ifindex, p);
	if (p->addr.family == AF_INET6)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	mnl_attr_put_u8(nlh, IFA_PROTO, VRRP_VIP_PROTO);
	r = transact(v, nlh, NULL, NULL);
	return r == -EEXIST ? 1 : r;
}

int vrrp_vip_del(struct vrrp_vip *v, int ifindex, const struct mg_prefix *p)
{
	int r = transact(v, addr_msg(v, RTM_DELADDR, NLM_F_ACK, ifindex, p), NULL, NULL);

	return r == -EADDRNOTAVAIL || r == -ENOENT || r == -ESRCH ? 0 : r;
}

enum dump_mode { DUMP_FLUSH, DUMP_PRESENT, DUMP_PRIMARY };

struct dump {
	enum dump_mode mode;
	int ifindex;			/* 0: any */
	const struct mg_prefix *want;	/* DUMP_PRESENT */
	sa_family_t family;		/* DUMP_PRIMARY */
	const struct mg_prefix *skip;
	size_t nskip;
	bool found;
	struct mg_addr primary;
	size_t n;
	struct mg_prefix pfx[VIP_FLUSH_MAX];
	int idx[VIP_FLUSH_MAX];
};

/* Our own address to speak from: IPv4 a primary one, IPv6 link-local, and
 * never one of the virtual addresses. */
static bool primary_ok(const struct dump *d, const struct mg_prefix *p,
		       const struct ifaddrmsg *ifa)
{
	if (p->addr.family != d->family)
		return false;
	if (d->family == AF_INET && (ifa->ifa_flags & IFA_F_SECONDARY))
		return false;
	if (d->family == AF_INET6 &&
	    (p->addr.u.bytes[0] != 0xfe || (p->addr.u.bytes[1] & 0xc0) != 0x80))
		return false;
	for (size_t i = 0; i < d->nskip; i++)
		if (mg_addr_eq(&d->skip[i].addr, &p->addr))
			return false;
	return true;
}

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	struct mg_prefix p;
	bool ours = false, have = false;
	size_t alen;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa) ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) ||
	    (d->ifindex && (int)ifa->ifa_index != d->ifindex))
		return MNL_CB_OK;
	memset(&p, 0, sizeof(p));
	p.addr.family = ifa->ifa_family;
	p.len = ifa->ifa_prefixlen;
	alen = ifa->ifa_family == AF_INET ? 4 : 16;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		uint16_t type = mnl_attr_get_type(a);

		if (type == IFA_PROTO && mnl_attr_get_payload_len(a) == 1)
			ours = mnl_attr_get_u8(a) == VRRP_VIP_PROTO;
		/* IFA_LOCAL is the address; IFA_ADDRESS the peer on p2p links. */
		if ((type == IFA_LOCAL || (type == IFA_ADDRESS && !have)) &&
		    mnl_attr_get_payload_len(a) == alen) {
			memcpy(p.addr.u.bytes, mnl_attr_get_payload(a), alen);
			have = true;
		}
	}
	if (!have)
		return MNL_CB_OK;
	if (d->mode == DUMP_PRESENT) {
		if (mg_prefix_eq(&p, d->want))
			d->found = true;
	} else if (d->mode == DUMP_PRIMARY) {
		if (!d->found && !ours && primary_ok(d, &p, ifa)) {
			d->found = true;
			d->primary = p.addr;
		}
	} else if (ours && d->n < VIP_FLUSH_MAX) {
		d->pfx[d->n] = p;
		d->idx[d->n++] = (int)ifa->ifa_index;
	}
	return MNL_CB_OK;
}

static int dump(struct vrrp_vip *v, struct dump *d)
{
	return transact(v, addr_msg(v, RTM_GETADDR, NLM_F_DUMP, 0, NULL), on_addr, d);
}

int vrrp_vip_flush(struct vrrp_vip *v, int ifindex, struct mg_prefix *removed, size_t max)
{
	struct dump *d = calloc(1, sizeof(*d));
	int r, n = 0;

	if (!d)
		return -ENOMEM;
	d->mode = DUMP_FLUSH;
	d->ifindex = ifindex;
	r = dump(v, d);
	for (size_t i = 0; r == 0 && i < d->n; i++) {
		r = vrrp_vip_del(v, d->idx[i], &d->pfx[i]);
		if (r == 0 && removed && (size_t)n < max)
			removed[n] = d->pfx[i];
		if (r == 0)
			n++;
	}
	free(d);
	return r < 0 ? r : n;
}

int vrrp_vip_present(struct vrrp_vip *v, int ifindex, const struct mg_prefix *p)
{
	struct dump d = { .mode = DUMP_PRESENT, .ifindex = ifindex, .want = p };
	int r = dump(v, &d);

	return r < 0 ? r : d.found;
}

int vrrp_vip_primary(struct vrrp_vip *v, int ifindex, sa_family_t family,
		     const struct mg_prefix *skip, size_t nskip, struct mg_addr *out)
{
	struct dump d = { .mode = DUMP_PRIMARY, .ifindex = ifindex, .family = family,
			  .skip = skip, .nskip = nskip };
	int r = dump(v, &d);

	if (r < 0)
		return r;
	if (!d.found)
		return -EADDRNOTAVAIL;
	*out = d.primary;
	return 0;
}

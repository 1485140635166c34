#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "core/netlink.h"

struct nl {
	struct nl_sock *sk;
	int kernel_err;              /* -errno of the last NLMSG_ERROR, or 0 */
};

/* libnl folds kernel errnos into its own codes (nl_syserr2nlerr), losing
 * some (ENETDOWN becomes "unspecific failure"). This is the way back for
 * errors that libnl raises itself. */
static int nlerr_to_errno(int nlerr)
{
	switch (abs(nlerr)) {
	case NLE_SUCCESS:         return 0;
	case NLE_INTR:            return -EINTR;
	case NLE_BAD_SOCK:        return -EBADF;
	case NLE_AGAIN:           return -EAGAIN;
	case NLE_NOMEM:           return -ENOMEM;
	case NLE_EXIST:           return -EEXIST;
	case NLE_INVAL:           return -EINVAL;
	case NLE_RANGE:           return -ERANGE;
	case NLE_MSGSIZE:         return -EMSGSIZE;
	case NLE_OPNOTSUPP:       return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:    return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:    return -ENOENT;
	case NLE_NOATTR:          return -ENODATA;
	case NLE_MISSING_ATTR:    return -EINVAL;
	case NLE_AF_MISMATCH:     return -EAFNOSUPPORT;
	case NLE_NOADDR:          return -EADDRNOTAVAIL;
	case NLE_BUSY:            return -EBUSY;
	case NLE_PROTO_MISMATCH:  return -EPROTONOSUPPORT;
	case NLE_NOACCESS:        return -EACCES;
	case NLE_PERM:            return -EPERM;
	case NLE_NODEV:           return -ENODEV;
	case NLE_IMMUTABLE:       return -EPERM;
	case NLE_DUMP_INTR:       return -EAGAIN;
	case NLE_ATTRSIZE:        return -ERANGE;
	case NLE_SEQ_MISMATCH:
	case NLE_MSG_OVERFLOW:
	case NLE_MSG_TRUNC:
	case NLE_MSG_TOOSHORT:
	case NLE_MSGTYPE_NOSUPPORT:
	case NLE_PARSE_ERR:       return -EPROTO;
	default:                  return -EIO;
	}
}

/* Keeps the kernel's own errno, then lets libnl stop as it would. */
static int on_kernel_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nl *nl = arg;

	nl->kernel_err = e->error;
	return NL_STOP;
}

static void op_begin(struct nl *nl)
{
	nl->kernel_err = 0;
}

/* 0 or -errno for the libnl call that returned nlerr. */
static int op_end(struct nl *nl, int nlerr)
{
	if (nlerr >= 0)
		return 0;
	if (nl->kernel_err < 0)
		return nl->kernel_err;
	return nlerr_to_errno(nlerr);
}

int nl_open(struct nl **out)
{
	struct nl *nl;
	int err;

	*out = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		err = -ENOMEM;
		goto fail;
	}
	err = nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, on_kernel_error, nl);
	if (err < 0) {
		err = nlerr_to_errno(err);
		goto fail;
	}
	err = nl_connect(nl->sk, NETLINK_ROUTE);
	if (err < 0) {
		err = nlerr_to_errno(err);
		goto fail;
	}
	*out = nl;
	return 0;
fail:
	if (nl->sk)
		nl_socket_free(nl->sk);
	free(nl);
	return err;
}

void nl_free(struct nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

int nl_link_index(struct nl *nl, const char *ifname, int *ifindex)
{
	struct rtnl_link *link = NULL;
	int err;

	*ifindex = 0;
	if (!ifname || !*ifname || strnlen(ifname, IFNAMSIZ) >= IFNAMSIZ)
		return -EINVAL;
	op_begin(nl);
	err = op_end(nl, rtnl_link_get_kernel(nl->sk, 0, ifname, &link));
	if (err)
		/* the kernel says ENODEV; some versions ENOENT */
		return err == -ENOENT ? -ENODEV : err;
	*ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return 0;
}

/* Applies the attributes set in `change` to the link ifindex. */
static int link_change(struct nl *nl, int ifindex, struct rtnl_link *change)
{
	struct rtnl_link *orig;
	int err;

	if (ifindex <= 0)
		return -EINVAL;
	orig = rtnl_link_alloc();
	if (!orig)
		return -ENOMEM;
	rtnl_link_set_ifindex(orig, ifindex);
	op_begin(nl);
	err = op_end(nl, rtnl_link_change(nl->sk, orig, change, 0));
	rtnl_link_put(orig);
	return err;
}

int nl_link_set_mtu(struct nl *nl, int ifindex, uint32_t mtu)
{
	struct rtnl_link *change;
	int err;

	if (mtu == 0 || mtu > INT32_MAX)
		return -EINVAL;
	change = rtnl_link_alloc();
	if (!change)
		return -ENOMEM;
	rtnl_link_set_mtu(change, mtu);
	err = link_change(nl, ifindex, change);
	rtnl_link_put(change);
	return err;
}

int nl_link_set_up(struct nl *nl, int ifindex, bool up)
{
	struct rtnl_link *change;
	int err;

	change = rtnl_link_alloc();
	if (!change)
		return -ENOMEM;
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	else
		rtnl_link_unset_flags(change, IFF_UP);
	err = link_change(nl, ifindex, change);
	rtnl_link_put(change);
	return err;
}

int nl_link_delete(struct nl *nl, int ifindex)
{
	struct rtnl_link *link;
	int err;

	if (ifindex <= 0)
		return -EINVAL;
	link = rtnl_link_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_ifindex(link, ifindex);
	op_begin(nl);
	err = op_end(nl, rtnl_link_delete(nl->sk, link));
	rtnl_link_put(link);
	return err;
}

/* p as a libnl address with its prefix length; host bits kept. */
static int prefix_to_nladdr(const struct mg_prefix *p, struct nl_addr **out)
{
	size_t alen;

	*out = NULL;
	if (p->addr.family != AF_INET && p->addr.family != AF_INET6)
		return -EAFNOSUPPORT;
	alen = mg_addr_len(&p->addr);
	if (p->len > alen * 8)
		return -EINVAL;
	*out = nl_addr_build(p->addr.family, p->addr.u.bytes, alen);
	if (!*out)
		return -ENOMEM;
	nl_addr_set_prefixlen(*out, p->len);
	return 0;
}

static int addr_build(int ifindex, const struct mg_prefix *p, struct rtnl_addr **out)
{
	struct rtnl_addr *a;
	struct nl_addr *local;
	int err;

	*out = NULL;
	if (ifindex <= 0)
		return -EINVAL;
	err = prefix_to_nladdr(p, &local);
	if (err)
		return err;
	a = rtnl_addr_alloc();
	if (!a) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, p->addr.family);
	err = nlerr_to_errno(rtnl_addr_set_local(a, local));
	if (err) {
		rtnl_addr_put(a);
		goto out;
	}
	/* usable at once: no duplicate address detection on a mesh link */
	if (p->addr.family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	*out = a;
out:
	nl_addr_put(local);
	return err;
}

int nl_addr_add(struct nl *nl, int ifindex, const struct mg_prefix *p)
{
	struct rtnl_addr *a;
	int err;

	err = addr_build(ifindex, p, &a);
	if (err)
		return err;
	op_begin(nl);
	err = op_end(nl, rtnl_addr_add(nl->sk, a, 0));
	rtnl_addr_put(a);
	return err == -EEXIST ? 0 : err;
}

int nl_addr_del(struct nl *nl, int ifindex, const struct mg_prefix *p)
{
	struct rtnl_addr *a;
	int err;

	err = addr_build(ifindex, p, &a);
	if (err)
		return err;
	op_begin(nl);
	err = op_end(nl, rtnl_addr_delete(nl->sk, a, 0));
	rtnl_addr_put(a);
	return err == -EADDRNOTAVAIL || err == -ENOENT ? 0 : err;
}

static int route_build(int ifindex, const struct mg_prefix *dst, uint32_t metric,
		       struct rtnl_route **out)
{
	struct mg_prefix net = *dst;
	struct rtnl_route *r = NULL;
	struct rtnl_nexthop *nh;
	struct nl_addr *a = NULL;
	int err;

	*out = NULL;
	if (ifindex <= 0)
		return -EINVAL;
	/* the kernel refuses an IPv4 destination with host bits */
	mg_prefix_mask(&net);
	err = prefix_to_nladdr(&net, &a);
	if (err)
		return err;
	r = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (!r || !nh) {
		if (nh)
			rtnl_route_nh_free(nh);
		err = -ENOMEM;
		goto out;
	}
	rtnl_route_set_family(r, net.addr.family);
	err = nlerr_to_errno(rtnl_route_set_dst(r, a));
	if (err) {
		rtnl_route_nh_free(nh);
		goto out;
	}
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_scope(r, RT_SCOPE_LINK);
	rtnl_route_set_protocol(r, RTPROT_STATIC);
	rtnl_route_set_type(r, RTN_UNICAST);
	rtnl_route_set_priority(r, metric);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(r, nh);   /* r owns nh now */
	*out = r;
	r = NULL;
out:
	if (r)
		rtnl_route_put(r);
	nl_addr_put(a);
	return err;
}

int nl_route_add(struct nl *nl, int ifindex, const struct mg_prefix *dst, uint32_t metric)
{
	struct rtnl_route *r;
	int err;

	err = route_build(ifindex, dst, metric, &r);
	if (err)
		return err;
	/* NLM_F_EXCL: never take over a route someone else installed with
	 * the same destination and metric; that one "exists" too. */
	op_begin(nl);
	err = op_end(nl, rtnl_route_add(nl->sk, r, NLM_F_EXCL));
	rtnl_route_put(r);
	return err == -EEXIST ? 0 : err;
}

int nl_route_del(struct nl *nl, int ifindex, const struct mg_prefix *dst, uint32_t metric)
{
	struct rtnl_route *r;
	int err;

	err = route_build(ifindex, dst, metric, &r);
	if (err)
		return err;
	/* the kernel matches our device, so another device's route to the
	 * same destination is left alone */
	op_begin(nl);
	err = op_end(nl, rtnl_route_delete(nl->sk, r, 0));
	rtnl_route_put(r);
	/* absent: ESRCH from the kernel, ENOENT if libnl folded it */
	return err == -ENOENT || err == -ESRCH ? 0 : err;
}

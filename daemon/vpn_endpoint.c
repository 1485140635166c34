/* Peers' endpoints given as host names ("home.example.dyndns.org:51820"):
 * looked up with core/resolver at start and on every reload, and again
 * when the peer stops answering (daemon/reresolve.h), so a dynamic DNS
 * name that moved is followed without anyone running reresolve-dns.sh.
 * Numeric endpoints are set at once. Every answer is logged. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "core/loop.h"
#include "core/resolver.h"
#include "daemon/vpn_impl.h"

#define CHECK_NS LOOP_NSEC_PER_SEC

/* "name:port" or "[v6%zone]:port" into host and port; false if neither. */
static bool split_endpoint(const char *ep, char *host, size_t hlen, uint16_t *port)
{
	const char *colon, *h = ep;
	size_t n;
	unsigned long p;
	char *end;

	if (ep[0] == '[') {
		colon = strstr(ep, "]:");
		if (!colon)
			return false;
		h = ep + 1;
		n = (size_t)(colon - h);
		colon++;
	} else {
		colon = strrchr(ep, ':');
		if (!colon)
			return false;
		n = (size_t)(colon - ep);
	}
	if (n == 0 || n >= hlen)
		return false;
	p = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || p == 0 || p > 65535)
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = (uint16_t)p;
	return true;
}

static bool same_addr(const union uapi_sockaddr *a, const union uapi_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_port == b->sin.sin_port &&
		       a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
	return a->sin6.sin6_port == b->sin6.sin6_port &&
	       a->sin6.sin6_scope_id == b->sin6.sin6_scope_id &&
	       memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr, sizeof(b->sin6.sin6_addr)) == 0;
}

static const char *addr_str(const union uapi_sockaddr *sa, char *buf, size_t len)
{
	if (uapi_format_endpoint(buf, len, sa) < 0)
		snprintf(buf, len, "?");
	return buf;
}

static void on_answer(void *arg, int status, const struct sockaddr *sa, socklen_t len)
{
	struct vpeer *vp = arg;
	struct vpn *v = vp->v;
	uint64_t now = loop_now(v->loop);
	union uapi_sockaddr na;
	struct wg_endpoint ep;
	char label[64], a[80], b[80];
	bool moved;

	vp->q = NULL;
	vpn_peer_label(vp, label, sizeof(label));
	memset(&na, 0, sizeof(na));
	if (status == 0 && (size_t)len <= sizeof(na) &&
	    (sa->sa_family == AF_INET || sa->sa_family == AF_INET6))
		memcpy(&na, sa, len);
	else if (status == 0)
		status = -EPROTO;
	if (status < 0) {
		log_warn("peer %s: cannot resolve %s: %s%s", label, vp->host,
		         resolver_strerror(status),
		         vp->resolved ? " (keeping its last address)" :
		         " (the peer is reached once it writes first)");
		reresolve_done(&vp->rr, false, false, now);
		return;
	}
	moved = !vp->resolved || !same_addr(&vp->addr, &na);
	if (moved || vp->apply_next) {
		vpn_sockaddr_to_endpoint(&na, &ep);
		wg_peer_set_endpoint(vp->p, &ep);
		if (vp->resolved && moved)
			log_notice("peer %s: %s moved from %s to %s", label, vp->host,
			           addr_str(&vp->addr, a, sizeof(a)), addr_str(&na, b, sizeof(b)));
		else
			log_info("peer %s: %s resolved to %s", label, vp->host,
			         addr_str(&na, b, sizeof(b)));
	} else {
		log_info("peer %s: %s still resolves to %s", label, vp->host,
		         addr_str(&na, b, sizeof(b)));
	}
	vp->apply_next = false;
	vp->resolved = true;
	vp->addr = na;
	reresolve_done(&vp->rr, true, moved, now);
}

static void lookup(struct vpn *v, struct vpeer *vp)
{
	char label[64];
	int r;

	resolver_cancel(vp->q);
	vp->q = NULL;
	if (!v->resolver) {
		r = resolver_new(v->loop, &v->resolver);
		if (r < 0) {
			v->resolver = NULL;
			log_err("cannot resolve host names: %s", strerror(-r));
			reresolve_done(&vp->rr, false, false, loop_now(v->loop));
			return;
		}
	}
	r = resolver_lookup(v->resolver, vp->host, vp->port, AF_UNSPEC, on_answer, vp, &vp->q);
	if (r < 0) {
		vp->q = NULL;
		log_warn("peer %s: cannot look up %s: %s", vpn_peer_label(vp, label, sizeof(label)),
		         vp->host, resolver_strerror(r));
		reresolve_done(&vp->rr, false, false, loop_now(v->loop));
	}
}

void vpn_endpoint_update(struct vpn *v, struct vpeer *vp, bool changed)
{
	const char *s = vp->conf.endpoint;
	union uapi_sockaddr sa;
	struct wg_endpoint ep;
	char label[64];

	if (!s[0] || uapi_parse_endpoint(s, &sa) == 0) {
		vpn_endpoint_drop(vp);
		if (s[0] && changed) {
			vpn_sockaddr_to_endpoint(&sa, &ep);
			wg_peer_set_endpoint(vp->p, &ep);
		}
		return;
	}
	if (changed || !vp->named) {
		vpn_endpoint_drop(vp);
		if (!split_endpoint(s, vp->host, sizeof(vp->host), &vp->port)) {
			log_err("peer %s: endpoint %s is not host:port",
			        vpn_peer_label(vp, label, sizeof(label)), s);
			return;
		}
		vp->named = true;
		vp->apply_next = true;
		reresolve_init(&vp->rr, loop_now(v->loop));
	}
	lookup(v, vp);
}

void vpn_endpoint_drop(struct vpeer *vp)
{
	resolver_cancel(vp->q);
	vp->q = NULL;
	vp->named = false;
	vp->resolved = false;
	vp->apply_next = false;
}

/* Once a second, cheap: a look at the counters of named peers only. */
static void on_check(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct vpn *v = arg;
	uint64_t now = loop_now(loop);
	struct wg_peer_info info;
	char label[64];
	bool due;

	for (uint32_t i = 0; i < v->n; i++) {
		struct vpeer *vp = v->peers[i];

		if (!vp->named || vp->q)
			continue;
		wg_peer_get_info(vp->p, &info);
		due = reresolve_due(&vp->rr, info.rx_bytes, info.tx_bytes, now);
		sodium_memzero(&info, sizeof(info));
		if (!due)
			continue;
		log_info("peer %s: %s: looking %s up again", vpn_peer_label(vp, label, sizeof(label)),
		         vp->rr.known ? "no answer since it was last written to" : "no address yet",
		         vp->host);
		lookup(v, vp);
	}
	loop_timer_arm_in(t, CHECK_NS);
}

void vpn_endpoint_sync(struct vpn *v)
{
	bool any = false;

	for (uint32_t i = 0; i < v->n && !any; i++)
		any = v->peers[i]->named;
	if (!any) {
		if (v->check)
			loop_timer_disarm(v->check);
		/* Nothing in flight: its sockets can go. */
		resolver_free(v->resolver);
		v->resolver = NULL;
		return;
	}
	if (!v->check && loop_timer_new(v->loop, on_check, v, &v->check) < 0) {
		v->check = NULL;
		log_err("cannot watch peers' endpoint names: %s", strerror(ENOMEM));
		return;
	}
	if (!loop_timer_armed(v->check))
		loop_timer_arm_in(v->check, CHECK_NS);
}

void vpn_endpoint_reload(struct vpn *v)
{
	for (uint32_t i = 0; i < v->n; i++) {
		resolver_cancel(v->peers[i]->q);
		v->peers[i]->q = NULL;
	}
	resolver_free(v->resolver);
	v->resolver = NULL;
}

void vpn_endpoint_fini(struct vpn *v)
{
	for (uint32_t i = 0; i < v->n; i++)
		vpn_endpoint_drop(v->peers[i]);
	if (v->check)
		loop_timer_free(v->check);
	v->check = NULL;
	resolver_free(v->resolver);
	v->resolver = NULL;
}

/* wg(8)'s get and set against the engine. A set changes what is in force
 * until the next reload, which puts the configuration back, as
 * `wg syncconf` would: peers added here go, the configured ones return
 * with their endpoint, keepalive and allowed IPs. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"
#include "core/loop.h"
#include "daemon/vpn.h"
#include "daemon/vpn_impl.h"
#include "vpn/io.h"

/* ---- get ---- */

struct ip_list {
	struct mg_prefix *v;
	size_t n, cap;
	int err;
};

static void collect_ip(const struct mg_prefix *pfx, void *arg)
{
	struct ip_list *l = arg;
	struct mg_prefix *nv;
	size_t cap;

	if (l->err)
		return;
	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 16;
		nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv) {
			l->err = -ENOMEM;
			return;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = *pfx;
}

int vpn_uapi_get(struct vpn *v, struct uapi_buf *b)
{
	struct uapi_device_info dev;
	struct uapi_peer_info *pi = NULL;
	struct wg_peer_info info;
	struct ip_list ips = { .n = 0 };
	size_t *first = NULL;
	int r = -ENOMEM;

	if (!v || !v->io)
		return -ENODEV;
	memset(&dev, 0, sizeof(dev));
	pi = calloc(v->n ? v->n : 1, sizeof(*pi));
	first = calloc(v->n ? v->n : 1, sizeof(*first));
	if (!pi || !first)
		goto out;
	wg_device_private_key(vpn_io_device(v->io), dev.private_key);
	dev.listen_port = vpn_io_port(v->io);
	for (uint32_t i = 0; i < v->n; i++) {
		wg_peer_get_info(v->peers[i]->p, &info);
		memcpy(pi[i].public_key, info.public_key, WG_KEY_LEN);
		if (info.has_psk)
			memcpy(pi[i].preshared_key, info.psk, WG_KEY_LEN);
		vpn_endpoint_to_sockaddr(&info.endpoint, &pi[i].endpoint);
		pi[i].last_handshake_sec = (int64_t)info.last_handshake.tv_sec;
		pi[i].last_handshake_nsec = (int64_t)info.last_handshake.tv_nsec;
		pi[i].rx_bytes = info.rx_bytes;
		pi[i].tx_bytes = info.tx_bytes;
		pi[i].persistent_keepalive_interval = info.persistent_keepalive;
		sodium_memzero(&info, sizeof(info));
		first[i] = ips.n;
		wg_peer_for_each_allowed(v->peers[i]->p, collect_ip, &ips);
		pi[i].n_allowed_ips = ips.n - first[i];
	}
	if (ips.err) {
		r = ips.err;
		goto out;
	}
	/* Pointers only now: the list moved as it grew. */
	for (uint32_t i = 0; i < v->n; i++)
		pi[i].allowed_ips = pi[i].n_allowed_ips ? ips.v + first[i] : NULL;
	dev.peers = pi;
	dev.n_peers = v->n;
	r = uapi_format_get(b, &dev);
out:
	sodium_memzero(&dev, sizeof(dev));
	if (pi)
		sodium_memzero(pi, (v->n ? v->n : 1) * sizeof(*pi));
	free(pi);
	free(first);
	free(ips.v);
	return r;
}

/* ---- set ---- */

struct set_ctx {
	struct vpn *v;
	uint64_t now;
	bool routes;
};

static int op_listen_port(void *arg, uint16_t port)
{
	struct set_ctx *c = arg;
	struct vpn *v = c->v;
	int r;

	if (port && port == vpn_io_port(v->io))
		return 0;
	r = vpn_io_set_port(v->io, port);
	if (r < 0) {
		log_err("uapi: cannot move to UDP port %u: %s (staying on %u)", port,
		        strerror(-r), vpn_io_port(v->io));
		return r;
	}
	v->port_changed = true;
	log_info("uapi: listening on UDP port %u", vpn_io_port(v->io));
	return 0;
}

/* No mark on the sockets in this version: only "none" is true. */
static int op_fwmark(void *arg, uint32_t mark)
{
	(void)arg;
	return mark ? -EOPNOTSUPP : 0;
}

/* As the kernel: a peer holding the new key's public half goes first. */
static int op_private_key(void *arg, const uint8_t *key)
{
	struct set_ctx *c = arg;
	struct vpn *v = c->v;
	struct wg_device *d = vpn_io_device(v->io);
	uint8_t pub[WG_KEY_LEN], cur[WG_KEY_LEN];
	struct vpeer *vp;
	char label[64];
	int r;

	if (key) {
		if (vpn_public_key(pub, key) < 0)
			return -EINVAL;
		if (wg_device_public_key(d, cur) && sodium_memcmp(cur, pub, WG_KEY_LEN) == 0)
			return 0;
		vp = vpn_peer_find(v, pub);
		if (vp) {
			log_info("uapi: peer %s removed: its public key is the new private key's",
			         vpn_peer_label(vp, label, sizeof(label)));
			vpn_peer_free(v, vp);
			c->routes = true;
		}
	} else if (!wg_device_public_key(d, cur)) {
		return 0;
	}
	r = wg_device_set_private_key(d, key, c->now);
	if (r < 0)
		return r;
	log_info("uapi: private key %s: every session starts again", key ? "changed" : "removed");
	return 0;
}

static int op_replace_peers(void *arg)
{
	struct set_ctx *c = arg;
	struct vpn *v = c->v;

	if (v->n)
		log_info("uapi: every peer removed (%u)", v->n);
	while (v->n)
		vpn_peer_free(v, v->peers[v->n - 1]);
	c->routes = true;
	return 0;
}

static void set_endpoint(struct vpeer *vp, const union uapi_sockaddr *sa)
{
	struct wg_endpoint ep;

	vpn_endpoint_drop(vp);
	vpn_sockaddr_to_endpoint(sa, &ep);
	wg_peer_set_endpoint(vp->p, &ep);
	if (uapi_format_endpoint(vp->conf.endpoint, sizeof(vp->conf.endpoint), sa) < 0)
		vp->conf.endpoint[0] = '\0';
}

static int set_allowed(struct set_ctx *c, struct vpeer *vp, const struct uapi_peer *up)
{
	char label[64], buf[MG_PREFIX_STRLEN];
	int r;

	if (up->replace_allowed_ips)
		wg_peer_clear_allowed(vp->p);
	for (size_t i = 0; i < up->n_allowed_ips; i++) {
		r = wg_peer_allow(vp->p, &up->allowed_ips[i]);
		if (r < 0)
			return r;
		if (up->allowed_ips[i].len == 0)
			log_warn("uapi: peer %s: allowed-ips %s gets no route into %s: it would "
			         "carry the tunnel's own datagrams",
			         vpn_peer_label(vp, label, sizeof(label)),
			         mg_prefix_fmt(&up->allowed_ips[i], buf, sizeof(buf)), c->v->ifname);
	}
	if (up->replace_allowed_ips || up->n_allowed_ips) {
		c->routes = true;
		c->v->ips_changed = true;
	}
	return 0;
}

/* The kernel's order: key, endpoint, allowed IPs, then the keepalive,
 * whose first one goes out at once to the endpoint just set. */
static int op_set_peer(void *arg, const struct uapi_peer *up)
{
	struct set_ctx *c = arg;
	struct vpn *v = c->v;
	uint8_t own[WG_KEY_LEN];
	struct vpeer *vp;
	char label[64];
	int r;

	if (wg_device_public_key(vpn_io_device(v->io), own) &&
	    sodium_memcmp(own, up->public_key, WG_KEY_LEN) == 0)
		return 0;
	vp = vpn_peer_find(v, up->public_key);
	if (up->remove) {
		if (vp) {
			log_info("uapi: peer %s removed", vpn_peer_label(vp, label, sizeof(label)));
			vpn_peer_free(v, vp);
			c->routes = true;
		}
		return 0;
	}
	if (!vp) {
		if (up->update_only)
			return 0;
		r = vpn_peer_new(v, up->public_key, &vp);
		if (r < 0) {
			log_err("uapi: cannot add a peer: %s", strerror(-r));
			return r;
		}
		log_info("uapi: peer %s added", vpn_peer_label(vp, label, sizeof(label)));
		c->routes = true;
	}
	if (up->has_preshared_key) {
		r = wg_peer_set_psk(vp->p, sodium_is_zero(up->preshared_key, WG_KEY_LEN) ?
		                    NULL : up->preshared_key);
		if (r < 0)
			return r;
	}
	if (up->has_endpoint)
		set_endpoint(vp, &up->endpoint);
	r = set_allowed(c, vp, up);
	if (r < 0)
		return r;
	if (up->has_persistent_keepalive) {
		vp->conf.persistent_keepalive = up->persistent_keepalive_interval;
		wg_peer_set_keepalive(vp->p, up->persistent_keepalive_interval, c->now);
	}
	return 0;
}

int vpn_uapi_set(struct vpn *v, const struct uapi_set *set, bool *routes_changed)
{
	static const struct uapi_set_ops ops = {
		.set_listen_port = op_listen_port,
		.set_fwmark = op_fwmark,
		.set_private_key = op_private_key,
		.replace_peers = op_replace_peers,
		.set_peer = op_set_peer,
	};
	struct set_ctx c = { .v = v };
	int r;

	*routes_changed = false;
	if (!v || !v->io)
		return -ENODEV;
	c.now = loop_now(v->loop);
	r = uapi_set_apply(set, &ops, &c);
	*routes_changed = c.routes;
	vpn_endpoint_sync(v);
	return r;
}

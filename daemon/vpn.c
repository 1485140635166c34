#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/log.h"
#include "core/loop.h"
#include "core/tun.h"
#include "daemon/vpn.h"
#include "daemon/vpn_impl.h"
#include "lib/base64.h"
#include "vpn/device.h"
#include "vpn/io.h"
#include "vpn/uapi.h"

/* The secrets of one configuration, read before anything changes. */
struct vpn_keys {
	uint8_t priv[WG_KEY_LEN];
	uint8_t psk[CONF_MAX_PEERS][WG_KEY_LEN];
	bool has_psk[CONF_MAX_PEERS];
};

static const char *peer_label(const struct peer_conf *pc, char *buf, size_t len);

/* ---- key files ---- */

/* One line of base64, as `meshgate genkey` (or wg genkey) writes it. */
static int read_key_file(const char *path, bool private, uint8_t key[WG_KEY_LEN])
{
	const char *what = private ? "private key file" : "preshared key file";
	char buf[128];
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT)
			log_err("%s %s does not exist: create it with: umask 077; meshgate %s > %s",
			        what, path, private ? "genkey" : "genpsk", path);
		else
			log_err("cannot open %s %s: %s", what, path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_err("%s %s is not a regular file", what, path);
		r = -EINVAL;
		goto out;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		log_warn("%s %s is readable by others than its owner: chmod 600 %s", what, path,
		         path);
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			log_err("cannot read %s %s: %s", what, path, strerror(-r));
			goto out;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' ||
	               buf[len - 1] == '\t'))
		buf[--len] = '\0';
	if (base64_decode_exact(key, WG_KEY_LEN, buf) < 0) {
		log_err("%s %s does not hold a key: expected one line of 44 base64 characters "
		        "(meshgate %s writes one)", what, path, private ? "genkey" : "genpsk");
		r = -EINVAL;
	}
out:
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return r;
}

int vpn_public_key(uint8_t pub[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN])
{
	uint8_t clamped[WG_KEY_LEN];
	int r = 0;

	memcpy(clamped, priv, WG_KEY_LEN);
	clamped[0] &= 248;
	clamped[31] = (uint8_t)((clamped[31] & 127) | 64);
	if (crypto_scalarmult_curve25519_base(pub, clamped) != 0)
		r = -EINVAL;
	sodium_memzero(clamped, sizeof(clamped));
	return r;
}

/* A key that the device would refuse is refused here, before anything
 * changes: one with no usable public half, or a peer's. */
static int check_private_key(const struct mg_conf *c, const uint8_t priv[WG_KEY_LEN])
{
	uint8_t pub[WG_KEY_LEN];
	char label[64];
	int r = 0;

	if (vpn_public_key(pub, priv) < 0) {
		log_err("private key file %s: not a usable key", c->mesh.private_key_file);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < c->npeers; i++) {
		if (sodium_memcmp(pub, c->peers[i].public_key.bytes, WG_KEY_LEN) == 0) {
			log_err("peer %s has this node's own public key (from %s): a node cannot "
			        "be its own peer", peer_label(&c->peers[i], label, sizeof(label)),
			        c->mesh.private_key_file);
			r = -EINVAL;
		}
	}
	return r;
}

static int read_keys(const struct mg_conf *c, struct vpn_keys *k)
{
	int r;

	memset(k, 0, sizeof(*k));
	r = read_key_file(c->mesh.private_key_file, true, k->priv);
	if (r == 0)
		r = check_private_key(c, k->priv);
	for (uint32_t i = 0; r == 0 && i < c->npeers; i++) {
		if (!c->peers[i].preshared_key_file[0])
			continue;
		r = read_key_file(c->peers[i].preshared_key_file, false, k->psk[i]);
		k->has_psk[i] = r == 0;
	}
	if (r < 0)
		sodium_memzero(k, sizeof(*k));
	return r;
}

static void wipe_keys(struct vpn_keys *k)
{
	if (!k)
		return;
	sodium_memzero(k, sizeof(*k));
	free(k);
}

/* ---- peers ---- */

static const char *peer_label(const struct peer_conf *pc, char *buf, size_t len)
{
	char b64[BASE64_LEN(WG_KEY_LEN) + 1];

	if (pc->name[0]) {
		snprintf(buf, len, "%s", pc->name);
	} else {
		base64_encode(b64, pc->public_key.bytes, WG_KEY_LEN);
		snprintf(buf, len, "%.8s...", b64);
	}
	return buf;
}

const char *vpn_peer_label(const struct vpeer *vp, char *buf, size_t len)
{
	return peer_label(&vp->conf, buf, len);
}

void vpn_endpoint_to_sockaddr(const struct wg_endpoint *ep, union uapi_sockaddr *sa)
{
	memset(sa, 0, sizeof(*sa));
	if (ep->addr.sa.sa_family == AF_INET6)
		sa->sin6 = ep->addr.in6;
	else if (ep->addr.sa.sa_family == AF_INET)
		sa->sin = ep->addr.in4;
}

void vpn_sockaddr_to_endpoint(const union uapi_sockaddr *sa, struct wg_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (sa->sa.sa_family == AF_INET6)
		ep->addr.in6 = sa->sin6;
	else if (sa->sa.sa_family == AF_INET)
		ep->addr.in4 = sa->sin;
}

/* Brings a peer from what it had (nothing, when fresh) to want. */
static void peer_apply(struct vpn *v, struct vpeer *vp, const struct peer_conf *want,
                       const uint8_t *psk, bool fresh, uint64_t now)
{
	struct wg_peer *p = vp->p;
	bool ep_changed = fresh || strcmp(vp->conf.endpoint, want->endpoint) != 0;
	bool ka_changed = fresh || vp->conf.persistent_keepalive != want->persistent_keepalive;
	char label[64];
	int r;

	wg_peer_set_psk(p, psk);
	if (fresh || v->ips_changed || !cfg_prefix_list_eq(&vp->conf.allowed_ips, &want->allowed_ips)) {
		wg_peer_clear_allowed(p);
		for (uint32_t i = 0; i < want->allowed_ips.n; i++) {
			r = wg_peer_allow(p, &want->allowed_ips.v[i]);
			if (r < 0)
				log_err("peer %s: cannot add allowed-ips: %s",
				        peer_label(want, label, sizeof(label)), strerror(-r));
		}
	}
	vp->conf = *want;
	/* Names are looked up again on every reload; numbers only when
	 * they changed, so that what roaming learnt stays. */
	if (ep_changed || vp->named)
		vpn_endpoint_update(v, vp, ep_changed);
	if (ka_changed)
		wg_peer_set_keepalive(p, (uint16_t)want->persistent_keepalive, now);
}

struct vpeer *vpn_peer_find(const struct vpn *v, const uint8_t key[WG_KEY_LEN])
{
	for (uint32_t i = 0; i < v->n; i++)
		if (memcmp(v->peers[i]->conf.public_key.bytes, key, WG_KEY_LEN) == 0)
			return v->peers[i];
	return NULL;
}

int vpn_peer_new(struct vpn *v, const uint8_t key[WG_KEY_LEN], struct vpeer **out)
{
	struct vpeer *vp, **np;
	uint32_t cap;
	int r;

	*out = NULL;
	if (v->n == VPN_MAX_PEERS)
		return -ENOSPC;
	if (v->n == v->cap) {
		cap = v->cap ? v->cap * 2 : 8;
		np = realloc(v->peers, cap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		v->peers = np;
		v->cap = cap;
	}
	vp = calloc(1, sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	r = vpn_io_peer_add(v->io, key, &vp->p);
	if (r < 0) {
		free(vp);
		return r;
	}
	vp->v = v;
	memcpy(vp->conf.public_key.bytes, key, WG_KEY_LEN);
	vp->conf.public_key.set = true;
	v->peers[v->n++] = vp;
	*out = vp;
	return 0;
}

void vpn_peer_free(struct vpn *v, struct vpeer *vp)
{
	uint32_t i;

	for (i = 0; i < v->n && v->peers[i] != vp; i++)
		;
	if (i < v->n) {
		memmove(&v->peers[i], &v->peers[i + 1], (v->n - i - 1) * sizeof(*v->peers));
		v->n--;
	}
	vpn_endpoint_drop(vp);
	vpn_io_peer_remove(v->io, vp->p);
	free(vp);
}

static bool conf_has_peer(const struct mg_conf *c, const uint8_t key[WG_KEY_LEN])
{
	for (uint32_t i = 0; i < c->npeers; i++)
		if (memcmp(c->peers[i].public_key.bytes, key, WG_KEY_LEN) == 0)
			return true;
	return false;
}

/* Peers gone from c first (one of them may hold the new key's public
 * half; peers added through UAPI go too), then the key, then every peer
 * of c, kept or added, in c's order. */
static int apply(struct vpn *v, const struct mg_conf *c, const struct vpn_keys *k)
{
	struct wg_device *d = vpn_io_device(v->io);
	uint64_t now = loop_now(v->loop);
	struct vpeer *vp;
	char label[64];
	uint32_t n = 0;
	int r;

	for (uint32_t i = v->n; i-- > 0;) {
		vp = v->peers[i];
		if (!vp->member && !conf_has_peer(c, vp->conf.public_key.bytes)) {
			log_info("peer %s removed", vpn_peer_label(vp, label, sizeof(label)));
			vpn_peer_free(v, vp);
		}
	}
	r = wg_device_set_private_key(d, k->priv, now);
	if (r < 0)
		log_err("cannot use the private key in %s: %s", c->mesh.private_key_file,
		        r == -EEXIST ? "a [peer] has its public key" : strerror(-r));
	wg_device_set_mtu(d, c->mesh.mtu);
	for (uint32_t i = 0; i < c->npeers; i++) {
		const struct peer_conf *pc = &c->peers[i];
		const uint8_t *psk = k->has_psk[i] ? k->psk[i] : NULL;
		bool fresh = false;

		vp = vpn_peer_find(v, pc->public_key.bytes);
		if (vp && vp->member) {
			/* a [peer] for a member: the configuration is explicit, it wins */
			vp->member = false;
			fresh = true;
		}
		if (!vp) {
			r = vpn_peer_new(v, pc->public_key.bytes, &vp);
			if (r < 0) {
				log_err("peer %s: %s", peer_label(pc, label, sizeof(label)),
				        r == -EINVAL ? "its public key is this node's own" :
				        strerror(-r));
				continue;
			}
			fresh = true;
		}
		peer_apply(v, vp, pc, psk, fresh, now);
		if (fresh)
			log_info("peer %s added", peer_label(pc, label, sizeof(label)));
		/* Configuration order: every kept or added peer moves to the front
		 * part, in turn. */
		for (uint32_t j = n; j < v->n; j++) {
			if (v->peers[j] == vp) {
				v->peers[j] = v->peers[n];
				v->peers[n++] = vp;
				break;
			}
		}
	}
	v->port = c->mesh.listen_port;
	v->port_changed = false;
	v->ips_changed = false;
	vpn_endpoint_sync(v);
	return 0;
}

/* ---- mesh members ---- */

int vpn_member_set(struct vpn *v, const char *name, const uint8_t key[WG_KEY_LEN],
                   const struct mg_prefix *allowed, size_t n, uint16_t keepalive)
{
	uint64_t now = loop_now(v->loop);
	struct vpeer *vp = vpn_peer_find(v, key);
	bool fresh = false;
	int r;

	if (vp && !vp->member)
		return -EEXIST;         /* a [peer] says how to reach it */
	if (!vp) {
		r = vpn_peer_new(v, key, &vp);
		if (r < 0)
			return r;
		vp->member = true;
		fresh = true;
	}
	snprintf(vp->conf.name, sizeof(vp->conf.name), "%s", name);
	wg_peer_clear_allowed(vp->p);
	vp->conf.allowed_ips.n = 0;
	for (size_t i = 0; i < n; i++) {
		char buf[MG_PREFIX_STRLEN];

		r = wg_peer_allow(vp->p, &allowed[i]);
		if (r < 0)
			log_err("member %s: cannot route %s to it: %s", name,
			        mg_prefix_fmt(&allowed[i], buf, sizeof(buf)), strerror(-r));
		else if (vp->conf.allowed_ips.n < CFG_LIST_MAX)
			vp->conf.allowed_ips.v[vp->conf.allowed_ips.n++] = allowed[i];
	}
	if (fresh || vp->conf.persistent_keepalive != keepalive) {
		vp->conf.persistent_keepalive = keepalive;
		wg_peer_set_keepalive(vp->p, keepalive, now);
	}
	return fresh ? 1 : 0;
}

void vpn_member_remove(struct vpn *v, const uint8_t key[WG_KEY_LEN])
{
	struct vpeer *vp = vpn_peer_find(v, key);

	if (vp && vp->member)
		vpn_peer_free(v, vp);
}

struct wg_peer *vpn_member_peer(const struct vpn *v, const uint8_t key[WG_KEY_LEN])
{
	struct vpeer *vp = vpn_peer_find(v, key);

	return vp ? vp->p : NULL;
}

struct vpn_io *vpn_get_io(const struct vpn *v)
{
	return v->io;
}

/* ---- life cycle ---- */

int vpn_new(const struct mg_conf *c, struct vpn **out)
{
	struct vpn *v;
	int r;

	*out = NULL;
	if (sodium_init() < 0)
		return -EIO;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->pending = malloc(sizeof(*v->pending));
	if (!v->pending) {
		free(v);
		return -ENOMEM;
	}
	r = read_keys(c, v->pending);
	if (r < 0) {
		vpn_free(v);
		return r;
	}
	*out = v;
	return 0;
}

int vpn_start(struct vpn *v, struct loop *loop, const struct tun *tun, const struct mg_conf *c)
{
	struct vpn_io_conf ioc = {
		.tun_fd = tun->fd,
		.tun_vnet_hdr = tun->vnet_hdr,
		.listen_port = (uint16_t)c->mesh.listen_port,
	};
	uint8_t pub[WG_KEY_LEN];
	char b64[BASE64_LEN(WG_KEY_LEN) + 1];
	int r;

	v->loop = loop;
	snprintf(v->ifname, sizeof(v->ifname), "%s", tun->name);
	r = vpn_io_new(loop, &ioc, &v->io);
	if (r < 0) {
		log_err("cannot listen on UDP port %u: %s%s", ioc.listen_port, strerror(-r),
		        r == -EADDRINUSE ? " (another WireGuard or meshgated uses it?)" : "");
		return r;
	}
	r = apply(v, c, v->pending);
	wipe_keys(v->pending);
	v->pending = NULL;
	if (r < 0)
		return r;
	if (wg_device_public_key(vpn_io_device(v->io), pub)) {
		base64_encode(b64, pub, WG_KEY_LEN);
		log_notice("wireguard on %s: UDP port %u, public key %s, %u peer%s", tun->name,
		           vpn_io_port(v->io), b64, v->n, v->n == 1 ? "" : "s");
	}
	return 0;
}

int vpn_reload(struct vpn *v, const struct mg_conf *next)
{
	struct vpn_keys *k;
	int r;

	k = malloc(sizeof(*k));
	if (!k)
		return -ENOMEM;
	r = read_keys(next, k);
	if (r < 0)
		goto out;
	if (next->mesh.listen_port != v->port || v->port_changed) {
		r = vpn_io_set_port(v->io, (uint16_t)next->mesh.listen_port);
		if (r < 0) {
			log_err("cannot move to UDP port %u: %s (staying on %u)",
			        next->mesh.listen_port, strerror(-r), vpn_io_port(v->io));
			goto out;
		}
	}
	vpn_endpoint_reload(v);
	r = apply(v, next, k);
out:
	wipe_keys(k);
	return r;
}

void vpn_free(struct vpn *v)
{
	if (!v)
		return;
	vpn_endpoint_fini(v);
	/* the device wipes its own keys and every peer's */
	vpn_io_free(v->io);
	wipe_keys(v->pending);
	for (uint32_t i = 0; i < v->n; i++) {
		sodium_memzero(v->peers[i], sizeof(*v->peers[i]));
		free(v->peers[i]);
	}
	free(v->peers);
	free(v);
}

/* ---- routes ---- */

static bool covers(const struct mg_prefix *wide, const struct mg_prefix *p)
{
	struct mg_prefix net = *wide;

	if (net.addr.family != p->addr.family || net.len > p->len)
		return false;
	mg_prefix_mask(&net);
	return mg_prefix_contains(&net, &p->addr);
}

static bool routed(const struct mg_conf *c, const struct iface_routes *out,
                   const struct mg_prefix *p)
{
	for (uint32_t i = 0; i < c->mesh.address.n; i++)
		if (covers(&c->mesh.address.v[i], p))
			return true;
	for (uint32_t i = 0; i < out->n; i++)
		if (covers(&out->v[i], p))
			return true;
	return false;
}

static void add_route(const struct mg_conf *c, struct iface_routes *out,
                      const struct mg_prefix *p, const char *who, bool log)
{
	char buf[MG_PREFIX_STRLEN];

	if (p->len == 0) {
		if (log)
			log_warn("peer %s: allowed-ips %s gets no route into %s: a default route "
			         "through the tunnel would carry the tunnel's own datagrams (route "
			         "narrower networks instead)", who, mg_prefix_fmt(p, buf, sizeof(buf)),
			         c->mesh.interface);
		return;
	}
	if (routed(c, out, p))
		return;
	if (out->n == IFACE_MAX_ROUTES) {
		if (log)
			log_warn("peer %s: allowed-ips %s gets no route: %u routes at most", who,
			         mg_prefix_fmt(p, buf, sizeof(buf)), IFACE_MAX_ROUTES);
		return;
	}
	out->v[out->n++] = *p;
}

void vpn_routes(const struct mg_conf *c, struct iface_routes *out, bool log)
{
	char label[64];

	out->n = 0;
	for (uint32_t i = 0; i < c->mesh.route.n && out->n < IFACE_MAX_ROUTES; i++)
		out->v[out->n++] = c->mesh.route.v[i];
	for (uint32_t i = 0; i < c->npeers; i++) {
		const struct peer_conf *pc = &c->peers[i];

		peer_label(pc, label, sizeof(label));
		for (uint32_t j = 0; j < pc->allowed_ips.n; j++)
			add_route(c, out, &pc->allowed_ips.v[j], label, log);
	}
}

struct live_routes {
	const struct mg_conf *c;
	struct iface_routes *out;
	const char *who;
};

static void add_live(const struct mg_prefix *pfx, void *arg)
{
	struct live_routes *lr = arg;

	/* Said once, when UAPI set it (vpn_uapi.c), not at every sync. */
	add_route(lr->c, lr->out, pfx, lr->who, false);
}

void vpn_routes_live(const struct vpn *v, const struct mg_conf *c, struct iface_routes *out)
{
	struct live_routes lr = { .c = c, .out = out };
	char label[64];

	out->n = 0;
	for (uint32_t i = 0; i < c->mesh.route.n && out->n < IFACE_MAX_ROUTES; i++)
		out->v[out->n++] = c->mesh.route.v[i];
	for (uint32_t i = 0; v && i < v->n; i++) {
		lr.who = vpn_peer_label(v->peers[i], label, sizeof(label));
		wg_peer_for_each_allowed(v->peers[i]->p, add_live, &lr);
	}
}

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
#include "core/report.h"
#include "core/tun.h"
#include "daemon/vpn.h"
#include "lib/base64.h"
#include "vpn/device.h"
#include "vpn/io.h"
#include "vpn/uapi.h"

/* A configured peer and what of its [peer] section is in force. */
struct vpeer {
	struct peer_conf conf;
	struct wg_peer *p;
};

/* The secrets of one configuration, read before anything changes. */
struct vpn_keys {
	uint8_t priv[WG_KEY_LEN];
	uint8_t psk[CONF_MAX_PEERS][WG_KEY_LEN];
	bool has_psk[CONF_MAX_PEERS];
};

struct vpn {
	struct loop *loop;
	struct vpn_io *io;
	struct vpn_keys *pending;     /* from vpn_new() until vpn_start() */
	struct vpeer *peers;          /* in configuration order */
	uint32_t n;
	uint32_t port;                /* as configured */
	char ifname[IFNAMSIZ];
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

/* A key that the device would refuse is refused here, before anything
 * changes: one with no usable public half, or a peer's. */
static int check_private_key(const struct mg_conf *c, const uint8_t priv[WG_KEY_LEN])
{
	uint8_t pub[WG_KEY_LEN], clamped[WG_KEY_LEN];
	char label[64];
	int r = 0;

	memcpy(clamped, priv, WG_KEY_LEN);
	clamped[0] &= 248;
	clamped[31] = (uint8_t)((clamped[31] & 127) | 64);
	if (crypto_scalarmult_curve25519_base(pub, clamped) != 0) {
		log_err("private key file %s: not a usable key", c->mesh.private_key_file);
		r = -EINVAL;
		goto out;
	}
	for (uint32_t i = 0; i < c->npeers; i++) {
		if (sodium_memcmp(pub, c->peers[i].public_key.bytes, WG_KEY_LEN) == 0) {
			log_err("peer %s has this node's own public key (from %s): a node cannot "
			        "be its own peer", peer_label(&c->peers[i], label, sizeof(label)),
			        c->mesh.private_key_file);
			r = -EINVAL;
		}
	}
out:
	sodium_memzero(clamped, sizeof(clamped));
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

static bool same_prefixes(const struct cfg_prefix_list *a, const struct cfg_prefix_list *b)
{
	if (a->n != b->n)
		return false;
	for (uint32_t i = 0; i < a->n; i++)
		if (!mg_prefix_eq(&a->v[i], &b->v[i]))
			return false;
	return true;
}

/* A numeric host:port becomes the peer's endpoint; a name waits for the
 * resolver this version does not have. */
static void set_endpoint(struct wg_peer *p, const struct peer_conf *pc)
{
	union uapi_sockaddr sa;
	struct wg_endpoint ep;
	char label[64];

	if (!pc->endpoint[0])
		return;
	if (uapi_parse_endpoint(pc->endpoint, &sa) < 0) {
		log_notice("peer %s: endpoint %s is a host name, which this version does not "
		           "resolve yet: the peer is reached once it writes first",
		           peer_label(pc, label, sizeof(label)), pc->endpoint);
		return;
	}
	memset(&ep, 0, sizeof(ep));
	if (sa.sa.sa_family == AF_INET6)
		ep.addr.in6 = sa.sin6;
	else
		ep.addr.in4 = sa.sin;
	wg_peer_set_endpoint(p, &ep);
}

/* Brings a peer from what it had (nothing, when fresh) to want. */
static void peer_apply(struct vpeer *vp, const struct peer_conf *want, const uint8_t *psk,
                       bool fresh, uint64_t now)
{
	struct wg_peer *p = vp->p;
	char label[64];
	int r;

	wg_peer_set_psk(p, psk);
	if (fresh || strcmp(vp->conf.endpoint, want->endpoint) != 0)
		set_endpoint(p, want);
	if (fresh || !same_prefixes(&vp->conf.allowed_ips, &want->allowed_ips)) {
		wg_peer_clear_allowed(p);
		for (uint32_t i = 0; i < want->allowed_ips.n; i++) {
			r = wg_peer_allow(p, &want->allowed_ips.v[i]);
			if (r < 0)
				log_err("peer %s: cannot add allowed-ips: %s",
				        peer_label(want, label, sizeof(label)), strerror(-r));
		}
	}
	if (fresh || vp->conf.persistent_keepalive != want->persistent_keepalive)
		wg_peer_set_keepalive(p, (uint16_t)want->persistent_keepalive, now);
	vp->conf = *want;
}

static struct vpeer *find_peer(struct vpn *v, const uint8_t key[WG_KEY_LEN])
{
	for (uint32_t i = 0; i < v->n; i++)
		if (v->peers[i].p && memcmp(v->peers[i].conf.public_key.bytes, key, WG_KEY_LEN) == 0)
			return &v->peers[i];
	return NULL;
}

static bool conf_has_peer(const struct mg_conf *c, const uint8_t key[WG_KEY_LEN])
{
	for (uint32_t i = 0; i < c->npeers; i++)
		if (memcmp(c->peers[i].public_key.bytes, key, WG_KEY_LEN) == 0)
			return true;
	return false;
}

/* Peers gone from c first (one of them may hold the new key's public
 * half), then the key, then every peer of c, kept or added. */
static int apply(struct vpn *v, const struct mg_conf *c, const struct vpn_keys *k)
{
	struct wg_device *d = vpn_io_device(v->io);
	uint64_t now = loop_now(v->loop);
	struct vpeer *np, *old;
	char label[64];
	uint32_t n = 0;
	int r;

	np = calloc(c->npeers ? c->npeers : 1, sizeof(*np));
	if (!np)
		return -ENOMEM;
	for (uint32_t i = 0; i < v->n; i++) {
		if (v->peers[i].p && !conf_has_peer(c, v->peers[i].conf.public_key.bytes)) {
			log_info("peer %s removed", peer_label(&v->peers[i].conf, label, sizeof(label)));
			vpn_io_peer_remove(v->io, v->peers[i].p);
			v->peers[i].p = NULL;
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

		old = find_peer(v, pc->public_key.bytes);
		if (old) {
			np[n] = *old;
			old->p = NULL;
			peer_apply(&np[n++], pc, psk, false, now);
			continue;
		}
		r = vpn_io_peer_add(v->io, pc->public_key.bytes, &np[n].p);
		if (r < 0) {
			log_err("peer %s: %s", peer_label(pc, label, sizeof(label)),
			        r == -EINVAL ? "its public key is this node's own" : strerror(-r));
			continue;
		}
		peer_apply(&np[n++], pc, psk, true, now);
		log_info("peer %s added", peer_label(pc, label, sizeof(label)));
	}
	free(v->peers);
	v->peers = np;
	v->n = n;
	v->port = c->mesh.listen_port;
	return 0;
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
	if (next->mesh.listen_port != v->port) {
		r = vpn_io_set_port(v->io, (uint16_t)next->mesh.listen_port);
		if (r < 0) {
			log_err("cannot move to UDP port %u: %s (staying on %u)",
			        next->mesh.listen_port, strerror(-r), vpn_io_port(v->io));
			goto out;
		}
	}
	r = apply(v, next, k);
out:
	wipe_keys(k);
	return r;
}

void vpn_free(struct vpn *v)
{
	if (!v)
		return;
	/* the device wipes its own keys and every peer's */
	vpn_io_free(v->io);
	wipe_keys(v->pending);
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

void vpn_routes(const struct mg_conf *c, struct iface_routes *out, bool log)
{
	char label[64], buf[MG_PREFIX_STRLEN];

	out->n = 0;
	for (uint32_t i = 0; i < c->mesh.route.n && out->n < IFACE_MAX_ROUTES; i++)
		out->v[out->n++] = c->mesh.route.v[i];
	for (uint32_t i = 0; i < c->npeers; i++) {
		const struct peer_conf *pc = &c->peers[i];

		for (uint32_t j = 0; j < pc->allowed_ips.n; j++) {
			const struct mg_prefix *p = &pc->allowed_ips.v[j];

			if (p->len == 0) {
				if (log)
					log_warn("peer %s: allowed-ips %s gets no route into %s: a default "
					         "route through the tunnel would carry the tunnel's own "
					         "datagrams (route narrower networks instead)",
					         peer_label(pc, label, sizeof(label)),
					         mg_prefix_fmt(p, buf, sizeof(buf)), c->mesh.interface);
				continue;
			}
			if (routed(c, out, p) || out->n == IFACE_MAX_ROUTES)
				continue;
			out->v[out->n++] = *p;
		}
	}
}

/* ---- status ---- */

static unsigned int with_session(const struct vpn *v)
{
	struct wg_peer_info info;
	unsigned int n = 0;

	for (uint32_t i = 0; i < v->n; i++) {
		wg_peer_get_info(v->peers[i].p, &info);
		n += info.has_session;
		sodium_memzero(&info, sizeof(info));
	}
	return n;
}

void vpn_status_line(const struct vpn *v, char *buf, size_t len)
{
	if (!v || !v->io) {
		snprintf(buf, len, "not started");
		return;
	}
	snprintf(buf, len, "listening on UDP port %u, %u peer%s configured, %u with a session",
	         vpn_io_port(v->io), v->n, v->n == 1 ? "" : "s", with_session(v));
}

static void report_endpoint(struct report *r, const struct wg_endpoint *ep)
{
	union uapi_sockaddr sa;
	char buf[80];

	memset(&sa, 0, sizeof(sa));
	if (ep->addr.sa.sa_family == AF_INET6)
		sa.sin6 = ep->addr.in6;
	else if (ep->addr.sa.sa_family == AF_INET)
		sa.sin = ep->addr.in4;
	if (sa.sa.sa_family && uapi_format_endpoint(buf, sizeof(buf), &sa) == 0)
		report_str(r, "endpoint", buf);
	else
		report_str(r, "endpoint", NULL);
}

static void report_peer(struct report *r, const struct vpeer *vp)
{
	char b64[BASE64_LEN(WG_KEY_LEN) + 1], pfx[MG_PREFIX_STRLEN];
	struct wg_peer_info info;

	wg_peer_get_info(vp->p, &info);
	sodium_memzero(info.psk, sizeof(info.psk));
	report_obj_begin(r, NULL);
	report_str(r, "name", vp->conf.name[0] ? vp->conf.name : NULL);
	base64_encode(b64, info.public_key, WG_KEY_LEN);
	report_str(r, "public_key", b64);
	report_endpoint(r, &info.endpoint);
	report_arr_begin(r, "allowed_ips");
	for (uint32_t i = 0; i < vp->conf.allowed_ips.n; i++)
		report_str(r, NULL, mg_prefix_fmt(&vp->conf.allowed_ips.v[i], pfx, sizeof(pfx)));
	report_arr_end(r);
	report_bool(r, "preshared_key", info.has_psk);
	report_uint(r, "persistent_keepalive", info.persistent_keepalive);
	report_bool(r, "session", info.has_session);
	report_int(r, "latest_handshake", (int64_t)info.last_handshake.tv_sec);
	report_uint(r, "rx_bytes", info.rx_bytes);
	report_uint(r, "tx_bytes", info.tx_bytes);
	report_uint(r, "staged", info.staged);
	report_obj_end(r);
}

void vpn_report(const struct vpn *v, struct report *r)
{
	char b64[BASE64_LEN(WG_KEY_LEN) + 1];
	const struct vpn_io_stats *s;
	const struct wg_device_stats *ds;
	uint8_t pub[WG_KEY_LEN];

	if (!v || !v->io)
		return;
	s = vpn_io_stats(v->io);
	ds = wg_device_stats(vpn_io_device(v->io));
	report_obj_begin(r, "wireguard");
	report_uint(r, "listen_port", vpn_io_port(v->io));
	if (wg_device_public_key(vpn_io_device(v->io), pub)) {
		base64_encode(b64, pub, WG_KEY_LEN);
		report_str(r, "public_key", b64);
	}
	report_arr_begin(r, "peers");
	for (uint32_t i = 0; i < v->n; i++)
		report_peer(r, &v->peers[i]);
	report_arr_end(r);
	report_obj_begin(r, "io");
	report_uint(r, "tun_read_packets", s->tun_read_packets);
	report_uint(r, "tun_read_bytes", s->tun_read_bytes);
	report_uint(r, "tun_write_packets", s->tun_write_packets);
	report_uint(r, "tun_write_bytes", s->tun_write_bytes);
	report_uint(r, "udp_read_datagrams", s->udp_read_datagrams);
	report_uint(r, "udp_read_bytes", s->udp_read_bytes);
	report_uint(r, "udp_sent_datagrams", s->udp_sent_datagrams);
	report_uint(r, "udp_sent_bytes", s->udp_sent_bytes);
	report_uint(r, "udp_send_errors", s->udp_send_errors);
	report_uint(r, "tun_write_errors", s->tun_write_errors);
	report_uint(r, "tun_bad_vnet", s->tun_bad_vnet);
	report_obj_end(r);
	report_obj_begin(r, "dropped");
	report_uint(r, "rx_bad_type", ds->rx_bad_type);
	report_uint(r, "rx_bad_mac", ds->rx_bad_mac);
	report_uint(r, "rx_handshake_failed", ds->rx_handshake_failed);
	report_uint(r, "rx_unknown_index", ds->rx_unknown_index);
	report_uint(r, "rx_decrypt_failed", ds->rx_decrypt_failed);
	report_uint(r, "rx_replayed", ds->rx_replayed);
	report_uint(r, "rx_source_not_allowed", ds->rx_source_not_allowed);
	report_uint(r, "tx_no_route", ds->tx_no_route);
	report_uint(r, "tx_no_endpoint", ds->tx_no_endpoint);
	report_uint(r, "tx_staged_dropped", ds->tx_staged_dropped);
	report_obj_end(r);
	report_obj_end(r);
}

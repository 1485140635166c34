/* The data plane in `meshgate status` and `meshgate peers`: what wg show
 * says of each peer, with its name, and the engine's and the I/O's
 * counters. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/report.h"
#include "daemon/vpn.h"
#include "daemon/vpn_impl.h"
#include "lib/base64.h"
#include "vpn/device.h"
#include "vpn/io.h"
#include "vpn/uapi.h"

static unsigned int with_session(const struct vpn *v)
{
	struct wg_peer_info info;
	unsigned int n = 0;

	for (uint32_t i = 0; i < v->n; i++) {
		wg_peer_get_info(v->peers[i]->p, &info);
		n += info.has_session;
		sodium_memzero(&info, sizeof(info));
	}
	return n;
}

bool vpn_mesh_healthy(const struct vpn *v)
{
	struct wg_peer_info info;
	struct timespec wall;
	bool reached = false;

	if (!v || !v->n)
		return true;
	clock_gettime(CLOCK_REALTIME, &wall);
	for (uint32_t i = 0; i < v->n && !reached; i++) {
		wg_peer_get_info(v->peers[i]->p, &info);
		reached = info.has_session || (info.last_handshake.tv_sec &&
		          wall.tv_sec - info.last_handshake.tv_sec < VPN_REACHED_S);
		sodium_memzero(&info, sizeof(info));
	}
	return reached;
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

	vpn_endpoint_to_sockaddr(ep, &sa);
	if (sa.sa.sa_family && uapi_format_endpoint(buf, sizeof(buf), &sa) == 0)
		report_str(r, "endpoint", buf);
	else
		report_str(r, "endpoint", NULL);
}

static void report_prefix(const struct mg_prefix *pfx, void *arg)
{
	char buf[MG_PREFIX_STRLEN];

	report_str(arg, NULL, mg_prefix_fmt(pfx, buf, sizeof(buf)));
}

/* What wg show says of a peer, plus its name and meshgate's own facts. The
 * allowed IPs are the engine's: UAPI may have changed them. */
static void report_peer(struct report *r, const struct vpeer *vp)
{
	char b64[BASE64_LEN(WG_KEY_LEN) + 1];
	struct wg_peer_info info;
	struct timespec wall;

	wg_peer_get_info(vp->p, &info);
	sodium_memzero(info.psk, sizeof(info.psk));
	clock_gettime(CLOCK_REALTIME, &wall);
	report_obj_begin(r, NULL);
	report_str(r, "name", vp->conf.name[0] ? vp->conf.name : NULL);
	base64_encode(b64, info.public_key, WG_KEY_LEN);
	report_str(r, "public_key", b64);
	report_endpoint(r, &info.endpoint);
	report_str(r, "configured_endpoint", vp->conf.endpoint[0] ? vp->conf.endpoint : NULL);
	report_arr_begin(r, "allowed_ips");
	wg_peer_for_each_allowed(vp->p, report_prefix, r);
	report_arr_end(r);
	report_bool(r, "preshared_key", info.has_psk);
	report_uint(r, "persistent_keepalive", info.persistent_keepalive);
	report_bool(r, "session", info.has_session);
	report_int(r, "latest_handshake", (int64_t)info.last_handshake.tv_sec);
	if (info.last_handshake.tv_sec)
		report_int(r, "latest_handshake_ago_s",
		           wall.tv_sec > info.last_handshake.tv_sec ?
		           (int64_t)(wall.tv_sec - info.last_handshake.tv_sec) : 0);
	else
		report_str(r, "latest_handshake_ago_s", NULL);
	report_uint(r, "rx_bytes", info.rx_bytes);
	report_uint(r, "tx_bytes", info.tx_bytes);
	report_uint(r, "staged", info.staged);
	report_obj_end(r);
}

void vpn_report_peers(const struct vpn *v, struct report *r)
{
	report_arr_begin(r, "peers");
	for (uint32_t i = 0; v && v->io && i < v->n; i++)
		report_peer(r, v->peers[i]);
	report_arr_end(r);
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
	vpn_report_peers(v, r);
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
	report_uint(r, "udp_read_foreign", s->udp_read_foreign);
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
	report_uint(r, "rx_control", ds->rx_control);
	report_uint(r, "tx_no_route", ds->tx_no_route);
	report_uint(r, "tx_no_endpoint", ds->tx_no_endpoint);
	report_uint(r, "tx_staged_dropped", ds->tx_staged_dropped);
	report_obj_end(r);
	report_obj_end(r);
}

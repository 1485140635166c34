/* The schema tables: every key meshgated reads, its type, range and default. */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "daemon/conf.h"
#include "daemon/conf_where.h"
#include "daemon/dns.h"
#include "daemon/dhcp.h"
#include "vrrp/track.h"

#define F(type, member) offsetof(type, member), sizeof(((type *)0)->member)

static const char *const log_levels[] = { "err", "warn", "notice", "info", "debug", NULL };
static const char *const log_targets[] = { "auto", "stderr", "syslog", NULL };

static const struct cfg_key node_keys[] = {
	{ "name", CFG_NAME, F(struct node_conf, name), 0, 0, NULL, NULL, CFG_F_OPTIONAL,
	  "this node's name (default: the host name)" },
	{ "log-level", CFG_ENUM, F(struct node_conf, log_level), 0, 0, "info", log_levels, 0,
	  "a log level" },
	{ "log-target", CFG_ENUM, F(struct node_conf, log_target), 0, 0, "auto", log_targets, 0,
	  "where logs go" },
	{ "pid-file", CFG_PATH, F(struct node_conf, pid_file), 0, 0,
	  RUNSTATEDIR "/meshgate/meshgated.pid", NULL, CFG_F_OPTIONAL, "an absolute path" },
	{ "control-socket", CFG_PATH, F(struct node_conf, control_socket), 0, 0,
	  RUNSTATEDIR "/meshgate/control.sock", NULL, 0,
	  "an absolute path of at most 107 characters" },
	{ "control-group", CFG_STRING, F(struct node_conf, control_group), 0, 0, "meshgate",
	  NULL, CFG_F_OPTIONAL, "a group name" },
	{ "state-dir", CFG_PATH, F(struct node_conf, state_dir), 0, 0,
	  LOCALSTATEDIR "/lib/meshgate", NULL, 0, "an absolute path" },
};

static const struct cfg_key mesh_keys[] = {
	{ "network", CFG_NAME, F(struct mesh_conf, network), 0, 0, NULL, NULL, CFG_F_OPTIONAL,
	  "the mesh network's name (meshgate init or join set it; this node's keys and "
	  "record are then read from [node] state-dir)" },
	{ "public-address", CFG_ADDR_LIST, F(struct mesh_conf, public_address), 0, 0, NULL, NULL,
	  0, "an address other nodes reach this one at, like 198.51.100.7 (announced with "
	  "listen-port)" },
	{ "private-key-file", CFG_PATH, F(struct mesh_conf, private_key_file), 0, 0,
	  LOCALSTATEDIR "/lib/meshgate/private.key", NULL, 0,
	  "the absolute path of a file holding this node's private key (meshgate genkey)" },
	{ "interface", CFG_IFNAME, F(struct mesh_conf, interface), 0, 0, "mg0", NULL, 0,
	  "an interface name" },
	{ "mtu", CFG_UINT, F(struct mesh_conf, mtu), 1280, 9000, "1420", NULL, 0, "an MTU" },
	{ "listen-port", CFG_PORT, F(struct mesh_conf, listen_port), 0, 0, "51820", NULL, 0,
	  "a UDP port" },
	{ "address", CFG_IFADDR_LIST, F(struct mesh_conf, address), 0, 0, NULL, NULL, 0,
	  "an address with prefix length, like 10.77.0.1/16 or fd77::1/64" },
	{ "route", CFG_NET_LIST, F(struct mesh_conf, route), 0, 0, NULL, NULL, 0,
	  "a network, like 10.1.0.0/24 or fd77:1::/64" },
	{ "route-metric", CFG_UINT, F(struct mesh_conf, route_metric), 0, UINT32_MAX, "0", NULL,
	  0, "a route metric" },
};

static const struct cfg_key peer_keys[] = {
	{ "name", CFG_NAME, F(struct peer_conf, name), 0, 0, NULL, NULL, CFG_F_OPTIONAL,
	  "a name for this peer" },
	{ "public-key", CFG_KEY32, F(struct peer_conf, public_key), 0, 0, NULL, NULL,
	  CFG_F_REQUIRED, "the peer's public key" },
	{ "preshared-key-file", CFG_PATH, F(struct peer_conf, preshared_key_file), 0, 0, NULL,
	  NULL, CFG_F_OPTIONAL, "the absolute path of a file holding a key from meshgate genpsk" },
	{ "endpoint", CFG_HOSTPORT, F(struct peer_conf, endpoint), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL, "where the peer listens" },
	{ "allowed-ips", CFG_NET_LIST, F(struct peer_conf, allowed_ips), 0, 0, NULL, NULL, 0,
	  "a network routed to this peer, like 10.77.0.2/32 or 192.168.2.0/24" },
	{ "persistent-keepalive", CFG_UINT, F(struct peer_conf, persistent_keepalive), 0, 65535,
	  "0", NULL, 0, "seconds between keepalives (0: off)" },
};

static const struct cfg_key site_keys[] = {
	{ "name", CFG_NAME, F(struct site_conf, name), 0, 0, NULL, NULL, CFG_F_OPTIONAL,
	  "a site name" },
	{ "domain", CFG_DOMAIN, F(struct site_conf, domain), 0, 0, NULL, NULL, CFG_F_OPTIONAL,
	  "a DNS domain" },
	{ "subnet", CFG_NET_LIST, F(struct site_conf, subnet), 0, 0, NULL, NULL, 0,
	  "a network, like 192.168.1.0/24" },
};

static const struct cfg_key dns_keys[] = {
	{ "listen", CFG_ADDR_LIST, F(struct dns_conf, listen), 0, 0, NULL, NULL, 0,
	  "an IPv4 or IPv6 address of this gateway's LAN, mesh or VIP, like 192.168.1.1 "
	  "(none: no DNS)" },
	{ "port", CFG_PORT, F(struct dns_conf, port), 0, 0, "53", NULL, 0, "a UDP/TCP port" },
	{ "upstream", CFG_ADDR_LIST, F(struct dns_conf, upstream), 0, 0, NULL, NULL, 0,
	  "an IPv4 or IPv6 address of a resolver (none: those of /etc/resolv.conf)" },
	{ "upstream-timeout", CFG_DURATION, F(struct dns_conf, upstream_timeout_ms), 100, 30000,
	  "1s", NULL, 0, "a duration from 100ms to 30s (the first try; the second waits twice "
	  "as long)" },
	{ "cache-size", CFG_UINT, F(struct dns_conf, cache_size), 0, 10000000, "10000", NULL, 0,
	  "a number of cache entries (0: no cache)" },
	{ "cache-bytes", CFG_UINT, F(struct dns_conf, cache_bytes), 65536, 1073741824, "4194304",
	  NULL, 0, "the memory for cached answers, in bytes, from 65536 to 1073741824" },
	{ "stale-window", CFG_DURATION, F(struct dns_conf, stale_window_ms), 0, 604800000, "1d",
	  NULL, 0, "how long past expiry a cached answer may stand in for a failing upstream, "
	  "from 0 (never) to 7d" },
	{ "server", CFG_STRING, F(struct dns_conf, server), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL | CFG_F_REPEAT,
	  "forwarding rules as dnsmasq writes them, like /flat2.example/10.2.0.53, "
	  "/corp.example/10.9.0.1#5353" },
	{ "rev-server", CFG_STRING, F(struct dns_conf, rev_server), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL | CFG_F_REPEAT, "reverse forwarding rules, like 10.2.0.0/24,10.2.0.53" },
	{ "record", CFG_STRING, F(struct dns_conf, record), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL | CFG_F_REPEAT,
	  "records of the site's zone, like printer A 192.168.1.5, www CNAME printer" },
	{ "hosts-file", CFG_PATH, F(struct dns_conf, hosts_file), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL, "the absolute path of a file in /etc/hosts format" },
	{ "mesh-domain", CFG_DOMAIN, F(struct dns_conf, mesh_domain), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL, "a DNS domain for the mesh's members, like mesh.example" },
	{ "allow", CFG_NET_LIST, F(struct dns_conf, allow), 0, 0, NULL, NULL, 0,
	  "a network whose hosts may ask, like 192.168.1.0/24 (none: [site] subnet, the mesh "
	  "and loopback)" },
	{ "rate-limit", CFG_UINT, F(struct dns_conf, rate_limit), 0, 1000000, "200", NULL, 0,
	  "queries a second per client, bursts of twice that (0: no limit)" },
	{ "edns-size", CFG_UINT, F(struct dns_conf, edns_size), 512, 4096, "1232", NULL, 0,
	  "a UDP message size from 512 to 4096" },
	{ "rebind-protection", CFG_BOOL, F(struct dns_conf, rebind_protection), 0, 0, "yes", NULL,
	  0, "yes or no" },
	{ "rebind-allow", CFG_STRING, F(struct dns_conf, rebind_allow), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL | CFG_F_REPEAT, "domains whose names may have private addresses, like "
	  "corp.example, plex.direct" },
};

static const struct cfg_key dhcp_keys[] = {
	{ "interface", CFG_IFNAME, F(struct dhcp_conf, interface), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL, "an interface name" },
	{ "subnet", CFG_NET_LIST, F(struct dhcp_conf, subnet), 0, 0, NULL, NULL, 0,
	  "an IPv4 network, like 192.168.1.0/24" },
	{ "range", CFG_STRING, F(struct dhcp_conf, range), 0, 0, NULL, NULL, CFG_F_OPTIONAL,
	  "address ranges, like 192.168.1.100-192.168.1.199, 192.168.1.220-192.168.1.229" },
	{ "lease-time", CFG_DURATION, F(struct dhcp_conf, lease_time_ms), 60000, 31536000000ULL,
	  "12h", NULL, 0, "a duration from 1m to 365d" },
	{ "router", CFG_ADDR_LIST, F(struct dhcp_conf, router), 0, 0, NULL, NULL, 0,
	  "an IPv4 address, like 192.168.1.254" },
	{ "dns", CFG_ADDR_LIST, F(struct dhcp_conf, dns), 0, 0, NULL, NULL, 0,
	  "an IPv4 address, like 192.168.1.1" },
	{ "domain", CFG_DOMAIN, F(struct dhcp_conf, domain), 0, 0, NULL, NULL, CFG_F_OPTIONAL,
	  "a DNS domain" },
	{ "search", CFG_STRING, F(struct dhcp_conf, search), 0, 0, NULL, NULL, CFG_F_OPTIONAL,
	  "DNS domains, like flat1.example, example" },
	{ "ntp", CFG_ADDR_LIST, F(struct dhcp_conf, ntp), 0, 0, NULL, NULL, 0,
	  "an IPv4 address" },
	{ "mtu", CFG_UINT, F(struct dhcp_conf, mtu), 0, 65535, "0", NULL, 0,
	  "an MTU from 68 to 65535 (0: not sent)" },
	{ "route", CFG_STRING, F(struct dhcp_conf, route), 0, 0, NULL, NULL, CFG_F_OPTIONAL,
	  "static routes, like 10.9.0.0/16 via 192.168.1.254, 10.8.0.0/16 (no via: this "
	  "gateway)" },
	{ "leases-file", CFG_PATH, F(struct dhcp_conf, leases_file), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL, "an absolute path (default: dhcp.leases in [node] state-dir)" },
	{ "offer-hold", CFG_DURATION, F(struct dhcp_conf, offer_hold_ms), 1000, 3600000, "1m",
	  NULL, 0, "a duration from 1s to 1h" },
	{ "decline-hold", CFG_DURATION, F(struct dhcp_conf, decline_hold_ms), 1000,
	  2592000000ULL, "1d", NULL, 0, "a duration from 1s to 30d" },
	{ "server-id", CFG_ADDR, F(struct dhcp_conf, server_id), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL, "this server's IPv4 address" },
};

static const struct cfg_key dhcp_reservation_keys[] = {
	{ "mac", CFG_STRING, F(struct dhcp_reservation_conf, mac), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL, "an Ethernet address, like 02:00:00:00:00:01" },
	{ "client-id", CFG_STRING, F(struct dhcp_reservation_conf, client_id), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL, "a client identifier (option 61) in hex, like 01:02:00:00:00:00:01" },
	{ "address", CFG_ADDR, F(struct dhcp_reservation_conf, address), 0, 0, NULL, NULL,
	  CFG_F_REQUIRED, "the IPv4 address the client always gets" },
	{ "name", CFG_NAME, F(struct dhcp_reservation_conf, name), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL, "the client's host name in DNS" },
};

static const char *const vrrp_csums[] = { "pseudo-header", "message-only", NULL };

static const struct cfg_key vrrp_keys[] = {
	{ "name", CFG_NAME, F(struct vrrp_conf, name), 0, 0, NULL, NULL, CFG_F_OPTIONAL,
	  "a name for this virtual router (default: INTERFACE-VRID)" },
	{ "interface", CFG_IFNAME, F(struct vrrp_conf, interface), 0, 0, NULL, NULL,
	  CFG_F_REQUIRED, "the LAN interface the virtual router lives on" },
	{ "vrid", CFG_UINT, F(struct vrrp_conf, vrid), 1, 255, NULL, NULL, CFG_F_REQUIRED,
	  "a virtual router id, the same on every router of the group" },
	{ "priority", CFG_UINT, F(struct vrrp_conf, priority), 1, 255, "100", NULL, 0,
	  "a priority (255: address owner)" },
	{ "advert-interval", CFG_DURATION, F(struct vrrp_conf, advert_interval_ms), 10, 40950,
	  "1s", NULL, 0, "a duration from 10ms to 40950ms, in steps of 10ms" },
	{ "preempt", CFG_BOOL, F(struct vrrp_conf, preempt), 0, 0, "yes", NULL, 0, "yes or no" },
	{ "preempt-delay", CFG_DURATION, F(struct vrrp_conf, preempt_delay_ms), 0, 3600000, "0",
	  NULL, 0, "a duration from 0 to 1h, in steps of 10ms" },
	{ "virtual-address", CFG_IFADDR_LIST, F(struct vrrp_conf, virtual_address), 0, 0, NULL,
	  NULL, CFG_F_REQUIRED, "an address with prefix length, like 192.168.1.1/24" },
	{ "unicast-peer", CFG_ADDR_LIST, F(struct vrrp_conf, unicast_peer), 0, 0, NULL, NULL, 0,
	  "the address of another router of the group (unicast instead of multicast)" },
	{ "unicast-src", CFG_ADDR, F(struct vrrp_conf, unicast_src), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL, "this router's own address on the interface" },
	{ "garp-repeat", CFG_UINT, F(struct vrrp_conf, garp_repeat), 0, 100, "5", NULL, 0,
	  "how many gratuitous ARPs / neighbour advertisements to send on takeover" },
	{ "garp-interval", CFG_DURATION, F(struct vrrp_conf, garp_interval_ms), 0, 10000, "0",
	  NULL, 0, "a duration from 0 to 10s, in steps of 10ms, between them" },
	{ "ipv4-checksum", CFG_ENUM, F(struct vrrp_conf, ipv4_checksum), 0, 0, "pseudo-header",
	  vrrp_csums, 0, "how IPv4 advertisements are checksummed" },
	{ "track-interface", CFG_STRING, F(struct vrrp_conf, track_interface), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL, "interfaces, like eth1 weight -50, wan0 (no weight: down stops "
	  "the router)" },
	{ "track-command", CFG_STRING, F(struct vrrp_conf, track_command), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL, "a command run without a shell, like /usr/local/bin/check-wan -q" },
	{ "track-command-weight", CFG_STRING, F(struct vrrp_conf, track_command_weight), 0, 0,
	  "0", NULL, 0, "a weight from -254 to 254 (0: failing stops the router)" },
	{ "track-command-interval", CFG_DURATION, F(struct vrrp_conf, track_command_interval_ms),
	  100, 3600000, "2s", NULL, 0, "a duration from 100ms to 1h" },
	{ "track-health", CFG_STRING, F(struct vrrp_conf, track_health), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL, "meshgate health hooks, like mesh weight -20, dns weight -10" },
	{ "notify-command", CFG_STRING, F(struct vrrp_conf, notify_command), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL, "a command run without a shell on every state change" },
};

#define SECTION(n, keys, member) \
	{ n, keys, sizeof(keys) / sizeof(keys[0]), offsetof(struct mg_conf, member) }

static const struct cfg_section sections[] = {
	SECTION("node", node_keys, node),
	SECTION("mesh", mesh_keys, mesh),
	{ "peer", peer_keys, sizeof(peer_keys) / sizeof(peer_keys[0]), offsetof(struct mg_conf, peers),
	  CONF_MAX_PEERS, sizeof(struct peer_conf), offsetof(struct mg_conf, npeers) },
	SECTION("site", site_keys, site),
	SECTION("dns", dns_keys, dns),
	SECTION("dhcp", dhcp_keys, dhcp),
	{ "dhcp-reservation", dhcp_reservation_keys,
	  sizeof(dhcp_reservation_keys) / sizeof(dhcp_reservation_keys[0]),
	  offsetof(struct mg_conf, dhcp_reservations), CONF_MAX_DHCP_RESERVATIONS,
	  sizeof(struct dhcp_reservation_conf), offsetof(struct mg_conf, ndhcp_reservations) },
	{ "vrrp", vrrp_keys, sizeof(vrrp_keys) / sizeof(vrrp_keys[0]), offsetof(struct mg_conf, vrrp),
	  CONF_MAX_VRRP, sizeof(struct vrrp_conf), offsetof(struct mg_conf, nvrrp) },
};

const struct cfg_schema conf_schema = { sections, sizeof(sections) / sizeof(sections[0]) };

static void fail(cfg_error_fn err, void *arg, const char *file, const char *msg, int *errors)
{
	(*errors)++;
	if (err)
		err(arg, file, 0, msg);
}

/* ---- [vrrp]: rules across its keys and its instances. cfg keeps no line
 * numbers once parsed, so an error finds the key's line again in the text
 * (only then: errors are rare). */

static void vrrp_fail(struct conf_where *w, uint32_t i, const char *key, cfg_error_fn err,
                      void *arg, int *errors, const char *msg)
{
	const char *file;
	unsigned line = conf_where_line(w, "vrrp", true, i, key, &file);

	(*errors)++;
	if (err)
		err(arg, file, line, msg);
}

/* An absolute program path first, and quotes that close. */
static int vrrp_check_command(const char *cmd, char *why, size_t len)
{
	char buf[CONF_VRRP_TEXT], *argv[64];

	snprintf(buf, sizeof(buf), "%s", cmd);
	if (vrrp_cmd_split(buf, argv, 64, why, len) < 0)
		return -1;
	if (argv[0][0] != '/') {
		snprintf(why, len, "'%.64s' is not an absolute path: write the program's full path "
		         "(no shell runs it; for one, write /bin/sh -c '...')", argv[0]);
		return -1;
	}
	return 0;
}

static sa_family_t vrrp_family(const struct vrrp_conf *v)
{
	return v->virtual_address.n ? v->virtual_address.v[0].addr.family : AF_INET;
}

static int check_vrrp(const struct mg_conf *c, struct conf_where *w, cfg_error_fn err, void *arg)
{
	static const struct { const char *key; size_t off; } steps[] = {
		{ "advert-interval", offsetof(struct vrrp_conf, advert_interval_ms) },
		{ "preempt-delay", offsetof(struct vrrp_conf, preempt_delay_ms) },
		{ "garp-interval", offsetof(struct vrrp_conf, garp_interval_ms) },
	};
	char msg[400], why[200];
	int errors = 0;

	for (uint32_t i = 0; i < c->nvrrp; i++) {
		const struct vrrp_conf *v = &c->vrrp[i];
		sa_family_t fam = vrrp_family(v);
		struct vrrp_track t;
		int weight;

		for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
			uint64_t ms = *(const uint64_t *)(const void *)((const char *)v + steps[k].off);

			if (ms % 10) {
				snprintf(msg, sizeof(msg), "[vrrp] %s = %llums: VRRP counts in "
				         "centiseconds; use a multiple of 10ms", steps[k].key,
				         (unsigned long long)ms);
				vrrp_fail(w, i, steps[k].key, err, arg, &errors, msg);
			}
		}
		for (uint32_t k = 1; k < v->virtual_address.n; k++) {
			if (v->virtual_address.v[k].addr.family != fam) {
				vrrp_fail(w, i, "virtual-address", err, arg, &errors,
				          "[vrrp] virtual-address mixes IPv4 and IPv6: VRRP runs one "
				          "family per router; put the other family in its own [vrrp]");
				break;
			}
		}
		if (v->unicast_src.family && v->unicast_src.family != fam)
			vrrp_fail(w, i, "unicast-src", err, arg, &errors, "[vrrp] unicast-src is "
			          "not of the virtual addresses' family: use this router's own "
			          "address of that family");
		for (uint32_t k = 0; k < v->unicast_peer.n; k++) {
			if (v->unicast_peer.v[k].family != fam) {
				vrrp_fail(w, i, "unicast-peer", err, arg, &errors, "[vrrp] "
				          "unicast-peer is not of the virtual addresses' family: list "
				          "the other routers' addresses of that family");
				break;
			}
		}
		vrrp_track_init(&t, (uint8_t)v->priority);
		if (vrrp_track_parse(&t, VRRP_TRACK_IFACE, v->track_interface, why,
		                     sizeof(why)) < 0) {
			snprintf(msg, sizeof(msg), "[vrrp] track-interface: %s", why);
			vrrp_fail(w, i, "track-interface", err, arg, &errors, msg);
		}
		if (vrrp_track_parse(&t, VRRP_TRACK_HEALTH, v->track_health, why, sizeof(why)) < 0) {
			snprintf(msg, sizeof(msg), "[vrrp] track-health: %s", why);
			vrrp_fail(w, i, "track-health", err, arg, &errors, msg);
		}
		for (unsigned k = 0; k < t.n; k++) {
			const struct vrrp_track_item *it = &t.item[k];

			if (it->kind != VRRP_TRACK_HEALTH || !strcmp(it->name, "mesh") ||
			    !strcmp(it->name, "dns"))
				continue;
			snprintf(msg, sizeof(msg), "[vrrp] track-health: there is no health hook "
			         "'%.32s': write mesh or dns", it->name);
			vrrp_fail(w, i, "track-health", err, arg, &errors, msg);
		}
		if (vrrp_track_parse_weight(v->track_command_weight, &weight) < 0) {
			snprintf(msg, sizeof(msg), "[vrrp] track-command-weight = %s: expected a "
			         "whole number from -254 to 254 (0: failing stops the router)",
			         v->track_command_weight);
			vrrp_fail(w, i, "track-command-weight", err, arg, &errors, msg);
		}
		if (v->track_command[0] && vrrp_check_command(v->track_command, why, sizeof(why))) {
			snprintf(msg, sizeof(msg), "[vrrp] track-command: %s", why);
			vrrp_fail(w, i, "track-command", err, arg, &errors, msg);
		}
		if (v->notify_command[0] && vrrp_check_command(v->notify_command, why, sizeof(why))) {
			snprintf(msg, sizeof(msg), "[vrrp] notify-command: %s", why);
			vrrp_fail(w, i, "notify-command", err, arg, &errors, msg);
		}
		for (uint32_t j = 0; j < i; j++) {
			const struct vrrp_conf *o = &c->vrrp[j];

			if (o->vrid == v->vrid && vrrp_family(o) == fam &&
			    strcmp(o->interface, v->interface) == 0) {
				snprintf(msg, sizeof(msg), "[vrrp] vrid %u on %s for %s is already "
				         "used by [vrrp] %u: give each virtual router its own vrid",
				         v->vrid, v->interface, fam == AF_INET ? "IPv4" : "IPv6", j + 1);
				vrrp_fail(w, i, "vrid", err, arg, &errors, msg);
			}
			if (v->name[0] && strcmp(o->name, v->name) == 0) {
				snprintf(msg, sizeof(msg), "[vrrp] name %s is already used by [vrrp] "
				         "%u: names must differ", v->name, j + 1);
				vrrp_fail(w, i, "name", err, arg, &errors, msg);
			}
		}
	}
	return errors;
}

/* Rules that no single key can check. */
static int check(struct mg_conf *c, const char *file, const char *text, cfg_error_fn err,
                 void *arg)
{
	struct conf_where *vw;
	char msg[200];
	int errors = 0;

	for (uint32_t i = 0; i < c->npeers; i++) {
		for (uint32_t j = 0; j < i; j++) {
			if (memcmp(c->peers[i].public_key.bytes, c->peers[j].public_key.bytes,
			           sizeof(c->peers[i].public_key.bytes)) == 0) {
				snprintf(msg, sizeof(msg), "[peer] %u and [peer] %u have the same "
				         "public-key: merge them", j + 1, i + 1);
				fail(err, arg, file, msg, &errors);
			}
		}
	}

	errors += dns_conf_check(c, file, text, err, arg);
	vw = calloc(1, sizeof(*vw));
	if (!vw) {
		fail(err, arg, file, "out of memory", &errors);
		return errors;
	}
	vw->file = file;
	vw->text = text;
	errors += check_vrrp(c, vw, err, arg);
	free(vw);
	errors += dhcp_conf_check(c, file, text, err, arg);
	return errors;
}

/* The node name defaults to the host name's first label, lower-cased. */
static void default_name(struct mg_conf *c)
{
	char host[256];
	size_t n = 0;

	if (c->node.name[0] || gethostname(host, sizeof(host)) < 0)
		return;
	host[sizeof(host) - 1] = '\0';
	for (; host[n] && host[n] != '.' && n < sizeof(c->node.name) - 1; n++) {
		char ch = host[n];
		c->node.name[n] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
	}
	c->node.name[n] = '\0';
}

int conf_load(struct mg_conf *c, const char *path, cfg_error_fn err, void *arg)
{
	int errors = cfg_load(&conf_schema, c, path, err, arg);

	if (errors)
		return errors;
	default_name(c);
	return check(c, path, NULL, err, arg);
}

int conf_parse_string(struct mg_conf *c, const char *name, const char *text, cfg_error_fn err,
                      void *arg)
{
	int errors = cfg_defaults(&conf_schema, c, err, arg);

	errors += cfg_parse_string(&conf_schema, c, name, text, err, arg);
	if (errors)
		return errors;
	return check(c, name, text, err, arg);
}

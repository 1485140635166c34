/* The schema tables: every key meshgated reads, its type, range and default. */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "daemon/conf.h"

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
	  "an IPv4 or IPv6 address" },
	{ "port", CFG_PORT, F(struct dns_conf, port), 0, 0, "53", NULL, 0, "a UDP/TCP port" },
	{ "upstream", CFG_ADDR_LIST, F(struct dns_conf, upstream), 0, 0, NULL, NULL, 0,
	  "an IPv4 or IPv6 address" },
	{ "cache-size", CFG_UINT, F(struct dns_conf, cache_size), 0, 10000000, "10000", NULL, 0,
	  "a number of cache entries" },
};

static const struct cfg_key dhcp_keys[] = {
	{ "interface", CFG_IFNAME, F(struct dhcp_conf, interface), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL, "an interface name" },
	{ "lease-time", CFG_DURATION, F(struct dhcp_conf, lease_time_ms), 60000, 31536000000ULL,
	  "12h", NULL, 0, "a duration from 1m to 365d" },
};

static const struct cfg_key vrrp_keys[] = {
	{ "interface", CFG_IFNAME, F(struct vrrp_conf, interface), 0, 0, NULL, NULL,
	  CFG_F_OPTIONAL, "an interface name" },
	{ "vrid", CFG_UINT, F(struct vrrp_conf, vrid), 1, 255, "51", NULL, 0,
	  "a virtual router id" },
	{ "priority", CFG_UINT, F(struct vrrp_conf, priority), 1, 255, "100", NULL, 0,
	  "a priority (255: address owner)" },
	{ "advert-interval", CFG_DURATION, F(struct vrrp_conf, advert_interval_ms), 10, 40950,
	  "1s", NULL, 0, "a duration from 10ms to 40950ms, in steps of 10ms" },
	{ "preempt", CFG_BOOL, F(struct vrrp_conf, preempt), 0, 0, "yes", NULL, 0, "yes or no" },
	{ "virtual-address", CFG_IFADDR_LIST, F(struct vrrp_conf, virtual_address), 0, 0, NULL,
	  NULL, 0, "an address with prefix length, like 192.168.1.1/24" },
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
	SECTION("vrrp", vrrp_keys, vrrp),
};

const struct cfg_schema conf_schema = { sections, sizeof(sections) / sizeof(sections[0]) };

static void fail(cfg_error_fn err, void *arg, const char *file, const char *msg, int *errors)
{
	(*errors)++;
	if (err)
		err(arg, file, 0, msg);
}

/* Rules that no single key can check. */
static int check(struct mg_conf *c, const char *file, cfg_error_fn err, void *arg)
{
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

	if (c->vrrp.advert_interval_ms % 10)
		fail(err, arg, file, "[vrrp] advert-interval: VRRP counts in centiseconds; use "
		     "a multiple of 10ms", &errors);
	if (c->dns.listen.n && c->dns.port == 0)
		fail(err, arg, file, "[dns] port must be set when listen is", &errors);
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
	return check(c, path, err, arg);
}

int conf_parse_string(struct mg_conf *c, const char *name, const char *text, cfg_error_fn err,
                      void *arg)
{
	int errors = cfg_defaults(&conf_schema, c, err, arg);

	errors += cfg_parse_string(&conf_schema, c, name, text, err, arg);
	if (errors)
		return errors;
	return check(c, name, err, arg);
}

int conf_unserved_sections(const struct mg_conf *c, const char **names, int max)
{
	int n = 0;

	if ((c->site.name[0] || c->site.domain[0] || c->site.subnet.n) && n < max)
		names[n++] = "site";
	if ((c->dns.listen.n || c->dns.upstream.n) && n < max)
		names[n++] = "dns";
	if (c->dhcp.interface[0] && n < max)
		names[n++] = "dhcp";
	if ((c->vrrp.interface[0] || c->vrrp.virtual_address.n) && n < max)
		names[n++] = "vrrp";
	return n;
}

/* meshgated's configuration: one plain struct per section, filled from the
 * schema tables in conf.c. Each subsystem will receive only its own section. */
#ifndef MG_DAEMON_CONF_H
#define MG_DAEMON_CONF_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/cfg.h"

#define CONF_PATH_MAX 256
#define CONF_SOCKET_MAX 108          /* sun_path */

enum conf_log_target { CONF_LOG_AUTO = 0, CONF_LOG_STDERR, CONF_LOG_SYSLOG };

struct node_conf {
	char name[64];
	int log_level;                   /* enum log_level */
	int log_target;                  /* enum conf_log_target */
	char pid_file[CONF_PATH_MAX];
	char control_socket[CONF_SOCKET_MAX];
	char control_group[33];
	char state_dir[CONF_PATH_MAX];
};

#define CONF_MAX_PEERS 128

struct mesh_conf {
	char network[64];                /* membership on: the network's name ("" off) */
	struct cfg_addr_list public_address;  /* announced with listen-port */
	char private_key_file[CONF_PATH_MAX];
	char interface[IFNAMSIZ];
	uint32_t mtu;
	uint32_t listen_port;
	struct cfg_prefix_list address;  /* interface addresses, host bits kept */
	struct cfg_prefix_list route;    /* networks routed into the interface */
	uint32_t route_metric;
};

/* A statically configured WireGuard peer, as in wg(8)'s [Peer]. */
struct peer_conf {
	char name[64];
	struct cfg_key32 public_key;
	char preshared_key_file[CONF_PATH_MAX];
	char endpoint[262];              /* host:port, resolved when used */
	struct cfg_prefix_list allowed_ips;
	uint32_t persistent_keepalive;   /* seconds, 0: off */
};

struct site_conf {
	char name[64];
	char domain[254];
	struct cfg_prefix_list subnet;
};

/* [dns]: server, rev-server, record and rebind-allow are comma-separated
 * lists written as text and checked by daemon/dns.c. */
#define CONF_DNS_TEXT 2048

struct dns_conf {
	struct cfg_addr_list listen;
	uint32_t port;
	struct cfg_addr_list upstream;
	uint64_t upstream_timeout_ms;
	uint32_t cache_size;
	uint32_t cache_bytes;
	uint64_t stale_window_ms;
	char server[CONF_DNS_TEXT];          /* "/flat2.example/10.2.0.53, 10.9.0.1#5353" */
	char rev_server[CONF_DNS_TEXT];      /* "10.2.0.0/24,10.2.0.53" pairs */
	char record[CONF_DNS_TEXT];          /* "printer A 192.168.1.5, www CNAME printer" */
	char hosts_file[CONF_PATH_MAX];
	char mesh_domain[254];
	struct cfg_prefix_list allow;        /* none: the site, the mesh and loopback */
	uint32_t rate_limit;                 /* queries a second per client, 0: off */
	uint32_t edns_size;
	bool rebind_protection;
	char rebind_allow[CONF_DNS_TEXT];    /* domains */
};

/* [dhcp]: the range, route and search texts are checked by conf.c and
 * parsed again by daemon/dhcp_conf.c when the server is built. */
#define CONF_DHCP_TEXT 1024
#define CONF_MAX_DHCP_RESERVATIONS 256

struct dhcp_conf {
	char interface[IFNAMSIZ];
	struct cfg_prefix_list subnet;   /* IPv4 networks served: the LAN's, relays' */
	char range[CONF_DHCP_TEXT];      /* "192.168.1.100-192.168.1.199, ..." */
	uint64_t lease_time_ms;
	struct cfg_addr_list router;     /* none: this gateway's address */
	struct cfg_addr_list dns;        /* none: this gateway's address if [dns] listens */
	char domain[254];                /* none: [site] domain */
	char search[CONF_DHCP_TEXT];     /* "flat1.example, example" */
	struct cfg_addr_list ntp;
	uint32_t mtu;                    /* 0: not sent */
	char route[CONF_DHCP_TEXT];      /* "10.9.0.0/16 via 192.168.1.254, 10.8.0.0/16" */
	char leases_file[CONF_PATH_MAX]; /* none: state-dir/dhcp.leases */
	uint64_t offer_hold_ms;
	uint64_t decline_hold_ms;
	struct mg_addr server_id;        /* family 0: the receiving interface's address */
};

/* [dhcp-reservation] (repeats): a fixed address, and name, for one client. */
struct dhcp_reservation_conf {
	char mac[18];                    /* "02:00:00:00:00:01" */
	char client_id[192];             /* option 61 in hex: "01:02:00:00:00:00:01" */
	struct mg_addr address;
	char name[64];
};

/* One virtual router ([vrrp] repeats). The track-*, health and notify keys
 * are written as text and checked by conf.c; daemon/vrrp.c parses them again
 * with vrrp/track.h when it builds the router. */
#define CONF_MAX_VRRP 16
#define CONF_VRRP_TEXT 512

enum conf_vrrp_csum { CONF_VRRP_CSUM_PSEUDO = 0, CONF_VRRP_CSUM_PLAIN };

struct vrrp_conf {
	char name[64];                   /* for logs, status and notify; default IFNAME-VRID */
	char interface[IFNAMSIZ];
	uint32_t vrid;
	uint32_t priority;
	uint64_t advert_interval_ms;
	bool preempt;
	uint64_t preempt_delay_ms;
	struct cfg_prefix_list virtual_address;
	struct cfg_addr_list unicast_peer;   /* none: multicast */
	struct mg_addr unicast_src;          /* family 0: the interface's address */
	uint32_t garp_repeat;
	uint64_t garp_interval_ms;
	int ipv4_checksum;                   /* enum conf_vrrp_csum */
	char track_interface[CONF_VRRP_TEXT];    /* "eth1 weight -50, eth2" */
	char track_command[CONF_VRRP_TEXT];      /* argv, no shell */
	char track_command_weight[8];            /* "-30"; "0": failure is a fault */
	uint64_t track_command_interval_ms;
	char track_health[CONF_VRRP_TEXT];       /* "mesh weight -20, dns" */
	char notify_command[CONF_VRRP_TEXT];     /* argv + INSTANCE NAME STATE PRIORITY */
};

struct mg_conf {
	struct node_conf node;
	struct mesh_conf mesh;
	uint32_t npeers;
	struct peer_conf peers[CONF_MAX_PEERS];
	struct site_conf site;
	struct dns_conf dns;
	struct dhcp_conf dhcp;
	uint32_t ndhcp_reservations;
	struct dhcp_reservation_conf dhcp_reservations[CONF_MAX_DHCP_RESERVATIONS];
	uint32_t nvrrp;
	struct vrrp_conf vrrp[CONF_MAX_VRRP];
};

extern const struct cfg_schema conf_schema;

/* Loads path (+ conf.d), then fills derived defaults (node name from the host
 * name) and checks rules that span keys. Returns the number of errors. */
int conf_load(struct mg_conf *c, const char *path, cfg_error_fn err, void *arg);

/* Same, from a string (tests, fuzzing): no conf.d, no host lookups. */
int conf_parse_string(struct mg_conf *c, const char *name, const char *text, cfg_error_fn err,
                      void *arg);


#endif

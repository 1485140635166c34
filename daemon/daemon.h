/* meshgated's running state and its life cycle: start, reload, stop. */
#ifndef MG_DAEMON_DAEMON_H
#define MG_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/pidfile.h"
#include "daemon/conf.h"
#include "daemon/iface.h"

struct loop;
struct nl;
struct nlmon;
struct control;
struct uapi_server;
struct vpn;
struct member;
struct vrrp_service;
struct dhcp_service;
struct dns_service;

struct daemon {
	struct loop *loop;
	struct nl *nl;
	struct nlmon *mon;
	struct control *ctl;
	struct pidfile pid;
	struct iface iface;
	struct iface_routes routes;          /* [mesh] route + the peers' (daemon/vpn.h) */
	struct vpn *vpn;                     /* the WireGuard data plane */
	struct uapi_server *uapi;            /* wg(8)'s socket for it */
	struct member *member;               /* mesh membership (daemon/member.h), or NULL */
	struct vrrp_service *vrrp;           /* [vrrp] virtual routers (daemon/vrrp.h) */
	struct dhcp_service *dhcp;           /* [dhcp] site DHCP (daemon/dhcp.h) */
	struct dns_service *dns;             /* [dns] site DNS (daemon/dns.h) */
	struct loop_timer *tick;             /* mesh health to VRRP, VRRP role to the mesh */
	struct mg_conf conf;                 /* in force */
	char conf_path[256];
	uint64_t started_ns;
	unsigned reloads;
	char last_reload[256];               /* "ok" or "error: ..." */
	bool log_level_forced;               /* -d: reloads keep debug */
};

/* Sets everything up from an already loaded conf; 0 or -errno. */
int daemon_start(struct daemon *d, const struct mg_conf *conf, const char *conf_path);
int daemon_run(struct daemon *d);
void daemon_stop(struct daemon *d);      /* undoes daemon_start, safe on partial starts */

/* Re-reads the configuration; on errors keeps the one in force. */
int daemon_reload(struct daemon *d);

/* The status and peers commands (daemon/status.c). */
int daemon_register_status(struct daemon *d);

#endif

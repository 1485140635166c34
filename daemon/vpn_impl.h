/* daemon/vpn's insides, shared by vpn.c (configuration, life cycle,
 * status), vpn_uapi.c (wg(8)'s get and set) and vpn_endpoint.c (endpoint
 * host names). Not an API. */
#ifndef MG_DAEMON_VPN_IMPL_H
#define MG_DAEMON_VPN_IMPL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon/conf.h"
#include "daemon/reresolve.h"
#include "vpn/device.h"
#include "vpn/uapi.h"

/* Peers added through UAPI count too; each holds a few KiB here and its
 * sessions in the engine. */
#define VPN_MAX_PEERS 1024

struct loop;
struct loop_timer;
struct resolver;
struct resolver_query;
struct vpn_io;

/* A peer and what is in force for it: its [peer] section, as later
 * changed through UAPI (which writes a numeric endpoint and the keepalive
 * here, so that a reload puts the configuration's back). */
struct vpeer {
	struct vpn *v;
	struct peer_conf conf;
	struct wg_peer *p;
	bool member;                    /* a mesh member's: no [peer] of its own */
	/* conf.endpoint as a host name (vpn_endpoint.c) */
	bool named;
	char host[256];
	uint16_t port;
	struct resolver_query *q;       /* lookup in flight */
	bool apply_next;                /* the next answer is set whatever it is */
	bool resolved;                  /* the name had an address: */
	union uapi_sockaddr addr;       /* the last one, set as the endpoint */
	struct reresolve rr;
};

struct vpn {
	struct loop *loop;
	struct vpn_io *io;
	struct vpn_keys *pending;       /* from vpn_new() until vpn_start() */
	struct vpeer **peers;           /* in configuration order, then UAPI's */
	uint32_t n, cap;
	uint32_t port;                  /* as configured */
	bool port_changed;              /* moved through UAPI since */
	bool ips_changed;               /* allowed IPs changed through UAPI since */
	char ifname[IFNAMSIZ];
	struct resolver *resolver;      /* while some endpoint is a host name */
	struct loop_timer *check;       /* watches named peers for silence */
};

const char *vpn_peer_label(const struct vpeer *vp, char *buf, size_t len);
struct vpeer *vpn_peer_find(const struct vpn *v, const uint8_t key[WG_KEY_LEN]);
/* Adds a peer to the engine and the list (conf: zero but the key). */
int vpn_peer_new(struct vpn *v, const uint8_t key[WG_KEY_LEN], struct vpeer **out);
void vpn_peer_free(struct vpn *v, struct vpeer *vp);   /* from the list and the engine */
void vpn_endpoint_to_sockaddr(const struct wg_endpoint *ep, union uapi_sockaddr *sa);
void vpn_sockaddr_to_endpoint(const union uapi_sockaddr *sa, struct wg_endpoint *ep);

/* Endpoints (vpn_endpoint.c): conf.endpoint was set or may have moved.
 * A numeric one is set at once; a host name is looked up, and the answer
 * set when changed is true or when the name's address changed since its
 * last answer (so a reload does not undo what roaming learnt). */
void vpn_endpoint_update(struct vpn *v, struct vpeer *vp, bool changed);
/* The peer no longer follows its host name (removed, or set through UAPI). */
void vpn_endpoint_drop(struct vpeer *vp);
/* Arms or disarms the silence check as named peers come and go; resolver
 * errors are logged. */
void vpn_endpoint_sync(struct vpn *v);
/* A reload: the next lookups read resolv.conf afresh. */
void vpn_endpoint_reload(struct vpn *v);
void vpn_endpoint_fini(struct vpn *v);

#endif

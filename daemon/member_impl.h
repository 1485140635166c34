/* daemon/member's insides, shared by member.c (life cycle, gossip, store
 * file), member_peers.c (members as WireGuard peers, routes, endpoints),
 * member_join.c (invitations), member_ctl.c (commands) and
 * member_addrs.c. Not an API. */
#ifndef MG_DAEMON_MEMBER_IMPL_H
#define MG_DAEMON_MEMBER_IMPL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/log.h"
#include "daemon/conf.h"
#include "daemon/member.h"
#include "keys/announce.h"
#include "keys/state.h"
#include "vpn/device.h"
#include "vpn/mesh/gossip.h"
#include "vpn/mesh/store.h"

#define MEMBER_TICK_NS (2ULL * 1000000000ULL)
#define MEMBER_SAVE_DELAY_NS (1000000000ULL)
#define MEMBER_SESSION_FRESH_S 180      /* a handshake this recent: the endpoint works */
#define MEMBER_TRY_S 5                  /* time to give each endpoint candidate */
#define MEMBER_TRY_SLOW_S 30            /* once every candidate failed twice */
#define MEMBER_ANNOUNCE_CHECK_S 30      /* local addresses looked at again */
#define MEMBER_ANNOUNCE_EVERY_S 3600    /* announced again even if unchanged */
#define MEMBER_KEEPALIVE_S 25           /* from clients, which are behind NAT */
#define MEMBER_JOIN_BURST 64            /* join requests answered per window */
#define MEMBER_JOIN_WINDOW_NS (10ULL * 1000000000ULL)
#define MEMBER_CANDIDATES (1 + ANNOUNCE_ENDPOINTS_MAX)

struct loop;
struct loop_timer;
struct vpn;
struct vpn_io;
struct control;

/* A member this node peers with. */
struct mpeer {
	struct member *m;
	char name[WIRE_LABEL_MAX + 1];
	uint8_t wg_key[32];
	struct wg_peer *p;
	bool fresh;                     /* just added: gets our HASH once settled */
	unsigned next_cand;             /* endpoint candidate tried next */
	unsigned tries;
	uint64_t tried_at;              /* monotonic ns of the last switch */
};

/* Since when a node says it is its site's VRRP master (unix s), 0 if not. */
uint64_t member_active_since(const struct mesh_node *node);

struct member {
	struct loop *loop;
	struct vpn *v;
	struct vpn_io *io;
	struct state_identity id;
	char state_dir[CONF_PATH_MAX];
	char store_path[STATE_PATH_MAX];
	char network[64];
	char ifname[IFNAMSIZ];
	uint16_t port;
	struct cfg_addr_list public_addr;
	struct mesh_store *store;
	struct gossip *gossip;
	struct loop_timer *tick, *save;
	struct mpeer **peers;
	size_t n, cap;
	bool dirty;                     /* the store changed: peers to settle */
	bool revoked_said;
	void (*routes_changed)(void *arg);
	void *routes_arg;
	/* this node's announcement */
	struct announce ann;
	uint64_t active_since;          /* unix s this node became its site's VRRP master; 0 */
	uint64_t ann_sequence;
	uint64_t ann_at, ann_checked;   /* unix seconds */
	/* invitations answered */
	uint64_t join_window;
	unsigned join_count;
	uint64_t joins_accepted, joins_refused, joins_limited;
	uint8_t issued[RECORD_WIRE_MAX];   /* the record a join just issued */
	size_t issued_len;
	struct log_ratelimit rl;
};

uint64_t member_unix_now(void);

/* member.c */
void member_mark_dirty(struct member *m);
void member_schedule_save(struct member *m);
/* Brings the peers in line with the store after it changed. */
void member_settle(struct member *m);
enum mesh_verdict member_publish(struct member *m, uint8_t kind, const uint8_t *bytes,
                                 size_t len);

/* member_peers.c */
struct mpeer *member_peer_find(const struct member *m, const char *name);
struct mpeer *member_peer_by_wg(const struct member *m, const struct wg_peer *p);
/* Peers for every member, with their routes; drops the ones gone. */
void member_peers_sync(struct member *m);
void member_peers_free(struct member *m);
/* Each tick: keeps the endpoints that work, tries others for the rest. */
void member_peers_tick(struct member *m, uint64_t mono_ns, uint64_t now);

/* member_addrs.c */
void member_local_endpoints(struct announce *ann, const struct cfg_addr_list *public,
                            const char *mesh_ifname, const struct record *own, uint16_t port);
/* Re-announces this node when its endpoints changed or it is time. */
void member_announce(struct member *m, uint64_t now, bool force);

/* member_join.c: a datagram on the WireGuard port that is not WireGuard's. */
void member_on_foreign(void *arg, const struct wg_endpoint *from, const uint8_t *buf,
                       size_t len);

/* member_ctl.c */
int member_register_commands(struct member *m, struct control *ctl);

#endif

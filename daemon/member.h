/* Mesh membership in meshgated: this node's identity from [node]
 * state-dir, the store of every member's signed record (vpn/mesh/store.h)
 * gossiped inside the WireGuard sessions (vpn/mesh/gossip.h), members
 * made WireGuard peers with routes to their mesh addresses and their
 * sites' subnets, this node's endpoints announced, invitations answered
 * on the WireGuard port, and the commands nodes, invite, revoke, renew.
 * On when [mesh] network is set. */
#ifndef MG_DAEMON_MEMBER_H
#define MG_DAEMON_MEMBER_H

#include <stddef.h>

#include "daemon/conf.h"
#include "keys/record.h"

struct control;
struct loop;
struct member;
struct report;
struct vpn;

/* Reads and checks the identity when [mesh] network is set (*out NULL
 * when it is not) and gives c the record's mesh addresses when [mesh]
 * address is empty (see member_fill_conf). 0 or -errno, logged with what to do. */
int member_new(struct mg_conf *c, struct member **out);
/* The same addresses for a configuration read on reload. Both times a
 * [dns] that listens also listens on the mesh addresses. */
void member_fill_conf(const struct member *m, struct mg_conf *c);
/* Loads the known members, makes them peers, starts gossip, announces this
 * node and registers the commands. routes_changed is called (from the
 * loop) when the peers' routes need applying. */
int member_start(struct member *m, struct loop *loop, struct vpn *v, struct control *ctl,
                 const struct mg_conf *c, void (*routes_changed)(void *arg), void *arg);
/* A reload: public addresses, and the peers again (a [peer] may have
 * taken or released a member's key). */
void member_reload(struct member *m, const struct mg_conf *c);
/* Saves the store and frees everything. NULL is fine. */
void member_free(struct member *m);

/* Whether this gateway holds its site's VIP (a [vrrp] router is master):
 * announced to the mesh, which then routes the site's subnets here. */
void member_set_active(struct member *m, bool active);

/* Every other member's record, in name order, for what the site's
 * services learn from the mesh (daemon/mesh_learn.h). *out is freed by the
 * caller. 0 or -ENOMEM. */
int member_records(const struct member *m, struct record **out, size_t *n);

/* "membership" in status. */
void member_status_line(const struct member *m, char *buf, size_t len);
void member_report(const struct member *m, struct report *r);

#endif

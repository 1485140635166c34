/* Members as WireGuard peers: one peer per member record, routing its mesh
 * addresses and, for the gateway chosen for each subnet of another site,
 * that subnet; and endpoints: the one that worked last, then the ones a
 * member announces, each tried in turn until a handshake succeeds. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "core/loop.h"
#include "daemon/member_impl.h"
#include "daemon/vpn.h"
#include "lib/cursor.h"
#include "vpn/io.h"

struct mpeer *member_peer_find(const struct member *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->peers[i]->name, name))
			return m->peers[i];
	return NULL;
}

struct mpeer *member_peer_by_wg(const struct member *m, const struct wg_peer *p)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->peers[i]->p == p)
			return m->peers[i];
	return NULL;
}

static void peer_drop(struct member *m, size_t i)
{
	struct mpeer *mp = m->peers[i];

	gossip_peer_remove(m->gossip, mp);
	vpn_member_remove(m->v, mp->wg_key);
	m->peers[i] = m->peers[--m->n];
	free(mp);
}

static struct mpeer *peer_new(struct member *m, const struct mesh_node *node)
{
	struct mpeer *mp, **np;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;

		np = realloc(m->peers, cap * sizeof(*np));
		if (!np)
			return NULL;
		m->peers = np;
		m->cap = cap;
	}
	mp = calloc(1, sizeof(*mp));
	if (!mp)
		return NULL;
	mp->m = m;
	snprintf(mp->name, sizeof(mp->name), "%s", node->name);
	memcpy(mp->wg_key, node->wg_key, 32);
	mp->fresh = true;
	if (gossip_peer_add(m->gossip, mp) < 0) {
		free(mp);
		return NULL;
	}
	m->peers[m->n++] = mp;
	return mp;
}

/* The records of every member but this node, decoded once per sync, and
 * since when each gateway says it is its site's VRRP master (0: not). */
struct view {
	size_t n;
	struct record *rec;
	const struct mesh_node **node;
	uint64_t *active;
};

uint64_t member_active_since(const struct mesh_node *node)
{
	struct announce ann;
	const uint8_t *val;
	size_t len;
	struct rcur c;

	if (mesh_node_announce(node, &ann) < 0 ||
	    announce_opaque_find(&ann, ANNOUNCE_T_ACTIVE_SINCE, &val, &len) < 0 || len != 8)
		return 0;
	c = rcur_init(val, len);
	return rcur_be64(&c);
}

static int view_load(struct member *m, struct view *v)
{
	size_t total = mesh_store_count(m->store);

	v->n = 0;
	v->rec = calloc(total ? total : 1, sizeof(*v->rec));
	v->node = calloc(total ? total : 1, sizeof(*v->node));
	v->active = calloc(total ? total : 1, sizeof(*v->active));
	if (!v->rec || !v->node || !v->active)
		return -ENOMEM;
	for (size_t i = 0; i < total; i++) {
		const struct mesh_node *node = mesh_store_node_at(m->store, i);

		if (node->self || mesh_node_record(node, &v->rec[v->n]) < 0)
			continue;
		v->active[v->n] = member_active_since(node);
		v->node[v->n++] = node;
	}
	return 0;
}

static void view_free(struct view *v)
{
	free(v->rec);
	free(v->node);
	free(v->active);
}

static bool carries(const struct record *r, const struct mg_prefix *subnet)
{
	for (int k = 0; k < r->n_subnets; k++)
		if (mg_prefix_eq(&r->subnets[k], subnet))
			return true;
	return false;
}

/* Which member routes a subnet, of the gateways of other sites that carry
 * it: the one that became its site's VRRP master last, so traffic enters
 * the site where its replies leave it (a peer's allowed IPs are also what
 * it may send from); without a master, the first by name. Every node
 * picks the same. */
static bool routes_subnet(const struct member *m, const struct view *v, size_t who,
                          const struct mg_prefix *subnet)
{
	const char *own_site = m->id.rec.site;
	size_t first = v->n, best = v->n;

	for (size_t i = 0; i < v->n; i++) {
		const struct record *r = &v->rec[i];

		if (r->role != RECORD_ROLE_GATEWAY || (own_site[0] && !strcmp(r->site, own_site)) ||
		    !carries(r, subnet))
			continue;
		if (first == v->n)
			first = i;      /* the view is in name order */
		if (v->active[i] && (best == v->n || v->active[i] > v->active[best]))
			best = i;
	}
	return who == (best < v->n ? best : first);
}

static size_t allowed_of(const struct member *m, const struct view *v, size_t i,
                         struct mg_prefix *out, size_t max)
{
	const struct record *r = &v->rec[i];
	size_t n = 0;

	for (int k = 0; k < r->n_mesh && n < max; k++) {
		out[n] = r->mesh[k];
		out[n].len = r->mesh[k].addr.family == AF_INET ? 32 : 128;
		n++;
	}
	for (int k = 0; k < r->n_subnets && n < max; k++)
		if (routes_subnet(m, v, i, &r->subnets[k]))
			out[n++] = r->subnets[k];
	return n;
}

/* The endpoint candidates of a member: where it worked last, then what
 * it announces. */
static unsigned candidates(const struct mesh_node *node, struct mg_addr *addr, uint16_t *port)
{
	struct announce ann;
	unsigned n = 0;

	if (node->endpoint.addr.family) {
		addr[n] = node->endpoint.addr;
		port[n++] = node->endpoint.port;
	}
	if (node->announce && mesh_node_announce(node, &ann) == 0) {
		for (int i = 0; i < ann.n_endpoints && n < MEMBER_CANDIDATES; i++) {
			if (n && mg_addr_eq(&addr[0], &ann.endpoints[i].addr) &&
			    port[0] == ann.endpoints[i].port)
				continue;
			addr[n] = ann.endpoints[i].addr;
			port[n++] = ann.endpoints[i].port;
		}
	}
	return n;
}

static void set_endpoint(struct wg_peer *p, const struct mg_addr *a, uint16_t port)
{
	struct wg_endpoint ep;

	memset(&ep, 0, sizeof(ep));
	if (a->family == AF_INET) {
		ep.addr.in4.sin_family = AF_INET;
		ep.addr.in4.sin_addr = a->u.v4;
		ep.addr.in4.sin_port = htons(port);
	} else {
		ep.addr.in6.sin6_family = AF_INET6;
		ep.addr.in6.sin6_addr = a->u.v6;
		ep.addr.in6.sin6_port = htons(port);
	}
	wg_peer_set_endpoint(p, &ep);
}

/* Tries the next candidate; true if there was one. */
static bool try_next(struct member *m, struct mpeer *mp, const struct mesh_node *node,
                     uint64_t mono)
{
	struct mg_addr addr[MEMBER_CANDIDATES];
	uint16_t port[MEMBER_CANDIDATES];
	unsigned n = candidates(node, addr, port);

	if (!n || !mp->p)
		return false;
	set_endpoint(mp->p, &addr[mp->next_cand % n], port[mp->next_cand % n]);
	mp->next_cand = (mp->next_cand + 1) % n;
	mp->tries++;
	mp->tried_at = mono;
	(void)m;
	return true;
}

void member_peers_sync(struct member *m)
{
	uint16_t keepalive = m->id.rec.role == RECORD_ROLE_CLIENT ? MEMBER_KEEPALIVE_S : 0;
	struct mg_prefix allowed[RECORD_MESH_MAX + RECORD_SUBNETS_MAX];
	uint64_t mono = loop_now(m->loop);
	struct view v;
	bool *seen;

	if (view_load(m, &v) < 0) {
		log_err("mesh: out of memory while updating the peers");
		view_free(&v);
		return;
	}
	seen = calloc(m->n ? m->n : 1, sizeof(*seen));
	if (!seen) {
		view_free(&v);
		return;
	}
	/* members whose key changed are peers anew */
	for (size_t i = 0; i < v.n; i++) {
		struct mpeer *mp = member_peer_find(m, v.node[i]->name);

		for (size_t k = 0; mp && k < m->n; k++)
			if (m->peers[k] == mp)
				seen[k] = !memcmp(mp->wg_key, v.node[i]->wg_key, 32);
	}
	for (size_t k = m->n; k-- > 0;)
		if (!seen[k])
			peer_drop(m, k);
	free(seen);

	for (size_t i = 0; i < v.n; i++) {
		const struct mesh_node *node = v.node[i];
		struct mpeer *mp = member_peer_find(m, node->name);
		size_t na = allowed_of(m, &v, i, allowed, sizeof(allowed) / sizeof(allowed[0]));
		int r;

		if (!mp && !(mp = peer_new(m, node))) {
			log_err("mesh: out of memory for member %s", node->name);
			continue;
		}
		r = vpn_member_set(m->v, node->name, node->wg_key, allowed, na, keepalive);
		if (r == -EEXIST && mp->fresh)
			log_notice("mesh: member %s is also a [peer]: the [peer] section says how "
			           "to reach it", node->name);
		else if (r < 0 && r != -EEXIST)
			log_err("mesh: cannot make member %s a peer: %s", node->name, strerror(-r));
		mp->p = vpn_member_peer(m->v, node->wg_key);
		if (mp->fresh && mp->p) {
			struct wg_peer_info info;

			wg_peer_get_info(mp->p, &info);
			if (!info.endpoint.addr.sa.sa_family)
				try_next(m, mp, node, mono);
			mp->fresh = false;
			gossip_peer_up(m->gossip, mp);
		}
	}
	view_free(&v);
}

void member_peers_free(struct member *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->peers[i]);
	free(m->peers);
	m->peers = NULL;
	m->n = m->cap = 0;
}

static void endpoint_of(const struct wg_endpoint *ep, struct mg_addr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	if (ep->addr.sa.sa_family == AF_INET) {
		a->family = AF_INET;
		a->u.v4 = ep->addr.in4.sin_addr;
		*port = ntohs(ep->addr.in4.sin_port);
	} else if (ep->addr.sa.sa_family == AF_INET6) {
		a->family = AF_INET6;
		a->u.v6 = ep->addr.in6.sin6_addr;
		*port = ntohs(ep->addr.in6.sin6_port);
	}
}

void member_peers_tick(struct member *m, uint64_t mono, uint64_t now)
{
	struct timespec wall;

	clock_gettime(CLOCK_REALTIME, &wall);
	for (size_t i = 0; i < m->n; i++) {
		struct mpeer *mp = m->peers[i];
		const struct mesh_node *node = mesh_store_find(m->store, mp->name);
		struct wg_peer_info info;
		uint64_t wait;

		if (!node || !mp->p)
			continue;
		wg_peer_get_info(mp->p, &info);
		sodium_memzero(info.psk, sizeof(info.psk));
		if (info.last_handshake.tv_sec &&
		    wall.tv_sec - info.last_handshake.tv_sec < MEMBER_SESSION_FRESH_S) {
			struct mesh_endpoint ep = { .when = now };

			/* it works: remember it (the member may have roamed to it) */
			endpoint_of(&info.endpoint, &ep.addr, &ep.port);
			mp->tries = 0;
			if (ep.addr.family && (!mg_addr_eq(&ep.addr, &node->endpoint.addr) ||
			                       ep.port != node->endpoint.port ||
			                       now - node->endpoint.when > 600)) {
				mesh_store_set_endpoint(m->store, mp->name, &ep);
				member_schedule_save(m);
			}
			continue;
		}
		wait = mp->tries < 2 * MEMBER_CANDIDATES ? MEMBER_TRY_S : MEMBER_TRY_SLOW_S;
		if (mono - mp->tried_at < wait * 1000000000ULL)
			continue;
		/* a HASH through the new endpoint starts a handshake there */
		if (try_next(m, mp, node, mono))
			gossip_peer_up(m->gossip, mp);
	}
}

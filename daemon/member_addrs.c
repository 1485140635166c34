/* Where this node can be reached: the configured public addresses first,
 * then the addresses of its other interfaces, each with the WireGuard
 * port. What it announces to the mesh. */
#include "config.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon/member_impl.h"
#include "lib/cursor.h"

static bool usable(const struct mg_addr *a)
{
	const uint8_t *b = a->u.bytes;

	if (a->family == AF_INET)
		return b[0] != 127 && b[0] != 0 && !(b[0] == 169 && b[1] == 254) && b[0] < 224;
	return !IN6_IS_ADDR_LOOPBACK(&a->u.v6) && !IN6_IS_ADDR_LINKLOCAL(&a->u.v6) &&
	       !IN6_IS_ADDR_MULTICAST(&a->u.v6) && !IN6_IS_ADDR_UNSPECIFIED(&a->u.v6) &&
	       !IN6_IS_ADDR_V4MAPPED(&a->u.v6);
}

static bool in_mesh(const struct record *own, const struct mg_addr *a)
{
	for (int i = 0; i < own->n_mesh; i++) {
		struct mg_prefix p = own->mesh[i];

		mg_prefix_mask(&p);
		if (mg_prefix_contains(&p, a))
			return true;
	}
	return false;
}

static int add(struct announce *ann, const struct mg_addr *a, uint16_t port)
{
	for (int i = 0; i < ann->n_endpoints; i++)
		if (mg_addr_eq(&ann->endpoints[i].addr, a))
			return 0;
	if (ann->n_endpoints == ANNOUNCE_ENDPOINTS_MAX)
		return -1;
	ann->endpoints[ann->n_endpoints].addr = *a;
	ann->endpoints[ann->n_endpoints].port = port;
	ann->n_endpoints++;
	return 0;
}

void member_local_endpoints(struct announce *ann, const struct cfg_addr_list *public,
                            const char *mesh_ifname, const struct record *own, uint16_t port)
{
	struct ifaddrs *list, *i;

	ann->n_endpoints = 0;
	for (uint32_t k = 0; k < public->n; k++)
		add(ann, &public->v[k], port);
	if (getifaddrs(&list) < 0)
		return;
	for (i = list; i; i = i->ifa_next) {
		struct mg_addr a;

		if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK) ||
		    !strcmp(i->ifa_name, mesh_ifname))
			continue;
		memset(&a, 0, sizeof(a));
		if (i->ifa_addr->sa_family == AF_INET) {
			a.family = AF_INET;
			a.u.v4 = ((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			a.family = AF_INET6;
			a.u.v6 = ((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr;
		} else {
			continue;
		}
		if (usable(&a) && !in_mesh(own, &a))
			add(ann, &a, port);
	}
	freeifaddrs(list);
}

static bool same_endpoints(const struct announce *a, const struct announce *b)
{
	if (a->n_endpoints != b->n_endpoints)
		return false;
	for (int i = 0; i < a->n_endpoints; i++)
		if (!mg_addr_eq(&a->endpoints[i].addr, &b->endpoints[i].addr) ||
		    a->endpoints[i].port != b->endpoints[i].port)
			return false;
	return true;
}

void member_set_active(struct member *m, bool active)
{
	uint64_t now;

	if (!m || active == (m->active_since != 0))
		return;
	now = member_unix_now();
	m->active_since = active ? now : 0;
	log_info("mesh: announcing that this gateway %s its site's subnets", active ?
	         "now carries" : "no longer carries");
	member_announce(m, now, true);
}

void member_announce(struct member *m, uint64_t now, bool force)
{
	const struct mesh_node *self;
	uint8_t wire[ANNOUNCE_WIRE_MAX];
	struct announce ann;
	struct timespec ts;
	uint64_t seq;
	size_t len;
	int r;

	if (!force && now - m->ann_checked < MEMBER_ANNOUNCE_CHECK_S)
		return;
	m->ann_checked = now;
	memset(&ann, 0, sizeof(ann));
	member_local_endpoints(&ann, &m->public_addr, m->ifname, &m->id.rec, m->port);
	if (!force && same_endpoints(&ann, &m->ann) &&
	    now - m->ann_at < MEMBER_ANNOUNCE_EVERY_S)
		return;
	/* milliseconds since the epoch: above what an earlier run announced */
	clock_gettime(CLOCK_REALTIME, &ts);
	seq = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	self = mesh_store_find(m->store, m->id.rec.name);
	if (self && self->announce && seq <= self->announce_sequence)
		seq = self->announce_sequence + 1;
	if (seq <= m->ann_sequence)
		seq = m->ann_sequence + 1;
	ann.version = ANNOUNCE_VERSION;
	snprintf(ann.name, sizeof(ann.name), "%s", m->id.rec.name);
	ann.sequence = seq;
	ann.timestamp = now;
	r = 0;
	if (m->active_since) {
		uint8_t be[8];
		struct wcur c = wcur_init(be, sizeof(be));

		wcur_be64(&c, m->active_since);
		r = announce_opaque_add(&ann, ANNOUNCE_T_ACTIVE_SINCE, be, sizeof(be));
	}
	if (r == 0)
		r = announce_sign(&ann, m->id.node_secret);
	if (r == 0)
		r = announce_encode(&ann, wire, sizeof(wire), &len);
	if (r < 0) {
		log_err("mesh: cannot sign this node's announcement: %s", strerror(-r));
		return;
	}
	m->ann = ann;
	m->ann_sequence = seq;
	m->ann_at = now;
	member_publish(m, MESH_KIND_ANNOUNCE, wire, len);
}

/* Invitations answered on the WireGuard port: a JOIN_REQUEST is checked
 * against the invitation files, the joiner gets a record signed with the
 * network key and a free mesh address, and its record is flooded to the
 * mesh at once. Only nodes that hold the network key answer. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/loop.h"
#include "daemon/member_impl.h"
#include "keys/invites.h"
#include "vpn/io.h"
#include "vpn/mesh/alloc.h"
#include "vpn/mesh/join.h"

static int find(void *ctx, const uint8_t id[JOIN_ID_LEN], struct invite *inv)
{
	struct member *m = ctx;

	return invites_find_by_id(m->state_dir, id, inv);
}

/* Every mesh address a member holds, ours included. */
static struct mg_addr *addresses_in_use(struct member *m, size_t *n)
{
	size_t total = mesh_store_count(m->store), k = 0;
	struct mg_addr *v = calloc((total + 1) * RECORD_MESH_MAX, sizeof(*v));
	struct record rec;

	if (!v)
		return NULL;
	for (int j = 0; j < m->id.rec.n_mesh; j++)
		v[k++] = m->id.rec.mesh[j].addr;
	for (size_t i = 0; i < total; i++) {
		if (mesh_node_record(mesh_store_node_at(m->store, i), &rec) < 0)
			continue;
		for (int j = 0; j < rec.n_mesh; j++)
			v[k++] = rec.mesh[j].addr;
	}
	*n = k;
	return v;
}

/* A gateway joining a site the mesh knows gets the site's subnets and
 * domain unless its invitation said otherwise. */
static void site_defaults(struct member *m, struct record *rec)
{
	size_t total = mesh_store_count(m->store);
	struct record other;

	if (rec->role != RECORD_ROLE_GATEWAY || rec->n_subnets || rec->domain[0])
		return;
	for (size_t i = 0; i < total; i++) {
		if (mesh_node_record(mesh_store_node_at(m->store, i), &other) < 0 ||
		    other.role != RECORD_ROLE_GATEWAY || strcmp(other.site, rec->site))
			continue;
		rec->n_subnets = other.n_subnets;
		memcpy(rec->subnets, other.subnets, sizeof(rec->subnets));
		memcpy(rec->domain, other.domain, sizeof(rec->domain));
		return;
	}
}

static int issue(void *ctx, const struct invite *inv, const struct join_request *req,
                 uint64_t now, uint8_t *out, size_t *out_len)
{
	struct member *m = ctx;
	struct record rec;
	struct mg_addr *used;
	size_t n_used = 0;
	int r = 0;

	if (mesh_store_find(m->store, inv->tok.name))
		return -EEXIST;         /* invited, then made a member some other way */
	join_record_init(&rec, inv, req, now);
	site_defaults(m, &rec);
	used = addresses_in_use(m, &n_used);
	if (!used)
		return -ENOMEM;
	for (int i = 0; i < m->id.rec.n_mesh && r == 0; i++) {
		r = alloc_pick(&m->id.rec.mesh[i], req->wg_pub, 32, used, n_used,
		               &rec.mesh[rec.n_mesh]);
		if (r == 0)
			rec.n_mesh++;
	}
	free(used);
	if (r < 0)
		return r;
	r = record_sign(&rec, m->id.network_secret);
	if (r == 0)
		r = record_encode(&rec, out, RECORD_WIRE_MAX, out_len);
	return r;
}

static int mark_used(void *ctx, struct invite *inv, const struct join_request *req,
                     const uint8_t *rec, size_t rec_len, uint64_t now)
{
	struct member *m = ctx;
	int r = invites_mark_used(m->state_dir, inv, req->wg_pub, req->node_pub, rec, rec_len,
	                          now);

	if (r == 0) {
		memcpy(m->issued, rec, rec_len);
		m->issued_len = rec_len;
	}
	return r;
}

/* Bounded work for whoever sends requests: a burst per window. */
static bool join_allowed(struct member *m)
{
	uint64_t mono = loop_now(m->loop);

	if (mono - m->join_window > MEMBER_JOIN_WINDOW_NS) {
		m->join_window = mono;
		m->join_count = 0;
	}
	return m->join_count++ < MEMBER_JOIN_BURST;
}

static const char *from_str(const struct wg_endpoint *from, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (from->addr.sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &from->addr.in4.sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(from->addr.in4.sin_port));
	} else {
		inet_ntop(AF_INET6, &from->addr.in6.sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(from->addr.in6.sin6_port));
	}
	return buf;
}

void member_on_foreign(void *arg, const struct wg_endpoint *from, const uint8_t *buf,
                       size_t len)
{
	struct member *m = arg;
	const struct mesh_node *self = mesh_store_find(m->store, m->id.rec.name);
	struct join_inviter iv = {
		.ctx = m,
		.find = find,
		.issue = issue,
		.mark_used = mark_used,
		.network_pub = m->id.network_pub,
		.own_record = m->id.rec_wire,
		.own_record_len = m->id.rec_len,
		.own_announce = self ? self->announce : NULL,
		.own_announce_len = self && self->announce ? self->announce_len : 0,
		.network_name = m->network,
	};
	uint8_t out[JOIN_MSG_MAX];
	const char *reason = "";
	char who[INET6_ADDRSTRLEN + 10];
	size_t out_len = 0;
	int r;

	if (len == 0 || buf[0] != JOIN_T_REQUEST)
		return;
	if (!m->id.has_network_key) {
		if (log_ratelimit_ok(&m->rl, loop_now(m->loop)))
			log_notice("mesh: join request from %s, but only nodes holding the network "
			           "key answer invitations", from_str(from, who, sizeof(who)));
		return;
	}
	if (!join_allowed(m)) {
		m->joins_limited++;
		if (log_ratelimit_ok(&m->rl, loop_now(m->loop)))
			log_notice("mesh: join requests arrive faster than %u per %llu s: dropping "
			           "some (the joiners send again)", MEMBER_JOIN_BURST,
			           MEMBER_JOIN_WINDOW_NS / 1000000000ULL);
		return;
	}
	m->issued_len = 0;
	r = join_inviter_answer(&iv, buf, len, member_unix_now(), out, sizeof(out), &out_len,
	                        &reason);
	from_str(from, who, sizeof(who));
	if (r == 0)
		vpn_io_send_raw(m->io, from, out, out_len);
	if (m->issued_len) {
		struct record rec;

		m->joins_accepted++;
		if (record_decode(m->issued, m->issued_len, &rec) < 0)
			rec.name[0] = '\0';
		log_notice("mesh: %s joined from %s: %s", rec.name, who, reason);
		member_publish(m, MESH_KIND_RECORD, m->issued, m->issued_len);
	} else {
		m->joins_refused++;
		log_notice("mesh: join request from %s: %s", who, reason);
	}
}

/* Membership's life cycle: the identity, the store and its file, gossip
 * inside the WireGuard sessions, and the tick that drives them. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "core/loop.h"
#include "daemon/member_impl.h"
#include "daemon/vpn.h"
#include "lib/base64.h"
#include "vpn/io.h"
#include "vpn/mesh/join_client.h"
#include "vpn/mesh/store_file.h"

#define STORE_FILE "members"
#define BOOTSTRAP_FILE "bootstrap"

uint64_t member_unix_now(void)
{
	return (uint64_t)time(NULL);
}

static void own_public_key(const struct mg_conf *c, uint8_t pub[32], bool *ok)
{
	uint8_t priv[32];
	char line[128];
	FILE *f = fopen(c->mesh.private_key_file, "re");

	*ok = false;
	if (!f)
		return;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (base64_decode_exact(priv, sizeof(priv), line) == 0 &&
		    vpn_public_key(pub, priv) == 0)
			*ok = true;
	}
	fclose(f);
	sodium_memzero(priv, sizeof(priv));
	sodium_memzero(line, sizeof(line));
}

/* A site's resolver also answers on its mesh addresses: the other sites'
 * gateways forward its domain there (daemon/mesh_learn.h), and nobody
 * should have to look the address up to write it into [dns] listen. */
static void dns_on_mesh(struct mg_conf *c)
{
	struct cfg_addr_list *l = &c->dns.listen;

	if (!l->n)
		return;
	for (uint32_t i = 0; i < c->mesh.address.n && l->n < CFG_LIST_MAX; i++) {
		const struct mg_addr *a = &c->mesh.address.v[i].addr;
		bool have = false;

		for (uint32_t k = 0; k < l->n && !have; k++)
			have = mg_addr_eq(&l->v[k], a);
		if (!have)
			l->v[l->n++] = *a;
	}
}

void member_fill_conf(const struct member *m, struct mg_conf *c)
{
	if (!c->mesh.address.n) {
		for (int i = 0; i < m->id.rec.n_mesh && i < CFG_LIST_MAX; i++)
			c->mesh.address.v[i] = m->id.rec.mesh[i];
		c->mesh.address.n = m->id.rec.n_mesh;
	}
	dns_on_mesh(c);
}

int member_new(struct mg_conf *c, struct member **out)
{
	struct member *m;
	uint8_t wg_pub[32];
	char why[300];
	bool have_pub;
	int r;

	*out = NULL;
	if (!c->mesh.network[0])
		return 0;
	if (sodium_init() < 0)
		return -EIO;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	own_public_key(c, wg_pub, &have_pub);
	r = state_load(c->node.state_dir, have_pub ? wg_pub : NULL, member_unix_now(), &m->id,
	               why, sizeof(why));
	if (r < 0) {
		log_err("mesh %s: %s", c->mesh.network, why);
		free(m);
		return r;
	}
	if (strcmp(m->id.rec.name, c->node.name) != 0)
		log_warn("[node] name is %s but this node's record names it %s: the mesh knows "
		         "it as %s", c->node.name, m->id.rec.name, m->id.rec.name);
	snprintf(m->state_dir, sizeof(m->state_dir), "%s", c->node.state_dir);
	snprintf(m->network, sizeof(m->network), "%s", c->mesh.network);
	state_path(m->store_path, m->state_dir, STORE_FILE);
	m->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(10ULL * 1000000000ULL, 5);
	member_fill_conf(m, c);
	*out = m;
	return 0;
}

/* ---- the store's callbacks: note, act once settled ---- */

static void on_added(void *arg, const struct mesh_node *node, const struct record *rec)
{
	struct member *m = arg;

	if (!node->self)
		log_info("mesh: member %s joined (site %s)", node->name, rec->site[0] ? rec->site : "-");
	member_mark_dirty(m);
}

static void on_changed(void *arg, const struct mesh_node *node, const struct record *rec,
                       const struct record *old)
{
	struct member *m = arg;

	log_info("mesh: member %s has a new record (sequence %llu, was %llu)", node->name,
	         (unsigned long long)rec->sequence, (unsigned long long)old->sequence);
	member_mark_dirty(m);
}

static void on_removed(void *arg, const struct mesh_node *node, enum mesh_removal why)
{
	struct member *m = arg;

	log_notice("mesh: member %s removed: %s", node->name, mesh_removal_name(why));
	member_mark_dirty(m);
}

static void on_announce(void *arg, const struct mesh_node *node, const struct announce *ann)
{
	struct member *m = arg;

	(void)node;
	(void)ann;
	member_mark_dirty(m);
}

static const struct mesh_store_ops store_ops = {
	.node_added = on_added,
	.node_changed = on_changed,
	.node_removed = on_removed,
	.announce_changed = on_announce,
};

void member_mark_dirty(struct member *m)
{
	m->dirty = true;
	member_schedule_save(m);
}

void member_schedule_save(struct member *m)
{
	if (m->save && !loop_timer_armed(m->save))
		loop_timer_arm_in(m->save, MEMBER_SAVE_DELAY_NS);
}

static void save_now(struct member *m)
{
	int r = mesh_store_save(m->store, m->store_path);

	if (r < 0)
		log_err("mesh: cannot save the members to %s: %s", m->store_path, strerror(-r));
}

static void on_save(struct loop *loop, struct loop_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	save_now(arg);
}

/* Our own record as the store has it: a key holder may have renewed it,
 * and the renewal is kept for the next start. */
static void own_record_sync(struct member *m)
{
	const struct mesh_node *self = mesh_store_find(m->store, m->id.rec.name);
	struct record rec;
	int r;

	if (!self) {
		if (!m->revoked_said)
			log_err("mesh: this node (%s) is no member any more: its record was "
			        "revoked or has expired", m->id.rec.name);
		m->revoked_said = true;
		return;
	}
	if (self->record_len == m->id.rec_len &&
	    memcmp(self->record, m->id.rec_wire, self->record_len) == 0)
		return;
	if (mesh_node_record(self, &rec) < 0)
		return;
	memcpy(m->id.rec_wire, self->record, self->record_len);
	m->id.rec_len = self->record_len;
	m->id.rec = rec;
	r = state_write_record(m->state_dir, m->id.rec_wire, m->id.rec_len);
	if (r < 0)
		log_err("mesh: cannot store this node's renewed record: %s", strerror(-r));
	else
		log_notice("mesh: this node's record was renewed until %llu",
		           (unsigned long long)rec.expires_at);
}

void member_settle(struct member *m)
{
	if (!m->dirty)
		return;
	m->dirty = false;
	own_record_sync(m);
	member_peers_sync(m);
	if (m->routes_changed)
		m->routes_changed(m->routes_arg);
}

enum mesh_verdict member_publish(struct member *m, uint8_t kind, const uint8_t *bytes,
                                 size_t len)
{
	enum mesh_verdict v = gossip_publish(m->gossip, kind, bytes, len, member_unix_now());

	member_settle(m);
	return v;
}

/* ---- gossip over the sessions ---- */

static void gossip_send(void *arg, void *peer, const uint8_t *frame, size_t len)
{
	uint8_t buf[WG_TX_HEADROOM + MESH_FRAME_MAX + WG_TX_TAILROOM];
	struct member *m = arg;
	struct mpeer *mp = peer;

	if (!mp->p || len > MESH_FRAME_MAX)
		return;
	memcpy(buf + WG_TX_HEADROOM, frame, len);
	wg_peer_tx(mp->p, buf, len, loop_now(m->loop));
}

static const struct gossip_ops gossip_ops = {
	.send = gossip_send,
};

static void on_control(void *arg, struct wg_peer *peer, const uint8_t *msg, size_t len)
{
	struct member *m = arg;
	struct mpeer *mp;

	if (!mesh_frame_is_control(msg, len))
		return;
	mp = member_peer_by_wg(m, peer);
	if (!mp)
		return;        /* a [peer] that is no member: it has nothing to tell */
	gossip_receive(m->gossip, mp, msg, len, member_unix_now());
	member_settle(m);
}

static void on_tick(struct loop *loop, struct loop_timer *t, void *arg)
{
	struct member *m = arg;
	uint64_t now = member_unix_now();

	gossip_tick(m->gossip, now);
	member_settle(m);
	member_announce(m, now, false);
	member_peers_tick(m, loop_now(loop), now);
	loop_timer_arm_in(t, MEMBER_TICK_NS);
}

/* What the last run knew, then what the inviter handed over at join. */
static void load_known(struct member *m, uint64_t now)
{
	uint8_t rec[RECORD_WIRE_MAX], ann[ANNOUNCE_WIRE_MAX];
	struct mesh_file_stats st = { 0 };
	char path[STATE_PATH_MAX];
	size_t rec_len, ann_len;
	int r;

	r = mesh_store_load(m->store, m->store_path, now, &st);
	if (r < 0 && r != -ENOENT)
		log_err("mesh: %s unreadable (%s): starting from this node's record and the "
		        "bootstrap", m->store_path, strerror(-r));
	/* a store that holds a newer copy of ours keeps it */
	mesh_store_offer(m->store, MESH_KIND_RECORD, m->id.rec_wire, m->id.rec_len, now);
	if (state_path(path, m->state_dir, BOOTSTRAP_FILE) == 0 &&
	    join_bootstrap_read(path, rec, &rec_len, ann, &ann_len) == 0) {
		mesh_store_offer(m->store, MESH_KIND_RECORD, rec, rec_len, now);
		if (ann_len)
			mesh_store_offer(m->store, MESH_KIND_ANNOUNCE, ann, ann_len, now);
	}
	log_notice("mesh %s: %zu member%s known, %zu revocation%s", m->network,
	           mesh_store_count(m->store), mesh_store_count(m->store) == 1 ? "" : "s",
	           mesh_store_revocation_count(m->store),
	           mesh_store_revocation_count(m->store) == 1 ? "" : "s");
}

int member_start(struct member *m, struct loop *loop, struct vpn *v, struct control *ctl,
                 const struct mg_conf *c, void (*routes_changed)(void *arg), void *arg)
{
	struct vpn_io_hooks hooks = {
		.control = on_control,
		.foreign = member_on_foreign,
		.arg = m,
	};
	uint64_t now = member_unix_now();
	int r;

	m->loop = loop;
	m->v = v;
	m->io = vpn_get_io(v);
	m->routes_changed = routes_changed;
	m->routes_arg = arg;
	m->port = (uint16_t)c->mesh.listen_port;
	m->public_addr = c->mesh.public_address;
	snprintf(m->ifname, sizeof(m->ifname), "%s", c->mesh.interface);
	m->store = mesh_store_new(m->id.network_pub, m->id.rec.name, &store_ops, m);
	if (!m->store)
		return -errno;
	m->gossip = gossip_new(m->store, &gossip_ops, m, NULL);
	if (!m->gossip)
		return -ENOMEM;
	if ((r = loop_timer_new(loop, on_tick, m, &m->tick)) < 0 ||
	    (r = loop_timer_new(loop, on_save, m, &m->save)) < 0)
		return r;
	load_known(m, now);
	vpn_io_set_hooks(m->io, &hooks);
	m->dirty = true;
	member_settle(m);
	member_announce(m, now, true);
	r = member_register_commands(m, ctl);
	if (r < 0)
		return r;
	loop_timer_arm_in(m->tick, MEMBER_TICK_NS);
	if (m->id.has_network_key)
		log_notice("mesh %s: this node holds the network key and answers invitations",
		           m->network);
	return 0;
}

void member_reload(struct member *m, const struct mg_conf *c)
{
	m->public_addr = c->mesh.public_address;
	m->dirty = true;
	member_settle(m);
	member_announce(m, member_unix_now(), false);
}

void member_free(struct member *m)
{
	if (!m)
		return;
	if (m->io)
		vpn_io_set_hooks(m->io, NULL);
	if (m->store)
		save_now(m);
	if (m->tick)
		loop_timer_free(m->tick);
	if (m->save)
		loop_timer_free(m->save);
	member_peers_free(m);
	gossip_free(m->gossip);
	mesh_store_free(m->store);
	state_identity_wipe(&m->id);
	free(m);
}

int member_records(const struct member *m, struct record **out, size_t *n)
{
	size_t total = mesh_store_count(m->store);
	struct record *recs = calloc(total ? total : 1, sizeof(*recs));

	*out = recs;
	*n = 0;
	if (!recs)
		return -ENOMEM;
	for (size_t i = 0; i < total; i++) {
		const struct mesh_node *node = mesh_store_node_at(m->store, i);

		if (!node->self && mesh_node_record(node, &recs[*n]) == 0)
			(*n)++;
	}
	return 0;
}

void member_status_line(const struct member *m, char *buf, size_t len)
{
	const struct mesh_node *self = mesh_store_find(m->store, m->id.rec.name);
	uint64_t now = member_unix_now();
	size_t total = mesh_store_count(m->store), soon = 0;
	int n;

	if (!self) {
		snprintf(buf, len, "network %s: this node is not a member (revoked or expired)",
		         m->network);
		return;
	}
	for (size_t i = 0; i < total; i++)
		if (mesh_store_node_at(m->store, i)->expires_at <= now + RECORD_RENEW_WINDOW)
			soon++;
	n = snprintf(buf, len, "network %s, %zu member%s", m->network, total,
	             total == 1 ? "" : "s");
	if (n < 0 || (size_t)n >= len)
		return;
	if (self->expires_at <= now + RECORD_RENEW_WINDOW)
		snprintf(buf + n, len - (size_t)n, "; WARNING: this node's record expires in "
		         "%llu days: run meshgate renew on a key holder",
		         (unsigned long long)(self->expires_at > now ?
		                              (self->expires_at - now) / 86400 : 0));
	else if (soon)
		snprintf(buf + n, len - (size_t)n, "; WARNING: %zu record%s expire%s within a "
		         "month: run meshgate renew on a key holder", soon, soon == 1 ? "" : "s",
		         soon == 1 ? "s" : "");
}

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "keys/wire.h"
#include "vpn/mesh/gossip.h"

struct gossip_peer {
	void *h;
	bool synced;                 /* its last HASH matched ours */
	bool streaming;              /* SUMMARY chunks left to send it */
	bool from_start;
	struct mesh_key after;       /* where the next chunk starts */
	unsigned budget;             /* frames left this tick */
	unsigned chunks;             /* chunks sent this tick */
};

/* Peers sorted by handle; pointers to them live only within one call. */
struct gossip {
	struct mesh_store *store;
	struct gossip_ops ops;
	void *arg;
	struct gossip_conf conf;
	struct gossip_peer *peers;
	size_t n, cap;
	size_t rr;                   /* where the next out-of-sync HASH round starts */
	bool have_root;
	uint8_t root[MESH_ROOT_LEN]; /* at the last tick */
	struct gossip_peer *push_to; /* during mesh_store_compare */
	struct gossip_stats stats;
	uint8_t tx[MESH_FRAME_MAX];
	struct mesh_frame in, out;
};

struct gossip *gossip_new(struct mesh_store *store, const struct gossip_ops *ops, void *arg,
                          const struct gossip_conf *conf)
{
	struct gossip *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->store = store;
	g->ops = *ops;
	g->arg = arg;
	if (conf)
		g->conf = *conf;
	if (!g->conf.peer_budget)
		g->conf.peer_budget = GOSSIP_PEER_BUDGET;
	if (!g->conf.summary_per_tick)
		g->conf.summary_per_tick = GOSSIP_SUMMARY_PER_TICK;
	if (!g->conf.hash_per_tick)
		g->conf.hash_per_tick = GOSSIP_HASH_PER_TICK;
	return g;
}

void gossip_free(struct gossip *g)
{
	if (!g)
		return;
	free(g->peers);
	free(g);
}

/* ---- peers ---- */

static size_t peer_lower(const struct gossip *g, void *h)
{
	size_t lo = 0, hi = g->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((uintptr_t)g->peers[mid].h < (uintptr_t)h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct gossip_peer *peer_find(struct gossip *g, void *h)
{
	size_t i = peer_lower(g, h);

	return i < g->n && g->peers[i].h == h ? &g->peers[i] : NULL;
}

int gossip_peer_add(struct gossip *g, void *h)
{
	size_t i = peer_lower(g, h);

	if (i < g->n && g->peers[i].h == h)
		return -EEXIST;
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 8;
		struct gossip_peer *p = realloc(g->peers, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		g->peers = p;
		g->cap = cap;
	}
	memmove(&g->peers[i + 1], &g->peers[i], (g->n - i) * sizeof(g->peers[0]));
	memset(&g->peers[i], 0, sizeof(g->peers[i]));
	g->peers[i].h = h;
	g->peers[i].budget = g->conf.peer_budget;
	g->n++;
	return 0;
}

int gossip_peer_remove(struct gossip *g, void *h)
{
	size_t i = peer_lower(g, h);

	if (i == g->n || g->peers[i].h != h)
		return -ENOENT;
	memmove(&g->peers[i], &g->peers[i + 1], (g->n - i - 1) * sizeof(g->peers[0]));
	g->n--;
	return 0;
}

size_t gossip_peer_count(const struct gossip *g)
{
	return g->n;
}

/* ---- sending ---- */

/* Sends the len bytes in g->tx to p if its budget allows. */
static bool send_tx(struct gossip *g, struct gossip_peer *p, size_t len)
{
	if (p->budget == 0) {
		g->stats.tx_over_budget++;
		return false;
	}
	p->budget--;
	g->stats.tx[g->tx[1]]++;
	g->ops.send(g->arg, p->h, g->tx, len);
	return true;
}

static bool send_frame(struct gossip *g, struct gossip_peer *p, const struct mesh_frame *f)
{
	size_t len;

	if (p->budget == 0) {
		g->stats.tx_over_budget++;
		return false;
	}
	/* frames built here follow the rules, so encoding cannot fail */
	if (mesh_frame_encode(f, g->tx, sizeof(g->tx), &len) < 0)
		return false;
	return send_tx(g, p, len);
}

static void send_hash(struct gossip *g, struct gossip_peer *p)
{
	g->out.type = MESH_FRAME_HASH;
	mesh_store_root(g->store, g->out.u.hash.root, &g->out.u.hash.count);
	send_frame(g, p, &g->out);
}

/* Sends every object held under key to p; false once its budget is gone. */
static bool send_objects(struct gossip *g, struct gossip_peer *p, const struct mesh_key *key)
{
	const uint8_t *obj;
	size_t olen, len;

	for (size_t i = 0; mesh_store_get(g->store, key, i, &obj, &olen) == 0; i++) {
		if (mesh_frame_object(key->kind, obj, olen, g->tx, sizeof(g->tx), &len) < 0)
			continue;
		if (!send_tx(g, p, len))
			return false;
	}
	return true;
}

/* Continues p's summary within this tick's allowance. */
static void stream(struct gossip *g, struct gossip_peer *p)
{
	struct mesh_summary *s = &g->out.u.summary;

	while (p->streaming && p->chunks < g->conf.summary_per_tick && p->budget > 0) {
		g->out.type = MESH_FRAME_SUMMARY;
		mesh_store_summary_chunk(g->store, p->from_start ? NULL : &p->after, s);
		if (!send_frame(g, p, &g->out))
			return;
		p->chunks++;
		if (s->flags & MESH_SUMMARY_TO_END) {
			p->streaming = false;
		} else {
			p->from_start = false;
			p->after = s->e[s->n - 1].key;
		}
	}
}

/* Sends the object (already encoded in g->tx) to every peer but from. */
static void flood(struct gossip *g, const struct gossip_peer *from, size_t len)
{
	for (size_t i = 0; i < g->n; i++)
		if (&g->peers[i] != from)
			send_tx(g, &g->peers[i], len);
}

/* ---- receiving ---- */

static void on_hash(struct gossip *g, struct gossip_peer *p)
{
	uint8_t root[MESH_ROOT_LEN];
	uint32_t count;

	mesh_store_root(g->store, root, &count);
	if (memcmp(root, g->in.u.hash.root, sizeof(root)) == 0 && count == g->in.u.hash.count) {
		p->streaming = false;
		if (!p->synced) {
			p->synced = true;
			send_hash(g, p);
		}
		return;
	}
	p->synced = false;
	if (!p->streaming) {
		p->streaming = true;
		p->from_start = true;
	}
	stream(g, p);
}

static bool push_cb(void *arg, const struct mesh_key *key)
{
	struct gossip *g = arg;

	/* keep a frame for the WANT, which brings what we lack */
	if (g->push_to->budget <= 1)
		return false;
	return send_objects(g, g->push_to, key);
}

static void on_summary(struct gossip *g, struct gossip_peer *p)
{
	g->push_to = p;
	g->out.type = MESH_FRAME_WANT;
	mesh_store_compare(g->store, &g->in.u.summary, &g->out.u.want, push_cb, g);
	if (g->out.u.want.n)
		send_frame(g, p, &g->out);
}

static void on_want(struct gossip *g, struct gossip_peer *p)
{
	const struct mesh_want *w = &g->in.u.want;

	for (size_t i = 0; i < w->n; i++)
		if (!send_objects(g, p, &w->keys[i]))
			return;
}

/* The name field (type 3) every signed object has. */
static int object_key(uint8_t kind, const uint8_t *p, size_t len, struct mesh_key *key)
{
	struct tlv_in in = tlv_in_init(p, len);
	struct rcur v;
	uint8_t type;

	key->kind = kind;
	while (tlv_next(&in, &type, &v) > 0)
		if (type == RECORD_T_NAME)
			return tlv_get_label(&v, key->name);
	return -EINVAL;
}

static void on_object(struct gossip *g, struct gossip_peer *p, uint64_t now)
{
	uint8_t kind = g->in.u.object.kind;
	const uint8_t *obj = g->in.u.object.bytes;
	size_t olen = g->in.u.object.len, len;
	enum mesh_verdict v = mesh_store_offer(g->store, kind, obj, olen, now);
	struct mesh_key key;

	g->stats.verdicts[v]++;
	if (mesh_verdict_accepted(v)) {
		if (mesh_frame_object(kind, obj, olen, g->tx, sizeof(g->tx), &len) == 0)
			flood(g, p, len);
	} else if (v == MESH_STALE && object_key(kind, obj, olen, &key) == 0) {
		send_objects(g, p, &key);    /* it has an old one: give it ours */
	}
}

int gossip_receive(struct gossip *g, void *peer, const uint8_t *buf, size_t len, uint64_t now)
{
	struct gossip_peer *p = peer_find(g, peer);

	if (!p) {
		g->stats.rx_unknown_peer++;
		return -ENOENT;
	}
	if (mesh_frame_decode(buf, len, &g->in) < 0) {
		g->stats.rx_malformed++;
		return -EINVAL;
	}
	g->stats.rx[g->in.type]++;
	switch (g->in.type) {
	case MESH_FRAME_HASH:
		on_hash(g, p);
		break;
	case MESH_FRAME_SUMMARY:
		on_summary(g, p);
		break;
	case MESH_FRAME_WANT:
		on_want(g, p);
		break;
	case MESH_FRAME_OBJECT:
		on_object(g, p, now);
		break;
	}
	return 0;
}

/* ---- local events ---- */

void gossip_peer_up(struct gossip *g, void *peer)
{
	struct gossip_peer *p = peer_find(g, peer);

	if (!p)
		return;
	p->synced = false;
	send_hash(g, p);
}

enum mesh_verdict gossip_publish(struct gossip *g, uint8_t kind, const uint8_t *bytes,
                                 size_t len, uint64_t now)
{
	enum mesh_verdict v = mesh_store_offer(g->store, kind, bytes, len, now);
	size_t flen;

	g->stats.verdicts[v]++;
	if (mesh_verdict_accepted(v) &&
	    mesh_frame_object(kind, bytes, len, g->tx, sizeof(g->tx), &flen) == 0)
		flood(g, NULL, flen);
	return v;
}

static uint32_t rnd(struct gossip *g)
{
	return g->ops.rand ? g->ops.rand(g->arg) : randombytes_random();
}

void gossip_tick(struct gossip *g, uint64_t now)
{
	uint8_t root[MESH_ROOT_LEN];
	uint32_t count;
	size_t pick, sent = 0, k;

	mesh_store_expire(g->store, now);
	mesh_store_root(g->store, root, &count);
	/* what we hold changed: nobody is known to be in sync any more */
	if (!g->have_root || memcmp(root, g->root, sizeof(root)) != 0) {
		for (size_t i = 0; i < g->n; i++)
			g->peers[i].synced = false;
		memcpy(g->root, root, sizeof(root));
		g->have_root = true;
	}
	for (size_t i = 0; i < g->n; i++) {
		g->peers[i].budget = g->conf.peer_budget;
		g->peers[i].chunks = 0;
		stream(g, &g->peers[i]);
	}
	if (g->n == 0)
		return;
	pick = rnd(g) % g->n;
	send_hash(g, &g->peers[pick]);
	/* round robin, so a cap below the number out of sync reaches them all */
	for (k = 0; k < g->n && sent < g->conf.hash_per_tick; k++) {
		size_t i = (g->rr + k) % g->n;

		if (i == pick || g->peers[i].synced)
			continue;
		send_hash(g, &g->peers[i]);
		sent++;
	}
	g->rr = (g->rr + k) % g->n;
}

const struct gossip_stats *gossip_stats(const struct gossip *g)
{
	return &g->stats;
}

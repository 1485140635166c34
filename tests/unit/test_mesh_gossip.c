/* vpn/mesh/gossip: 6 to 20 nodes over a fake transport (frames padded to
 * 16 bytes as WireGuard sends them) in a line, a ring and a random graph,
 * each starting with another subset of records, revocations and
 * announcements: after enough ticks every store equals a reference store
 * given every object. Then a partition that heals, a revoked record
 * arriving after its revocation, a replayed old record, a tampered
 * record, flooding without ticks, and the per-peer budget. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "keys/announce.h"
#include "keys/netkey.h"
#include "keys/record.h"
#include "keys/revocation.h"
#include "vpn/mesh/gossip.h"
#include "vpn/mesh/store.h"
#include "testutil.h"

#define NOW 1700000000ULL
#define DAY 86400ULL
#define MAXN 20
#define MAX_ROUNDS 100

static uint8_t net_pub[NETKEY_PUB_LEN], net_sec[NETKEY_SECRET_LEN];

struct obj {
	uint8_t kind;
	size_t len;
	uint8_t b[WIRE_OBJECT_MAX];
};

/* ---- signed objects ---- */

static void node_keys(const char *name, uint8_t pub[NETKEY_PUB_LEN], uint8_t sec[NETKEY_SECRET_LEN])
{
	uint8_t seed[NETKEY_SEED_LEN];

	crypto_generichash(seed, sizeof(seed), (const uint8_t *)name, strlen(name), NULL, 0);
	netkey_from_seed(pub, sec, seed);
}

static void rec_at(struct obj *o, const char *name, uint64_t seq, uint8_t wg, uint64_t issued)
{
	uint8_t sec[NETKEY_SECRET_LEN];
	struct record r;

	memset(&r, 0, sizeof(r));
	strcpy(r.name, name);
	r.role = RECORD_ROLE_CLIENT;
	memset(r.wg_key, wg, sizeof(r.wg_key));
	node_keys(name, r.node_key, sec);
	r.n_mesh = 1;
	assert_int_equal(mg_prefix_parse("10.77.1.2/16", true, &r.mesh[0]), 0);
	r.sequence = seq;
	r.issued_at = issued;
	r.expires_at = NOW + 365 * DAY;
	assert_int_equal(record_sign(&r, net_sec), 0);
	o->kind = MESH_KIND_RECORD;
	assert_int_equal(record_encode(&r, o->b, sizeof(o->b), &o->len), 0);
}

static void rec(struct obj *o, const char *name, uint64_t seq, uint8_t wg)
{
	rec_at(o, name, seq, wg, NOW - DAY);
}

static void rev(struct obj *o, const char *name, uint8_t wg, uint64_t last_seq)
{
	struct revocation v;

	memset(&v, 0, sizeof(v));
	strcpy(v.name, name);
	memset(v.wg_key, wg, sizeof(v.wg_key));
	v.last_sequence = last_seq;
	v.issued_at = NOW;
	assert_int_equal(revocation_sign(&v, net_sec), 0);
	o->kind = MESH_KIND_REVOCATION;
	assert_int_equal(revocation_encode(&v, o->b, sizeof(o->b), &o->len), 0);
}

static void ann(struct obj *o, const char *name, uint64_t seq)
{
	uint8_t pub[NETKEY_PUB_LEN], sec[NETKEY_SECRET_LEN];
	struct announce a;

	memset(&a, 0, sizeof(a));
	strcpy(a.name, name);
	a.sequence = seq;
	a.timestamp = NOW;
	a.n_endpoints = 1;
	assert_int_equal(mg_addr_parse("192.0.2.1", &a.endpoints[0].addr), 0);
	a.endpoints[0].port = (uint16_t)(1000 + seq);
	node_keys(name, pub, sec);
	assert_int_equal(announce_sign(&a, sec), 0);
	o->kind = MESH_KIND_ANNOUNCE;
	assert_int_equal(announce_encode(&a, o->b, sizeof(o->b), &o->len), 0);
}

/* Every version of every member the tests gossip. */
#define UNIVERSE 128
static struct obj uni[UNIVERSE];
static size_t n_uni;

static void make_universe(void)
{
	char name[16];

	n_uni = 0;
	for (unsigned i = 0; i < 24; i++) {
		snprintf(name, sizeof(name), "n%02u", i);
		for (unsigned seq = 1; seq <= 1 + i % 3; seq++) {
			/* some members move to a new WireGuard key in version 2 */
			uint8_t wg = (uint8_t)(i % 5 == 0 && seq >= 2 ? 0x80 + i : 0x10 + i);

			rec(&uni[n_uni++], name, seq, wg);
		}
		if (i % 2 == 0) {
			ann(&uni[n_uni++], name, 1);
			ann(&uni[n_uni++], name, 2);
		}
	}
	rev(&uni[n_uni++], "n03", 0x13, 9);          /* all of n03 */
	rev(&uni[n_uni++], "n07", 0x99, 1);          /* n07 version 1 only */
	rev(&uni[n_uni++], "old-n10", 0x1a, 0);      /* n10's first key, burnt */
	rev(&uni[n_uni++], "n07", 0x98, 1);          /* two revocations of one name */
	/* n01's key under another name, issued earlier: it loses everywhere */
	rec_at(&uni[n_uni++], "dup", 1, 0x11, NOW - 2 * DAY);
	assert_true(n_uni <= UNIVERSE);
}

/* ---- the fake network ---- */

struct node {
	struct mesh_store *s;
	struct gossip *g;
	int id;
};

struct msg {
	struct msg *next;
	int from, to;
	size_t len;
	uint8_t b[];
};

static struct node nodes[MAXN];
static int nn;
static bool linked[MAXN][MAXN];      /* a session exists */
static bool cut[MAXN][MAXN];         /* frames on it are lost */
static struct msg *q_head, **q_tail = &q_head;
static uint64_t sent_by_type[MESH_FRAME_TYPES], delivered;
static unsigned loss_pct;            /* frames lost at random */

static void fake_send(void *arg, void *peer, const uint8_t *frame, size_t len)
{
	struct node *from = arg, *to = peer;
	/* WireGuard pads the plaintext to a multiple of 16 with zeros */
	size_t padded = (len + 15) / 16 * 16;
	struct msg *m;

	assert_true(len >= 4 && len <= MESH_FRAME_MAX);
	sent_by_type[frame[1] < MESH_FRAME_TYPES ? frame[1] : 0]++;
	if (cut[from->id][to->id] || (loss_pct && rnd() % 100 < loss_pct))
		return;
	m = calloc(1, sizeof(*m) + padded);
	assert_non_null(m);
	m->from = from->id;
	m->to = to->id;
	m->len = padded;
	memcpy(m->b, frame, len);
	*q_tail = m;
	q_tail = &m->next;
}

static uint32_t fake_rand(void *arg)
{
	(void)arg;
	return (uint32_t)rnd();
}

static const struct gossip_ops gops = { .send = fake_send, .rand = fake_rand };

/* Delivers until nothing is in flight; how many frames. */
static size_t deliver(uint64_t now)
{
	size_t n = 0;
	struct msg *m;

	while ((m = q_head)) {
		q_head = m->next;
		if (!q_head)
			q_tail = &q_head;
		if (!cut[m->from][m->to])
			assert_int_equal(gossip_receive(nodes[m->to].g, &nodes[m->from], m->b, m->len,
			                                now), 0);
		free(m);
		n++;
		assert_true(n < 10000000);
	}
	delivered += n;
	return n;
}

static void net_new(int n, const struct gossip_conf *conf)
{
	memset(linked, 0, sizeof(linked));
	memset(cut, 0, sizeof(cut));
	memset(sent_by_type, 0, sizeof(sent_by_type));
	delivered = 0;
	loss_pct = 0;
	nn = n;
	for (int i = 0; i < n; i++) {
		char self[16];

		snprintf(self, sizeof(self), "n%02d", i);
		nodes[i].id = i;
		nodes[i].s = mesh_store_new(net_pub, self, NULL, NULL);
		assert_non_null(nodes[i].s);
		nodes[i].g = gossip_new(nodes[i].s, &gops, &nodes[i], conf);
		assert_non_null(nodes[i].g);
	}
}

static void net_free(void)
{
	deliver(NOW);
	for (int i = 0; i < nn; i++) {
		gossip_free(nodes[i].g);
		mesh_store_free(nodes[i].s);
	}
	nn = 0;
}

static void link_nodes(int a, int b)
{
	if (a == b || linked[a][b])
		return;
	linked[a][b] = linked[b][a] = true;
	assert_int_equal(gossip_peer_add(nodes[a].g, &nodes[b]), 0);
	assert_int_equal(gossip_peer_add(nodes[b].g, &nodes[a]), 0);
}

static void line(void)
{
	for (int i = 0; i + 1 < nn; i++)
		link_nodes(i, i + 1);
}

static void ring(void)
{
	line();
	link_nodes(nn - 1, 0);
}

/* A random tree (so connected) and a few more edges. */
static void random_graph(int extra)
{
	for (int i = 1; i < nn; i++)
		link_nodes(i, (int)(rnd() % (uint64_t)i));
	for (int k = 0; k < extra; k++)
		link_nodes((int)(rnd() % (uint64_t)nn), (int)(rnd() % (uint64_t)nn));
}

static void all_up(void)
{
	for (int i = 0; i < nn; i++)
		for (int j = 0; j < nn; j++)
			if (linked[i][j])
				gossip_peer_up(nodes[i].g, &nodes[j]);
}

static void offer_twice(struct mesh_store *s, const struct obj *o, size_t n)
{
	/* announcements that came before their records take on the second pass */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++)
			mesh_store_offer(s, o[i].kind, o[i].b, o[i].len, NOW);
}

/* Gives each node its own random quarter of the universe, and every
 * object to at least one node that can take it: records first, then
 * revocations, then announcements (to a node that has the record). */
static void scatter(void)
{
	static const uint8_t order[] = { MESH_KIND_RECORD, MESH_KIND_REVOCATION,
	                                 MESH_KIND_ANNOUNCE };

	for (size_t o = 0; o < sizeof(order); o++) {
		for (size_t i = 0; i < n_uni; i++) {
			const struct obj *x = &uni[i];
			int k;

			if (x->kind != order[o])
				continue;
			for (k = 0; k < nn; k++)
				if (rnd() % 4 == 0)
					mesh_store_offer(nodes[k].s, x->kind, x->b, x->len, NOW);
			k = (int)(rnd() % (uint64_t)nn);
			for (int tries = 0; tries < nn; tries++, k = (k + 1) % nn) {
				struct mesh_key key = { .kind = MESH_KIND_RECORD };
				struct announce a;

				if (x->kind != MESH_KIND_ANNOUNCE)
					break;
				assert_int_equal(announce_decode(x->b, x->len, &a), 0);
				strcpy(key.name, a.name);
				if (mesh_store_find(nodes[k].s, key.name))
					break;
			}
			mesh_store_offer(nodes[k].s, x->kind, x->b, x->len, NOW);
		}
	}
}

static bool same_root(int a, int b)
{
	uint8_t ra[MESH_ROOT_LEN], rb[MESH_ROOT_LEN];
	uint32_t ca, cb;

	mesh_store_root(nodes[a].s, ra, &ca);
	mesh_store_root(nodes[b].s, rb, &cb);
	return ca == cb && memcmp(ra, rb, sizeof(ra)) == 0;
}

static bool converged(const int *set, int n)
{
	for (int i = 1; i < n; i++)
		if (!same_root(set[0], set[i]))
			return false;
	return true;
}

static int everyone[MAXN];

static const int *all_nodes(void)
{
	for (int i = 0; i < MAXN; i++)
		everyone[i] = i;
	return everyone;
}

/* Ticks and delivers until the set agrees: the rounds it took, or -1. */
static int run_until(const int *set, int n, uint64_t now)
{
	deliver(now);
	for (int round = 0; round < MAX_ROUNDS; round++) {
		if (converged(set, n))
			return round;
		for (int i = 0; i < nn; i++) {
			gossip_tick(nodes[i].g, now);
			deliver(now);
		}
	}
	return converged(set, n) ? MAX_ROUNDS : -1;
}

/* Every store holds exactly what the reference holds. */
static void assert_equal_stores(struct mesh_store *a, struct mesh_store *b)
{
	uint8_t ra[MESH_ROOT_LEN], rb[MESH_ROOT_LEN];
	uint32_t ca, cb;

	mesh_store_root(a, ra, &ca);
	mesh_store_root(b, rb, &cb);
	assert_int_equal(ca, cb);
	assert_memory_equal(ra, rb, sizeof(ra));
	assert_int_equal(mesh_store_count(a), mesh_store_count(b));
	assert_int_equal(mesh_store_revocation_count(a), mesh_store_revocation_count(b));
	for (size_t i = 0; i < mesh_store_count(a); i++) {
		const struct mesh_node *x = mesh_store_node_at(a, i), *y = mesh_store_node_at(b, i);

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->record_len, y->record_len);
		assert_memory_equal(x->record, y->record, x->record_len);
		assert_int_equal(x->announce_len, y->announce_len);
		if (x->announce)
			assert_memory_equal(x->announce, y->announce, x->announce_len);
	}
	for (size_t i = 0; i < mesh_store_revocation_count(a); i++) {
		const struct mesh_revocation *x = mesh_store_revocation_at(a, i);
		const struct mesh_revocation *y = mesh_store_revocation_at(b, i);

		assert_int_equal(x->len, y->len);
		assert_memory_equal(x->bytes, y->bytes, x->len);
	}
}

static struct mesh_store *reference(void)
{
	struct mesh_store *r = mesh_store_new(net_pub, "reference", NULL, NULL);

	assert_non_null(r);
	offer_twice(r, uni, n_uni);
	return r;
}

static int setup(void **state)
{
	uint8_t seed[NETKEY_SEED_LEN];

	(void)state;
	if (sodium_init() < 0)
		return -1;
	memset(seed, 0x42, sizeof(seed));
	netkey_from_seed(net_pub, net_sec, seed);
	make_universe();
	return 0;
}

/* ---- convergence ---- */

/* shape: line, ring or random; up: sessions announced (else ticks alone
 * find out); loss: percent of frames lost. */
static void converge(const char *shape, int n, bool up, unsigned loss)
{
	struct mesh_store *want = reference();
	int rounds;

	net_new(n, NULL);
	loss_pct = loss;
	if (strcmp(shape, "line") == 0)
		line();
	else if (strcmp(shape, "ring") == 0)
		ring();
	else
		random_graph(n / 2);
	scatter();
	assert_false(converged(all_nodes(), nn));
	if (up)
		all_up();
	rounds = run_until(all_nodes(), nn, NOW);
	assert_true(rounds >= 0);
	loss_pct = 0;
	for (int i = 0; i < nn; i++)
		assert_equal_stores(nodes[i].s, want);
	/* what the universe says survives */
	assert_null(mesh_store_find(want, "n03"));
	assert_null(mesh_store_find(want, "dup"));
	assert_int_equal(mesh_store_find(want, "n07")->sequence, 2);
	assert_int_equal(mesh_store_find(want, "n10")->wg_key[0], 0x8a);
	assert_int_equal(mesh_store_count(want), 23);
	print_message("# %s of %d%s, %u%% lost: %d rounds, %llu frames (hash %llu summary %llu "
	              "want %llu object %llu)\n", shape, n, up ? "" : " (ticks only)", loss, rounds,
	              (unsigned long long)delivered,
	              (unsigned long long)sent_by_type[1], (unsigned long long)sent_by_type[2],
	              (unsigned long long)sent_by_type[3], (unsigned long long)sent_by_type[4]);
	/* in sync, a few more ticks send only HASHes */
	memset(sent_by_type, 0, sizeof(sent_by_type));
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < nn; i++) {
			gossip_tick(nodes[i].g, NOW);
			deliver(NOW);
		}
	assert_int_equal(sent_by_type[MESH_FRAME_SUMMARY] + sent_by_type[MESH_FRAME_WANT] +
	                 sent_by_type[MESH_FRAME_OBJECT], 0);
	assert_true(sent_by_type[MESH_FRAME_HASH] > 0);
	net_free();
	mesh_store_free(want);
}

static void converge_line(void **state)
{
	(void)state;
	converge("line", 8, true, 0);
	converge("line", 8, false, 0);
}

static void converge_ring(void **state)
{
	(void)state;
	converge("ring", 12, true, 0);
	converge("ring", 12, false, 20);
}

static void converge_random(void **state)
{
	(void)state;
	converge("random", 16, true, 0);
	converge("random", 20, false, 0);
	converge("random", 20, true, 30);
	converge("line", 6, false, 50);
}

/* Small budgets and few chunks per tick still get there, only slower. */
static void converge_tight_budget(void **state)
{
	struct gossip_conf conf = { .peer_budget = 6, .summary_per_tick = 1, .hash_per_tick = 1 };
	struct mesh_store *want = reference();
	int rounds;

	(void)state;
	net_new(10, &conf);
	random_graph(3);
	scatter();
	all_up();
	rounds = run_until(all_nodes(), nn, NOW);
	assert_true(rounds >= 0);
	for (int i = 0; i < nn; i++)
		assert_equal_stores(nodes[i].s, want);
	print_message("# tight budget, random of 10: %d rounds, %llu over budget at node 0\n",
	              rounds, (unsigned long long)gossip_stats(nodes[0].g)->tx_over_budget);
	net_free();
	mesh_store_free(want);
}

/* ---- partition and heal ---- */

static void partition(int a0, int a1, int b0, int b1, bool on)
{
	cut[a0][a1] = cut[a1][a0] = on;
	cut[b0][b1] = cut[b1][b0] = on;
}

static void partition_heal(void **state)
{
	int left[5] = { 0, 1, 2, 3, 4 }, right[5] = { 5, 6, 7, 8, 9 };
	struct obj o[4];
	struct mesh_store *want;

	(void)state;
	net_new(10, NULL);
	ring();
	for (int i = 0; i < nn; i++)
		offer_twice(nodes[i].s, uni, n_uni / 2);
	all_up();
	assert_true(run_until(all_nodes(), nn, NOW) >= 0);

	/* the ring cut between 4|5 and 9|0 */
	partition(4, 5, 9, 0, true);
	rec(&o[0], "n00", 7, 0x10);                  /* an update on the left */
	ann(&o[1], "n00", 9);
	rev(&o[2], "n01", 0x11, 5);                  /* a revocation on the right */
	rec(&o[3], "new-right", 1, 0x44);
	assert_int_equal(gossip_publish(nodes[2].g, o[0].kind, o[0].b, o[0].len, NOW),
	                 MESH_UPDATED);
	assert_int_equal(gossip_publish(nodes[0].g, o[1].kind, o[1].b, o[1].len, NOW),
	                 MESH_UPDATED);
	assert_int_equal(gossip_publish(nodes[7].g, o[2].kind, o[2].b, o[2].len, NOW), MESH_NEW);
	assert_int_equal(gossip_publish(nodes[9].g, o[3].kind, o[3].b, o[3].len, NOW), MESH_NEW);
	assert_true(run_until(left, 5, NOW) >= 0);
	assert_true(run_until(right, 5, NOW) >= 0);
	assert_true(converged(left, 5) && converged(right, 5));
	assert_false(same_root(0, 9));
	assert_null(mesh_store_find(nodes[0].s, "new-right"));
	assert_non_null(mesh_store_find(nodes[0].s, "n01"));
	assert_null(mesh_store_find(nodes[9].s, "n01"));
	assert_int_equal(mesh_store_find(nodes[4].s, "n00")->sequence, 7);

	/* healed: the sessions come back up */
	partition(4, 5, 9, 0, false);
	gossip_peer_up(nodes[4].g, &nodes[5]);
	gossip_peer_up(nodes[0].g, &nodes[9]);
	assert_true(run_until(all_nodes(), nn, NOW) >= 0);
	want = mesh_store_new(net_pub, "reference", NULL, NULL);
	offer_twice(want, uni, n_uni / 2);
	offer_twice(want, o, 4);
	for (int i = 0; i < nn; i++)
		assert_equal_stores(nodes[i].s, want);
	assert_null(mesh_store_find(nodes[3].s, "n01"));
	assert_non_null(mesh_store_find(nodes[3].s, "new-right"));
	assert_int_equal(mesh_store_find(nodes[8].s, "n00")->sequence, 7);
	mesh_store_free(want);
	net_free();
}

/* ---- hostile and stale objects ---- */

static size_t frame_of(const struct obj *o, uint8_t *buf)
{
	size_t len;

	assert_int_equal(mesh_frame_object(o->kind, o->b, o->len, buf, MESH_FRAME_MAX, &len), 0);
	return len;
}

static size_t in_flight(void)
{
	size_t n = 0;

	for (struct msg *m = q_head; m; m = m->next)
		n++;
	return n;
}

/* A small converged line: 0 - 1 - 2 - 3 - 4 - 5. */
static void synced_line(void)
{
	net_new(6, NULL);
	line();
	for (int i = 0; i < nn; i++)
		offer_twice(nodes[i].s, uni, n_uni);
	all_up();
	assert_true(run_until(all_nodes(), nn, NOW) >= 0);
}

static void revoked_stays_out(void **state)
{
	uint8_t buf[MESH_FRAME_MAX], root[MESH_ROOT_LEN], root2[MESH_ROOT_LEN];
	struct obj r;
	uint32_t c, c2;
	size_t len;

	(void)state;
	synced_line();
	mesh_store_root(nodes[0].s, root, &c);
	rec(&r, "n03", 2, 0x13);                     /* revoked: n03 up to 9, key 0x13 */
	len = frame_of(&r, buf);
	assert_int_equal(gossip_receive(nodes[0].g, &nodes[1], buf, len, NOW), 0);
	assert_int_equal(gossip_stats(nodes[0].g)->verdicts[MESH_REVOKED], 1);
	assert_int_equal(in_flight(), 0);            /* not flooded */
	assert_null(mesh_store_find(nodes[0].s, "n03"));
	/* a node that had it before it heard of the revocation loses it */
	rec(&r, "n03", 3, 0x13);
	{
		struct mesh_store *s = mesh_store_new(net_pub, "late", NULL, NULL);
		struct gossip *g = gossip_new(s, &gops, &nodes[5], NULL);

		assert_int_equal(mesh_store_offer(s, r.kind, r.b, r.len, NOW), MESH_NEW);
		/* swap node 5's store for this one, which knows no revocation */
		gossip_free(nodes[5].g);
		mesh_store_free(nodes[5].s);
		nodes[5].s = s;
		nodes[5].g = g;
		assert_int_equal(gossip_peer_add(g, &nodes[4]), 0);
		gossip_peer_up(g, &nodes[4]);
		gossip_peer_up(nodes[4].g, &nodes[5]);
	}
	assert_true(run_until(all_nodes(), nn, NOW) >= 0);
	assert_null(mesh_store_find(nodes[5].s, "n03"));
	for (int i = 0; i < nn; i++) {
		mesh_store_root(nodes[i].s, root2, &c2);
		assert_memory_equal(root, root2, sizeof(root));
		assert_int_equal(c, c2);
	}
	net_free();
}

static void replay_old(void **state)
{
	uint8_t buf[MESH_FRAME_MAX], root[MESH_ROOT_LEN], root2[MESH_ROOT_LEN];
	struct obj r;
	uint32_t c, c2;
	size_t len;
	struct mesh_frame f;

	(void)state;
	synced_line();
	mesh_store_root(nodes[2].s, root, &c);
	assert_int_equal(mesh_store_find(nodes[2].s, "n05")->sequence, 3);
	rec(&r, "n05", 1, 0x80 + 5);
	len = frame_of(&r, buf);
	assert_int_equal(gossip_receive(nodes[2].g, &nodes[1], buf, len, NOW), 0);
	assert_int_equal(gossip_stats(nodes[2].g)->verdicts[MESH_STALE], 1);
	/* the sender is given the newer one, nobody else hears of it */
	assert_int_equal(in_flight(), 1);
	assert_int_equal(q_head->to, 1);
	assert_int_equal(mesh_frame_decode(q_head->b, q_head->len, &f), 0);
	assert_int_equal(f.type, MESH_FRAME_OBJECT);
	assert_memory_equal(f.u.object.bytes, mesh_store_find(nodes[2].s, "n05")->record,
	                    f.u.object.len);
	deliver(NOW);
	assert_true(run_until(all_nodes(), nn, NOW) >= 0);
	for (int i = 0; i < nn; i++) {
		assert_int_equal(mesh_store_find(nodes[i].s, "n05")->sequence, 3);
		mesh_store_root(nodes[i].s, root2, &c2);
		assert_memory_equal(root, root2, sizeof(root));
	}
	net_free();
}

static void tampered(void **state)
{
	uint8_t buf[MESH_FRAME_MAX], root[MESH_ROOT_LEN], root2[MESH_ROOT_LEN];
	const struct gossip_stats *gs;
	struct obj r;
	uint32_t c, c2;
	size_t len;

	(void)state;
	synced_line();
	gs = gossip_stats(nodes[3].g);
	mesh_store_root(nodes[3].s, root, &c);
	rec(&r, "n05", 9, 0x85);                     /* would be an update */
	len = frame_of(&r, buf);
	buf[len - 10] ^= 0x01;                       /* in the signature */
	assert_int_equal(gossip_receive(nodes[3].g, &nodes[2], buf, len, NOW), 0);
	assert_int_equal(gs->verdicts[MESH_BAD_SIGNATURE], 1);
	buf[len - 10] ^= 0x01;
	buf[4 + 1 + 42] ^= 0x01;                     /* in the name */
	assert_int_equal(gossip_receive(nodes[3].g, &nodes[2], buf, len, NOW), 0);
	assert_int_equal(gs->verdicts[MESH_BAD_SIGNATURE] + gs->verdicts[MESH_MALFORMED], 2);
	assert_int_equal(in_flight(), 0);
	assert_int_equal(mesh_store_find(nodes[3].s, "n05")->sequence, 3);
	mesh_store_root(nodes[3].s, root2, &c2);
	assert_memory_equal(root, root2, sizeof(root));
	/* a broken frame is counted and dropped */
	buf[0] = 0x45;
	assert_int_equal(gossip_receive(nodes[3].g, &nodes[2], buf, len, NOW), -EINVAL);
	assert_int_equal(gossip_receive(nodes[3].g, &nodes[2], buf, 3, NOW), -EINVAL);
	assert_int_equal(gs->rx_malformed, 2);
	/* the untouched one floods on, but not back to where it came from */
	len = frame_of(&r, buf);
	assert_int_equal(gossip_receive(nodes[3].g, &nodes[2], buf, len, NOW), 0);
	deliver(NOW);
	for (int i = 0; i < nn; i++)
		assert_int_equal(mesh_store_find(nodes[i].s, "n05")->sequence, i < 3 ? 3 : 9);
	/* and the next rounds bring it to the rest */
	assert_true(run_until(all_nodes(), nn, NOW) >= 0);
	for (int i = 0; i < nn; i++)
		assert_int_equal(mesh_store_find(nodes[i].s, "n05")->sequence, 9);
	net_free();
}

/* A published object reaches a whole line by flooding alone, once per link. */
static void flood_without_ticks(void **state)
{
	struct obj r;

	(void)state;
	net_new(6, NULL);
	line();
	rec(&r, "fresh", 1, 0x66);
	assert_int_equal(gossip_publish(nodes[2].g, r.kind, r.b, r.len, NOW), MESH_NEW);
	assert_int_equal(gossip_publish(nodes[2].g, r.kind, r.b, r.len, NOW), MESH_DUPLICATE);
	deliver(NOW);
	for (int i = 0; i < nn; i++)
		assert_non_null(mesh_store_find(nodes[i].s, "fresh"));
	assert_int_equal(sent_by_type[MESH_FRAME_OBJECT], 5);
	assert_int_equal(gossip_stats(nodes[2].g)->tx[MESH_FRAME_OBJECT], 2);
	assert_int_equal(gossip_stats(nodes[5].g)->tx[MESH_FRAME_OBJECT], 0);
	assert_int_equal(gossip_stats(nodes[5].g)->verdicts[MESH_NEW], 1);
	net_free();
}

/* ---- budgets and peers ---- */

static size_t captured;

static void count_send(void *arg, void *peer, const uint8_t *frame, size_t len)
{
	(void)arg;
	(void)peer;
	(void)len;
	if (frame[1] == MESH_FRAME_OBJECT || frame[1] == MESH_FRAME_SUMMARY)
		captured++;
}

static void budget(void **state)
{
	const struct gossip_ops ops = { .send = count_send, .rand = fake_rand };
	const struct gossip_conf conf = { .peer_budget = 20, .summary_per_tick = 2 };
	struct mesh_store *s = mesh_store_new(net_pub, "self", NULL, NULL);
	struct gossip *g = gossip_new(s, &ops, NULL, &conf);
	static struct mesh_frame f;
	uint8_t buf[MESH_FRAME_MAX];
	int peer, other;
	size_t len;

	(void)state;
	offer_twice(s, uni, n_uni);
	assert_int_equal(gossip_peer_add(g, &peer), 0);
	assert_int_equal(gossip_peer_add(g, &peer), -EEXIST);
	assert_int_equal(gossip_peer_count(g), 1);
	/* a peer asking for everything, again and again */
	memset(&f, 0, sizeof(f));
	f.type = MESH_FRAME_WANT;
	for (size_t i = 0; i < mesh_store_count(s) && f.u.want.n < MESH_LIST_MAX; i++) {
		f.u.want.keys[f.u.want.n].kind = MESH_KIND_RECORD;
		strcpy(f.u.want.keys[f.u.want.n++].name, mesh_store_node_at(s, i)->name);
	}
	assert_int_equal(mesh_frame_encode(&f, buf, sizeof(buf), &len), 0);
	for (int i = 0; i < 50; i++)
		assert_int_equal(gossip_receive(g, &peer, buf, len, NOW), 0);
	assert_int_equal(gossip_stats(g)->rx[MESH_FRAME_WANT], 50);
	assert_int_equal(captured, 20);
	assert_true(gossip_stats(g)->tx_over_budget > 0);
	/* the next tick gives it more (less the HASH it gets) */
	gossip_tick(g, NOW);
	assert_int_equal(gossip_receive(g, &peer, buf, len, NOW), 0);
	assert_int_equal(captured, 20 + 19);
	/* a HASH storm gets summary chunks at the per-tick rate */
	captured = 0;
	gossip_tick(g, NOW);
	f.type = MESH_FRAME_HASH;
	memset(&f.u.hash, 0, sizeof(f.u.hash));
	assert_int_equal(mesh_frame_encode(&f, buf, sizeof(buf), &len), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(gossip_receive(g, &peer, buf, len, NOW), 0);
	assert_int_equal(captured, 2);
	/* strangers and removed peers are not served */
	assert_int_equal(gossip_receive(g, &other, buf, len, NOW), -ENOENT);
	assert_int_equal(gossip_peer_remove(g, &other), -ENOENT);
	assert_int_equal(gossip_peer_remove(g, &peer), 0);
	assert_int_equal(gossip_receive(g, &peer, buf, len, NOW), -ENOENT);
	assert_int_equal(gossip_stats(g)->rx_unknown_peer, 2);
	gossip_tick(g, NOW);                         /* no peers: nothing to do */
	gossip_free(g);
	mesh_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(converge_line),
		cmocka_unit_test(converge_ring),
		cmocka_unit_test(converge_random),
		cmocka_unit_test(converge_tight_budget),
		cmocka_unit_test(partition_heal),
		cmocka_unit_test(revoked_stays_out),
		cmocka_unit_test(replay_old),
		cmocka_unit_test(tampered),
		cmocka_unit_test(flood_without_ticks),
		cmocka_unit_test(budget),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

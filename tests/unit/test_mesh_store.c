/* vpn/mesh/store and store_file: every verdict (expiry, revocations before
 * and after their records, key conflicts, tampering, replays), callbacks,
 * lookups and order, the root hash and summaries with their ranges, and
 * the file: round trip, truncation, flipped bytes, wrong magic, tampering
 * under a good checksum, expiry on load. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "keys/announce.h"
#include "keys/netkey.h"
#include "keys/record.h"
#include "keys/revocation.h"
#include "lib/atomicfile.h"
#include "vpn/mesh/store.h"
#include "vpn/mesh/store_file.h"
#include "testutil.h"

#define NOW 1700000000ULL
#define DAY 86400ULL

static uint8_t net_pub[NETKEY_PUB_LEN], net_sec[NETKEY_SECRET_LEN];

struct obj {
	uint8_t kind;
	size_t len;
	uint8_t b[WIRE_OBJECT_MAX];
};

/* ---- signed objects ---- */

/* Each node's Ed25519 key derives from its name, so tests can re-sign. */
static void node_keys(const char *name, uint8_t pub[NETKEY_PUB_LEN], uint8_t sec[NETKEY_SECRET_LEN])
{
	uint8_t seed[NETKEY_SEED_LEN];

	crypto_generichash(seed, sizeof(seed), (const uint8_t *)name, strlen(name), NULL, 0);
	netkey_from_seed(pub, sec, seed);
}

struct rec_opts {
	uint64_t seq;
	uint8_t wg;                  /* the WireGuard key is 32 of this byte */
	uint64_t issued, expires;
	const char *key_of;          /* node key of this name instead of its own */
};

static void rec_fill(struct record *r, const char *name, const struct rec_opts *o)
{
	uint8_t sec[NETKEY_SECRET_LEN];

	memset(r, 0, sizeof(*r));
	strcpy(r->name, name);
	r->role = RECORD_ROLE_CLIENT;
	memset(r->wg_key, o->wg, sizeof(r->wg_key));
	node_keys(o->key_of ? o->key_of : name, r->node_key, sec);
	r->n_mesh = 1;
	assert_int_equal(mg_prefix_parse("10.77.0.9/16", true, &r->mesh[0]), 0);
	r->sequence = o->seq;
	r->issued_at = o->issued ? o->issued : NOW - DAY;
	r->expires_at = o->expires ? o->expires : NOW + 365 * DAY;
}

static void rec_obj(struct obj *o, const char *name, const struct rec_opts *opt)
{
	struct record r;

	rec_fill(&r, name, opt);
	assert_int_equal(record_sign(&r, net_sec), 0);
	o->kind = MESH_KIND_RECORD;
	assert_int_equal(record_encode(&r, o->b, sizeof(o->b), &o->len), 0);
}

static void rec(struct obj *o, const char *name, uint64_t seq, uint8_t wg)
{
	struct rec_opts opt = { .seq = seq, .wg = wg };

	rec_obj(o, name, &opt);
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

/* An announcement by name's node key (or signer's). */
static void ann_by(struct obj *o, const char *name, uint64_t seq, uint16_t port, const char *signer)
{
	uint8_t pub[NETKEY_PUB_LEN], sec[NETKEY_SECRET_LEN];
	struct announce a;

	memset(&a, 0, sizeof(a));
	strcpy(a.name, name);
	a.sequence = seq;
	a.timestamp = NOW;
	a.n_endpoints = 1;
	assert_int_equal(mg_addr_parse("192.0.2.7", &a.endpoints[0].addr), 0);
	a.endpoints[0].port = port;
	node_keys(signer ? signer : name, pub, sec);
	assert_int_equal(announce_sign(&a, sec), 0);
	o->kind = MESH_KIND_ANNOUNCE;
	assert_int_equal(announce_encode(&a, o->b, sizeof(o->b), &o->len), 0);
}

static void ann(struct obj *o, const char *name, uint64_t seq)
{
	ann_by(o, name, seq, 51820, NULL);
}

/* ---- a store with callbacks that count ---- */

struct events {
	int added, changed, removed, announced, dropped;
	enum mesh_removal last_why;
	char last[WIRE_LABEL_MAX + 1];
	uint64_t last_old_seq;
};

static struct events ev;

static void on_added(void *arg, const struct mesh_node *n, const struct record *r)
{
	(void)arg;
	assert_string_equal(n->name, r->name);
	ev.added++;
	strcpy(ev.last, n->name);
}

static void on_changed(void *arg, const struct mesh_node *n, const struct record *r,
                       const struct record *old)
{
	(void)arg;
	assert_int_equal(n->sequence, r->sequence);
	assert_true(record_newer(r, old));
	ev.changed++;
	ev.last_old_seq = old->sequence;
	strcpy(ev.last, n->name);
}

static void on_removed(void *arg, const struct mesh_node *n, enum mesh_removal why)
{
	(void)arg;
	ev.removed++;
	ev.last_why = why;
	strcpy(ev.last, n->name);
}

static void on_announce(void *arg, const struct mesh_node *n, const struct announce *a)
{
	(void)arg;
	if (a) {
		assert_string_equal(a->name, n->name);
		ev.announced++;
	} else {
		ev.dropped++;
	}
}

static const struct mesh_store_ops ops = {
	.node_added = on_added,
	.node_changed = on_changed,
	.node_removed = on_removed,
	.announce_changed = on_announce,
};

static struct mesh_store *st;

static int setup(void **state)
{
	uint8_t seed[NETKEY_SEED_LEN];

	(void)state;
	if (sodium_init() < 0)
		return -1;
	memset(seed, 0x42, sizeof(seed));
	netkey_from_seed(net_pub, net_sec, seed);
	return 0;
}

static int each_setup(void **state)
{
	(void)state;
	memset(&ev, 0, sizeof(ev));
	st = NULL;
	return 0;
}

static int each_teardown(void **state)
{
	(void)state;
	mesh_store_free(st);
	st = NULL;
	return 0;
}

static struct mesh_store *new_store(const char *self)
{
	struct mesh_store *s = mesh_store_new(net_pub, self, &ops, NULL);

	assert_non_null(s);
	return s;
}

/* The test's main store, freed by its teardown. */
static struct mesh_store *open_store(void)
{
	st = new_store("self");
	return st;
}

static enum mesh_verdict offer(struct mesh_store *s, const struct obj *o, uint64_t now)
{
	return mesh_store_offer(s, o->kind, o->b, o->len, now);
}

static void root_of(struct mesh_store *s, uint8_t root[MESH_ROOT_LEN], uint32_t *count)
{
	mesh_store_root(s, root, count);
}

/* ---- verdicts ---- */

static void record_verdicts(void **state)
{
	struct mesh_store *s = open_store();
	struct obj r1, r2, r3;
	const struct mesh_node *n;

	(void)state;
	rec(&r1, "laptop", 1, 0xa1);
	rec(&r2, "laptop", 2, 0xa1);
	rec(&r3, "laptop", 3, 0xa1);
	assert_int_equal(offer(s, &r2, NOW), MESH_NEW);
	assert_int_equal(ev.added, 1);
	assert_int_equal(offer(s, &r2, NOW), MESH_DUPLICATE);
	assert_int_equal(offer(s, &r1, NOW), MESH_STALE);      /* a replayed old one */
	assert_int_equal(offer(s, &r3, NOW), MESH_UPDATED);
	assert_int_equal(ev.changed, 1);
	assert_int_equal(ev.last_old_seq, 2);
	assert_int_equal(offer(s, &r2, NOW), MESH_STALE);
	n = mesh_store_find(s, "laptop");
	assert_non_null(n);
	assert_int_equal(n->sequence, 3);
	assert_int_equal(n->record_len, r3.len);
	assert_memory_equal(n->record, r3.b, r3.len);
	assert_false(n->self);
	assert_int_equal(mesh_store_stats(s)->verdicts[MESH_NEW], 1);
	assert_int_equal(mesh_store_stats(s)->verdicts[MESH_STALE], 2);
	assert_int_equal(mesh_store_stats(s)->verdicts[MESH_UPDATED], 1);
	assert_int_equal(mesh_store_stats(s)->verdicts[MESH_DUPLICATE], 1);
	assert_string_equal(mesh_verdict_name(MESH_STALE), "stale");
	assert_string_equal(mesh_removal_name(MESH_GONE_CONFLICT), "conflict");

	rec(&r1, "self", 1, 0x01);
	assert_int_equal(offer(s, &r1, NOW), MESH_NEW);
	assert_true(mesh_store_find(s, "self")->self);
}

/* Same name, same sequence, different contents: record_cmp picks one, and
 * the store keeps it whichever comes first. */
static void equal_sequence(void **state)
{
	struct mesh_store *a = open_store(), *b = new_store("self");
	struct obj x, y, *win, *lose;
	struct record rx, ry;

	(void)state;
	rec(&x, "gw", 5, 0x11);
	rec(&y, "gw", 5, 0x12);
	assert_int_equal(record_decode(x.b, x.len, &rx), 0);
	assert_int_equal(record_decode(y.b, y.len, &ry), 0);
	win = record_newer(&rx, &ry) ? &x : &y;
	lose = win == &x ? &y : &x;
	assert_int_equal(offer(a, win, NOW), MESH_NEW);
	assert_int_equal(offer(a, lose, NOW), MESH_STALE);
	assert_int_equal(offer(b, lose, NOW), MESH_NEW);
	assert_int_equal(offer(b, win, NOW), MESH_UPDATED);
	assert_memory_equal(mesh_store_find(a, "gw")->record, win->b, win->len);
	assert_memory_equal(mesh_store_find(b, "gw")->record, win->b, win->len);
	mesh_store_free(b);
}

static void tampered(void **state)
{
	struct mesh_store *s = open_store();
	struct obj r, bad, other;
	uint8_t root[MESH_ROOT_LEN], root2[MESH_ROOT_LEN];
	uint8_t seed[NETKEY_SEED_LEN], opub[NETKEY_PUB_LEN], osec[NETKEY_SECRET_LEN];
	uint32_t count, count2;
	size_t mem;
	const struct mesh_store_stats *sst = mesh_store_stats(s);

	(void)state;
	rec(&r, "laptop", 1, 0xa1);
	rec(&other, "pi", 1, 0xa2);
	assert_int_equal(offer(s, &other, NOW), MESH_NEW);
	root_of(s, root, &count);
	mem = mesh_store_memory(s);
	/* every byte changed: never accepted, and nothing moves */
	for (size_t i = 0; i < r.len; i++) {
		enum mesh_verdict v;

		bad = r;
		bad.b[i] ^= 0x01;
		v = offer(s, &bad, NOW);
		assert_true(v == MESH_MALFORMED || v == MESH_BAD_SIGNATURE);
	}
	assert_true(sst->verdicts[MESH_BAD_SIGNATURE] > 0);
	assert_int_equal(sst->verdicts[MESH_MALFORMED] + sst->verdicts[MESH_BAD_SIGNATURE], r.len);
	for (size_t i = 0; i < r.len; i++)     /* every truncation */
		assert_int_equal(mesh_store_offer(s, MESH_KIND_RECORD, r.b, i, NOW), MESH_MALFORMED);
	root_of(s, root2, &count2);
	assert_memory_equal(root, root2, sizeof(root));
	assert_int_equal(count, count2);
	assert_int_equal(mesh_store_memory(s), mem);
	assert_int_equal(mesh_store_count(s), 1);
	assert_int_equal(ev.added, 1);

	/* the wrong kind, an unknown kind, another network's record */
	assert_int_equal(mesh_store_offer(s, MESH_KIND_ANNOUNCE, r.b, r.len, NOW), MESH_MALFORMED);
	assert_int_equal(mesh_store_offer(s, MESH_KIND_REVOCATION, r.b, r.len, NOW), MESH_MALFORMED);
	assert_int_equal(mesh_store_offer(s, 0, r.b, r.len, NOW), MESH_MALFORMED);
	assert_int_equal(mesh_store_offer(s, 9, r.b, r.len, NOW), MESH_MALFORMED);
	memset(seed, 0x99, sizeof(seed));
	netkey_from_seed(opub, osec, seed);
	{
		struct record x;
		struct rec_opts o = { .seq = 1, .wg = 0xa1 };

		rec_fill(&x, "laptop", &o);
		assert_int_equal(record_sign(&x, osec), 0);
		assert_int_equal(record_encode(&x, bad.b, sizeof(bad.b), &bad.len), 0);
	}
	assert_int_equal(offer(s, &bad, NOW), MESH_BAD_SIGNATURE);
	assert_int_equal(offer(s, &r, NOW), MESH_NEW);
}

static void expiry(void **state)
{
	struct mesh_store *s = open_store();
	struct rec_opts o = { .seq = 1, .wg = 0x31, .issued = NOW - DAY, .expires = NOW + DAY };
	struct obj r, a, old;
	uint8_t k[32];

	(void)state;
	rec_obj(&r, "short", &o);
	ann(&a, "short", 1);
	assert_int_equal(offer(s, &r, NOW + DAY), MESH_EXPIRED);
	assert_int_equal(offer(s, &r, NOW + DAY + 1), MESH_EXPIRED);
	assert_int_equal(mesh_store_count(s), 0);
	assert_int_equal(offer(s, &r, NOW), MESH_NEW);
	assert_int_equal(offer(s, &a, NOW), MESH_NEW);
	rec(&old, "long", 1, 0x32);
	assert_int_equal(offer(s, &old, NOW), MESH_NEW);
	assert_int_equal(mesh_store_expire(s, NOW + DAY - 1), 0);
	assert_int_equal(mesh_store_expire(s, NOW + DAY), 1);
	assert_int_equal(ev.removed, 1);
	assert_int_equal(ev.last_why, MESH_GONE_EXPIRED);
	assert_string_equal(ev.last, "short");
	assert_null(mesh_store_find(s, "short"));
	memset(k, 0x31, sizeof(k));
	assert_null(mesh_store_find_wg(s, k));
	assert_non_null(mesh_store_find(s, "long"));
	assert_int_equal(mesh_store_stats(s)->removed[MESH_GONE_EXPIRED], 1);
	assert_int_equal(offer(s, &a, NOW), MESH_UNKNOWN_NODE);   /* went with it */
	assert_int_equal(mesh_store_stats(s)->verdicts[MESH_EXPIRED], 2);
}

static void revocation_before_record(void **state)
{
	struct mesh_store *s = open_store();
	struct obj v, r;
	uint8_t k[32];

	(void)state;
	rev(&v, "laptop", 0xa1, 3);
	assert_int_equal(offer(s, &v, NOW), MESH_NEW);
	assert_int_equal(mesh_store_revocation_count(s), 1);
	rec(&r, "laptop", 3, 0xa1);
	assert_int_equal(offer(s, &r, NOW), MESH_REVOKED);
	rec(&r, "laptop", 2, 0xa2);              /* by name and sequence */
	assert_int_equal(offer(s, &r, NOW), MESH_REVOKED);
	rec(&r, "laptop", 9, 0xa1);              /* the key is burnt at any sequence */
	assert_int_equal(offer(s, &r, NOW), MESH_REVOKED);
	rec(&r, "other", 1, 0xa1);               /* and under any name */
	assert_int_equal(offer(s, &r, NOW), MESH_REVOKED);
	rec(&r, "laptop", 4, 0xa2);              /* enrolled again with a new key */
	assert_int_equal(offer(s, &r, NOW), MESH_NEW);
	memset(k, 0xa2, sizeof(k));
	assert_non_null(mesh_store_find_wg(s, k));
	assert_int_equal(mesh_store_stats(s)->verdicts[MESH_REVOKED], 4);
	assert_int_equal(ev.added, 1);
}

static void revocation_after_record(void **state)
{
	struct mesh_store *s = open_store();
	struct obj r, a, v, v2, w, other;
	uint8_t k[32];

	(void)state;
	rec(&r, "laptop", 2, 0xa1);
	ann(&a, "laptop", 1);
	rec(&other, "phone", 1, 0xb1);
	assert_int_equal(offer(s, &r, NOW), MESH_NEW);
	assert_int_equal(offer(s, &a, NOW), MESH_NEW);
	assert_int_equal(offer(s, &other, NOW), MESH_NEW);
	rev(&v, "laptop", 0xa1, 2);
	assert_int_equal(offer(s, &v, NOW), MESH_NEW);
	assert_int_equal(ev.removed, 1);
	assert_int_equal(ev.last_why, MESH_GONE_REVOKED);
	assert_null(mesh_store_find(s, "laptop"));
	memset(k, 0xa1, sizeof(k));
	assert_null(mesh_store_find_wg(s, k));
	assert_int_equal(offer(s, &r, NOW), MESH_REVOKED);
	assert_int_equal(offer(s, &a, NOW), MESH_UNKNOWN_NODE);
	assert_int_equal(offer(s, &v, NOW), MESH_DUPLICATE);
	rev(&v2, "laptop", 0xa1, 1);              /* covered by the one held */
	assert_int_equal(offer(s, &v2, NOW), MESH_STALE);
	rev(&v2, "laptop", 0xa1, 7);              /* covers more: replaces it */
	assert_int_equal(offer(s, &v2, NOW), MESH_UPDATED);
	assert_int_equal(mesh_store_revocation_count(s), 1);
	assert_int_equal(mesh_store_revocation_at(s, 0)->last_sequence, 7);
	/* a revocation of phone's key under another name still removes phone */
	rev(&w, "stolen", 0xb1, 0);
	assert_int_equal(offer(s, &w, NOW), MESH_NEW);
	assert_null(mesh_store_find(s, "phone"));
	assert_int_equal(mesh_store_revocation_count(s), 2);
	assert_int_equal(mesh_store_stats(s)->removed[MESH_GONE_REVOKED], 2);
	/* another key of the same name is kept beside it */
	rev(&w, "laptop", 0xa9, 3);
	assert_int_equal(offer(s, &w, NOW), MESH_NEW);
	assert_int_equal(mesh_store_revocation_count(s), 3);
	assert_string_equal(mesh_store_revocation_at(s, 0)->name, "laptop");
	assert_string_equal(mesh_store_revocation_at(s, 2)->name, "stolen");
	/* a broken revocation */
	w.b[w.len - 1] ^= 1;
	assert_int_equal(offer(s, &w, NOW), MESH_BAD_SIGNATURE);
	assert_int_equal(mesh_store_offer(s, MESH_KIND_REVOCATION, w.b, 5, NOW), MESH_MALFORMED);
}

static void key_conflict(void **state)
{
	struct mesh_store *s = open_store();
	struct rec_opts oa = { .seq = 1, .wg = 0x77, .issued = NOW - 10 * DAY };
	struct rec_opts ob = { .seq = 1, .wg = 0x77, .issued = NOW - 20 * DAY };
	struct rec_opts oc = { .seq = 1, .wg = 0x77, .issued = NOW - 5 * DAY };
	struct obj a, b, c, d;
	uint8_t k[32], root[MESH_ROOT_LEN], root2[MESH_ROOT_LEN];
	uint32_t n, n2;

	(void)state;
	rec_obj(&a, "alpha", &oa);
	rec_obj(&b, "bravo", &ob);
	rec_obj(&c, "charlie", &oc);
	assert_int_equal(offer(s, &a, NOW), MESH_NEW);
	root_of(s, root, &n);
	assert_int_equal(offer(s, &b, NOW), MESH_CONFLICT);  /* issued before: refused */
	root_of(s, root2, &n2);
	assert_memory_equal(root, root2, sizeof(root));
	assert_null(mesh_store_find(s, "bravo"));
	assert_int_equal(ev.removed, 0);
	assert_int_equal(offer(s, &c, NOW), MESH_NEW);       /* issued later: takes the key */
	assert_int_equal(ev.removed, 1);
	assert_int_equal(ev.last_why, MESH_GONE_CONFLICT);
	assert_null(mesh_store_find(s, "alpha"));
	memset(k, 0x77, sizeof(k));
	assert_string_equal(mesh_store_find_wg(s, k)->name, "charlie");
	assert_int_equal(offer(s, &a, NOW), MESH_CONFLICT);
	assert_int_equal(mesh_store_stats(s)->verdicts[MESH_CONFLICT], 2);

	/* an expired holder gives its key up */
	oa.expires = NOW + DAY;
	oa.wg = 0x78;
	oa.issued = NOW;
	rec_obj(&a, "echo", &oa);
	assert_int_equal(offer(s, &a, NOW), MESH_NEW);
	ob.wg = 0x78;
	rec_obj(&d, "delta", &ob);
	assert_int_equal(offer(s, &d, NOW), MESH_CONFLICT);
	assert_int_equal(offer(s, &d, NOW + DAY), MESH_NEW);
	assert_int_equal(ev.last_why, MESH_GONE_EXPIRED);
	assert_null(mesh_store_find(s, "echo"));
}

/* A name moving to a new WireGuard key, and to a new node key. */
static void rekey(void **state)
{
	struct mesh_store *s = open_store();
	struct rec_opts o = { .seq = 1, .wg = 0x51 };
	struct obj r, a;
	uint8_t k1[32], k2[32];

	(void)state;
	memset(k1, 0x51, sizeof(k1));
	memset(k2, 0x52, sizeof(k2));
	rec_obj(&r, "pi", &o);
	ann(&a, "pi", 4);
	assert_int_equal(offer(s, &r, NOW), MESH_NEW);
	assert_int_equal(offer(s, &a, NOW), MESH_NEW);
	o.seq = 2;
	o.wg = 0x52;
	rec_obj(&r, "pi", &o);
	assert_int_equal(offer(s, &r, NOW), MESH_UPDATED);
	assert_null(mesh_store_find_wg(s, k1));
	assert_ptr_equal(mesh_store_find_wg(s, k2), mesh_store_find(s, "pi"));
	assert_non_null(mesh_store_find(s, "pi")->announce);    /* same node key */
	o.seq = 3;
	o.key_of = "someone-else";
	rec_obj(&r, "pi", &o);
	assert_int_equal(offer(s, &r, NOW), MESH_UPDATED);
	assert_null(mesh_store_find(s, "pi")->announce);        /* no longer verifies */
	assert_int_equal(ev.dropped, 1);
	assert_int_equal(offer(s, &a, NOW), MESH_BAD_SIGNATURE);
	ann_by(&a, "pi", 5, 51820, "someone-else");
	assert_int_equal(offer(s, &a, NOW), MESH_NEW);
}

static void announce_verdicts(void **state)
{
	struct mesh_store *s = open_store();
	struct obj r, a1, a2, x;
	struct announce got;

	(void)state;
	rec(&r, "gw", 1, 0x61);
	ann(&a1, "gw", 1);
	ann_by(&a2, "gw", 2, 4000, NULL);
	assert_int_equal(offer(s, &a1, NOW), MESH_UNKNOWN_NODE);
	assert_int_equal(offer(s, &r, NOW), MESH_NEW);
	assert_int_equal(offer(s, &a2, NOW), MESH_NEW);
	assert_int_equal(offer(s, &a2, NOW), MESH_DUPLICATE);
	assert_int_equal(offer(s, &a1, NOW), MESH_STALE);
	ann_by(&x, "gw", 3, 4001, "gx");                  /* not gw's key */
	assert_int_equal(offer(s, &x, NOW), MESH_BAD_SIGNATURE);
	x = a2;
	x.b[x.len - 3] ^= 0x40;
	assert_int_equal(offer(s, &x, NOW), MESH_BAD_SIGNATURE);
	x.b[0] = 0;
	assert_int_equal(offer(s, &x, NOW), MESH_MALFORMED);
	ann_by(&x, "gw", 3, 4001, NULL);
	assert_int_equal(offer(s, &x, NOW), MESH_UPDATED);
	assert_int_equal(ev.announced, 2);
	assert_int_equal(mesh_node_announce(mesh_store_find(s, "gw"), &got), 0);
	assert_int_equal(got.sequence, 3);
	assert_int_equal(got.endpoints[0].port, 4001);
	assert_int_equal(mesh_store_find(s, "gw")->announce_sequence, 3);
}

/* ---- lookups, order, memory ---- */

static void name_of(char *buf, size_t i)
{
	snprintf(buf, WIRE_LABEL_MAX + 1, "node-%zu", (i * 7919) % 1000);
}

static void lookups(void **state)
{
	struct mesh_store *s = open_store();
	char name[WIRE_LABEL_MAX + 1];
	size_t mem0 = mesh_store_memory(s), mem;
	struct obj r;
	uint8_t k[32];

	(void)state;
	for (size_t i = 0; i < 200; i++) {
		name_of(name, i);
		{
			struct record x;
			struct rec_opts o = { .seq = 1 };

			rec_fill(&x, name, &o);
			memset(x.wg_key, 0, 32);
			x.wg_key[0] = (uint8_t)(i >> 8);
			x.wg_key[1] = (uint8_t)i;
			assert_int_equal(record_sign(&x, net_sec), 0);
			r.kind = MESH_KIND_RECORD;
			assert_int_equal(record_encode(&x, r.b, sizeof(r.b), &r.len), 0);
		}
		assert_int_equal(offer(s, &r, NOW), MESH_NEW);
	}
	assert_int_equal(mesh_store_count(s), 200);
	for (size_t i = 1; i < 200; i++)
		assert_true(strcmp(mesh_store_node_at(s, i - 1)->name,
		                   mesh_store_node_at(s, i)->name) < 0);
	assert_null(mesh_store_node_at(s, 200));
	for (size_t i = 0; i < 200; i++) {
		const struct mesh_node *n;
		struct record x;

		name_of(name, i);
		n = mesh_store_find(s, name);
		assert_non_null(n);
		memset(k, 0, sizeof(k));
		k[0] = (uint8_t)(i >> 8);
		k[1] = (uint8_t)i;
		assert_ptr_equal(mesh_store_find_wg(s, k), n);
		assert_int_equal(mesh_node_record(n, &x), 0);
		assert_string_equal(x.name, name);
	}
	assert_null(mesh_store_find(s, "nobody"));
	memset(k, 0xee, sizeof(k));
	assert_null(mesh_store_find_wg(s, k));
	mem = mesh_store_memory(s);
	/* a node costs its record's bytes and a few hundred more */
	assert_true(mem > mem0 + 200 * r.len);
	assert_true(mem < mem0 + 200 * (r.len + 512));
	print_message("# store: %zu bytes for 200 nodes of %zu-byte records\n", mem, r.len);
}

/* ---- root hash and summaries ---- */

#define POOL 40

static struct obj pool[POOL];

/* Records, announcements and revocations of many names. */
static size_t fill_pool(void)
{
	char name[WIRE_LABEL_MAX + 1];
	size_t n = 0;

	for (size_t i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "m%02zu", i);
		rec(&pool[n++], name, 1 + i % 3, (uint8_t)(0x10 + i));
		if (i % 2 == 0)
			ann(&pool[n++], name, 1 + i);
	}
	rev(&pool[n++], "m03", 0x13, 9);
	rev(&pool[n++], "gone", 0x55, 1);
	rev(&pool[n++], "gone", 0x56, 2);
	return n;
}

static void root_order_independent(void **state)
{
	struct mesh_store *a = open_store(), *b = new_store("other");
	uint8_t ra[MESH_ROOT_LEN], rb[MESH_ROOT_LEN];
	uint32_t ca, cb;
	size_t n = fill_pool();

	(void)state;
	root_of(a, ra, &ca);
	root_of(b, rb, &cb);
	assert_memory_equal(ra, rb, sizeof(ra));
	assert_int_equal(ca, 0);
	for (size_t i = 0; i < n; i++)
		offer(a, &pool[i], NOW);
	/* backwards, an announcement comes before its record: it is refused
	 * (UNKNOWN_NODE) and taken on the second pass */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = n; i-- > 0;)
			offer(b, &pool[i], NOW);
	assert_int_equal(mesh_store_stats(b)->verdicts[MESH_UNKNOWN_NODE], 8);
	root_of(a, ra, &ca);
	root_of(b, rb, &cb);
	assert_memory_equal(ra, rb, sizeof(ra));
	assert_int_equal(ca, cb);
	/* 15 records (m03 revoked), 8 announcements (m00 m02 ... m14), 2
	 * revocation names */
	assert_int_equal(ca, 15 + 8 + 2);
	rec(&pool[0], "m00", 9, 0x10);
	assert_int_equal(offer(b, &pool[0], NOW), MESH_UPDATED);
	root_of(b, rb, &cb);
	assert_memory_not_equal(ra, rb, sizeof(ra));
	assert_int_equal(offer(a, &pool[0], NOW), MESH_UPDATED);
	root_of(a, ra, &ca);
	assert_memory_equal(ra, rb, sizeof(ra));
	mesh_store_free(b);
}

static void chunks(void **state)
{
	struct mesh_store *s = open_store();
	static struct mesh_summary sum;
	static struct mesh_frame f;
	uint8_t buf[MESH_FRAME_MAX];
	char name[WIRE_LABEL_MAX + 1];
	struct mesh_entry e;
	struct mesh_key last;
	struct obj o;
	size_t total = 0, nchunks = 0, len;
	uint32_t count;
	uint8_t root[MESH_ROOT_LEN];
	bool first = true;
	int more;

	(void)state;
	/* long names, so a chunk holds few */
	for (size_t i = 0; i < 150; i++) {
		snprintf(name, sizeof(name), "%03zu-%s", i,
		         "a-rather-long-node-name-that-fills-most-of-a-dns-label");
		{
			struct record x;
			struct rec_opts opt = { .seq = i + 1 };

			rec_fill(&x, name, &opt);
			x.wg_key[0] = (uint8_t)i;
			assert_int_equal(record_sign(&x, net_sec), 0);
			o.kind = MESH_KIND_RECORD;
			assert_int_equal(record_encode(&x, o.b, sizeof(o.b), &o.len), 0);
		}
		assert_int_equal(offer(s, &o, NOW), MESH_NEW);
		if (i % 3 == 0) {
			ann(&o, name, i);
			assert_int_equal(offer(s, &o, NOW), MESH_NEW);
		}
	}
	root_of(s, root, &count);
	assert_int_equal(count, 150 + 50);
	more = mesh_store_next_entry(s, NULL, &e);
	for (;;) {
		mesh_store_summary_chunk(s, first ? NULL : &last, &sum);
		assert_int_equal(!!(sum.flags & MESH_SUMMARY_FROM_START), first);
		f.type = MESH_FRAME_SUMMARY;
		f.u.summary = sum;
		assert_int_equal(mesh_frame_encode(&f, buf, sizeof(buf), &len), 0);
		assert_true(len <= MESH_FRAME_MAX);
		/* the chunks list every entry once, in order */
		for (size_t i = 0; i < sum.n; i++) {
			assert_true(more);
			assert_int_equal(mesh_key_cmp(&sum.e[i].key, &e.key), 0);
			assert_int_equal(sum.e[i].sequence, e.sequence);
			more = mesh_store_next_entry(s, &e.key, &e);
		}
		total += sum.n;
		nchunks++;
		if (sum.flags & MESH_SUMMARY_TO_END)
			break;
		assert_true(sum.n > 0);
		last = sum.e[sum.n - 1].key;
		first = false;
	}
	assert_false(more);
	assert_int_equal(total, count);
	assert_true(nchunks >= 200 / 16);
	print_message("# %zu entries in %zu chunks\n", total, nchunks);

	/* an empty store: one chunk, the whole range, no entries */
	mesh_store_free(st);
	st = new_store("self");
	mesh_store_summary_chunk(st, NULL, &sum);
	assert_int_equal(sum.flags, MESH_SUMMARY_FROM_START | MESH_SUMMARY_TO_END);
	assert_int_equal(sum.n, 0);
}

struct pushed {
	size_t n;
	struct mesh_key k[64];
	size_t stop_after;
};

static bool push_rec(void *arg, const struct mesh_key *key)
{
	struct pushed *p = arg;

	p->k[p->n++] = *key;
	return p->n < p->stop_after;
}

static bool has_key(const struct mesh_key *k, size_t n, uint8_t kind, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (k[i].kind == kind && strcmp(k[i].name, name) == 0)
			return true;
	return false;
}

static void compare(void **state)
{
	struct mesh_store *peer = open_store(), *me = new_store("me");
	static struct mesh_summary sum;
	static struct mesh_want want;
	struct pushed p = { .stop_after = 64 };
	struct obj o;

	(void)state;
	/* peer: a1 b2 c1 e1, ann(a) 1, revocation r(x) */
	rec(&o, "a", 1, 1);
	offer(peer, &o, NOW);
	offer(me, &o, NOW);                          /* same at both */
	rec(&o, "b", 2, 2);
	offer(peer, &o, NOW);
	rec(&o, "b", 1, 2);
	offer(me, &o, NOW);                          /* peer newer */
	rec(&o, "c", 1, 3);
	offer(peer, &o, NOW);                        /* we lack it */
	rec(&o, "e", 1, 5);
	offer(peer, &o, NOW);
	ann(&o, "a", 1);
	offer(peer, &o, NOW);
	ann(&o, "a", 2);
	offer(me, &o, NOW);                          /* we are newer */
	rev(&o, "x", 0x99, 1);
	offer(peer, &o, NOW);
	rev(&o, "x", 0x98, 1);
	offer(me, &o, NOW);                          /* revocations differ: merge */
	rec(&o, "d", 1, 4);
	offer(me, &o, NOW);                          /* the peer lacks it */
	rec(&o, "f", 1, 6);
	offer(me, &o, NOW);
	rev(&o, "g", 0x66, 5);
	offer(me, &o, NOW);                          /* a record of g the peer has is revoked here */
	rec(&o, "g", 3, 7);
	assert_int_equal(offer(peer, &o, NOW), MESH_NEW);

	/* the whole range in one chunk */
	mesh_store_summary_chunk(peer, NULL, &sum);
	assert_true(sum.flags & MESH_SUMMARY_TO_END);
	mesh_store_compare(me, &sum, &want, push_rec, &p);
	assert_int_equal(want.n, 4);
	assert_true(has_key(want.keys, want.n, MESH_KIND_RECORD, "e"));
	assert_true(has_key(want.keys, want.n, MESH_KIND_REVOCATION, "x"));
	assert_true(has_key(want.keys, want.n, MESH_KIND_RECORD, "b"));
	assert_true(has_key(want.keys, want.n, MESH_KIND_RECORD, "c"));
	assert_false(has_key(want.keys, want.n, MESH_KIND_RECORD, "g"));
	assert_int_equal(p.n, 5);
	assert_true(has_key(p.k, p.n, MESH_KIND_REVOCATION, "x"));
	assert_true(has_key(p.k, p.n, MESH_KIND_REVOCATION, "g"));
	assert_true(has_key(p.k, p.n, MESH_KIND_RECORD, "d"));
	assert_true(has_key(p.k, p.n, MESH_KIND_RECORD, "f"));
	assert_true(has_key(p.k, p.n, MESH_KIND_ANNOUNCE, "a"));
	for (size_t i = 1; i < p.n; i++)
		assert_true(mesh_key_cmp(&p.k[i - 1], &p.k[i]) < 0);

	/* a chunk covering records up to "c" only: d and f are beyond it */
	memset(&sum, 0, sizeof(sum));
	sum.flags = 0;
	sum.after.kind = MESH_KIND_REVOCATION;
	strcpy(sum.after.name, "zzz");
	sum.n = 0;
	{
		struct mesh_entry e;
		struct mesh_key k = { .kind = MESH_KIND_REVOCATION, .name = "zzz" };

		while (mesh_store_next_entry(peer, &k, &e) && strcmp(e.key.name, "c") <= 0 &&
		       e.key.kind == MESH_KIND_RECORD) {
			sum.e[sum.n++] = e;
			k = e.key;
		}
	}
	assert_int_equal(sum.n, 3);                  /* a b c */
	p.n = 0;
	mesh_store_compare(me, &sum, &want, push_rec, &p);
	assert_int_equal(want.n, 2);                 /* b c */
	assert_int_equal(p.n, 0);
	/* the range from after c to the end, with e and g (and announce a) */
	sum.after.kind = MESH_KIND_RECORD;
	strcpy(sum.after.name, "c");
	sum.flags = MESH_SUMMARY_TO_END;
	sum.n = 0;
	mesh_store_compare(me, &sum, &want, push_rec, &p);
	assert_int_equal(want.n, 0);
	assert_int_equal(p.n, 3);                    /* d f, announce a */
	assert_true(has_key(p.k, p.n, MESH_KIND_RECORD, "d"));
	assert_true(has_key(p.k, p.n, MESH_KIND_ANNOUNCE, "a"));
	/* pushing stops when told to */
	p.n = 0;
	p.stop_after = 1;
	mesh_store_compare(me, &sum, &want, push_rec, &p);
	assert_int_equal(p.n, 1);

	/* objects by key */
	{
		const uint8_t *b;
		size_t len;
		struct mesh_key k = { .kind = MESH_KIND_REVOCATION, .name = "x" };

		assert_int_equal(mesh_store_get(me, &k, 0, &b, &len), 0);
		assert_int_equal(mesh_store_get(me, &k, 1, &b, &len), -ENOENT);
		k.kind = MESH_KIND_ANNOUNCE;
		strcpy(k.name, "d");
		assert_int_equal(mesh_store_get(me, &k, 0, &b, &len), -ENOENT);
		k.kind = MESH_KIND_RECORD;
		assert_int_equal(mesh_store_get(me, &k, 0, &b, &len), 0);
		assert_memory_equal(b, mesh_store_find(me, "d")->record, len);
	}
	mesh_store_free(me);
}

/* ---- the file ---- */

static char dir[64];

static void path_in(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
}

static int file_setup(void **state)
{
	each_setup(state);
	strcpy(dir, "/tmp/test_mesh_store.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int file_teardown(void **state)
{
	char cmd[128];

	each_teardown(state);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A store with a little of everything, endpoints included. */
static struct mesh_store *full_store(void)
{
	struct mesh_store *s = open_store();
	struct mesh_endpoint ep;
	size_t n = fill_pool();

	for (size_t i = 0; i < n; i++)
		offer(s, &pool[i], NOW);
	memset(&ep, 0, sizeof(ep));
	assert_int_equal(mg_addr_parse("198.51.100.4", &ep.addr), 0);
	ep.port = 51820;
	ep.when = NOW - 60;
	assert_int_equal(mesh_store_set_endpoint(s, "m01", &ep), 0);
	assert_int_equal(mg_addr_parse("2001:db8::9", &ep.addr), 0);
	ep.port = 443;
	assert_int_equal(mesh_store_set_endpoint(s, "m02", &ep), 0);
	assert_int_equal(mesh_store_set_endpoint(s, "nobody", &ep), -ENOENT);
	return s;
}

static void same_contents(struct mesh_store *a, struct mesh_store *b)
{
	uint8_t ra[MESH_ROOT_LEN], rb[MESH_ROOT_LEN];
	uint32_t ca, cb;

	root_of(a, ra, &ca);
	root_of(b, rb, &cb);
	assert_memory_equal(ra, rb, sizeof(ra));
	assert_int_equal(ca, cb);
	assert_int_equal(mesh_store_count(a), mesh_store_count(b));
	for (size_t i = 0; i < mesh_store_count(a); i++) {
		const struct mesh_node *x = mesh_store_node_at(a, i), *y = mesh_store_node_at(b, i);

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->record_len, y->record_len);
		assert_memory_equal(x->record, y->record, x->record_len);
		assert_int_equal(x->announce_len, y->announce_len);
		if (x->announce)
			assert_memory_equal(x->announce, y->announce, x->announce_len);
	}
}

static void file_round_trip(void **state)
{
	struct mesh_store *s = full_store(), *t = new_store("self");
	struct mesh_file_stats fs;
	char path[128];
	struct stat sb;
	const struct mesh_node *n;

	(void)state;
	path_in(path, sizeof(path), "members");
	assert_int_equal(mesh_store_load(t, path, NOW, &fs), -ENOENT);
	assert_int_equal(mesh_store_save(s, path), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(mesh_store_load(t, path, NOW, &fs), 0);
	same_contents(s, t);
	assert_int_equal(fs.verdicts[MESH_NEW], 15 + 8 + 3);
	assert_int_equal(fs.endpoints, 2);
	n = mesh_store_find(t, "m02");
	assert_int_equal(n->endpoint.addr.family, AF_INET6);
	assert_int_equal(n->endpoint.port, 443);
	assert_int_equal(n->endpoint.when, NOW - 60);
	assert_int_equal(mesh_store_find(t, "m01")->endpoint.addr.family, AF_INET);
	assert_null(mesh_store_find(t, "m03"));
	/* saving again gives the same bytes */
	{
		uint8_t *a, *b;
		size_t la, lb;

		assert_int_equal(mesh_store_file_build(s, &a, &la), 0);
		assert_int_equal(mesh_store_file_build(t, &b, &lb), 0);
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la);
		free(a);
		free(b);
	}
	/* loading into a store that has it all: duplicates only */
	assert_int_equal(mesh_store_load(t, path, NOW, &fs), 0);
	assert_int_equal(fs.verdicts[MESH_NEW], 0);
	assert_int_equal(fs.verdicts[MESH_DUPLICATE], 15 + 8 + 3);
	mesh_store_free(t);
	/* an empty store's file */
	t = new_store("self");
	assert_int_equal(mesh_store_save(t, path), 0);
	assert_int_equal(mesh_store_load(t, path, NOW, NULL), 0);
	assert_int_equal(mesh_store_count(t), 0);
	mesh_store_free(t);
}

static void assert_refused(const uint8_t *buf, size_t len)
{
	struct mesh_store *t = new_store("self");
	uint8_t root[MESH_ROOT_LEN];
	uint32_t count;

	assert_int_equal(mesh_store_file_parse(t, buf, len, NOW, NULL), -EBADMSG);
	assert_int_equal(mesh_store_count(t), 0);
	assert_int_equal(mesh_store_revocation_count(t), 0);
	root_of(t, root, &count);
	assert_int_equal(count, 0);
	mesh_store_free(t);
}

static void file_damaged(void **state)
{
	struct mesh_store *s = full_store(), *t;
	uint8_t *buf, sum[32];
	size_t len;
	char path[128];

	(void)state;
	assert_int_equal(mesh_store_file_build(s, &buf, &len), 0);
	for (size_t i = 0; i < len; i += 1 + (i > 64) * 7) {  /* truncated */
		assert_refused(buf, i);
	}
	assert_refused(buf, len - 1);
	for (size_t i = 0; i < len; i++) {                    /* any byte flipped */
		buf[i] ^= 0x20;
		assert_int_equal(mesh_store_file_parse(s, buf, len, NOW, NULL), -EBADMSG);
		buf[i] ^= 0x20;
	}
	t = new_store("self");
	buf[0] = 'X';                                         /* wrong magic */
	assert_refused(buf, len);
	buf[0] = 'M';
	buf[7] = 2;                                           /* another version */
	assert_refused(buf, len);
	buf[7] = 1;
	/* through the file: damaged on disk is refused by load as well */
	path_in(path, sizeof(path), "members");
	buf[len / 2] ^= 1;
	assert_int_equal(atomicfile_write(path, buf, len, 0600, ATOMICFILE_REPLACE), 0);
	assert_int_equal(mesh_store_load(t, path, NOW, NULL), -EBADMSG);
	assert_int_equal(mesh_store_count(t), 0);
	buf[len / 2] ^= 1;
	assert_int_equal(atomicfile_write(path, buf, len, 0600, ATOMICFILE_REPLACE), 0);
	assert_int_equal(mesh_store_load(t, path, NOW, NULL), 0);
	assert_int_equal(mesh_store_count(t), mesh_store_count(s));

	/* someone who can write the file and fix the checksum still cannot
	 * add or change a member: every object is verified again */
	{
		uint8_t *bad = malloc(len);
		struct mesh_store *u = new_store("self");
		struct mesh_file_stats fs;
		/* the first record starts after the 3 revocations */
		size_t at = 8;

		assert_non_null(bad);
		memcpy(bad, buf, len);
		for (int i = 0; i < 3; i++)
			at += 3 + rd16(bad + at + 1);
		assert_int_equal(bad[at], MESH_FILE_RECORD);
		bad[at + 3 + 40] ^= 0x01;                     /* inside its name or key */
		crypto_generichash(sum, sizeof(sum), bad, len - 32, NULL, 0);
		memcpy(bad + len - 32, sum, 32);
		assert_int_equal(mesh_store_file_parse(u, bad, len, NOW, &fs), 0);
		assert_int_equal(mesh_store_count(u), mesh_store_count(s) - 1);
		assert_int_equal(fs.verdicts[MESH_BAD_SIGNATURE] + fs.verdicts[MESH_MALFORMED], 1);
		/* its announcement, if it had one, has no record to go with */
		assert_true(fs.verdicts[MESH_UNKNOWN_NODE] <= 1);
		/* an unknown entry type is refused whole */
		memcpy(bad, buf, len);
		bad[8] = 9;
		crypto_generichash(sum, sizeof(sum), bad, len - 32, NULL, 0);
		memcpy(bad + len - 32, sum, 32);
		mesh_store_free(u);
		assert_refused(bad, len);
		free(bad);
	}
	mesh_store_free(t);
	free(buf);
}

static void file_expired_on_load(void **state)
{
	struct mesh_store *s = open_store(), *t = new_store("self");
	struct rec_opts o = { .seq = 1, .wg = 0x21, .expires = NOW + 10 * DAY };
	struct mesh_file_stats fs;
	struct obj r, a;
	char path[128];

	(void)state;
	rec_obj(&r, "brief", &o);
	ann(&a, "brief", 1);
	offer(s, &r, NOW);
	offer(s, &a, NOW);
	rec(&r, "lasting", 1, 0x22);
	offer(s, &r, NOW);
	path_in(path, sizeof(path), "members");
	assert_int_equal(mesh_store_save(s, path), 0);
	assert_int_equal(mesh_store_load(t, path, NOW + 10 * DAY, &fs), 0);
	assert_int_equal(fs.verdicts[MESH_EXPIRED], 1);
	assert_int_equal(fs.verdicts[MESH_UNKNOWN_NODE], 1);
	assert_int_equal(fs.verdicts[MESH_NEW], 1);
	assert_null(mesh_store_find(t, "brief"));
	assert_non_null(mesh_store_find(t, "lasting"));
	mesh_store_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(record_verdicts, each_setup, each_teardown),
		cmocka_unit_test_setup_teardown(equal_sequence, each_setup, each_teardown),
		cmocka_unit_test_setup_teardown(tampered, each_setup, each_teardown),
		cmocka_unit_test_setup_teardown(expiry, each_setup, each_teardown),
		cmocka_unit_test_setup_teardown(revocation_before_record, each_setup, each_teardown),
		cmocka_unit_test_setup_teardown(revocation_after_record, each_setup, each_teardown),
		cmocka_unit_test_setup_teardown(key_conflict, each_setup, each_teardown),
		cmocka_unit_test_setup_teardown(rekey, each_setup, each_teardown),
		cmocka_unit_test_setup_teardown(announce_verdicts, each_setup, each_teardown),
		cmocka_unit_test_setup_teardown(lookups, each_setup, each_teardown),
		cmocka_unit_test_setup_teardown(root_order_independent, each_setup, each_teardown),
		cmocka_unit_test_setup_teardown(chunks, each_setup, each_teardown),
		cmocka_unit_test_setup_teardown(compare, each_setup, each_teardown),
		cmocka_unit_test_setup_teardown(file_round_trip, file_setup, file_teardown),
		cmocka_unit_test_setup_teardown(file_damaged, file_setup, file_teardown),
		cmocka_unit_test_setup_teardown(file_expired_on_load, file_setup, file_teardown),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

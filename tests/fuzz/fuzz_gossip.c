/* Arbitrary bytes as a control frame received from a peer, into a gossip
 * instance over a small store filled afresh for every input; the same
 * bytes through the frame decoder (whatever decodes must encode back to
 * exactly its header and body) and, with a good checksum appended, through
 * the store file loader. Every frame the gossip sends must decode.
 *
 * The network key is fixed (seed of 0x42 bytes, as in fuzz_record), so
 * OBJECT frames in the seeds verify and their mutations reach every check.
 * FUZZ_GOSSIP_WRITE_SEEDS=DIR fuzz_gossip writes the seeds and exits:
 * tests/fuzz/corpus/gossip/ holds them. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "keys/announce.h"
#include "keys/netkey.h"
#include "keys/record.h"
#include "keys/revocation.h"
#include "vpn/mesh/frame.h"
#include "vpn/mesh/gossip.h"
#include "vpn/mesh/store.h"
#include "vpn/mesh/store_file.h"

#define NOW 1700000000ULL

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct obj {
	uint8_t kind;
	size_t len;
	uint8_t b[WIRE_OBJECT_MAX];
};

static uint8_t net_pub[NETKEY_PUB_LEN], net_sec[NETKEY_SECRET_LEN];
/* held by the store under test, and only by the seeds' other store */
static struct obj held[6], extra[4];
static int peers[3];

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void keys_of(const char *name, uint8_t *pub, uint8_t *sec)
{
	uint8_t seed[NETKEY_SEED_LEN];

	crypto_generichash(seed, sizeof(seed), (const uint8_t *)name, strlen(name), NULL, 0);
	netkey_from_seed(pub, sec, seed);
}

static void make_rec(struct obj *o, const char *name, uint64_t seq, uint8_t wg)
{
	uint8_t sec[NETKEY_SECRET_LEN];
	struct record r;

	memset(&r, 0, sizeof(r));
	strcpy(r.name, name);
	r.role = RECORD_ROLE_CLIENT;
	memset(r.wg_key, wg, sizeof(r.wg_key));
	keys_of(name, r.node_key, sec);
	r.n_mesh = 1;
	check(mg_prefix_parse("10.77.0.3/16", true, &r.mesh[0]) == 0);
	r.sequence = seq;
	r.issued_at = NOW - 100;
	r.expires_at = NOW + 100000;
	check(record_sign(&r, net_sec) == 0);
	o->kind = MESH_KIND_RECORD;
	check(record_encode(&r, o->b, sizeof(o->b), &o->len) == 0);
}

static void make_ann(struct obj *o, const char *name, uint64_t seq)
{
	uint8_t pub[NETKEY_PUB_LEN], sec[NETKEY_SECRET_LEN];
	struct announce a;

	memset(&a, 0, sizeof(a));
	strcpy(a.name, name);
	a.sequence = seq;
	a.timestamp = NOW;
	a.n_endpoints = 1;
	check(mg_addr_parse("192.0.2.9", &a.endpoints[0].addr) == 0);
	a.endpoints[0].port = 51820;
	keys_of(name, pub, sec);
	check(announce_sign(&a, sec) == 0);
	o->kind = MESH_KIND_ANNOUNCE;
	check(announce_encode(&a, o->b, sizeof(o->b), &o->len) == 0);
}

static void make_rev(struct obj *o, const char *name, uint8_t wg, uint64_t last)
{
	struct revocation v;

	memset(&v, 0, sizeof(v));
	strcpy(v.name, name);
	memset(v.wg_key, wg, sizeof(v.wg_key));
	v.last_sequence = last;
	v.issued_at = NOW;
	check(revocation_sign(&v, net_sec) == 0);
	o->kind = MESH_KIND_REVOCATION;
	check(revocation_encode(&v, o->b, sizeof(o->b), &o->len) == 0);
}

static void init(void)
{
	uint8_t seed[NETKEY_SEED_LEN];

	if (sodium_init() < 0)
		abort();
	memset(seed, 0x42, sizeof(seed));
	netkey_from_seed(net_pub, net_sec, seed);
	make_rec(&held[0], "alpha", 1, 0xa1);
	make_rec(&held[1], "bravo", 2, 0xb1);
	make_rec(&held[2], "charlie", 1, 0xc1);
	make_ann(&held[3], "alpha", 1);
	make_ann(&held[4], "bravo", 5);
	make_rev(&held[5], "zulu", 0xee, 3);
	make_rec(&extra[0], "bravo", 3, 0xb1);   /* newer */
	make_ann(&extra[1], "alpha", 2);
	make_rec(&extra[2], "delta", 1, 0xd1);   /* unknown here */
	make_rev(&extra[3], "charlie", 0xc1, 1); /* revokes charlie */
}

static void fill(struct mesh_store *s, const struct obj *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mesh_store_offer(s, o[i].kind, o[i].b, o[i].len, NOW);
}

static void on_send(void *arg, void *peer, const uint8_t *frame, size_t len)
{
	static struct mesh_frame f;

	(void)arg;
	(void)peer;
	check(len <= MESH_FRAME_MAX && mesh_frame_is_control(frame, len));
	check(mesh_frame_decode(frame, len, &f) == 0);
}

static uint32_t fixed_rand(void *arg)
{
	(void)arg;
	return 1;
}

static void decode_round_trip(const uint8_t *data, size_t size)
{
	static struct mesh_frame f;
	uint8_t out[MESH_FRAME_MAX];
	size_t len;

	if (mesh_frame_decode(data, size, &f) < 0)
		return;
	check(mesh_frame_encode(&f, out, sizeof(out), &len) == 0);
	check(len <= size && memcmp(out, data, len) == 0);
	check(len == MESH_FRAME_HDR + (size_t)(data[2] << 8 | data[3]));
}

/* The bytes as a store file body: a good checksum is appended, so the
 * framing and the offers behind it are reached. */
static void as_file(struct mesh_store *s, const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size + 32);
	uint8_t *out;
	size_t len;

	if (!buf)
		return;
	memcpy(buf, data, size);
	crypto_generichash(buf + size, 32, buf, size, NULL, 0);
	if (mesh_store_file_parse(s, buf, size + 32, NOW, NULL) == 0) {
		check(mesh_store_file_build(s, &out, &len) == 0);
		free(out);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct gossip_ops ops = { .send = on_send, .rand = fixed_rand };
	static bool ready;
	struct mesh_store *s;
	struct gossip *g;
	uint8_t *copy;

	if (!ready) {
		init();
		ready = true;
	}
	/* an exact-size copy, so any read past the end is caught */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	decode_round_trip(copy, size);

	s = mesh_store_new(net_pub, "alpha", NULL, NULL);
	check(s != NULL);
	fill(s, held, 6);
	g = gossip_new(s, &ops, NULL, NULL);
	check(g != NULL);
	for (size_t i = 0; i < 3; i++)
		check(gossip_peer_add(g, &peers[i]) == 0);
	gossip_receive(g, &peers[1], copy, size, NOW);
	gossip_tick(g, NOW);
	gossip_receive(g, &peers[2], copy, size, NOW + 1);
	as_file(s, copy, size);
	gossip_free(g);
	mesh_store_free(s);
	free(copy);
	return 0;
}

/* ---- seeds ---- */

static void write_seed(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	check(f && fwrite(p, 1, len, f) == len && fclose(f) == 0);
}

static void write_frame(const char *dir, const char *name, const struct mesh_frame *fr)
{
	uint8_t buf[MESH_FRAME_MAX + 16];
	size_t len;

	check(mesh_frame_encode(fr, buf, MESH_FRAME_MAX, &len) == 0);
	write_seed(dir, name, buf, len);
	/* as WireGuard delivers it: zero padding to 16 */
	memset(buf + len, 0, 16);
	if (len % 16) {
		char padded[128];

		snprintf(padded, sizeof(padded), "%s-padded", name);
		write_seed(dir, padded, buf, (len + 15) / 16 * 16);
	}
}

static void write_seeds(const char *dir)
{
	static struct mesh_frame f;
	struct mesh_store *s, *other;
	struct mesh_entry e;
	uint8_t buf[MESH_FRAME_MAX], *file;
	char name[64];
	size_t len;

	init();
	s = mesh_store_new(net_pub, "alpha", NULL, NULL);
	other = mesh_store_new(net_pub, "delta", NULL, NULL);
	check(s && other);
	fill(s, held, 6);
	fill(other, held, 6);
	fill(other, extra, 4);

	f.type = MESH_FRAME_HASH;
	mesh_store_root(s, f.u.hash.root, &f.u.hash.count);
	write_frame(dir, "hash-same", &f);
	mesh_store_root(other, f.u.hash.root, &f.u.hash.count);
	write_frame(dir, "hash-other", &f);

	f.type = MESH_FRAME_SUMMARY;
	mesh_store_summary_chunk(other, NULL, &f.u.summary);
	write_frame(dir, "summary-all", &f);
	f.u.summary.flags = 0;
	f.u.summary.after.kind = MESH_KIND_RECORD;
	strcpy(f.u.summary.after.name, "alpha");
	mesh_store_summary_chunk(other, &f.u.summary.after, &f.u.summary);
	f.u.summary.flags &= (uint8_t)~MESH_SUMMARY_TO_END;
	f.u.summary.n = 2;
	write_frame(dir, "summary-part", &f);

	f.type = MESH_FRAME_WANT;
	f.u.want.n = 0;
	for (int more = mesh_store_next_entry(other, NULL, &e); more && f.u.want.n < MESH_LIST_MAX;
	     more = mesh_store_next_entry(other, &e.key, &e))
		f.u.want.keys[f.u.want.n++] = e.key;
	write_frame(dir, "want-all", &f);

	for (size_t i = 0; i < 4; i++) {
		check(mesh_frame_object(extra[i].kind, extra[i].b, extra[i].len, buf, sizeof(buf),
		                        &len) == 0);
		snprintf(name, sizeof(name), "object-new-%zu", i);
		write_seed(dir, name, buf, len);
	}
	check(mesh_frame_object(held[0].kind, held[0].b, held[0].len, buf, sizeof(buf), &len) == 0);
	write_seed(dir, "object-duplicate", buf, len);

	/* a store file without its checksum, which the target appends */
	check(mesh_store_file_build(other, &file, &len) == 0);
	write_seed(dir, "file", file, len - 32);
	free(file);
	mesh_store_free(s);
	mesh_store_free(other);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_GOSSIP_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	if (dir) {
		write_seeds(dir);
		exit(0);
	}
	return 0;
}

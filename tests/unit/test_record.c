/* keys/: node records, revocations and announcements. Round trips, every
 * field and byte tampered with, truncations, TLV framing abuse, name
 * rules, expiry boundaries, and the order every node must agree on.
 *
 * `test_record --write-seeds DIR` writes the fuzz seeds (records,
 * revocations, announcements signed with the fuzz target's fixed key). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <sodium.h>

#include "keys/announce.h"
#include "keys/netkey.h"
#include "keys/record.h"
#include "keys/revocation.h"
#include "keys/wire.h"

#define NOW 1700000000ULL
/* tests/fuzz/fuzz_record.c derives its network key from the same seed */
#define FUZZ_KEY_BYTE 0x42

static uint8_t net_pub[NETKEY_PUB_LEN], net_sec[NETKEY_SECRET_LEN];
static uint8_t node_pub[NETKEY_PUB_LEN], node_sec[NETKEY_SECRET_LEN];

static void keys_from_byte(uint8_t *pub, uint8_t *sec, uint8_t b)
{
	uint8_t seed[NETKEY_SEED_LEN];

	memset(seed, b, sizeof(seed));
	netkey_from_seed(pub, sec, seed);
}

static int setup(void **state)
{
	if (sodium_init() < 0)
		return -1;
	keys_from_byte(net_pub, net_sec, FUZZ_KEY_BYTE);
	keys_from_byte(node_pub, node_sec, 0x17);
	return 0;
}

static void prefix(struct mg_prefix *p, const char *s, bool host_bits_ok)
{
	assert_int_equal(mg_prefix_parse(s, host_bits_ok, p), 0);
}

/* A gateway with every optional field. */
static void gateway(struct record *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->name, "gw1");
	strcpy(r->site, "flat1");
	r->role = RECORD_ROLE_GATEWAY;
	memset(r->wg_key, 0xa1, sizeof(r->wg_key));
	memcpy(r->node_key, node_pub, sizeof(r->node_key));
	r->n_mesh = 2;
	prefix(&r->mesh[0], "10.77.0.1/16", true);
	prefix(&r->mesh[1], "fd77::1/48", true);
	r->n_subnets = 2;
	prefix(&r->subnets[0], "192.168.1.0/24", false);
	prefix(&r->subnets[1], "fd01:1::/64", false);
	strcpy(r->domain, "flat1.example");
	r->sequence = 1;
	r->issued_at = NOW;
	r->expires_at = NOW + RECORD_LIFETIME;
}

/* A roaming client with none. */
static void client(struct record *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->name, "laptop");
	r->role = RECORD_ROLE_CLIENT;
	memset(r->wg_key, 0xb2, sizeof(r->wg_key));
	memcpy(r->node_key, node_pub, sizeof(r->node_key));
	r->n_mesh = 1;
	prefix(&r->mesh[0], "10.77.0.9/16", true);
	r->sequence = 7;
	r->issued_at = NOW;
	r->expires_at = NOW + RECORD_LIFETIME;
}

static size_t signed_bytes(struct record *r, uint8_t *buf)
{
	size_t len = 0;

	assert_int_equal(record_sign(r, net_sec), 0);
	assert_int_equal(record_encode(r, buf, RECORD_WIRE_MAX, &len), 0);
	return len;
}

static void assert_records_equal(const struct record *a, const struct record *b)
{
	uint8_t ea[RECORD_WIRE_MAX], eb[RECORD_WIRE_MAX];
	size_t la, lb;

	assert_int_equal(record_encode(a, ea, sizeof(ea), &la), 0);
	assert_int_equal(record_encode(b, eb, sizeof(eb), &lb), 0);
	assert_int_equal(la, lb);
	assert_memory_equal(ea, eb, la);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->sequence, b->sequence);
	assert_int_equal(record_cmp(a, b), 0);
}

static void round_trip(void **state)
{
	void (*make[])(struct record *) = { gateway, client };

	for (size_t i = 0; i < 2; i++) {
		uint8_t buf[RECORD_WIRE_MAX], again[RECORD_WIRE_MAX];
		struct record r, back;
		size_t len, len2;

		make[i](&r);
		len = signed_bytes(&r, buf);
		assert_int_equal(record_verify(buf, len, net_pub, NOW, &back), 0);
		assert_records_equal(&r, &back);
		assert_int_equal(record_encode(&back, again, sizeof(again), &len2), 0);
		assert_int_equal(len2, len);
		assert_memory_equal(again, buf, len);
		assert_int_equal(record_verify(buf, len, net_pub, NOW, NULL), 0);
	}
}

/* Every field at its longest still fits one datagram. */
static void largest_record(void **state)
{
	uint8_t buf[RECORD_WIRE_MAX];
	struct record r, back;
	char s[64];
	size_t len;

	gateway(&r);
	memset(r.name, 'n', 63);
	memset(r.site, 's', 63);
	r.n_mesh = RECORD_MESH_MAX;
	for (int i = 0; i < RECORD_MESH_MAX; i++) {
		snprintf(s, sizeof(s), "fd77::%x/48", i + 1);
		prefix(&r.mesh[i], s, true);
	}
	r.n_subnets = RECORD_SUBNETS_MAX;
	for (int i = 0; i < RECORD_SUBNETS_MAX; i++) {
		snprintf(s, sizeof(s), "fd01:%x::/64", i + 1);
		prefix(&r.subnets[i], s, false);
	}
	/* 4 labels of 62 and one of 1: 253 characters */
	memset(r.domain, 'd', 253);
	for (int i = 62; i < 253; i += 63)
		r.domain[i] = '.';
	r.domain[253] = '\0';
	assert_true(wire_domain_valid(r.domain));
	r.sequence = r.issued_at = UINT64_MAX - 1;
	r.expires_at = UINT64_MAX;
	len = signed_bytes(&r, buf);
	assert_int_equal(len, 967);
	assert_int_equal(record_verify(buf, len, net_pub, NOW, &back), 0);
	assert_records_equal(&r, &back);
}

typedef void (*mutator)(struct record *);

static void m_network(struct record *r) { r->network_id[5] ^= 1; }
static void m_name(struct record *r) { r->name[0] = 'h'; }
static void m_site_change(struct record *r) { r->site[0] = 'g'; }
static void m_site_drop(struct record *r) { r->site[0] = '\0'; r->role = RECORD_ROLE_CLIENT;
                                            r->n_subnets = 0; r->domain[0] = '\0'; }
static void m_role(struct record *r) { r->role = RECORD_ROLE_CLIENT; r->n_subnets = 0;
                                       r->domain[0] = '\0'; }
static void m_wg_key(struct record *r) { r->wg_key[31] ^= 0x80; }
static void m_node_key(struct record *r) { r->node_key[0] ^= 1; }
static void m_mesh_addr(struct record *r) { r->mesh[0].addr.u.bytes[3] ^= 1; }
static void m_mesh_len(struct record *r) { r->mesh[1].len = 64; }
static void m_mesh_drop(struct record *r) { r->n_mesh = 1; }
static void m_mesh_order(struct record *r) { struct mg_prefix t = r->mesh[0];
                                             r->mesh[0] = r->mesh[1]; r->mesh[1] = t; }
static void m_subnet_addr(struct record *r) { r->subnets[0].addr.u.bytes[2] = 2; }
static void m_subnet_add(struct record *r) { prefix(&r->subnets[r->n_subnets++], "10.1.0.0/16", false); }
static void m_subnets_drop(struct record *r) { r->n_subnets = 0; }
static void m_domain(struct record *r) { r->domain[0] = 'g'; }
static void m_domain_drop(struct record *r) { r->domain[0] = '\0'; }
static void m_sequence(struct record *r) { r->sequence++; }
static void m_issued(struct record *r) { r->issued_at--; }
static void m_expires(struct record *r) { r->expires_at += 86400; }

/* Any change to any signed field, re-encoded with the old signature, fails. */
static void every_field_signed(void **state)
{
	static const mutator m[] = {
		m_network, m_name, m_site_change, m_site_drop, m_role, m_wg_key, m_node_key,
		m_mesh_addr, m_mesh_len, m_mesh_drop, m_mesh_order, m_subnet_addr, m_subnet_add,
		m_subnets_drop, m_domain, m_domain_drop, m_sequence, m_issued, m_expires,
	};
	uint8_t buf[RECORD_WIRE_MAX];
	struct record good, r;
	size_t len;

	gateway(&good);
	len = signed_bytes(&good, buf);
	assert_int_equal(record_verify(buf, len, net_pub, NOW, NULL), 0);
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		r = good;
		m[i](&r);
		assert_int_equal(record_encode(&r, buf, sizeof(buf), &len), 0);
		assert_int_equal(record_verify(buf, len, net_pub, NOW, NULL), -EBADMSG);
		/* and signing again makes it good: the mutation alone was valid */
		len = signed_bytes(&r, buf);
		assert_int_equal(record_verify(buf, len, net_pub, NOW, NULL), 0);
	}
	/* the signature itself */
	r = good;
	r.sig[63] ^= 0x01;
	assert_int_equal(record_encode(&r, buf, sizeof(buf), &len), 0);
	assert_int_equal(record_verify(buf, len, net_pub, NOW, NULL), -EBADMSG);
}

/* Every bit of the encoding flipped: never accepted. */
static void every_bit_flipped(void **state)
{
	uint8_t good[RECORD_WIRE_MAX], buf[RECORD_WIRE_MAX];
	struct record r;
	size_t len;

	gateway(&r);
	len = signed_bytes(&r, good);
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			int v;

			memcpy(buf, good, len);
			buf[i] ^= (uint8_t)(1 << bit);
			v = record_verify(buf, len, net_pub, NOW, NULL);
			assert_true(v == -EINVAL || v == -EBADMSG);
		}
	}
}

static void truncations(void **state)
{
	uint8_t good[RECORD_WIRE_MAX + 1], *buf;
	struct record r;
	size_t len;

	gateway(&r);
	len = signed_bytes(&r, good);
	for (size_t n = 0; n < len; n++) {
		/* a fresh allocation of exactly n bytes, so ASan sees any overread */
		buf = malloc(n ? n : 1);
		assert_non_null(buf);
		memcpy(buf, good, n);
		assert_int_equal(record_decode(buf, n, &r), -EINVAL);
		assert_int_equal(record_verify(buf, n, net_pub, NOW, NULL), -EINVAL);
		free(buf);
	}
	/* and one byte too many */
	good[len] = 0;
	assert_int_equal(record_decode(good, len + 1, &r), -EINVAL);
}

static void wrong_key_or_context(void **state)
{
	uint8_t buf[RECORD_WIRE_MAX], other_pub[32], other_sec[64];
	struct record r;
	size_t len;

	gateway(&r);
	len = signed_bytes(&r, buf);
	keys_from_byte(other_pub, other_sec, 0x99);
	/* another network's key: its id does not match */
	assert_int_equal(record_verify(buf, len, other_pub, NOW, NULL), -EBADMSG);
	/* another key that claims this network's id */
	assert_int_equal(netkey_sign(r.sig, NETKEY_CTX_RECORD, buf, len - 67, other_sec), 0);
	assert_int_equal(record_encode(&r, buf, sizeof(buf), &len), 0);
	assert_int_equal(record_verify(buf, len, net_pub, NOW, NULL), -EBADMSG);
	/* the right key over the same bytes, but for another kind of object */
	assert_int_equal(netkey_sign(r.sig, NETKEY_CTX_REVOCATION, buf, len - 67, net_sec), 0);
	assert_int_equal(record_encode(&r, buf, sizeof(buf), &len), 0);
	assert_int_equal(record_verify(buf, len, net_pub, NOW, NULL), -EBADMSG);
	assert_int_equal(netkey_sign(r.sig, NETKEY_CTX_RECORD, buf, len - 67, net_sec), 0);
	assert_int_equal(record_encode(&r, buf, sizeof(buf), &len), 0);
	assert_int_equal(record_verify(buf, len, net_pub, NOW, NULL), 0);
}

/* TLV surgery: split a good encoding into fields, rebuild it altered. */
struct field {
	unsigned type;
	size_t len;
	const uint8_t *v;
};

static size_t split(const uint8_t *buf, size_t len, struct field *f)
{
	size_t n = 0, off = 0;

	while (off < len) {
		f[n].type = buf[off];
		f[n].len = (size_t)buf[off + 1] << 8 | buf[off + 2];
		f[n].v = buf + off + 3;
		off += 3 + f[n].len;
		n++;
	}
	return n;
}

static size_t join(uint8_t *out, const struct field *f, size_t n)
{
	size_t off = 0;

	for (size_t i = 0; i < n; i++) {
		out[off++] = (uint8_t)f[i].type;
		out[off++] = (uint8_t)(f[i].len >> 8);
		out[off++] = (uint8_t)f[i].len;
		memcpy(out + off, f[i].v, f[i].len);
		off += f[i].len;
	}
	return off;
}

static size_t find(const struct field *f, size_t n, unsigned type)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].type == type)
			return i;
	fail_msg("no field %u", type);
	return 0;
}

static int decode_fields(const struct field *f, size_t n)
{
	uint8_t buf[4096];
	struct record r;
	size_t len = join(buf, f, n);

	return record_decode(buf, len, &r);
}

static void tlv_framing(void **state)
{
	static const uint8_t zero[300];
	uint8_t good[RECORD_WIRE_MAX];
	struct field f[20], g[21];
	struct record r;
	size_t len, n;

	gateway(&r);
	len = signed_bytes(&r, good);
	n = split(good, len, f);
	assert_int_equal(n, 14);
	assert_int_equal(decode_fields(f, n), 0);

	/* each field duplicated in place */
	for (size_t i = 0; i < n; i++) {
		memcpy(g, f, (i + 1) * sizeof(f[0]));
		memcpy(g + i + 1, f + i, (n - i) * sizeof(f[0]));
		assert_int_equal(decode_fields(g, n + 1), -EINVAL);
	}
	/* each pair of neighbours swapped */
	for (size_t i = 0; i + 1 < n; i++) {
		memcpy(g, f, n * sizeof(f[0]));
		g[i] = f[i + 1];
		g[i + 1] = f[i];
		assert_int_equal(decode_fields(g, n), -EINVAL);
	}
	/* each field dropped: only site, subnets and domain may go (and not
	 * all of them on a gateway) */
	for (size_t i = 0; i < n; i++) {
		memcpy(g, f, i * sizeof(f[0]));
		memcpy(g + i, f + i + 1, (n - i - 1) * sizeof(f[0]));
		assert_int_equal(decode_fields(g, n - 1),
		                 f[i].type == RECORD_T_SUBNETS || f[i].type == RECORD_T_DOMAIN ?
		                 0 : -EINVAL);
	}
	/* unknown types at each place they could sort, and type 0 first */
	for (unsigned t = 0; t < 255; t++) {
		size_t at = 0;

		if (t >= 1 && t <= 13)
			continue;
		while (at < n && f[at].type < t)
			at++;
		memcpy(g, f, at * sizeof(f[0]));
		g[at] = (struct field){ t, 1, zero };
		memcpy(g + at + 1, f + at, (n - at) * sizeof(f[0]));
		assert_int_equal(decode_fields(g, n + 1), -EINVAL);
	}
	/* every fixed-size field one byte short and one long */
	for (size_t i = 0; i < n; i++) {
		unsigned t = f[i].type;
		uint8_t big[300];

		if (t == RECORD_T_NAME || t == RECORD_T_SITE || t == RECORD_T_DOMAIN ||
		    t == RECORD_T_MESH || t == RECORD_T_SUBNETS)
			continue;
		memcpy(g, f, n * sizeof(f[0]));
		g[i].len--;
		assert_int_equal(decode_fields(g, n), -EINVAL);
		memcpy(big, f[i].v, f[i].len);
		big[f[i].len] = 0;
		g[i].v = big;
		g[i].len = f[i].len + 1;
		assert_int_equal(decode_fields(g, n), -EINVAL);
	}
	/* optional fields present but empty */
	for (size_t i = 0; i < n; i++) {
		memcpy(g, f, n * sizeof(f[0]));
		g[i].len = 0;
		assert_int_equal(decode_fields(g, n), -EINVAL);
	}
	/* bytes after the signature */
	memcpy(good + len, "\0", 1);
	assert_int_equal(record_decode(good, len + 1, &r), -EINVAL);
	/* a length running past the end */
	memcpy(g, f, n * sizeof(f[0]));
	n = join(good, g, n);
	good[n - 66] = 0x41;
	assert_int_equal(record_decode(good, n, &r), -EINVAL);
}

/* Replaces the value of field `type` in a good encoding and decodes. */
static int decode_with(unsigned type, const void *v, size_t vlen)
{
	uint8_t good[RECORD_WIRE_MAX];
	struct field f[20];
	struct record r;
	size_t len, n;

	gateway(&r);
	len = signed_bytes(&r, good);
	n = split(good, len, f);
	f[find(f, n, type)] = (struct field){ type, vlen, v };
	return decode_fields(f, n);
}

static int decode_name(const char *s)
{
	return decode_with(RECORD_T_NAME, s, strlen(s));
}

static void names(void **state)
{
	static const char *const bad[] = {
		"Gw1", "-gw", "gw-", "gw.1", "gw_1", "gw 1", "gw\xc3\xa9", "\x7f",
		"0123456789012345678901234567890123456789012345678901234567890123",
	};
	static const char *const good[] = {
		"a", "0", "gw-1", "x1-2-3",
		"012345678901234567890123456789012345678901234567890123456789012",
	};
	struct record r;
	uint8_t buf[RECORD_WIRE_MAX];
	size_t len;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(decode_name(bad[i]), -EINVAL);
		gateway(&r);
		snprintf(r.name, sizeof(r.name), "%s", bad[i]);
		if (strlen(bad[i]) >= sizeof(r.name))      /* not NUL-terminated at all */
			memset(r.name, 'a', sizeof(r.name));
		assert_int_equal(record_sign(&r, net_sec), -EINVAL);
		assert_int_equal(record_encode(&r, buf, sizeof(buf), &len), -EINVAL);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(decode_name(good[i]), 0);
	assert_int_equal(decode_with(RECORD_T_NAME, "gw\0x", 4), -EINVAL);
	assert_int_equal(decode_with(RECORD_T_SITE, "Flat1", 5), -EINVAL);
	assert_int_equal(decode_with(RECORD_T_DOMAIN, "flat1.example.", 14), -EINVAL);
	assert_int_equal(decode_with(RECORD_T_DOMAIN, "flat1..example", 14), -EINVAL);
	assert_int_equal(decode_with(RECORD_T_DOMAIN, ".example", 8), -EINVAL);
	assert_int_equal(decode_with(RECORD_T_DOMAIN, "Flat1.example", 13), -EINVAL);
	assert_int_equal(decode_with(RECORD_T_DOMAIN, "lan", 3), 0);

	/* 254 characters of domain */
	gateway(&r);
	memset(r.domain, 'd', 253);
	for (int i = 62; i < 253; i += 63)
		r.domain[i] = '.';
	assert_int_equal(decode_with(RECORD_T_DOMAIN, r.domain, 253), 0);
	r.domain[253] = 'x';
	assert_int_equal(decode_with(RECORD_T_DOMAIN, r.domain, 254), -EINVAL);
	/* a 64-character label inside a domain */
	memset(r.domain, 'd', 70);
	assert_int_equal(decode_with(RECORD_T_DOMAIN, r.domain, 64), -EINVAL);
	assert_int_equal(decode_with(RECORD_T_DOMAIN, r.domain, 63), 0);
}

static int decode_prefixes(unsigned type, const char *const *p, size_t n)
{
	uint8_t v[400];
	struct wcur w = wcur_init(v, sizeof(v));
	struct mg_prefix x;

	for (size_t i = 0; i < n; i++) {
		prefix(&x, p[i], true);
		wire_put_prefix(&w, &x);
	}
	assert_false(w.err);
	return decode_with(type, v, w.off);
}

static void field_rules(void **state)
{
	static const char *const five[] = { "10.0.0.1/8", "10.0.0.2/8", "10.0.0.3/8",
	                                    "10.0.0.4/8", "10.0.0.5/8" };
	static const char *const dup[] = { "10.0.0.1/8", "10.0.0.1/8" };
	static const char *const host_bits[] = { "192.168.1.1/24" };
	const char *seventeen[17];
	char s[17][32];
	uint8_t raw[40];
	struct record r;
	uint8_t buf[RECORD_WIRE_MAX];
	size_t len;

	assert_int_equal(decode_prefixes(RECORD_T_MESH, five, 4), 0);
	assert_int_equal(decode_prefixes(RECORD_T_MESH, five, 5), -EINVAL);
	assert_int_equal(decode_prefixes(RECORD_T_MESH, dup, 2), -EINVAL);
	assert_int_equal(decode_prefixes(RECORD_T_MESH, host_bits, 1), 0);
	assert_int_equal(decode_prefixes(RECORD_T_SUBNETS, host_bits, 1), -EINVAL);
	assert_int_equal(decode_prefixes(RECORD_T_SUBNETS, dup, 2), -EINVAL);
	for (int i = 0; i < 17; i++) {
		snprintf(s[i], sizeof(s[i]), "10.%d.0.0/16", i);
		seventeen[i] = s[i];
	}
	assert_int_equal(decode_prefixes(RECORD_T_SUBNETS, seventeen, 16), 0);
	assert_int_equal(decode_prefixes(RECORD_T_SUBNETS, seventeen, 17), -EINVAL);
	/* bad family, bad lengths, a short address */
	memcpy(raw, (uint8_t[]){ 5, 8, 10, 0, 0, 0 }, 6);
	assert_int_equal(decode_with(RECORD_T_MESH, raw, 6), -EINVAL);
	memcpy(raw, (uint8_t[]){ 4, 33, 10, 0, 0, 0 }, 6);
	assert_int_equal(decode_with(RECORD_T_MESH, raw, 6), -EINVAL);
	memcpy(raw, (uint8_t[]){ 4, 32, 10, 0, 0, 1 }, 6);
	assert_int_equal(decode_with(RECORD_T_MESH, raw, 6), 0);
	assert_int_equal(decode_with(RECORD_T_MESH, raw, 5), -EINVAL);
	memset(raw, 0, sizeof(raw));
	raw[0] = 6;
	raw[1] = 129;
	assert_int_equal(decode_with(RECORD_T_MESH, raw, 18), -EINVAL);
	raw[1] = 128;
	assert_int_equal(decode_with(RECORD_T_MESH, raw, 18), 0);
	assert_int_equal(decode_with(RECORD_T_MESH, raw, 17), -EINVAL);
	/* roles, versions, times */
	assert_int_equal(decode_with(RECORD_T_ROLE, "\x03", 1), -EINVAL);
	assert_int_equal(decode_with(RECORD_T_ROLE, "\x00", 1), -EINVAL);
	assert_int_equal(decode_with(RECORD_T_VERSION, "\x02", 1), -EINVAL);
	assert_int_equal(decode_with(RECORD_T_EXPIRES, "\0\0\0\0\x65\x53\xf1\x00", 8), -EINVAL);

	/* the same rules when encoding and signing */
	gateway(&r);
	r.site[0] = '\0';                               /* a gateway without a site */
	assert_int_equal(record_sign(&r, net_sec), -EINVAL);
	client(&r);
	prefix(&r.subnets[r.n_subnets++], "10.9.0.0/16", false);  /* a client routing a subnet */
	assert_int_equal(record_sign(&r, net_sec), -EINVAL);
	client(&r);
	strcpy(r.domain, "roam.example");
	assert_int_equal(record_sign(&r, net_sec), -EINVAL);
	client(&r);
	r.n_mesh = 0;
	assert_int_equal(record_sign(&r, net_sec), -EINVAL);
	client(&r);
	r.expires_at = r.issued_at;
	assert_int_equal(record_sign(&r, net_sec), -EINVAL);
	client(&r);
	r.mesh[0].addr.family = AF_UNIX;
	assert_int_equal(record_encode(&r, buf, sizeof(buf), &len), -EINVAL);
	client(&r);
	assert_int_equal(record_sign(&r, net_sec), 0);
	assert_int_equal(record_encode(&r, buf, 10, &len), -ENOBUFS);
}

static void expiry(void **state)
{
	uint8_t buf[RECORD_WIRE_MAX];
	struct record r;
	size_t len;

	client(&r);
	len = signed_bytes(&r, buf);
	assert_int_equal(record_verify(buf, len, net_pub, 0, NULL), 0);
	assert_int_equal(record_verify(buf, len, net_pub, r.expires_at - 1, NULL), 0);
	assert_int_equal(record_verify(buf, len, net_pub, r.expires_at, NULL), -EKEYEXPIRED);
	assert_int_equal(record_verify(buf, len, net_pub, UINT64_MAX, NULL), -EKEYEXPIRED);
	assert_false(record_expired(&r, r.expires_at - 1));
	assert_true(record_expired(&r, r.expires_at));

	assert_false(record_expiring_soon(&r, NOW, RECORD_RENEW_WINDOW));
	assert_false(record_expiring_soon(&r, r.expires_at - RECORD_RENEW_WINDOW - 1,
	                                  RECORD_RENEW_WINDOW));
	assert_true(record_expiring_soon(&r, r.expires_at - RECORD_RENEW_WINDOW,
	                                 RECORD_RENEW_WINDOW));
	assert_true(record_expiring_soon(&r, r.expires_at, RECORD_RENEW_WINDOW));
	assert_true(record_expiring_soon(&r, UINT64_MAX, RECORD_RENEW_WINDOW));

	/* an expired record that is also forged is reported as forged */
	r.sig[0] ^= 1;
	assert_int_equal(record_encode(&r, buf, sizeof(buf), &len), 0);
	assert_int_equal(record_verify(buf, len, net_pub, r.expires_at, NULL), -EBADMSG);
}

static void ordering(void **state)
{
	struct record a, b;

	client(&a);
	assert_int_equal(record_sign(&a, net_sec), 0);
	b = a;
	assert_false(record_newer(&a, &b));
	assert_false(record_newer(&b, &a));
	b.sequence++;
	assert_int_equal(record_sign(&b, net_sec), 0);
	assert_true(record_newer(&b, &a));
	assert_false(record_newer(&a, &b));
	/* the older sequence loses whatever else it says */
	a.expires_at += RECORD_LIFETIME;
	assert_int_equal(record_sign(&a, net_sec), 0);
	assert_true(record_newer(&b, &a));
	/* same sequence, different contents: one of them, by signature */
	b = a;
	b.wg_key[0] ^= 1;
	assert_int_equal(record_sign(&b, net_sec), 0);
	assert_true(record_newer(&a, &b) != record_newer(&b, &a));
	assert_int_equal(record_newer(&a, &b), memcmp(a.sig, b.sig, 64) > 0);
	/* same sequence and signature (not from an honest signer): still ordered */
	b = a;
	b.issued_at++;
	assert_true(record_newer(&a, &b) != record_newer(&b, &a));
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

#define N_RANDOM 40

/* Random records with few sequences, so ties are common: `newer` is
 * irreflexive, antisymmetric, total and transitive, and every order of
 * arrival keeps the same winner. */
static void ordering_random(void **state)
{
	static struct record r[N_RANDOM];
	uint32_t seed = 0x2545f491;
	size_t idx[N_RANDOM];

	for (size_t i = 0; i < N_RANDOM; i++) {
		client(&r[i]);
		snprintf(r[i].name, sizeof(r[i].name), "n%u", rnd(&seed) % 3);
		r[i].wg_key[0] = (uint8_t)i;
		r[i].sequence = rnd(&seed) % 4;
		r[i].expires_at += rnd(&seed) % 5;
		assert_int_equal(record_sign(&r[i], net_sec), 0);
	}
	for (size_t i = 0; i < N_RANDOM; i++) {
		assert_false(record_newer(&r[i], &r[i]));
		for (size_t j = 0; j < N_RANDOM; j++) {
			if (i == j)
				continue;
			assert_true(record_newer(&r[i], &r[j]) != record_newer(&r[j], &r[i]));
			for (size_t k = 0; k < N_RANDOM; k++)
				if (record_newer(&r[i], &r[j]) && record_newer(&r[j], &r[k]))
					assert_true(record_newer(&r[i], &r[k]));
		}
	}
	for (size_t i = 0; i < N_RANDOM; i++)
		idx[i] = i;
	for (int node = 0; node < 50; node++) {
		const struct record *best = NULL;
		static const struct record *first;

		for (size_t i = N_RANDOM - 1; i > 0; i--) {
			size_t j = rnd(&seed) % (i + 1), t = idx[i];

			idx[i] = idx[j];
			idx[j] = t;
		}
		for (size_t i = 0; i < N_RANDOM; i++)
			if (!best || record_newer(&r[idx[i]], best))
				best = &r[idx[i]];
		if (!first)
			first = best;
		assert_ptr_equal(best, first);
		assert_int_equal(best->sequence, 3);
	}
}

static void revocation(void **state)
{
	uint8_t buf[REVOCATION_WIRE_MAX], rbuf[RECORD_WIRE_MAX], other_pub[32], other_sec[64];
	struct revocation rev, back;
	struct record r, newer, rekeyed, other;
	size_t len, rlen, n;

	client(&r);
	r.sequence = 5;
	assert_int_equal(record_sign(&r, net_sec), 0);
	revocation_of(&rev, &r, NOW);
	assert_int_equal(revocation_sign(&rev, net_sec), 0);
	assert_int_equal(revocation_encode(&rev, buf, sizeof(buf), &len), 0);
	assert_int_equal(revocation_verify(buf, len, net_pub, &back), 0);
	assert_string_equal(back.name, "laptop");
	assert_int_equal(back.last_sequence, 5);
	assert_true(revocation_covers(&back, &r));

	/* an older record of the same node, and a newer one with the same key */
	newer = r;
	newer.sequence = 4;
	assert_true(revocation_covers(&back, &newer));
	newer.sequence = 6;
	assert_true(revocation_covers(&back, &newer));
	/* the name again, with a new key and a higher sequence: a new member */
	rekeyed = newer;
	rekeyed.wg_key[0] ^= 1;
	assert_false(revocation_covers(&back, &rekeyed));
	rekeyed.sequence = 5;
	assert_true(revocation_covers(&back, &rekeyed));
	/* the burnt key under another name */
	other = r;
	strcpy(other.name, "desk");
	other.sequence = 100;
	assert_true(revocation_covers(&back, &other));
	/* another network's record */
	other.network_id[0] ^= 1;
	assert_false(revocation_covers(&back, &other));

	/* forged, another network, truncated, flipped, mistaken for a record */
	keys_from_byte(other_pub, other_sec, 0x99);
	assert_int_equal(revocation_verify(buf, len, other_pub, NULL), -EBADMSG);
	for (n = 0; n < len; n++)
		assert_int_equal(revocation_verify(buf, n, net_pub, NULL), -EINVAL);
	for (size_t i = 0; i < len; i++) {
		int v;

		buf[i] ^= 0x10;
		v = revocation_verify(buf, len, net_pub, NULL);
		assert_true(v == -EINVAL || v == -EBADMSG);
		buf[i] ^= 0x10;
	}
	assert_int_equal(record_decode(buf, len, &r), -EINVAL);
	rlen = signed_bytes(&r, rbuf);
	assert_int_equal(revocation_decode(rbuf, rlen, &back), -EINVAL);
	/* the revocation's signature over a record's bytes does not verify */
	assert_int_equal(revocation_decode(buf, len, &back), 0);
	back.name[0] = 'x';
	assert_int_equal(revocation_encode(&back, buf, sizeof(buf), &len), 0);
	assert_int_equal(revocation_verify(buf, len, net_pub, NULL), -EBADMSG);
	back.name[0] = 'X';
	assert_int_equal(revocation_encode(&back, buf, sizeof(buf), &len), -EINVAL);
}

static void announce_make(struct announce *a)
{
	memset(a, 0, sizeof(*a));
	strcpy(a->name, "laptop");
	a->sequence = 42;
	a->timestamp = NOW;
	a->n_endpoints = 2;
	assert_int_equal(mg_addr_parse("203.0.113.7", &a->endpoints[0].addr), 0);
	a->endpoints[0].port = 51820;
	assert_int_equal(mg_addr_parse("2001:db8::7", &a->endpoints[1].addr), 0);
	a->endpoints[1].port = 4000;
}

static void announce(void **state)
{
	uint8_t buf[ANNOUNCE_WIRE_MAX], again[ANNOUNCE_WIRE_MAX], other_pub[32], other_sec[64];
	struct announce a, back;
	struct record rec;
	const uint8_t *v;
	size_t len, len2, vlen;

	client(&rec);
	assert_int_equal(record_sign(&rec, net_sec), 0);
	announce_make(&a);
	assert_int_equal(announce_opaque_add(&a, 130, "master", 6), 0);
	assert_int_equal(announce_opaque_add(&a, 130, "backup", 6), -EINVAL);
	assert_int_equal(announce_opaque_add(&a, 129, "x", 1), -EINVAL);
	assert_int_equal(announce_opaque_add(&a, 127, "x", 1), -EINVAL);
	assert_int_equal(announce_opaque_add(&a, 255, "x", 1), -EINVAL);
	assert_int_equal(announce_opaque_add(&a, 200, NULL, 0), 0);
	assert_int_equal(announce_sign(&a, node_sec), 0);
	assert_int_equal(announce_encode(&a, buf, sizeof(buf), &len), 0);
	assert_int_equal(announce_verify(buf, len, &rec, &back), 0);
	assert_int_equal(back.n_endpoints, 2);
	assert_int_equal(back.endpoints[1].port, 4000);
	assert_true(mg_addr_eq(&back.endpoints[0].addr, &a.endpoints[0].addr));
	assert_int_equal(announce_opaque_find(&back, 130, &v, &vlen), 0);
	assert_int_equal(vlen, 6);
	assert_memory_equal(v, "master", 6);
	assert_int_equal(announce_opaque_find(&back, 200, &v, &vlen), 0);
	assert_int_equal(vlen, 0);
	assert_int_equal(announce_opaque_find(&back, 131, &v, &vlen), -ENOENT);
	assert_int_equal(announce_encode(&back, again, sizeof(again), &len2), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(again, buf, len);
	assert_int_equal(announce_cmp(&a, &back), 0);

	/* a record with another node key, or for another name */
	keys_from_byte(other_pub, other_sec, 0x99);
	memcpy(rec.node_key, other_pub, 32);
	assert_int_equal(announce_verify(buf, len, &rec, NULL), -EBADMSG);
	memcpy(rec.node_key, node_pub, 32);
	strcpy(rec.name, "laptop2");
	assert_int_equal(announce_verify(buf, len, &rec, NULL), -EBADMSG);
	strcpy(rec.name, "laptop");
	/* signed by the network key instead of the node's */
	assert_int_equal(announce_sign(&a, net_sec), 0);
	assert_int_equal(announce_encode(&a, again, sizeof(again), &len2), 0);
	assert_int_equal(announce_verify(again, len2, &rec, NULL), -EBADMSG);

	for (size_t n = 0; n < len; n++)
		assert_int_equal(announce_verify(buf, n, &rec, NULL), -EINVAL);
	for (size_t i = 0; i < len; i++) {
		int r;

		buf[i] ^= 0x04;
		r = announce_verify(buf, len, &rec, NULL);
		assert_true(r == -EINVAL || r == -EBADMSG);
		buf[i] ^= 0x04;
	}

	/* endpoint rules */
	announce_make(&a);
	a.endpoints[1] = a.endpoints[0];
	assert_int_equal(announce_sign(&a, node_sec), -EINVAL);
	announce_make(&a);
	a.endpoints[0].port = 0;
	assert_int_equal(announce_sign(&a, node_sec), -EINVAL);
	announce_make(&a);
	a.n_endpoints = ANNOUNCE_ENDPOINTS_MAX + 1;
	assert_int_equal(announce_sign(&a, node_sec), -EINVAL);
	announce_make(&a);
	a.n_endpoints = 0;
	assert_int_equal(announce_sign(&a, node_sec), 0);
	assert_int_equal(announce_encode(&a, buf, sizeof(buf), &len), 0);
	assert_int_equal(announce_verify(buf, len, &rec, NULL), 0);
	/* opaque fields fill up, and a type below 128 is not carried */
	announce_make(&a);
	assert_int_equal(announce_opaque_add(&a, 128, buf, ANNOUNCE_OPAQUE_MAX - 3), 0);
	assert_int_equal(announce_opaque_add(&a, 129, NULL, 0), -ENOBUFS);
	assert_int_equal(announce_sign(&a, node_sec), 0);
	assert_int_equal(announce_encode(&a, buf, sizeof(buf), &len), 0);
	assert_true(len <= ANNOUNCE_WIRE_MAX);
	assert_int_equal(announce_verify(buf, len, &rec, NULL), 0);
	announce_make(&a);
	assert_int_equal(announce_sign(&a, node_sec), 0);
	assert_int_equal(announce_encode(&a, buf, sizeof(buf), &len), 0);
	memmove(buf + len - 67 + 4, buf + len - 67, 67);
	memcpy(buf + len - 67, (uint8_t[]){ 100, 0, 1, 0 }, 4);
	assert_int_equal(announce_decode(buf, len + 4, &back), -EINVAL);
	buf[len - 67] = 150;
	assert_int_equal(announce_decode(buf, len + 4, &back), 0);
	assert_int_equal(announce_verify(buf, len + 4, &rec, NULL), -EBADMSG);
}

/* Fuzz seeds, signed by the key the fuzz target uses. */
static int write_file(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

static int write_seeds(const char *dir)
{
	uint8_t buf[ANNOUNCE_WIRE_MAX];
	struct record r;
	struct revocation rev;
	struct announce a;
	size_t len;
	int bad = 0;

	if (setup(NULL) < 0)
		return 1;
	gateway(&r);
	len = signed_bytes(&r, buf);
	bad |= write_file(dir, "gateway", buf, len);
	client(&r);
	len = signed_bytes(&r, buf);
	bad |= write_file(dir, "client", buf, len);
	r.expires_at = NOW + 1;
	len = signed_bytes(&r, buf);
	bad |= write_file(dir, "client-expires-soon", buf, len);
	revocation_of(&rev, &r, NOW);
	if (revocation_sign(&rev, net_sec) < 0 || revocation_encode(&rev, buf, sizeof(buf), &len) < 0)
		return 1;
	bad |= write_file(dir, "revocation", buf, len);
	announce_make(&a);
	if (announce_opaque_add(&a, 130, "master", 6) < 0 || announce_sign(&a, node_sec) < 0 ||
	    announce_encode(&a, buf, sizeof(buf), &len) < 0)
		return 1;
	bad |= write_file(dir, "announce", buf, len);
	return bad;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(largest_record),
		cmocka_unit_test(every_field_signed),
		cmocka_unit_test(every_bit_flipped),
		cmocka_unit_test(truncations),
		cmocka_unit_test(wrong_key_or_context),
		cmocka_unit_test(tlv_framing),
		cmocka_unit_test(names),
		cmocka_unit_test(field_rules),
		cmocka_unit_test(expiry),
		cmocka_unit_test(ordering),
		cmocka_unit_test(ordering_random),
		cmocka_unit_test(revocation),
		cmocka_unit_test(announce),
	};

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]);
	return cmocka_run_group_tests(tests, setup, NULL);
}

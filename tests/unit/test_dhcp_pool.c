/* dhcp/pool: configuration checks, reservations, exhaustion, decline
 * quarantine, the same address after a restart, expiry, 50,000 clients in
 * a /16, and random operation sequences against a deliberately naive
 * allocator that keeps the same rules with linear scans. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/testutil.h"
#include "dhcp/options.h"
#include "dhcp/pool.h"

#define NET_A 0x0a000000u	/* 10.0.0.0/24 */
#define NET_B 0xc0a80500u	/* 192.168.5.0/24 */

static void mac_of(uint8_t mac[6], unsigned i)
{
	mac[0] = 2;
	mac[1] = 0;
	wr32(mac + 2, i);
}

/* Client i: by MAC, or every third by a client identifier. */
static void key_of(struct dhcp_key *k, unsigned i)
{
	uint8_t mac[6], cid[7] = { 1 };

	mac_of(mac, i);
	if (i % 3 == 0) {
		memcpy(cid + 1, mac, 6);
		dhcp_key_from_cid(k, cid, 7);
	} else {
		dhcp_key_from_hw(k, 1, mac, 6);
	}
}

static const struct dhcp_lease *pick(struct dhcp_pool *p, unsigned subnet, unsigned client,
				     uint32_t want)
{
	const struct dhcp_lease *l;
	struct dhcp_key k;
	uint8_t mac[6];

	key_of(&k, client);
	mac_of(mac, client);
	if (dhcp_pool_pick(p, subnet, &k, 1, mac, 6, want, &l))
		return NULL;
	return l;
}

static void bind(struct dhcp_pool *p, const struct dhcp_lease *l, unsigned client,
		 enum dhcp_state st, uint64_t until)
{
	struct dhcp_key k;
	uint8_t mac[6];

	key_of(&k, client);
	mac_of(mac, client);
	assert_int_equal(dhcp_pool_bind(p, l, st, &k, 1, mac, 6, until, NULL), 0);
}

static void config_checks(void **state)
{
	struct dhcp_range r[2] = { { NET_A + 10, NET_A + 20 }, { NET_A + 15, NET_A + 30 } };
	struct dhcp_reservation res[2] = {
		{ .mac = { 2, 0, 0, 0, 0, 1 }, .has_mac = true, .addr = NET_A + 5 },
		{ .mac = { 2, 0, 0, 0, 0, 2 }, .has_mac = true, .addr = NET_A + 6 },
	};
	struct dhcp_subnet_conf sc[2] = {
		{ .network = NET_A, .prefix_len = 24, .ranges = r, .nranges = 1,
		  .reservations = res, .nreservations = 2 },
		{ .network = NET_B, .prefix_len = 24 },
	};
	struct dhcp_pool *p;
	const char *why;

	assert_int_equal(dhcp_pool_new(sc, 2, &p, &why), 0);
	assert_int_equal(dhcp_pool_size(p), 13);
	assert_int_equal(dhcp_pool_subnet_of(p, NET_A + 200), 0);
	assert_int_equal(dhcp_pool_subnet_of(p, NET_B + 1), 1);
	assert_int_equal(dhcp_pool_subnet_of(p, 0x08080808), -ENOENT);
	assert_non_null(dhcp_pool_by_addr(p, NET_A + 10));
	assert_non_null(dhcp_pool_by_addr(p, NET_A + 20));
	assert_non_null(dhcp_pool_by_addr(p, NET_A + 5));
	assert_null(dhcp_pool_by_addr(p, NET_A + 21));
	assert_null(dhcp_pool_by_addr(p, NET_A + 7));
	assert_int_equal(dhcp_pool_by_addr(p, NET_A + 5)->b.state, DHCP_RESERVED);
	assert_int_equal(dhcp_pool_count(p, DHCP_FREE), 11);
	assert_int_equal(dhcp_pool_count(p, DHCP_RESERVED), 2);
	assert_int_equal(dhcp_pool_live(p), 0);
	assert_int_equal(dhcp_pool_check(p), 0);
	/* A subnet without ranges: reservations only, nothing dynamic. */
	assert_null(pick(p, 1, 7, 0));
	dhcp_pool_free(p);

#define BAD(what) do { \
		assert_int_equal(dhcp_pool_new(sc, 2, &p, &why), -EINVAL); \
		assert_non_null(why); \
		what; \
	} while (0)
	sc[0].nranges = 2;
	BAD(sc[0].nranges = 1);				/* ranges overlap */
	r[0].last = NET_A + 255;
	BAD(r[0].last = NET_A + 20);			/* the broadcast address */
	r[0].first = NET_A + 30;
	BAD(r[0].first = NET_A + 10);			/* backwards */
	sc[1].network = NET_A + 128;
	sc[1].prefix_len = 25;
	BAD(sc[1].network = NET_B; sc[1].prefix_len = 24);	/* subnets overlap */
	sc[1].network = NET_B + 1;
	BAD(sc[1].network = NET_B);			/* host bits */
	sc[1].prefix_len = 31;
	BAD(sc[1].prefix_len = 24);
	res[1].addr = NET_A + 5;
	BAD(res[1].addr = NET_A + 6);			/* one address, two reservations */
	res[1].addr = NET_A + 12;
	res[0].addr = NET_A + 12;
	BAD(res[0].addr = NET_A + 5; res[1].addr = NET_A + 6);	/* same, in a range */
	memcpy(res[1].mac, res[0].mac, 6);
	BAD(res[1].mac[5] = 2);				/* one client, two reservations */
	res[1].has_mac = false;
	BAD(res[1].has_mac = true);			/* nobody */
	res[1].addr = NET_B + 3;
	BAD(res[1].addr = NET_A + 6);			/* outside its subnet */
	res[0].name = res[1].name = "twin";
	BAD(res[1].name = NULL);			/* one name, two reservations */
	res[0].name = "Not A Label";
	BAD(res[0].name = NULL);
#undef BAD
	assert_int_equal(dhcp_pool_new(sc, 2, &p, NULL), 0);
	dhcp_pool_free(p);
}

static void reservations(void **state)
{
	static const struct dhcp_range r = { NET_A + 10, NET_A + 19 };
	static const uint8_t cid[7] = { 1, 2, 0, 0, 0, 0, 51 };
	struct dhcp_reservation res[3] = {
		/* in the range, by MAC of client 1 */
		{ .mac = { 2, 0, 0, 0, 0, 1 }, .has_mac = true, .addr = NET_A + 12, .name = "nas" },
		/* outside it, by client identifier (client 51's) */
		{ .cid_len = 7, .addr = NET_A + 200 },
		/* client 3 sends a client identifier, is matched by MAC */
		{ .mac = { 2, 0, 0, 0, 0, 3 }, .has_mac = true, .addr = NET_A + 201 },
	};
	struct dhcp_subnet_conf sc = {
		.network = NET_A, .prefix_len = 24, .ranges = &r, .nranges = 1,
		.reservations = res, .nreservations = 3,
	};
	const struct dhcp_lease *l;
	struct dhcp_pool *p;
	unsigned i, got = 0;

	memcpy(res[1].cid, cid, 7);
	assert_int_equal(dhcp_pool_new(&sc, 1, &p, NULL), 0);
	assert_int_equal(pick(p, 0, 1, 0)->b.addr, NET_A + 12);
	assert_int_equal(pick(p, 0, 51, NET_A + 15)->b.addr, NET_A + 200);
	assert_int_equal(pick(p, 0, 3, 0)->b.addr, NET_A + 201);
	/* Nobody else gets a reserved address, even when asking for it or
	 * when the range runs out. */
	assert_int_not_equal(pick(p, 0, 4, NET_A + 12)->b.addr, NET_A + 12);
	for (i = 100; i < 120; i++) {
		l = pick(p, 0, i, 0);
		if (!l)
			break;
		assert_int_not_equal(l->b.addr, NET_A + 12);
		bind(p, l, i, DHCP_LEASED, 1000);
		got++;
	}
	assert_int_equal(got, 9);
	/* Its client still gets it; while it holds it, the address is
	 * leased, and reserved again once let go. */
	l = pick(p, 0, 1, 0);
	assert_int_equal(l->b.addr, NET_A + 12);
	bind(p, l, 1, DHCP_LEASED, 1000);
	assert_int_equal(l->b.state, DHCP_LEASED);
	assert_string_equal(l->b.name, "nas");
	dhcp_pool_release(p, l, false);
	assert_int_equal(l->b.state, DHCP_RESERVED);
	assert_string_equal(l->b.name, "nas");
	/* Quarantined, a reserved address is not given out; the client gets
	 * a dynamic one meanwhile (none left here). */
	dhcp_pool_decline(p, l, 2000);
	assert_null(pick(p, 0, 1, 0));
	dhcp_pool_sweep(p, 2000, NULL, NULL);
	assert_int_equal(l->b.state, DHCP_RESERVED);
	assert_int_equal(pick(p, 0, 1, 0)->b.addr, NET_A + 12);
	assert_int_equal(dhcp_pool_check(p), 0);
	dhcp_pool_free(p);
}

static void exhaustion_and_reuse(void **state)
{
	static const struct dhcp_range r = { NET_A + 10, NET_A + 17 };
	static const struct dhcp_subnet_conf sc = {
		.network = NET_A, .prefix_len = 24, .ranges = &r, .nranges = 1,
	};
	const struct dhcp_lease *l, *mine[8];
	struct dhcp_pool *p;
	unsigned i;

	assert_int_equal(dhcp_pool_new(&sc, 1, &p, NULL), 0);
	for (i = 0; i < 8; i++) {
		mine[i] = pick(p, 0, i, 0);
		assert_non_null(mine[i]);
		bind(p, mine[i], i, DHCP_LEASED, 100 + i);
	}
	assert_null(pick(p, 0, 8, 0));
	assert_int_equal(dhcp_pool_count(p, DHCP_LEASED), 8);
	/* A released address remembers its client... */
	dhcp_pool_release(p, mine[3], false);
	assert_int_equal(mine[3]->b.state, DHCP_FREE);
	assert_int_equal(pick(p, 0, 3, 0), mine[3]);
	/* ...but is taken when nothing else is left. */
	l = pick(p, 0, 8, 0);
	assert_ptr_equal(l, mine[3]);
	bind(p, l, 8, DHCP_LEASED, 200);
	assert_ptr_equal(dhcp_pool_by_client(p, 0, &l->b.key), l);
	{
		struct dhcp_key k3;

		key_of(&k3, 3);
		assert_null(dhcp_pool_by_client(p, 0, &k3));
	}
	/* Expired leases come back as free for their clients. */
	assert_int_equal(dhcp_pool_next_expiry(p), 100);
	assert_int_equal(dhcp_pool_sweep(p, 104, NULL, NULL), 105);
	assert_int_equal(dhcp_pool_count(p, DHCP_FREE), 4);
	assert_int_equal(pick(p, 0, 1, 0), mine[1]);
	assert_int_equal(dhcp_pool_check(p), 0);
	dhcp_pool_free(p);
}

static unsigned expired;

static void count_expired(void *ctx, const struct dhcp_lease *l)
{
	assert_int_equal(l->b.state, DHCP_DECLINED);
	expired++;
}

static void decline_quarantine(void **state)
{
	static const struct dhcp_range r = { NET_A + 10, NET_A + 11 };
	static const struct dhcp_subnet_conf sc = {
		.network = NET_A, .prefix_len = 24, .ranges = &r, .nranges = 1,
	};
	const struct dhcp_lease *a, *b;
	struct dhcp_pool *p;

	assert_int_equal(dhcp_pool_new(&sc, 1, &p, NULL), 0);
	a = pick(p, 0, 1, 0);
	bind(p, a, 1, DHCP_OFFERED, 60);
	dhcp_pool_decline(p, a, 3600);
	assert_int_equal(a->b.state, DHCP_DECLINED);
	assert_int_equal(a->b.key.len, 0);
	/* The client that declined gets the other address, asked for or not. */
	b = pick(p, 0, 1, a->b.addr);
	assert_non_null(b);
	assert_ptr_not_equal(b, a);
	bind(p, b, 1, DHCP_LEASED, 7200);
	/* Nothing is left until the quarantine ends. */
	assert_null(pick(p, 0, 2, 0));
	assert_int_equal(dhcp_pool_sweep(p, 3599, count_expired, NULL), 3600);
	assert_null(pick(p, 0, 2, 0));
	expired = 0;
	assert_int_equal(dhcp_pool_sweep(p, 3600, count_expired, NULL), 7200);
	assert_int_equal(expired, 1);
	assert_int_equal(a->b.state, DHCP_FREE);
	assert_ptr_equal(pick(p, 0, 2, 0), a);
	assert_int_equal(dhcp_pool_check(p), 0);
	dhcp_pool_free(p);
}

/* No lease survives, yet each client gets its address back, whatever
 * order the clients come back in: its hash places it. */
static void same_address_after_restart(void **state)
{
	static const struct dhcp_range r = { 0x0a010001, 0x0a01fffe };
	static const struct dhcp_subnet_conf sc = {
		.network = 0x0a010000, .prefix_len = 16, .ranges = &r, .nranges = 1,
	};
	const struct dhcp_lease *l;
	struct dhcp_pool *p;
	static uint32_t first[200];
	unsigned i;

	assert_int_equal(dhcp_pool_new(&sc, 1, &p, NULL), 0);
	for (i = 0; i < 200; i++) {
		struct dhcp_key k;

		key_of(&k, i);
		l = pick(p, 0, i, 0);
		first[i] = l->b.addr;
		assert_int_equal(first[i], r.first + (uint32_t)(dhcp_key_hash(&k) % 65534));
		bind(p, l, i, DHCP_LEASED, 100);
	}
	dhcp_pool_free(p);
	assert_int_equal(dhcp_pool_new(&sc, 1, &p, NULL), 0);
	for (i = 200; i-- > 0;) {
		l = pick(p, 0, i, 0);
		assert_int_equal(l->b.addr, first[i]);
		bind(p, l, i, DHCP_LEASED, 100);
	}
	dhcp_pool_free(p);
}

/* ---- 50,000 clients in a /16 ---- */

static void scale(void **state)
{
	static const struct dhcp_range r = { 0x0a010001, 0x0a01fffe };
	static const struct dhcp_subnet_conf sc = {
		.network = 0x0a010000, .prefix_len = 16, .ranges = &r, .nranges = 1,
	};
	const struct dhcp_lease *l;
	struct dhcp_pool *p;
	unsigned i;

	assert_int_equal(dhcp_pool_new(&sc, 1, &p, NULL), 0);
	for (i = 0; i < 50000; i++) {
		l = pick(p, 0, i, 0);
		assert_non_null(l);
		assert_int_not_equal(l->b.state, DHCP_LEASED);
		bind(p, l, i, DHCP_OFFERED, 60);
		bind(p, l, i, DHCP_LEASED, 3600 + i % 100);
	}
	assert_int_equal(dhcp_pool_count(p, DHCP_LEASED), 50000);
	assert_int_equal(dhcp_pool_check(p), 0);
	for (i = 0; i < 50000; i += 7) {
		struct dhcp_key k;

		key_of(&k, i);
		l = pick(p, 0, i, 0);
		assert_int_equal(l->b.state, DHCP_LEASED);
		assert_true(dhcp_key_eq(&l->b.key, &k));
	}
	dhcp_pool_sweep(p, 3649, NULL, NULL);
	assert_int_equal(dhcp_pool_count(p, DHCP_LEASED), 25000);
	assert_int_equal(dhcp_pool_check(p), 0);
	dhcp_pool_free(p);
}

/* ---- the naive reference ---- */

#define RMAX 64
struct ref_addr {
	uint32_t addr;
	unsigned subnet;
	bool dynamic;
	int res;			/* index in ref_res, or -1 */
	uint8_t state;
	struct dhcp_key key;
	uint64_t expires;
};

static struct ref_addr ref[RMAX];
static unsigned nref;

static const struct dhcp_range ranges_a[2] = { { NET_A + 50, NET_A + 59 }, { NET_A + 10, NET_A + 29 } };
static const struct dhcp_range ranges_b[1] = { { NET_B + 100, NET_B + 111 } };
static struct dhcp_reservation ref_res[4] = {
	{ .mac = { 2, 0, 0, 0, 0, 1 }, .has_mac = true, .addr = NET_A + 15 },	/* in range */
	{ .mac = { 2, 0, 0, 0, 0, 2 }, .has_mac = true, .addr = NET_A + 200 },	/* outside */
	{ .cid_len = 7, .addr = NET_B + 105 },				/* client 3, by cid */
	{ .mac = { 2, 0, 0, 0, 0, 6 }, .has_mac = true, .addr = NET_B + 7 },	/* client 6, by MAC */
};
static const unsigned res_subnet[4] = { 0, 0, 1, 1 };

static int ref_find(uint32_t a)
{
	unsigned i;

	for (i = 0; i < nref; i++)
		if (ref[i].addr == a)
			return (int)i;
	return -1;
}

static void ref_build(void)
{
	const struct dhcp_range *rs[2] = { ranges_a, ranges_b };
	const size_t nr[2] = { 2, 1 };
	unsigned s, k, i;
	uint32_t a;

	nref = 0;
	/* Each subnet's dynamic addresses in ascending order. */
	for (s = 0; s < 2; s++) {
		uint32_t lo = UINT32_MAX;

		for (k = 0; k < nr[s]; k++)
			if (rs[s][k].first < lo)
				lo = rs[s][k].first;
		for (a = lo; a < lo + 256; a++)
			for (k = 0; k < nr[s]; k++)
				if (a >= rs[s][k].first && a <= rs[s][k].last)
					ref[nref++] = (struct ref_addr){
						.addr = a, .subnet = s, .dynamic = true, .res = -1,
					};
	}
	for (i = 0; i < 4; i++) {
		int j = ref_find(ref_res[i].addr);

		if (j < 0) {
			j = (int)nref++;
			ref[j] = (struct ref_addr){ .addr = ref_res[i].addr, .subnet = res_subnet[i] };
		}
		ref[j].res = (int)i;
		ref[j].state = DHCP_RESERVED;
	}
}

static bool ref_res_matches(int r, const struct dhcp_key *k, const uint8_t *mac)
{
	struct dhcp_key rk;

	if (ref_res[r].cid_len) {
		dhcp_key_from_cid(&rk, ref_res[r].cid, ref_res[r].cid_len);
		if (dhcp_key_eq(&rk, k))
			return true;
	}
	return ref_res[r].has_mac && !memcmp(ref_res[r].mac, mac, 6);
}

static bool ref_can_take(const struct ref_addr *x, const struct dhcp_key *k, const uint8_t *mac)
{
	if (x->state == DHCP_DECLINED)
		return false;
	if (x->res >= 0 && !ref_res_matches(x->res, k, mac))
		return false;
	if (x->state == DHCP_OFFERED || x->state == DHCP_LEASED)
		return dhcp_key_eq(&x->key, k);
	return true;
}

static int ref_pick(unsigned s, const struct dhcp_key *k, const uint8_t *mac, uint32_t want)
{
	unsigned i, n = 0, first = 0, pass;
	struct dhcp_key rk;
	int r;

	/* A reservation by client identifier first, then by MAC. */
	for (pass = 0; pass < 2; pass++)
		for (r = 0; r < 4; r++) {
			if (res_subnet[r] != s)
				continue;
			if (pass == 0 && ref_res[r].cid_len) {
				dhcp_key_from_cid(&rk, ref_res[r].cid, ref_res[r].cid_len);
				if (!dhcp_key_eq(&rk, k))
					continue;
			} else if (pass == 0 || !ref_res_matches(r, k, mac)) {
				continue;
			}
			i = (unsigned)ref_find(ref_res[r].addr);
			if (ref_can_take(&ref[i], k, mac))
				return (int)i;
			goto bound;
		}
bound:
	for (i = 0; i < nref; i++)
		if (ref[i].subnet == s && dhcp_key_eq(&ref[i].key, k) && ref[i].key.len) {
			if (ref_can_take(&ref[i], k, mac))
				return (int)i;
			break;
		}
	for (i = 0; i < nref; i++)
		if (ref[i].addr == want && ref[i].subnet == s && ref[i].dynamic &&
		    ref[i].state == DHCP_FREE && !ref[i].key.len)
			return (int)i;
	for (i = 0; i < nref; i++)
		if (ref[i].subnet == s && ref[i].dynamic) {
			if (!n)
				first = i;
			n++;
		}
	if (!n)
		return -1;
	for (pass = 0; pass < 2; pass++) {
		unsigned start = (unsigned)(dhcp_key_hash(k) % n), j;

		for (j = 0; j < n; j++) {
			struct ref_addr *x = &ref[first + (start + j) % n];

			if (x->state == DHCP_FREE && (pass || !x->key.len))
				return (int)(x - ref);
		}
	}
	return -1;
}

static void ref_set(unsigned i, uint8_t st, const struct dhcp_key *k, uint64_t exp)
{
	unsigned j;

	if (k) {
		for (j = 0; j < nref; j++)
			if (j != i && ref[j].subnet == ref[i].subnet && dhcp_key_eq(&ref[j].key, k))
				ref_set(j, DHCP_FREE, NULL, 0);
		ref[i].key = *k;
	} else {
		memset(&ref[i].key, 0, sizeof(ref[i].key));
	}
	if (st == DHCP_FREE && ref[i].res >= 0)
		st = DHCP_RESERVED;
	ref[i].state = st;
	ref[i].expires = st == DHCP_OFFERED || st == DHCP_LEASED || st == DHCP_DECLINED ? exp : 0;
}

static void ref_sweep(uint64_t now)
{
	unsigned i;

	for (i = 0; i < nref; i++) {
		if (!ref[i].expires || ref[i].expires > now)
			continue;
		if (ref[i].state == DHCP_DECLINED)
			ref_set(i, DHCP_FREE, NULL, 0);
		else
			ref_set(i, DHCP_FREE, &ref[i].key, 0);
	}
}

static void same_state(const struct dhcp_pool *p)
{
	unsigned i;

	assert_int_equal(dhcp_pool_size(p), nref);
	for (i = 0; i < nref; i++) {
		const struct dhcp_lease *l = dhcp_pool_by_addr(p, ref[i].addr);

		assert_non_null(l);
		assert_int_equal(l->subnet, ref[i].subnet);
		assert_int_equal(l->b.state, ref[i].state);
		assert_int_equal(l->b.expires, ref[i].expires);
		assert_true(dhcp_key_eq(&l->b.key, &ref[i].key));
	}
}

/* A new pool from what the old one would write to the journal. */
static struct dhcp_pool *restart(struct dhcp_pool *old, const struct dhcp_subnet_conf *sc,
				 uint64_t now)
{
	struct dhcp_pool *p;
	size_t i;

	assert_int_equal(dhcp_pool_new(sc, 2, &p, NULL), 0);
	for (i = 0; i < dhcp_pool_size(old); i++) {
		const struct dhcp_lease *l = dhcp_pool_at(old, i);

		if (dhcp_pool_persistent(l))
			assert_int_equal(dhcp_pool_restore(p, &l->b), 0);
	}
	dhcp_pool_sweep(p, now, NULL, NULL);
	dhcp_pool_free(old);
	return p;
}

static void differential(void **state)
{
	static const uint8_t cid3[7] = { 1, 2, 0, 0, 0, 0, 3 };
	const struct dhcp_subnet_conf sc[2] = {
		{ .network = NET_A, .prefix_len = 24, .ranges = ranges_a, .nranges = 2,
		  .reservations = ref_res, .nreservations = 2 },
		{ .network = NET_B, .prefix_len = 24, .ranges = ranges_b, .nranges = 1,
		  .reservations = ref_res + 2, .nreservations = 2 },
	};
	struct dhcp_pool *p;
	uint64_t now = 1000;
	unsigned step, picks = 0, full = 0;

	memcpy(ref_res[2].cid, cid3, 7);
	assert_int_equal(dhcp_pool_new(sc, 2, &p, NULL), 0);
	ref_build();
	same_state(p);
	for (step = 0; step < 40000; step++) {
		unsigned client = 1 + (unsigned)(rnd() % 60), s = (unsigned)(rnd() % 2), op;
		const struct dhcp_lease *l;
		struct dhcp_key k;
		uint8_t mac[6];
		uint32_t want = 0;
		int ri, r;

		key_of(&k, client);
		mac_of(mac, client);
		op = (unsigned)(rnd() % 100);
		if (op < 50) {
			if (rnd() % 2)
				want = ref[rnd() % nref].addr;
			r = dhcp_pool_pick(p, s, &k, 1, mac, 6, want, &l);
			ri = ref_pick(s, &k, mac, want);
			picks++;
			if (ri < 0) {
				assert_int_equal(r, -ENOSPC);
				full++;
				continue;
			}
			assert_int_equal(r, 0);
			assert_int_equal(l->b.addr, ref[ri].addr);
			if (op < 20 && l->b.state != DHCP_LEASED) {
				bind(p, l, client, DHCP_OFFERED, now + 30);
				ref_set((unsigned)ri, DHCP_OFFERED, &k, now + 30);
			} else if (op >= 20) {
				uint64_t until = now + 50 + rnd() % 400;

				bind(p, l, client, DHCP_LEASED, until);
				ref_set((unsigned)ri, DHCP_LEASED, &k, until);
			}
		} else if (op < 75) {
			l = dhcp_pool_by_client(p, s, &k);
			if (!l || (l->b.state != DHCP_LEASED && l->b.state != DHCP_OFFERED))
				continue;
			ri = ref_find(l->b.addr);
			if (op < 70) {
				bool forget = op < 60;

				dhcp_pool_release(p, l, forget);
				ref_set((unsigned)ri, DHCP_FREE, forget ? NULL : &k, 0);
			} else {
				dhcp_pool_decline(p, l, now + 200);
				ref_set((unsigned)ri, DHCP_DECLINED, NULL, now + 200);
			}
		} else if (op < 98) {
			now += rnd() % 40;
			dhcp_pool_sweep(p, now, NULL, NULL);
			ref_sweep(now);
		} else {
			p = restart(p, sc, now);
			ref_sweep(now);
		}
		same_state(p);
		if (step % 500 == 0)
			assert_int_equal(dhcp_pool_check(p), 0);
	}
	/* The sequence went through both plenty and exhaustion. */
	assert_true(full > picks / 20);
	assert_true(full < picks);
	assert_int_equal(dhcp_pool_check(p), 0);
	dhcp_pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_checks),
		cmocka_unit_test(reservations),
		cmocka_unit_test(exhaustion_and_reuse),
		cmocka_unit_test(decline_quarantine),
		cmocka_unit_test(same_address_after_restart),
		cmocka_unit_test(scale),
		cmocka_unit_test(differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

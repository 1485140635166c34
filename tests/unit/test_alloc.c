/* vpn/mesh/alloc: mesh addresses for new members. Reserved addresses
 * never handed out, nearly full and full ranges, determinism, and a
 * randomised differential check against a naive scan of the range. */
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

#define TU_RND_SEED 0xa110cULL
#include "tests/unit/testutil.h"

#include "lib/addr.h"
#include "vpn/mesh/alloc.h"

static int setup(void **state)
{
	return sodium_init() < 0 ? -1 : 0;
}

static struct mg_prefix P(const char *s)
{
	struct mg_prefix p;

	assert_int_equal(mg_prefix_parse(s, true, &p), 0);
	return p;
}

static struct mg_addr A(const char *s)
{
	struct mg_addr a;

	assert_int_equal(mg_addr_parse(s, &a), 0);
	return a;
}

static void seed_of(uint8_t seed[32], uint64_t n)
{
	memset(seed, 0, 32);
	for (int i = 0; i < 8; i++)
		seed[i] = (uint8_t)(n >> (8 * i));
}

static const char *fmt(const struct mg_prefix *p)
{
	static char buf[MG_PREFIX_STRLEN];

	return mg_prefix_fmt(p, buf, sizeof(buf));
}

static void test_v4_basic(void **state)
{
	struct mg_prefix range = P("10.77.0.0/16"), out, again;
	uint8_t seed[32];

	seed_of(seed, 1);
	assert_int_equal(alloc_pick(&range, seed, 32, NULL, 0, &out), 0);
	assert_int_equal(out.addr.family, AF_INET);
	assert_int_equal(out.len, 16);
	assert_true(mg_prefix_contains(&range, &out.addr));
	assert_true(alloc_usable(&range, &out.addr));
	/* the same seed and the same addresses in use: the same address */
	assert_int_equal(alloc_pick(&range, seed, 32, NULL, 0, &again), 0);
	assert_true(mg_prefix_eq(&out, &again));
	/* with that address taken, another one */
	assert_int_equal(alloc_pick(&range, seed, 32, &out.addr, 1, &again), 0);
	assert_false(mg_addr_eq(&out.addr, &again.addr));
	assert_true(alloc_usable(&range, &again.addr));
}

static void test_host_bits_of_range_ignored(void **state)
{
	struct mg_prefix a = P("10.77.0.0/16"), b = P("10.77.200.9/16"), x, y;
	uint8_t seed[32];

	for (uint64_t s = 0; s < 20; s++) {
		seed_of(seed, s);
		assert_int_equal(alloc_pick(&a, seed, 32, NULL, 0, &x), 0);
		assert_int_equal(alloc_pick(&b, seed, 32, NULL, 0, &y), 0);
		assert_true(mg_prefix_eq(&x, &y));
	}
}

static void test_spread(void **state)
{
	struct mg_prefix range = P("10.77.0.0/16"), got[200];
	uint8_t seed[32];
	size_t distinct = 0;

	for (size_t i = 0; i < 200; i++) {
		seed_of(seed, 1000 + i);
		assert_int_equal(alloc_pick(&range, seed, 32, NULL, 0, &got[i]), 0);
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen |= mg_prefix_eq(&got[i], &got[j]);
		distinct += !seen;
	}
	/* 200 draws from 65534: a collision or two at most, not a pile-up */
	assert_true(distinct >= 195);
}

static void test_v4_reserved(void **state)
{
	struct mg_prefix r29 = P("192.168.7.8/29");

	assert_false(alloc_usable(&r29, &(struct mg_addr){ 0 }));
	assert_false(alloc_usable(&r29, &(struct mg_addr){ .family = AF_INET }));
	struct mg_addr net = A("192.168.7.8"), bc = A("192.168.7.15"), in = A("192.168.7.9");
	struct mg_addr out_of = A("192.168.7.16"), v6 = A("fd00::1");
	assert_false(alloc_usable(&r29, &net));
	assert_false(alloc_usable(&r29, &bc));
	assert_true(alloc_usable(&r29, &in));
	assert_false(alloc_usable(&r29, &out_of));
	assert_false(alloc_usable(&r29, &v6));
}

/* A /29 has six hosts: with five taken, every seed finds the sixth. */
static void test_v4_nearly_full_29(void **state)
{
	struct mg_prefix range = P("10.9.9.0/29"), out;
	struct mg_addr used[5];
	uint8_t seed[32];
	char s[32];

	for (int free_host = 1; free_host <= 6; free_host++) {
		size_t n = 0;

		for (int h = 1; h <= 6; h++) {
			if (h == free_host)
				continue;
			snprintf(s, sizeof(s), "10.9.9.%d", h);
			used[n++] = A(s);
		}
		snprintf(s, sizeof(s), "10.9.9.%d", free_host);
		for (uint64_t k = 0; k < 32; k++) {
			seed_of(seed, k);
			assert_int_equal(alloc_pick(&range, seed, 32, used, n, &out), 0);
			assert_true(mg_addr_eq(&out.addr, &(struct mg_addr){ 0 }) == false);
			struct mg_addr want = A(s);
			assert_true(mg_addr_eq(&out.addr, &want));
			assert_int_equal(out.len, 29);
		}
	}
}

static void test_v4_full(void **state)
{
	struct mg_prefix r29 = P("10.9.9.0/29"), out;
	struct mg_addr used[6];
	uint8_t seed[32];
	char s[32];

	for (int h = 1; h <= 6; h++) {
		snprintf(s, sizeof(s), "10.9.9.%d", h);
		used[h - 1] = A(s);
	}
	for (uint64_t k = 0; k < 16; k++) {
		seed_of(seed, k);
		assert_int_equal(alloc_pick(&r29, seed, 32, used, 6, &out), -ENOSPC);
	}
	/* /31 and /32 have no network and broadcast to spare */
	struct mg_prefix r31 = P("10.9.9.0/31"), r32 = P("10.9.9.1/32"), r30 = P("10.9.9.4/30");
	assert_int_equal(alloc_pick(&r31, seed, 32, NULL, 0, &out), -ENOSPC);
	assert_int_equal(alloc_pick(&r32, seed, 32, NULL, 0, &out), -ENOSPC);
	assert_int_equal(alloc_pick(&r30, seed, 32, NULL, 0, &out), 0);
	assert_true(mg_addr_eq(&out.addr, &(struct mg_addr){ .family = AF_INET }) == false);
	assert_true(out.addr.u.bytes[3] == 5 || out.addr.u.bytes[3] == 6);
}

static void test_ignores_other_addresses(void **state)
{
	struct mg_prefix range = P("10.9.9.0/30"), out;
	struct mg_addr used[4] = { A("10.9.9.1"), A("10.9.8.2"), A("fd00::2"), A("10.9.9.9") };
	uint8_t seed[32];

	/* only .1 of the four is in the range, so .2 is what is left */
	seed_of(seed, 7);
	assert_int_equal(alloc_pick(&range, seed, 32, used, 4, &out), 0);
	struct mg_addr want = A("10.9.9.2");
	assert_true(mg_addr_eq(&out.addr, &want));
	/* duplicates in the list change nothing */
	struct mg_addr dup[3] = { A("10.9.9.1"), A("10.9.9.1"), A("10.9.9.1") };
	assert_int_equal(alloc_pick(&range, seed, 32, dup, 3, &out), 0);
	assert_true(mg_addr_eq(&out.addr, &want));
}

static void test_v6(void **state)
{
	struct mg_prefix r48 = P("fd77:1:2::/48"), r64 = P("fd77:1:2:3::/64"), out;
	uint8_t seed[32];

	for (uint64_t k = 0; k < 50; k++) {
		seed_of(seed, k);
		assert_int_equal(alloc_pick(&r48, seed, 32, NULL, 0, &out), 0);
		assert_int_equal(out.len, 48);
		assert_int_equal(out.addr.family, AF_INET6);
		assert_true(mg_prefix_contains(&r48, &out.addr));
		assert_true(alloc_usable(&r48, &out.addr));
		assert_int_equal(alloc_pick(&r64, seed, 32, NULL, 0, &out), 0);
		assert_int_equal(out.len, 64);
		assert_true(alloc_usable(&r64, &out.addr));
	}
	struct mg_addr router = A("fd77:1:2:3::"), any = A("fd77:1:2:3:ffff:ffff:ffff:ff80");
	struct mg_addr last = A("fd77:1:2:3:ffff:ffff:ffff:ffff"), fine = A("fd77:1:2:3:ffff:ffff:ffff:ff7f");
	assert_false(alloc_usable(&r64, &router));
	assert_false(alloc_usable(&r64, &any));
	assert_false(alloc_usable(&r64, &last));
	assert_true(alloc_usable(&r64, &fine));
	/* :: itself in ::/n */
	struct mg_prefix zero = P("::/96");
	struct mg_addr unspec = A("::");
	assert_false(alloc_usable(&zero, &unspec));
}

/* The last 128 ids of a /64 are RFC 2526 anycast: a /120 over them has
 * 127 hosts (1..0x7f), and never more. */
static void test_v6_anycast_block(void **state)
{
	struct mg_prefix range = P("fd00::ffff:ffff:ffff:ff00/120"), out;
	struct mg_addr used[127];
	uint8_t seed[32];

	for (int i = 0; i < 127; i++) {
		used[i] = A("fd00::ffff:ffff:ffff:ff00");
		used[i].u.bytes[15] = (uint8_t)(i + 1);
	}
	for (uint64_t k = 0; k < 64; k++) {
		seed_of(seed, k);
		assert_int_equal(alloc_pick(&range, seed, 32, NULL, 0, &out), 0);
		assert_true(out.addr.u.bytes[15] >= 1 && out.addr.u.bytes[15] <= 0x7f);
		/* one left: found wherever the seed starts */
		assert_int_equal(alloc_pick(&range, seed, 32, used, 126, &out), 0);
		assert_int_equal(out.addr.u.bytes[15], 0x7f);
		assert_int_equal(alloc_pick(&range, seed, 32, used, 127, &out), -ENOSPC);
	}
}

static void test_invalid(void **state)
{
	struct mg_prefix out, none = { 0 }, all6 = P("::/0"), all4 = P("0.0.0.0/0");
	uint8_t seed[32] = { 1 };

	assert_int_equal(alloc_pick(&none, seed, 32, NULL, 0, &out), -EINVAL);
	assert_int_equal(alloc_pick(&all6, seed, 32, NULL, 0, &out), -EINVAL);
	assert_int_equal(alloc_pick(&all4, seed, 32, NULL, 0, &out), 0);
	none.addr.family = AF_INET;
	none.len = 33;
	assert_int_equal(alloc_pick(&none, seed, 32, NULL, 0, &out), -EINVAL);
}

static bool all_used(void *ctx, const struct mg_addr *a)
{
	size_t *calls = ctx;

	(*calls)++;
	return true;
}

static void test_callback_probe_limit(void **state)
{
	struct mg_prefix r16 = P("10.77.0.0/16"), r29 = P("10.9.9.0/29"), out;
	uint8_t seed[32] = { 3 };
	size_t calls = 0;

	assert_int_equal(alloc_pick_cb(&r16, seed, 32, all_used, &calls, 100, &out), -ENOSPC);
	assert_true(calls <= 100 && calls >= 98);   /* net and broadcast are not asked about */
	/* a range smaller than the limit is probed once round, not more */
	calls = 0;
	assert_int_equal(alloc_pick_cb(&r29, seed, 32, all_used, &calls, 1000, &out), -ENOSPC);
	assert_int_equal(calls, 6);
}

/* ---- differential check against a naive scan ---- */

static bool naive_reserved(const struct mg_prefix *range, const uint8_t *a)
{
	unsigned bits = range->addr.family == AF_INET ? 32 : 128, host = bits - range->len;
	bool zero = true, ones = true;

	for (unsigned b = 0; b < host; b++) {
		unsigned pos = bits - 1 - b;
		bool set = a[pos / 8] >> (7 - pos % 8) & 1;

		zero &= !set;
		ones &= set;
	}
	if (range->addr.family == AF_INET)
		return host < 2 || zero || ones;
	if (zero)
		return true;
	for (int i = 8; i < 15; i++)
		if (a[i] != 0xff)
			return false;
	return a[15] >= 0x80;
}

static bool naive_used(const struct mg_addr *used, size_t n, const struct mg_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (mg_addr_eq(&used[i], a))
			return true;
	return false;
}

/* Host number i of range (i < 2^16), by plain arithmetic on the last bytes. */
static struct mg_addr nth(const struct mg_prefix *range, unsigned i)
{
	struct mg_addr a = range->addr;
	size_t len = mg_addr_len(&a);
	unsigned v = (unsigned)a.u.bytes[len - 2] << 8 | a.u.bytes[len - 1];

	v += i;
	a.u.bytes[len - 2] = (uint8_t)(v >> 8);
	a.u.bytes[len - 1] = (uint8_t)v;
	return a;
}

static unsigned index_of(const struct mg_prefix *range, const struct mg_addr *a)
{
	size_t len = mg_addr_len(a);
	unsigned v = (unsigned)a->u.bytes[len - 2] << 8 | a->u.bytes[len - 1];
	unsigned base = (unsigned)range->addr.u.bytes[len - 2] << 8 | range->addr.u.bytes[len - 1];

	return v - base;
}

static void differential(const char *range_text, unsigned rounds)
{
	struct mg_prefix range = P(range_text), got, first;
	unsigned size = 1u << ((range.addr.family == AF_INET ? 32 : 128) - range.len);
	static struct mg_addr used[1024];
	uint8_t seed[32];

	assert_true(size <= 1024);
	for (unsigned round = 0; round < rounds; round++) {
		size_t n = 0;
		unsigned density = (unsigned)(rnd() % 101);
		int r, want_r = -ENOSPC;
		struct mg_addr want = { 0 };

		rnd_fill(seed, sizeof(seed));
		for (unsigned i = 0; i < size; i++)
			if (rnd() % 100 < density)
				used[n++] = nth(&range, i);
		/* where the seed starts: the pick with nothing in use, reserved
		 * addresses before it being skipped either way */
		r = alloc_pick(&range, seed, 32, NULL, 0, &first);
		if (r < 0) {
			/* nothing usable at all: the naive scan must agree */
			assert_int_equal(r, -ENOSPC);
			for (unsigned k = 0; k < size; k++)
				assert_true(naive_reserved(&range, nth(&range, k).u.bytes));
		}
		unsigned start = r == 0 ? index_of(&range, &first.addr) : 0;
		for (unsigned k = 0; k < size; k++) {
			struct mg_addr a = nth(&range, (start + k) % size);

			if (!naive_reserved(&range, a.u.bytes) && !naive_used(used, n, &a)) {
				want = a;
				want_r = 0;
				break;
			}
		}
		r = alloc_pick(&range, seed, 32, used, n, &got);
		assert_int_equal(r, want_r);
		if (r == 0) {
			if (!mg_addr_eq(&got.addr, &want))
				fail_msg("%s: got %s", range_text, fmt(&got));
			assert_int_equal(got.len, range.len);
		}
	}
}

static void test_differential_v4(void **state)
{
	differential("10.1.2.0/24", 300);
	differential("10.1.2.0/27", 300);
	differential("10.1.2.16/29", 300);
	differential("10.1.2.16/30", 100);
	differential("10.1.2.16/31", 20);
	differential("10.1.4.0/22", 100);       /* carries across bytes */
}

static void test_differential_v6(void **state)
{
	differential("fd00:1::/120", 300);
	differential("fd00:1::ffff:ffff:ffff:ff00/120", 300);
	differential("fd00:1::ffff:ffff:ffff:ffc0/122", 300);
	differential("fd00:1::10/125", 300);
	differential("fd00:1::10/127", 50);
	differential("fd00:1::ffff:ffff:ffff:fc00/118", 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_basic),
		cmocka_unit_test(test_host_bits_of_range_ignored),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_v4_reserved),
		cmocka_unit_test(test_v4_nearly_full_29),
		cmocka_unit_test(test_v4_full),
		cmocka_unit_test(test_ignores_other_addresses),
		cmocka_unit_test(test_v6),
		cmocka_unit_test(test_v6_anycast_block),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_callback_probe_limit),
		cmocka_unit_test(test_differential_v4),
		cmocka_unit_test(test_differential_v6),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

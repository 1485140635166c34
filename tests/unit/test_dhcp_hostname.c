/* dhcp/hostname: client names made into labels, the name table against a
 * plain list under random churn, and the conflict rule through the pool:
 * a reservation's name wins, then the first holder. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/testutil.h"
#include "dhcp/hostname.h"
#include "dhcp/options.h"
#include "dhcp/pool.h"

static void sanitize(void **state)
{
	static const struct { const char *in; const char *out; } cases[] = {
		{ "laptop", "laptop" },
		{ "Johns-iPhone", "johns-iphone" },
		{ "John's iPhone", "johns-iphone" },
		{ "my_box", "my-box" },
		{ "box.flat1.lan", "box" },
		{ "-edge-", "edge" },
		{ "--x--y--", "x--y" },
		{ "\xc3\xa9t\xc3\xa9", "t" },
		{ "UPPER123", "upper123" },
		{ "ok\0hidden", "ok" },
		{ "123", "123" },
	};
	static const char *const empty[] = { "", "---", ".lan", "\xff\xfe", "_" };
	char out[DHCP_LABEL_MAX + 1], in[200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].in);

		if (!strcmp(cases[i].out, "ok"))
			n = 9;		/* past the NUL */
		assert_int_equal(dhcp_hostname_sanitize((const uint8_t *)cases[i].in, n, out), 0);
		assert_string_equal(out, cases[i].out);
		assert_true(dhcp_label_valid(out));
	}
	for (i = 0; i < sizeof(empty) / sizeof(empty[0]); i++)
		assert_int_equal(dhcp_hostname_sanitize((const uint8_t *)empty[i],
							strlen(empty[i]), out), -EINVAL);
	/* Cut to 63, and a hyphen the cut leaves at the end goes too. */
	memset(in, 'a', sizeof(in));
	assert_int_equal(dhcp_hostname_sanitize((const uint8_t *)in, sizeof(in), out), 0);
	assert_int_equal(strlen(out), 63);
	in[62] = '-';
	assert_int_equal(dhcp_hostname_sanitize((const uint8_t *)in, sizeof(in), out), 0);
	assert_int_equal(strlen(out), 62);
	assert_false(dhcp_label_valid("Upper"));
	assert_false(dhcp_label_valid("a.b"));
	assert_false(dhcp_label_valid("-a"));
	assert_false(dhcp_label_valid(""));
	assert_true(dhcp_label_valid("a-1"));
}

/* ---- the table against a plain list ---- */

#define OWNERS 300
static char held[OWNERS][DHCP_LABEL_MAX + 1];	/* the name each owner holds */

static const char *name_of(void *ctx, uint32_t owner)
{
	return held[owner];
}

static void table_differential(void **state)
{
	struct dhcp_names *t = dhcp_names_new(OWNERS, name_of, NULL);
	char name[DHCP_LABEL_MAX + 1];
	unsigned step, o, w;
	uint32_t got;

	assert_non_null(t);
	memset(held, 0, sizeof(held));
	for (step = 0; step < 200000; step++) {
		size_t count = 0;
		int want;

		o = (unsigned)(rnd() % OWNERS);
		/* Few names, so that claims collide. */
		snprintf(name, sizeof(name), "h%u", (unsigned)(rnd() % 400));
		for (w = 0; w < OWNERS; w++)
			if (!strcmp(held[w], name))
				break;
		if (rnd() % 3) {
			if (held[o][0])
				continue;	/* one name per owner, as the pool keeps it */
			want = w < OWNERS ? (w == o ? 0 : -EEXIST) : 0;
			assert_int_equal(dhcp_names_claim(t, name, o), want);
			if (!want)
				strcpy(held[o], name);
		} else if (held[o][0]) {
			dhcp_names_drop(t, held[o], o);
			held[o][0] = '\0';
		}
		/* Dropping what another owner holds changes nothing. */
		if (w < OWNERS && w != o)
			dhcp_names_drop(t, name, o);
		if (step % 1000)
			continue;
		for (w = 0; w < OWNERS; w++) {
			if (!held[w][0])
				continue;
			count++;
			assert_int_equal(dhcp_names_owner(t, held[w], &got), 0);
			assert_int_equal(got, w);
		}
		assert_int_equal(dhcp_names_count(t), count);
		assert_int_equal(dhcp_names_owner(t, "nobody", &got), -ENOENT);
	}
	dhcp_names_free(t);
}

static void table_full(void **state)
{
	struct dhcp_names *t = dhcp_names_new(3, name_of, NULL);
	uint32_t i;

	memset(held, 0, sizeof(held));
	for (i = 0; i < 3; i++) {
		snprintf(held[i], sizeof(held[i]), "n%u", (unsigned)i);
		assert_int_equal(dhcp_names_claim(t, held[i], i), 0);
	}
	assert_int_equal(dhcp_names_claim(t, "n9", 9), -ENOSPC);
	dhcp_names_free(t);
}

/* ---- the conflict rule, through the pool ---- */

static void conflict_rule(void **state)
{
	static const struct dhcp_range range = { 0xc0a80164, 0xc0a801c8 };
	static const struct dhcp_reservation res = {
		.mac = { 2, 0, 0, 0, 0, 1 }, .has_mac = true, .addr = 0xc0a8010a, .name = "nas",
	};
	static const struct dhcp_subnet_conf sc = {
		.network = 0xc0a80100, .prefix_len = 24, .ranges = &range, .nranges = 1,
		.reservations = &res, .nreservations = 1, .lease_time = 3600,
	};
	static const uint8_t m1[6] = { 2, 0, 0, 0, 0, 2 }, m2[6] = { 2, 0, 0, 0, 0, 3 };
	const struct dhcp_lease *a, *b, *r, *owner;
	struct dhcp_key k1, k2, kr;
	struct dhcp_pool *p;

	assert_int_equal(dhcp_pool_new(&sc, 1, &p, NULL), 0);
	dhcp_key_from_hw(&k1, 1, m1, 6);
	dhcp_key_from_hw(&k2, 1, m2, 6);
	dhcp_key_from_hw(&kr, 1, res.mac, 6);
	assert_int_equal(dhcp_pool_pick(p, 0, &k1, 1, m1, 6, 0, &a), 0);
	dhcp_pool_bind(p, a, DHCP_LEASED, &k1, 1, m1, 6, 100, NULL);
	assert_int_equal(dhcp_pool_pick(p, 0, &k2, 1, m2, 6, 0, &b), 0);
	dhcp_pool_bind(p, b, DHCP_LEASED, &k2, 1, m2, 6, 100, NULL);

	/* The reservation's name is taken before anyone asks. */
	assert_int_equal(dhcp_pool_set_name(p, a, "nas"), -EEXIST);
	assert_string_equal(a->b.name, "");
	/* First holder keeps it; the second gets no name, not "box-2". */
	assert_int_equal(dhcp_pool_set_name(p, a, "box"), 0);
	assert_int_equal(dhcp_pool_set_name(p, b, "box"), -EEXIST);
	assert_string_equal(b->b.name, "");
	assert_int_equal(dhcp_pool_name_owner(p, "box", &owner), 0);
	assert_ptr_equal(owner, a);
	/* A failed rename keeps the old name. */
	assert_int_equal(dhcp_pool_set_name(p, b, "other"), 0);
	assert_int_equal(dhcp_pool_set_name(p, b, "box"), -EEXIST);
	assert_string_equal(b->b.name, "other");
	assert_int_equal(dhcp_pool_name_owner(p, "other", &owner), 0);
	assert_ptr_equal(owner, b);
	/* When the first lease ends, the name is free again. */
	dhcp_pool_release(p, a, false);
	assert_int_equal(dhcp_pool_name_owner(p, "box", &owner), -ENOENT);
	assert_int_equal(dhcp_pool_set_name(p, b, "box"), 0);
	assert_int_equal(dhcp_pool_name_owner(p, "other", &owner), -ENOENT);
	/* The reserved address carries its name; it cannot be renamed. */
	r = dhcp_pool_reserved_for(p, 0, &kr, 1, res.mac, 6);
	assert_non_null(r);
	assert_int_equal(r->b.addr, res.addr);
	assert_string_equal(r->b.name, "nas");
	dhcp_pool_bind(p, r, DHCP_LEASED, &kr, 1, res.mac, 6, 100, NULL);
	assert_int_equal(dhcp_pool_set_name(p, r, "mine"), -EPERM);
	assert_int_equal(dhcp_pool_set_name(p, r, "nas"), 0);
	/* Only leases carry names; bad labels are refused. */
	assert_int_equal(dhcp_pool_set_name(p, a, "x"), -EINVAL);
	assert_int_equal(dhcp_pool_set_name(p, b, "Bad.Name"), -EINVAL);
	assert_int_equal(dhcp_pool_check(p), 0);
	dhcp_pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sanitize),
		cmocka_unit_test(table_differential),
		cmocka_unit_test(table_full),
		cmocka_unit_test(conflict_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* dns/ratelimit: token buckets on a fake clock. A burst passes and the next
 * query does not; tokens come back at the rate and never beyond the burst;
 * clients are independent; a full table evicts the longest idle client;
 * rate 0 lets everything through. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dns/ratelimit.h"
#include "tests/unit/testutil.h"

#define MS(x) ((uint64_t)(x) * 1000000ULL)
#define S(x) ((uint64_t)(x) * 1000000000ULL)

static const uint8_t key[DNS_HASH_KEYLEN] = "ratelimit-key-16";

static struct mg_addr addr(const char *s)
{
	struct mg_addr a;

	assert_int_equal(mg_addr_parse(s, &a), 0);
	return a;
}

static unsigned passes(struct dns_ratelimit *rl, const char *who, unsigned n, uint64_t now)
{
	struct mg_addr a = addr(who);
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++)
		ok += dns_rl_allow(rl, &a, now);
	return ok;
}

static void test_off(void **state)
{
	struct dns_ratelimit rl;

	assert_int_equal(dns_rl_init(&rl, 16, key), 0);
	assert_int_equal(passes(&rl, "192.0.2.1", 10000, S(1)), 10000);
	dns_rl_set(&rl, 0, 0);
	assert_int_equal(passes(&rl, "192.0.2.1", 10000, S(1)), 10000);
	assert_int_equal(rl.limited, 0);
	dns_rl_fini(&rl);
}

static void test_burst_and_refill(void **state)
{
	struct dns_ratelimit rl;

	assert_int_equal(dns_rl_init(&rl, 16, key), 0);
	dns_rl_set(&rl, 10, 5);
	assert_int_equal(passes(&rl, "192.0.2.1", 8, S(100)), 5);
	assert_int_equal(rl.limited, 3);
	/* 10 a second: one token per 100 ms, none sooner. */
	assert_int_equal(passes(&rl, "192.0.2.1", 1, S(100) + MS(99)), 0);
	assert_int_equal(passes(&rl, "192.0.2.1", 3, S(100) + MS(100)), 1);
	assert_int_equal(passes(&rl, "192.0.2.1", 3, S(100) + MS(350)), 2);
	/* A long pause fills the bucket to the burst, not beyond. */
	assert_int_equal(passes(&rl, "192.0.2.1", 20, S(1000)), 5);
	/* The clock standing still or stepping back gives nothing. */
	assert_int_equal(passes(&rl, "192.0.2.1", 2, S(999)), 0);
	dns_rl_fini(&rl);
}

static void test_default_burst(void **state)
{
	struct dns_ratelimit rl;

	assert_int_equal(dns_rl_init(&rl, 16, key), 0);
	dns_rl_set(&rl, 50, 0);
	assert_int_equal(passes(&rl, "2001:db8::1", 500, S(5)), 100);
	dns_rl_fini(&rl);
}

static void test_clients_independent(void **state)
{
	struct dns_ratelimit rl;

	assert_int_equal(dns_rl_init(&rl, 64, key), 0);
	dns_rl_set(&rl, 1, 3);
	assert_int_equal(passes(&rl, "10.0.0.1", 10, S(1)), 3);
	assert_int_equal(passes(&rl, "10.0.0.2", 10, S(1)), 3);
	assert_int_equal(passes(&rl, "2001:db8::a", 10, S(1)), 3);
	/* Same bytes, other family: another client. */
	assert_int_equal(passes(&rl, "::a00:1", 10, S(1)), 3);
	assert_int_equal(passes(&rl, "10.0.0.1", 10, S(1)), 0);
	dns_rl_fini(&rl);
}

static void test_eviction(void **state)
{
	struct dns_ratelimit rl;
	char ip[32];

	/* One probe window: the ninth client evicts the longest idle. */
	assert_int_equal(dns_rl_init(&rl, 1, key), 0);
	assert_int_equal(rl.mask + 1, DNS_RL_PROBE);
	dns_rl_set(&rl, 1, 2);
	for (int i = 0; i < DNS_RL_PROBE; i++) {
		snprintf(ip, sizeof(ip), "10.0.1.%d", i);
		assert_int_equal(passes(&rl, ip, 5, S(10) + MS(i)), 2);
	}
	assert_int_equal(rl.evicted, 0);
	assert_int_equal(passes(&rl, "10.0.2.1", 5, S(10) + MS(50)), 2);
	assert_int_equal(rl.evicted, 1);
	/* 10.0.1.0 was idle longest: it starts again with a full bucket. */
	assert_int_equal(passes(&rl, "10.0.1.0", 5, S(10) + MS(60)), 2);
	/* The others kept theirs (empty). */
	assert_int_equal(passes(&rl, "10.0.1.7", 5, S(10) + MS(70)), 0);
	dns_rl_fini(&rl);
}

static void test_new_rate_keeps_buckets(void **state)
{
	struct dns_ratelimit rl;

	assert_int_equal(dns_rl_init(&rl, 16, key), 0);
	dns_rl_set(&rl, 100, 100);
	assert_int_equal(passes(&rl, "192.0.2.9", 90, S(1)), 90);
	dns_rl_set(&rl, 1, 5);
	/* 10 tokens left, cut to the new burst at the next refill. */
	assert_int_equal(passes(&rl, "192.0.2.9", 20, S(1) + 1), 5);
	dns_rl_fini(&rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_burst_and_refill),
		cmocka_unit_test(test_default_burst),
		cmocka_unit_test(test_clients_independent),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_new_rate_keeps_buckets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

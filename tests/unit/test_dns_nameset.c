/* dns/nameset against a deliberately naive list: random adds, deletes,
 * exact and longest-suffix lookups over names that share many suffixes. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns/hash.h"
#include "dns/nameset.h"
#include "dns/wire.h"
#include "tests/unit/testutil.h"

#define NNAMES 400

struct name {
	uint8_t w[DNS_NAME_MAX];
	size_t len;
	bool in;
};

static struct name names[NNAMES];

static void random_name(struct name *n)
{
	static const char *labels[] = { "a", "b", "cc", "example", "x", "in-addr", "arpa" };
	unsigned depth = (unsigned)(rnd() % 5);

	n->len = 0;
	for (unsigned i = 0; i < depth; i++) {
		const char *l = labels[rnd() % 7];

		n->w[n->len++] = (uint8_t)strlen(l);
		memcpy(n->w + n->len, l, strlen(l));
		n->len += strlen(l);
	}
	n->w[n->len++] = 0;
}

static const struct name *naive_longest(const uint8_t *w, size_t len)
{
	const struct name *best = NULL;

	for (int i = 0; i < NNAMES; i++)
		if (names[i].in && dns_name_under(w, len, names[i].w, names[i].len) &&
		    (!best || names[i].len > best->len))
			best = &names[i];
	return best;
}

static int find_same(int upto, const struct name *n)
{
	for (int i = 0; i < upto; i++)
		if (names[i].len == n->len && memcmp(names[i].w, n->w, n->len) == 0)
			return i;
	return -1;
}

static void test_differential(void **state)
{
	uint8_t key[DNS_HASH_KEYLEN] = { 1, 2, 3 };
	struct dns_nameset s;
	int distinct = 0;

	dns_nameset_init(&s, key);
	/* Distinct names only: duplicates would make the naive side ambiguous. */
	while (distinct < NNAMES) {
		random_name(&names[distinct]);
		if (find_same(distinct, &names[distinct]) < 0)
			distinct++;
		if (distinct < NNAMES && rnd() % 1000 == 0)
			break;
	}
	for (int round = 0; round < 20000; round++) {
		int i = (int)(rnd() % (unsigned)distinct);
		struct name *n = &names[i];
		struct name probe;
		const struct name *want;
		void *got;
		size_t m;

		switch (rnd() % 4) {
		case 0:
			assert_int_equal(dns_nameset_add(&s, n->w, n->len, n), n->in ? -EEXIST : 0);
			n->in = true;
			break;
		case 1:
			assert_ptr_equal(dns_nameset_del(&s, n->w, n->len), n->in ? n : NULL);
			n->in = false;
			break;
		case 2:
			assert_ptr_equal(dns_nameset_get(&s, n->w, n->len), n->in ? n : NULL);
			break;
		default:
			random_name(&probe);
			want = naive_longest(probe.w, probe.len);
			got = dns_nameset_longest(&s, probe.w, probe.len, &m);
			assert_ptr_equal(got, want);
			assert_int_equal(m, want ? want->len : 0);
			break;
		}
	}
	for (int i = 0; i < distinct; i++)
		assert_ptr_equal(dns_nameset_get(&s, names[i].w, names[i].len),
				 names[i].in ? &names[i] : NULL);
	dns_nameset_fini(&s);
}

static void test_hash_keyed(void **state)
{
	uint8_t k1[DNS_HASH_KEYLEN] = { 0 }, k2[DNS_HASH_KEYLEN] = { 1 };
	uint8_t data[64];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	/* Same input, same value; another key or length, another value. */
	assert_int_equal(dns_hash(k1, data, 0), dns_hash(k1, data, 0));
	assert_int_not_equal(dns_hash(k1, data, 16), dns_hash(k2, data, 16));
	assert_int_not_equal(dns_hash(k1, data, 15), dns_hash(k1, data, 16));
	for (size_t n = 0; n < 17; n++)
		assert_int_not_equal(dns_hash(k1, data, n), dns_hash(k1, data, n + 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_hash_keyed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* lib/trie: hand cases, allocation failures, and a randomised differential
 * run against a plain array scanned for the longest match. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/trie.h"

/* Linked with --wrap for malloc, calloc and free: counts live blocks and
 * fails the allocation after `fail_after` more succeed. */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void __wrap_free(void *p);

static int fail_after = -1;
static long live;

static bool should_fail(void)
{
	if (fail_after == 0) {
		fail_after = -1;
		return true;
	}
	if (fail_after > 0)
		fail_after--;
	return false;
}

void *__wrap_malloc(size_t n)
{
	void *p = should_fail() ? NULL : __real_malloc(n);

	if (p)
		live++;
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	void *p = should_fail() ? NULL : __real_calloc(n, size);

	if (p)
		live++;
	return p;
}

void __wrap_free(void *p)
{
	if (p)
		live--;
	__real_free(p);
}

static int peers[16];
#define A (&peers[0])
#define B (&peers[1])
#define C (&peers[2])
#define D (&peers[3])

static struct mg_prefix pfx(const char *s)
{
	struct mg_prefix p;

	assert_int_equal(mg_prefix_parse(s, true, &p), 0);
	return p;
}

static struct mg_addr ad(const char *s)
{
	struct mg_addr a;

	assert_int_equal(mg_addr_parse(s, &a), 0);
	return a;
}

static void ins(struct trie *t, const char *s, void *v)
{
	struct mg_prefix p = pfx(s);

	assert_int_equal(trie_insert(t, &p, v), 0);
	assert_true(trie_check(t));
}

static int rm(struct trie *t, const char *s)
{
	struct mg_prefix p = pfx(s);
	int ret = trie_remove(t, &p);

	assert_true(trie_check(t));
	return ret;
}

static void *look(struct trie *t, const char *s)
{
	struct mg_addr a = ad(s);

	return trie_lookup(t, &a);
}

/* Collects a walk as "p1 p2 ..." text. */
struct collect {
	char buf[1024];
	int stop_after;
	int seen;
};

static int collect_cb(void *ctx, const struct mg_prefix *p, void *value)
{
	struct collect *c = ctx;
	char s[MG_PREFIX_STRLEN];
	size_t n = strlen(c->buf);

	snprintf(c->buf + n, sizeof(c->buf) - n, "%s%s", n ? " " : "",
		 mg_prefix_fmt(p, s, sizeof(s)));
	if (++c->seen == c->stop_after)
		return 7;
	return 0;
}

static const char *walk_text(struct trie *t, const void *v, struct collect *c)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(trie_walk(t, v, collect_cb, c), 0);
	return c->buf;
}

static void empty_table(void **state)
{
	struct trie *t = trie_new();
	struct collect c;

	assert_non_null(t);
	assert_int_equal(trie_count(t), 0);
	assert_null(look(t, "0.0.0.0"));
	assert_null(look(t, "::"));
	assert_string_equal(walk_text(t, NULL, &c), "");
	assert_int_equal(rm(t, "10.0.0.0/8"), -ENOENT);
	assert_int_equal(trie_remove_by_value(t, A), 0);
	assert_true(trie_check(t));
	trie_free(t);
	trie_free(NULL);
}

static void default_routes(void **state)
{
	struct trie *t = trie_new();

	ins(t, "0.0.0.0/0", A);
	assert_ptr_equal(look(t, "0.0.0.0"), A);
	assert_ptr_equal(look(t, "255.255.255.255"), A);
	assert_ptr_equal(look(t, "10.1.2.3"), A);
	assert_null(look(t, "::"));
	assert_null(look(t, "::ffff:10.1.2.3"));
	ins(t, "::/0", B);
	assert_ptr_equal(look(t, "::"), B);
	assert_ptr_equal(look(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), B);
	assert_ptr_equal(look(t, "::ffff:10.1.2.3"), B);
	assert_ptr_equal(look(t, "10.1.2.3"), A);
	/* A more specific route wins, the default still catches the rest. */
	ins(t, "10.0.0.0/8", C);
	assert_ptr_equal(look(t, "10.1.2.3"), C);
	assert_ptr_equal(look(t, "11.1.2.3"), A);
	assert_int_equal(trie_count(t), 3);
	assert_int_equal(rm(t, "0.0.0.0/0"), 0);
	assert_null(look(t, "11.1.2.3"));
	assert_ptr_equal(look(t, "10.1.2.3"), C);
	assert_int_equal(rm(t, "::/0"), 0);
	assert_null(look(t, "::"));
	assert_int_equal(trie_count(t), 1);
	trie_free(t);
}

static void host_routes(void **state)
{
	struct trie *t = trie_new();

	ins(t, "10.0.0.1/32", A);
	ins(t, "255.255.255.255/32", B);
	ins(t, "0.0.0.0/32", C);
	ins(t, "fd00::1/128", A);
	ins(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", B);
	ins(t, "::/128", C);
	assert_ptr_equal(look(t, "10.0.0.1"), A);
	assert_null(look(t, "10.0.0.0"));
	assert_null(look(t, "10.0.0.2"));
	assert_ptr_equal(look(t, "255.255.255.255"), B);
	assert_null(look(t, "255.255.255.254"));
	assert_ptr_equal(look(t, "0.0.0.0"), C);
	assert_null(look(t, "0.0.0.1"));
	assert_ptr_equal(look(t, "fd00::1"), A);
	assert_null(look(t, "fd00::"));
	assert_null(look(t, "fd00::3"));
	assert_null(look(t, "fd00:0:0:1::1"));
	assert_ptr_equal(look(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), B);
	assert_null(look(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"));
	assert_null(look(t, "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
	assert_ptr_equal(look(t, "::"), C);
	assert_null(look(t, "::1"));
	assert_null(look(t, "8000::"));
	/* Bits 63 and 64 are the seam between the two key words. */
	ins(t, "2001:db8:0:1::/64", D);
	assert_ptr_equal(look(t, "2001:db8:0:1:ffff::1"), D);
	assert_null(look(t, "2001:db8:0:0:ffff::1"));
	ins(t, "2001:db8:0:1:8000::/65", A);
	assert_ptr_equal(look(t, "2001:db8:0:1:8000::1"), A);
	assert_ptr_equal(look(t, "2001:db8:0:1:7fff::1"), D);
	assert_int_equal(trie_count(t), 8);
	trie_free(t);
}

static void nested(void **state)
{
	static const char *const order[2][4] = {
		{ "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32" },
		{ "10.1.2.3/32", "10.1.2.0/24", "10.1.0.0/16", "10.0.0.0/8" },
	};
	void *const vals[4] = { A, B, C, D };

	/* Outer first, then inner first: the second builds nodes in between. */
	for (int o = 0; o < 2; o++) {
		struct trie *t = trie_new();

		for (int i = 0; i < 4; i++)
			ins(t, order[o][i], vals[o ? 3 - i : i]);
		assert_ptr_equal(look(t, "10.1.2.3"), D);
		assert_ptr_equal(look(t, "10.1.2.4"), C);
		assert_ptr_equal(look(t, "10.1.2.2"), C);
		assert_ptr_equal(look(t, "10.1.3.1"), B);
		assert_ptr_equal(look(t, "10.1.255.255"), B);
		assert_ptr_equal(look(t, "10.2.0.0"), A);
		assert_ptr_equal(look(t, "10.0.255.255"), A);
		assert_null(look(t, "11.0.0.0"));
		assert_null(look(t, "9.255.255.255"));
		assert_int_equal(trie_count(t), 4);
		trie_free(t);
	}
}

static void replacing_and_masking(void **state)
{
	struct trie *t = trie_new();
	struct collect c;

	ins(t, "10.1.2.3/8", A);                      /* host bits dropped */
	assert_ptr_equal(look(t, "10.200.0.1"), A);
	assert_string_equal(walk_text(t, A, &c), "10.0.0.0/8");
	ins(t, "10.0.0.0/8", B);                      /* same prefix: replaced */
	assert_int_equal(trie_count(t), 1);
	assert_ptr_equal(look(t, "10.200.0.1"), B);
	assert_string_equal(walk_text(t, A, &c), "");
	assert_string_equal(walk_text(t, B, &c), "10.0.0.0/8");
	ins(t, "fd77::1:2/64", C);
	assert_string_equal(walk_text(t, C, &c), "fd77::/64");
	assert_int_equal(rm(t, "10.9.9.9/8"), 0);     /* host bits ignored too */
	assert_int_equal(rm(t, "fd77::ffff/64"), 0);
	assert_int_equal(trie_count(t), 0);
	trie_free(t);
}

static void removing(void **state)
{
	struct trie *t = trie_new();

	ins(t, "10.0.0.0/8", A);
	ins(t, "10.1.0.0/16", B);
	ins(t, "10.1.2.0/24", C);
	ins(t, "10.1.128.0/24", D);
	/* An inner node with two children stays as a join node. */
	assert_int_equal(rm(t, "10.1.0.0/16"), 0);
	assert_ptr_equal(look(t, "10.1.3.1"), A);
	assert_ptr_equal(look(t, "10.1.2.5"), C);
	assert_ptr_equal(look(t, "10.1.128.5"), D);
	assert_int_equal(rm(t, "10.1.0.0/16"), -ENOENT);
	/* The outer root goes; the rest hangs on. */
	assert_int_equal(rm(t, "10.0.0.0/8"), 0);
	assert_null(look(t, "10.2.0.0"));
	assert_null(look(t, "10.1.3.1"));
	assert_ptr_equal(look(t, "10.1.2.5"), C);
	/* A leaf goes and its join node with it. */
	assert_int_equal(rm(t, "10.1.2.0/24"), 0);
	assert_null(look(t, "10.1.2.5"));
	assert_ptr_equal(look(t, "10.1.128.5"), D);
	assert_int_equal(trie_count(t), 1);
	/* Prefixes never inserted: a join node's, a longer one, a shorter one. */
	ins(t, "10.1.2.0/24", C);
	assert_int_equal(rm(t, "10.1.0.0/16"), -ENOENT);
	assert_int_equal(rm(t, "10.1.2.0/25"), -ENOENT);
	assert_int_equal(rm(t, "10.1.2.0/23"), -ENOENT);
	assert_int_equal(rm(t, "10.1.3.0/24"), -ENOENT);
	assert_int_equal(rm(t, "::/0"), -ENOENT);
	assert_int_equal(trie_count(t), 2);
	/* An inner node with a single child is unlinked. */
	ins(t, "10.1.2.0/23", B);
	assert_int_equal(rm(t, "10.1.2.0/23"), 0);
	assert_ptr_equal(look(t, "10.1.2.5"), C);
	assert_int_equal(rm(t, "10.1.2.0/24"), 0);
	assert_int_equal(rm(t, "10.1.128.0/24"), 0);
	assert_int_equal(trie_count(t), 0);
	assert_null(look(t, "10.1.128.5"));
	trie_free(t);
}

static void families_apart(void **state)
{
	struct trie *t = trie_new();

	ins(t, "10.0.0.0/8", A);
	assert_null(look(t, "::ffff:10.0.0.1"));
	assert_null(look(t, "a00::1"));              /* same leading bits, v6 */
	ins(t, "::ffff:0:0/96", B);
	assert_ptr_equal(look(t, "::ffff:10.0.0.1"), B);
	assert_ptr_equal(look(t, "10.0.0.1"), A);
	assert_null(look(t, "11.0.0.1"));
	ins(t, "a00::/8", C);
	assert_ptr_equal(look(t, "a00::1"), C);
	assert_ptr_equal(look(t, "10.0.0.1"), A);
	assert_int_equal(rm(t, "10.0.0.0/8"), 0);
	assert_null(look(t, "10.0.0.1"));
	assert_ptr_equal(look(t, "a00::1"), C);
	assert_int_equal(rm(t, "a00::/8"), 0);
	assert_int_equal(rm(t, "a00::/8"), -ENOENT);
	assert_int_equal(trie_count(t), 1);
	trie_free(t);
}

static void by_value_and_walk(void **state)
{
	static const char *const a_pfx[] = {
		"fd00::/8", "192.168.0.0/24", "10.0.0.0/16", "::/0", "10.0.0.0/8",
		"10.200.0.0/16", "fd00:1::/32",
	};
	struct trie *t = trie_new();
	uint8_t v4[4] = { 10, 0, 0, 9 };
	struct collect c;

	for (size_t i = 0; i < sizeof(a_pfx) / sizeof(a_pfx[0]); i++)
		ins(t, a_pfx[i], A);
	ins(t, "10.0.0.0/24", B);
	ins(t, "10.128.0.0/9", B);
	ins(t, "fd00:1:2::/48", B);
	assert_string_equal(walk_text(t, A, &c),
			    "10.0.0.0/8 10.0.0.0/16 10.200.0.0/16 192.168.0.0/24 "
			    "::/0 fd00::/8 fd00:1::/32");
	assert_string_equal(walk_text(t, NULL, &c),
			    "10.0.0.0/8 10.0.0.0/16 10.0.0.0/24 10.128.0.0/9 "
			    "10.200.0.0/16 192.168.0.0/24 ::/0 fd00::/8 "
			    "fd00:1::/32 fd00:1:2::/48");
	/* A non-zero return stops the walk and comes back. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 3;
	assert_int_equal(trie_walk(t, NULL, collect_cb, &c), 7);
	assert_string_equal(c.buf, "10.0.0.0/8 10.0.0.0/16 10.0.0.0/24");

	assert_ptr_equal(trie_lookup_bytes(t, AF_INET, v4), B);
	assert_int_equal(trie_remove_by_value(t, A), 7);
	assert_true(trie_check(t));
	assert_int_equal(trie_count(t), 3);
	assert_string_equal(walk_text(t, A, &c), "");
	assert_string_equal(walk_text(t, B, &c), "10.0.0.0/24 10.128.0.0/9 fd00:1:2::/48");
	assert_ptr_equal(look(t, "10.0.0.9"), B);
	assert_null(look(t, "10.0.1.9"));
	assert_ptr_equal(look(t, "10.200.1.1"), B);
	assert_ptr_equal(look(t, "fd00:1:2::1"), B);
	assert_null(look(t, "fd00:1:3::1"));
	assert_null(look(t, "2001::1"));
	assert_int_equal(trie_remove_by_value(t, A), 0);
	assert_int_equal(trie_remove_by_value(t, NULL), 0);
	assert_int_equal(trie_remove_by_value(t, B), 3);
	assert_int_equal(trie_count(t), 0);
	assert_true(trie_check(t));
	assert_null(look(t, "10.0.0.9"));
	trie_free(t);
}

static void malformed(void **state)
{
	struct trie *t = trie_new();
	struct mg_prefix p = pfx("10.0.0.0/8");
	struct mg_addr a = ad("10.0.0.1");
	uint8_t bytes[16] = { 10 };

	assert_int_equal(trie_insert(t, &p, NULL), -EINVAL);
	p.len = 33;
	assert_int_equal(trie_insert(t, &p, A), -EINVAL);
	assert_int_equal(trie_remove(t, &p), -EINVAL);
	p = pfx("fd00::/8");
	p.len = 129;
	assert_int_equal(trie_insert(t, &p, A), -EINVAL);
	p = pfx("10.0.0.0/8");
	p.addr.family = AF_UNSPEC;
	assert_int_equal(trie_insert(t, &p, A), -EINVAL);
	assert_int_equal(trie_remove(t, &p), -EINVAL);
	assert_int_equal(trie_count(t), 0);
	ins(t, "0.0.0.0/0", A);
	ins(t, "::/0", A);
	a.family = AF_UNSPEC;
	assert_null(trie_lookup(t, &a));
	assert_null(trie_lookup_bytes(t, AF_UNIX, bytes));
	assert_ptr_equal(trie_lookup_bytes(t, AF_INET, bytes), A);
	trie_free(t);
}

static void out_of_memory(void **state)
{
	long base = live;
	struct trie *t;
	struct mg_prefix p;

	fail_after = 0;
	assert_null(trie_new());
	assert_int_equal(live, base);

	t = trie_new();
	assert_non_null(t);
	p = pfx("10.0.0.0/16");
	fail_after = 0;
	assert_int_equal(trie_insert(t, &p, A), -ENOMEM);
	assert_int_equal(trie_count(t), 0);
	assert_int_equal(live, base + 1);
	assert_int_equal(trie_insert(t, &p, A), 0);

	/* A sibling needs a leaf and a join node: the second fails. */
	p = pfx("10.128.0.0/16");
	for (int n = 0; n < 2; n++) {
		fail_after = n;
		assert_int_equal(trie_insert(t, &p, B), -ENOMEM);
		assert_int_equal(live, base + 2);
		assert_true(trie_check(t));
		assert_int_equal(trie_count(t), 1);
		assert_null(look(t, "10.128.0.1"));
		assert_ptr_equal(look(t, "10.0.0.1"), A);
	}
	fail_after = -1;
	assert_int_equal(trie_insert(t, &p, B), 0);
	assert_int_equal(live, base + 4);
	/* Replacing allocates nothing. */
	fail_after = 0;
	assert_int_equal(trie_insert(t, &p, C), 0);
	fail_after = -1;
	assert_ptr_equal(look(t, "10.128.0.1"), C);
	/* Removing a leaf frees it and the join node above it. */
	assert_int_equal(rm(t, "10.128.0.0/16"), 0);
	assert_int_equal(live, base + 2);
	trie_free(t);
	assert_int_equal(live, base);
}

/* ---- randomised differential test ---- */

#define REF_MAX 4096
#define NVALUES 12

struct ref_entry {
	struct mg_prefix p;
	void *value;
};

static struct ref_entry ref[REF_MAX];
static size_t nref;
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * UINT64_C(2685821657736338717);
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static bool ref_contains(const struct mg_prefix *p, const struct mg_addr *a)
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (p->addr.family != a->family)
		return false;
	if (memcmp(p->addr.u.bytes, a->u.bytes, full))
		return false;
	if (!rest)
		return true;
	return ((p->addr.u.bytes[full] ^ a->u.bytes[full]) & (0xff00 >> rest)) == 0;
}

static void *ref_lookup(const struct mg_addr *a)
{
	void *best = NULL;
	int best_len = -1;

	for (size_t i = 0; i < nref; i++) {
		if (ref_contains(&ref[i].p, a) && (int)ref[i].p.len > best_len) {
			best_len = ref[i].p.len;
			best = ref[i].value;
		}
	}
	return best;
}

static void ref_insert(const struct mg_prefix *p, void *value)
{
	for (size_t i = 0; i < nref; i++) {
		if (mg_prefix_eq(&ref[i].p, p)) {
			ref[i].value = value;
			return;
		}
	}
	assert_true(nref < REF_MAX);
	ref[nref].p = *p;
	ref[nref++].value = value;
}

static int ref_remove(const struct mg_prefix *p)
{
	for (size_t i = 0; i < nref; i++) {
		if (mg_prefix_eq(&ref[i].p, p)) {
			ref[i] = ref[--nref];
			return 0;
		}
	}
	return -ENOENT;
}

static size_t ref_remove_by_value(const void *value)
{
	size_t gone = 0;

	for (size_t i = 0; i < nref;) {
		if (ref[i].value == value) {
			ref[i] = ref[--nref];
			gone++;
		} else {
			i++;
		}
	}
	return gone;
}

/* A few fixed addresses per family that random ones stay near, so prefixes
 * nest, collide and share long runs of bits. The IPv6 ones include IPv4
 * templates mapped into ::ffff:0:0/96. */
static struct mg_addr templ[2][4];

static void make_templates(void)
{
	for (int i = 0; i < 4; i++) {
		templ[0][i].family = AF_INET;
		templ[1][i].family = AF_INET6;
		for (int b = 0; b < 16; b++)
			templ[1][i].u.bytes[b] = (uint8_t)rnd();
		for (int b = 0; b < 4; b++)
			templ[0][i].u.bytes[b] = (uint8_t)rnd();
	}
	templ[0][1].u.bytes[0] = templ[0][0].u.bytes[0];    /* share a /8 */
	memset(templ[1][3].u.bytes, 0, 10);
	templ[1][3].u.bytes[10] = templ[1][3].u.bytes[11] = 0xff;
	memcpy(templ[1][3].u.bytes + 12, templ[0][0].u.bytes, 4);
}

static struct mg_addr rnd_addr(int fam)
{
	unsigned bits = fam ? 128 : 32;
	struct mg_addr a = templ[fam][rnd_below(4)];
	unsigned flips = rnd_below(4);

	if (rnd_below(8) == 0) {
		for (unsigned b = 0; b < bits / 8; b++)
			a.u.bytes[b] = (uint8_t)rnd();
		return a;
	}
	for (unsigned i = 0; i < flips; i++) {
		unsigned bit = rnd_below(2) ? rnd_below(bits) : rnd_below(bits < 24 ? bits : 24);

		a.u.bytes[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
	}
	return a;
}

static struct mg_prefix rnd_prefix(int fam)
{
	unsigned bits = fam ? 128 : 32;
	struct mg_prefix p = { .addr = rnd_addr(fam) };
	unsigned r = rnd_below(16);

	if (r == 0)
		p.len = (uint8_t)rnd_below(3);
	else if (r <= 2)
		p.len = (uint8_t)bits;
	else if (r <= 4)
		p.len = (uint8_t)(bits - rnd_below(3));
	else
		p.len = (uint8_t)rnd_below(bits + 1);
	return p;
}

static void addr_step(struct mg_addr *a, int delta)
{
	for (int i = (int)mg_addr_len(a) - 1; i >= 0; i--) {
		uint8_t old = a->u.bytes[i];

		a->u.bytes[i] = (uint8_t)(old + delta);
		if ((delta > 0 && old != 0xff) || (delta < 0 && old != 0))
			break;
	}
}

static void check_addr(const struct trie *t, const struct mg_addr *a)
{
	void *want = ref_lookup(a), *got = trie_lookup(t, a);

	if (want != got) {
		char s[INET6_ADDRSTRLEN];

		fail_msg("lookup %s: trie %p, reference %p", mg_addr_fmt(a, s, sizeof(s)),
			 got, want);
	}
}

/* The first and last address of a prefix, and one step outside each. */
static void check_edges(const struct trie *t, const struct mg_prefix *p)
{
	struct mg_prefix last = *p;
	struct mg_addr a = p->addr;
	unsigned n = (unsigned)mg_addr_len(&p->addr) * 8;

	check_addr(t, &a);
	addr_step(&a, -1);
	check_addr(t, &a);
	for (unsigned bit = p->len; bit < n; bit++)
		last.addr.u.bytes[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	a = last.addr;
	check_addr(t, &a);
	addr_step(&a, 1);
	check_addr(t, &a);
	if (p->len < n) {
		a = p->addr;
		a.u.bytes[p->len / 8] ^= (uint8_t)(0x80 >> (p->len % 8));
		check_addr(t, &a);
	}
}

static int prefix_cmp(const struct mg_prefix *a, const struct mg_prefix *b)
{
	int c;

	if (a->addr.family != b->addr.family)
		return a->addr.family == AF_INET ? -1 : 1;
	c = memcmp(a->addr.u.bytes, b->addr.u.bytes, mg_addr_len(&a->addr));
	if (c)
		return c;
	return (int)a->len - (int)b->len;
}

static int ref_entry_cmp(const void *x, const void *y)
{
	return prefix_cmp(&((const struct ref_entry *)x)->p, &((const struct ref_entry *)y)->p);
}

struct walk_check {
	struct ref_entry want[REF_MAX];
	size_t n, at;
};

static int walk_check_cb(void *ctx, const struct mg_prefix *p, void *value)
{
	struct walk_check *w = ctx;

	assert_true(w->at < w->n);
	assert_true(mg_prefix_eq(p, &w->want[w->at].p));
	assert_ptr_equal(value, w->want[w->at].value);
	w->at++;
	return 0;
}

static void check_walk(const struct trie *t, const void *value)
{
	static struct walk_check w;

	w.n = w.at = 0;
	for (size_t i = 0; i < nref; i++)
		if (!value || ref[i].value == value)
			w.want[w.n++] = ref[i];
	qsort(w.want, w.n, sizeof(w.want[0]), ref_entry_cmp);
	assert_int_equal(trie_walk(t, value, walk_check_cb, &w), 0);
	assert_int_equal(w.at, w.n);
}

static void check_all(const struct trie *t, long base, bool walks)
{
	assert_true(trie_check(t));
	assert_int_equal(trie_count(t), nref);
	/* Path compression: at most one join node per stored prefix. */
	assert_true(live - base <= 2 * (long)nref + 1);
	for (int i = 0; i < 32; i++) {
		struct mg_addr a = rnd_addr(rnd_below(2));

		check_addr(t, &a);
	}
	for (int i = 0; i < 4 && nref; i++)
		check_edges(t, &ref[rnd_below((unsigned)nref)].p);
	if (walks) {
		check_walk(t, NULL);
		for (int v = 0; v < NVALUES; v++)
			check_walk(t, &peers[v]);
	}
}

static void differential(void **state)
{
	long base = live;
	struct trie *t = trie_new();
	size_t max_seen = 0, removed_by_value = 0, inserts = 0, removes = 0;

	rng_state = UINT64_C(0x6d657368676174e5);
	make_templates();
	nref = 0;
	for (int step = 0; step < 24000; step++) {
		/* Alternate growing and shrinking phases so the table also
		 * empties and refills. */
		unsigned grow = (step / 3000) % 2 ? 350 : 700;
		unsigned r = rnd_below(1000);
		int fam = (int)rnd_below(2);

		if (r < grow) {
			struct mg_prefix p = rnd_prefix(fam);
			void *v = &peers[rnd_below(NVALUES)];

			assert_int_equal(trie_insert(t, &p, v), 0);
			mg_prefix_mask(&p);
			ref_insert(&p, v);
			inserts++;
		} else if (r < 994) {
			struct mg_prefix p, m;

			if (nref && rnd_below(4)) {
				p = ref[rnd_below((unsigned)nref)].p;
				/* Host bits must not matter on removal either. */
				if (p.len < mg_addr_len(&p.addr) * 8 && rnd_below(2))
					p.addr.u.bytes[mg_addr_len(&p.addr) - 1] ^= 1;
			} else {
				p = rnd_prefix(fam);
			}
			m = p;
			mg_prefix_mask(&m);
			assert_int_equal(trie_remove(t, &p), ref_remove(&m));
			removes++;
		} else {
			const void *v = &peers[rnd_below(NVALUES)];
			size_t gone = ref_remove_by_value(v);

			assert_int_equal(trie_remove_by_value(t, v), gone);
			removed_by_value += gone;
		}
		if (nref > max_seen)
			max_seen = nref;
		if (step % 8 == 7)
			check_all(t, base, step % 128 == 127);
	}
	check_all(t, base, true);
	/* The run reached a sizeable table and exercised every operation. */
	assert_true(max_seen > 300);
	assert_true(removed_by_value > 50);
	assert_true(inserts > 10000 && removes > 5000);
	trie_free(t);
	assert_int_equal(live, base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_table),
		cmocka_unit_test(default_routes),
		cmocka_unit_test(host_routes),
		cmocka_unit_test(nested),
		cmocka_unit_test(replacing_and_masking),
		cmocka_unit_test(removing),
		cmocka_unit_test(families_apart),
		cmocka_unit_test(by_value_and_walk),
		cmocka_unit_test(malformed),
		cmocka_unit_test(out_of_memory),
		cmocka_unit_test(differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

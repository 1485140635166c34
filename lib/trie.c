#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/trie.h"

/* Keys are two host-order words so that masking, comparing and picking a bit
 * are word operations; an IPv4 address sits in the top half of key[0]. */
struct trie_node {
	uint64_t key[2];                /* bits past cidr are zero */
	struct trie_node *child[2];     /* by the bit at position cidr */
	void *value;                    /* NULL: joins two subtrees */
	uint8_t cidr;
};

struct trie {
	struct trie_node *root4;
	struct trie_node *root6;
	size_t count;
};

static unsigned family_bits(int family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

static uint64_t load_be(const uint8_t *b, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | b[i];
	return v;
}

static void key_from_bytes(uint64_t k[2], int family, const uint8_t *b)
{
	if (family == AF_INET) {
		k[0] = load_be(b, 4) << 32;
		k[1] = 0;
	} else {
		k[0] = load_be(b, 8);
		k[1] = load_be(b + 8, 8);
	}
}

static void key_to_bytes(const uint64_t k[2], uint8_t b[16])
{
	for (unsigned i = 0; i < 16; i++)
		b[i] = (uint8_t)(k[i / 8] >> (56 - 8 * (i % 8)));
}

static uint64_t word_mask(unsigned cidr, unsigned word)
{
	unsigned lo = word * 64;

	if (cidr <= lo)
		return 0;
	if (cidr >= lo + 64)
		return UINT64_MAX;
	return UINT64_MAX << (64 - (cidr - lo));
}

/* How many leading bits a and b share, 128 when equal. */
static unsigned common_bits(const uint64_t a[2], const uint64_t b[2])
{
	uint64_t x = a[0] ^ b[0];

	if (x)
		return (unsigned)__builtin_clzll(x);
	x = a[1] ^ b[1];
	if (x)
		return 64 + (unsigned)__builtin_clzll(x);
	return 128;
}

/* Bit n (0 is the most significant); n < 128. */
static unsigned bit_at(const uint64_t k[2], unsigned n)
{
	return (unsigned)(k[n / 64] >> (63 - n % 64)) & 1;
}

static struct trie_node **root_of(struct trie *t, int family)
{
	return family == AF_INET ? &t->root4 : &t->root6;
}

static const struct trie_node *root_of_const(const struct trie *t, int family)
{
	return family == AF_INET ? t->root4 : t->root6;
}

static struct trie_node *node_new(const uint64_t k[2], unsigned cidr, void *value)
{
	struct trie_node *n = malloc(sizeof(*n));

	if (!n)
		return NULL;
	n->key[0] = k[0] & word_mask(cidr, 0);
	n->key[1] = k[1] & word_mask(cidr, 1);
	n->child[0] = n->child[1] = NULL;
	n->value = value;
	n->cidr = (uint8_t)cidr;
	return n;
}

/* Unhooks the valueless node at *slot if it no longer joins two subtrees. */
static void prune(struct trie_node **slot)
{
	struct trie_node *n = *slot;

	if (n->value || (n->child[0] && n->child[1]))
		return;
	*slot = n->child[0] ? n->child[0] : n->child[1];
	free(n);
}

/* Recursion is bounded by the key length: a path has at most 129 nodes. */
static void free_tree(struct trie_node *n)
{
	if (!n)
		return;
	free_tree(n->child[0]);
	free_tree(n->child[1]);
	free(n);
}

struct trie *trie_new(void)
{
	return calloc(1, sizeof(struct trie));
}

void trie_free(struct trie *t)
{
	if (!t)
		return;
	free_tree(t->root4);
	free_tree(t->root6);
	free(t);
}

int trie_insert(struct trie *t, const struct mg_prefix *p, void *value)
{
	unsigned bits = family_bits(p->addr.family);
	unsigned cidr = p->len, common = 0;
	struct trie_node **slot, *n, *leaf, *join;
	uint64_t k[2];

	if (!bits || cidr > bits || !value)
		return -EINVAL;
	key_from_bytes(k, p->addr.family, p->addr.u.bytes);
	k[0] &= word_mask(cidr, 0);
	k[1] &= word_mask(cidr, 1);

	slot = root_of(t, p->addr.family);
	while ((n = *slot)) {
		common = common_bits(n->key, k);
		if (common > cidr)
			common = cidr;
		if (common < n->cidr)
			break;
		if (n->cidr == cidr) {
			if (!n->value)
				t->count++;
			n->value = value;
			return 0;
		}
		slot = &n->child[bit_at(k, n->cidr)];
	}

	leaf = node_new(k, cidr, value);
	if (!leaf)
		return -ENOMEM;
	if (!n) {
		*slot = leaf;
	} else if (common == cidr) {
		/* The new prefix contains n: it goes in between. */
		leaf->child[bit_at(n->key, cidr)] = n;
		*slot = leaf;
	} else {
		/* They part at bit `common`: a valueless node joins them. */
		join = node_new(k, common, NULL);
		if (!join) {
			free(leaf);
			return -ENOMEM;
		}
		join->child[bit_at(k, common)] = leaf;
		join->child[bit_at(n->key, common)] = n;
		*slot = join;
	}
	t->count++;
	return 0;
}

int trie_remove(struct trie *t, const struct mg_prefix *p)
{
	unsigned bits = family_bits(p->addr.family);
	unsigned cidr = p->len;
	struct trie_node **slot, **pslot = NULL, *n;
	uint64_t k[2];

	if (!bits || cidr > bits)
		return -EINVAL;
	key_from_bytes(k, p->addr.family, p->addr.u.bytes);
	k[0] &= word_mask(cidr, 0);
	k[1] &= word_mask(cidr, 1);

	slot = root_of(t, p->addr.family);
	while ((n = *slot) && n->cidr < cidr && common_bits(n->key, k) >= n->cidr) {
		pslot = slot;
		slot = &n->child[bit_at(k, n->cidr)];
	}
	if (!n || n->cidr != cidr || !n->value || common_bits(n->key, k) < cidr)
		return -ENOENT;
	n->value = NULL;
	t->count--;
	/* A leaf going away can leave its parent joining nothing. */
	prune(slot);
	if (pslot)
		prune(pslot);
	return 0;
}

static size_t remove_value(struct trie_node **slot, const void *value)
{
	struct trie_node *n = *slot;
	size_t gone;

	if (!n)
		return 0;
	gone = remove_value(&n->child[0], value) + remove_value(&n->child[1], value);
	if (n->value == value) {
		n->value = NULL;
		gone++;
	}
	prune(slot);
	return gone;
}

size_t trie_remove_by_value(struct trie *t, const void *value)
{
	size_t gone;

	if (!value)
		return 0;
	gone = remove_value(&t->root4, value) + remove_value(&t->root6, value);
	t->count -= gone;
	return gone;
}

void *trie_lookup_bytes(const struct trie *t, int family, const uint8_t *bytes)
{
	unsigned bits = family_bits(family);
	const struct trie_node *n;
	void *best = NULL;
	uint64_t k[2];

	if (!bits)
		return NULL;
	key_from_bytes(k, family, bytes);
	n = root_of_const(t, family);
	while (n && common_bits(n->key, k) >= n->cidr) {
		if (n->value)
			best = n->value;
		if (n->cidr == bits)
			break;
		n = n->child[bit_at(k, n->cidr)];
	}
	return best;
}

void *trie_lookup(const struct trie *t, const struct mg_addr *a)
{
	return trie_lookup_bytes(t, a->family, a->u.bytes);
}

static int walk_node(const struct trie_node *n, int family, const void *value,
		     trie_walk_fn fn, void *ctx)
{
	struct mg_prefix p;
	uint8_t b[16];
	int ret;

	if (!n)
		return 0;
	if (n->value && (!value || n->value == value)) {
		memset(&p, 0, sizeof(p));
		p.addr.family = (sa_family_t)family;
		key_to_bytes(n->key, b);
		memcpy(p.addr.u.bytes, b, family == AF_INET ? 4 : 16);
		p.len = n->cidr;
		ret = fn(ctx, &p, n->value);
		if (ret)
			return ret;
	}
	ret = walk_node(n->child[0], family, value, fn, ctx);
	if (ret)
		return ret;
	return walk_node(n->child[1], family, value, fn, ctx);
}

int trie_walk(const struct trie *t, const void *value, trie_walk_fn fn, void *ctx)
{
	int ret = walk_node(t->root4, AF_INET, value, fn, ctx);

	if (ret)
		return ret;
	return walk_node(t->root6, AF_INET6, value, fn, ctx);
}

size_t trie_count(const struct trie *t)
{
	return t->count;
}

static bool check_node(const struct trie_node *n, const struct trie_node *parent,
		       unsigned dir, unsigned bits, size_t *count)
{
	if (!n)
		return true;
	if (n->cidr > bits || (n->key[0] & ~word_mask(n->cidr, 0)) ||
	    (n->key[1] & ~word_mask(n->cidr, 1)))
		return false;
	if (parent && (n->cidr <= parent->cidr ||
		       common_bits(n->key, parent->key) < parent->cidr ||
		       bit_at(n->key, parent->cidr) != dir))
		return false;
	if (!n->value && !(n->child[0] && n->child[1]))
		return false;
	if (n->cidr == bits && (n->child[0] || n->child[1]))
		return false;
	if (n->value)
		(*count)++;
	return check_node(n->child[0], n, 0, bits, count) &&
	       check_node(n->child[1], n, 1, bits, count);
}

bool trie_check(const struct trie *t)
{
	size_t count = 0;

	return check_node(t->root4, NULL, 0, 32, &count) &&
	       check_node(t->root6, NULL, 0, 128, &count) && count == t->count;
}

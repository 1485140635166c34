#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns/nameset.h"
#include "dns/wire.h"

void dns_nameset_init(struct dns_nameset *s, const uint8_t key[DNS_HASH_KEYLEN])
{
	memset(s, 0, sizeof(*s));
	memcpy(s->key, key, DNS_HASH_KEYLEN);
}

void dns_nameset_fini(struct dns_nameset *s)
{
	free(s->slots);
	s->slots = NULL;
	s->cap = s->n = 0;
}

static struct dns_nameset_slot *find(const struct dns_nameset *s, const uint8_t *name,
				     size_t len, uint64_t h)
{
	size_t mask = s->cap - 1, i;

	if (!s->cap)
		return NULL;
	for (i = h & mask;; i = (i + 1) & mask) {
		struct dns_nameset_slot *sl = &s->slots[i];

		if (!sl->name)
			return NULL;
		if (sl->hash == h && sl->len == len && memcmp(sl->name, name, len) == 0)
			return sl;
	}
}

static void place(struct dns_nameset_slot *slots, size_t cap, const struct dns_nameset_slot *e)
{
	size_t i = e->hash & (cap - 1);

	while (slots[i].name)
		i = (i + 1) & (cap - 1);
	slots[i] = *e;
}

static int grow(struct dns_nameset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 16;
	struct dns_nameset_slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i].name)
			place(slots, cap, &s->slots[i]);
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	return 0;
}

int dns_nameset_add(struct dns_nameset *s, const uint8_t *name, size_t len, void *val)
{
	struct dns_nameset_slot e = { .name = name, .len = (uint8_t)len, .val = val };

	if (len == 0 || len > DNS_NAME_MAX)
		return -EINVAL;
	e.hash = dns_hash(s->key, name, len);
	if (find(s, name, len, e.hash))
		return -EEXIST;
	/* Load at most 1/2: probes stay short. */
	if ((s->n + 1) * 2 > s->cap && grow(s))
		return -ENOMEM;
	place(s->slots, s->cap, &e);
	s->n++;
	if (s->len_count[len]++ == 0)
		s->lens[len / 64] |= 1ULL << (len % 64);
	return 0;
}

void *dns_nameset_get(const struct dns_nameset *s, const uint8_t *name, size_t len)
{
	struct dns_nameset_slot *sl;

	if (len == 0 || len > DNS_NAME_MAX || !(s->lens[len / 64] & 1ULL << (len % 64)))
		return NULL;
	sl = find(s, name, len, dns_hash(s->key, name, len));
	return sl ? sl->val : NULL;
}

void *dns_nameset_longest(const struct dns_nameset *s, const uint8_t *name, size_t len,
			  size_t *mlen)
{
	size_t off = 0;

	*mlen = 0;
	for (;;) {
		void *v = dns_nameset_get(s, name + off, len - off);

		if (v) {
			*mlen = len - off;
			return v;
		}
		if (off >= len || !name[off])
			return NULL;
		off += 1u + name[off];
	}
}

void *dns_nameset_del(struct dns_nameset *s, const uint8_t *name, size_t len)
{
	struct dns_nameset_slot *sl;
	size_t mask = s->cap - 1, i, j;
	void *val;

	if (len == 0 || len > DNS_NAME_MAX || !s->cap)
		return NULL;
	sl = find(s, name, len, dns_hash(s->key, name, len));
	if (!sl)
		return NULL;
	val = sl->val;
	if (--s->len_count[len] == 0)
		s->lens[len / 64] &= ~(1ULL << (len % 64));
	s->n--;
	/* Backward-shift deletion: no tombstones, probes stay short. */
	i = (size_t)(sl - s->slots);
	for (j = (i + 1) & mask; s->slots[j].name; j = (j + 1) & mask) {
		size_t home = s->slots[j].hash & mask;

		/* Move j into the hole at i unless its home lies in (i, j]. */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			s->slots[i] = s->slots[j];
			i = j;
		}
	}
	memset(&s->slots[i], 0, sizeof(s->slots[i]));
	return val;
}

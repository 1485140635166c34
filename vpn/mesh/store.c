#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "lib/cursor.h"
#include "vpn/mesh/store.h"

/* A sorted array of pointers; the store keeps four of them, so lookups
 * are binary searches and a few thousand members cost a few memmoves. */
struct vec {
	void **v;
	size_t n, cap;
};

typedef int (*vec_cmp)(const void *probe, const void *elem);

/* Nodes by name and by WireGuard key (unique among the held records);
 * revocations by (name, key) and by (key, name). */
struct mesh_store {
	uint8_t net_pub[NETKEY_PUB_LEN];
	char self[WIRE_LABEL_MAX + 1];
	struct mesh_store_ops ops;
	void *arg;
	struct vec by_name, by_key, revs, revs_by_key;
	size_t heap;                 /* bytes of nodes, revocations and objects */
	bool root_ok;
	uint8_t root[MESH_ROOT_LEN];
	uint32_t root_count;
	struct mesh_store_stats stats;
};

struct rev_probe {
	const char *name;
	const uint8_t *key;
};

static const char *const verdict_names[MESH_VERDICTS] = {
	"new", "updated", "duplicate", "stale", "malformed", "bad_signature", "expired",
	"revoked", "unknown_node", "conflict", "no_memory",
};

static const char *const removal_names[MESH_REMOVALS] = { "revoked", "expired", "conflict" };

const char *mesh_verdict_name(enum mesh_verdict v)
{
	return (unsigned)v < MESH_VERDICTS ? verdict_names[v] : "?";
}

const char *mesh_removal_name(enum mesh_removal r)
{
	return (unsigned)r < MESH_REMOVALS ? removal_names[r] : "?";
}

/* ---- sorted vectors ---- */

/* The first element not below probe. */
static size_t vec_lower(const struct vec *v, const void *probe, vec_cmp cmp)
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp(probe, v->v[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int vec_reserve(struct mesh_store *s, struct vec *v, size_t extra)
{
	size_t cap = v->cap ? v->cap : 16;
	void **p;

	if (v->n + extra <= v->cap)
		return 0;
	while (cap < v->n + extra)
		cap *= 2;
	p = realloc(v->v, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	s->heap += (cap - v->cap) * sizeof(*p);
	v->v = p;
	v->cap = cap;
	return 0;
}

static void vec_insert(struct vec *v, size_t i, void *e)
{
	memmove(&v->v[i + 1], &v->v[i], (v->n - i) * sizeof(v->v[0]));
	v->v[i] = e;
	v->n++;
}

static void vec_remove(struct vec *v, size_t i)
{
	memmove(&v->v[i], &v->v[i + 1], (v->n - i - 1) * sizeof(v->v[0]));
	v->n--;
}

static int cmp_node_name(const void *probe, const void *elem)
{
	return strcmp(probe, ((const struct mesh_node *)elem)->name);
}

static int cmp_node_key(const void *probe, const void *elem)
{
	return memcmp(probe, ((const struct mesh_node *)elem)->wg_key, 32);
}

static int cmp_rev_name(const void *probe, const void *elem)
{
	const struct rev_probe *p = probe;
	const struct mesh_revocation *r = elem;
	int c = strcmp(p->name, r->name);

	return c ? c : memcmp(p->key, r->wg_key, 32);
}

static int cmp_rev_key(const void *probe, const void *elem)
{
	const struct rev_probe *p = probe;
	const struct mesh_revocation *r = elem;
	int c = memcmp(p->key, r->wg_key, 32);

	return c ? c : strcmp(p->name, r->name);
}

static size_t node_index(const struct mesh_store *s, const char *name)
{
	return vec_lower(&s->by_name, name, cmp_node_name);
}

static struct mesh_node *node_get(const struct mesh_store *s, const char *name)
{
	size_t i = node_index(s, name);

	if (i < s->by_name.n && strcmp(((struct mesh_node *)s->by_name.v[i])->name, name) == 0)
		return s->by_name.v[i];
	return NULL;
}

static struct mesh_node *node_get_wg(const struct mesh_store *s, const uint8_t *key)
{
	size_t i = vec_lower(&s->by_key, key, cmp_node_key);

	if (i < s->by_key.n && memcmp(((struct mesh_node *)s->by_key.v[i])->wg_key, key, 32) == 0)
		return s->by_key.v[i];
	return NULL;
}

/* ---- life of a store ---- */

struct mesh_store *mesh_store_new(const uint8_t network_pub[NETKEY_PUB_LEN], const char *self,
                                  const struct mesh_store_ops *ops, void *arg)
{
	struct mesh_store *s;

	if (!wire_label_valid(self)) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	memcpy(s->net_pub, network_pub, NETKEY_PUB_LEN);
	strcpy(s->self, self);
	if (ops)
		s->ops = *ops;
	s->arg = arg;
	return s;
}

static void node_free(struct mesh_store *s, struct mesh_node *n)
{
	s->heap -= sizeof(*n) + n->record_len + n->announce_len;
	free(n->record);
	free(n->announce);
	free(n);
}

static void rev_free(struct mesh_store *s, struct mesh_revocation *r)
{
	s->heap -= sizeof(*r) + r->len;
	free(r->bytes);
	free(r);
}

void mesh_store_free(struct mesh_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->by_name.n; i++)
		node_free(s, s->by_name.v[i]);
	for (size_t i = 0; i < s->revs.n; i++)
		rev_free(s, s->revs.v[i]);
	free(s->by_name.v);
	free(s->by_key.v);
	free(s->revs.v);
	free(s->revs_by_key.v);
	free(s);
}

static uint8_t *dup_bytes(struct mesh_store *s, const uint8_t *p, size_t len)
{
	uint8_t *d = malloc(len);

	if (d) {
		memcpy(d, p, len);
		s->heap += len;
	}
	return d;
}

/* ---- removal ---- */

static void node_remove(struct mesh_store *s, struct mesh_node *n, enum mesh_removal why)
{
	vec_remove(&s->by_name, node_index(s, n->name));
	vec_remove(&s->by_key, vec_lower(&s->by_key, n->wg_key, cmp_node_key));
	s->stats.removed[why]++;
	s->root_ok = false;
	if (s->ops.node_removed)
		s->ops.node_removed(s->arg, n, why);
	node_free(s, n);
}

size_t mesh_store_expire(struct mesh_store *s, uint64_t now)
{
	size_t gone = 0;

	for (size_t i = 0; i < s->by_name.n;) {
		struct mesh_node *n = s->by_name.v[i];

		if (now >= n->expires_at) {
			node_remove(s, n, MESH_GONE_EXPIRED);
			gone++;
		} else {
			i++;
		}
	}
	return gone;
}

/* ---- revocations ---- */

/* Whether a held revocation rules out a record of this name, sequence and key. */
static bool revoked(const struct mesh_store *s, const char *name, uint64_t seq,
                    const uint8_t *key)
{
	static const uint8_t zero[32];
	struct rev_probe p = { .name = name, .key = zero };
	size_t i;

	if (key) {
		struct rev_probe k = { .name = "", .key = key };

		i = vec_lower(&s->revs_by_key, &k, cmp_rev_key);
		if (i < s->revs_by_key.n &&
		    memcmp(((struct mesh_revocation *)s->revs_by_key.v[i])->wg_key, key, 32) == 0)
			return true;
	}
	for (i = vec_lower(&s->revs, &p, cmp_rev_name); i < s->revs.n; i++) {
		const struct mesh_revocation *r = s->revs.v[i];

		if (strcmp(r->name, name) != 0)
			break;
		if (seq <= r->last_sequence)
			return true;
	}
	return false;
}

/* Removes the records a new revocation covers, as revocation_covers says. */
static void apply_revocation(struct mesh_store *s, const struct mesh_revocation *r)
{
	struct mesh_node *n = node_get_wg(s, r->wg_key);

	if (n)
		node_remove(s, n, MESH_GONE_REVOKED);
	n = node_get(s, r->name);
	if (n && n->sequence <= r->last_sequence)
		node_remove(s, n, MESH_GONE_REVOKED);
}

static enum mesh_verdict offer_revocation(struct mesh_store *s, const uint8_t *bytes,
                                          size_t len)
{
	struct mesh_revocation *old = NULL, *r;
	struct revocation rev;
	struct rev_probe p;
	size_t i;
	int e = revocation_verify(bytes, len, s->net_pub, &rev);

	if (e == -EINVAL)
		return MESH_MALFORMED;
	if (e < 0)
		return MESH_BAD_SIGNATURE;
	p.name = rev.name;
	p.key = rev.wg_key;
	i = vec_lower(&s->revs, &p, cmp_rev_name);
	if (i < s->revs.n && cmp_rev_name(&p, s->revs.v[i]) == 0) {
		old = s->revs.v[i];
		if (old->len == len && memcmp(old->bytes, bytes, len) == 0)
			return MESH_DUPLICATE;
		/* one key of one node: the highest last_sequence covers the rest */
		if (old->last_sequence > rev.last_sequence ||
		    (old->last_sequence == rev.last_sequence &&
		     memcmp(old->sig, rev.sig, NETKEY_SIG_LEN) >= 0))
			return MESH_STALE;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return MESH_NO_MEMORY;
	r->bytes = malloc(len);
	if (!r->bytes || vec_reserve(s, &s->revs, 1) < 0 ||
	    vec_reserve(s, &s->revs_by_key, 1) < 0) {
		free(r->bytes);
		free(r);
		return MESH_NO_MEMORY;
	}
	memcpy(r->bytes, bytes, len);
	r->len = (uint16_t)len;
	memcpy(r->name, rev.name, sizeof(r->name));
	memcpy(r->wg_key, rev.wg_key, 32);
	r->last_sequence = rev.last_sequence;
	memcpy(r->sig, rev.sig, NETKEY_SIG_LEN);
	s->heap += sizeof(*r) + len;
	if (old) {
		/* the same place in both orders: only the sequence differs */
		s->revs.v[i] = r;
		s->revs_by_key.v[vec_lower(&s->revs_by_key, &p, cmp_rev_key)] = r;
		rev_free(s, old);
	} else {
		vec_insert(&s->revs, i, r);
		vec_insert(&s->revs_by_key, vec_lower(&s->revs_by_key, &p, cmp_rev_key), r);
	}
	s->root_ok = false;
	apply_revocation(s, r);
	return old ? MESH_UPDATED : MESH_NEW;
}

/* ---- records ---- */

static void set_record(struct mesh_node *n, const struct record *rec, uint8_t *bytes,
                       size_t len)
{
	memcpy(n->wg_key, rec->wg_key, 32);
	memcpy(n->node_key, rec->node_key, NETKEY_PUB_LEN);
	n->sequence = rec->sequence;
	n->issued_at = rec->issued_at;
	n->expires_at = rec->expires_at;
	memcpy(n->record_digest, rec->sig, MESH_DIGEST_LEN);
	n->record = bytes;
	n->record_len = (uint16_t)len;
}

/* Whether rec takes the WireGuard key from the live record that holds it. */
static bool wins_key(const struct record *rec, const struct record *holder)
{
	if (rec->issued_at != holder->issued_at)
		return rec->issued_at > holder->issued_at;
	return record_cmp(rec, holder) > 0;
}

/* A record's announcement must still verify after its node key changed. */
static void recheck_announce(struct mesh_store *s, struct mesh_node *n, const struct record *rec)
{
	if (!n->announce || announce_verify(n->announce, n->announce_len, rec, NULL) == 0)
		return;
	s->heap -= n->announce_len;
	free(n->announce);
	n->announce = NULL;
	n->announce_len = 0;
	if (s->ops.announce_changed)
		s->ops.announce_changed(s->arg, n, NULL);
}

static enum mesh_verdict offer_record(struct mesh_store *s, const uint8_t *bytes, size_t len,
                                      uint64_t now)
{
	struct record rec, old, other;
	struct mesh_node *n, *holder, *fresh = NULL;
	enum mesh_removal why = MESH_GONE_CONFLICT;
	uint8_t *copy;
	int e = record_verify(bytes, len, s->net_pub, now, &rec);

	if (e == -EINVAL)
		return MESH_MALFORMED;
	if (e == -EKEYEXPIRED)
		return MESH_EXPIRED;
	if (e < 0)
		return MESH_BAD_SIGNATURE;
	if (revoked(s, rec.name, rec.sequence, rec.wg_key))
		return MESH_REVOKED;
	n = node_get(s, rec.name);
	if (n) {
		if (n->record_len == len && memcmp(n->record, bytes, len) == 0)
			return MESH_DUPLICATE;
		/* held bytes were verified, so they decode */
		if (record_decode(n->record, n->record_len, &old) < 0)
			memset(&old, 0, sizeof(old));
		else if (!record_newer(&rec, &old))
			return MESH_STALE;
	}
	holder = node_get_wg(s, rec.wg_key);
	if (holder == n) {
		holder = NULL;
	} else if (holder) {
		if (now >= holder->expires_at)
			why = MESH_GONE_EXPIRED;
		else if (mesh_node_record(holder, &other) == 0 && !wins_key(&rec, &other))
			return MESH_CONFLICT;
	}
	copy = malloc(len);
	if (!copy)
		return MESH_NO_MEMORY;
	if (!n && (!(fresh = calloc(1, sizeof(*fresh))) || vec_reserve(s, &s->by_name, 1) < 0 ||
	           vec_reserve(s, &s->by_key, 1) < 0)) {
		free(fresh);
		free(copy);
		return MESH_NO_MEMORY;
	}
	memcpy(copy, bytes, len);
	s->heap += len;
	s->root_ok = false;
	if (holder)
		node_remove(s, holder, why);
	if (n) {
		vec_remove(&s->by_key, vec_lower(&s->by_key, n->wg_key, cmp_node_key));
		s->heap -= n->record_len;
		free(n->record);
		set_record(n, &rec, copy, len);
		vec_insert(&s->by_key, vec_lower(&s->by_key, n->wg_key, cmp_node_key), n);
		if (memcmp(old.node_key, rec.node_key, NETKEY_PUB_LEN) != 0)
			recheck_announce(s, n, &rec);
		if (s->ops.node_changed)
			s->ops.node_changed(s->arg, n, &rec, &old);
		return MESH_UPDATED;
	}
	n = fresh;
	memcpy(n->name, rec.name, sizeof(n->name));
	n->self = strcmp(n->name, s->self) == 0;
	set_record(n, &rec, copy, len);
	s->heap += sizeof(*n);
	vec_insert(&s->by_name, node_index(s, n->name), n);
	vec_insert(&s->by_key, vec_lower(&s->by_key, n->wg_key, cmp_node_key), n);
	if (s->ops.node_added)
		s->ops.node_added(s->arg, n, &rec);
	return MESH_NEW;
}

/* ---- announcements ---- */

static enum mesh_verdict offer_announce(struct mesh_store *s, const uint8_t *bytes, size_t len)
{
	struct announce ann, old;
	struct mesh_node *n;
	struct record owner;
	uint8_t *copy;
	bool had;
	int e;

	if (announce_decode(bytes, len, &ann) < 0)
		return MESH_MALFORMED;
	n = node_get(s, ann.name);
	if (!n)
		return MESH_UNKNOWN_NODE;
	/* announce_verify reads only the name and node key of the record */
	memcpy(owner.name, n->name, sizeof(owner.name));
	memcpy(owner.node_key, n->node_key, NETKEY_PUB_LEN);
	e = announce_verify(bytes, len, &owner, NULL);
	if (e == -EINVAL)
		return MESH_MALFORMED;
	if (e < 0)
		return MESH_BAD_SIGNATURE;
	had = n->announce != NULL;
	if (had) {
		if (n->announce_len == len && memcmp(n->announce, bytes, len) == 0)
			return MESH_DUPLICATE;
		if (mesh_node_announce(n, &old) == 0 && announce_cmp(&ann, &old) <= 0)
			return MESH_STALE;
	}
	copy = dup_bytes(s, bytes, len);
	if (!copy)
		return MESH_NO_MEMORY;
	s->heap -= n->announce_len;
	free(n->announce);
	n->announce = copy;
	n->announce_len = (uint16_t)len;
	n->announce_sequence = ann.sequence;
	memcpy(n->announce_digest, ann.sig, MESH_DIGEST_LEN);
	s->root_ok = false;
	if (s->ops.announce_changed)
		s->ops.announce_changed(s->arg, n, &ann);
	return had ? MESH_UPDATED : MESH_NEW;
}

enum mesh_verdict mesh_store_offer(struct mesh_store *s, uint8_t kind, const uint8_t *bytes,
                                   size_t len, uint64_t now)
{
	enum mesh_verdict v;

	if (!bytes || len == 0 || len > WIRE_OBJECT_MAX)
		v = MESH_MALFORMED;
	else if (kind == MESH_KIND_RECORD)
		v = offer_record(s, bytes, len, now);
	else if (kind == MESH_KIND_REVOCATION)
		v = offer_revocation(s, bytes, len);
	else if (kind == MESH_KIND_ANNOUNCE)
		v = offer_announce(s, bytes, len);
	else
		v = MESH_MALFORMED;
	s->stats.verdicts[v]++;
	return v;
}

/* ---- lookups ---- */

const struct mesh_node *mesh_store_find(const struct mesh_store *s, const char *name)
{
	return node_get(s, name);
}

const struct mesh_node *mesh_store_find_wg(const struct mesh_store *s, const uint8_t wg_key[32])
{
	return node_get_wg(s, wg_key);
}

size_t mesh_store_count(const struct mesh_store *s)
{
	return s->by_name.n;
}

const struct mesh_node *mesh_store_node_at(const struct mesh_store *s, size_t i)
{
	return i < s->by_name.n ? s->by_name.v[i] : NULL;
}

size_t mesh_store_revocation_count(const struct mesh_store *s)
{
	return s->revs.n;
}

const struct mesh_revocation *mesh_store_revocation_at(const struct mesh_store *s, size_t i)
{
	return i < s->revs.n ? s->revs.v[i] : NULL;
}

int mesh_node_record(const struct mesh_node *n, struct record *rec)
{
	return record_decode(n->record, n->record_len, rec);
}

int mesh_node_announce(const struct mesh_node *n, struct announce *ann)
{
	if (!n->announce)
		return -ENOENT;
	return announce_decode(n->announce, n->announce_len, ann);
}

int mesh_store_set_endpoint(struct mesh_store *s, const char *name,
                            const struct mesh_endpoint *ep)
{
	struct mesh_node *n = node_get(s, name);

	if (!n)
		return -ENOENT;
	if (ep->addr.family != 0 && ep->addr.family != AF_INET && ep->addr.family != AF_INET6)
		return -EINVAL;
	if (ep->addr.family == 0)
		memset(&n->endpoint, 0, sizeof(n->endpoint));
	else
		n->endpoint = *ep;
	return 0;
}

const struct mesh_store_stats *mesh_store_stats(const struct mesh_store *s)
{
	return &s->stats;
}

size_t mesh_store_memory(const struct mesh_store *s)
{
	return sizeof(*s) + s->heap;
}

/* ---- summaries ---- */

/* The revocations of the name at revs[i]: [i, *end), their highest
 * last_sequence and their digest. */
static void rev_group(const struct mesh_store *s, size_t i, struct mesh_entry *e)
{
	const struct mesh_revocation *first = s->revs.v[i], *r;
	crypto_generichash_state st;
	uint8_t h[crypto_generichash_BYTES];
	size_t j;

	e->sequence = 0;
	for (j = i; j < s->revs.n && strcmp((r = s->revs.v[j])->name, first->name) == 0; j++)
		if (r->last_sequence > e->sequence)
			e->sequence = r->last_sequence;
	if (j - i == 1) {
		memcpy(e->digest, first->sig, MESH_DIGEST_LEN);
		return;
	}
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	for (size_t k = i; k < j; k++)
		crypto_generichash_update(&st, ((struct mesh_revocation *)s->revs.v[k])->sig,
		                          NETKEY_SIG_LEN);
	crypto_generichash_final(&st, h, sizeof(h));
	memcpy(e->digest, h, MESH_DIGEST_LEN);
}

/* The first of one kind's entries above name ("" for all). */
static bool next_of_kind(const struct mesh_store *s, uint8_t kind, const char *name,
                         struct mesh_entry *out)
{
	static const uint8_t top[32] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	size_t i;

	out->key.kind = kind;
	if (kind == MESH_KIND_REVOCATION) {
		/* above every key of that name */
		struct rev_probe p = { .name = name, .key = top };

		i = vec_lower(&s->revs, &p, cmp_rev_name);
		while (i < s->revs.n && strcmp(((struct mesh_revocation *)s->revs.v[i])->name,
		                               name) <= 0)
			i++;
		if (i == s->revs.n)
			return false;
		strcpy(out->key.name, ((struct mesh_revocation *)s->revs.v[i])->name);
		rev_group(s, i, out);
		return true;
	}
	i = node_index(s, name);
	for (; i < s->by_name.n; i++) {
		const struct mesh_node *n = s->by_name.v[i];

		if (strcmp(n->name, name) <= 0)
			continue;
		if (kind == MESH_KIND_RECORD) {
			out->sequence = n->sequence;
			memcpy(out->digest, n->record_digest, MESH_DIGEST_LEN);
		} else if (n->announce) {
			out->sequence = n->announce_sequence;
			memcpy(out->digest, n->announce_digest, MESH_DIGEST_LEN);
		} else {
			continue;
		}
		strcpy(out->key.name, n->name);
		return true;
	}
	return false;
}

int mesh_store_next_entry(const struct mesh_store *s, const struct mesh_key *after,
                          struct mesh_entry *out)
{
	struct mesh_key from = { .kind = MESH_KIND_REVOCATION, .name = "" };

	if (after)
		from = *after;      /* out may hold after */
	for (uint8_t k = from.kind; k <= MESH_KIND_ANNOUNCE; k++)
		if (next_of_kind(s, k, k == from.kind ? from.name : "", out))
			return 1;
	return 0;
}

static void entry_wire(const struct mesh_entry *e, uint8_t *buf, size_t *len)
{
	struct wcur w = wcur_init(buf, MESH_ENTRY_WIRE_MAX);
	size_t n = strlen(e->key.name);

	wcur_u8(&w, e->key.kind);
	wcur_u8(&w, (uint8_t)n);
	wcur_bytes(&w, e->key.name, n);
	wcur_be64(&w, e->sequence);
	wcur_bytes(&w, e->digest, MESH_DIGEST_LEN);
	*len = w.off;
}

void mesh_store_root(struct mesh_store *s, uint8_t root[MESH_ROOT_LEN], uint32_t *count)
{
	if (!s->root_ok) {
		crypto_generichash_state st;
		uint8_t buf[MESH_ENTRY_WIRE_MAX];
		struct mesh_entry e;
		uint32_t n = 0;
		size_t len;
		int more;

		crypto_generichash_init(&st, NULL, 0, MESH_ROOT_LEN);
		for (more = mesh_store_next_entry(s, NULL, &e); more;
		     more = mesh_store_next_entry(s, &e.key, &e)) {
			entry_wire(&e, buf, &len);
			crypto_generichash_update(&st, buf, len);
			n++;
		}
		crypto_generichash_final(&st, s->root, MESH_ROOT_LEN);
		s->root_count = n;
		s->root_ok = true;
	}
	memcpy(root, s->root, MESH_ROOT_LEN);
	*count = s->root_count;
}

void mesh_store_summary_chunk(const struct mesh_store *s, const struct mesh_key *after,
                              struct mesh_summary *out)
{
	const struct mesh_key *cur = after;
	struct mesh_entry e;
	size_t size;

	out->flags = after ? 0 : MESH_SUMMARY_FROM_START;
	if (after)
		out->after = *after;
	out->n = 0;
	size = mesh_summary_body_size(out);
	for (;;) {
		if (!mesh_store_next_entry(s, cur, &e)) {
			out->flags |= MESH_SUMMARY_TO_END;
			break;
		}
		if (out->n == MESH_LIST_MAX || size + mesh_entry_wire_size(&e) > MESH_FRAME_BODY_MAX)
			break;
		size += mesh_entry_wire_size(&e);
		out->e[out->n] = e;
		cur = &out->e[out->n++].key;
	}
}

/* Sequence first, then digest: which of two versions record_cmp or
 * announce_cmp would keep. */
static int entry_cmp(const struct mesh_entry *a, const struct mesh_entry *b)
{
	int c;

	if (a->sequence != b->sequence)
		return a->sequence > b->sequence ? 1 : -1;
	c = memcmp(a->digest, b->digest, MESH_DIGEST_LEN);
	return c < 0 ? -1 : c > 0;
}

struct pusher {
	bool (*push)(void *arg, const struct mesh_key *key);
	void *arg;
	bool on;
};

static void push_key(struct pusher *p, const struct mesh_key *key)
{
	if (p->on)
		p->on = p->push(p->arg, key);
}

static void add_want(struct mesh_want *w, const struct mesh_key *key)
{
	if (w->n < MESH_LIST_MAX)
		w->keys[w->n++] = *key;
}

void mesh_store_compare(const struct mesh_store *s, const struct mesh_summary *chunk,
                        struct mesh_want *want,
                        bool (*push)(void *arg, const struct mesh_key *key), void *arg)
{
	const struct mesh_key *after = chunk->flags & MESH_SUMMARY_FROM_START ? NULL : &chunk->after;
	struct pusher p = { .push = push, .arg = arg, .on = push != NULL };
	struct mesh_entry ours;
	int have = mesh_store_next_entry(s, after, &ours);

	want->n = 0;
	for (size_t i = 0; i < chunk->n && i < MESH_LIST_MAX; i++) {
		const struct mesh_entry *pe = &chunk->e[i];
		int c;

		/* ours below the peer's next entry, inside the range: it lacks them */
		while (have && mesh_key_cmp(&ours.key, &pe->key) < 0) {
			push_key(&p, &ours.key);
			have = mesh_store_next_entry(s, &ours.key, &ours);
		}
		if (have && mesh_key_cmp(&ours.key, &pe->key) == 0) {
			c = entry_cmp(pe, &ours);
			if (c != 0 && pe->key.kind == MESH_KIND_REVOCATION) {
				add_want(want, &pe->key);
				push_key(&p, &ours.key);
			} else if (c > 0) {
				add_want(want, &pe->key);
			} else if (c < 0) {
				push_key(&p, &ours.key);
			}
			have = mesh_store_next_entry(s, &ours.key, &ours);
		} else if (!(pe->key.kind == MESH_KIND_RECORD &&
		             revoked(s, pe->key.name, pe->sequence, NULL))) {
			add_want(want, &pe->key);
		}
	}
	/* past the last entry only a "to end" chunk speaks for the peer */
	if (chunk->flags & MESH_SUMMARY_TO_END) {
		while (have && p.on) {
			push_key(&p, &ours.key);
			have = mesh_store_next_entry(s, &ours.key, &ours);
		}
	}
}

int mesh_store_get(const struct mesh_store *s, const struct mesh_key *key, size_t i,
                   const uint8_t **bytes, size_t *len)
{
	const struct mesh_node *n;

	if (key->kind == MESH_KIND_REVOCATION) {
		static const uint8_t zero[32];
		struct rev_probe p = { .name = key->name, .key = zero };
		size_t at = vec_lower(&s->revs, &p, cmp_rev_name) + i;
		const struct mesh_revocation *r;

		if (at >= s->revs.n || strcmp((r = s->revs.v[at])->name, key->name) != 0)
			return -ENOENT;
		*bytes = r->bytes;
		*len = r->len;
		return 0;
	}
	n = node_get(s, key->name);
	if (!n || i > 0)
		return -ENOENT;
	if (key->kind == MESH_KIND_RECORD) {
		*bytes = n->record;
		*len = n->record_len;
		return 0;
	}
	if (key->kind != MESH_KIND_ANNOUNCE || !n->announce)
		return -ENOENT;
	*bytes = n->announce;
	*len = n->announce_len;
	return 0;
}

#include "config.h"

#include <errno.h>
#include <string.h>

#include "lib/cursor.h"
#include "vpn/mesh/frame.h"

_Static_assert(MESH_FRAME_MAX <= UINT16_MAX, "body length is a u16");
_Static_assert(MESH_HASH_BODY == 36, "HASH body: root and count");
_Static_assert(MESH_ENTRY_WIRE_MAX == 81, "longest summary entry");

static bool kind_valid(uint8_t kind)
{
	return kind >= MESH_KIND_REVOCATION && kind <= MESH_KIND_ANNOUNCE;
}

bool mesh_key_valid(const struct mesh_key *k)
{
	return kind_valid(k->kind) && wire_label_valid(k->name);
}

int mesh_key_cmp(const struct mesh_key *a, const struct mesh_key *b)
{
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	c = strcmp(a->name, b->name);        /* compares as unsigned char */
	return c < 0 ? -1 : c > 0;
}

size_t mesh_key_wire_size(const struct mesh_key *k)
{
	return 2 + strlen(k->name);
}

size_t mesh_entry_wire_size(const struct mesh_entry *e)
{
	return mesh_key_wire_size(&e->key) + 8 + MESH_DIGEST_LEN;
}

size_t mesh_summary_body_size(const struct mesh_summary *s)
{
	size_t n = 2;

	if (!(s->flags & MESH_SUMMARY_FROM_START))
		n += mesh_key_wire_size(&s->after);
	for (size_t i = 0; i < s->n && i < MESH_LIST_MAX; i++)
		n += mesh_entry_wire_size(&s->e[i]);
	return n;
}

/* ---- checks shared by the encoder and the decoder ---- */

/* n keys, each valid and strictly above the one before (and above
 * `after` when given). */
static bool keys_rising(const struct mesh_key *after, const struct mesh_key *k, size_t stride,
                        size_t n)
{
	const struct mesh_key *prev = after;

	for (size_t i = 0; i < n; i++) {
		const struct mesh_key *cur = (const void *)((const char *)k + i * stride);

		if (!mesh_key_valid(cur) || (prev && mesh_key_cmp(prev, cur) >= 0))
			return false;
		prev = cur;
	}
	return true;
}

static bool summary_valid(const struct mesh_summary *s)
{
	bool from_start = s->flags & MESH_SUMMARY_FROM_START;

	if (s->flags & ~(MESH_SUMMARY_FROM_START | MESH_SUMMARY_TO_END))
		return false;
	if (s->n > MESH_LIST_MAX || (s->n == 0 && !(s->flags & MESH_SUMMARY_TO_END)))
		return false;
	if (!from_start && !mesh_key_valid(&s->after))
		return false;
	return keys_rising(from_start ? NULL : &s->after, &s->e[0].key, sizeof(s->e[0]), s->n);
}

static size_t want_body_size(const struct mesh_want *w)
{
	size_t n = 1;

	for (size_t i = 0; i < w->n && i < MESH_LIST_MAX; i++)
		n += mesh_key_wire_size(&w->keys[i]);
	return n;
}

static bool want_valid(const struct mesh_want *w)
{
	return w->n >= 1 && w->n <= MESH_LIST_MAX &&
	       keys_rising(NULL, &w->keys[0], sizeof(w->keys[0]), w->n);
}

/* ---- encoding ---- */

static void put_key(struct wcur *w, const struct mesh_key *k)
{
	size_t n = strlen(k->name);

	wcur_u8(w, k->kind);
	wcur_u8(w, (uint8_t)n);
	wcur_bytes(w, k->name, n);
}

static void put_body(struct wcur *w, const struct mesh_frame *f)
{
	const struct mesh_summary *s = &f->u.summary;
	const struct mesh_want *wa = &f->u.want;

	switch (f->type) {
	case MESH_FRAME_HASH:
		wcur_bytes(w, f->u.hash.root, MESH_ROOT_LEN);
		wcur_be32(w, f->u.hash.count);
		break;
	case MESH_FRAME_SUMMARY:
		wcur_u8(w, s->flags);
		if (!(s->flags & MESH_SUMMARY_FROM_START))
			put_key(w, &s->after);
		wcur_u8(w, s->n);
		for (size_t i = 0; i < s->n; i++) {
			put_key(w, &s->e[i].key);
			wcur_be64(w, s->e[i].sequence);
			wcur_bytes(w, s->e[i].digest, MESH_DIGEST_LEN);
		}
		break;
	case MESH_FRAME_WANT:
		wcur_u8(w, wa->n);
		for (size_t i = 0; i < wa->n; i++)
			put_key(w, &wa->keys[i]);
		break;
	case MESH_FRAME_OBJECT:
		wcur_u8(w, f->u.object.kind);
		wcur_bytes(w, f->u.object.bytes, f->u.object.len);
		break;
	}
}

static bool frame_valid(const struct mesh_frame *f)
{
	switch (f->type) {
	case MESH_FRAME_HASH:
		return true;
	case MESH_FRAME_SUMMARY:
		/* sizes are checked after validity: names are then bounded */
		return summary_valid(&f->u.summary) &&
		       mesh_summary_body_size(&f->u.summary) <= MESH_FRAME_BODY_MAX;
	case MESH_FRAME_WANT:
		return want_valid(&f->u.want) && want_body_size(&f->u.want) <= MESH_FRAME_BODY_MAX;
	case MESH_FRAME_OBJECT:
		return kind_valid(f->u.object.kind) && f->u.object.len >= 1 &&
		       f->u.object.len <= WIRE_OBJECT_MAX && f->u.object.bytes;
	default:
		return false;
	}
}

int mesh_frame_encode(const struct mesh_frame *f, uint8_t *buf, size_t cap, size_t *len)
{
	struct wcur w = wcur_init(buf, cap);
	size_t body;

	if (!frame_valid(f))
		return -EINVAL;
	wcur_u8(&w, MESH_FRAME_MAGIC);
	wcur_u8(&w, f->type);
	wcur_be16(&w, 0);
	put_body(&w, f);
	if (w.err)
		return -ENOBUFS;
	body = w.off - MESH_FRAME_HDR;
	buf[2] = (uint8_t)(body >> 8);
	buf[3] = (uint8_t)body;
	*len = w.off;
	return 0;
}

int mesh_frame_object(uint8_t kind, const uint8_t *obj, size_t obj_len, uint8_t *buf,
                      size_t cap, size_t *len)
{
	struct mesh_frame f = { .type = MESH_FRAME_OBJECT };

	f.u.object.kind = kind;
	f.u.object.bytes = obj;
	f.u.object.len = obj_len;
	return mesh_frame_encode(&f, buf, cap, len);
}

/* ---- decoding ---- */

static int get_key(struct rcur *c, struct mesh_key *k)
{
	uint8_t n;

	k->kind = rcur_u8(c);
	n = rcur_u8(c);
	if (c->err || n == 0 || n > WIRE_LABEL_MAX)
		return -EINVAL;
	rcur_bytes(c, k->name, n);
	k->name[n] = '\0';
	/* an embedded NUL fails the label check (its length would differ) */
	if (c->err || strlen(k->name) != n || !mesh_key_valid(k))
		return -EINVAL;
	return 0;
}

static int get_summary(struct rcur *c, struct mesh_summary *s)
{
	s->flags = rcur_u8(c);
	if (!(s->flags & MESH_SUMMARY_FROM_START) && get_key(c, &s->after) < 0)
		return -EINVAL;
	s->n = rcur_u8(c);
	if (c->err || s->n > MESH_LIST_MAX)
		return -EINVAL;
	for (size_t i = 0; i < s->n; i++) {
		if (get_key(c, &s->e[i].key) < 0)
			return -EINVAL;
		s->e[i].sequence = rcur_be64(c);
		rcur_bytes(c, s->e[i].digest, MESH_DIGEST_LEN);
	}
	return c->err || !summary_valid(s) ? -EINVAL : 0;
}

static int get_want(struct rcur *c, struct mesh_want *w)
{
	w->n = rcur_u8(c);
	if (c->err || w->n > MESH_LIST_MAX)
		return -EINVAL;
	for (size_t i = 0; i < w->n; i++)
		if (get_key(c, &w->keys[i]) < 0)
			return -EINVAL;
	return want_valid(w) ? 0 : -EINVAL;
}

static int get_body(struct rcur *c, struct mesh_frame *f)
{
	switch (f->type) {
	case MESH_FRAME_HASH:
		rcur_bytes(c, f->u.hash.root, MESH_ROOT_LEN);
		f->u.hash.count = rcur_be32(c);
		return c->err ? -EINVAL : 0;
	case MESH_FRAME_SUMMARY:
		return get_summary(c, &f->u.summary);
	case MESH_FRAME_WANT:
		return get_want(c, &f->u.want);
	case MESH_FRAME_OBJECT:
		f->u.object.kind = rcur_u8(c);
		f->u.object.len = rcur_left(c);
		f->u.object.bytes = rcur_take(c, f->u.object.len);
		return frame_valid(f) ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

int mesh_frame_decode(const uint8_t *buf, size_t len, struct mesh_frame *f)
{
	struct rcur c = rcur_init(buf, len), body;
	const uint8_t *p;
	uint16_t blen;

	if (rcur_u8(&c) != MESH_FRAME_MAGIC)
		return -EINVAL;
	f->type = rcur_u8(&c);
	blen = rcur_be16(&c);
	if (c.err || blen > MESH_FRAME_BODY_MAX)
		return -EINVAL;
	p = rcur_take(&c, blen);
	if (!p)
		return -EINVAL;
	body = rcur_init(p, blen);
	if (get_body(&body, f) < 0 || rcur_left(&body) != 0)
		return -EINVAL;
	return 0;
}

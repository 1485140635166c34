/* Typed option values: reading a parsed message, encoding what we send. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "dhcp/options.h"
#include "lib/cursor.h"

bool dhcp_opt_has(const struct dhcp_optset *s, uint8_t code)
{
	return s->have[code >> 3] & (1u << (code & 7));
}

const uint8_t *dhcp_opt_get(const struct dhcp_optset *s, uint8_t code, size_t *len)
{
	if (!dhcp_opt_has(s, code))
		return NULL;
	*len = s->len[code];
	return s->data + s->off[code];
}

static int fixed(const struct dhcp_optset *s, uint8_t code, size_t want, struct rcur *c)
{
	const uint8_t *p;
	size_t len;

	p = dhcp_opt_get(s, code, &len);
	if (!p)
		return -ENOENT;
	if (len != want)
		return -EINVAL;
	*c = rcur_init(p, len);
	return 0;
}

int dhcp_opt_u8(const struct dhcp_optset *s, uint8_t code, uint8_t *v)
{
	struct rcur c;
	int r = fixed(s, code, 1, &c);

	if (!r)
		*v = rcur_u8(&c);
	return r;
}

int dhcp_opt_u16(const struct dhcp_optset *s, uint8_t code, uint16_t *v)
{
	struct rcur c;
	int r = fixed(s, code, 2, &c);

	if (!r)
		*v = rcur_be16(&c);
	return r;
}

int dhcp_opt_u32(const struct dhcp_optset *s, uint8_t code, uint32_t *v)
{
	struct rcur c;
	int r = fixed(s, code, 4, &c);

	if (!r)
		*v = rcur_be32(&c);
	return r;
}

uint8_t dhcp_msg_type(const struct dhcp_msg *m)
{
	uint8_t t;

	return dhcp_opt_u8(&m->opts, DHCP_OPT_MSG_TYPE, &t) ? 0 : t;
}

/* FNV-1a, 64 bits: folds identifiers too long to keep whole. */
static uint64_t fnv64(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

void dhcp_key_from_cid(struct dhcp_key *k, const uint8_t *cid, size_t len)
{
	const size_t keep = DHCP_KEY_MAX - 1 - 8;
	uint64_t h;
	int i;

	memset(k, 0, sizeof(*k));
	k->b[0] = DHCP_KEY_CID;
	if (len <= DHCP_KEY_MAX - 1) {
		memcpy(k->b + 1, cid, len);
		k->len = (uint8_t)(1 + len);
		return;
	}
	/* A DUID can be 130 bytes; keep a prefix and a hash of the whole. */
	memcpy(k->b + 1, cid, keep);
	h = fnv64(cid, len);
	for (i = 0; i < 8; i++)
		k->b[1 + keep + i] = (uint8_t)(h >> (56 - 8 * i));
	k->len = DHCP_KEY_MAX;
}

void dhcp_key_from_hw(struct dhcp_key *k, uint8_t htype, const uint8_t *hw, uint8_t hlen)
{
	memset(k, 0, sizeof(*k));
	if (hlen > DHCP_CHADDR_LEN)
		hlen = DHCP_CHADDR_LEN;
	k->b[0] = DHCP_KEY_HW;
	k->b[1] = htype;
	memcpy(k->b + 2, hw, hlen);
	k->len = (uint8_t)(2 + hlen);
}

bool dhcp_key_eq(const struct dhcp_key *a, const struct dhcp_key *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

int dhcp_msg_key(const struct dhcp_msg *m, struct dhcp_key *k)
{
	const uint8_t *cid;
	size_t len;

	cid = dhcp_opt_get(&m->opts, DHCP_OPT_CLIENT_ID, &len);
	if (cid && len) {
		dhcp_key_from_cid(k, cid, len);
		return 0;
	}
	if (!m->h.hlen)
		return -EINVAL;
	dhcp_key_from_hw(k, m->h.htype, m->h.chaddr, m->h.hlen);
	return 0;
}

size_t dhcp_msg_max_reply(const struct dhcp_msg *m)
{
	uint16_t mms;
	size_t n = DHCP_MIN_MMS;

	if (!dhcp_opt_u16(&m->opts, DHCP_OPT_MAX_MSG_SIZE, &mms) && mms > DHCP_MIN_MMS)
		n = mms;
	n -= DHCP_IPUDP_LEN;
	return n < DHCP_REPLY_MAX ? n : DHCP_REPLY_MAX;
}

/* Wire labels to dotted text; a name without the root label is partial. */
static int dname_decode(struct rcur *c, char *out, size_t cap)
{
	size_t o = 0;
	uint8_t l;

	while (rcur_left(c)) {
		const uint8_t *p;

		l = rcur_u8(c);
		if (!l)
			break;
		if (l > DHCP_LABEL_MAX)
			return -EINVAL;		/* pointers are not allowed here */
		p = rcur_take(c, l);
		if (!p || o + (o ? 1 : 0) + l >= cap)
			return -EINVAL;
		if (o)
			out[o++] = '.';
		memcpy(out + o, p, l);
		o += l;
	}
	out[o] = '\0';
	return 0;
}

int dhcp_opt_fqdn(const struct dhcp_optset *s, struct dhcp_fqdn *f)
{
	const uint8_t *p;
	struct rcur c;
	size_t len, n;

	p = dhcp_opt_get(s, DHCP_OPT_FQDN, &len);
	if (!p)
		return -ENOENT;
	c = rcur_init(p, len);
	f->flags = rcur_u8(&c);
	f->rcode1 = rcur_u8(&c);
	f->rcode2 = rcur_u8(&c);
	if (c.err)
		return -EINVAL;
	if (f->flags & DHCP_FQDN_E)
		return dname_decode(&c, f->name, sizeof(f->name));
	n = rcur_left(&c);
	if (n > DHCP_DNAME_MAX)
		n = DHCP_DNAME_MAX;
	rcur_bytes(&c, f->name, n);
	f->name[n] = '\0';	/* stops at an embedded NUL too, as text does */
	return 0;
}

/* ---- encoding ---- */

int dhcp_dname_encode(uint8_t *out, size_t cap, const char *name)
{
	struct wcur c = wcur_init(out, cap);
	const char *p = name, *dot;
	size_t l;

	if (!*p)
		return -EINVAL;
	while (*p) {
		dot = strchr(p, '.');
		l = dot ? (size_t)(dot - p) : strlen(p);
		if (!l || l > DHCP_LABEL_MAX)
			return -EINVAL;
		wcur_u8(&c, (uint8_t)l);
		wcur_bytes(&c, p, l);
		p += l;
		if (*p)
			p++;
	}
	wcur_u8(&c, 0);
	if (c.off > DHCP_DNAME_MAX)
		return -EINVAL;
	return c.err ? -ENOSPC : (int)c.off;
}

static int lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* Whether the labels at lab[0..n) (wire form, each length-prefixed, no
 * root) are the name written at out[off], following pointers. */
static bool suffix_at(const uint8_t *out, size_t olen, size_t off, const uint8_t *lab, size_t n)
{
	unsigned hops = 0;
	size_t i = 0, k;

	while (off < olen) {
		uint8_t l = out[off];

		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= olen || ++hops > 128)
				return false;
			off = (size_t)(l & 0x3f) << 8 | out[off + 1];
			continue;
		}
		if (!l)
			return i == n;
		if (i >= n || lab[i] != l || off + 1 + l > olen)
			return false;
		for (k = 1; k <= l; k++)
			if (lower(out[off + k]) != lower(lab[i + k]))
				return false;
		i += 1 + l;
		off += 1 + l;
	}
	return false;
}

int dhcp_search_encode(uint8_t *out, size_t cap, const char *const *names, size_t n)
{
	uint16_t starts[256];
	size_t nstarts = 0, o = 0, i, j, s;

	for (i = 0; i < n; i++) {
		uint8_t wire[DHCP_DNAME_MAX + 1];
		size_t lpos[128], nl = 0, wl, target;
		int r = dhcp_dname_encode(wire, sizeof(wire), names[i]);

		if (r < 0)
			return r;
		wl = (size_t)r - 1;		/* without the root label */
		for (j = 0; j < wl; j += 1u + wire[j])
			lpos[nl++] = j;
		/* The longest suffix already written, if any. */
		target = SIZE_MAX;
		for (j = 0; j < nl && target == SIZE_MAX; j++)
			for (s = 0; s < nstarts && target == SIZE_MAX; s++)
				if (suffix_at(out, o, starts[s], wire + lpos[j], wl - lpos[j]))
					target = starts[s];
		if (target != SIZE_MAX)
			j--;
		/* Labels before it, recorded as places later names can point at. */
		for (s = 0; s < j; s++) {
			size_t l = 1u + wire[lpos[s]];

			if (o + l > cap)
				return -ENOSPC;
			if (o < 0x3fff && nstarts < sizeof(starts) / sizeof(starts[0]))
				starts[nstarts++] = (uint16_t)o;
			memcpy(out + o, wire + lpos[s], l);
			o += l;
		}
		if (o + (target != SIZE_MAX ? 2 : 1) > cap)
			return -ENOSPC;
		if (target != SIZE_MAX) {
			out[o++] = (uint8_t)(0xc0 | target >> 8);
			out[o++] = (uint8_t)target;
		} else {
			out[o++] = 0;
		}
	}
	return (int)o;
}

int dhcp_routes_encode(uint8_t *out, size_t cap, const struct dhcp_route *r, size_t n)
{
	struct wcur c = wcur_init(out, cap);
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t mask;
		unsigned octets = (r[i].len + 7u) / 8u, k;

		if (r[i].len > 32)
			return -EINVAL;
		mask = r[i].len ? ~0u << (32 - r[i].len) : 0;
		if (r[i].dest & ~mask)
			return -EINVAL;
		wcur_u8(&c, r[i].len);
		for (k = 0; k < octets; k++)
			wcur_u8(&c, (uint8_t)(r[i].dest >> (24 - 8 * k)));
		wcur_be32(&c, r[i].gw);
	}
	return c.err ? -ENOSPC : (int)c.off;
}

/* ---- options by code ---- */

void dhcp_optset_init(struct dhcp_optset *s)
{
	memset(s->have, 0, sizeof(s->have));
	memset(s->len, 0, sizeof(s->len));
	memset(s->off, 0, sizeof(s->off));
	s->used = 0;
}

int dhcp_optset_put(struct dhcp_optset *s, uint8_t code, const void *v, size_t len)
{
	if (dhcp_opt_has(s, code))
		return -EEXIST;
	if (len > sizeof(s->data) - s->used)
		return -ENOSPC;
	memcpy(s->data + s->used, v, len);
	s->off[code] = s->used;
	s->len[code] = (uint16_t)len;
	s->used = (uint16_t)(s->used + len);
	s->have[code >> 3] |= (uint8_t)(1u << (code & 7));
	return 0;
}

/* ---- options to send ---- */

void dhcp_optlist_init(struct dhcp_optlist *o)
{
	o->n = 0;
	o->used = 0;
	o->err = false;
}

/* Enters the len bytes at o->data + o->used as code's value. */
static int commit_entry(struct dhcp_optlist *o, uint8_t code, size_t len)
{
	o->ent[o->n].code = code;
	o->ent[o->n].off = o->used;
	o->ent[o->n].len = (uint16_t)len;
	o->n++;
	o->used = (uint16_t)(o->used + len);
	return 0;
}

static bool room(struct dhcp_optlist *o, size_t len)
{
	if (o->n < DHCP_OPTLIST_MAX && len <= sizeof(o->data) - o->used)
		return true;
	o->err = true;
	return false;
}

int dhcp_optlist_put(struct dhcp_optlist *o, uint8_t code, const void *v, size_t len)
{
	if (code == DHCP_OPT_PAD || code == DHCP_OPT_END)
		return -EINVAL;
	if (!room(o, len))
		return -ENOSPC;
	if (len)
		memcpy(o->data + o->used, v, len);
	return commit_entry(o, code, len);
}

int dhcp_optlist_u8(struct dhcp_optlist *o, uint8_t code, uint8_t v)
{
	return dhcp_optlist_put(o, code, &v, 1);
}

int dhcp_optlist_u16(struct dhcp_optlist *o, uint8_t code, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return dhcp_optlist_put(o, code, b, 2);
}

int dhcp_optlist_u32(struct dhcp_optlist *o, uint8_t code, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return dhcp_optlist_put(o, code, b, 4);
}

int dhcp_optlist_addrs(struct dhcp_optlist *o, uint8_t code, const uint32_t *a, size_t n)
{
	struct wcur c = wcur_init(o->data + o->used, sizeof(o->data) - o->used);
	size_t i;

	if (code == DHCP_OPT_PAD || code == DHCP_OPT_END)
		return -EINVAL;
	for (i = 0; i < n; i++)
		wcur_be32(&c, a[i]);
	if (c.err || !room(o, c.off)) {
		o->err = true;
		return -ENOSPC;
	}
	return commit_entry(o, code, c.off);
}

int dhcp_optlist_str(struct dhcp_optlist *o, uint8_t code, const char *s)
{
	return dhcp_optlist_put(o, code, s, strlen(s));
}

int dhcp_optlist_fqdn(struct dhcp_optlist *o, uint8_t flags, const char *name)
{
	uint8_t b[3 + DHCP_DNAME_MAX + 1] = { flags, 255, 255 };
	size_t n = strlen(name);
	int r;

	if (flags & DHCP_FQDN_E) {
		r = dhcp_dname_encode(b + 3, sizeof(b) - 3, name);
		if (r < 0)
			return r;
		n = (size_t)r;
	} else {
		if (n > DHCP_DNAME_MAX)
			return -EINVAL;
		memcpy(b + 3, name, n);
	}
	return dhcp_optlist_put(o, DHCP_OPT_FQDN, b, 3 + n);
}

bool dhcp_optlist_has(const struct dhcp_optlist *o, uint8_t code)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->ent[i].code == code)
			return true;
	return false;
}

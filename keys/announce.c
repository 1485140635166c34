#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "keys/announce.h"

#define SIG_FIELD (WIRE_TLV_HDR + NETKEY_SIG_LEN)
#define ENDPOINT_MAX 19              /* family, IPv6 address, port */

_Static_assert(WIRE_TLV_HDR * 6 + 1 + WIRE_LABEL_MAX + 2 * 8 +
               ANNOUNCE_ENDPOINTS_MAX * ENDPOINT_MAX + ANNOUNCE_OPAQUE_MAX +
               NETKEY_SIG_LEN <= ANNOUNCE_WIRE_MAX, "the largest announcement fits");
_Static_assert(ANNOUNCE_WIRE_MAX <= NETKEY_MSG_MAX, "announcements can be signed");
_Static_assert(ANNOUNCE_WIRE_MAX <= WIRE_OBJECT_MAX, "announcements compare in wire_signed_cmp");

/* Opaque fields: framed, types rising within 128..254. */
static bool opaque_valid(const uint8_t *p, size_t len)
{
	struct tlv_in in = tlv_in_init(p, len);
	struct rcur v;
	uint8_t type;
	int n;

	if (len > ANNOUNCE_OPAQUE_MAX)
		return false;
	while ((n = tlv_next(&in, &type, &v)) > 0)
		if (type < ANNOUNCE_OPAQUE_FIRST || type == ANNOUNCE_T_SIGNATURE)
			return false;
	return n == 0;
}

static bool endpoints_valid(const struct announce *ann)
{
	if (ann->n_endpoints > ANNOUNCE_ENDPOINTS_MAX)
		return false;
	for (size_t i = 0; i < ann->n_endpoints; i++) {
		const struct announce_endpoint *e = &ann->endpoints[i];

		if ((e->addr.family != AF_INET && e->addr.family != AF_INET6) || e->port == 0)
			return false;
		for (size_t j = 0; j < i; j++)
			if (mg_addr_eq(&e->addr, &ann->endpoints[j].addr) &&
			    e->port == ann->endpoints[j].port)
				return false;
	}
	return true;
}

bool announce_valid(const struct announce *ann)
{
	return ann->version == ANNOUNCE_VERSION && wire_label_valid(ann->name) &&
	       endpoints_valid(ann) && opaque_valid(ann->opaque, ann->opaque_len);
}

static void put_body(struct wcur *w, const struct announce *ann)
{
	tlv_put_u8(w, ANNOUNCE_T_VERSION, ann->version);
	tlv_put(w, ANNOUNCE_T_NAME, ann->name, strlen(ann->name));
	tlv_put_u64(w, ANNOUNCE_T_SEQUENCE, ann->sequence);
	tlv_put_u64(w, ANNOUNCE_T_TIMESTAMP, ann->timestamp);
	if (ann->n_endpoints) {
		size_t at = tlv_begin(w, ANNOUNCE_T_ENDPOINTS);

		for (size_t i = 0; i < ann->n_endpoints; i++) {
			const struct announce_endpoint *e = &ann->endpoints[i];

			wcur_u8(w, e->addr.family == AF_INET ? 4 : 6);
			wcur_bytes(w, e->addr.u.bytes, mg_addr_len(&e->addr));
			wcur_be16(w, e->port);
		}
		tlv_end(w, at);
	}
	wcur_bytes(w, ann->opaque, ann->opaque_len);
}

int announce_encode(const struct announce *ann, uint8_t *buf, size_t cap, size_t *len)
{
	struct wcur w = wcur_init(buf, cap);

	if (!announce_valid(ann))
		return -EINVAL;
	put_body(&w, ann);
	tlv_put(&w, ANNOUNCE_T_SIGNATURE, ann->sig, NETKEY_SIG_LEN);
	if (w.err)
		return -ENOBUFS;
	*len = w.off;
	return 0;
}

static int get_endpoints(struct rcur *v, struct announce *ann)
{
	size_t n = 0;

	while (rcur_left(v) > 0) {
		struct announce_endpoint *e;
		uint8_t fam;

		if (n == ANNOUNCE_ENDPOINTS_MAX)
			return -EINVAL;
		e = &ann->endpoints[n++];
		memset(e, 0, sizeof(*e));
		fam = rcur_u8(v);
		if (fam != 4 && fam != 6)
			return -EINVAL;
		e->addr.family = fam == 4 ? AF_INET : AF_INET6;
		rcur_bytes(v, e->addr.u.bytes, mg_addr_len(&e->addr));
		e->port = rcur_be16(v);
	}
	if (v->err || n == 0)
		return -EINVAL;
	ann->n_endpoints = (uint8_t)n;
	return 0;
}

static int get_field(struct announce *ann, uint8_t type, struct rcur *v)
{
	switch (type) {
	case ANNOUNCE_T_VERSION:
		return tlv_get_u8(v, &ann->version);
	case ANNOUNCE_T_NAME:
		return tlv_get_label(v, ann->name);
	case ANNOUNCE_T_SEQUENCE:
		return tlv_get_u64(v, &ann->sequence);
	case ANNOUNCE_T_TIMESTAMP:
		return tlv_get_u64(v, &ann->timestamp);
	case ANNOUNCE_T_ENDPOINTS:
		return get_endpoints(v, ann);
	case ANNOUNCE_T_SIGNATURE:
		return tlv_get_fixed(v, ann->sig, NETKEY_SIG_LEN);
	default:
		if (type < ANNOUNCE_OPAQUE_FIRST)
			return -EINVAL;
		/* kept with its framing, so encoding gives the same bytes back */
		return announce_opaque_add(ann, type, v->p, v->len) < 0 ? -EINVAL : 0;
	}
}

#define REQUIRED (1u << ANNOUNCE_T_VERSION | 1u << ANNOUNCE_T_NAME | \
                  1u << ANNOUNCE_T_SEQUENCE | 1u << ANNOUNCE_T_TIMESTAMP)

int announce_decode(const uint8_t *buf, size_t len, struct announce *out)
{
	struct tlv_in in = tlv_in_init(buf, len);
	struct announce ann;
	unsigned seen = 0;
	bool signed_ = false;
	struct rcur v;
	uint8_t type;
	int n;

	if (len > ANNOUNCE_WIRE_MAX)
		return -EINVAL;
	memset(&ann, 0, sizeof(ann));
	while ((n = tlv_next(&in, &type, &v)) > 0) {
		if (get_field(&ann, type, &v) < 0)
			return -EINVAL;
		if (type == ANNOUNCE_T_SIGNATURE)
			signed_ = true;
		else if (type < 32)
			seen |= 1u << type;
	}
	if (n < 0 || !signed_ || (seen & REQUIRED) != REQUIRED || !announce_valid(&ann))
		return -EINVAL;
	*out = ann;
	return 0;
}

int announce_sign(struct announce *ann, const uint8_t node_secret[NETKEY_SECRET_LEN])
{
	uint8_t buf[ANNOUNCE_WIRE_MAX];
	struct wcur w = wcur_init(buf, sizeof(buf));

	ann->version = ANNOUNCE_VERSION;
	if (!announce_valid(ann))
		return -EINVAL;
	put_body(&w, ann);
	if (w.err)
		return -EINVAL;
	return netkey_sign(ann->sig, NETKEY_CTX_ANNOUNCE, buf, w.off, node_secret);
}

int announce_verify(const uint8_t *buf, size_t len, const struct record *rec,
                    struct announce *out)
{
	struct announce local, *ann = out ? out : &local;

	if (announce_decode(buf, len, ann) < 0)
		return -EINVAL;
	if (strcmp(ann->name, rec->name) != 0)
		return -EBADMSG;
	return netkey_verify(ann->sig, NETKEY_CTX_ANNOUNCE, buf, len - SIG_FIELD, rec->node_key);
}

int announce_opaque_add(struct announce *ann, uint8_t type, const void *val, size_t len)
{
	struct tlv_in in = tlv_in_init(ann->opaque, ann->opaque_len);
	struct wcur w;
	struct rcur v;
	uint8_t t;
	int n;

	if (type < ANNOUNCE_OPAQUE_FIRST || type == ANNOUNCE_T_SIGNATURE ||
	    ann->opaque_len > ANNOUNCE_OPAQUE_MAX)
		return -EINVAL;
	while ((n = tlv_next(&in, &t, &v)) > 0)
		;
	if (n < 0 || (in.last && type <= in.last))
		return -EINVAL;
	w = wcur_init(ann->opaque + ann->opaque_len, ANNOUNCE_OPAQUE_MAX - ann->opaque_len);
	tlv_put(&w, type, val, len);
	if (w.err)
		return -ENOBUFS;
	ann->opaque_len += w.off;
	return 0;
}

int announce_opaque_find(const struct announce *ann, uint8_t type,
                         const uint8_t **val, size_t *len)
{
	struct tlv_in in = tlv_in_init(ann->opaque, ann->opaque_len);
	struct rcur v;
	uint8_t t;

	while (tlv_next(&in, &t, &v) > 0) {
		if (t == type) {
			*val = v.p;
			*len = v.len;
			return 0;
		}
	}
	return -ENOENT;
}

static int encode_announce(const void *obj, uint8_t *buf, size_t cap, size_t *len)
{
	return announce_encode(obj, buf, cap, len);
}

int announce_cmp(const struct announce *a, const struct announce *b)
{
	return wire_signed_cmp(a->sequence, a->sig, a, b->sequence, b->sig, b, NETKEY_SIG_LEN,
	                       encode_announce);
}

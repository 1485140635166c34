#include "config.h"

#include <errno.h>
#include <string.h>

#include "keys/record.h"

#define SIG_FIELD (WIRE_TLV_HDR + NETKEY_SIG_LEN)

_Static_assert(WIRE_TLV_HDR * 14 + 1 + NETKEY_FP_LEN + 2 * WIRE_LABEL_MAX + 1 + 32 +
               NETKEY_PUB_LEN + (RECORD_MESH_MAX + RECORD_SUBNETS_MAX) * WIRE_PREFIX_MAX +
               WIRE_DOMAIN_MAX + 3 * 8 + NETKEY_SIG_LEN <= RECORD_WIRE_MAX,
               "the largest record fits one datagram");
_Static_assert(RECORD_WIRE_MAX <= NETKEY_MSG_MAX, "records can be signed");
_Static_assert(RECORD_WIRE_MAX <= WIRE_OBJECT_MAX, "records compare through wire_signed_cmp");

bool record_valid(const struct record *r)
{
	if (r->version != RECORD_VERSION || !wire_label_valid(r->name))
		return false;
	if (r->site[0] && !wire_label_valid(r->site))
		return false;
	if (r->role != RECORD_ROLE_GATEWAY && r->role != RECORD_ROLE_CLIENT)
		return false;
	/* a gateway serves a site; only a site's gateways route its subnets and domain */
	if (r->role == RECORD_ROLE_GATEWAY && !r->site[0])
		return false;
	if (r->role != RECORD_ROLE_GATEWAY && (r->n_subnets || r->domain[0]))
		return false;
	if (r->n_mesh < 1 || r->n_mesh > RECORD_MESH_MAX ||
	    !wire_prefixes_valid(r->mesh, r->n_mesh, true))
		return false;
	if (r->n_subnets > RECORD_SUBNETS_MAX ||
	    !wire_prefixes_valid(r->subnets, r->n_subnets, false))
		return false;
	if (r->domain[0] && !wire_domain_valid(r->domain))
		return false;
	return r->expires_at > r->issued_at;
}

/* Everything but the signature field: the signed bytes. */
static void put_body(struct wcur *w, const struct record *r)
{
	size_t at;

	tlv_put_u8(w, RECORD_T_VERSION, r->version);
	tlv_put(w, RECORD_T_NETWORK, r->network_id, NETKEY_FP_LEN);
	tlv_put(w, RECORD_T_NAME, r->name, strlen(r->name));
	if (r->site[0])
		tlv_put(w, RECORD_T_SITE, r->site, strlen(r->site));
	tlv_put_u8(w, RECORD_T_ROLE, r->role);
	tlv_put(w, RECORD_T_WG_KEY, r->wg_key, sizeof(r->wg_key));
	tlv_put(w, RECORD_T_NODE_KEY, r->node_key, sizeof(r->node_key));
	at = tlv_begin(w, RECORD_T_MESH);
	for (size_t i = 0; i < r->n_mesh; i++)
		wire_put_prefix(w, &r->mesh[i]);
	tlv_end(w, at);
	if (r->n_subnets) {
		at = tlv_begin(w, RECORD_T_SUBNETS);
		for (size_t i = 0; i < r->n_subnets; i++)
			wire_put_prefix(w, &r->subnets[i]);
		tlv_end(w, at);
	}
	if (r->domain[0])
		tlv_put(w, RECORD_T_DOMAIN, r->domain, strlen(r->domain));
	tlv_put_u64(w, RECORD_T_SEQUENCE, r->sequence);
	tlv_put_u64(w, RECORD_T_ISSUED, r->issued_at);
	tlv_put_u64(w, RECORD_T_EXPIRES, r->expires_at);
}

int record_encode(const struct record *rec, uint8_t *buf, size_t cap, size_t *len)
{
	struct wcur w = wcur_init(buf, cap);

	if (!record_valid(rec))
		return -EINVAL;
	put_body(&w, rec);
	tlv_put(&w, RECORD_T_SIGNATURE, rec->sig, NETKEY_SIG_LEN);
	if (w.err)
		return -ENOBUFS;
	*len = w.off;
	return 0;
}

static int get_field(struct record *r, uint8_t type, struct rcur *v)
{
	switch (type) {
	case RECORD_T_VERSION:
		return tlv_get_u8(v, &r->version);
	case RECORD_T_NETWORK:
		return tlv_get_fixed(v, r->network_id, NETKEY_FP_LEN);
	case RECORD_T_NAME:
		return tlv_get_label(v, r->name);
	case RECORD_T_SITE:
		return tlv_get_label(v, r->site);
	case RECORD_T_ROLE:
		return tlv_get_u8(v, &r->role);
	case RECORD_T_WG_KEY:
		return tlv_get_fixed(v, r->wg_key, sizeof(r->wg_key));
	case RECORD_T_NODE_KEY:
		return tlv_get_fixed(v, r->node_key, sizeof(r->node_key));
	case RECORD_T_MESH:
		return wire_get_prefixes(v, r->mesh, &r->n_mesh, RECORD_MESH_MAX, true);
	case RECORD_T_SUBNETS:
		return wire_get_prefixes(v, r->subnets, &r->n_subnets, RECORD_SUBNETS_MAX, false);
	case RECORD_T_DOMAIN:
		return tlv_get_domain(v, r->domain);
	case RECORD_T_SEQUENCE:
		return tlv_get_u64(v, &r->sequence);
	case RECORD_T_ISSUED:
		return tlv_get_u64(v, &r->issued_at);
	case RECORD_T_EXPIRES:
		return tlv_get_u64(v, &r->expires_at);
	case RECORD_T_SIGNATURE:
		return tlv_get_fixed(v, r->sig, NETKEY_SIG_LEN);
	default:
		return -EINVAL;      /* unknown in version 1 */
	}
}

/* The fields a record cannot do without, as a bit per type (signature aside). */
#define REQUIRED (1u << RECORD_T_VERSION | 1u << RECORD_T_NETWORK | 1u << RECORD_T_NAME | \
                  1u << RECORD_T_ROLE | 1u << RECORD_T_WG_KEY | 1u << RECORD_T_NODE_KEY | \
                  1u << RECORD_T_MESH | 1u << RECORD_T_SEQUENCE | 1u << RECORD_T_ISSUED | \
                  1u << RECORD_T_EXPIRES)

int record_decode(const uint8_t *buf, size_t len, struct record *rec)
{
	struct tlv_in in = tlv_in_init(buf, len);
	struct record r;
	unsigned seen = 0;
	bool signed_ = false;
	struct rcur v;
	uint8_t type;
	int n;

	if (len > RECORD_WIRE_MAX)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	while ((n = tlv_next(&in, &type, &v)) > 0) {
		if (get_field(&r, type, &v) < 0)
			return -EINVAL;
		if (type == RECORD_T_SIGNATURE)
			signed_ = true;
		else
			seen |= 1u << type;
	}
	/* the signature has the highest type, so nothing can follow it */
	if (n < 0 || !signed_ || (seen & REQUIRED) != REQUIRED || !record_valid(&r))
		return -EINVAL;
	*rec = r;
	return 0;
}

int record_sign(struct record *rec, const uint8_t network_secret[NETKEY_SECRET_LEN])
{
	uint8_t buf[RECORD_WIRE_MAX], pub[NETKEY_PUB_LEN];
	struct wcur w = wcur_init(buf, sizeof(buf));

	netkey_public(pub, network_secret);
	rec->version = RECORD_VERSION;
	netkey_fingerprint(rec->network_id, pub);
	if (!record_valid(rec))
		return -EINVAL;
	put_body(&w, rec);
	if (w.err)
		return -EINVAL;
	return netkey_sign(rec->sig, NETKEY_CTX_RECORD, buf, w.off, network_secret);
}

int record_verify(const uint8_t *buf, size_t len, const uint8_t network_pub[NETKEY_PUB_LEN],
                  uint64_t now, struct record *rec)
{
	struct record local, *r = rec ? rec : &local;
	uint8_t fp[NETKEY_FP_LEN];

	if (record_decode(buf, len, r) < 0)
		return -EINVAL;
	netkey_fingerprint(fp, network_pub);
	if (memcmp(fp, r->network_id, sizeof(fp)) != 0)
		return -EBADMSG;
	/* decoding accepts only the canonical form, so the signed bytes are
	 * exactly those before the signature field, which is last */
	if (netkey_verify(r->sig, NETKEY_CTX_RECORD, buf, len - SIG_FIELD, network_pub) < 0)
		return -EBADMSG;
	return record_expired(r, now) ? -EKEYEXPIRED : 0;
}

static int encode_record(const void *obj, uint8_t *buf, size_t cap, size_t *len)
{
	return record_encode(obj, buf, cap, len);
}

int record_cmp(const struct record *a, const struct record *b)
{
	return wire_signed_cmp(a->sequence, a->sig, a, b->sequence, b->sig, b, NETKEY_SIG_LEN,
	                       encode_record);
}

bool record_newer(const struct record *a, const struct record *b)
{
	return record_cmp(a, b) > 0;
}

bool record_expired(const struct record *rec, uint64_t now)
{
	return now >= rec->expires_at;
}

bool record_expiring_soon(const struct record *rec, uint64_t now, uint64_t window)
{
	return now >= rec->expires_at || rec->expires_at - now <= window;
}

#include "config.h"

#include <errno.h>
#include <string.h>

#include "keys/revocation.h"

#define SIG_FIELD (WIRE_TLV_HDR + NETKEY_SIG_LEN)

_Static_assert(WIRE_TLV_HDR * 7 + 1 + NETKEY_FP_LEN + WIRE_LABEL_MAX + 32 + 2 * 8 +
               NETKEY_SIG_LEN <= REVOCATION_WIRE_MAX, "the largest revocation fits");

void revocation_of(struct revocation *rev, const struct record *rec, uint64_t now)
{
	memset(rev, 0, sizeof(*rev));
	rev->version = REVOCATION_VERSION;
	memcpy(rev->network_id, rec->network_id, sizeof(rev->network_id));
	memcpy(rev->name, rec->name, sizeof(rev->name));
	memcpy(rev->wg_key, rec->wg_key, sizeof(rev->wg_key));
	rev->last_sequence = rec->sequence;
	rev->issued_at = now;
}

bool revocation_valid(const struct revocation *rev)
{
	return rev->version == REVOCATION_VERSION && wire_label_valid(rev->name);
}

static void put_body(struct wcur *w, const struct revocation *rev)
{
	tlv_put_u8(w, REVOCATION_T_VERSION, rev->version);
	tlv_put(w, REVOCATION_T_NETWORK, rev->network_id, NETKEY_FP_LEN);
	tlv_put(w, REVOCATION_T_NAME, rev->name, strlen(rev->name));
	tlv_put(w, REVOCATION_T_WG_KEY, rev->wg_key, sizeof(rev->wg_key));
	tlv_put_u64(w, REVOCATION_T_LAST_SEQUENCE, rev->last_sequence);
	tlv_put_u64(w, REVOCATION_T_ISSUED, rev->issued_at);
}

int revocation_encode(const struct revocation *rev, uint8_t *buf, size_t cap, size_t *len)
{
	struct wcur w = wcur_init(buf, cap);

	if (!revocation_valid(rev))
		return -EINVAL;
	put_body(&w, rev);
	tlv_put(&w, REVOCATION_T_SIGNATURE, rev->sig, NETKEY_SIG_LEN);
	if (w.err)
		return -ENOBUFS;
	*len = w.off;
	return 0;
}

static int get_field(struct revocation *rev, uint8_t type, struct rcur *v)
{
	switch (type) {
	case REVOCATION_T_VERSION:
		return tlv_get_u8(v, &rev->version);
	case REVOCATION_T_NETWORK:
		return tlv_get_fixed(v, rev->network_id, NETKEY_FP_LEN);
	case REVOCATION_T_NAME:
		return tlv_get_label(v, rev->name);
	case REVOCATION_T_WG_KEY:
		return tlv_get_fixed(v, rev->wg_key, sizeof(rev->wg_key));
	case REVOCATION_T_LAST_SEQUENCE:
		return tlv_get_u64(v, &rev->last_sequence);
	case REVOCATION_T_ISSUED:
		return tlv_get_u64(v, &rev->issued_at);
	case REVOCATION_T_SIGNATURE:
		return tlv_get_fixed(v, rev->sig, NETKEY_SIG_LEN);
	default:
		return -EINVAL;
	}
}

int revocation_decode(const uint8_t *buf, size_t len, struct revocation *out)
{
	struct tlv_in in = tlv_in_init(buf, len);
	struct revocation rev;
	unsigned fields = 0;
	struct rcur v;
	uint8_t type;
	int n;

	if (len > REVOCATION_WIRE_MAX)
		return -EINVAL;
	memset(&rev, 0, sizeof(rev));
	while ((n = tlv_next(&in, &type, &v)) > 0) {
		if (get_field(&rev, type, &v) < 0)
			return -EINVAL;
		fields++;
	}
	/* every field is required, and types only rise: seven fields are all of them */
	if (n < 0 || fields != 7 || !revocation_valid(&rev))
		return -EINVAL;
	*out = rev;
	return 0;
}

int revocation_sign(struct revocation *rev, const uint8_t network_secret[NETKEY_SECRET_LEN])
{
	uint8_t buf[REVOCATION_WIRE_MAX], pub[NETKEY_PUB_LEN];
	struct wcur w = wcur_init(buf, sizeof(buf));

	netkey_public(pub, network_secret);
	rev->version = REVOCATION_VERSION;
	netkey_fingerprint(rev->network_id, pub);
	if (!revocation_valid(rev))
		return -EINVAL;
	put_body(&w, rev);
	if (w.err)
		return -EINVAL;
	return netkey_sign(rev->sig, NETKEY_CTX_REVOCATION, buf, w.off, network_secret);
}

int revocation_verify(const uint8_t *buf, size_t len,
                      const uint8_t network_pub[NETKEY_PUB_LEN], struct revocation *out)
{
	struct revocation local, *rev = out ? out : &local;
	uint8_t fp[NETKEY_FP_LEN];

	if (revocation_decode(buf, len, rev) < 0)
		return -EINVAL;
	netkey_fingerprint(fp, network_pub);
	if (memcmp(fp, rev->network_id, sizeof(fp)) != 0)
		return -EBADMSG;
	return netkey_verify(rev->sig, NETKEY_CTX_REVOCATION, buf, len - SIG_FIELD, network_pub);
}

bool revocation_covers(const struct revocation *rev, const struct record *rec)
{
	if (memcmp(rev->network_id, rec->network_id, sizeof(rev->network_id)) != 0)
		return false;
	if (memcmp(rev->wg_key, rec->wg_key, sizeof(rev->wg_key)) == 0)
		return true;
	return strcmp(rev->name, rec->name) == 0 && rec->sequence <= rev->last_sequence;
}

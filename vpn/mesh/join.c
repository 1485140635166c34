#include "config.h"

#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "vpn/mesh/join.h"

enum {
	REPLY_T_STATUS = 1,
	REPLY_T_MESSAGE = 2,
	REPLY_T_NETWORK = 3,
	REPLY_T_RECORD = 4,
	REPLY_T_INVITER = 5,
	REPLY_T_ANNOUNCE = 6,
	REPLY_T_NETWORK_NAME = 7,
};

#define KDF_CTX "mgjoin01"
#define KDF_ID 1
#define KDF_KEY 2

_Static_assert(sizeof(KDF_CTX) - 1 == crypto_kdf_CONTEXTBYTES, "kdf context length");
_Static_assert(JOIN_ID_LEN >= crypto_kdf_BYTES_MIN, "kdf output length");
_Static_assert(JOIN_KEY_LEN == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "key length");
_Static_assert(JOIN_NONCE_LEN == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "nonce length");
_Static_assert(JOIN_TAG_LEN == crypto_aead_xchacha20poly1305_ietf_ABYTES, "tag length");
_Static_assert(JOIN_HDR_LEN == 1 + JOIN_ID_LEN + JOIN_NONCE_LEN, "header length");
_Static_assert(JOIN_REQUEST_PLAIN_LEN == 32 + NETKEY_PUB_LEN + 8, "request plaintext length");
_Static_assert(JOIN_REQUEST_LEN == JOIN_HDR_LEN + JOIN_REQUEST_PLAIN_LEN + JOIN_TAG_LEN,
               "request length");
_Static_assert(JOIN_UNKNOWN_LEN == 1 + JOIN_ID_LEN, "unknown length");
_Static_assert(JOIN_REPLY_PLAIN_MIN == WIRE_TLV_HDR + 1, "shortest reply");
_Static_assert(JOIN_REPLY_PLAIN_MAX == 7 * WIRE_TLV_HDR + 1 + JOIN_TEXT_MAX + NETKEY_PUB_LEN +
               2 * RECORD_WIRE_MAX + ANNOUNCE_WIRE_MAX + WIRE_LABEL_MAX,
               "longest reply plaintext");
_Static_assert(JOIN_MSG_MAX == JOIN_HDR_LEN + JOIN_REPLY_PLAIN_MAX + JOIN_TAG_LEN,
               "longest message");
_Static_assert(JOIN_MSG_MAX <= 65507, "a reply fits one UDP datagram");

void join_keys_from_secret(const uint8_t secret[TOKEN_SECRET_LEN], struct join_keys *k)
{
	_Static_assert(TOKEN_SECRET_LEN == crypto_kdf_KEYBYTES, "the secret is a kdf key");
	crypto_kdf_derive_from_key(k->id, sizeof(k->id), KDF_ID, KDF_CTX, secret);
	crypto_kdf_derive_from_key(k->key, sizeof(k->key), KDF_KEY, KDF_CTX, secret);
}

void join_keys_wipe(struct join_keys *k)
{
	sodium_memzero(k, sizeof(*k));
}

int join_peek(const uint8_t *msg, size_t len, uint8_t *type, uint8_t id[JOIN_ID_LEN])
{
	if (len < JOIN_UNKNOWN_LEN)
		return -EINVAL;
	switch (msg[0]) {
	case JOIN_T_REQUEST:
		if (len != JOIN_REQUEST_LEN)
			return -EINVAL;
		break;
	case JOIN_T_REPLY:
		if (len < JOIN_REPLY_MIN || len > JOIN_MSG_MAX)
			return -EINVAL;
		break;
	case JOIN_T_UNKNOWN:
		if (len != JOIN_UNKNOWN_LEN)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	*type = msg[0];
	memcpy(id, msg + 1, JOIN_ID_LEN);
	return 0;
}

/* type | id | nonce | AEAD(plain), into buf. */
static int seal(const struct join_keys *k, uint8_t type, const uint8_t *plain, size_t plen,
                uint8_t *buf, size_t cap, size_t *len)
{
	unsigned long long clen;

	if (cap < JOIN_HDR_LEN + JOIN_TAG_LEN || plen > cap - JOIN_HDR_LEN - JOIN_TAG_LEN)
		return -ENOBUFS;
	buf[0] = type;
	memcpy(buf + 1, k->id, JOIN_ID_LEN);
	randombytes_buf(buf + 1 + JOIN_ID_LEN, JOIN_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(buf + JOIN_HDR_LEN, &clen, plain, plen, buf,
	                                           JOIN_HDR_LEN, NULL, buf + 1 + JOIN_ID_LEN,
	                                           k->key);
	*len = JOIN_HDR_LEN + (size_t)clen;
	return 0;
}

/* Checks the header as join_peek does and opens into plain[plen]. */
static int unseal(const struct join_keys *k, uint8_t type, const uint8_t *msg, size_t len,
                  uint8_t *plain, size_t *plen)
{
	uint8_t t, id[JOIN_ID_LEN];
	unsigned long long n;

	if (join_peek(msg, len, &t, id) < 0 || t != type)
		return -EINVAL;
	if (sodium_memcmp(id, k->id, JOIN_ID_LEN) != 0)
		return -EINVAL;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &n, NULL, msg + JOIN_HDR_LEN,
	                                               len - JOIN_HDR_LEN, msg, JOIN_HDR_LEN,
	                                               msg + 1 + JOIN_ID_LEN, k->key) != 0)
		return -EBADMSG;
	*plen = (size_t)n;
	return 0;
}

static bool is_zero(const uint8_t *p, size_t n)
{
	return sodium_is_zero(p, n) == 1;
}

int join_request_build(const struct join_keys *k, const struct join_request *req,
                       uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t plain[JOIN_REQUEST_PLAIN_LEN];
	struct wcur w = wcur_init(plain, sizeof(plain));
	int r;

	wcur_bytes(&w, req->wg_pub, sizeof(req->wg_pub));
	wcur_bytes(&w, req->node_pub, sizeof(req->node_pub));
	wcur_be64(&w, req->timestamp);
	r = seal(k, JOIN_T_REQUEST, plain, w.off, buf, cap, len);
	sodium_memzero(plain, sizeof(plain));
	return r;
}

int join_request_open(const struct join_keys *k, const uint8_t *msg, size_t len,
                      struct join_request *req)
{
	uint8_t plain[JOIN_REQUEST_PLAIN_LEN];
	struct join_request q;
	struct rcur c;
	size_t n;
	int r;

	r = unseal(k, JOIN_T_REQUEST, msg, len, plain, &n);
	if (r < 0)
		return r;
	c = rcur_init(plain, n);
	rcur_bytes(&c, q.wg_pub, sizeof(q.wg_pub));
	rcur_bytes(&c, q.node_pub, sizeof(q.node_pub));
	q.timestamp = rcur_be64(&c);
	/* keys no honest joiner makes would only make a record no one can use */
	if (c.err || rcur_left(&c) != 0 || is_zero(q.wg_pub, sizeof(q.wg_pub)) ||
	    !crypto_core_ed25519_is_valid_point(q.node_pub))
		return -EINVAL;
	*req = q;
	return 0;
}

static bool text_valid(const char *s)
{
	size_t n = strnlen(s, JOIN_TEXT_MAX + 1);

	if (n == 0 || n > JOIN_TEXT_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

static bool blob_valid(size_t len, size_t max)
{
	return len > 0 && len <= max;
}

static bool reply_valid(const struct join_reply *rep)
{
	if (rep->status != JOIN_OK)
		return !rep->message[0] || text_valid(rep->message);
	if (rep->network_name[0] && !wire_label_valid(rep->network_name))
		return false;
	return !rep->message[0] && blob_valid(rep->record_len, RECORD_WIRE_MAX) &&
	       blob_valid(rep->inviter_record_len, RECORD_WIRE_MAX) &&
	       rep->announce_len <= ANNOUNCE_WIRE_MAX;
}

int join_reply_encode(const struct join_reply *rep, uint8_t *buf, size_t cap, size_t *len)
{
	struct wcur w = wcur_init(buf, cap);

	if (!reply_valid(rep))
		return -EINVAL;
	tlv_put_u8(&w, REPLY_T_STATUS, rep->status);
	if (rep->status != JOIN_OK) {
		if (rep->message[0])
			tlv_put(&w, REPLY_T_MESSAGE, rep->message, strlen(rep->message));
	} else {
		tlv_put(&w, REPLY_T_NETWORK, rep->network_pub, sizeof(rep->network_pub));
		tlv_put(&w, REPLY_T_RECORD, rep->record, rep->record_len);
		tlv_put(&w, REPLY_T_INVITER, rep->inviter_record, rep->inviter_record_len);
		if (rep->announce_len)
			tlv_put(&w, REPLY_T_ANNOUNCE, rep->announce, rep->announce_len);
		if (rep->network_name[0])
			tlv_put(&w, REPLY_T_NETWORK_NAME, rep->network_name,
			        strlen(rep->network_name));
	}
	if (w.err)
		return -ENOBUFS;
	*len = w.off;
	return 0;
}

static int get_blob(struct rcur *v, uint8_t *out, size_t *len, size_t max)
{
	size_t n = rcur_left(v);

	if (!blob_valid(n, max))
		return -EINVAL;
	rcur_bytes(v, out, n);
	*len = n;
	return v->err ? -EINVAL : 0;
}

static int get_text(struct rcur *v, char *out)
{
	size_t n = rcur_left(v);

	if (n == 0 || n > JOIN_TEXT_MAX)
		return -EINVAL;
	rcur_bytes(v, out, n);
	out[n] = '\0';
	return !v->err && text_valid(out) && strlen(out) == n ? 0 : -EINVAL;
}

static int get_field(struct join_reply *rep, uint8_t type, struct rcur *v)
{
	switch (type) {
	case REPLY_T_STATUS:
		return tlv_get_u8(v, &rep->status);
	case REPLY_T_MESSAGE:
		return get_text(v, rep->message);
	case REPLY_T_NETWORK:
		return tlv_get_fixed(v, rep->network_pub, sizeof(rep->network_pub));
	case REPLY_T_RECORD:
		return get_blob(v, rep->record, &rep->record_len, RECORD_WIRE_MAX);
	case REPLY_T_INVITER:
		return get_blob(v, rep->inviter_record, &rep->inviter_record_len, RECORD_WIRE_MAX);
	case REPLY_T_ANNOUNCE:
		return get_blob(v, rep->announce, &rep->announce_len, ANNOUNCE_WIRE_MAX);
	case REPLY_T_NETWORK_NAME:
		return tlv_get_label(v, rep->network_name);
	default:
		return -EINVAL;
	}
}

#define OK_FIELDS (1u << REPLY_T_STATUS | 1u << REPLY_T_NETWORK | 1u << REPLY_T_RECORD | \
                   1u << REPLY_T_INVITER)

int join_reply_decode(const uint8_t *buf, size_t len, struct join_reply *rep)
{
	struct tlv_in in = tlv_in_init(buf, len);
	unsigned seen = 0, want;
	struct rcur v;
	uint8_t type;
	int n;

	if (len > JOIN_REPLY_PLAIN_MAX)
		return -EINVAL;
	memset(rep, 0, sizeof(*rep));
	while ((n = tlv_next(&in, &type, &v)) > 0) {
		/* the status decides which fields may follow, so it is first */
		if ((seen == 0) != (type == REPLY_T_STATUS) || get_field(rep, type, &v) < 0)
			return -EINVAL;
		seen |= 1u << type;
	}
	if (n < 0 || !(seen & 1u << REPLY_T_STATUS))
		return -EINVAL;
	if (rep->status == JOIN_OK) {
		want = OK_FIELDS | (seen & (1u << REPLY_T_ANNOUNCE | 1u << REPLY_T_NETWORK_NAME));
	} else {
		want = 1u << REPLY_T_STATUS | (seen & 1u << REPLY_T_MESSAGE);
	}
	return seen == want ? 0 : -EINVAL;
}

int join_reply_build(const struct join_keys *k, const struct join_reply *rep,
                     uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t plain[JOIN_REPLY_PLAIN_MAX];
	size_t plen;
	int r;

	r = join_reply_encode(rep, plain, sizeof(plain), &plen);
	if (r == 0)
		r = seal(k, JOIN_T_REPLY, plain, plen, buf, cap, len);
	return r;
}

int join_reply_open(const struct join_keys *k, const uint8_t *msg, size_t len,
                    struct join_reply *rep)
{
	uint8_t plain[JOIN_REPLY_PLAIN_MAX];
	size_t n;
	int r;

	/* join_peek has bounded len, so the plaintext fits */
	r = unseal(k, JOIN_T_REPLY, msg, len, plain, &n);
	if (r < 0)
		return r;
	return join_reply_decode(plain, n, rep);
}

int join_unknown_build(const uint8_t id[JOIN_ID_LEN], uint8_t *buf, size_t cap, size_t *len)
{
	if (cap < JOIN_UNKNOWN_LEN)
		return -ENOBUFS;
	buf[0] = JOIN_T_UNKNOWN;
	memcpy(buf + 1, id, JOIN_ID_LEN);
	*len = JOIN_UNKNOWN_LEN;
	return 0;
}

int join_unknown_parse(const uint8_t *msg, size_t len, uint8_t id[JOIN_ID_LEN])
{
	uint8_t type;

	if (join_peek(msg, len, &type, id) < 0 || type != JOIN_T_UNKNOWN)
		return -EINVAL;
	return 0;
}

const char *join_status_str(uint8_t status)
{
	switch (status) {
	case JOIN_OK:
		return "accepted";
	case JOIN_EXPIRED:
		return "the invitation has expired";
	case JOIN_USED:
		return "the invitation was already used by another node";
	default:
		return "the inviter refused the join";
	}
}

/* ---- the inviter's side ---- */

enum join_verdict join_decide(const struct invite *inv, const struct join_request *req,
                              uint64_t now, const char **reason)
{
	if (inv->state == INVITE_USED) {
		/* both keys: a record is only ever sent again to the node it names */
		if (sodium_memcmp(inv->joiner_wg, req->wg_pub, sizeof(req->wg_pub)) == 0 &&
		    sodium_memcmp(inv->joiner_node, req->node_pub, sizeof(req->node_pub)) == 0) {
			*reason = "the same joiner asked again: sending its record again";
			return JOIN_RESEND;
		}
		*reason = "refused: the invitation was already used by another key";
		return JOIN_REFUSE_USED;
	}
	if (invite_expired(inv, now)) {
		*reason = "refused: the invitation has expired";
		return JOIN_REFUSE_EXPIRED;
	}
	*reason = "accepted: issuing a record";
	return JOIN_ACCEPT;
}

void join_record_init(struct record *rec, const struct invite *inv,
                      const struct join_request *req, uint64_t now)
{
	memset(rec, 0, sizeof(*rec));
	rec->version = RECORD_VERSION;
	memcpy(rec->network_id, inv->tok.network_id, sizeof(rec->network_id));
	memcpy(rec->name, inv->tok.name, sizeof(rec->name));
	memcpy(rec->site, inv->tok.site, sizeof(rec->site));
	rec->role = inv->tok.role;
	rec->n_subnets = inv->n_subnets;
	memcpy(rec->subnets, inv->subnets, sizeof(rec->subnets));
	memcpy(rec->domain, inv->domain, sizeof(rec->domain));
	memcpy(rec->wg_key, req->wg_pub, sizeof(rec->wg_key));
	memcpy(rec->node_key, req->node_pub, sizeof(rec->node_key));
	rec->sequence = 1;
	rec->issued_at = now;
	rec->expires_at = now + RECORD_LIFETIME;
}

static void refuse(struct join_reply *rep, uint8_t status, const char *text)
{
	rep->status = status;
	strncpy(rep->message, text, JOIN_TEXT_MAX);
	rep->message[JOIN_TEXT_MAX] = '\0';
}

static void accept_with(struct join_reply *rep, const struct join_inviter *iv,
                        const uint8_t *rec, size_t rec_len)
{
	rep->status = JOIN_OK;
	memcpy(rep->network_pub, iv->network_pub, NETKEY_PUB_LEN);
	memcpy(rep->record, rec, rec_len);
	rep->record_len = rec_len;
	memcpy(rep->inviter_record, iv->own_record, iv->own_record_len);
	rep->inviter_record_len = iv->own_record_len;
	if (iv->own_announce_len)
		memcpy(rep->announce, iv->own_announce, iv->own_announce_len);
	rep->announce_len = iv->own_announce_len;
	if (iv->network_name)
		snprintf(rep->network_name, sizeof(rep->network_name), "%s", iv->network_name);
}

/* Fills rep for an opened request of a known invitation. */
static void decide_reply(const struct join_inviter *iv, struct invite *inv,
                         const struct join_request *req, uint64_t now, struct join_reply *rep,
                         const char **reason)
{
	uint8_t rec[RECORD_WIRE_MAX];
	size_t rec_len = 0;

	switch (join_decide(inv, req, now, reason)) {
	case JOIN_RESEND:
		accept_with(rep, iv, inv->record, inv->record_len);
		return;
	case JOIN_REFUSE_EXPIRED:
		refuse(rep, JOIN_EXPIRED, "this invitation has expired; ask for a new one");
		return;
	case JOIN_REFUSE_USED:
		refuse(rep, JOIN_USED, "this invitation was already used by another node");
		return;
	case JOIN_ACCEPT:
		break;
	}
	if (iv->issue(iv->ctx, inv, req, now, rec, &rec_len) < 0 ||
	    !blob_valid(rec_len, RECORD_WIRE_MAX)) {
		*reason = "refused: no record could be issued (no free mesh address?)";
		refuse(rep, JOIN_REFUSED, "the inviter could not issue a record; see its log");
		return;
	}
	/* stored before it is sent: a record is never out without the
	 * invitation being spent */
	if (iv->mark_used(iv->ctx, inv, req, rec, rec_len, now) < 0) {
		*reason = "refused: the invitation could not be marked used";
		refuse(rep, JOIN_REFUSED, "the inviter could not store the invitation; see its log");
		return;
	}
	accept_with(rep, iv, rec, rec_len);
}

int join_inviter_answer(const struct join_inviter *iv, const uint8_t *msg, size_t len,
                        uint64_t now, uint8_t *out, size_t cap, size_t *out_len,
                        const char **reason)
{
	uint8_t type, id[JOIN_ID_LEN];
	struct join_request req;
	struct join_reply rep;
	struct join_keys k;
	struct invite inv;
	int r;

	*reason = "malformed join request";
	if (join_peek(msg, len, &type, id) < 0 || type != JOIN_T_REQUEST)
		return -EINVAL;
	if (cap < JOIN_MSG_MAX)
		return -ENOBUFS;
	if (!iv->network_pub || !blob_valid(iv->own_record_len, RECORD_WIRE_MAX) ||
	    iv->own_announce_len > ANNOUNCE_WIRE_MAX) {
		*reason = "cannot answer: this node has no record to send";
		return -EINVAL;
	}
	r = iv->find(iv->ctx, id, &inv);
	if (r == -ENOENT) {
		*reason = "no invitation with this id: answered JOIN_UNKNOWN";
		return join_unknown_build(id, out, cap, out_len);
	}
	if (r < 0) {
		*reason = "the invitation could not be read";
		invite_wipe(&inv);
		return r;
	}
	join_keys_from_secret(inv.tok.secret, &k);
	if (sodium_memcmp(k.id, id, JOIN_ID_LEN) != 0) {
		*reason = "the stored invitation's secret does not give its id";
		r = -EINVAL;
		goto out;
	}
	r = join_request_open(&k, msg, len, &req);
	if (r < 0) {
		*reason = r == -EBADMSG ? "a join request that does not open with the invitation's key"
		                        : "a join request with unusable keys";
		goto out;
	}
	memset(&rep, 0, sizeof(rep));
	decide_reply(iv, &inv, &req, now, &rep, reason);
	r = join_reply_build(&k, &rep, out, cap, out_len);
	if (r < 0)
		*reason = "the reply could not be built";
out:
	join_keys_wipe(&k);
	invite_wipe(&inv);
	return r;
}

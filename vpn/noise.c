/* Noise_IKpsk2 as WireGuard runs it (whitepaper section 5.4). Each step
 * works on local copies of the chaining key and hash and commits them to
 * the handshake only when the whole message succeeded, so a bad message
 * leaves no trace; every secret on the stack is wiped on the way out. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "vpn/aead.h"
#include "vpn/blake2s.h"
#include "vpn/noise.h"
#include "vpn/tai64n.h"

_Static_assert(WG_KEY_LEN == crypto_scalarmult_BYTES &&
	       WG_KEY_LEN == crypto_aead_chacha20poly1305_ietf_KEYBYTES &&
	       WG_AUTHTAG_LEN == crypto_aead_chacha20poly1305_ietf_ABYTES &&
	       WG_DATA_NONCE_LEN == crypto_aead_chacha20poly1305_ietf_NPUBBYTES &&
	       WG_HASH_LEN == BLAKE2S_HASH_LEN, "primitive sizes");

static void clamp(uint8_t k[WG_KEY_LEN])
{
	k[0] &= 248;
	k[31] = (k[31] & 127) | 64;
}

int noise_public_key(uint8_t pub[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN])
{
	uint8_t k[WG_KEY_LEN];
	int ret;

	memcpy(k, priv, sizeof(k));
	clamp(k);
	ret = crypto_scalarmult_base(pub, k) ? -EINVAL : 0;
	sodium_memzero(k, sizeof(k));
	return ret;
}

/* h = HASH(h || in) */
static void mix_hash(uint8_t h[WG_HASH_LEN], const void *in, size_t len)
{
	struct blake2s_state s;

	blake2s_init(&s, WG_HASH_LEN);
	blake2s_update(&s, h, WG_HASH_LEN);
	blake2s_update(&s, in, len);
	blake2s_final(&s, h);
}

/* ck = HASH(CONSTRUCTION); h = HASH(HASH(ck || IDENTIFIER) || responder's static) */
static void handshake_start(uint8_t ck[WG_HASH_LEN], uint8_t h[WG_HASH_LEN],
			    const uint8_t responder_static[WG_KEY_LEN])
{
	blake2s(ck, WG_HASH_LEN, NULL, 0, WG_CONSTRUCTION, WG_STRLEN(WG_CONSTRUCTION));
	memcpy(h, ck, WG_HASH_LEN);
	mix_hash(h, WG_IDENTIFIER, WG_STRLEN(WG_IDENTIFIER));
	mix_hash(h, responder_static, WG_KEY_LEN);
}

/* (ck, key) = KDF2(ck, DH(priv, pub)), or ck = KDF1(...) when key is NULL.
 * A zero result (low-order point) fails, as in the kernel. */
static int mix_dh(uint8_t ck[WG_HASH_LEN], uint8_t *key, const uint8_t priv[WG_KEY_LEN],
		  const uint8_t pub[WG_KEY_LEN])
{
	uint8_t dh[WG_KEY_LEN];
	int ret = 0;

	if (crypto_scalarmult(dh, priv, pub) != 0) {
		ret = -EBADMSG;
		goto out;
	}
	wg_kdf(ck, key, NULL, ck, WG_HASH_LEN, dh, sizeof(dh));
out:
	sodium_memzero(dh, sizeof(dh));
	return ret;
}

static int mix_precomputed_dh(uint8_t ck[WG_HASH_LEN], uint8_t key[WG_KEY_LEN],
			      const uint8_t ss[WG_KEY_LEN])
{
	if (sodium_is_zero(ss, WG_KEY_LEN))
		return -ENOKEY;
	wg_kdf(ck, key, NULL, ck, WG_HASH_LEN, ss, WG_KEY_LEN);
	return 0;
}

/* (ck, tau, key) = KDF3(ck, psk); h = HASH(h || tau) */
static void mix_psk(uint8_t ck[WG_HASH_LEN], uint8_t h[WG_HASH_LEN], uint8_t key[WG_KEY_LEN],
		    const uint8_t psk[WG_KEY_LEN])
{
	uint8_t tau[WG_HASH_LEN];

	wg_kdf(ck, tau, key, ck, WG_HASH_LEN, psk, WG_KEY_LEN);
	mix_hash(h, tau, sizeof(tau));
	sodium_memzero(tau, sizeof(tau));
}

/* e: the ephemeral public key goes into both the hash and the chaining key. */
static void mix_ephemeral(uint8_t ck[WG_HASH_LEN], uint8_t h[WG_HASH_LEN],
			  const uint8_t e[WG_KEY_LEN])
{
	mix_hash(h, e, WG_KEY_LEN);
	wg_kdf(ck, NULL, NULL, ck, WG_HASH_LEN, e, WG_KEY_LEN);
}

static const uint8_t zero_nonce[WG_DATA_NONCE_LEN];

/* dst = AEAD(key, 0, src, h); h = HASH(h || dst) */
static void message_encrypt(uint8_t *dst, const uint8_t *src, size_t len,
			    const uint8_t key[WG_KEY_LEN], uint8_t h[WG_HASH_LEN])
{
	static const uint8_t empty[1];

	crypto_aead_chacha20poly1305_ietf_encrypt(dst, NULL, len ? src : empty, len, h,
						  WG_HASH_LEN, NULL, zero_nonce, key);
	mix_hash(h, dst, WG_ENCRYPTED_LEN(len));
}

static int message_decrypt(uint8_t *dst, const uint8_t *src, size_t len,
			   const uint8_t key[WG_KEY_LEN], uint8_t h[WG_HASH_LEN])
{
	uint8_t empty[1];

	if (crypto_aead_chacha20poly1305_ietf_decrypt(len > WG_AUTHTAG_LEN ? dst : empty, NULL,
						      NULL, src, len, h, WG_HASH_LEN,
						      zero_nonce, key) != 0)
		return -EBADMSG;
	mix_hash(h, src, len);
	return 0;
}

static int ephemeral_new(struct noise_local *l, uint8_t priv[WG_KEY_LEN], uint8_t pub[WG_KEY_LEN])
{
	if (l->ops && l->ops->rng)
		l->ops->rng(l->arg, priv, WG_KEY_LEN);
	else
		randombytes_buf(priv, WG_KEY_LEN);
	clamp(priv);
	return crypto_scalarmult_base(pub, priv) ? -EBADMSG : 0;
}

static int assign_index(struct noise_handshake *hs, uint32_t *idx)
{
	struct noise_local *l = hs->local;

	if (!l->ops || !l->ops->index_assign)
		return -ENOSYS;
	return l->ops->index_assign(l->arg, hs, idx);
}

void noise_local_init(struct noise_local *l, const struct noise_ops *ops, void *arg)
{
	memset(l, 0, sizeof(*l));
	l->ops = ops;
	l->arg = arg;
}

int noise_local_set_private_key(struct noise_local *l, const uint8_t priv[WG_KEY_LEN])
{
	int ret;

	memcpy(l->private_key, priv, WG_KEY_LEN);
	clamp(l->private_key);
	ret = noise_public_key(l->public_key, l->private_key);
	l->has_identity = ret == 0;
	if (ret)
		noise_local_clear(l);
	return ret;
}

void noise_local_clear(struct noise_local *l)
{
	sodium_memzero(l->private_key, sizeof(l->private_key));
	sodium_memzero(l->public_key, sizeof(l->public_key));
	l->has_identity = false;
}

void noise_handshake_precompute(struct noise_handshake *hs)
{
	if (!hs->local->has_identity ||
	    crypto_scalarmult(hs->precomputed_static_static, hs->local->private_key,
			      hs->remote_static) != 0)
		sodium_memzero(hs->precomputed_static_static, WG_KEY_LEN);
}

void noise_handshake_init(struct noise_handshake *hs, struct noise_local *local,
			  const uint8_t remote_static[WG_KEY_LEN], const uint8_t psk[WG_KEY_LEN])
{
	memset(hs, 0, sizeof(*hs));
	hs->local = local;
	memcpy(hs->remote_static, remote_static, WG_KEY_LEN);
	noise_handshake_set_psk(hs, psk);
	noise_handshake_precompute(hs);
}

void noise_handshake_set_psk(struct noise_handshake *hs, const uint8_t psk[WG_KEY_LEN])
{
	if (psk)
		memcpy(hs->preshared_key, psk, WG_KEY_LEN);
	else
		sodium_memzero(hs->preshared_key, WG_KEY_LEN);
}

/* The exchange's secrets; configuration, index and replay state stay. */
static void handshake_zero(struct noise_handshake *hs)
{
	sodium_memzero(hs->ephemeral_private, sizeof(hs->ephemeral_private));
	sodium_memzero(hs->remote_ephemeral, sizeof(hs->remote_ephemeral));
	sodium_memzero(hs->hash, sizeof(hs->hash));
	sodium_memzero(hs->chaining_key, sizeof(hs->chaining_key));
	hs->remote_index = 0;
	hs->state = NOISE_HS_ZEROED;
}

void noise_handshake_clear(struct noise_handshake *hs)
{
	handshake_zero(hs);
	hs->has_index = false;
}

void noise_handshake_fini(struct noise_handshake *hs)
{
	sodium_memzero(hs, sizeof(*hs));
}

int noise_create_initiation(struct noise_handshake *hs, const struct timespec *wall,
			    struct wg_initiation *out)
{
	struct noise_local *l = hs->local;
	uint8_t ck[WG_HASH_LEN], h[WG_HASH_LEN], key[WG_KEY_LEN], e[WG_KEY_LEN];
	uint8_t ts[WG_TIMESTAMP_LEN];
	uint32_t idx;
	int ret = -ENOKEY;

	memset(out, 0, sizeof(*out));
	/* A zero static-static DH means a low-order peer key: refuse early. */
	if (!l->has_identity || sodium_is_zero(hs->precomputed_static_static, WG_KEY_LEN))
		goto out;
	handshake_start(ck, h, hs->remote_static);

	/* e */
	ret = ephemeral_new(l, e, out->ephemeral);
	if (ret)
		goto out;
	mix_ephemeral(ck, h, out->ephemeral);
	/* es */
	ret = mix_dh(ck, key, e, hs->remote_static);
	if (ret)
		goto out;
	/* s */
	message_encrypt(out->encrypted_static, l->public_key, WG_KEY_LEN, key, h);
	/* ss */
	ret = mix_precomputed_dh(ck, key, hs->precomputed_static_static);
	if (ret)
		goto out;
	/* {t} */
	tai64n_stamp(ts, wall);
	message_encrypt(out->encrypted_timestamp, ts, sizeof(ts), key, h);

	ret = assign_index(hs, &idx);
	if (ret)
		goto out;
	out->sender_index = idx;

	handshake_zero(hs);
	memcpy(hs->ephemeral_private, e, sizeof(e));
	memcpy(hs->hash, h, sizeof(h));
	memcpy(hs->chaining_key, ck, sizeof(ck));
	hs->local_index = idx;
	hs->has_index = true;
	hs->state = NOISE_HS_CREATED_INITIATION;
out:
	if (ret)
		memset(out, 0, sizeof(*out));
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(h, sizeof(h));
	sodium_memzero(key, sizeof(key));
	sodium_memzero(e, sizeof(e));
	return ret;
}

int noise_consume_initiation(struct noise_local *l, const struct wg_initiation *msg,
			     uint64_t now, struct noise_handshake **peer)
{
	uint8_t ck[WG_HASH_LEN], h[WG_HASH_LEN], key[WG_KEY_LEN], s[WG_KEY_LEN];
	uint8_t t[WG_TIMESTAMP_LEN];
	struct noise_handshake *hs = NULL;
	int ret = -ENOKEY;

	*peer = NULL;
	if (!l->has_identity)
		goto out;
	handshake_start(ck, h, l->public_key);

	/* e */
	mix_ephemeral(ck, h, msg->ephemeral);
	/* es */
	ret = mix_dh(ck, key, l->private_key, msg->ephemeral);
	if (ret)
		goto out;
	/* s */
	ret = message_decrypt(s, msg->encrypted_static, sizeof(msg->encrypted_static), key, h);
	if (ret)
		goto out;
	ret = -ENOENT;
	if (l->ops && l->ops->peer_by_key)
		hs = l->ops->peer_by_key(l->arg, s);
	if (!hs)
		goto out;
	/* ss */
	ret = mix_precomputed_dh(ck, key, hs->precomputed_static_static);
	if (ret)
		goto out;
	/* {t} */
	ret = message_decrypt(t, msg->encrypted_timestamp, sizeof(msg->encrypted_timestamp),
			      key, h);
	if (ret)
		goto out;

	/* Authentic; now the replay and flood rules. */
	ret = -ESTALE;
	if (tai64n_cmp(t, hs->latest_timestamp) <= 0)
		goto out;
	ret = -EBUSY;
	if (hs->has_consumed &&
	    now < hs->last_initiation_consumption + WG_NSEC_PER_SEC / WG_INITIATIONS_PER_SECOND)
		goto out;
	ret = 0;

	handshake_zero(hs);	/* an initiation of ours in flight is dropped */
	memcpy(hs->remote_ephemeral, msg->ephemeral, WG_KEY_LEN);
	memcpy(hs->latest_timestamp, t, sizeof(t));
	memcpy(hs->hash, h, sizeof(h));
	memcpy(hs->chaining_key, ck, sizeof(ck));
	hs->remote_index = msg->sender_index;
	if (!hs->has_consumed || now > hs->last_initiation_consumption)
		hs->last_initiation_consumption = now;
	hs->has_consumed = true;
	hs->state = NOISE_HS_CONSUMED_INITIATION;
	*peer = hs;
out:
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(h, sizeof(h));
	sodium_memzero(key, sizeof(key));
	sodium_memzero(s, sizeof(s));
	sodium_memzero(t, sizeof(t));
	return ret;
}

int noise_create_response(struct noise_handshake *hs, struct wg_response *out)
{
	struct noise_local *l = hs->local;
	uint8_t ck[WG_HASH_LEN], h[WG_HASH_LEN], key[WG_KEY_LEN], e[WG_KEY_LEN];
	uint32_t idx;
	int ret = -EPROTO;

	memset(out, 0, sizeof(*out));
	memcpy(ck, hs->chaining_key, sizeof(ck));
	memcpy(h, hs->hash, sizeof(h));
	if (hs->state != NOISE_HS_CONSUMED_INITIATION)
		goto out;
	ret = -ENOKEY;
	if (!l->has_identity)
		goto out;
	out->receiver_index = hs->remote_index;

	/* e */
	ret = ephemeral_new(l, e, out->ephemeral);
	if (ret)
		goto out;
	mix_ephemeral(ck, h, out->ephemeral);
	/* ee */
	ret = mix_dh(ck, NULL, e, hs->remote_ephemeral);
	if (ret)
		goto out;
	/* se */
	ret = mix_dh(ck, NULL, e, hs->remote_static);
	if (ret)
		goto out;
	/* psk */
	mix_psk(ck, h, key, hs->preshared_key);
	/* {} */
	message_encrypt(out->encrypted_nothing, NULL, 0, key, h);

	ret = assign_index(hs, &idx);
	if (ret)
		goto out;
	out->sender_index = idx;

	memcpy(hs->ephemeral_private, e, sizeof(e));
	memcpy(hs->hash, h, sizeof(h));
	memcpy(hs->chaining_key, ck, sizeof(ck));
	hs->local_index = idx;
	hs->has_index = true;
	hs->state = NOISE_HS_CREATED_RESPONSE;
out:
	if (ret)
		memset(out, 0, sizeof(*out));
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(h, sizeof(h));
	sodium_memzero(key, sizeof(key));
	sodium_memzero(e, sizeof(e));
	return ret;
}

int noise_consume_response(struct noise_local *l, const struct wg_response *msg,
			   struct noise_handshake **peer)
{
	uint8_t ck[WG_HASH_LEN], h[WG_HASH_LEN], key[WG_KEY_LEN];
	struct noise_handshake *hs = NULL;
	int ret = -ENOKEY;

	*peer = NULL;
	memset(ck, 0, sizeof(ck));
	memset(h, 0, sizeof(h));
	memset(key, 0, sizeof(key));
	if (!l->has_identity)
		goto out;
	ret = -ENOENT;
	if (l->ops && l->ops->handshake_by_index)
		hs = l->ops->handshake_by_index(l->arg, msg->receiver_index);
	if (!hs)
		goto out;
	ret = -EPROTO;
	if (hs->state != NOISE_HS_CREATED_INITIATION || !hs->has_index ||
	    hs->local_index != msg->receiver_index)
		goto out;
	memcpy(ck, hs->chaining_key, sizeof(ck));
	memcpy(h, hs->hash, sizeof(h));

	/* e */
	mix_ephemeral(ck, h, msg->ephemeral);
	/* ee */
	ret = mix_dh(ck, NULL, hs->ephemeral_private, msg->ephemeral);
	if (ret)
		goto out;
	/* se */
	ret = mix_dh(ck, NULL, l->private_key, msg->ephemeral);
	if (ret)
		goto out;
	/* psk */
	mix_psk(ck, h, key, hs->preshared_key);
	/* {} */
	ret = message_decrypt(NULL, msg->encrypted_nothing, sizeof(msg->encrypted_nothing),
			      key, h);
	if (ret)
		goto out;

	memcpy(hs->remote_ephemeral, msg->ephemeral, WG_KEY_LEN);
	memcpy(hs->hash, h, sizeof(h));
	memcpy(hs->chaining_key, ck, sizeof(ck));
	hs->remote_index = msg->sender_index;
	hs->state = NOISE_HS_CONSUMED_RESPONSE;
	*peer = hs;
out:
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(h, sizeof(h));
	sodium_memzero(key, sizeof(key));
	return ret;
}

int noise_begin_session(struct noise_handshake *hs, uint64_t now, struct noise_keypair *kp)
{
	memset(kp, 0, sizeof(*kp));
	if (hs->state != NOISE_HS_CREATED_RESPONSE && hs->state != NOISE_HS_CONSUMED_RESPONSE)
		return -EPROTO;

	/* (T_send_i, T_recv_i) = KDF2(ck, empty); the responder's are swapped. */
	kp->is_initiator = hs->state == NOISE_HS_CONSUMED_RESPONSE;
	if (kp->is_initiator)
		wg_kdf(kp->sending.key, kp->receiving.key, NULL, hs->chaining_key,
		       WG_HASH_LEN, NULL, 0);
	else
		wg_kdf(kp->receiving.key, kp->sending.key, NULL, hs->chaining_key,
		       WG_HASH_LEN, NULL, 0);
	kp->sending.birth = kp->receiving.birth = kp->birth = now;
	kp->sending.is_valid = kp->receiving.is_valid = true;
	kp->local_index = hs->local_index;
	kp->remote_index = hs->remote_index;

	handshake_zero(hs);
	hs->has_index = false;
	return 0;
}

void noise_keypair_clear(struct noise_keypair *kp)
{
	sodium_memzero(kp, sizeof(*kp));
}

int noise_data_seal(const struct noise_symmetric_key *k, uint64_t counter,
		    uint8_t *dst, const uint8_t *src, size_t len)
{
	if (!k->is_valid)
		return -ENOKEY;
	return aead_seal(k->key, counter, dst, src, len);
}

int noise_data_open(const struct noise_symmetric_key *k, uint64_t counter,
		    uint8_t *dst, const uint8_t *src, size_t len)
{
	if (!k->is_valid)
		return -ENOKEY;
	return aead_open(k->key, counter, dst, src, len) == 0 ? 0 : -EBADMSG;
}

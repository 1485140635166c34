/* WireGuard's handshake: Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s with the
 * WireGuard identifier as prologue, a TAI64N payload in the initiation and
 * the transport keys split from the final chaining key.
 *
 *   <- s
 *   -> e, es, s, ss, {t}      initiation
 *   <- e, ee, se, psk, {}     response
 *
 * Pure: no clock and no sockets. Monotonic time (ns) and the wall clock are
 * arguments; randomness, local index allocation and the two lookups
 * (public key -> peer, local index -> handshake) are callbacks. The mac1 and
 * mac2 fields are left zero: cookie.h fills them on the packed bytes. */
#ifndef MG_VPN_NOISE_H
#define MG_VPN_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "vpn/messages.h"

struct noise_handshake;

struct noise_ops {
	/* Fills buf with len random bytes. NULL: libsodium's randombytes_buf. */
	void (*rng)(void *arg, void *buf, size_t len);
	/* Gives hs a fresh unused local index and maps it to hs. If
	 * hs->has_index, hs->local_index is the handshake's previous index,
	 * which is now stale: drop it. On failure (-errno) leave both as
	 * they were. */
	int (*index_assign)(void *arg, struct noise_handshake *hs, uint32_t *index);
	/* The handshake of the peer with this static public key, or NULL. */
	struct noise_handshake *(*peer_by_key)(void *arg, const uint8_t key[WG_KEY_LEN]);
	/* The handshake that holds local index `index`, or NULL (also when
	 * the index now belongs to a keypair). */
	struct noise_handshake *(*handshake_by_index)(void *arg, uint32_t index);
};

/* This node: its static identity and the callbacks. */
struct noise_local {
	uint8_t private_key[WG_KEY_LEN];
	uint8_t public_key[WG_KEY_LEN];
	bool has_identity;
	const struct noise_ops *ops;
	void *arg;
};

enum noise_handshake_state {
	NOISE_HS_ZEROED,
	NOISE_HS_CREATED_INITIATION,
	NOISE_HS_CONSUMED_INITIATION,
	NOISE_HS_CREATED_RESPONSE,
	NOISE_HS_CONSUMED_RESPONSE,
};

/* Per peer: configuration, the exchange in progress, replay state. */
struct noise_handshake {
	struct noise_local *local;
	uint8_t remote_static[WG_KEY_LEN];
	uint8_t precomputed_static_static[WG_KEY_LEN];	/* zero: unusable peer key */
	uint8_t preshared_key[WG_KEY_LEN];		/* zero: none */

	enum noise_handshake_state state;
	uint8_t ephemeral_private[WG_KEY_LEN];
	uint8_t remote_ephemeral[WG_KEY_LEN];
	uint8_t hash[WG_HASH_LEN];
	uint8_t chaining_key[WG_HASH_LEN];
	uint32_t local_index;				/* meaningful while has_index */
	uint32_t remote_index;
	bool has_index;

	/* Initiation replay and flood protection, kept across exchanges. */
	uint8_t latest_timestamp[WG_TIMESTAMP_LEN];
	uint64_t last_initiation_consumption;		/* ns, while has_consumed */
	bool has_consumed;
};

struct noise_symmetric_key {
	uint8_t key[WG_KEY_LEN];
	uint64_t birth;					/* ns */
	bool is_valid;
};

/* A session's transport keys: plain data, no allocation, for the data path. */
struct noise_keypair {
	struct noise_symmetric_key sending;
	struct noise_symmetric_key receiving;
	uint64_t sending_counter;
	uint32_t local_index;				/* receiver index of incoming data */
	uint32_t remote_index;				/* receiver index we send */
	uint64_t birth;					/* ns */
	bool is_initiator;
};

/* X25519 public key of a private key (clamped as X25519 does). */
int noise_public_key(uint8_t pub[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN]);

void noise_local_init(struct noise_local *l, const struct noise_ops *ops, void *arg);
/* Sets (clamps and stores) the static private key. Every handshake of
 * this local then needs noise_handshake_precompute(). */
int noise_local_set_private_key(struct noise_local *l, const uint8_t priv[WG_KEY_LEN]);
void noise_local_clear(struct noise_local *l);		/* wipes the identity */

/* psk may be NULL (no pre-shared key). Precomputes DH(local, remote). */
void noise_handshake_init(struct noise_handshake *hs, struct noise_local *local,
			  const uint8_t remote_static[WG_KEY_LEN],
			  const uint8_t psk[WG_KEY_LEN]);
void noise_handshake_precompute(struct noise_handshake *hs);
void noise_handshake_set_psk(struct noise_handshake *hs, const uint8_t psk[WG_KEY_LEN]);
/* Forgets the exchange in progress; keeps configuration and replay state.
 * The caller drops hs->local_index from its table first if hs->has_index. */
void noise_handshake_clear(struct noise_handshake *hs);
void noise_handshake_fini(struct noise_handshake *hs);	/* wipes everything */

/* Errors: -ENOKEY no local identity or unusable peer key; -EBADMSG failed
 * authentication or a zero DH result; -ENOENT no such peer or index;
 * -ESTALE initiation timestamp not newer than the last accepted one;
 * -EBUSY initiation within 1/50 s of the last accepted one; -EPROTO wrong
 * handshake state; or what index_assign returned. On any error the
 * handshake is unchanged. */

/* Initiator: a fresh initiation; `wall` is the real-time clock. */
int noise_create_initiation(struct noise_handshake *hs, const struct timespec *wall,
			    struct wg_initiation *out);
/* Responder: authenticates msg and sets *peer to the sender's handshake,
 * now in CONSUMED_INITIATION. `now` is monotonic ns. */
int noise_consume_initiation(struct noise_local *l, const struct wg_initiation *msg,
			     uint64_t now, struct noise_handshake **peer);
/* Responder: the response to the consumed initiation. */
int noise_create_response(struct noise_handshake *hs, struct wg_response *out);
/* Initiator: authenticates msg against the handshake holding its receiver
 * index; sets *peer to it, now in CONSUMED_RESPONSE. */
int noise_consume_response(struct noise_local *l, const struct wg_response *msg,
			   struct noise_handshake **peer);
/* Derives the keypair once the handshake is complete (after
 * create_response or consume_response) and clears the handshake. The
 * handshake's local index passes to the keypair (kp->local_index): re-point
 * the index table at the keypair. */
int noise_begin_session(struct noise_handshake *hs, uint64_t now, struct noise_keypair *kp);
void noise_keypair_clear(struct noise_keypair *kp);

/* ChaCha20-Poly1305 of a data payload with counter as nonce and no AD.
 * seal writes len + WG_AUTHTAG_LEN bytes; open reads len >= WG_AUTHTAG_LEN
 * and writes len - WG_AUTHTAG_LEN. dst may equal src. 0 or -EBADMSG. */
int noise_data_seal(const struct noise_symmetric_key *k, uint64_t counter,
		    uint8_t *dst, const uint8_t *src, size_t len);
int noise_data_open(const struct noise_symmetric_key *k, uint64_t counter,
		    uint8_t *dst, const uint8_t *src, size_t len);

#endif

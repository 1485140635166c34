/* `meshgate join TOKEN`: the joiner's side, as functions the tool calls.
 *
 * join_client_run parses the token, makes the new node's keys, sends a
 * JOIN_REQUEST (vpn/mesh/join.h) to the token's endpoints in turn from an
 * ephemeral UDP socket, resending with backoff, and checks the reply.
 * join_client_write_state then stores what was received:
 *   STATE_DIR/network.pub   the network public key, base64, one line
 *   STATE_DIR/node.key      the node's Ed25519 seed (keys/keyfile.h KEYFILE_NODE)
 *   STATE_DIR/private.key   the WireGuard private key as `wg genkey` prints it, 0600
 *   STATE_DIR/record        the node's signed record, as received
 *   STATE_DIR/bootstrap     the inviter's record and announcement:
 *                           u16 BE length | record | u16 BE length (0: none) | announcement */
#ifndef MG_VPN_MESH_JOIN_CLIENT_H
#define MG_VPN_MESH_JOIN_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "keys/announce.h"
#include "keys/netkey.h"
#include "keys/record.h"
#include "keys/token.h"
#include "vpn/mesh/join.h"

#define JOIN_CLIENT_TIMEOUT_MS 30000
#define JOIN_CLIENT_RETRY_MS 1000
#define JOIN_CLIENT_ERR_MAX 512
#define JOIN_BOOTSTRAP_MAX (2 + RECORD_WIRE_MAX + 2 + ANNOUNCE_WIRE_MAX)

struct join_client_opts {
	unsigned timeout_ms;             /* the whole exchange; 0: JOIN_CLIENT_TIMEOUT_MS */
	unsigned retry_ms;               /* first resend interval; 0: JOIN_CLIENT_RETRY_MS */
	uint64_t now;                    /* unix seconds; 0: the system clock */
};

struct join_result {
	uint8_t wg_private[32];                  /* clamped, as wg genkey */
	uint8_t wg_public[32];
	uint8_t node_secret[NETKEY_SECRET_LEN];  /* seed || public key */
	uint8_t node_public[NETKEY_PUB_LEN];
	uint8_t network_pub[NETKEY_PUB_LEN];
	struct record record;                    /* ours, verified */
	size_t record_len;
	uint8_t record_bytes[RECORD_WIRE_MAX];
	struct record inviter;                   /* verified */
	size_t inviter_record_len;
	uint8_t inviter_record[RECORD_WIRE_MAX];
	size_t inviter_announce_len;             /* 0 for none */
	uint8_t inviter_announce[ANNOUNCE_WIRE_MAX];
	char network_name[WIRE_LABEL_MAX + 1];   /* what the inviter calls it; "" if unsaid */
	char endpoint[WIRE_HOST_MAX + 8];        /* "host:port" (or "[v6]:port") that answered */
	char error[JOIN_CLIENT_ERR_MAX];         /* on failure: what to tell the user */
};

/* Joins with a pasted token. 0 with res filled; on failure -errno with
 * res->error saying why: -EINVAL (not a token), -EPROTONOSUPPORT (a token
 * of another version), -EKEYEXPIRED (expired: nothing was sent),
 * -EHOSTUNREACH (no endpoint could be resolved or sent to), -ENOENT (every
 * endpoint answered it knows no such invitation), -EACCES (the inviter
 * refused: expired, used, other), -EBADMSG (the reply does not check out),
 * -ETIMEDOUT (no answer). Secrets in res: join_result_wipe when done. */
int join_client_run(const char *token_text, unsigned timeout_ms, struct join_result *res);
int join_client_run_opts(const char *token_text, const struct join_client_opts *opts,
                         struct join_result *res);
void join_result_wipe(struct join_result *res);

/* The checks join_client_run makes of an accepted reply (pure): the
 * network key is the token's network; the record is signed by it and is
 * the one asked for (the token's name, site and role, these keys); the
 * inviter's record verifies and so does its announcement if any. 0 with
 * own and inviter filled; -EBADMSG or -EKEYEXPIRED with *why set. */
int join_reply_verify(const struct join_reply *rep, const struct token *tok,
                      const uint8_t wg_pub[32], const uint8_t node_pub[NETKEY_PUB_LEN],
                      uint64_t now, struct record *own, struct record *inviter,
                      const char **why);

/* Writes the files above into state_dir (made 0700 if missing). Refuses,
 * -EEXIST, when a node identity is there already (network.pub, node.key,
 * private.key or record): it is never replaced. 0 or -errno, with err
 * saying why for people. */
int join_client_write_state(const char *state_dir, const struct join_result *res,
                            char *err, size_t errlen);

/* Reads STATE_DIR/bootstrap back: the record and announcement bytes (not
 * verified; the store does that). 0, -EINVAL malformed, or -errno. */
int join_bootstrap_decode(const uint8_t *buf, size_t len, uint8_t *rec, size_t *rec_len,
                          uint8_t *ann, size_t *ann_len);
int join_bootstrap_read(const char *path, uint8_t rec[RECORD_WIRE_MAX], size_t *rec_len,
                        uint8_t ann[ANNOUNCE_WIRE_MAX], size_t *ann_len);

#endif

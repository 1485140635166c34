/* A member's identity on disk, in [node] state-dir (0700):
 *   network.pub   the network's public key, one base64 line
 *   network.key   the network's secret (key holders only: init made it)
 *   node.key      this node's Ed25519 key, which signs its announcements
 *   private.key   this node's WireGuard key, as wg genkey writes it
 *   record        this node's record as the network key signed it
 * meshgate init and meshgate join write them; meshgated reads them. Every
 * file is written crash-safely and secrets are 0600. */
#ifndef MG_KEYS_STATE_H
#define MG_KEYS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/netkey.h"
#include "keys/record.h"

#define STATE_NETWORK_PUB "network.pub"
#define STATE_NETWORK_KEY "network.key"
#define STATE_NODE_KEY "node.key"
#define STATE_WG_KEY "private.key"
#define STATE_RECORD "record"
#define STATE_PATH_MAX 512

struct state_identity {
	uint8_t network_pub[NETKEY_PUB_LEN];
	bool has_network_key;
	uint8_t network_secret[NETKEY_SECRET_LEN];
	uint8_t node_pub[NETKEY_PUB_LEN];
	uint8_t node_secret[NETKEY_SECRET_LEN];
	struct record rec;
	uint8_t rec_wire[RECORD_WIRE_MAX];
	size_t rec_len;
};

/* dir/name into out[STATE_PATH_MAX]; -ENAMETOOLONG. */
int state_path(char *out, const char *dir, const char *name);

/* Reads and cross-checks the identity: the record must be signed by the
 * network key (an expired one is still loaded: renewing needs it), carry
 * node.key's public half, and, given wg_pub, that WireGuard key. 0 or
 * -errno with what is wrong, and what to do, in why. */
int state_load(const char *dir, const uint8_t *wg_pub, uint64_t now,
               struct state_identity *id, char *why, size_t whylen);

/* Each writes one file; they refuse to replace an existing identity
 * (-EEXIST) except the record, which renewals replace. */
int state_write_network_pub(const char *dir, const uint8_t pub[NETKEY_PUB_LEN]);
int state_write_network_key(const char *dir, const uint8_t secret[NETKEY_SECRET_LEN]);
int state_write_node_key(const char *dir, const uint8_t secret[NETKEY_SECRET_LEN]);
int state_write_wg_key(const char *dir, const uint8_t priv[32]);
int state_write_record(const char *dir, const uint8_t *wire, size_t len);

/* Whether dir already holds a node identity (record or node key). */
bool state_exists(const char *dir);

void state_identity_wipe(struct state_identity *id);

#endif

/* Gossip of the membership store between the peers this node has
 * sessions with: flooding of what is new, and anti-entropy so that a
 * restart, a lost frame or a partition heals. Pure: frames go out through
 * ops->send, time and frames come in as arguments.
 *
 * - A peer coming up, and each tick one random peer and the peers not
 *   known to be in sync, get a HASH of our summary.
 * - A HASH equal to ours marks its sender in sync (answered once with
 *   ours, so it learns it too); a different one starts streaming our
 *   SUMMARY chunks to it, a few per tick.
 * - A SUMMARY chunk is compared with the store: a WANT for what the peer
 *   has newer or we lack, an OBJECT for what we have newer or it lacks.
 * - A WANT is answered with the OBJECTs.
 * - An OBJECT is offered to the store; NEW or UPDATED ones are flooded to
 *   every other peer, and a STALE one is answered with ours.
 * - gossip_publish floods a local object to every peer.
 * Every frame to a peer comes out of its budget, refilled each tick, so a
 * peer that floods us has all its frames processed but gets few replies;
 * what is dropped the next anti-entropy round sends again. */
#ifndef MG_VPN_MESH_GOSSIP_H
#define MG_VPN_MESH_GOSSIP_H

#include <stddef.h>
#include <stdint.h>

#include "vpn/mesh/frame.h"
#include "vpn/mesh/store.h"

struct gossip_ops {
	/* Sends one frame to one peer. The frame is the caller's after the
	 * call; the callee must not call back into the gossip. */
	void (*send)(void *arg, void *peer, const uint8_t *frame, size_t len);
	/* A uniformly random number; NULL uses libsodium's. */
	uint32_t (*rand)(void *arg);
};

struct gossip_conf {
	unsigned peer_budget;        /* frames to one peer per tick */
	unsigned summary_per_tick;   /* SUMMARY chunks to one peer per tick */
	unsigned hash_per_tick;      /* HASHes to peers out of sync per tick */
};

#define GOSSIP_PEER_BUDGET 128
#define GOSSIP_SUMMARY_PER_TICK 8
#define GOSSIP_HASH_PER_TICK 16

struct gossip_stats {
	uint64_t rx[MESH_FRAME_TYPES];       /* by frame type */
	uint64_t tx[MESH_FRAME_TYPES];
	uint64_t rx_malformed;
	uint64_t rx_unknown_peer;
	uint64_t tx_over_budget;             /* frames not sent */
	uint64_t verdicts[MESH_VERDICTS];    /* of objects received and published */
};

struct gossip;

/* conf NULL (or a 0 field) takes the defaults above. NULL on -ENOMEM. */
struct gossip *gossip_new(struct mesh_store *store, const struct gossip_ops *ops, void *arg,
                          const struct gossip_conf *conf);
void gossip_free(struct gossip *g);

/* Peers are the caller's handles. 0, -EEXIST, -ENOMEM; 0 or -ENOENT. */
int gossip_peer_add(struct gossip *g, void *peer);
int gossip_peer_remove(struct gossip *g, void *peer);
size_t gossip_peer_count(const struct gossip *g);
/* Called when a session with the peer is up: it gets our HASH. */
void gossip_peer_up(struct gossip *g, void *peer);

/* A frame received from peer (padding included), at unix time now. 0;
 * -EINVAL malformed (counted, dropped); -ENOENT not a registered peer. */
int gossip_receive(struct gossip *g, void *peer, const uint8_t *buf, size_t len, uint64_t now);
/* Called every few seconds: expires records, refills budgets, continues
 * summaries and sends HASHes. */
void gossip_tick(struct gossip *g, uint64_t now);
/* Offers a locally made object and floods it if the store took it. */
enum mesh_verdict gossip_publish(struct gossip *g, uint8_t kind, const uint8_t *bytes,
                                 size_t len, uint64_t now);

const struct gossip_stats *gossip_stats(const struct gossip *g);

#endif

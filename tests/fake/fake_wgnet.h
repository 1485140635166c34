/* A fake network for the WireGuard engine's tests: up to FNET_NODES
 * devices, each with a fixed key at its own UDP endpoint (127.0.0.N), joined
 * by a queue of datagrams, on the virtual-time loop. Every (peer, timer)
 * of every device is a loop_timer, so timers fire at their exact virtual
 * deadlines; randomness and the wall clock are deterministic.
 *
 * Sends never reach another device during the engine call that made them:
 * they are queued and fnet_pump() delivers them, in order, at the same
 * virtual instant, until the network is quiet. Timer callbacks pump. */
#ifndef MG_TESTS_FAKE_WGNET_H
#define MG_TESTS_FAKE_WGNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpn/device.h"

#define FNET_NODES 3
#define FNET_MAX_DGRAM 2048
#define FNET_QUEUE 256
#define FNET_LOG 256
#define FNET_HIST 8

struct fnet;

struct fnet_dgram {
	int from, to;			/* node ids; to -1: nobody at that address */
	uint64_t at;			/* virtual ns */
	struct wg_endpoint dst;
	size_t len;
	uint8_t buf[FNET_MAX_DGRAM];
};

struct fnet_node {
	struct fnet *net;
	int id;
	struct wg_device *dev;
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	struct wg_endpoint addr;	/* where it listens and sends from */
	bool under_load;
	uint64_t rng_state;

	unsigned int sent[5];		/* datagrams sent, by message type */
	unsigned int delivered;		/* IP packets handed to the "TUN" */
	struct wg_peer *last_peer;
	size_t last_len;
	uint8_t last[FNET_MAX_DGRAM];
	/* the last FNET_HIST packets: packet i is hist[i % FNET_HIST] */
	size_t hist_len[FNET_HIST];
	uint8_t hist[FNET_HIST][FNET_MAX_DGRAM];
	/* control messages (fnet_new_control only) */
	unsigned int controls;
	struct wg_peer *last_control_peer;
	size_t last_control_len;
	uint8_t last_control[FNET_MAX_DGRAM];
};

/* Drops a datagram in flight when it returns true. */
typedef bool (*fnet_filter_fn)(void *ctx, const struct fnet_dgram *d);

int fnet_new(struct fnet **out, unsigned int nodes);
/* The same with nodes that take the mesh's control messages (ops->control). */
int fnet_new_control(struct fnet **out, unsigned int nodes);
void fnet_free(struct fnet *net);
struct fnet_node *fnet_node(struct fnet *net, int id);
struct loop *fnet_loop(struct fnet *net);
uint64_t fnet_now(const struct fnet *net);
void fnet_set_filter(struct fnet *net, fnet_filter_fn fn, void *ctx);

/* Node a gets node b as a peer at b's endpoint, allowed `allowed` (a
 * comma-separated prefix list; NULL: b's own 10.0.0.(b+1)/32 and
 * fd00::(b+1)/128). */
struct wg_peer *fnet_add_peer(struct fnet *net, int a, int b, const char *allowed);
/* Peers both ways with the default allowed IPs. */
void fnet_pair(struct fnet *net, int a, int b);
/* Moves node a to a new UDP endpoint (roaming). */
void fnet_move(struct fnet *net, int a, const char *ip, uint16_t port);

/* Builds an IPv4 or IPv6 packet (by the address family) of `payload`
 * bytes of `fill` and sends it from node a through wg_device_tx; pumps.
 * Returns the packet's length. */
size_t fnet_send_ip(struct fnet *net, int a, const char *src, const char *dst, size_t payload,
		    uint8_t fill);
/* The same packet into buf + WG_TX_HEADROOM without sending (len returned). */
size_t fnet_build_ip(uint8_t *buf, size_t cap, const char *src, const char *dst, size_t payload,
		     uint8_t fill);
/* Feeds a copy of buf to node `to` as if it came from `from`; pumps. */
void fnet_inject(struct fnet *net, int to, const struct wg_endpoint *from, const uint8_t *buf,
		 size_t len);

void fnet_pump(struct fnet *net);
void fnet_advance(struct fnet *net, uint64_t ns);	/* timers fire on the way */
void fnet_advance_to(struct fnet *net, uint64_t when);

/* The n-th most recent datagram (0: latest) sent by node `from` of message
 * type `type` (0: any), or NULL. */
const struct fnet_dgram *fnet_sent(const struct fnet *net, int from, int type, unsigned int n);
unsigned int fnet_lost(const struct fnet *net);		/* datagrams the filter dropped */
/* Timers armed for node a's peers. */
unsigned int fnet_armed(struct fnet *net, int a);
/* When timer t of peer p is armed, or 0. */
uint64_t fnet_timer_at(struct fnet *net, struct wg_peer *p, enum wg_timer t);

#endif

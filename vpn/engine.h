/* The engine's insides, shared by device.c (device, tables), peer.c (peer
 * life, keypair slots, staging), timers.c, send.c and receive.c. Not an
 * API: everything outside vpn/ uses vpn/device.h. */
#ifndef MG_VPN_ENGINE_H
#define MG_VPN_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/replay.h"
#include "lib/trie.h"
#include "vpn/cookie.h"
#include "vpn/device.h"
#include "vpn/index.h"
#include "vpn/noise.h"
#include "vpn/ratelimit.h"

/* current, previous and next, plus room for the one being born before the
 * rotation frees another: a keypair never needs an allocation. */
#define WG_KEYPAIR_SLOTS 4
#define WG_PEER_BUCKETS 256

struct wg_keypair {
	struct noise_keypair noise;
	struct replay_window replay;
	struct wg_index_entry entry;
	bool in_use;
};

struct wg_staged;

struct wg_peer {
	struct wg_device *dev;
	struct wg_peer *list_prev, *list_next;	/* the device's list, in order added */
	struct wg_peer *bucket_next;		/* by public key */
	void *user;

	struct noise_handshake hs;
	struct wg_index_entry hs_entry;
	struct cookie_maker cookie;
	struct wg_keypair slots[WG_KEYPAIR_SLOTS];
	struct wg_keypair *current, *previous, *next;

	struct wg_endpoint endpoint;
	struct wg_staged *staged;		/* allocated on first use */

	uint64_t timer_at[WG_TIMER_COUNT];	/* ns; 0: not armed */
	unsigned int handshake_attempts;
	bool need_another_keepalive;
	bool sent_lastminute_handshake;
	bool has_sent_handshake;
	uint64_t last_sent_handshake;		/* ns, while has_sent_handshake */
	uint16_t persistent_keepalive;		/* seconds */

	uint64_t rx_bytes, tx_bytes;
	struct timespec last_handshake;
};

struct wg_device {
	const struct wg_ops *ops;
	void *arg;
	struct noise_local local;
	struct noise_ops noise_ops;
	struct cookie_checker checker;
	struct wg_ratelimit ratelimit;		/* handshakes under load, per source */
	struct trie *allowed;			/* prefix -> peer */
	struct wg_peer *buckets[WG_PEER_BUCKETS];
	struct wg_peer *first, *last;
	size_t peer_count;
	unsigned int mtu;
	struct wg_device_stats stats;
	struct wg_index_table index;
};

#define wg_container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

/* device.c */
void wg_random(struct wg_device *d, void *buf, size_t len);
uint64_t wg_random_below(struct wg_device *d, uint64_t bound);	/* uniform in [0, bound) */
void wg_wall_clock(struct wg_device *d, struct timespec *ts);
/* An endpoint's address and port as the cookie code takes them. */
void wg_endpoint_addr(const struct wg_endpoint *ep, struct mg_addr *a, uint16_t *port);
bool wg_endpoint_known(const struct wg_endpoint *ep);
/* One datagram to the peer's endpoint; false (nothing sent) without one. */
bool wg_send_to_peer(struct wg_peer *p, const uint8_t *buf, size_t len);
/* Peers in the tables by public key and in the ordered list. */
void wg_device_link_peer(struct wg_device *d, struct wg_peer *p);
void wg_device_unlink_peer(struct wg_device *d, struct wg_peer *p);
/* The kernel's birthdate test: true once now >= birth + seconds. */
static inline bool wg_expired(uint64_t birth, uint64_t seconds, uint64_t now)
{
	return now >= birth + seconds * 1000000000ULL;
}

/* peer.c: keypairs */
struct wg_keypair *wg_keypair_slot(struct wg_peer *p);	/* a free slot, marked in use */
void wg_keypair_drop(struct wg_peer *p, struct wg_keypair *kp);	/* NULL is fine */
/* Files a new session's keypair by the kernel's rotation rules. */
void wg_keypair_install(struct wg_peer *p, struct wg_keypair *kp);
/* True if kp was the unconfirmed next keypair, now current. */
bool wg_keypair_confirm(struct wg_peer *p, struct wg_keypair *kp);
void wg_keypairs_clear(struct wg_peer *p);
/* Stops sending on the current and next keypairs, drops the handshake and
 * lets a new initiation go at once (after the identity changed). */
void wg_keypairs_expire(struct wg_peer *p);
/* Forgets the exchange in progress and its index. */
void wg_peer_clear_handshake(struct wg_peer *p);
/* Derives the session of a completed handshake into a free slot, files it
 * and maps the handshake's index to it. */
int wg_peer_begin_session(struct wg_peer *p, uint64_t now);

/* peer.c: packets waiting for a session, in a ring of WG_MAX_STAGED slots,
 * each with the headroom and tailroom to be sealed where it lies. */
unsigned int wg_staged_count(const struct wg_peer *p);
/* Copies pkt in; when the ring is full the oldest packet goes. false (and
 * counted) if pkt does not fit a slot or the ring cannot be allocated. */
bool wg_staged_push(struct wg_peer *p, const uint8_t *pkt, size_t len);
/* The oldest packet as a buffer with WG_TX_HEADROOM before it; NULL: none. */
uint8_t *wg_staged_peek(struct wg_peer *p, size_t *len, size_t *cap);
void wg_staged_pop(struct wg_peer *p);
void wg_staged_purge(struct wg_peer *p);	/* counted as dropped */
void wg_staged_free(struct wg_peer *p);

/* timers.c: the events, each named after what calls it. */
void wg_timers_data_sent(struct wg_peer *p, uint64_t now);
void wg_timers_data_received(struct wg_peer *p, uint64_t now);
void wg_timers_any_authenticated_packet_sent(struct wg_peer *p);
void wg_timers_any_authenticated_packet_received(struct wg_peer *p);
void wg_timers_handshake_initiated(struct wg_peer *p, uint64_t now);
void wg_timers_handshake_complete(struct wg_peer *p);
void wg_timers_session_derived(struct wg_peer *p, uint64_t now);
void wg_timers_any_authenticated_packet_traversal(struct wg_peer *p, uint64_t now);
void wg_timers_persistent_keepalive_off(struct wg_peer *p);
void wg_timers_stop(struct wg_peer *p);

/* send.c */
void wg_send_handshake_initiation(struct wg_peer *p, uint64_t now, bool is_retry);
void wg_send_handshake_response(struct wg_peer *p, uint64_t now);
void wg_send_cookie_reply(struct wg_device *d, const struct wg_endpoint *to,
			  const uint8_t *msg, size_t len, uint32_t sender_index, uint64_t now);
void wg_send_keepalive(struct wg_peer *p, uint64_t now);
void wg_send_staged(struct wg_peer *p, uint64_t now);

#endif

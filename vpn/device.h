/* The WireGuard engine: peers, sessions, cryptokey routing and timers.
 *
 * Pure like the rest of vpn/: bytes in, bytes out through callbacks, time as
 * an argument. vpn/io.c (later) owns the TUN and UDP sockets and the event
 * loop's timers; tests drive two engines against each other with the fake
 * loop. The engine never blocks and never allocates per packet.
 *
 *   TUN packet  -> wg_device_tx()  -> ops->send()     (encrypted datagrams)
 *   datagram    -> wg_device_rx()  -> ops->deliver()  (decrypted IP packets)
 *                                  -> ops->send()     (handshake replies)
 *   timer fired -> wg_peer_timer_fired()
 *
 * Buffers: wg_device_tx() takes an IP packet at buf + WG_TX_HEADROOM with
 * WG_TX_TAILROOM free after it, and encrypts it in place (header before,
 * padding and tag after). wg_device_rx() decrypts in place and delivers a
 * pointer into the same buffer. So one buffer carries a packet end to end.
 *
 * Times (`now`, `when`) are monotonic nanoseconds that never go back (the
 * kernel uses boottime, which keeps counting through suspend).
 *
 * Single-threaded: one caller at a time per device. Callbacks run inside
 * the engine's calls and must not call back into the same device; an I/O
 * layer that loops datagrams back (a test network) queues them and feeds
 * them in after the call returns. The behaviour follows the Linux module
 * (drivers/net/wireguard) rule for rule: docs in vpn/timers.c, send.c and
 * receive.c say which. */
#ifndef MG_VPN_DEVICE_H
#define MG_VPN_DEVICE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/addr.h"
#include "vpn/messages.h"

#define WG_TX_HEADROOM WG_DATA_HEADER_LEN
#define WG_TX_TAILROOM (WG_DATA_PADDING - 1 + WG_AUTHTAG_LEN)
#define WG_MAX_STAGED 128           /* packets queued per peer while a handshake runs */
#define WG_DEFAULT_MTU 1420         /* the kernel's and wg-quick's default */

struct wg_device;
struct wg_peer;

/* Where a peer is, and which local address it wrote to (so replies leave
 * from the address it expects: a virtual IP, say). */
struct wg_endpoint {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} addr;                         /* sa_family 0: unknown */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} src;                          /* all zero: let the kernel choose */
	int src_ifindex;
};

enum wg_timer {
	WG_TIMER_RETRANSMIT_HANDSHAKE,
	WG_TIMER_SEND_KEEPALIVE,
	WG_TIMER_NEW_HANDSHAKE,
	WG_TIMER_ZERO_KEY_MATERIAL,
	WG_TIMER_PERSISTENT_KEEPALIVE,
	WG_TIMER_COUNT,
};

struct wg_ops {
	/* One datagram to ep; the I/O layer may batch until flush. peer is
	 * NULL for a cookie reply (sent to whoever asked). buf is only valid
	 * during the call. */
	void (*send)(void *arg, struct wg_peer *peer, const struct wg_endpoint *ep,
	             const uint8_t *buf, size_t len);
	/* One decrypted IP packet for the TUN. */
	void (*deliver)(void *arg, struct wg_peer *peer, uint8_t *pkt, size_t len);
	/* A decrypted payload that is not an IP packet (first nibble neither
	 * 4 nor 6): a control message of the mesh, with WireGuard's zero
	 * padding still after it. NULL: such payloads are dropped as
	 * rx_bad_inner, as stock WireGuard does. */
	void (*control)(void *arg, struct wg_peer *peer, const uint8_t *msg, size_t len);
	/* Arm a peer's timer at absolute monotonic `when` ns, or disarm it (when 0).
	 * Re-arming an armed timer moves it. */
	void (*timer)(void *arg, struct wg_peer *peer, enum wg_timer t, uint64_t when);
	/* Wall clock for TAI64N timestamps; NULL: clock_gettime(CLOCK_REALTIME). */
	void (*wall_clock)(void *arg, struct timespec *ts);
	/* Random bytes; NULL: libsodium. Tests make it deterministic. */
	void (*rng)(void *arg, void *buf, size_t len);
	/* True while the device is under load: handshakes then need a cookie.
	 * NULL: never. (The kernel says so while its handshake queue is an
	 * eighth full, and for a second after.) */
	bool (*under_load)(void *arg);
};

/* Counted drops; every rejected datagram or packet lands in one of these. */
struct wg_device_stats {
	uint64_t rx_bad_type;           /* unknown type or wrong size for its type */
	uint64_t rx_bad_mac;            /* mac1 (or mac2 under load) wrong */
	uint64_t rx_cookie_sent;
	uint64_t rx_ratelimited;        /* under load, a source past 20 handshakes/s */
	uint64_t rx_bad_cookie;         /* cookie reply that does not answer our last mac1 */
	uint64_t rx_handshake_failed;   /* authentication, unknown peer, replay, flood */
	uint64_t rx_unknown_index;      /* data or cookie reply for no index of ours */
	uint64_t rx_decrypt_failed;
	uint64_t rx_replayed;
	uint64_t rx_expired_key;
	uint64_t rx_bad_inner;          /* not IPv4/IPv6, or length fields disagree */
	uint64_t rx_source_not_allowed; /* inner source outside the peer's allowed IPs */
	uint64_t rx_control;            /* control messages handed to ops->control */
	uint64_t tx_bad_packet;         /* not IPv4/IPv6, or shorter than its header */
	uint64_t tx_no_route;           /* no peer's allowed IPs hold the destination */
	uint64_t tx_no_endpoint;
	uint64_t tx_staged_dropped;     /* staging queue full, packet too big for it, no
	                                 * memory, or dropped when a handshake gave up */
};

struct wg_peer_info {
	uint8_t public_key[WG_KEY_LEN];
	struct wg_endpoint endpoint;
	uint64_t rx_bytes, tx_bytes;     /* whole datagrams, handshakes included */
	struct timespec last_handshake;  /* wall clock; zero: never */
	uint16_t persistent_keepalive;   /* seconds; 0: off */
	bool has_psk;
	uint8_t psk[WG_KEY_LEN];         /* what UAPI's get=1 prints; wipe after use */
	bool has_session;                /* a current keypair that may still send */
	unsigned int staged;             /* packets waiting for a session */
};

int wg_device_new(const struct wg_ops *ops, void *arg, struct wg_device **out);
void wg_device_free(struct wg_device *d);     /* removes every peer first */
/* Sets the static identity (NULL: none) and, as the kernel does, ends every
 * peer's sessions and handshakes: they were keyed for the old identity.
 * The same key again changes nothing. -EEXIST, changing nothing, if a peer
 * has the matching public key (the kernel silently removes that peer; the
 * caller does it explicitly here, since it owns the peer's user data). */
int wg_device_set_private_key(struct wg_device *d, const uint8_t key[WG_KEY_LEN], uint64_t now);
/* The identity's keys (the private one, clamped, for UAPI's get=1); false
 * when there is none. */
bool wg_device_public_key(const struct wg_device *d, uint8_t key[WG_KEY_LEN]);
bool wg_device_private_key(const struct wg_device *d, uint8_t key[WG_KEY_LEN]);
/* The TUN's MTU: padding never takes a packet past it, and staged packets
 * may be this long. 68..65535 (-EINVAL otherwise); default WG_DEFAULT_MTU. */
int wg_device_set_mtu(struct wg_device *d, unsigned int mtu);
const struct wg_device_stats *wg_device_stats(const struct wg_device *d);

/* -EEXIST if the key is a peer already, -EINVAL if it is our own public
 * key, -ENOMEM. */
int wg_peer_add(struct wg_device *d, const uint8_t public_key[WG_KEY_LEN], struct wg_peer **out);
void wg_peer_remove(struct wg_peer *p);        /* disarms its timers, wipes its keys */
struct wg_peer *wg_peer_find(struct wg_device *d, const uint8_t public_key[WG_KEY_LEN]);
int wg_peer_set_psk(struct wg_peer *p, const uint8_t psk[WG_KEY_LEN]);   /* NULL: none */
void wg_peer_set_endpoint(struct wg_peer *p, const struct wg_endpoint *ep);
/* Persistent keepalive; turning it on sends a keepalive at once (which
 * starts a handshake if there is no session), as the kernel does. */
void wg_peer_set_keepalive(struct wg_peer *p, uint16_t seconds, uint64_t now);
/* Routes prefix to p, taking it from another peer that had it. */
int wg_peer_allow(struct wg_peer *p, const struct mg_prefix *prefix);
void wg_peer_clear_allowed(struct wg_peer *p);
void wg_peer_get_info(const struct wg_peer *p, struct wg_peer_info *info);
/* One pointer of the caller's per peer (its timers, say); NULL at first. */
void wg_peer_set_user(struct wg_peer *p, void *user);
void *wg_peer_user(const struct wg_peer *p);
/* Calls fn for each peer, in the order added (fn may remove the peer it is
 * given), or for each allowed prefix of a peer (IPv4 first, by address). */
void wg_device_for_each_peer(struct wg_device *d, void (*fn)(struct wg_peer *p, void *ctx),
                             void *ctx);
void wg_peer_for_each_allowed(struct wg_peer *p,
                              void (*fn)(const struct mg_prefix *pfx, void *ctx), void *ctx);

/* An IP packet from the TUN at buf + WG_TX_HEADROOM, len bytes, routed by
 * its destination. The buffer is the engine's until the call returns. */
void wg_device_tx(struct wg_device *d, uint8_t *buf, size_t len, uint64_t now);
/* The same for a payload that goes to p whatever it holds (the mesh's
 * control messages, which are not IP packets and which stock peers drop).
 * Staged like any packet while there is no session; nothing is sent, and
 * tx_no_endpoint counts it, while p has no endpoint. */
void wg_peer_tx(struct wg_peer *p, uint8_t *buf, size_t len, uint64_t now);
/* A datagram from the network, len bytes, decrypted in place. `from` is
 * its source, with the local address it came to in src. */
void wg_device_rx(struct wg_device *d, const struct wg_endpoint *from, uint8_t *buf, size_t len,
                  uint64_t now);
/* Called by the I/O layer when a timer armed through ops->timer expires. A
 * call for a timer that is not armed is ignored (a stale expiry the I/O
 * layer could not cancel in time); one before the timer is due arms it
 * again for its time through ops->timer. */
void wg_peer_timer_fired(struct wg_peer *p, enum wg_timer t, uint64_t now);

#endif

/* The WireGuard data plane as the configuration has it: this node's
 * private key, the UDP sockets and the TUN (vpn/io.h), the [peer]s, and
 * the routes their allowed-ips need. Reload applies the difference: a peer
 * whose settings did not change keeps its session. Between reloads wg(8)
 * may change what is in force (vpn_uapi.c); endpoint host names are
 * looked up and followed (vpn_endpoint.c). */
#ifndef MG_DAEMON_VPN_H
#define MG_DAEMON_VPN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/conf.h"
#include "daemon/iface.h"

struct loop;
struct report;
struct tun;
struct uapi_buf;
struct uapi_set;
struct vpn;
struct vpn_io;
struct wg_peer;
struct mg_prefix;

/* Reads the private key and preshared key files; nothing is opened yet, so
 * a missing key stops the start before the interface exists. 0 or -errno
 * (logged, with what to do). */
int vpn_new(const struct mg_conf *c, struct vpn **out);
/* Binds the UDP port on the loop, reads and writes the TUN, adds c's
 * peers (c: the configuration vpn_new() read the keys of). */
int vpn_start(struct vpn *v, struct loop *loop, const struct tun *tun, const struct mg_conf *c);
/* Re-reads the key files and applies next: port, key, MTU, peers added,
 * removed or changed. On an error (a key file, the port) nothing changes. */
int vpn_reload(struct vpn *v, const struct mg_conf *next);
/* Peers that mesh membership manages (daemon/member.c), which a reload
 * leaves alone: adds or updates the member with key, named name, routing
 * allowed to it. 1 added, 0 updated, -EEXIST when a [peer] has that key
 * (the configuration wins), or -errno. */
int vpn_member_set(struct vpn *v, const char *name, const uint8_t key[32],
                   const struct mg_prefix *allowed, size_t n, uint16_t keepalive);
void vpn_member_remove(struct vpn *v, const uint8_t key[32]);
/* The engine's peer for a key, member or [peer]; NULL: none. */
struct wg_peer *vpn_member_peer(const struct vpn *v, const uint8_t key[32]);
struct vpn_io *vpn_get_io(const struct vpn *v);

/* The public half of a private key; -EINVAL for one with none. */
int vpn_public_key(uint8_t pub[32], const uint8_t priv[32]);

/* Closes the sockets and wipes every key. NULL is fine. */
void vpn_free(struct vpn *v);

/* The routes of c's interface, as wg-quick makes them: [mesh] route, then
 * each peer's allowed-ips unless the interface already routes it (an
 * address's own network or a wider route). Default routes are left out:
 * they would carry the tunnel's own datagrams. With log, says what it
 * leaves out. */
void vpn_routes(const struct mg_conf *c, struct iface_routes *out, bool log);
/* The same from the peers and allowed IPs in force, which UAPI may have
 * changed since c was applied. */
void vpn_routes_live(const struct vpn *v, const struct mg_conf *c, struct iface_routes *out);

/* wg(8)'s requests (daemon/vpn_uapi.c), for daemon/uapi_server.h: the
 * answer to get=1, and a set applied through the engine as the kernel
 * would; *routes_changed says the peers' allowed IPs (hence the routes)
 * may have changed, even when the set failed half-way. 0 or -errno. */
int vpn_uapi_get(struct vpn *v, struct uapi_buf *b);
int vpn_uapi_set(struct vpn *v, const struct uapi_set *set, bool *routes_changed);

/* "mesh" in status: one line, and an object with the port and the peers. */
/* The "mesh" health hook of [vrrp] track-health: true when there are no
 * peers, or at least one has a session or a handshake in the last
 * VPN_REACHED_S seconds (WireGuard's session lifetime). Idle static peers
 * need persistent-keepalive to count; members gossip often enough. */
#define VPN_REACHED_S 180
bool vpn_mesh_healthy(const struct vpn *v);

void vpn_status_line(const struct vpn *v, char *buf, size_t len);
void vpn_report(const struct vpn *v, struct report *r);
/* "peers": name, key, endpoint, allowed IPs, handshake, transfer,
 * keepalive and session of each, as wg show lists them. */
void vpn_report_peers(const struct vpn *v, struct report *r);

#endif

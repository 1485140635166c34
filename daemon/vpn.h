/* The WireGuard data plane as the configuration has it: this node's
 * private key, the UDP sockets and the TUN (vpn/io.h), the [peer]s, and
 * the routes their allowed-ips need. Reload applies the difference: a peer
 * whose settings did not change keeps its session. */
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
struct vpn;

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
/* Closes the sockets and wipes every key. NULL is fine. */
void vpn_free(struct vpn *v);

/* The routes of c's interface, as wg-quick makes them: [mesh] route, then
 * each peer's allowed-ips unless the interface already routes it (an
 * address's own network or a wider route). Default routes are left out:
 * they would carry the tunnel's own datagrams. With log, says what it
 * leaves out. */
void vpn_routes(const struct mg_conf *c, struct iface_routes *out, bool log);

/* "mesh" in status: one line, and an object with the port and the peers. */
void vpn_status_line(const struct vpn *v, char *buf, size_t len);
void vpn_report(const struct vpn *v, struct report *r);

#endif

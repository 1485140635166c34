/* The DHCP server on the event loop: one UDP socket on port 67 bound to
 * the LAN interface (SO_BINDTODEVICE, SO_BROADCAST, IP_PKTINFO), and one
 * AF_PACKET socket that only sends, for replies to clients without an
 * address (dhcp/raw).
 *
 * When the socket is readable, requests are read in batches (recvmmsg) and
 * handed to the server until it is full or the socket is empty; then the
 * batch is flushed (one fsync for every lease in it) and the replies go
 * out in one sendmmsg per socket, each as its destination says. Under load
 * a batch fills while the previous one is being synced, so the cost of
 * durability is shared by more clients the busier the server is.
 *
 * A timer ends offers, leases and quarantines as they expire (the server
 * counts in wall-clock seconds; the loop's timer in monotonic time, so it
 * is re-armed at least every minute to follow a clock that jumps). */
#ifndef MG_DHCP_IO_H
#define MG_DHCP_IO_H

#include <stdint.h>

struct dhcp_server;
struct loop;

struct dhcp_io_stats {
	uint64_t rx;			/* datagrams read */
	uint64_t rx_batches;		/* flushes: journal commits with their replies */
	uint64_t rx_truncated;		/* longer than a request may be */
	uint64_t rx_wrong_if;		/* arrived on another interface */
	uint64_t rx_errors;		/* recvmmsg failures */
	uint64_t tx;			/* replies sent on the UDP socket */
	uint64_t tx_raw;		/* replies sent as whole frames */
	uint64_t tx_errors;		/* replies that could not be sent */
};

struct dhcp_io;

/* Opens the sockets on ifname and serves srv from the loop. -ENODEV if
 * the interface does not exist, or -errno. */
int dhcp_io_new(struct loop *loop, struct dhcp_server *srv, const char *ifname,
		struct dhcp_io **out);
/* Stops serving; the server is the caller's. NULL is fine. */
void dhcp_io_free(struct dhcp_io *io);

/* Serves srv from now on (the server was rebuilt on reload). */
void dhcp_io_set_server(struct dhcp_io *io, struct dhcp_server *srv);

int dhcp_io_ifindex(const struct dhcp_io *io);
const struct dhcp_io_stats *dhcp_io_stats(const struct dhcp_io *io);

/* Wall-clock seconds, as the server counts. */
uint64_t dhcp_io_wall_now(void);

#endif

/* The DHCPv4 server's request handling (RFC 2131 4.3), pure: it takes a
 * request, where it came from and the time, and gives back the reply and
 * where it must go. It owns the allocator and the lease journal.
 *
 * Requests are handled in batches so one fsync covers many leases:
 *
 *	for each datagram received:			(until dhcp_server_full)
 *		dhcp_server_input(s, buf, len, &rx, now);
 *	n = dhcp_server_flush(s, &replies);		(commit, then release)
 *	send replies[0..n);
 *
 * A reply that grants a lease is released by flush only once the journal
 * records behind it are on disk; if the commit fails it is withheld and
 * the client asks again. OFFERs and NAKs promise nothing and always go.
 *
 * Host names reach the DNS through dhcp_name_ops: a name is registered
 * when its lease is committed and again on every renewal, and goes when
 * the lease ends (release, decline, expiry) or the client takes another
 * name or address. */
#ifndef MG_DHCP_SERVER_H
#define MG_DHCP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp.h"
#include "dhcp/leases.h"
#include "dhcp/pool.h"
#include "dhcp/wire.h"

#define DHCP_BATCH_MAX 64		/* requests between two flushes */
#define DHCP_OFFER_HOLD 60		/* s, default */
#define DHCP_DECLINE_HOLD 86400		/* s, default */

struct dhcp_server_conf {
	const struct dhcp_subnet_conf *subnets;	/* must outlive the server */
	size_t nsubnets;
	uint32_t offer_hold;		/* s an offer holds its address; 0: default */
	uint32_t decline_hold;		/* s a declined address is quarantined; 0: default */
};

/* The DNS side of the leases. Either function may be NULL. */
struct dhcp_name_ops {
	/* name.<domain> -> addr (and the reverse) until expires, wall-clock s */
	void (*on_lease_name)(void *ctx, const char *name, uint32_t addr, uint64_t expires);
	/* name no longer points at addr */
	void (*on_lease_name_gone)(void *ctx, const char *name, uint32_t addr);
	void *ctx;
};

/* Where a request came from, as the I/O layer saw it. */
struct dhcp_rx_info {
	uint32_t ifindex;
	uint32_t local_addr;	/* our address on that interface: picks the subnet of
				 * a request that is not relayed, and is the server
				 * id unless the subnet sets one */
	uint32_t src_addr;	/* IP source; 0.0.0.0 from a client without address */
};

/* How a reply must be sent (RFC 2131 4.1). */
enum dhcp_dest {
	DHCP_DEST_RELAY,	/* unicast to giaddr, port 67 */
	DHCP_DEST_CIADDR,	/* unicast to the client's own address, port 68 */
	DHCP_DEST_BROADCAST,	/* 255.255.255.255 port 68 on ifindex */
	DHCP_DEST_HWADDR,	/* to yiaddr port 68, link-layer unicast to hw: the
				 * client has no address yet and cannot take broadcast
				 * (AF_PACKET, or an ARP entry set first) */
};

struct dhcp_reply {
	enum dhcp_dest dest;
	uint32_t ifindex;		/* the request's interface */
	uint32_t src;			/* our address to send from (the server id) */
	uint32_t dst;			/* IP destination */
	uint16_t port;			/* UDP destination */
	uint8_t htype, hlen, hw[DHCP_CHADDR_LEN];	/* DHCP_DEST_HWADDR */
	uint8_t type;			/* DHCPOFFER, DHCPACK, DHCPNAK */
	bool durable;			/* grants a lease: released after the commit */
	uint16_t len;
	uint8_t buf[DHCP_REPLY_MAX];
	/* internal: the name to register once committed */
	char name[DHCP_LABEL_MAX + 1];
	uint32_t name_addr;
};

struct dhcp_server_stats {
	uint64_t rx_err[DHCP_RX_NREASONS];	/* malformed, by reason */
	uint64_t rx[DHCPINFORM + 1];		/* by message type; [0]: other types */
	uint64_t offers, acks, naks;
	uint64_t no_subnet;		/* neither giaddr nor the interface is in a subnet */
	uint64_t no_client_id;		/* no option 61 and no hardware address */
	uint64_t exhausted;		/* DISCOVER with no address left */
	uint64_t not_ours;		/* REQUEST/DECLINE/RELEASE for another server */
	uint64_t silent;		/* RFC says stay silent: unknown client, unknown address */
	uint64_t bad_request;		/* REQUEST without the address it must carry */
	uint64_t batch_full;		/* input refused until flush */
	uint64_t commit_failed, withheld;	/* commits that failed, ACKs not sent */
	uint64_t name_conflicts;	/* asked for a name someone holds */
	uint64_t options_dropped;	/* did not fit the client's size */
	uint64_t journal_skipped;	/* journal records for addresses no longer configured */
	uint64_t rewrites_failed;
};

struct dhcp_server;

/* Builds the pool, opens the journal at lease_path (NULL: in memory) and
 * restores the leases in it, as of now. 0, -EINVAL with *why (may be
 * NULL) for a bad configuration, -EPROTO if lease_path is not a lease
 * journal, or -errno. */
int dhcp_server_new(const struct dhcp_server_conf *conf, const char *lease_path,
		    const struct dhcp_name_ops *names, uint64_t now,
		    struct dhcp_server **out, const char **why);
void dhcp_server_free(struct dhcp_server *s);

/* Parses and handles one datagram. 0 if handled (maybe silently, as the
 * RFC wants), -EINVAL if malformed, -ENOENT if not for any subnet,
 * -ENOBUFS if DHCP_BATCH_MAX requests wait for a flush: all counted. */
int dhcp_server_input(struct dhcp_server *s, const uint8_t *buf, size_t len,
		      const struct dhcp_rx_info *rx, uint64_t now);
/* The same for a parsed request. */
int dhcp_server_handle(struct dhcp_server *s, const struct dhcp_msg *req,
		       const struct dhcp_rx_info *rx, uint64_t now);
/* Whether input would be refused until the next flush. */
bool dhcp_server_full(const struct dhcp_server *s);
/* Commits the batch's journal records (one fsync), registers the names of
 * the committed leases, and returns the replies to send: every OFFER and
 * NAK, and the ACKs if the commit succeeded. They stay valid until the
 * next input. May rewrite the journal when it has grown large. */
size_t dhcp_server_flush(struct dhcp_server *s, const struct dhcp_reply **replies);

/* Ends offers, leases and quarantines due by now (names go). Returns when
 * to call again (wall-clock s), UINT64_MAX if nothing is pending. */
uint64_t dhcp_server_tick(struct dhcp_server *s, uint64_t now);
/* Calls on_lease_name for every named lease still valid at now: for a DNS
 * side that starts after the server. */
void dhcp_server_announce(struct dhcp_server *s, uint64_t now);

/* Replaces a subnet's classless static routes (option 121): the other
 * sites' subnets through this gateway. A default route through the
 * subnet's first router is added when routers are configured, since
 * clients that take option 121 ignore option 3 (RFC 3442). */
int dhcp_server_set_routes(struct dhcp_server *s, unsigned subnet,
			   const struct dhcp_route *routes, size_t n);

const struct dhcp_pool *dhcp_server_pool(const struct dhcp_server *s);
struct leases *dhcp_server_leases(struct dhcp_server *s);
const struct dhcp_server_stats *dhcp_server_stats(const struct dhcp_server *s);
const char *dhcp_state_name(enum dhcp_state st);

#endif

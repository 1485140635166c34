/* DHCPv4 types shared by the wire code, the allocator, the lease store and
 * the server: client identity, lease state, one lease's durable fields and
 * the per-subnet configuration. IPv4 addresses are uint32_t in host byte
 * order throughout dhcp/; times are wall-clock seconds (leases outlive the
 * process, so a monotonic clock would not do). */
#ifndef MG_DHCP_DHCP_H
#define MG_DHCP_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_CHADDR_LEN 16
#define DHCP_LABEL_MAX 63		/* a host name is one DNS label */
#define DHCP_DNAME_MAX 255		/* a whole domain name, wire length */

/* A client's identity (RFC 2131 4.2): its client identifier (option 61)
 * when it sends one, else its hardware type and address. b[0] says which;
 * identifiers longer than fit are folded (dhcp_key_from_cid). */
#define DHCP_KEY_MAX 64
#define DHCP_KEY_CID 'C'
#define DHCP_KEY_HW 'H'

struct dhcp_key {
	uint8_t len;			/* 0: nobody */
	uint8_t b[DHCP_KEY_MAX];
};

/* What an address is doing. */
enum dhcp_state {
	DHCP_FREE = 0,		/* may be handed out; may remember its last client */
	DHCP_OFFERED,		/* held for a client for a short time */
	DHCP_LEASED,		/* bound until expires */
	DHCP_DECLINED,		/* a client saw it in use: quarantined until expires */
	DHCP_RESERVED,		/* a reservation's address, idle */
	DHCP_NSTATES
};

/* One address's lease: what the journal stores and the change feed
 * carries. A FREE binding with a key remembers the last client so that it
 * gets the same address back. */
struct dhcp_binding {
	uint32_t addr;
	uint8_t state;			/* enum dhcp_state */
	uint8_t htype, hlen;		/* the client's hardware address */
	uint8_t hw[DHCP_CHADDR_LEN];
	struct dhcp_key key;
	char name[DHCP_LABEL_MAX + 1];	/* host name registered in DNS, "" if none */
	uint64_t expires;		/* OFFERED, LEASED, DECLINED: until when */
};

/* ---- configuration, owned by the caller ---- */

struct dhcp_range {
	uint32_t first, last;		/* inclusive */
};

/* A static reservation: a client matched by client identifier (cid_len > 0)
 * or by Ethernet address (has_mac) gets addr and, if set, name. */
struct dhcp_reservation {
	uint8_t mac[6];
	bool has_mac;
	uint8_t cid[DHCP_KEY_MAX - 1];
	uint8_t cid_len;
	uint32_t addr;
	const char *name;		/* a valid label or NULL */
};

/* A classless static route (RFC 3442). */
struct dhcp_route {
	uint32_t dest;
	uint8_t len;			/* 0..32, host bits of dest clear */
	uint32_t gw;
};

struct dhcp_subnet_conf {
	uint32_t network;
	uint8_t prefix_len;		/* 8..30 */
	const struct dhcp_range *ranges;
	size_t nranges;
	const struct dhcp_reservation *reservations;
	size_t nreservations;
	uint32_t lease_time;		/* seconds */
	uint32_t server_id;		/* 0: the receiving interface's address */

	/* options */
	const uint32_t *routers;	/* option 3 */
	size_t nrouters;
	const uint32_t *dns;		/* option 6 */
	size_t ndns;
	const uint32_t *ntp;		/* option 42 */
	size_t nntp;
	const char *domain;		/* option 15, NULL if none */
	const char *const *search;	/* option 119 */
	size_t nsearch;
	uint16_t mtu;			/* option 26, 0 if none */
	const struct dhcp_route *routes; /* option 121 (and 249 if asked) */
	size_t nroutes;
};

#endif
